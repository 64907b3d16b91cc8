"""miscaling.plan: the pipeline's torch-free plan of itself, which the rules read."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from miscaling.plan import FIGURES, Model, Plan, figure, parse_dataset
from miscaling.plan.checks import coerce_overrides, config_problems
from miscaling.plan.names import TEXT_CORPORA, parse_model_name, parse_sample_name
from miscaling.plan.resources import MAX_RUNTIME_MINUTES, Resources

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
sys.path.insert(0, str(ROOT / "scripts"))
from smk_python_lines import count as smk_python_lines  # noqa: E402


def validated(*files: str, **sections) -> dict:
    """config.yaml (or the given files) merged in order, sections replaced, defaults filled."""
    config = {}
    for name in files or ("config.yaml",):
        for key, value in yaml.safe_load((ROOT / name).read_text()).items():
            config[key] = value
    config.update(copy.deepcopy(sections))
    assert config_problems(config, SCHEMA) == []
    return config


def test_the_plan_imports_no_torch():
    code = ("import sys, miscaling.plan, miscaling.plan.resources, miscaling.plan.checks; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_names_parse_back_and_refuse_what_they_do_not_know():
    assert parse_model_name("lstm_w8_d1") == ("lstm", 8, 1)
    assert parse_sample_name("rnn_w16_d2_seed1") == {"arch": "rnn", "width": 16, "depth": 2,
                                                     "restart": 1}
    with pytest.raises(ValueError, match="not a model name"):
        parse_model_name("gru_w8_d1")
    assert parse_dataset("wikitext2_word_samples").family == "wikitext2_word"
    assert parse_dataset("ptb_char_reference").kind == "text_reference"
    assert parse_dataset("gpt2_char").kind == "gpt2"
    with pytest.raises(ValueError, match="unknown data set 'wikitext2_chars'"):
        parse_dataset("wikitext2_chars")
    assert set(TEXT_CORPORA) == {"ptb", "wikitext2", "wikitext103", "text8"}


def test_models_sample_shapes_and_restarts_of_the_default_config():
    plan = Plan(validated())
    binary = plan.family_models("binary")
    assert Model("binary", "lstm", 8, 3) in binary and all(m.level == "binary" for m in binary)
    assert plan.sample_shape(binary[0]) == (plan.config["binary_models"]["n_samples"],
                                            plan.config["binary"]["length"])
    sets = plan.sample_sets()
    assert {s.model.family for s in sets} == {"wikitext2_char", "wikitext2_word"}
    transformer = next(s.model for s in sets if s.model.arch == "transformer")
    n, length = plan.sample_shape(transformer)
    assert length == plan.bptt(transformer.family, "transformer") + 1
    total = plan.level_config(transformer.family)["sample_symbols"]
    assert n * length >= total > (n - 1) * length
    names = plan.restart_sample_names("binary")
    restarts = plan.restarts("binary", "lstm")
    assert f"lstm_w8_d1_seed{restarts - 1}" in names and restarts >= 2
    assert plan.restart_sample_names("wikitext2_char") == []  # text seed_spread off by default


def test_a_width_travels_as_an_integer_from_the_config_to_the_flags():
    plan = Plan(validated())
    wildcards = SimpleNamespace(family="wikitext2_char", arch="lstm", width="64", depth="1",
                                seed="0")
    assert plan.model_of(wildcards) == Model("wikitext2_char", "lstm", 64, 1)
    assert "--width 64 --depth 1 --data char" in plan.train_flags(wildcards)
    assert len(plan.restart_train_flags(wildcards)) == plan.restarts("wikitext2_char", "lstm")


def test_targets_end_with_the_report_and_hold_every_figure_the_run_makes():
    plan = Plan(validated())
    targets = plan.targets()
    assert targets[-2:] == plan.report_targets()
    made = {entry.name for entry in plan.figures()}
    # the default run makes every figure of the paper and, beyond it, the SSM and L2M figures
    assert made == {entry.name for entry in FIGURES}
    for entry in plan.figures():
        for ext in ("pdf", "png"):
            assert f"results/figures/{entry.name}.{ext}" in targets
    smoke = Plan(validated("presets/smoke.yaml"))
    assert {e.name for e in smoke.figures()} == {"fig1", "fig3", "fig4", "fig5", "fig7", "fig9",
                                                  "theory_linear_rnn", "theory_ising",
                                                  "bipartite", "fig_ssm"}


def test_the_figure_registry_is_what_the_cli_and_the_report_read():
    from miscaling.cli import build_parser

    parser = build_parser()
    figure_parser = next(a for a in parser._subparsers._group_actions[0].choices.items()
                         if a[0] == "figure")[1]
    subcommands = set(figure_parser._subparsers._group_actions[0].choices)
    assert subcommands == {e.name for e in FIGURES if e.command == "figure"}
    for entry in FIGURES:
        assert (ROOT / "workflow/report" / entry.caption).is_file(), entry.caption
    assert figure("fig6").label == "Figure 6"
    # every source of the claims table is made by one rule of the run
    from miscaling.claims import SOURCES
    from miscaling.plan import CLAIMS, CLAIMS_TABLES

    assert {table.source for table in CLAIMS_TABLES} == set(SOURCES)
    assert {claim.source for claim in CLAIMS} <= set(SOURCES)
    with pytest.raises(ValueError, match="unknown figure 'fig11'"):
        figure("fig11")


def test_resources_follow_the_model_and_cap_the_training():
    plan = Plan(validated("config.yaml", "presets/paper.yaml"))
    resources = Resources(plan)
    small = SimpleNamespace(family="wikitext2_char", arch="lstm", width="8", depth="1")
    big = SimpleNamespace(family="wikitext2_char", arch="lstm", width="2048", depth="1")
    assert resources.train_mem_mb(big, 1) > resources.train_mem_mb(small, 1)
    assert resources.train_runtime(big, 1) > resources.train_runtime(small, 1)
    assert resources.train_runtime(big, 9) == MAX_RUNTIME_MINUTES  # capped: the checkpoint resumes
    assert resources.train_mem_mb(small, 2) == 2 * resources.train_mem_mb(small, 1)
    with pytest.raises(ValueError, match="no resources defined for rule 'nope'"):
        resources.step("nope")


def test_nested_config_overrides_are_parsed_by_the_schema():
    """Snakemake hands every value inside a nested --config mapping over as a string."""
    schema = yaml.safe_load(SCHEMA.read_text())
    override = {"text_models": {"char": {"architectures": {"lstm": {"widths": ["16", "64"]}}},
                                "enabled": "false", "corpus": "ptb"}}
    config = copy.deepcopy(override)
    coerce_overrides(config, override, schema)
    assert config["text_models"]["char"]["architectures"]["lstm"]["widths"] == [16, 64]
    assert config["text_models"]["enabled"] is False and config["text_models"]["corpus"] == "ptb"


def test_an_unknown_corpus_names_the_key_and_the_known_ones():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["corpora"]["names"] = ["ptb", "wikitext3"]
    problems = config_problems(config, SCHEMA)
    assert problems == ["config key corpora.names: unknown corpus 'wikitext3'; expected some of "
                        "ptb, wikitext2, wikitext103, text8"]


def test_the_rules_hold_little_python():
    """The rule files keep rule blocks; what they compute comes from miscaling.plan (1,181
    lines of Python outside rule blocks before the plan existed)."""
    counts = smk_python_lines(ROOT)
    assert sum(counts.values()) <= 100, counts


def test_an_ssm_is_planned_like_the_other_architectures():
    """Beyond the paper: the selective SSM joins a grid by config alone."""
    config = yaml.safe_load((ROOT / "presets/smoke.yaml").read_text())
    config["binary_models"]["architectures"]["ssm"] = {"widths": [4], "depth_sweep_widths": [4],
                                                       "depths": [1, 2]}
    assert config_problems(config, SCHEMA) == []
    plan = Plan(config)
    assert {m.name for m in plan.family_models("binary") if m.arch == "ssm"} == {
        "ssm_w4_d1", "ssm_w4_d2"}
    assert "fig_ssm" in {entry.name for entry in plan.figures()}
    assert "results/figures/fig_ssm.png" in plan.targets()
    flags = plan.train_flags(SimpleNamespace(arch="ssm", width="4", depth="2", seed="0"))
    assert "--arch ssm --width 4 --depth 2" in flags and "--embedding-dim" not in flags
    resources = Resources(plan)
    wildcards = SimpleNamespace(arch="ssm", width="4", depth="2")
    assert resources.train_runtime(wildcards, 1) > 0 and resources.sample_mem_mb(wildcards, 1) > 0
    config["binary_models"]["architectures"]["ssm"]["heads"] = 2
    assert config_problems(copy.deepcopy(config), SCHEMA) == [
        "binary_models.architectures.ssm: heads does not apply to the ssm (it embeds in its "
        "width and has no attention)"]


def test_bipartite_jobs_score_every_model_and_the_data_by_each_architectures_best():
    plan = Plan(validated("presets/smoke.yaml"))
    jobs = plan.bipartite_jobs()
    assert jobs == [("binary", "samples", name) for name in plan.binary_model_names()] + [
        ("binary", "data", f"best_{arch}") for arch in ("lstm", "rnn", "ssm", "transformer")]
    for name in ("bipartite.png", "bipartite_growth.csv", "bipartite_trends.csv"):
        assert f"results/figures/{name}" in plan.targets()
    data = plan.bipartite_data_inputs(SimpleNamespace(family="binary", arch="lstm"))
    assert data == {"model": ["results/models/binary/lstm_w4_d1/selection.json",
                              "results/models/binary/lstm_w4_d2/selection.json"],
                    "sequences": "results/data/binary/valid.npy",
                    "first": "results/data/binary/train.npy"}
    wc = SimpleNamespace(family="binary", arch="rnn", width="2", depth="1")
    assert plan.bipartite_sample_inputs(wc)["sequences"] == \
        "results/data/binary_samples/rnn_w2_d1.npy"
    flags = plan.bipartite_flags(wc, "samples")
    assert "--block-lengths log:32:4 --ratio 2 --pairs 2 --max-sequences 50" in flags
    assert "--label level=binary --label family=binary --label source=samples" in flags
    resources = Resources(plan)
    assert resources.bipartite_runtime(wc, 1) >= 5 and resources.bipartite_mem_mb(wc, 2) > \
        resources.bipartite_mem_mb(wc, 1)
    # the default run scores the language models too, each level at its own block lengths
    default = Plan(validated())
    families = {family for family, _, _ in default.bipartite_jobs()}
    assert families == {"binary", "wikitext2_char", "wikitext2_word"}
    word = SimpleNamespace(family="wikitext2_word", arch="transformer", width="64", depth="1")
    assert "--block-lengths log:64:7" in default.bipartite_flags(word, "data")
    assert default.bipartite_data_inputs(word)["sequences"] == \
        "results/data/wikitext2_word/test.npy"
    off = Plan(validated("presets/smoke.yaml", bipartite={"enabled": False}))
    assert off.bipartite_jobs() == [] and "bipartite" not in {f.name for f in off.figures()}


def test_binary_blocks_must_fit_the_binary_sequences_and_every_ratio_keep_a_fit():
    config = yaml.safe_load((ROOT / "presets/smoke.yaml").read_text())
    config["bipartite"]["ratios"] = [3]
    assert config_problems(config, SCHEMA) == [
        "config key bipartite.ratios: L = 3 x 32 (the smallest ratio x the largest of "
        "bipartite.binary.block_lengths) exceeds binary.length 64"]
    # larger ratios are scored within the smallest's window (binary: l <= 21 of 1, 3, 10, 32 at
    # ratio 3); the word grid 1, 4, 16 keeps 1, 4 there: too few for a fit
    config["bipartite"]["ratios"] = [2, 3]
    assert config_problems(config, SCHEMA) == [
        "config key bipartite.ratios: ratio 3 keeps 2 of bipartite.word.block_lengths (those "
        "with ratio x l <= 32, the smallest ratio's longest L); its power-law fit needs 3"]
    config["bipartite"]["word"]["block_lengths"] = "log:16:4"
    assert config_problems(config, SCHEMA) == []
