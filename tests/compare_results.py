"""Compare two ``results/`` trees: equal tables, arrays, JSON (bar timings) and model weights.

Used by the Slurm test (a Slurm run must equal a local run) and by hand to check that a change of
code changes no number::

    python tests/compare_results.py OLD/results NEW/results [--allow-new-columns] [--common]

``--allow-new-columns`` accepts tables of the new tree that gained columns (every old column must
still be there with equal values); the added columns are listed.  Logs, benchmark timings and the
timing fields of training runs differ between any two runs and are not compared; figures
(PDF/PNG) carry dates, so only their presence is checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TIMING_COLUMNS = {"seconds", "tokens_per_s", "train_seconds"}
TIMING_FIELDS = {"total_seconds", "wall_seconds"}


def read_json(path: Path) -> dict:
    return {k: v for k, v in json.loads(path.read_text()).items() if k not in TIMING_FIELDS}


def _without_timings(value):
    """A checkpoint payload with the machine-speed fields dropped, recursively."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items()
                if k not in TIMING_COLUMNS | TIMING_FIELDS | {"torch_version"}}
    if isinstance(value, (list, tuple)):
        return [_without_timings(v) for v in value]
    return value


def assert_same_payload(a, b, where: str) -> None:
    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        assert isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor), where
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b), f"{where} differs"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for key in a:
            assert_same_payload(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{where}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_payload(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def assert_same_weights(a: Path, b: Path) -> None:
    """The same model weights (``model_state``) in two ``.pt`` files."""
    import torch

    left = torch.load(a, map_location="cpu", weights_only=True)["model_state"]
    right = torch.load(b, map_location="cpu", weights_only=True)["model_state"]
    assert_same_payload(left, right, f"{a} model_state")


def assert_same_checkpoint(a: Path, b: Path) -> None:
    """Everything a ``.pt`` file holds (weights, optimizer, random states, configs) but timings."""
    import torch

    left = torch.load(a, map_location="cpu", weights_only=False)
    right = torch.load(b, map_location="cpu", weights_only=False)
    assert_same_payload(_without_timings(left), _without_timings(right), str(a))


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame, what: str,
                      allow_new_columns: bool = False) -> list[str]:
    """Equal tables (timing columns aside); returns the columns only ``b`` has."""
    added = [c for c in b.columns if c not in a.columns]
    if allow_new_columns:
        b = b.drop(columns=added)
    drop = [c for c in a.columns if c in TIMING_COLUMNS]
    pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop), check_exact=True,
                                  obj=what)
    return added


def compared_files(results: Path) -> set[Path]:
    """Every output except per-job logs and timings (which differ between any two runs)."""
    return {p.relative_to(results) for p in results.rglob("*")
            if p.is_file() and p.relative_to(results).parts[0] not in ("logs", "benchmarks")}


def assert_same_results(old: Path, new: Path, allow_new_columns: bool = False,
                        common: bool = False) -> tuple[int, dict[str, list[str]]]:
    """(number of files compared, {table: columns added in ``new``}); ``common``: compare the
    files both trees hold (a run of other targets, or of new steps) instead of requiring the
    same files."""
    files, theirs = compared_files(old), compared_files(new)
    if common:
        files &= theirs
    else:
        assert files == theirs, (f"only in {old}: {sorted(map(str, files - theirs))}; "
                                 f"only in {new}: {sorted(map(str, theirs - files))}")
    compared, added = 0, {}
    for rel in sorted(files):
        a, b, suffix = old / rel, new / rel, rel.suffix
        if suffix in (".csv", ".parquet"):
            read = pd.read_csv if suffix == ".csv" else pd.read_parquet
            extra = assert_same_table(read(a), read(b), str(rel), allow_new_columns)
            if extra:
                added[str(rel)] = extra
        elif suffix == ".npy":
            x, y = np.load(a), np.load(b)
            assert x.dtype == y.dtype and np.array_equal(x, y), rel
        elif suffix == ".npz":
            with np.load(a) as x, np.load(b) as y:
                assert x.files == y.files, rel
                for key in x.files:
                    assert x[key].dtype == y[key].dtype and np.array_equal(x[key], y[key]), rel
        elif suffix == ".json":
            assert read_json(a) == read_json(b), rel
        elif suffix == ".pt":
            assert_same_checkpoint(a, b)
        elif suffix in (".txt", ".tokens"):
            # text: samples, Appendix F, the corpora's raw files
            assert a.read_bytes() == b.read_bytes(), rel
        elif suffix in (".pdf", ".png", ".html"):
            # rendered files carry dates (the report embeds the figures): compare the tables
            assert b.stat().st_size > 0, rel
            continue
        else:
            raise AssertionError(f"no comparison for {rel}: add one")
        compared += 1
    return compared, added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--allow-new-columns", action="store_true")
    parser.add_argument("--common", action="store_true",
                        help="compare only the files both trees hold")
    args = parser.parse_args()
    compared, added = assert_same_results(args.old, args.new, args.allow_new_columns,
                                          args.common)
    print(f"{compared} files equal")
    columns = sorted({tuple(cols) for cols in added.values()})
    for cols in columns:
        tables = [t for t, c in added.items() if tuple(c) == cols]
        print(f"{len(tables)} table(s) gained {list(cols)}, e.g. {tables[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
