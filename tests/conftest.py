"""Fixtures shared by several test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """A working directory with the smoke preset run once locally.

    Run as on a CPU-only workstation: the local profile on 2 cores with `--resources gpu=0`,
    which must not hold back the training and sampling jobs (they declare gpu=1).  Shared by
    the tests that read its outputs or dry-run against it (the end-to-end workflow test, the
    Slurm test's reference run); none of them may change what it holds.
    """
    from test_workflow import snakemake

    workdir = tmp_path_factory.mktemp("smoke_local")
    snakemake("--profile", str(ROOT / "profiles/local"), "--cores", "2", "--resources", "gpu=0",
              "--configfile", str(ROOT / "presets/smoke.yaml"), workdir=workdir)
    return workdir
