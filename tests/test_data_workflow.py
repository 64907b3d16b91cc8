"""The corpus rules end to end on the shared/data mirror: download (verified) -> prepare ->
I(tau) -> uniformity -> Figure 6.  Skipped when the mirror is absent (a user's machine)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_workflow import ROOT, job_counts, snakemake, write_config

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not (MIRROR / "ptb").is_dir(), reason=f"no corpus mirror at {MIRROR}"),
]


@pytest.mark.slow
def test_corpus_rules_on_the_mirror(tmp_path):
    config = write_config(
        tmp_path / "data.yaml", "presets/smoke.yaml",
        corpora={"names": ["ptb"], "gpt2": True, "mirror": str(MIRROR), "lags": "log:1000:12",
                 "long_range": {"min_lag": 50, "max_lag": 1000}, "fit": {"min_mi": 2.0e-3}},
    )
    # the corpus part of the DAG only (the rest of the smoke preset is test_workflow.py's)
    splits = ("train", "valid", "test")
    targets = ["results/figures/fig6.pdf", "results/fits/data/gpt2_char/samples.csv",
               *(f"results/fits/data/ptb_char/{split}.csv" for split in splits)]
    snakemake(*targets, "--cores", "2", "--configfile", str(config), workdir=tmp_path)
    results = tmp_path / "results"
    assert not (results / "models").exists()

    manifest = json.loads((results / "raw/ptb/manifest.json").read_text())
    assert manifest["files"]["train"]["hash"].startswith("sha256:fcea919f")
    vocab = json.loads((results / "data/ptb_char/vocab.json").read_text())
    assert vocab["vocab_size"] == 50 and vocab["lengths"]["train"] == 5_101_618

    for name in ("fig6.pdf", "fig6.png", "fig6.csv", "fig6_uniformity.csv"):
        assert (results / "figures" / name).stat().st_size > 0
    table = pd.read_csv(results / "figures/fig6_uniformity.csv")
    assert sorted(table["split"]) == ["test", "train", "valid"]
    train = table[table["split"] == "train"].iloc[0]
    # PTB's training set carries long-range MI beyond the shuffled-text floor
    assert train["distinguishable"] and train["gamma_ci_low"] > 0
    gpt2 = pd.read_csv(results / "mi/data/gpt2_char/samples.csv")
    assert (gpt2["n_pairs"] > 0).all() and gpt2["mi"].iloc[0] > 0.5

    # adding a corpus adds its jobs and reruns only what combines corpora
    more = write_config(tmp_path / "more.yaml", str(config), corpora__names=["ptb", "wikitext2"])
    targets += [f"results/fits/data/wikitext2_char/{split}.csv" for split in splits]
    dry = snakemake(*targets, "-n", "--configfile", str(more), workdir=tmp_path)
    assert job_counts(dry.stdout + dry.stderr) == {
        "download_corpus": 1, "prepare_corpus": 1, "mi_data": 3, "fit_data": 3,
        "uniformity_data": 3, "fig6": 1,
    }



def test_language_model_dag_on_the_mirror(tmp_path):
    # the smoke preset with presets/smoke_text.yaml and the mirror: one model of each text family
    # (planned only; tests/test_text_workflow.py checks the commands and incremental planning)
    text = yaml.safe_load((ROOT / "presets/smoke_text.yaml").read_text())
    text["corpora"]["mirror"] = str(MIRROR)
    overlay = tmp_path / "text.yaml"
    overlay.write_text(yaml.safe_dump(text))
    result = snakemake("-n", "-p", "--configfile", str(ROOT / "presets/smoke.yaml"),
                       str(overlay), workdir=tmp_path)
    counts = job_counts(result.stdout + result.stderr)
    assert counts["download_corpus"] == 1 and counts["prepare_corpus"] == 2  # char and word
    assert {rule: counts[rule] for rule in ("train_text_model", "select_text_model",
                                            "sample_text_model", "text_reference")} == {
        "train_text_model": 5, "select_text_model": 5, "sample_text_model": 5,
        "text_reference": 5,
    }
    assert counts["words_to_chars"] == 2 and counts["appendix_f"] == 1
    # binary data, samples and Figure 5 (10), WikiText-2's splits, the text samples, references
    # (and the 6 restart sample sets of the binary models, seed_spread)
    assert counts["mi_data"] == counts["fit_data"] == 10 + 6 + 3 + 5 + 5
    assert f"download wikitext2 --dest results/raw/wikitext2 --mirror {MIRROR}" in result.stdout
