"""Verified corpus downloads: hashes, retries, mirrors and atomic writes, against a loopback server.

No test touches the internet: the registry is swapped for tiny corpora whose URLs point at an
HTTP server on 127.0.0.1 that counts every request it gets.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from miscaling.data import download
from miscaling.data.download import (
    CORPORA,
    Corpus,
    DownloadError,
    RemoteFile,
    describe,
    fetch_corpus,
    verify_file,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

CONTENTS = {
    "train": b" = Tiny = \n the quick brown fox \n" * 50,
    "valid": b" jumps over \n",
    "test": b" the lazy dog \n \n",
}
ARCHIVE_NAME = "tiny-v1.zip"
MIRROR_DIR = "tiny"


def _hash(algorithm: str, data: bytes) -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ARCHIVE = _zip({f"tiny/wiki.{split}.tokens": data for split, data in CONTENTS.items()}
               | {"tiny/README": b"not extracted"})


# ---------------------------------------------------------------------------------------------
# Loopback server


@dataclass
class Server:
    """What the loopback server serves, how often to drop a connection, and what it was asked."""

    base: str = ""
    routes: dict[str, bytes] = field(default_factory=dict)
    drops_left: dict[str, int] = field(default_factory=dict)  # path -> connections to drop
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


@pytest.fixture
def server():
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.lstrip("/")
            state.requests.append(path)
            if state.drops_left.get(path, 0) > 0:
                state.drops_left[path] -= 1
                self.close_connection = True  # hang up without sending a status line
                return
            body = state.routes.get(path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep pytest's output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    # A short poll interval keeps shutdown() (and so each test's teardown) quick.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """No mirror from the caller's environment, no proxy for 127.0.0.1, no back-off waits."""
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(download, "RETRY_BACKOFF_S", 0.0)


# ---------------------------------------------------------------------------------------------
# Tiny corpora registered in place of the real ones


def register_zip_corpus(monkeypatch, server: Server, *, archive_hash=None, content_hashes=None):
    """Corpus ``tiny``: three members of one zip served at ``/tiny-v1.zip``."""
    content_hashes = content_hashes or {}
    files = tuple(
        RemoteFile(
            split=split,
            name=f"wiki.{split}.tokens",
            url=server.url(ARCHIVE_NAME),
            archive_hash=archive_hash or _hash("sha256", ARCHIVE),
            member=f"tiny/wiki.{split}.tokens",
            content_hash=content_hashes.get(split, _hash("sha1", data)),
            mirror_dir=MIRROR_DIR,
        )
        for split, data in CONTENTS.items()
    )
    monkeypatch.setitem(CORPORA, "tiny", Corpus("tiny", "test corpus", files))
    server.routes[ARCHIVE_NAME] = ARCHIVE
    return files


def register_direct_corpus(monkeypatch, server: Server, *, content_hashes=None, key="plain"):
    """Corpus ``plain``: three files served as they are at ``/plain.<split>.txt``."""
    content_hashes = content_hashes or {}
    files = []
    for split, data in CONTENTS.items():
        name = f"plain.{split}.txt"
        digest = content_hashes.get(split, _hash("sha256", data))
        files.append(RemoteFile(split, name, server.url(name), digest, None, digest, "plain"))
        server.routes[name] = data
    monkeypatch.setitem(CORPORA, key, Corpus(key, "test corpus", tuple(files)))
    return files


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_fetched(result: dict[str, Path], dest: Path, suffix_by_split: dict[str, str]):
    assert result == {split: dest / name for split, name in suffix_by_split.items()}
    for split, path in result.items():
        assert path.read_bytes() == CONTENTS[split]


WIKI_NAMES = {split: f"wiki.{split}.tokens" for split in CONTENTS}
PLAIN_NAMES = {split: f"plain.{split}.txt" for split in CONTENTS}


# ---------------------------------------------------------------------------------------------
# Network downloads


def test_archive_members_are_downloaded_extracted_and_verified(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    result = fetch_corpus("tiny", tmp_path / "out")
    assert_fetched(result, tmp_path / "out", WIKI_NAMES)
    assert server.requests == [ARCHIVE_NAME]  # one download serves all three members
    assert files_under(tmp_path / "out") == sorted(WIKI_NAMES.values())  # cache removed


def test_direct_files_are_downloaded_and_verified(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server)
    result = fetch_corpus("plain", tmp_path)
    assert_fetched(result, tmp_path, PLAIN_NAMES)
    assert files_under(tmp_path) == sorted(PLAIN_NAMES.values())


def test_archive_hash_mismatch_fails_and_leaves_nothing(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server, archive_hash=_hash("sha256", b"another archive"))
    with pytest.raises(DownloadError) as caught:
        fetch_corpus("tiny", tmp_path)
    message = str(caught.value)
    for expected in ("wiki.train.tokens", server.url(ARCHIVE_NAME), "does not match",
                     "--mirror /path/to/mirror", "MISCALING_MIRROR=/path/to/mirror",
                     "/path/to/mirror/tiny/tiny-v1.zip", "Data sets and mirrors"):
        assert expected in message
    assert "shared/data" not in message and "../" not in message  # no path outside the repo
    assert server.requests == [ARCHIVE_NAME]  # a wrong file is not fetched again and again
    assert files_under(tmp_path) == []


def test_content_hash_mismatch_fails_without_a_final_file(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server, content_hashes={"valid": _hash("sha1", b"other")})
    with pytest.raises(DownloadError, match=r"wiki\.valid\.tokens.*content sha1 is"):
        fetch_corpus("tiny", tmp_path)
    # dest is left as it was before the call: train (verified, fetched first) is removed
    # again, valid never appears, and the archive this call downloaded is gone too.
    assert files_under(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_direct_file_with_wrong_content_is_not_kept(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server, content_hashes={"train": _hash("sha256", b"x")})
    with pytest.raises(DownloadError, match=r"plain\.train\.txt.*does not match"):
        fetch_corpus("plain", tmp_path)
    assert files_under(tmp_path) == []


def test_corrupt_archive_is_reported(monkeypatch, server, tmp_path):
    truncated = ARCHIVE[: len(ARCHIVE) // 2]
    register_zip_corpus(monkeypatch, server, archive_hash=_hash("sha256", truncated))
    server.routes[ARCHIVE_NAME] = truncated
    with pytest.raises(DownloadError, match="corrupt zip archive"):
        fetch_corpus("tiny", tmp_path)
    assert [f for f in files_under(tmp_path) if not f.startswith(".download/")] == []


def test_dropped_connections_are_retried_then_reported(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server)
    server.drops_left["plain.train.txt"] = 100
    with pytest.raises(DownloadError) as caught:
        fetch_corpus("plain", tmp_path, retries=2)
    assert server.requests == ["plain.train.txt"] * 3  # first try + 2 retries
    message = str(caught.value)
    assert "plain.train.txt" in message and server.url("plain.train.txt") in message
    assert "gave up after 3 attempts" in message and "--mirror /path/to/mirror" in message
    assert files_under(tmp_path) == []


def test_a_connection_dropped_once_is_recovered_by_a_retry(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    server.drops_left[ARCHIVE_NAME] = 2
    result = fetch_corpus("tiny", tmp_path, retries=2)
    assert_fetched(result, tmp_path, WIKI_NAMES)
    assert server.requests == [ARCHIVE_NAME] * 3


def test_missing_url_fails_at_once(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server)
    del server.routes["plain.train.txt"]
    with pytest.raises(DownloadError, match=r"plain\.train\.txt.*HTTP 404"):
        fetch_corpus("plain", tmp_path, retries=3)
    assert server.requests == ["plain.train.txt"]


def test_verified_file_is_kept_and_wrong_file_replaced(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    fetch_corpus("tiny", tmp_path)
    fetch_corpus("tiny", tmp_path)
    assert server.requests == [ARCHIVE_NAME]  # second call: everything already verified

    (tmp_path / "wiki.valid.tokens").write_bytes(b"edited by hand")
    result = fetch_corpus("tiny", tmp_path)
    assert_fetched(result, tmp_path, WIKI_NAMES)
    assert server.requests == [ARCHIVE_NAME] * 2


def test_wrong_file_is_removed_even_when_the_new_fetch_fails(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server)
    (tmp_path / "plain.train.txt").write_bytes(b"stale")
    del server.routes["plain.train.txt"]
    with pytest.raises(DownloadError):
        fetch_corpus("plain", tmp_path)
    assert files_under(tmp_path) == []  # no unverified file that looks like a finished download


def test_failed_download_leaves_dest_as_it_was(monkeypatch, server, tmp_path):
    """A hash mismatch on the last file removes what the call added, and only that."""
    register_zip_corpus(monkeypatch, server, content_hashes={"test": _hash("sha1", b"other")})
    (tmp_path / "notes.txt").write_bytes(b"mine")
    (tmp_path / "wiki.train.tokens").write_bytes(CONTENTS["train"])  # verified: kept as it is
    (tmp_path / ".download").mkdir()
    (tmp_path / ".download" / "old.zip").write_bytes(b"from an earlier run")
    before = {name: (tmp_path / name).stat().st_mtime_ns
              for name in ("notes.txt", "wiki.train.tokens", ".download/old.zip")}
    with pytest.raises(DownloadError, match=r"wiki\.test\.tokens.*content sha1 is"):
        fetch_corpus("tiny", tmp_path)
    assert files_under(tmp_path) == [".download/old.zip", "notes.txt", "wiki.train.tokens"]
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in before} == before
    assert server.requests == [ARCHIVE_NAME]


def test_failed_download_removes_the_folders_it_created(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server, content_hashes={"test": _hash("sha256", b"x")})
    with pytest.raises(DownloadError, match=r"plain\.test\.txt"):
        fetch_corpus("plain", tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_also_leaves_dest_as_it_was(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    install = download._install_member

    def interrupted(file, *args):
        if file.split == "valid":
            raise KeyboardInterrupt
        install(file, *args)

    monkeypatch.setattr(download, "_install_member", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_corpus("tiny", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_network_errors_suggest_a_mirror_and_mirror_errors_do_not(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server)
    del server.routes["plain.valid.txt"]
    with pytest.raises(DownloadError) as caught:
        fetch_corpus("plain", tmp_path / "net")
    assert "--mirror /path/to/mirror" in str(caught.value)
    assert "/path/to/mirror/plain/plain.valid.txt.gz" in str(caught.value)

    mirror = tmp_path / "mirror"
    (mirror / "plain").mkdir(parents=True)
    (mirror / "plain" / "plain.train.txt").write_bytes(b"tampered")
    monkeypatch.setenv("MISCALING_MIRROR", str(mirror))
    with pytest.raises(DownloadError) as caught:
        fetch_corpus("plain", tmp_path / "mirrored")
    assert "content sha256 is" in str(caught.value)
    assert "/path/to/mirror" not in str(caught.value) and "--mirror" not in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Mirrors


def make_mirror(root: Path, *, plain=(), gzipped=(), archive_at: str | None = None) -> Path:
    """A mirror holding some splits as plain files, some gzipped, and maybe the archive."""
    folder = root / MIRROR_DIR
    folder.mkdir(parents=True)
    for split in plain:
        (folder / WIKI_NAMES[split]).write_bytes(CONTENTS[split])
    for split in gzipped:
        (folder / f"{WIKI_NAMES[split]}.gz").write_bytes(gzip.compress(CONTENTS[split]))
    if archive_at is not None:
        (root / archive_at).write_bytes(ARCHIVE)
    return root


def test_mirror_directory_serves_plain_gzip_and_archive(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    mirror = make_mirror(tmp_path / "mirror", plain=["train"], gzipped=["valid"],
                         archive_at=f"{MIRROR_DIR}/{ARCHIVE_NAME}")
    result = fetch_corpus("tiny", tmp_path / "out", mirror=str(mirror))
    assert_fetched(result, tmp_path / "out", WIKI_NAMES)
    assert server.requests == []
    assert files_under(tmp_path / "out") == sorted(WIKI_NAMES.values())


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_mirror_archive_at_the_top_level(monkeypatch, server, tmp_path, as_url):
    register_zip_corpus(monkeypatch, server)
    mirror = make_mirror(tmp_path / "mirror", archive_at=ARCHIVE_NAME)
    result = fetch_corpus("tiny", tmp_path / "out",
                          mirror=mirror.as_uri() if as_url else str(mirror))
    assert_fetched(result, tmp_path / "out", WIKI_NAMES)
    assert server.requests == []


def test_mirror_from_the_environment(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    mirror = make_mirror(tmp_path / "mirror", gzipped=CONTENTS)
    monkeypatch.setenv("MISCALING_MIRROR", str(mirror))
    result = fetch_corpus("tiny", tmp_path / "out")
    assert_fetched(result, tmp_path / "out", WIKI_NAMES)
    assert server.requests == []


def test_mirror_over_http_tries_each_location(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    del server.routes[ARCHIVE_NAME]  # the canonical URL must not be used
    server.routes.update({
        "mirror/tiny/wiki.train.tokens": CONTENTS["train"],
        "mirror/tiny/wiki.valid.tokens.gz": gzip.compress(CONTENTS["valid"]),
        f"mirror/{ARCHIVE_NAME}": ARCHIVE,
    })
    result = fetch_corpus("tiny", tmp_path / "out", mirror=server.url("mirror/"))
    assert_fetched(result, tmp_path / "out", WIKI_NAMES)
    assert server.requests == [
        "mirror/tiny/wiki.train.tokens",
        "mirror/tiny/wiki.valid.tokens",
        "mirror/tiny/wiki.valid.tokens.gz",
        "mirror/tiny/wiki.test.tokens",
        "mirror/tiny/wiki.test.tokens.gz",
        f"mirror/tiny/{ARCHIVE_NAME}",
        f"mirror/{ARCHIVE_NAME}",
    ]
    assert files_under(tmp_path / "out") == sorted(WIKI_NAMES.values())


def test_mirror_without_the_file_lists_the_paths_tried(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    mirror = make_mirror(tmp_path / "mirror", plain=["train"])
    with pytest.raises(DownloadError) as caught:
        fetch_corpus("tiny", tmp_path / "out", mirror=str(mirror))
    message = str(caught.value)
    assert "no copy of 'wiki.valid.tokens'" in message
    for tried in ("tiny/wiki.valid.tokens", "tiny/wiki.valid.tokens.gz",
                  f"tiny/{ARCHIVE_NAME}", ARCHIVE_NAME):
        assert f"  {mirror / tried}\n" in message
    assert server.requests == []  # a mirror never falls back to the network
    assert 'the README\'s "Data sets and mirrors"' in message and "shared/data" not in message
    assert not (tmp_path / "out").exists()  # train, verified first, does not stay behind


def test_corrupt_mirror_copy_is_not_used(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    mirror = make_mirror(tmp_path / "mirror", archive_at=ARCHIVE_NAME)
    (mirror / MIRROR_DIR / "wiki.train.tokens.gz").write_bytes(gzip.compress(b"tampered"))
    with pytest.raises(DownloadError, match=r"wiki\.train\.tokens\.gz.*content sha1 is") as caught:
        fetch_corpus("tiny", tmp_path / "out", mirror=str(mirror))
    # A mirror was used: the hint to use one is noise here.
    assert "--mirror" not in str(caught.value) and "MISCALING_MIRROR" not in str(caught.value)
    assert not (tmp_path / "out").exists()  # the call created it; a failure takes it away
    assert server.requests == []


def test_missing_mirror_directory_is_an_error(monkeypatch, server, tmp_path):
    register_zip_corpus(monkeypatch, server)
    with pytest.raises(DownloadError, match="does not exist"):
        fetch_corpus("tiny", tmp_path / "out", mirror=str(tmp_path / "nowhere"))
    assert server.requests == []


# ---------------------------------------------------------------------------------------------
# Files without a published checksum


def test_gpt2_117m_needs_pinned_hashes(tmp_path):
    with pytest.raises(DownloadError) as caught:
        fetch_corpus("gpt2_117m", tmp_path)
    message = str(caught.value)
    assert "small-117M.train.jsonl" in message and "hashes=" in message
    assert files_under(tmp_path) == []


def test_pinned_hashes_make_an_unpinned_corpus_usable(monkeypatch, server, tmp_path):
    register_direct_corpus(monkeypatch, server, key="unpinned",
                           content_hashes={split: None for split in CONTENTS})
    with pytest.raises(DownloadError, match="no checksum has been published"):
        fetch_corpus("unpinned", tmp_path)
    assert server.requests == []

    pins = {PLAIN_NAMES[split]: _hash("sha256", data) for split, data in CONTENTS.items()}
    result = fetch_corpus("unpinned", tmp_path, hashes=pins)
    assert_fetched(result, tmp_path, PLAIN_NAMES)

    pins["plain.test.txt"] = _hash("sha256", b"not it")
    (tmp_path / "plain.test.txt").unlink()
    with pytest.raises(DownloadError, match="does not match"):
        fetch_corpus("unpinned", tmp_path, hashes=pins)
    assert not (tmp_path / "plain.test.txt").exists()


def test_hashes_for_unknown_files_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="does not have"):
        fetch_corpus("ptb", tmp_path, hashes={"ptb.typo.txt": "sha256:00"})


# ---------------------------------------------------------------------------------------------
# Registry and helpers


def test_unknown_corpus_names_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match="unknown corpus 'ptb2'.*wikitext2"):
        fetch_corpus("ptb2", tmp_path)


def test_registry_follows_sources_md():
    assert set(CORPORA) == {"ptb", "wikitext2", "wikitext103", "text8", "gpt2", "gpt2_117m"}
    assert {c.key: c.splits for c in CORPORA.values()} == {
        "ptb": ("train", "valid", "test"),
        "wikitext2": ("train", "valid", "test"),
        "wikitext103": ("train", "valid", "test"),
        "text8": ("all",),
        "gpt2": ("samples",),
        "gpt2_117m": ("train", "valid", "test"),
    }
    mirror_dirs = {key: {f.mirror_dir for f in c.files} for key, c in CORPORA.items()}
    assert mirror_dirs == {
        "ptb": {"ptb"}, "wikitext2": {"wikitext-2"}, "wikitext103": {"wikitext-103"},
        "text8": {"text8"}, "gpt2": {"gpt2-samples"}, "gpt2_117m": {"gpt2-samples"},
    }
    for key, corpus in CORPORA.items():
        for file in corpus.files:
            assert (file.content_hash is None) == (key == "gpt2_117m")
    assert CORPORA["wikitext2"].files[0].member == "wikitext-2/wiki.train.tokens"
    assert CORPORA["text8"].files[0].content_hash.startswith("sha1:0dc3edeb")


def test_direct_file_must_have_a_single_hash():
    with pytest.raises(ValueError, match="one hash"):
        RemoteFile("train", "a.txt", "http://x/a.txt", "sha256:aa", None, "sha256:bb", "x")


def test_verify_file_supports_the_usual_algorithms(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc")
    for algorithm in ("md5", "sha1", "sha256"):
        assert verify_file(path, _hash(algorithm, b"abc"))
        assert not verify_file(path, _hash(algorithm, b"abd"))
    assert verify_file(path, hashlib.sha256(b"abc").hexdigest().upper())  # bare hex = sha256
    with pytest.raises(ValueError, match="ALG:HEX"):
        verify_file(path, "crc32:352441c2")


def test_describe_lists_every_file():
    table = describe()
    for corpus in CORPORA.values():
        for file in corpus.files:
            assert f"| {corpus.key} | {file.split} | {file.name} |" in table
    assert describe(["text8"]).count("\n") == 2


# ---------------------------------------------------------------------------------------------
# The real mirror shipped next to the project


REAL_DATA = {  # corpus: {split: line count}, from shared/data/SOURCES.md
    "wikitext2": {"train": 36_718, "valid": 3_760, "test": 4_358},
    "ptb": {"train": 42_068, "valid": 3_370, "test": 3_761},
    "gpt2": {"samples": 20_000},
}


@pytest.mark.realdata
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent")
@pytest.mark.parametrize("corpus", sorted(REAL_DATA))
def test_real_corpora_from_the_shared_mirror(corpus, tmp_path):
    result = fetch_corpus(corpus, tmp_path, mirror=str(SHARED_DATA))
    assert set(result) == set(REAL_DATA[corpus])
    for file in CORPORA[corpus].files:
        path = result[file.split]
        assert verify_file(path, file.content_hash)
        with path.open("rb") as handle:
            assert sum(1 for _ in handle) == REAL_DATA[corpus][file.split]


# ---------------------------------------------------------------------------------------------
# text8 and WikiText-103 are not available on the test machines: run their registry entries on
# small archives of the same format (same member paths, same archive names), re-pointed at the
# loopback server with hashes of the small contents.


def _same_format(corpus: str, server: Server, members: dict[str, bytes]) -> Corpus:
    real = CORPORA[corpus]
    archive_name = real.files[0].download_name
    server.routes[archive_name] = _zip(members)
    archive_hash = _hash("sha256", server.routes[archive_name])
    files = tuple(
        RemoteFile(split=f.split, name=f.name, url=server.url(archive_name),
                   archive_hash=archive_hash, member=f.member,
                   content_hash=_hash("sha1", members[f.member]), mirror_dir=f.mirror_dir)
        for f in real.files
    )
    return Corpus(real.key, real.title, files)


def test_text8_and_wikitext103_formats_end_to_end(server, monkeypatch, tmp_path):
    from miscaling.data.prepare import encode_corpus, split_text8

    text8 = b"anarchism originated as a term of abuse " * 50  # 2,000 bytes, one line
    wt103 = {f"wikitext-103/wiki.{s}.tokens": f" = Valkyria = \n the {s} text \n".encode() * 20
             for s in ("train", "valid", "test")}
    assert CORPORA["text8"].files[0].member == "text8"
    assert {f.member for f in CORPORA["wikitext103"].files} == set(wt103)
    monkeypatch.setitem(CORPORA, "text8", _same_format("text8", server, {"text8": text8}))
    monkeypatch.setitem(CORPORA, "wikitext103", _same_format("wikitext103", server, wt103))

    got = fetch_corpus("text8", tmp_path / "text8")
    assert got["all"].read_bytes() == text8
    splits = split_text8(got["all"], tmp_path / "text8/split", sizes=(1800, 100, 100))
    summary = encode_corpus(splits, "char", tmp_path / "text8_char")
    assert summary["lengths"] == {"train": 1800, "valid": 100, "test": 100}

    got = fetch_corpus("wikitext103", tmp_path / "wikitext103")
    assert sorted(got) == ["test", "train", "valid"]
    summary = encode_corpus(got, "word", tmp_path / "wikitext103_word")
    assert summary["lengths"]["train"] == 20 * (3 + 1 + 3 + 1)  # 2 lines of 3 words + <eos> each
    assert server.requests == ["text8.zip", "wikitext-103-v1.zip"]


def test_a_corpus_missing_from_the_mirror_names_the_way_out(tmp_path, capsys):
    """A newcomer's mirror without WikiText-103: the error says how the run goes on without it."""
    from cli_helpers import run_cli

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    code = run_cli("download", "wikitext103", "--dest", tmp_path / "raw", "--mirror", mirror)
    err = capsys.readouterr().err
    assert code != 0 and "has no copy of" in err
    assert "corpora.names" in err and "--config 'corpora={names: [ptb, wikitext2, text8]}'" in err
    assert not (tmp_path / "raw").exists()
