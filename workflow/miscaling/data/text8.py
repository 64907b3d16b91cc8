"""text8's train/valid/test split: consecutive 90 MB / 5 MB / 5 MB byte ranges of the one file."""

from __future__ import annotations

import contextlib
import os
from functools import partial
from pathlib import Path
from typing import BinaryIO

from ..io import atomic_path
from ..settings import check_int
from .text import DEFAULT_CHUNK_BYTES, check_chunk_bytes, damaged_gzip_is_an_error, open_binary

TEXT8_SIZES = (90_000_000, 5_000_000, 5_000_000)
TEXT8_SPLITS = ("train", "valid", "test")


def _copy_bytes(source: BinaryIO, target: BinaryIO, size: int, chunk_bytes: int) -> int:
    """Copy up to ``size`` bytes; return how many were copied (fewer only at end of input)."""
    copied = 0
    while copied < size:
        block = source.read(min(chunk_bytes, size - copied))
        if not block:
            break
        target.write(block)
        copied += len(block)
    return copied


def _remaining_bytes(source: BinaryIO, chunk_bytes: int) -> int:
    return sum(len(block) for block in iter(partial(source.read, chunk_bytes), b""))


def split_text8(path: str | os.PathLike, out_dir: str | os.PathLike,
                sizes: tuple[int, int, int] = TEXT8_SIZES, *,
                chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> dict[str, Path]:
    """Split text8 into consecutive byte ranges ``train.txt``, ``valid.txt``, ``test.txt``.

    The paper used the first 90 MB, the next 5 MB and the last 5 MB (the usual text8 split).
    The input (optionally gzip) must be exactly ``sum(sizes)`` bytes, otherwise
    ``ValueError``; a smaller ``sizes`` is for tests.  Returns split name -> output path.
    """
    sizes = tuple(sizes)
    check_chunk_bytes(chunk_bytes, "split_text8")
    if len(sizes) != len(TEXT8_SPLITS) or any(check_int("size", s, 1) for s in sizes):
        raise ValueError(f"sizes must be {len(TEXT8_SPLITS)} positive integers "
                         f"({', '.join(TEXT8_SPLITS)}), got {sizes!r}")
    total = sum(sizes)
    outputs = {name: Path(out_dir) / f"{name}.txt" for name in TEXT8_SPLITS}
    with (open_binary(path) as source, damaged_gzip_is_an_error(Path(path)),
          contextlib.ExitStack() as stack):
        copied = 0
        for name, size in zip(TEXT8_SPLITS, sizes):
            with open(stack.enter_context(atomic_path(outputs[name])), "wb") as target:
                copied += _copy_bytes(source, target, size, chunk_bytes)
        actual = copied + _remaining_bytes(source, chunk_bytes)
        if actual != total:
            raise ValueError(f"{str(path)!r} holds {actual:,} bytes, but the splits "
                             f"{' + '.join(f'{s:,}' for s in sizes)} need exactly {total:,}")
    return outputs

