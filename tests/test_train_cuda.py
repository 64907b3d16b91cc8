"""A CUDA training killed mid-run resumes to the weights of an uninterrupted run.

Runs ``python -m miscaling train --device cuda`` in a subprocess, SIGKILLs it once its third
epoch's checkpoint is on disk, reruns the same command and compares the final weights (and
log) with those of an uninterrupted CUDA run, bit for bit.  An LSTM: its cuDNN kernels are
deterministic under ``torch.use_deterministic_algorithms``, so bit equality is expected (a
Transformer's fused attention backward is not, see miscaling.train).  About 30 s on one GPU,
most of it three interpreter and CUDA start-ups.  Skipped without CUDA; the CPU side of the
same loading path is tested in tests/test_checkpoint.py, and CPU kill/resume in test_train.py.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = 6
KILL_AFTER_EPOCH = 3

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="needs a CUDA GPU (torch.cuda.is_available() is False); run it on a GPU machine",
)


def train_command(data: Path, out_dir: Path) -> list[str]:
    # 200 steps per epoch (~0.1-0.5 s on a GPU): long enough to kill between epochs 3 and 6
    return [sys.executable, "-m", "miscaling", "train", "--arch", "lstm", "--width", "32",
            "--depth", "2", "--embedding-dim", "4", "--train", str(data / "train.npy"),
            "--valid", str(data / "valid.npy"), "--seed", "3", "--batch-size", "50",
            "--max-epochs", str(EPOCHS), "--patience", "1000", "--device", "cuda",
            "--out-dir", str(out_dir)]


def environment() -> dict[str, str]:
    # the package from this checkout, installed or not
    paths = [str(ROOT / "workflow"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def completed_epochs(out_dir: Path) -> int:
    """Rows of log.csv, which is rewritten right after each epoch's checkpoint."""
    try:
        with open(out_dir / "log.csv", newline="") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    except FileNotFoundError:
        return 0


def run_to_completion(command: list[str]) -> None:
    process = subprocess.run(command, capture_output=True, text=True, env=environment(),
                             timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-3000:]


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)["model_state"]


def exact_log(out_dir: Path) -> list[dict[str, str]]:
    with open(out_dir / "log.csv", newline="") as handle:
        return [{k: v for k, v in row.items() if k not in ("seconds", "tokens_per_s")}
                for row in csv.DictReader(handle)]


def test_cuda_training_killed_mid_run_resumes_to_the_uninterrupted_weights(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "train.npy", (rng.random((10_000, 48)) < 0.5).astype(np.uint8))
    np.save(tmp_path / "valid.npy", (rng.random((500, 48)) < 0.5).astype(np.uint8))
    interrupted, reference = tmp_path / "interrupted", tmp_path / "reference"

    process = subprocess.Popen(train_command(tmp_path, interrupted), env=environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while completed_epochs(interrupted) < KILL_AFTER_EPOCH:
            assert process.poll() is None, process.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "no third epoch within 4 minutes"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    killed_at = completed_epochs(interrupted)
    assert not (interrupted / "result.json").exists(), "finished before the kill: use more data"
    assert KILL_AFTER_EPOCH <= killed_at < EPOCHS

    run_to_completion(train_command(tmp_path, interrupted))  # the retry resumes
    run_to_completion(train_command(tmp_path, reference))

    resumed = (interrupted / "result.json").read_text()
    assert '"resumed_from_epoch": 0' not in resumed and '"device": "cuda' in resumed
    for name in ("checkpoint.pt", "best.pt"):
        a, b = weights(interrupted / name), weights(reference / name)
        assert a.keys() == b.keys()
        different = [key for key in a if not torch.equal(a[key], b[key])]
        assert not different, f"{name}: {different} differ from the uninterrupted run"
    assert exact_log(interrupted) == exact_log(reference)
    assert len(exact_log(reference)) == EPOCHS
