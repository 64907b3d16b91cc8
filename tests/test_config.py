"""The configuration: checked before any job runs with one line per problem, and presets that say
all they mean (the smoke preset does not borrow its sizes from config.yaml)."""

from __future__ import annotations

import shutil

import yaml
from test_workflow import ROOT, job_counts, snakemake, write_config


def dry_run_jobs(output: str) -> list[tuple[str, str]]:
    """(rule, shell command) of every job of a dry run with -p, sorted."""
    jobs, rule = [], None
    for line in output.splitlines():
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif " -m miscaling " in line and rule is not None:
            jobs.append((rule, line.split(" -m miscaling ", 1)[1]))
            rule = None
    return sorted(jobs)


def test_smoke_preset_is_self_contained_and_tiny(tmp_path):
    # --configfile merges onto config.yaml when it is in the working directory (a user's run
    # from the repository root); the tests run elsewhere.  Both must plan the same jobs.
    alone, merged = tmp_path / "alone", tmp_path / "merged"
    merged.mkdir()
    shutil.copy(ROOT / "config.yaml", merged / "config.yaml")
    outputs = {}
    for workdir in (alone, merged):
        result = snakemake("-n", "-p", "--configfile", str(ROOT / "presets/smoke.yaml"),
                           workdir=workdir)
        outputs[workdir] = result.stdout + result.stderr
    assert dry_run_jobs(outputs[alone]) == dry_run_jobs(outputs[merged])
    assert dry_run_jobs(outputs[alone])

    counts = job_counts(outputs[merged])
    # one model per architecture plus the LSTM depth sweep; two restarts but the Transformer's
    # and the SSM's
    assert counts["train_model"] == 8 and counts["select_model"] == 5, counts
    # and every restart of the models with two sampled and measured (seed_spread)
    assert counts["sample_restart"] == 6 and sum(counts.values()) <= 92, counts
    # every rule of the workflow but the corpus ones runs at smoke scale (the language models
    # need a corpus: presets/smoke_text.yaml, tests/test_text_workflow.py)
    rules = {line.split()[1].rstrip(":")
             for path in (ROOT / "workflow/rules").glob("*.smk")
             for line in path.read_text().splitlines() if line.startswith("rule ")}
    corpus_rules = {"download_corpus", "split_text8", "prepare_corpus", "prepare_gpt2",
                    "uniformity_data", "fig6", "words_to_chars", "text_reference", "appendix_f",
                    "text_figure", "text_model_summary", "size_matched_chunks",
                    "size_matched_control", "corpus_summary"}
    assert set(counts) - {"all"} == (rules | {"sample_restart"}) - corpus_rules  # + a use rule


def test_misspelled_key_is_one_line_naming_it_and_the_closest_key(tmp_path):
    config = yaml.safe_load((ROOT / "presets/smoke.yaml").read_text())
    config["binary_models"]["architectures"]["rnn"]["widht"] = [3]
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump(config))
    result = snakemake("-n", "--configfile", str(tmp_path / "typo.yaml"), workdir=tmp_path,
                       check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if "widht" in line]
    assert lines == ["typo.yaml: unknown config key 'widht' in section "
                     "binary_models.architectures.rnn; did you mean 'widths'?"], output
    # the schema is not dumped (it was 1,100 lines)
    assert "description" not in output and len(output.splitlines()) < 15, output
    assert not (tmp_path / "results").exists()


def test_unknown_key_from_the_command_line_names_config(tmp_path):
    result = snakemake("-n", "--configfile", str(ROOT / "presets/smoke.yaml"), "--config",
                       "sead=3", workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert ("--config: unknown config key 'sead' in the top level; did you mean 'seed'?"
            in result.stdout + result.stderr), result.stdout + result.stderr


def test_schema_errors_are_one_line_each(tmp_path):
    config = write_config(tmp_path / "bad.yaml", "presets/smoke.yaml",
                          estimator__name="kraskov", binary__n_train=0)
    result = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config key binary.n_train: 0 is less than the minimum of 1" in output
    assert "config key estimator.name: 'kraskov' is not one of" in output
    assert len(output.splitlines()) < 15, output


def test_transformer_width_not_divisible_by_heads_fails_before_any_job(tmp_path):
    config = write_config(tmp_path / "heads.yaml", "presets/smoke.yaml",
                          binary_models__architectures__transformer__widths=[6, 8])
    result = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert ("binary_models.architectures.transformer: width 6 is not divisible by heads 4"
            in result.stdout + result.stderr), result.stdout + result.stderr
    assert "width 8" not in result.stdout + result.stderr


def test_lag_specs_are_parsed_before_any_job(tmp_path):
    # the schema's pattern accepts it; the estimator's parser (miscaling.mi.parse_lags) does not
    config = write_config(tmp_path / "lags.yaml", "presets/smoke.yaml", binary__lags="log:63:1")
    result = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config key binary.lags: lag spec 'log:63:1'" in output, output



def test_floor_aware_fits_need_a_shuffle_floor_before_any_job(tmp_path):
    # corpora.fit.floor_sds (config.yaml: 2) reads the floor's standard deviation: 2 shuffles
    config = write_config(tmp_path / "floor.yaml", "presets/smoke.yaml", estimator__shuffles=1)
    result = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert ("config key corpora.fit.floor_sds: the fits then need the shuffle floor's standard "
            "deviation, which takes estimator.shuffles >= 2 (got 1)") in output, output
    assert "binary.fit.floor_sds" not in output  # unset there: the fixed threshold only


def test_within_floor_beside_a_within_baseline_fails_before_any_job(tmp_path):
    # the within floor is the second floor beside the global one: with shuffle_scope within
    # the baseline is that floor already
    config = write_config(tmp_path / "within.yaml", "presets/smoke.yaml",
                          estimator__shuffle_scope="within")
    result = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert ("config keys estimator.within_shuffles (2) and estimator.shuffle_scope (within): "
            "the within floor is the second floor beside the global one") in output, output
    assert "set estimator.shuffle_scope: global or estimator.within_shuffles: 0" in output
    assert not (tmp_path / "results").exists()
