"""The README quotes its results from the committed snapshot (docs/snapshot), never by hand."""

from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_cli
from miscaling.snapshot import BLOCKS, readme_blocks, render_blocks, update_readme
from miscaling.verdicts import STATUSES

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "docs" / "snapshot"


def test_the_readme_holds_exactly_what_the_snapshot_renders():
    readme = (ROOT / "README.md").read_text()
    blocks = readme_blocks(readme)
    assert set(blocks) == set(BLOCKS), "every snapshot block appears once in the README"
    rendered = render_blocks(SNAPSHOT)
    for name, body in blocks.items():
        assert body == rendered[name], (
            f"README block snapshot:{name} differs from docs/snapshot; rerun `miscaling "
            f"snapshot` after a run, never edit the block by hand")


def test_the_snapshots_claims_cover_the_registry():
    from miscaling.paper_claims import CLAIMS

    claims = pd.read_csv(SNAPSHOT / "claims.csv", keep_default_na=False)
    assert set(claims["status"]) <= set(STATUSES)
    assert {c.id for c in CLAIMS} <= set(claims["id"])


def _results(folder: Path) -> Path:
    claims = pd.DataFrame({"id": ["a", "b"], "status": ["holds", "inconclusive"],
                           "scale": "quick"})
    (folder / "figures").mkdir(parents=True)
    claims.to_csv(folder / "claims.csv", index=False)
    pd.DataFrame({"arch": ["rnn"], "width": [8], "depth": [1], "xi": [70.0],
                  "xi_ci_low": [65.0], "xi_ci_high": [80.0], "gamma": [float("nan")],
                  "verdict_window": ["exponential"], "delta_aic_window": [-40.0]}).to_csv(
        folder / "figures" / "binary_models.csv", index=False)
    return folder


def test_snapshot_cli_copies_the_tables_and_rewrites_the_blocks(tmp_path):
    results = _results(tmp_path / "results")
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- snapshot:claims-summary -->\nSTALE\n"
                      "<!-- /snapshot:claims-summary -->\nmiddle\n"
                      "<!-- snapshot:binary-models -->\n<!-- /snapshot:binary-models -->\nend\n")
    assert run_cli("snapshot", "--results", results, "--snapshot", tmp_path / "snap",
                   "--readme", readme, "--note", "a test run") == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and "middle\n" in text and text.endswith("end\n")
    assert "**2 claims at scale quick: 1 hold, 0 do not hold, 1 inconclusive, 0 not " \
           "measured** (a test run" in text
    assert "- *holds* (1): `a`" in text and "STALE" not in text
    assert "| rnn | 8 | 1 | 70 [65, 80] | undetermined | exponential, -40.0 |" in text
    assert "| decay, every lag (dAIC) |" in text and "log-spaced" not in text
    assert (tmp_path / "snap" / "claims.csv").is_file()
    assert not (tmp_path / "snap" / "text_models.csv").exists()


def test_snapshot_refuses_a_folder_without_a_run(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("x\n")
    assert run_cli("snapshot", "--results", tmp_path / "nothing", "--snapshot", tmp_path / "s",
                   "--readme", readme, "--note", "n") == 2
    assert "is it the results folder of a finished run" in capsys.readouterr().err.replace(
        "is " + str(tmp_path / "nothing") + " the", "is it the")
    with pytest.raises(ValueError, match="has no renderer"):
        update_readme("<!-- snapshot:nope -->\n<!-- /snapshot:nope -->", {})


def test_the_readme_quotes_no_measured_number_outside_its_snapshot_blocks():
    """A run's numbers reach the README only through the snapshot blocks: outside them (and the
    code examples) no interval, ΔAIC, wall time, test count or GPU-hours is typed by hand."""
    import re

    text = re.sub(r"<!-- snapshot:([\w-]+) -->.*?<!-- /snapshot:\1 -->", "",
                  (ROOT / "README.md").read_text(), flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    measured = {
        "a 95% interval": r"\d\s*\[\s*[−-]?\d[\d.,e−-]*\s*,\s*[−-]?\d",
        "a dAIC value": r"ΔAICc?\s*[+−-]\s*\d",
        "a wall time": r"\d+\s*min\s+\d+\s*s\b",
        "a test count": r"\d+\s+passed",
        "GPU-hours": r"\d+\s*GPU-hours",
    }
    for what, pattern in measured.items():
        found = re.findall(rf".{{0,40}}{pattern}.{{0,20}}", text)
        assert not found, f"the README types {what} by hand outside the snapshot: {found}"


def test_the_run_time_corpora_and_seed_spread_blocks_come_from_the_run(tmp_path):
    results = _results(tmp_path / "results")
    for rule, job, seconds in (("train_model", "a", 60.0), ("train_model", "b", 30.0),
                               ("mi_data", "a", 12.0), ("report", "r", 3.0)):
        folder = results / "benchmarks" / rule
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{job}.tsv").write_text(f"s\th:m:s\tcpu_time\n{seconds}\t0:00:01\t{seconds}\n")
    pd.DataFrame({"corpus": ["ptb"], "split": ["valid"], "mi_mean": [5.8e-4],
                  "baseline_mean": [4.5e-4], "excess": [1.3e-4], "excess_ci_low": [-1e-5],
                  "excess_ci_high": [2.7e-4], "gamma": [0.107], "gamma_ci_low": [0.04],
                  "gamma_ci_high": [0.23], "gamma_excess": [float("nan")],
                  "gamma_excess_ci_low": [float("nan")], "gamma_excess_ci_high": [float("nan")]}
                 ).to_csv(results / "figures" / "fig6_uniformity.csv", index=False)
    pd.DataFrame({"arch": "rnn", "width": 8, "depth": 1, "restart": [0, 1],
                  "xi": [60.0, 80.0], "xi_ci_low": [55.0, 70.0], "xi_ci_high": [65.0, 90.0]}
                 ).to_csv(results / "figures" / "binary_restarts.csv", index=False)
    models = pd.read_csv(results / "figures" / "binary_models.csv").assign(
        xi_seed_sd=0.2, xi_seed_sd_models=1, xi_seed_sd_measured=True)
    models.to_csv(results / "figures" / "binary_models.csv", index=False)
    readme = tmp_path / "README.md"
    readme.write_text("".join(f"<!-- snapshot:{n} -->\n<!-- /snapshot:{n} -->\n"
                              for n in ("run-time", "corpora", "seed-spread")))
    assert run_cli("snapshot", "--results", results, "--snapshot", tmp_path / "snap",
                   "--readme", readme, "--note", "n", "--wall-seconds", "125", "--cores",
                   "2") == 0
    text = readme.read_text()
    assert "The run took **2 min 5 s** of wall time on 2 cores; its 4 jobs' wall times add " \
           "up to 1.8 min (training 1.5, sampling 0.0, I(tau) 0.2, fits 0.0, everything " \
           "else 0.1" in text
    assert "| ptb | valid | 0.00058 | 0.00045 | 0.00013 [-1e-05, 0.00027] | 0.107 [0.04, " \
           "0.23] | undetermined |" in text
    assert "| rnn | 8 | 1 | 60, 80 | 0.20 |" in text and "**0.20** over 1 models" in text


def test_a_snapshot_that_cannot_be_rendered_changes_nothing(tmp_path, capsys):
    results = _results(tmp_path / "results")
    pd.DataFrame({"corpus": ["ptb"]}).to_csv(results / "figures" / "fig6_uniformity.csv",
                                             index=False)  # no columns to render
    snapshot, readme = tmp_path / "snap", tmp_path / "README.md"
    snapshot.mkdir()
    (snapshot / "claims.csv").write_text("old\n")
    readme.write_text("<!-- snapshot:corpora -->\nOLD\n<!-- /snapshot:corpora -->\n")
    assert run_cli("snapshot", "--results", results, "--snapshot", snapshot, "--readme", readme,
                   "--note", "n") == 2
    assert "the snapshot's fig6_uniformity.csv lacks the column(s) ['split'" in \
        capsys.readouterr().err
    assert (snapshot / "claims.csv").read_text() == "old\n" and "OLD" in readme.read_text()
    assert sorted(p.name for p in snapshot.iterdir()) == ["claims.csv"]


def test_the_bipartite_block_shows_each_curve_at_the_smallest_ratio(tmp_path):
    results = _results(tmp_path / "results")
    nan = float("nan")
    rows = []
    for ratio, source, width in ((2.0, "samples", 8), (3.0, "samples", 8), (2.0, "data", 16)):
        for estimator, beta in (("vclub", 0.4), ("direct", 0.3)):
            rows.append({"level": "binary", "family": "binary", "source": source,
                         "arch": "lstm", "width": width, "depth": 1, "memory_values": 2 * width,
                         "estimator": estimator, "ratio": ratio, "beta": beta + ratio / 100,
                         "beta_ci_low": beta - 0.1, "beta_ci_high": beta + 0.1,
                         "upper_slope": nan if source == "data" else 0.05,
                         "upper_slope_ci_low": nan if source == "data" else -0.02,
                         "upper_slope_ci_high": nan if source == "data" else 0.12})
    pd.DataFrame(rows).to_csv(results / "figures" / "bipartite_growth.csv", index=False)
    readme = tmp_path / "README.md"
    readme.write_text("<!-- snapshot:bipartite -->\n<!-- /snapshot:bipartite -->\n")
    assert run_cli("snapshot", "--results", results, "--snapshot", tmp_path / "snap",
                   "--readme", readme, "--note", "n") == 0
    text = readme.read_text()
    assert "| binary | own samples | lstm 8x1 | 16 | 0.42 [0.3, 0.5] | 0.05 [-0.02, 0.12] | " \
           "0.32 [0.2, 0.4] |" in text
    assert "| binary | held-out data | lstm 16x1, the best | 32 | 0.42 [0.3, 0.5] | " \
           "undetermined | 0.32 [0.2, 0.4] |" in text
    assert "0.43" not in text and text.count("| binary |") == 2  # ratio 3 is not shown
