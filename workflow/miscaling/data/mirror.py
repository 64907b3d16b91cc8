"""Local copies of the corpora: where a mirror keeps each file, and how to point at one.

``mirror`` (argument, else ``$MISCALING_MIRROR``) is a local directory or URL base laid out as the
README's "What a mirror holds" shows; with one, the network is never used.  Per file the first
existing location among ``<mirror_dir>/<name>``, ``<mirror_dir>/<name>.gz``,
``<mirror_dir>/<download name>`` and ``<download name>`` is used and verified (a corrupt mirror
fails, it is not skipped); if none exists, the error lists every location tried.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from .registry import DownloadError, RemoteFile

MIRROR_ENV = "MISCALING_MIRROR"
#: What the hints print in place of a real mirror path.
EXAMPLE_MIRROR = "/path/to/mirror"
LAYOUT_DOC = "the README's \"Data sets and mirrors\""


class Kind(Enum):
    """What a mirror location holds."""

    PLAIN = "the file itself"
    GZIP = "gzip of the file"
    DOWNLOAD = "the original download"


def mirror_candidates(file: RemoteFile) -> list[tuple[str, Kind]]:
    """Locations relative to the mirror root, in the order they are tried."""
    candidates = [
        (f"{file.mirror_dir}/{file.name}", Kind.PLAIN),
        (f"{file.mirror_dir}/{file.name}.gz", Kind.GZIP),
    ]
    for relative in (f"{file.mirror_dir}/{file.download_name}", file.download_name):
        if relative not in (known for known, _ in candidates):
            candidates.append((relative, Kind.DOWNLOAD))
    return candidates


@dataclass(frozen=True)
class Mirror:
    root: str  # a local directory, or a URL base without the trailing slash
    is_url: bool

    def locate(self, relative: str) -> str:
        if self.is_url:
            return f"{self.root}/{relative}"
        return str(Path(self.root, *relative.split("/")))


class NotFound(Exception):
    """A location (local path or URL) that does not exist; the next candidate is tried."""


def resolve_mirror(mirror: str | os.PathLike | None) -> Mirror | None:
    """The mirror argument, else ``$MISCALING_MIRROR``, else None (use the network)."""
    if mirror is None:
        mirror = os.environ.get(MIRROR_ENV) or None
    if mirror is None:
        return None
    text = os.fspath(mirror)
    scheme = urlparse(text).scheme.lower()
    if scheme in ("http", "https"):
        return Mirror(text.rstrip("/"), is_url=True)
    if scheme == "file":
        text = url2pathname(urlparse(text).path)
    elif "://" in text:
        raise DownloadError(f"mirror {text!r}: only http://, https:// and file:// URLs work")
    directory = Path(text).expanduser()
    if not directory.is_dir():
        raise DownloadError(f"mirror directory {str(directory)!r} does not exist")
    return Mirror(str(directory), is_url=False)


def no_copy_error(file: RemoteFile, mirror: Mirror, tried: list[str]) -> DownloadError:
    """The mirror holds none of the locations where ``file`` may be."""
    return DownloadError(
        f"mirror {mirror.root!r} has no copy of {file.name!r}; tried, in order:\n  "
        + "\n  ".join(tried)
        + f"\nAdd one of these (see the layout in {LAYOUT_DOC}), or run without "
        f"a mirror to download {file.url}"
    )


def mirror_hint(file: RemoteFile) -> str:
    """How to use a local copy of ``file`` instead of the network (added to network errors)."""
    where = " or ".join(f"{EXAMPLE_MIRROR}/{relative}" for relative, _ in mirror_candidates(file))
    return (
        f"To use a local copy instead, pass --mirror {EXAMPLE_MIRROR} (Python: mirror=...) or "
        f"set {MIRROR_ENV}={EXAMPLE_MIRROR}, a folder (or http(s)/file URL) laid out as in "
        f"{LAYOUT_DOC}; this file is looked up there as {where}."
    )
