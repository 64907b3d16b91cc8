"""Reading symbol sequences and writing result files without ever leaving half-written outputs.

Every file the pipeline produces goes through :func:`atomic_path`: the writer fills a temporary
file in the destination directory, and only a complete file is renamed onto the final name.  A
crash, a ``kill -9`` or an exception therefore leaves either the old file or nothing, never a
truncated file that Snakemake (or a user) would take as done.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEQUENCE_SUFFIXES = (".npy", ".npz", ".txt", ".text", ".tokens", ".raw")
TABLE_SUFFIXES = (".csv", ".parquet")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` only on success.

    The temporary name keeps the final suffix so that writers which dispatch on the suffix
    (``np.save``, matplotlib's ``savefig``) produce the right format.  ``fsync=True`` also
    flushes the file to disk before the rename and the directory entry after it, so the new
    file survives a power loss or a killed node (training checkpoints need that; results that
    a rerun can recompute do not).
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{final.stem}.", suffix=f".tmp{final.suffix}", dir=final.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file private (0600); give the output the usual umask permissions
        os.chmod(tmp, 0o666 & ~_current_umask())
        if fsync:
            _fsync_path(tmp)
        os.replace(tmp, final)
        if fsync:  # the rename itself is only durable once the directory entry is on disk
            _fsync_path(final.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: str | os.PathLike, payload: Mapping[str, Any], *, fsync: bool = False,
               indent: int = 1) -> None:
    """``payload`` as indented JSON with a final newline, atomically (see :func:`atomic_path`)."""
    text = json.dumps(payload, indent=indent) + "\n"
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_text(text)


def require_columns(table: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    """Fail with one message naming ``source`` and every missing column."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"{source} lacks the column(s) {missing}; it has "
                         f"{list(table.columns)}")


def stack_tables(tables: list[pd.DataFrame], required: Iterable[str] = (),
                 what: str = "table", optional: Iterable[str] = ()) -> pd.DataFrame:
    """``tables`` stacked into one: a missing ``required`` column is an error naming ``what``,
    a missing ``optional`` one is NaN."""
    if not tables:
        raise ValueError(f"no {what} given")
    frame = pd.concat(tables, ignore_index=True)
    require_columns(frame, list(required), what)
    for column in optional:
        if column not in frame:
            frame[column] = np.nan
    return frame


def smallest_uint_dtype(top: int) -> np.dtype:
    """The smallest of uint8/uint16/uint32 that holds every value in ``0 .. top``.

    Symbol ids are stored this small on disk and in the estimator's grids (the text corpora's
    ids fit in uint8/uint16).  Beyond uint32 there is no reason to stay unsigned: int64.
    """
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def check_table_suffix(path: str | os.PathLike, what: str = "output table") -> None:
    """Fail early (before any computation) if ``path`` is not a supported table format."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(
            f"{what} {str(path)!r} must end in {' or '.join(TABLE_SUFFIXES)}, "
            f"got {suffix or 'no suffix'!r}"
        )


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a tidy table as CSV or Parquet (chosen by suffix), atomically."""
    check_table_suffix(path)
    with atomic_path(path) as tmp:
        if tmp.suffix.lower() == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False)


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by :func:`write_table`."""
    path = Path(path)
    check_table_suffix(path, "input table")
    if not path.is_file():
        raise FileNotFoundError(f"input table {str(path)!r} does not exist")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError as err:
        raise ValueError(f"input table {str(path)!r} is empty") from err


def save_array(array: np.ndarray, path: str | os.PathLike) -> None:
    """``np.save`` to ``path`` atomically."""
    path = Path(path)
    if path.suffix.lower() != ".npy":
        raise ValueError(f"output array {str(path)!r} must end in .npy")
    with atomic_path(path) as tmp:
        np.save(tmp, array)


def read_text_symbols(path: str | os.PathLike) -> np.ndarray:
    """Read a UTF-8 text file as one sequence of Unicode code points (uint32).

    Characters, not bytes: WikiText-2's 283 distinct characters include multi-byte ones.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"text input {str(path)!r} is not valid UTF-8: {err}") from err
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4").copy()


def load_sequences(path: str | os.PathLike) -> np.ndarray | list[np.ndarray]:
    """Load symbol sequences for the estimator.

    - ``.npy``: a 1-D array (one sequence) or a 2-D array (one row per sequence);
    - ``.npz``: one 1-D array per key, lengths may differ (ragged), in key order;
    - text (``.txt``, ``.tokens``, ``.raw``, ``.text``): Unicode characters of one sequence.

    Dtype and value checks (integers, non-negative) are the estimator's job; this function only
    checks that the file exists, has a known format and holds arrays of a usable shape.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SEQUENCE_SUFFIXES:
        raise ValueError(
            f"input {str(path)!r}: unsupported format {suffix or '(no suffix)'!r}; "
            f"expected one of {', '.join(SEQUENCE_SUFFIXES)}"
        )
    if not path.is_file():
        raise FileNotFoundError(f"input {str(path)!r} does not exist")
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as err:
            raise ValueError(f"input {str(path)!r} is not a readable .npy array: {err}") from err
        if array.ndim not in (1, 2):
            raise ValueError(
                f"input {str(path)!r} must hold a 1-D or 2-D array, got shape {array.shape}"
            )
        return array
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = [archive[key] for key in archive.files]
        except ValueError as err:
            raise ValueError(f"input {str(path)!r} is not a readable .npz archive: {err}") from err
        if not arrays:
            raise ValueError(f"input {str(path)!r} holds no arrays")
        for key, array in zip(archive.files, arrays):
            if array.ndim != 1:
                raise ValueError(
                    f"input {str(path)!r}: array {key!r} must be 1-D, got shape {array.shape}"
                )
        return arrays
    return read_text_symbols(path)
