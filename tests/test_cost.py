"""miscaling.plan.cost: the GPU hours of a preset, the README's tables of them, the GPU preset's
two-hour budget, and the presets' independence from config.yaml underneath."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from miscaling.plan import Plan
from miscaling.plan.cost import EPOCHS_TO_STOP, cost_table, costs
from miscaling.plan.resources import Resources

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from gpu_cost import merged  # noqa: E402

GPU = [str(ROOT / "config.yaml"), str(ROOT / "presets/gpu.yaml")]
PAPER = [str(ROOT / "config.yaml"), str(ROOT / "presets/paper.yaml")]


@pytest.fixture(scope="module")
def paper():
    return merged(PAPER)


@pytest.fixture(scope="module")
def gpu():
    return merged(GPU)


def test_the_readme_quotes_the_cost_tables_the_code_computes(paper, gpu):
    readme = (ROOT / "README.md").read_text()
    blocks = dict(re.findall(r"<!-- gpu-cost: ([^>]*?) -->\n(.*?)\n<!-- /gpu-cost -->", readme,
                             re.S))
    configs = {"config.yaml presets/gpu.yaml": gpu, "config.yaml presets/paper.yaml": paper}
    assert set(blocks) == set(configs)
    for files, table in blocks.items():
        assert table == cost_table(configs[files]), (
            f"README's table of {files} is stale: rerun scripts/gpu_cost.py")


def test_the_gpu_preset_fits_two_hours_and_trains_every_claims_model(gpu):
    rows = costs(gpu)
    assert sum(row.hours for row in rows) <= 2.0
    text = {(r.family.split("_")[1], r.arch, r.width, r.depth) for r in rows
            if r.family != "binary"}
    # the models the language-model claims name (paper_claims: Figs 2, 3(b, c), 8, 10)
    for model in [("char", "lstm", 32, 1), ("char", "lstm", 1024, 1), ("char", "lstm", 2048, 1),
                  ("char", "lstm", 128, 3), ("word", "lstm", 16, 1), ("word", "lstm", 2048, 1),
                  ("word", "lstm", 512, 3), ("char", "transformer", 512, 1),
                  ("char", "transformer", 128, 5), ("word", "transformer", 16, 1),
                  ("word", "transformer", 512, 5), ("char", "ssm", 16, 1)]:
        assert model in text, model
    config = gpu
    assert config["runtime_estimates"] == "gpu"
    assert config["text_models"]["char"]["sample_symbols"] == 2_000_000
    assert config["estimator"]["shuffles"] >= 1 and config["estimator"]["within_shuffles"] >= 1


def test_cost_rows_say_where_their_epochs_come_from(paper):
    rows = {(r.family, r.arch, r.width, r.depth): r for r in costs(paper)}
    char_lstm = rows["wikitext2_char", "lstm", 1024, 1]
    assert (char_lstm.epochs, char_lstm.epochs_kind) == (EPOCHS_TO_STOP["lstm", "char"],
                                                         "measured")
    assert (rows["wikitext2_word", "lstm", 512, 1].epochs_kind,
            rows["wikitext2_word", "lstm", 512, 1].epochs) == ("fixed", 60)
    transformer = rows["binary", "transformer", 16, 1]
    assert (transformer.epochs, transformer.epochs_kind, transformer.restarts) == (200, "bound", 5)
    # restarts x epochs x the epoch's symbols x the GPU rate
    plan = Plan(paper)
    resources = Resources(plan)
    model = plan.model_of(SimpleNamespace(family="wikitext2_char", arch="lstm", width="1024",
                                          depth="1"))
    seconds = resources.epoch_symbols(model) * resources.gpu_microseconds_per_symbol(
        SimpleNamespace(family="wikitext2_char", arch="lstm", width="1024", depth="1")) * 1e-6
    assert char_lstm.train_hours == pytest.approx(5 * 13 * seconds / 3600)


def test_the_paper_preset_plans_the_same_trainings_with_or_without_config_yaml(paper):
    """A run from the repository root lays the paper preset over config.yaml: none of the quick
    run's training settings (a Transformer's lr 3e-3, batch 25, 12 epochs, one restart) may
    leak into it."""
    alone = Plan(merged([str(ROOT / "presets/paper.yaml")]))
    over = Plan(paper)
    for family in ["binary", *alone.text_families()]:
        models = alone.family_models(family)
        assert models == over.family_models(family)
        for model in models:
            wildcards = SimpleNamespace(family=family, arch=model.arch, width=model.width,
                                        depth=model.depth, seed=0)
            assert alone.train_flags(wildcards) == over.train_flags(wildcards), model
            assert alone.restarts(family, model.arch) == over.restarts(family, model.arch)
