"""The language models' part of the workflow (text_models.smk): dry runs only.  The text DAG of
every preset, its commands, its independence from the binary jobs, the config checks, and
incremental planning on a results tree made of placeholder files (no job runs)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_workflow import ROOT, job_counts, snakemake, write_config

TEXT_RULES = {"train_text_model", "select_text_model", "sample_text_model", "words_to_chars",
              "text_reference", "appendix_f", "text_figure", "text_model_summary"}


def job_blocks(output: str) -> dict[str, dict[str, str]]:
    """{output: {rule, input, output, log, wildcards, priority, resources, shell}} of a dry run."""
    jobs = {}
    for block in re.split(r"\n(?=\[[^\]]*\]\n(?:local)?rule )", output):
        rule = re.search(r"^(?:local)?rule (\w+):", block, re.M)
        if rule is None:
            continue
        fields = {"rule": rule.group(1)}
        for line in block.splitlines():
            key = line.strip().split(":", 1)[0]
            if key in ("input", "output", "log", "wildcards", "priority", "resources"):
                fields[key] = line.strip()
            elif line.startswith("Shell command:"):
                fields["shell"] = line
        jobs[fields.get("output", fields["rule"])] = fields
    return jobs


def dry_run(workdir: Path, *configs: Path | str, extra: tuple[str, ...] = ()) -> str:
    result = snakemake("-n", "-p", *extra, "--configfile", *map(str, configs), workdir=workdir)
    return result.stdout + result.stderr


def commands(output: str, rule: str) -> list[str]:
    return [job["shell"] for job in job_blocks(output).values() if job["rule"] == rule]


SMOKE_TEXT = (ROOT / "presets/smoke.yaml", ROOT / "presets/smoke_text.yaml")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """Dry runs of config.yaml with and without the language models."""
    tmp = tmp_path_factory.mktemp("quick_text")
    off = write_config(tmp / "off.yaml", "config.yaml", text_models__enabled=False)
    return {"on": dry_run(tmp / "on", ROOT / "config.yaml"), "off": dry_run(tmp / "off", off)}


def test_language_models_only_add_jobs(quick):
    # every job without the language models is planned identically with them (paths, params,
    # commands, priorities, resources); only `all`, the report of everything and the
    # calibration at every family's noise and the bipartite summary of every model gain inputs
    on, off = job_blocks(quick["on"]), job_blocks(quick["off"])
    changed = [key for key, job in off.items()
               if on.get(key) != job
               and job["rule"] not in ("all", "report", "calibrate", "bipartite_summary")]
    assert not changed, changed[:3]
    added = {on[key]["rule"] for key in set(on) - set(off)}
    assert added == TEXT_RULES | {"mi_data", "fit_data", "prepare_corpus", "bipartite_samples",
                                  "bipartite_data"}


def test_quick_text_dag(quick):
    counts = job_counts(quick["on"])
    # char: LSTM 16, 64 (+ 64 x 2), Transformer 32, 64 (+ 64 x 2), SSM 16; word: LSTM 64,
    # Transformer 64
    assert {rule: counts[rule] for rule in TEXT_RULES} == {
        "train_text_model": 9, "select_text_model": 9, "sample_text_model": 9,
        "words_to_chars": 2, "text_reference": 9, "appendix_f": 1, "text_figure": 4,
        "text_model_summary": 1,
    }
    train = commands(quick["on"], "train_text_model")
    assert sum("--data char" in c for c in train) == 7
    assert sum("--data word" in c for c in train) == 2
    assert all("--train-symbols 1000000 --valid-symbols 250000 --max-epochs 3" in c
               for c in train if "--data char" in c)
    assert all(" --mixed-precision" not in c for c in train)
    assert all(" --replace-other-run" in c for c in train)  # a changed config retrains
    samples = commands(quick["on"], "sample_text_model")
    # 2 MB of characters: 20 LSTM streams of 100,000; 3,899 Transformer sequences of 513
    assert sum("--n-sequences 20 --length 100000" in c for c in samples) == 4
    assert sum("--n-sequences 3899 --length 513" in c for c in samples) == 3
    assert sum("--n-sequences 3101 --length 129" in c for c in samples) == 1
    measured = [c for c in commands(quick["on"], "mi_data") if "data/wikitext2_char_" in c
                or "data/wikitext2_word_" in c]
    assert len(measured) == 18
    # the corpora's grid (to 1000), measured up to half the longest sequence when it runs (a
    # Transformer's 513 characters: lags up to 256; the LSTMs' streams are far longer)
    lstm = next(c for c in measured if "wikitext2_char_samples/lstm_w64_d1.npy" in c)
    transformer = next(c for c in measured if "wikitext2_char_reference/char_transformer_w32" in c)
    assert "--lags log:1000:60 " in lstm and "--lags log:1000:60 " in transformer
    assert all("--max-lag-fraction 0.98 " in c for c in measured)
    assert "--label reference=size_matched" in transformer and "--label level=char" in transformer
    word = next(c for c in measured if "wikitext2_word_samples/lstm_w64_d1.npz" in c)
    assert "--label corpus=wikitext2 --label level=word --label arch=lstm" in word


def test_paper_text_grid(tmp_path):
    output = dry_run(tmp_path, ROOT / "presets/paper.yaml")
    train = commands(output, "train_text_model")
    # char LSTM: 9 widths + depths 2, 3 at 128, best of 5; char Transformer 6 widths + depths 2-5
    # at 128, char SSM 3 widths, word LSTM 8 widths + 2 depths, word Transformer 6 + 4, best of 3
    assert len(train) == 11 * 5 + 10 * 3 + 3 * 3 + 10 * 3 + 10 * 3
    # numerics: the recipes' choice (bf16 for the Transformers on CUDA; METHODS §7.10)
    assert not any("mixed-precision" in c or "tf32" in c or "--train-symbols" in c
                   for c in train)
    assert not any("--lr" in c or "--batch-size" in c or "--max-epochs" in c for c in train)
    assert job_counts(output)["sample_text_model"] == 11 + 10 + 3 + 10 + 10
    # seed_spread: every restart sampled and measured too
    assert job_counts(output)["sample_text_restart"] == 11 * 5 + (10 + 3 + 10 + 10) * 3
    assert job_counts(output)["words_to_chars_restart"] == 10 * 3 * 2


def _placeholder(path: Path) -> None:
    """An output file good enough for planning: arrays are read (their headers) by the plan."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".npy":
        np.save(path, np.zeros((2, 2000), dtype=np.uint8))
    elif path.suffix == ".npz":
        np.savez(path, sample_00000=np.zeros(1500, dtype=np.uint8))
    else:
        path.touch()


def test_smoke_text_dag_and_adding_a_width(tmp_path):
    # one model of each family (and a char SSM); planned on a results tree of placeholders
    output = dry_run(tmp_path, *SMOKE_TEXT)
    counts = job_counts(output)
    assert {rule: counts[rule] for rule in TEXT_RULES} == {
        "train_text_model": 5, "select_text_model": 5, "sample_text_model": 5,
        "words_to_chars": 2, "text_reference": 5, "appendix_f": 1, "text_figure": 4,
        "text_model_summary": 1,
    }
    for job in job_blocks(output).values():
        if "output" in job:
            for path in job["output"].removeprefix("output: ").split(", "):
                _placeholder(tmp_path / path)
    snakemake("--touch", "--cores", "1", "--configfile", *map(str, SMOKE_TEXT), workdir=tmp_path)
    again = snakemake("-n", "--configfile", *map(str, SMOKE_TEXT), workdir=tmp_path)
    assert job_counts(again.stdout + again.stderr) == {}

    # a second char LSTM width: only its jobs, and what lists every model: Appendix F, the
    # LSTM figures (2 and 8) and the per-model table
    config = yaml.safe_load((ROOT / "presets/smoke_text.yaml").read_text())
    config["text_models"]["char"]["architectures"]["lstm"]["widths"] = [8, 16]
    wider = tmp_path / "wider.yaml"
    wider.write_text(yaml.safe_dump(config))
    dry = snakemake("-n", "--configfile", str(SMOKE_TEXT[0]), str(wider), workdir=tmp_path)
    assert job_counts(dry.stdout + dry.stderr) == {
        "train_text_model": 1, "select_text_model": 1, "sample_text_model": 1,
        "text_reference": 1, "mi_data": 2, "fit_data": 2, "appendix_f": 1, "all": 1,
        "text_figure": 2, "text_model_summary": 1, "report": 1,
        # the new model's bipartite MI, the data's under the best LSTM (it may be the new one)
        # and the summary of both
        "bipartite_samples": 1, "bipartite_data": 1, "bipartite_summary": 1,
    }
    assert "results/models/wikitext2_char/lstm_w16_d1/seed0" in dry.stdout + dry.stderr


def test_every_restart_of_a_text_model_is_measured_with_seed_spread(tmp_path):
    """Two restarts per model and seed_spread: each restart's samples (words turned into
    characters) are measured, and the summary pools them; the binary models' table is read for
    the level that has none."""
    config = yaml.safe_load((ROOT / "presets/smoke_text.yaml").read_text())
    config["text_models"].update(restarts=2, seed_spread=True)
    path = tmp_path / "restarts.yaml"
    path.write_text(yaml.safe_dump(config))
    output = dry_run(tmp_path, SMOKE_TEXT[0], path)
    counts = job_counts(output)
    assert counts["sample_text_restart"] == 10 and counts["words_to_chars_restart"] == 4
    (summary,) = commands(output, "text_model_summary")
    fits = re.findall(r"results/fits/data/wikitext2_(?:char|word)_samples/\w+_seed[01]\.csv",
                      summary)
    assert len(fits) == 10 and "--restart-fits" in summary
    assert "--binary-models results/figures/binary_models.csv" in summary
    assert "--restarts-out results/figures/text_restarts.csv" in summary
    mi = [c for c in commands(output, "mi_data") if "_samples/transformer_w8_d1_seed1" in c
          and "wikitext2_word" in c]
    assert len(mi) == 1 and "--label restart=1" in mi[0] and ".npz" in mi[0]
    # without seed_spread (the smoke preset's default) no restart is sampled
    assert "sample_text_restart" not in job_counts(dry_run(tmp_path / "off", *SMOKE_TEXT))


def test_text_models_need_their_corpus(tmp_path):
    # the smoke preset measures no corpus: no language model either, whatever text_models says
    config = write_config(tmp_path / "c.yaml", "presets/smoke.yaml", text_models__enabled=True)
    counts = job_counts(dry_run(tmp_path / "run", config))
    assert not TEXT_RULES & set(counts)


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        ({"widths": [12]}, "width 12 is not divisible by heads 8"),
        ({"widths": [16], "embedding_dim": 32}, "embedding_dim applies to LSTMs only"),
        ({"widths": [16], "context": 64}, "unknown config key 'context'"),
    ],
)
def test_malformed_text_config_fails_before_any_job(architecture, message, tmp_path):
    config = yaml.safe_load((ROOT / "presets/smoke_text.yaml").read_text())
    config["text_models"]["char"]["architectures"]["transformer"] = architecture
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake("-n", "--configfile", str(SMOKE_TEXT[0]), str(path), workdir=tmp_path,
                       check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_smoke_text_preset_is_self_contained(tmp_path):
    # run from the repository root, config.yaml lies underneath both presets: same jobs
    from test_config import dry_run_jobs

    alone, merged = tmp_path / "alone", tmp_path / "merged"
    merged.mkdir()
    shutil.copy(ROOT / "config.yaml", merged / "config.yaml")
    jobs = {workdir: dry_run_jobs(dry_run(workdir, *SMOKE_TEXT)) for workdir in (alone, merged)}
    assert jobs[alone] == jobs[merged]
    assert sum(rule == "train_text_model" for rule, _ in jobs[alone]) == 5


def test_longer_text_preset_changes_only_the_character_models(quick, tmp_path):
    # laid over config.yaml (a run from the repository root: config.yaml is in the workdir)
    workdir = tmp_path / "longer"
    workdir.mkdir()
    shutil.copy(ROOT / "config.yaml", workdir / "config.yaml")
    longer = dry_run(workdir, ROOT / "presets/longer_text.yaml")
    train = commands(longer, "train_text_model")
    char = [c for c in train if "--data char" in c]
    # LSTM 16, 64, 128 (+ 128 x 2), Transformer 64, 128 (+ 128 x 2), config.yaml's SSM 16
    assert len(char) == 8 and sum("--arch lstm" in c for c in char) == 4
    assert all("--train-symbols" not in c and "--max-epochs 3" in c
               for c in char if "--arch lstm" in c)
    assert all("--train-symbols 4000000" in c and "--max-epochs 2" in c
               for c in char if "--arch transformer" in c)
    # the word models are planned exactly as the quick run plans them
    word = sorted(c for c in train if "--data word" in c)
    assert word == sorted(c for c in commands(quick["on"], "train_text_model")
                          if "--data word" in c)


def test_a_nested_config_override_with_numbers_plans_the_models_it_names(tmp_path):
    """Snakemake hands numbers inside a nested --config mapping over as strings; the checks
    read them as the schema types them (a newcomer's first override, issue 18)."""
    output = dry_run(tmp_path, *SMOKE_TEXT, extra=(
        "--config", "text_models={char: {architectures: {lstm: {widths: [8, 16]}}}}"))
    trained = {job["output"] for job in job_blocks(output).values()
               if job["rule"] == "train_text_model"}
    assert any("wikitext2_char/lstm_w16_d1/seed0" in out for out in trained), trained
