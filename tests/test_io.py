"""File handling: atomic writes never leave partial files; loaders accept the documented formats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from miscaling.io import atomic_path, load_sequences, read_table, save_array, write_table


def test_atomic_path_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "sub" / "table.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a ta")
            raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_path_keeps_the_previous_file_until_the_new_one_is_complete(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("new but incomplete")
            raise RuntimeError
    assert target.read_text() == "old"
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_tables_roundtrip_in_both_formats(tmp_path):
    table = pd.DataFrame({"lag": [1, 2], "mi": [0.5, 0.25], "estimator": ["plugin"] * 2})
    for name in ("t.csv", "t.parquet"):
        write_table(table, tmp_path / name)
        pd.testing.assert_frame_equal(read_table(tmp_path / name), table)
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_table(table, tmp_path / "t.json")


def test_load_sequences_formats(tmp_path):
    save_array(np.arange(6, dtype=np.uint16).reshape(2, 3), tmp_path / "a.npy")
    assert load_sequences(tmp_path / "a.npy").shape == (2, 3)
    np.savez(tmp_path / "r.npz", first=np.arange(3), second=np.arange(5))
    assert [len(a) for a in load_sequences(tmp_path / "r.npz")] == [3, 5]
    (tmp_path / "t.txt").write_text("héllo", encoding="utf-8")
    assert list(load_sequences(tmp_path / "t.txt")) == [ord(c) for c in "héllo"]


def test_load_sequences_rejects_bad_files(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2), dtype=int))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        load_sequences(tmp_path / "cube.npy")
    np.savez(tmp_path / "flat.npz", m=np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="must be 1-D"):
        load_sequences(tmp_path / "flat.npz")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(ValueError, match="UTF-8"):
        load_sequences(tmp_path / "bad.txt")
    with pytest.raises(FileNotFoundError):
        load_sequences(tmp_path / "missing.npy")


def test_atomic_outputs_get_umask_permissions(tmp_path):
    import os

    from miscaling.io import atomic_path

    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "out.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644
