"""Corpus manifests: ``manifest.json`` says which files make a corpus (and that they are complete).

Format (one-space indentation, a final newline): ``{"corpus": "wikitext2", "files": {"train":
{"path": "wiki.train.tokens", "hash": "sha1:..."}, ...}}``, ``path`` relative to the manifest's
folder (an absolute path is taken as it is).  A download manifest gives every file's ``hash``,
the one it was verified against in the same call (:func:`download_corpus`), and is written last,
so a corpus is used only once complete; a manifest of derived files (text8's split) has paths
only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from miscaling.io import write_json

from .download import fetch_verified
from .registry import VerifiedFile

MANIFEST_FILE = "manifest.json"


def download_manifest(corpus: str, verified: Iterable[VerifiedFile]) -> dict:
    """The manifest of files that :func:`~miscaling.data.download.fetch_verified` checked."""
    return {
        "corpus": corpus,
        "files": {file.split: {"path": file.path.name, "hash": file.hash} for file in verified},
    }


def download_corpus(
    corpus: str,
    dest: str | os.PathLike,
    *,
    manifest: str | os.PathLike | None = None,
    mirror: str | os.PathLike | None = None,
    retries: int = 3,
    hashes: Mapping[str, str] | None = None,
) -> tuple[Path, list[VerifiedFile]]:
    """Fetch and verify ``corpus`` into ``dest``, then write its manifest (last).

    ``manifest`` defaults to ``dest/manifest.json``.  Every file is hashed once, while it is
    fetched (or found in place); the manifest records the hash it was checked against, so it
    vouches only for files this call checked.  Returns the manifest path and the files.
    """
    verified = fetch_verified(corpus, dest, mirror=mirror, retries=retries, hashes=hashes)
    out = Path(manifest) if manifest else Path(dest) / MANIFEST_FILE
    write_json(out, download_manifest(corpus, verified))
    return out, verified


def write_manifest(out_dir: str | os.PathLike, corpus: str,
                   paths: Mapping[str, str | os.PathLike]) -> Path:
    """``out_dir/manifest.json`` for files written there (paths only, no hashes)."""
    manifest = {"corpus": corpus,
                "files": {split: {"path": Path(p).name} for split, p in paths.items()}}
    out = Path(out_dir) / MANIFEST_FILE
    write_json(out, manifest)
    return out


def read_manifest(path: str | os.PathLike) -> tuple[dict[str, Path], dict]:
    """``({split: file path}, manifest)``; relative paths are relative to the manifest's folder."""
    import json

    manifest_path = Path(path)
    if not manifest_path.is_file():
        raise FileNotFoundError(f"manifest {str(path)!r} does not exist")
    try:
        manifest = json.loads(manifest_path.read_text())
        files = {split: manifest_path.parent / entry["path"]
                 for split, entry in manifest["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"manifest {str(path)!r} is not a corpus manifest "
                         f"(expected {{'files': {{split: {{'path': ...}}}}}}): {err}") from None
    return files, manifest


def select_splits(files: Mapping[str, Path], splits: Iterable[str],
                  source: str | os.PathLike) -> dict[str, Path]:
    """``{split: path}`` for ``splits`` in the order given (empty names skipped)."""
    splits = list(splits)
    unknown = [split for split in splits if split not in files]
    if unknown:
        raise ValueError(f"manifest {str(source)!r} has no split(s) {unknown}; it lists "
                         f"{sorted(files)}")
    return {split: files[split] for split in splits if split}


def single_file(files: Mapping[str, Path], split: str | None, source: str | os.PathLike,
                hint: str = "pick one with split=...") -> Path:
    """The file of ``split``, or the manifest's only file when ``split`` is None."""
    if split is None:
        if len(files) != 1:
            raise ValueError(f"manifest {str(source)!r} lists {sorted(files)}; {hint}")
        return next(iter(files.values()))
    if split not in files:
        raise ValueError(f"manifest {str(source)!r} has no split {split!r}; it lists "
                         f"{sorted(files)}")
    return files[split]
