"""The pipeline on a real (single-node) Slurm cluster through `--profile profiles/slurm`.

Opt-in: the tests change the system, so they run only with MISCALING_TEST_SLURM=1 (.ci/run sets
it) and are skipped otherwise, with a reason that says so.  Then the module starts its own
cluster (tests/slurm_cluster.py): it installs Debian's slurmctld, slurmd, slurm-client and munge
when they are missing (CI runs as root) and the package's `slurm` extra
(snakemake-executor-plugin-slurm) when it is not importable, writes a slurm.conf for this host
and starts munged, slurmctld and slurmd, which it stops again, by pid, when the module is done,
also when a test fails.  Where Slurm cannot be had (not root, no apt-get, no package index) the
tests are skipped with the reason.

Proved here:
* a slice of the smoke preset (every kind of job and group) runs through the Slurm executor,
  every job as a Slurm job (GPU steps with --gpus against the node's GPU slots), and its
  outputs equal a local run's, table by table;
* a training job cancelled mid-run (scancel) is resubmitted by Snakemake (the profile's
  retries) and resumes from its checkpoint: the final model, its log and its result equal
  those of an uninterrupted run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import slurm_cluster
from compare_results import (
    TIMING_FIELDS,
    assert_same_results,
    assert_same_table,
    assert_same_weights,
)
from slurm_cluster import SlurmCluster, install_reason
from test_workflow import ROOT, SNAKEMAKE, snakemake, write_config

# What a cluster without Slurm accounting needs (SNAKEMAKE-NOTES.md): job status from squeue, no
# account, and quick first status checks (the plugin waits 40 s by default).
SLURM_HERE = (
    "--slurm-no-account",
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "1",
    "--seconds-between-status-checks", "2",
)
# Columns and fields that measure the machine's speed, not the computation.


def slurm_extra_requirement() -> str:
    """The `slurm` extra's requirement, read from pyproject.toml (one place for the pin)."""
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(r'^slurm = \["([^"]+)"\]', text, re.M)
    assert match, "pyproject.toml has no [project.optional-dependencies] slurm entry"
    return match.group(1)


def plugin_reason() -> str | None:
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None:
        return None
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         slurm_extra_requirement()],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        return f"could not install the slurm extra ({slurm_extra_requirement()}):\n" \
               f"{result.stderr[-2000:]}"
    importlib.invalidate_caches()
    return None


#: The environment variable that lets these tests install Slurm, munge and the slurm extra.
OPT_IN = "MISCALING_TEST_SLURM"


def opt_in_reason() -> str | None:
    if os.environ.get(OPT_IN) == "1":
        return None
    return (f"the Slurm tests are opt-in: set {OPT_IN}=1 to run them (as root they apt-get "
            f"install {' '.join(slurm_cluster.SLURM_PACKAGES)} when missing and pip-install the "
            "slurm extra; .ci/run sets it)")


# A mark as well as the fixture's check: skip before the session's smoke_run fixture runs
opted_in = pytest.mark.skipif(opt_in_reason() is not None, reason=opt_in_reason() or "")


@pytest.fixture(scope="module")
def cluster():
    reason = opt_in_reason() or install_reason() or plugin_reason()
    if reason:
        pytest.skip(reason)
    cores = os.cpu_count() or 2
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    # Four job slots per core and eight GPU slots: the smoke preset's jobs are mostly start-up
    # and waiting on status polls, so this keeps the run short without changing what is run.
    with SlurmCluster(cpus=max(8, 4 * cores), memory_mb=memory_mb, gpus=8) as running:
        yield running


def slurm_run(cluster: SlurmCluster, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return snakemake("--profile", str(ROOT / "profiles/slurm"), *SLURM_HERE, *args,
                     workdir=workdir, env=cluster.env)


# --------------------------------------------------------------------------- tests


def test_without_root_slurm_is_skipped_with_the_reason(monkeypatch):
    monkeypatch.setattr(slurm_cluster.shutil, "which", lambda name, path=None: None)
    monkeypatch.setattr(slurm_cluster.os, "geteuid", lambda: 1000)
    reason = install_reason()
    assert "not installed" in reason and "needs root" in reason and "slurmctld" in reason


def test_slurm_tests_are_opt_in(monkeypatch):
    monkeypatch.delenv(OPT_IN, raising=False)
    reason = opt_in_reason()
    assert f"{OPT_IN}=1" in reason and "apt-get" in reason
    monkeypatch.setenv(OPT_IN, "1")
    assert opt_in_reason() is None


@pytest.mark.slow
@opted_in
def test_smoke_preset_on_slurm_equals_local_run(cluster, smoke_run, tmp_path):
    """A slice of the smoke preset through Slurm: one model from the data to its samples' fit
    (CPU and GPU groups), a data set's I(tau) with its fits, a theory check with its figure.
    Every kind of job and group the profile knows, in a fraction of the whole preset's time."""
    targets = ["results/fits/data/binary_samples/transformer_w8_d1.csv",
               "results/fits/data/estimator_benchmark/gamma0.2.csv",
               "results/figures/theory_ising.pdf"]
    earlier = {job["id"] for job in cluster.jobs()}
    start = time.monotonic()
    slurm_run(cluster, tmp_path, *targets, "--configfile", str(ROOT / "presets/smoke.yaml"))
    print(f"smoke preset's slice through Slurm: {time.monotonic() - start:.0f} s")

    # the work ran as Slurm jobs, and all of them succeeded
    jobs = [job for job in cluster.jobs() if job["id"] not in earlier]
    assert jobs and {job["state"] for job in jobs} == {"COMPLETED"}, jobs
    comments = " ".join(job["comment"] for job in jobs)
    for rule in ("train_model", "synth_binary"):
        assert f"rule_{rule}" in comments, comments
    assert any(job["comment"].startswith("rule_sample") for job in jobs), comments  # GPU group
    for target in targets:
        assert (tmp_path / target).is_file(), target
    # each rule's own log lands where a local run puts it (Slurm's logs of successful jobs are
    # removed by the executor; those of failed jobs stay under .snakemake/slurm_logs/)
    logs = {p.relative_to(tmp_path) for p in (tmp_path / "results/logs").rglob("*.log")}
    assert len(logs) >= 10 and logs <= \
        {p.relative_to(smoke_run) for p in (smoke_run / "results/logs").rglob("*.log")}

    compared, _ = assert_same_results(smoke_run / "results", tmp_path / "results", common=True)
    assert compared > 15


@pytest.mark.slow
@opted_in
def test_training_killed_on_slurm_resumes_from_checkpoint(cluster, tmp_path):
    # one model, long enough to be caught mid-run (about 0.25 s per epoch on one core)
    epochs = 60
    config = write_config(
        tmp_path / "kill.yaml", "presets/smoke.yaml",
        binary__n_train=4000,
        binary_models__restarts=1,
        binary_models__max_epochs=epochs,
        binary_models__patience=epochs,
        binary_models__architectures={"lstm": {"widths": [8], "embedding_dim": 2}},
    )
    run = "results/models/binary/lstm_w8_d1/seed0"
    target = f"{run}/result.json"

    reference = tmp_path / "uninterrupted"
    # (targets before --configfile, which takes several files)
    snakemake(target, "--cores", "1", "--configfile", str(config), workdir=reference)

    killed = tmp_path / "killed"
    # the same training data (with its timestamps), so that only the training runs on Slurm
    shutil.copytree(reference / "results/data", killed / "results/data")
    earlier = {job["id"] for job in cluster.jobs()}
    start = time.monotonic()
    proc = subprocess.Popen(
        [*SNAKEMAKE, "--directory", str(killed), "--profile", str(ROOT / "profiles/slurm"),
         *SLURM_HERE, target, "--configfile", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=cluster.env,
    )
    try:
        log, cancelled = killed / run / "log.csv", None
        deadline = time.monotonic() + 300
        while cancelled is None and time.monotonic() < deadline and proc.poll() is None:
            rows = len(log.read_text().splitlines()) - 1 if log.exists() else 0
            if rows >= 3:  # three epochs checkpointed, the fourth under way
                running = [job for job in cluster.jobs() if job["state"] == "RUNNING"
                           and job["comment"].startswith("rule_train_model")
                           and job["id"] not in earlier]
                assert len(running) == 1, running
                cluster.run("scancel", running[0]["id"])
                cancelled = running[0]["id"]
            time.sleep(0.1)
        output, _ = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    print(f"killed and retried training through Slurm: {time.monotonic() - start:.0f} s")
    assert cancelled is not None, "the training job finished before it could be cancelled"
    assert proc.returncode == 0, output

    # Slurm saw the cancelled attempt and a successful retry of the same job
    states = {job["id"]: job["state"] for job in cluster.jobs()
              if job["comment"].startswith("rule_train_model") and job["id"] not in earlier}
    assert states.pop(cancelled) == "CANCELLED", states
    assert list(states.values()) == ["COMPLETED"], states
    assert not any(job["comment"].startswith("rule_synth") for job in cluster.jobs()
                   if job["id"] not in earlier)

    resumed = json.loads((killed / target).read_text())
    assert 3 <= resumed["resumed_from_epoch"] < epochs, resumed
    assert resumed["epochs_run"] == epochs
    plain = json.loads((reference / target).read_text())
    assert plain["resumed_from_epoch"] == 0

    # the same final model as the uninterrupted run: result, every log row, best and last weights
    ignore = TIMING_FIELDS | {"resumed_from_epoch"}
    assert {k: v for k, v in resumed.items() if k not in ignore} == \
        {k: v for k, v in plain.items() if k not in ignore}
    assert_same_table(pd.read_csv(reference / run / "log.csv"),
                      pd.read_csv(killed / run / "log.csv"), "log.csv")
    assert_same_weights(reference / run / "best.pt", killed / run / "best.pt")
    assert_same_weights(reference / run / "checkpoint.pt", killed / run / "checkpoint.pt")
