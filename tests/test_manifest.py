"""Corpus manifests: the format on disk, one verification per file, reading them back."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pooch
import pytest
from miscaling.data import download, registry
from miscaling.data.manifest import (
    download_corpus,
    read_manifest,
    select_splits,
    single_file,
    write_manifest,
)
from miscaling.data.registry import CORPORA, Corpus, DownloadError, RemoteFile

CONTENTS = {"train": b"the quick brown fox\n" * 10, "valid": b"jumps over\n", "test": b"dog\n"}


def _sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


@pytest.fixture
def mirror(monkeypatch, tmp_path) -> Path:
    """Corpus ``tiny`` of three direct files, all in a local mirror (no network)."""
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)
    root = tmp_path / "mirror"
    (root / "tiny").mkdir(parents=True)
    files = []
    for split, data in CONTENTS.items():
        name = f"tiny.{split}.txt"
        (root / "tiny" / name).write_bytes(data)
        files.append(RemoteFile(split, name, f"http://127.0.0.1:9/{name}", _sha256(data), None,
                                _sha256(data), "tiny"))
    monkeypatch.setitem(CORPORA, "tiny", Corpus("tiny", "test corpus", tuple(files)))
    return root


def test_download_manifest_format_is_unchanged(mirror, tmp_path):
    dest = tmp_path / "raw"
    out, verified = download_corpus("tiny", dest, mirror=mirror)
    assert out == dest / "manifest.json"
    expected = {"corpus": "tiny",
                "files": {split: {"path": f"tiny.{split}.txt", "hash": _sha256(data)}
                          for split, data in CONTENTS.items()}}
    assert out.read_text() == json.dumps(expected, indent=1) + "\n"
    assert [(f.split, f.path, f.hash) for f in verified] == [
        (split, dest / f"tiny.{split}.txt", _sha256(data)) for split, data in CONTENTS.items()]


def test_pinned_hashes_are_what_the_manifest_records(mirror, tmp_path, monkeypatch):
    unpinned = Corpus("tiny", "t", tuple(
        RemoteFile(f.split, f.name, f.url, None, None, None, f.mirror_dir)
        for f in CORPORA["tiny"].files))
    monkeypatch.setitem(CORPORA, "tiny", unpinned)
    pins = {f"tiny.{split}.txt": _sha256(data) for split, data in CONTENTS.items()}
    out, _ = download_corpus("tiny", tmp_path / "raw", mirror=mirror, hashes=pins,
                             manifest=tmp_path / "elsewhere" / "m.json")
    files = json.loads(out.read_text())["files"]
    assert {entry["hash"] for entry in files.values()} == set(pins.values())
    assert not (tmp_path / "raw" / "manifest.json").exists()


def test_every_file_is_hashed_once(mirror, tmp_path, monkeypatch):
    hashed: list[str] = []
    real = pooch.file_hash

    def counting(path, alg="sha256"):
        hashed.append(Path(path).name)
        return real(path, alg=alg)

    monkeypatch.setattr(registry.pooch, "file_hash", counting)
    dest = tmp_path / "raw"
    download_corpus("tiny", dest, mirror=mirror)  # fetched: each copy checked once
    assert len(hashed) == len(CONTENTS)
    hashed.clear()
    download_corpus("tiny", dest, mirror=mirror)  # already in place: each file checked once
    assert sorted(hashed) == sorted(f"tiny.{split}.txt" for split in CONTENTS)


def test_a_failed_download_writes_no_manifest(mirror, tmp_path):
    (mirror / "tiny" / "tiny.test.txt").write_bytes(b"tampered")
    with pytest.raises(DownloadError):
        download_corpus("tiny", tmp_path / "raw", mirror=mirror)
    assert not (tmp_path / "raw").exists()


def test_write_and_read_a_manifest(tmp_path):
    paths = {split: tmp_path / f"{split}.txt" for split in ("train", "valid", "test")}
    out = write_manifest(tmp_path, "text8", paths)
    expected = {"corpus": "text8",
                "files": {split: {"path": f"{split}.txt"} for split in paths}}
    assert out.read_text() == json.dumps(expected, indent=1) + "\n"
    files, manifest = read_manifest(out)
    assert files == paths and manifest == expected


def test_read_manifest_refuses_what_is_not_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_manifest(tmp_path / "nope.json")
    for text in ('{"corpus": "x"}', "[1, 2]", "not json", '{"files": {"a": "b"}}'):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(ValueError, match="not a corpus manifest"):
            read_manifest(tmp_path / "bad.json")


def test_splits_and_single_files_are_picked_by_name(tmp_path):
    files = {"train": tmp_path / "a", "valid": tmp_path / "b"}
    assert list(select_splits(files, ["valid", "train"], "m.json")) == ["valid", "train"]
    with pytest.raises(ValueError, match=r"'m.json' has no split\(s\) \['test'\]"):
        select_splits(files, ["train", "test"], "m.json")
    assert single_file(files, "valid", "m.json") == tmp_path / "b"
    assert single_file({"samples": tmp_path / "s"}, None, "m.json") == tmp_path / "s"
    with pytest.raises(ValueError, match="pick one with --split"):
        single_file(files, None, "m.json", hint="pick one with --split")
    with pytest.raises(ValueError, match="has no split 'test'"):
        single_file(files, "test", "m.json")
