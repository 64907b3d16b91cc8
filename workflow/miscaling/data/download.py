"""Verified downloads of the corpora: Penn Treebank, WikiText-2/103, text8 and GPT-2 samples.

``fetch_corpus("wikitext2", "data/raw/wikitext2", mirror=None)`` -> ``{"train": Path, ...}``;
use one destination folder per corpus (WikiText-2 and -103 share file names).  Every file is
checked against its published checksum under a temporary name before it is renamed into place;
a failure raises (:class:`DownloadError`) and leaves ``dest`` as it was, except that a file found
with a wrong hash is removed.  Network errors are retried with back-off.  Files, URLs and hashes:
:mod:`.registry`; mirrors: :mod:`.mirror` (layout: README, "What a mirror holds").
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pooch
import requests

from miscaling.io import atomic_path
from miscaling.settings import check_int, problems_error

from .mirror import (
    MIRROR_ENV,
    Kind,
    Mirror,
    NotFound,
    mirror_candidates,
    mirror_hint,
    no_copy_error,
    resolve_mirror,
)
from .registry import (
    CORPORA,
    Corpus,
    DownloadError,
    RemoteFile,
    VerifiedFile,
    describe,
    file_digest,
    files_to_fetch,
    verify_file,
)

__all__ = [
    "CACHE_DIRNAME", "CORPORA", "MIRROR_ENV", "RETRY_BACKOFF_S", "Corpus", "DownloadError",
    "RemoteFile", "VerifiedFile", "describe", "fetch_corpus", "fetch_verified", "verify_file",
]

log = logging.getLogger(__name__)

CACHE_DIRNAME = ".download"
# Wait before retry k (k = 0, 1, ...) is RETRY_BACKOFF_S * 2**k seconds.
RETRY_BACKOFF_S = 1.0

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
    :mod:`miscaling.data.mirror` for the layout).  ``retries`` is the number of extra attempts
    after a transient network failure.  ``hashes`` maps file names to hashes that replace the
    registry's content hashes (required for files without a published one).
    """
    verified = fetch_verified(corpus, dest, mirror=mirror, retries=retries, hashes=hashes,
                              progress=progress)
    return {file.split: file.path for file in verified}


def fetch_verified(
    corpus: str,
    dest: str | os.PathLike,
    *,
    mirror: str | os.PathLike | None = None,
    retries: int = 3,
    hashes: Mapping[str, str] | None = None,
    progress: bool = False,
) -> list[VerifiedFile]:
    """:func:`fetch_corpus`, returning each file with the hash it was checked against.

    The one place where files are verified: a manifest built from this list vouches only for
    files this call checked.  On failure ``dest`` is left as it was (see the module docstring).
    """
    problems_error("fetch_corpus", check_int("retries", retries, 0))
    files = files_to_fetch(corpus, hashes or {})
    source = resolve_mirror(mirror)
    dest = Path(dest)
    transaction = _Transaction.begin(dest, [dest / file.name for file in files])
    fetcher = _Fetcher(cache=transaction.cache, retries=retries, progress=progress)
    try:
        verified = []
        for file in files:
            final = dest / file.name
            if _ensure_file(file, final, source, fetcher):
                transaction.written.append(final)
            verified.append(VerifiedFile(file.split, final, file.content_hash))
    except BaseException:
        transaction.roll_back()
        raise
    transaction.commit(files)
    return verified


# ---------------------------------------------------------------------------------------------
# What one call adds to dest, so that a failure can take it away again


@dataclass
class _Transaction:
    dest: Path
    cache: Path
    created_dirs: list[Path]  # dest and the ancestors this call creates, deepest first
    new_finals: list[Path]  # final names that did not exist before the call
    cached_before: frozenset[str] | None  # cache entries before the call (None: no cache)
    written: list[Path]

    @classmethod
    def begin(cls, dest: Path, finals: list[Path]) -> _Transaction:
        created, folder = [], dest
        while not folder.exists() and folder.parent != folder:
            created.append(folder)
            folder = folder.parent
        dest.mkdir(parents=True, exist_ok=True)
        cache = dest / CACHE_DIRNAME
        cached = frozenset(os.listdir(cache)) if cache.is_dir() else None
        new = [final for final in finals if not final.exists()]
        return cls(dest, cache, created, new, cached, [])

    def roll_back(self) -> None:
        """Remove every file and folder this call added (verified ones included)."""
        for final in dict.fromkeys(self.written + self.new_finals):
            final.unlink(missing_ok=True)
        if self.cache.is_dir():
            for entry in self.cache.iterdir():
                if self.cached_before is None or entry.name not in self.cached_before:
                    _remove(entry)
            if self.cached_before is None and not any(self.cache.iterdir()):
                self.cache.rmdir()
        for folder in self.created_dirs:
            try:
                folder.rmdir()
            except OSError:  # not empty: something else writes there too
                break

    def commit(self, files: list[RemoteFile]) -> None:
        """Remove this corpus' cached archives now that all its files are in place."""
        for file in files:
            (self.cache / file.download_name).unlink(missing_ok=True)
        if self.cache.is_dir() and not any(self.cache.iterdir()):
            self.cache.rmdir()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# One file: keep it if verified, else fetch it from the mirror or the network


def _ensure_file(file: RemoteFile, final: Path, source: Mirror | None, fetcher: _Fetcher) -> bool:
    """Make ``final`` a verified copy of ``file``; True if this call wrote it."""
    if final.is_file():
        if verify_file(final, file.content_hash):
            log.info("%s: already present and verified", final)
            return False
        log.warning("%s: hash differs from %s; fetching it again", final, file.content_hash)
        final.unlink()  # known to be wrong: never leave it looking like a finished download
    if source is None:
        try:
            fetcher.from_network(file, final)
        except DownloadError as err:  # only without a mirror is a mirror the way out
            raise DownloadError(f"{err}\n{mirror_hint(file)}") from err.__cause__
    else:
        fetcher.from_mirror(file, final, source)
    log.info("%s: verified (%s)", final, file.content_hash)
    return True


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
        except NotFound as missing:
            raise _failure(file, file.url, f"the server has no such file ({missing})") from None

    def from_mirror(self, file: RemoteFile, final: Path, mirror: Mirror) -> None:
        tried = []
        for relative, kind in mirror_candidates(file):
            location = mirror.locate(relative)
            tried.append(location)
            try:
                if mirror.is_url:
                    self._install_from_url(file, location, kind, final)
                else:
                    _install_from_path(file, Path(location), kind, final, self.cache)
            except NotFound:
                continue
            log.info("%s: taken from mirror %s (%s)", file.name, location, kind.value)
            return
        raise no_copy_error(file, mirror, tried)

    def _install_from_url(self, file: RemoteFile, url: str, kind: Kind, final: Path) -> None:
        if kind is Kind.PLAIN:
            self._download(file, url, file.content_hash, final)
            return
        if kind is Kind.DOWNLOAD:
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
                    raise NotFound(f"HTTP {status} for {url}") from None
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
    file: RemoteFile, source: Path, kind: Kind, final: Path, cache: Path
) -> None:
    if not source.is_file():
        raise NotFound(str(source))
    if kind is Kind.GZIP:
        _install_stream(file, source, final, opener=gzip.open)
    elif kind is Kind.PLAIN or file.member is None:
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
    algorithm, actual, expected = file_digest(path, file.content_hash)
    if actual != expected:
        raise _failure(
            file, source, f"content {algorithm} is {actual}, expected {expected}; not used"
        )


def _failure(file: RemoteFile, source: str, reason: str) -> DownloadError:
    return DownloadError(f"could not fetch {file.name!r} from {source}: {reason}.")
