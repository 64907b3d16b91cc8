"""miscaling.plan.cost: the GPU hours of a preset, the README's tables of them, the GPU preset's
two-hour budget, and the presets' independence from config.yaml underneath."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from miscaling.plan import Plan
from miscaling.plan.cost import EPOCHS_TO_STOP, cost_table, costs, data_scoring_hours, total_hours
from miscaling.plan.resources import GPU_TRAIN_REFERENCE, Resources

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from gpu_cost import README_BLOCK, merged, update_readme  # noqa: E402

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
    blocks = dict(README_BLOCK.findall(readme))
    configs = {"config.yaml presets/gpu.yaml": gpu, "config.yaml presets/paper.yaml": paper}
    assert set(blocks) == set(configs)
    for files, table in blocks.items():
        assert table == cost_table(configs[files]), (
            f"README's table of {files} is stale: run scripts/gpu_cost.py --readme")


def test_gpu_cost_readme_rewrites_a_stale_table_and_nothing_else(tmp_path):
    readme = (ROOT / "README.md").read_text()
    stale = README_BLOCK.sub(lambda m: f"<!-- gpu-cost: {m.group(1)} -->\n| old |\n"
                             "<!-- /gpu-cost -->", readme, count=1)
    path = tmp_path / "README.md"
    path.write_text(stale)
    assert update_readme(path) == 1
    assert path.read_text() == readme
    assert update_readme(path) == 0


def test_the_gpu_preset_fits_two_hours_and_trains_every_claims_model(gpu):
    rows = costs(gpu)
    assert total_hours(gpu) <= 2.0
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


def test_the_bipartite_scoring_is_costed_at_gpu_rates_pass_by_pass(paper):
    """Every model's scoring of its own samples and each architecture's scoring of the data are
    in the total; on the GPU a pass costs (M58) at its own symbols, never less than the
    arithmetic of its symbols at the model's rate and never less than the launch floor."""
    rows = costs(paper)
    scoring = data_scoring_hours(paper)
    assert all(row.bipartite_seconds > 0 for row in rows)
    assert set(scoring) == {(r.family, r.arch) for r in rows}
    assert total_hours(paper) == pytest.approx(sum(r.hours for r in rows)
                                               + sum(scoring.values()))
    assert f"**{total_hours(paper):.2f}**" in cost_table(paper)
    # a data job is costed at the costliest model of its architecture
    plan = Plan(dict(paper, runtime_estimates="gpu"))
    resources = Resources(plan)
    char_lstms = [r for r in rows if (r.family, r.arch) == ("wikitext2_char", "lstm")]
    assert scoring["wikitext2_char", "lstm"] * 3600 == pytest.approx(
        max(r.bipartite_seconds for r in char_lstms))
    # one pass by hand: the word LSTM 16 x 1 is launch-bound (4 rows x L symbols a pass)
    model = SimpleNamespace(family="wikitext2_word", arch="lstm", width="16", depth="1")
    passes, _ = resources.bipartite_passes("wikitext2_word")
    sequences = paper["bipartite"]["word"]["sequences"]
    batches = -(-sequences // 4)
    _, _, ref_step, ref_us = GPU_TRAIN_REFERENCE["lstm", "word"]
    floor_seconds = batches * sum(count * ref_step * ref_us for _, count in passes) * 1e-6
    assert resources.bipartite_seconds(model) == pytest.approx(floor_seconds)
    # the CPU estimate is unchanged: every symbol at the CPU training rate
    cpu = Resources(Plan(dict(paper, runtime_estimates="cpu")))
    symbols, _ = cpu.bipartite_symbols("wikitext2_word")
    assert cpu.bipartite_seconds(model) == pytest.approx(
        symbols * cpu.text_microseconds_per_symbol("wikitext2_word", "lstm", 16, 1) * 1e-6)
    # off: nothing scored, nothing costed
    off = merged(PAPER)
    off["bipartite"]["enabled"] = False
    assert data_scoring_hours(off) == {} and all(r.bipartite_seconds == 0 for r in costs(off))



def test_epochs_to_stop_are_the_largest_measured_per_family_and_the_script_adds_only_stops(
        tmp_path):
    """EPOCHS_TO_STOP is read from the committed table of measured runs (largest per family);
    scripts/epochs_to_stop.py adds a run that stopped early and refuses, naming it, one that
    did not, before writing anything."""
    import json
    import subprocess

    from miscaling.plan.cost import EPOCHS_TABLE, measured_epochs

    assert EPOCHS_TO_STOP == measured_epochs(EPOCHS_TABLE)
    table = tmp_path / "epochs.csv"
    table.write_text(EPOCHS_TABLE.read_text().splitlines()[0] + "\n")

    def run(name, epochs, stopped, shape=(100, 512), arch="rnn"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "result.json").write_text(json.dumps({
            "stopped_early": stopped, "epochs_run": epochs, "best_epoch": epochs - 5, "seed": 0,
            "device": "cpu", "torch_version": "2.13.0+cpu", "data": {"train": {"shape": shape}},
            "model_config": {"arch": arch, "width": 8, "depth": 1},
            "train_config": {"max_epochs": 200, "patience": 5}}))
        return str(folder)

    def script(*args):
        return subprocess.run([sys.executable, str(ROOT / "scripts/epochs_to_stop.py"), *args,
                               "--table", str(table)], capture_output=True, text=True)

    first, second = run("a", 23, True), run("b", 37, True)
    capped, text = run("c", 200, False), run("d", 13, True, shape=(1000,), arch="lstm")
    refused = script(first, capped)
    assert refused.returncode != 0 and "c/result.json: stopped_early is false" in refused.stderr
    assert "language model" in script(text).stderr
    assert script(first, second).returncode == 0
    assert script(text, "--level", "char").returncode == 0
    assert measured_epochs(table) == {("rnn", "binary"): 37, ("lstm", "char"): 13}


def test_every_measured_stop_ran_at_the_paper_presets_scale(paper):
    """A count measured on smaller data or another patience would not be the preset's: every
    row of the table trained on the preset's full data with its patience and maximum."""
    import csv

    from miscaling.plan.cost import EPOCHS_TABLE
    from miscaling.plan.resources import TEXT_SPLITS

    binary = paper["binary"]
    with open(EPOCHS_TABLE, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        if row["level"] == "binary":
            assert row["train_shape"] == f"{binary['n_train']}x{binary['length']}", row
            assert int(row["patience"]) == paper["binary_models"]["patience"], row
            assert int(row["max_epochs"]) == paper["binary_models"]["max_epochs"], row
        else:
            assert int(row["train_shape"]) == TEXT_SPLITS["wikitext2", row["level"]][0], row
        assert int(row["best_epoch"]) + int(row["patience"]) == int(row["epochs_run"]), row
