"""Reading corpus text: gzip or plain, UTF-8 decoded in chunks, split into lines or code points.

Memory stays at a few chunks whatever the file size.  Input files may be gzip-compressed
(recognised by their magic bytes, whatever the name); a damaged gzip file or invalid UTF-8 is a
``ValueError`` that names the file (and the byte offset of the bad UTF-8).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..settings import check_int, problems_error

#: Bytes read per step.  Memory is a small multiple of this (decoded text, UTF-32 code points,
#: word lists).  Measured on 10^8 characters (benchmarks/bench_prepare.py): 256 KiB–2 MiB are
#: equally fast, 8 MiB is 40% slower (the per-chunk arrays no longer stay in cache).
DEFAULT_CHUNK_BYTES = 1 << 20

_GZIP_MAGIC = b"\x1f\x8b"


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing it on the fly if it is gzip."""
    with open(path, "rb") as probe:
        is_gzip = probe.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if is_gzip else open(path, "rb")


@contextlib.contextmanager
def damaged_gzip_is_an_error(path: Path) -> Iterator[None]:
    """Turn the errors of a truncated or corrupt gzip input (a broken download) into a
    ``ValueError`` that names the file."""
    try:
        yield
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ValueError(f"{str(path)!r} is a damaged gzip file: {err}") from err


def decoded_chunks(path: Path, chunk_bytes: int) -> Iterator[str]:
    """The UTF-8 text of ``path`` in pieces of at most ``chunk_bytes`` characters.

    A character whose bytes straddle two reads is completed by the next read (the incremental
    decoder keeps the partial sequence).  Raises ``ValueError`` naming the file and the byte
    offset (in the decompressed content for gzip) of invalid UTF-8, or if the file is empty.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    consumed = 0  # bytes handed to the decoder so far
    with open_binary(path) as stream, damaged_gzip_is_an_error(path):
        while True:
            raw = stream.read(chunk_bytes)
            # The decoder's error positions count from the start of its pending bytes.
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as err:
                offset = consumed - pending + err.start
                raise ValueError(f"{str(path)!r} is not valid UTF-8: {err.reason} at byte "
                                 f"offset {offset:,}") from None
            consumed += len(raw)
            if not raw:
                break
            if text:
                yield text
    if consumed == 0:
        raise ValueError(f"{str(path)!r} is empty")


def lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines (split on ``\\n`` only, terminator removed) of text arriving in chunks.

    Like iterating over a file: text after the last newline is a final line, a trailing
    newline does not start an empty one.
    """
    carry = ""
    for chunk in chunks:
        lines = (carry + chunk).split("\n")
        carry = lines.pop()
        yield from lines
    if carry:
        yield carry



def code_points(text: str) -> np.ndarray:
    """Unicode code points of ``text`` as uint32, without a Python loop per character."""
    # surrogatepass: JSON may carry lone surrogates ("\ud800"), which are code points too.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def check_chunk_bytes(chunk_bytes: int, caller: str) -> None:
    """ValueError unless ``chunk_bytes`` is an integer >= 1 (a read of 0 bytes looks like EOF)."""
    problems_error(caller, check_int("chunk_bytes", chunk_bytes, 1))
