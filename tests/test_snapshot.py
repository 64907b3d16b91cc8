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
