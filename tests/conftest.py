"""Fixtures shared by several test modules."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def one_torch_thread():
    """Run a test on one torch thread, then restore the count.

    Tiny models gain nothing from threads, and on a busy 2-core machine OpenMP's spinning
    barriers make a recurrent step of a few microseconds take far longer; one thread avoids
    that.  Modules of tiny-model tests use it through ``pytestmark``.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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
