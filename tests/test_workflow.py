"""The Snakemake workflow: dry runs of every preset, config validation, incremental reruns and the
smoke preset end to end.  Snakemake is driven as a subprocess (its Python API changes between
minor versions; the command line is the stable interface)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
CONFIGS = ["config.yaml", "presets/smoke.yaml", "presets/paper.yaml"]


def snakemake(
    *args: str, workdir: Path, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*SNAKEMAKE, "--directory", str(workdir), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def job_counts(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a dry run into {rule: count}."""
    match = re.search(r"Job stats:\n.*?\n-+\s+-+\n(.*?)\ntotal", output, re.S)
    if match is None:
        return {}
    counts = {}
    for line in match.group(1).splitlines():
        rule, count = line.split()
        counts[rule] = int(count)
    return counts


def write_config(path: Path, base: str, **changes) -> Path:
    config = yaml.safe_load((ROOT / base).read_text())
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        node = config
        for parent in parents:
            node = node[parent]
        node[key] = value
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("config", CONFIGS)
def test_dry_run_succeeds_on_every_preset(config, tmp_path):
    result = snakemake("-n", "--configfile", str(ROOT / config), workdir=tmp_path)
    counts = job_counts(result.stdout + result.stderr)
    assert counts.get("fig5") == 1
    assert counts.get("synth_binary") == 2
    # beyond the paper: every model's bipartite MI, the data by each architecture's best
    assert counts.get("bipartite_samples", 0) >= 4 and counts.get("bipartite_data", 0) >= 3
    assert counts.get("bipartite_summary") == 1


def _train_commands(config: str, workdir: Path) -> dict[str, str]:
    """{binary model run folder: its `miscaling train` command} of a dry run of ``config``."""
    result = snakemake("-n", "-p", "--configfile", str(ROOT / config), workdir=workdir)
    commands = re.findall(r"-m miscaling train .*--data binary .*", result.stdout + result.stderr)
    return {re.search(r"--out-dir (\S+)", c).group(1): c for c in commands}


def test_training_settings_per_preset(tmp_path):
    """The paper preset trains with the paper's settings (no overrides: Appendix E's rates and
    batch size, 5 restarts); the quick one overrides only the Transformer's, as documented."""
    paper = _train_commands("presets/paper.yaml", tmp_path / "paper")
    assert not any("--lr" in c or "--batch-size" in c for c in paper.values())
    assert sum("transformer_w16_d1/" in run for run in paper) == 5
    quick = _train_commands("config.yaml", tmp_path / "quick")
    transformer = [c for run, c in quick.items() if "/transformer_" in run]
    assert transformer and all("--lr 0.003 --batch-size 25" in c for c in transformer)
    assert not any("--lr" in c for run, c in quick.items() if "/transformer_" not in run)
    assert sum("transformer_w16_d1/" in run for run in quick) == 1  # restarts: 1
    assert sum("lstm_w8_d1/" in run for run in quick) == 2


def job_priorities(output: str) -> list[tuple[str, int]]:
    """(rule, priority) of every job a dry run prints (0 where it prints none)."""
    jobs = []
    for block in re.split(r"\n(?=\[.*\]\n(?:local)?rule )", output):
        rule = re.search(r"^(?:local)?rule (\w+):", block, re.M)
        if rule is not None:
            priority = re.search(r"^\s+priority: (\d+)$", block, re.M)
            jobs.append((rule.group(1), int(priority.group(1)) if priority else 0))
    return jobs


def test_cheap_fallible_steps_outrank_every_training(tmp_path):
    # Among the jobs ready to run, Snakemake starts the highest priority first.  Training jobs
    # are prioritised by their estimated minutes (longest first); downloads, corpus preparation,
    # synthetic data and the theory checks must still come before them, so that a missing corpus
    # fails the run in its first minutes.  The paper preset has the longest trainings.
    result = snakemake("-n", "--configfile", str(ROOT / "presets/paper.yaml"), workdir=tmp_path)
    jobs = job_priorities(result.stdout + result.stderr)
    training = [priority for rule, priority in jobs if rule in ("train_model", "train_text_model")]
    cheap = {rule: priority for rule, priority in jobs
             if rule in {"download_corpus", "split_text8", "prepare_corpus", "prepare_gpt2",
                         "synth_binary", "synth_estimator_benchmark"}
             or rule.startswith("theory_")}
    assert len(training) > 100 and max(training) > 60
    assert {"download_corpus", "split_text8", "prepare_corpus", "prepare_gpt2"} <= set(cheap)
    assert min(cheap.values()) > max(training), (cheap, max(training))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"estimator__name": "kraskov"}, "kraskov"),
        ({"binary__fit__min_mi": "1e-3"}, "min_mi"),  # YAML's 1e-3 is a string
        ({"estimator_benchmark__gammas": []}, "gammas"),
        ({"binary__n_train": 0}, "n_train"),
        ({"binary__lags": "every:5"}, "lags"),
        ({"binary__unknown_key": 3}, "unknown_key"),
    ],
)
def test_malformed_config_is_rejected_before_any_job(changes, message, tmp_path):
    config = write_config(tmp_path / "bad.yaml", "presets/smoke.yaml", **changes)
    result = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_smoke_preset_end_to_end_and_incremental_reruns(smoke_run, tmp_path):
    # smoke_run (conftest.py) ran the preset with --cores 2; only dry runs below touch it
    config = ROOT / "presets/smoke.yaml"
    results = smoke_run / "results"
    for name in ("fig5.pdf", "fig5.png", "fig5.csv", "fig5_gamma.csv"):
        assert (results / "figures" / name).stat().st_size > 0
    for split in ("train", "valid"):
        fits = pd.read_csv(results / "fits/data/binary" / f"{split}.csv")
        assert set(fits["model"]) == {"exponential", "power", "composite"}
        # intervals come from refits on the estimator's resampling replicates
        assert set(fits["ci_method"]) == {"resampling"}
        assert (results / "mi/data/binary" / f"{split}_replicates.parquet").is_file()
    # every rule writes a log and a benchmark file
    assert list((results / "logs").rglob("*.log"))
    assert list((results / "benchmarks").rglob("*.tsv"))

    # every configured model was trained (2 restarts), selected, sampled and measured
    stems = sorted(p.stem for p in (results / "data/binary_samples").glob("*.npy"))
    samples = [stem for stem in stems if "_seed" not in stem]
    assert samples == ["lstm_w4_d1", "lstm_w4_d2", "rnn_w2_d1", "ssm_w4_d1", "transformer_w8_d1"]
    # seed_spread: every restart of the models with two sampled too, with the same seed, so
    # that the selected restart's samples are the model's own
    assert [stem for stem in stems if "_seed" in stem] == [
        f"{name}_seed{seed}" for name in samples[:3] for seed in (0, 1)]
    best = json.loads((results / "models/binary/rnn_w2_d1/selection.json").read_text())
    assert np.array_equal(
        np.load(results / f"data/binary_samples/rnn_w2_d1_{Path(best['best_dir']).name}.npy"),
        np.load(results / "data/binary_samples/rnn_w2_d1.npy"))
    restarts = pd.read_csv(results / "figures/binary_restarts.csv")
    assert len(restarts) == 6 and set(restarts["restart"]) == {0, 1}
    assert np.load(results / "data/binary_samples/lstm_w4_d2.npy").shape == (100, 64)
    # 2 restarts each, 1 for the Transformer and the SSM
    assert len(list((results / "models/binary").glob("*/seed*/result.json"))) == 8
    for name in samples:
        assert (results / "fits/data/binary_samples" / f"{name}.csv").is_file()

    # the theory checks run and pass at smoke scale too
    for topic in ("linear_rnn", "repetitive", "ising"):
        checks = pd.read_csv(results / "theory" / topic / "checks.csv")
        assert len(checks) and checks["passed"].all(), checks[~checks["passed"]]
    for name in ("fig4", "theory_linear_rnn", "theory_ising"):
        assert (results / "figures" / f"{name}.pdf").stat().st_size > 0

    gamma = pd.read_csv(results / "figures/fig5_gamma.csv")
    assert sorted(gamma["gamma"]) == [0.2, 0.6, 1.0]
    # even at smoke scale the estimator recovers the power roughly
    assert (gamma["abs_error"] < 0.15).all(), gamma

    # nothing to do on a second run
    again = snakemake("-n", "--configfile", str(config), workdir=smoke_run)
    assert job_counts(again.stdout + again.stderr) == {}

    # changing one gamma reruns only what depends on it
    changed = write_config(
        tmp_path / "changed.yaml", "presets/smoke.yaml", estimator_benchmark__gammas=[0.2, 0.7, 1.0]
    )
    dry = snakemake("-n", "--configfile", str(changed), workdir=smoke_run)
    assert job_counts(dry.stdout + dry.stderr) == {
        "synth_estimator_benchmark": 1,
        "mi_data": 1,
        "fit_data": 1,
        "fig5": 1,
        "report": 1,
        "all": 1,
    }

    # adding a width trains only the new model; the five model figures (1, 3a, 7, 9 and the
    # SSM's, whose xi panel has the RNNs), the summary tables and the L2M figure hold every
    # model, so they are redone (and the report
    # that shows them), as is the data's bipartite MI by the best RNN; no other model is
    # trained again
    wider = write_config(tmp_path / "wider.yaml", "presets/smoke.yaml",
                         binary_models__architectures__rnn__widths=[2, 4])
    dry = snakemake("-n", "--configfile", str(wider), workdir=smoke_run)
    assert job_counts(dry.stdout + dry.stderr) == {
        "train_model": 2, "select_model": 1, "sample_model": 1, "sample_restart": 2,
        "mi_data": 3, "fit_data": 3, "model_figure": 5, "model_summary": 1, "report": 1,
        "bipartite_samples": 1, "bipartite_data": 1, "bipartite_summary": 1, "all": 1,
    }

    # a changed estimator setting reruns every I(tau) table, but generates no data again
    reestimated = write_config(
        tmp_path / "est.yaml", "presets/smoke.yaml", estimator__bootstrap=10
    )
    dry = snakemake("-n", "--configfile", str(reestimated), workdir=smoke_run)
    counts = job_counts(dry.stdout + dry.stderr)
    assert "synth_binary" not in counts and "synth_estimator_benchmark" not in counts
    assert counts["mi_data"] == 16 and "train_model" not in counts  # 6 of them restarts


def test_a_failed_retraining_is_rescheduled_by_the_next_run(smoke_run, tmp_path):
    """A model retrained because its settings changed, whose training fails: Snakemake removes
    the failed job's result.json, and the model's old selection, samples and tables stay.  The
    next run must train it again (the selection's params hold every restart's training flags)
    rather than find everything downstream complete."""
    import shutil

    work = tmp_path / "copy"
    shutil.copytree(smoke_run, work)
    model = work / "results/models/binary/transformer_w8_d1"
    (model / "seed0/checkpoint.pt").write_bytes(b"not a checkpoint")  # the retraining fails
    config = str(write_config(tmp_path / "lr.yaml", "presets/smoke.yaml",
                              binary_models__architectures__transformer__lr=1.0e-3))
    target = "results/data/binary_samples/transformer_w8_d1.npy"
    # (the target first: --configfile takes every path after it)
    failed = snakemake(target, "--cores", "1", "--configfile", config, workdir=work,
                       check=False)
    assert failed.returncode != 0
    assert not (model / "seed0/result.json").exists() and (model / "selection.json").exists()
    (model / "seed0/checkpoint.pt").unlink()
    dry = snakemake(target, "-n", "--configfile", config, workdir=work)
    counts = job_counts(dry.stdout + dry.stderr)
    assert counts.get("train_model") == 1 and counts.get("select_model") == 1, counts


def test_every_rule_declares_log_and_benchmark():
    rules_dir = ROOT / "workflow/rules"
    text = "\n".join(p.read_text() for p in rules_dir.glob("*.smk"))
    rules = re.findall(r"^rule (\w+):", text, re.M)
    assert rules
    for block in re.split(r"^rule ", text, flags=re.M)[1:]:
        name = block.split(":", 1)[0]
        if name == "all":
            continue
        assert "log:" in block, f"rule {name} has no log"
        assert "benchmark:" in block, f"rule {name} has no benchmark"
