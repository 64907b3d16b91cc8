"""Every rule's resources (threads, mem_mb, runtime; gpu on the GPU steps) and the profiles."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from test_workflow import ROOT, snakemake, write_config

#: Steps that run on CUDA when torch sees a GPU (the language models' are the same rules).
GPU_RULES = {"train_model", "sample_model", "train_text_model", "sample_text_model"}


def rule_blocks() -> dict[str, str]:
    text = "\n".join(p.read_text() for p in sorted((ROOT / "workflow/rules").glob("*.smk")))
    blocks = re.split(r"^rule ", text, flags=re.M)[1:]
    return {block.split(":", 1)[0]: block for block in blocks}


def test_every_rule_declares_threads_and_its_own_resources():
    blocks = rule_blocks()
    assert "train_model" in blocks and "mi_data" in blocks
    for name, block in blocks.items():
        if name == "all":
            continue
        assert re.search(r"^    threads:", block, re.M), f"rule {name} declares no threads"
        assert f'**step_resources("{name}")' in block, \
            f'rule {name} does not take its resources from step_resources("{name}")'


def job_resources(output: str) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(rule, wildcards, resources) of every job a dry run prints."""
    jobs = []
    for block in re.split(r"\n(?=\[.*\]\n(?:local)?rule )", output):
        rule = re.search(r"^(?:local)?rule (\w+):", block, re.M)
        resources = re.search(r"^\s+resources: (.*)$", block, re.M)
        if rule is None or resources is None:
            continue
        wildcards = re.search(r"^\s+wildcards: (.*)$", block, re.M)
        parse = lambda text: dict(item.split("=", 1) for item in text.split(", "))  # noqa: E731
        jobs.append((rule.group(1), parse(wildcards.group(1)) if wildcards else {},
                     parse(resources.group(1))))
    return jobs


@pytest.fixture(scope="module")
def paper_jobs(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("paper_dry")
    result = snakemake("-n", "--configfile", str(ROOT / "presets/paper.yaml"), workdir=workdir)
    return job_resources(result.stdout + result.stderr)


def train_resources(jobs, arch, width, depth):
    for rule, wildcards, resources in jobs:
        if rule == "train_model" and wildcards == {
            "arch": arch, "width": str(width), "depth": str(depth), "seed": "0"
        }:
            return int(resources["mem_mb"]), int(resources["runtime"])
    raise AssertionError(f"no train_model job for {arch} w{width} d{depth}")


def test_every_job_asks_for_memory_and_time_and_only_gpu_steps_for_a_gpu(paper_jobs):
    rules = {rule for rule, _, _ in paper_jobs}
    assert {"train_model", "sample_model", "mi_data", "synth_binary", "download_corpus"} <= rules
    for rule, _, resources in paper_jobs:
        if rule == "all":
            continue
        assert "mem_mb" in resources and "runtime" in resources, (rule, resources)
        assert ("gpu" in resources) == (rule in GPU_RULES), (rule, resources)
        if rule in GPU_RULES:
            assert resources["gpu"] == "1"


def test_training_resources_grow_with_the_model(paper_jobs):
    # wider, deeper and Transformer models need more memory and time than small RNNs
    small = train_resources(paper_jobs, "lstm", 2, 1)
    wide = train_resources(paper_jobs, "lstm", 128, 1)
    deep = train_resources(paper_jobs, "lstm", 16, 5)
    shallow = train_resources(paper_jobs, "lstm", 16, 1)
    assert wide[0] > small[0] and wide[1] > small[1]
    assert deep[0] > shallow[0] and deep[1] > 3 * shallow[1]
    rnn, transformer = (train_resources(paper_jobs, a, 64, 1) for a in ("rnn", "transformer"))
    assert transformer[1] > rnn[1]


def test_training_time_follows_the_data_and_epochs(paper_jobs, tmp_path):
    # the smoke preset trains for 2 epochs on 200 sequences of 64 symbols: far less time
    result = snakemake("-n", "--configfile", str(ROOT / "presets/smoke.yaml"), workdir=tmp_path)
    smoke = train_resources(job_resources(result.stdout + result.stderr), "lstm", 4, 1)
    paper = train_resources(paper_jobs, "lstm", 4, 1)
    assert smoke[1] < paper[1] / 10
    assert smoke[0] < paper[0]


def test_measurement_memory_and_time_follow_the_data_size(tmp_path):
    # I(tau) of an existing data set: its resources come from the array's size and the lags
    config = write_config(tmp_path / "c.yaml", "presets/smoke.yaml")
    asked = {}
    for rows in (200, 200_000):
        workdir = tmp_path / f"rows{rows}"
        data = workdir / "results/data/binary"
        data.mkdir(parents=True)
        np.save(data / "train.npy", np.zeros((rows, 64), dtype=np.uint8))
        result = snakemake("-n", "results/mi/data/binary/train.csv", "--configfile", str(config),
                           workdir=workdir)
        (job,) = [r for rule, _, r in job_resources(result.stdout + result.stderr)
                  if rule == "mi_data"]
        asked[rows] = int(job["mem_mb"]), int(job["runtime"])
    # 12.8 M symbols: 4 B each plus 4 copies of the 1-byte input, about 100 MB more
    assert 90 <= asked[200_000][0] - asked[200][0] <= 110, asked
    assert asked[200_000][1] > asked[200][1], asked


def test_default_workflow_profile_only_resumes(tmp_path):
    # loaded by every run (profiles/default next to the Snakefile); it must change no output,
    # only let a run cut off by kill -9 go on without --rerun-incomplete
    default = yaml.safe_load((ROOT / "profiles/default/config.yaml").read_text())
    assert default == {"rerun-incomplete": True}
    result = snakemake("-n", "--configfile", str(ROOT / "presets/smoke.yaml"), workdir=tmp_path)
    assert "workflow specific profile" in result.stderr and "profiles/default" in result.stderr


def test_profiles():
    local = yaml.safe_load((ROOT / "profiles/local/config.yaml").read_text())
    assert local["resources"] == {"gpu": 1} and local["rerun-incomplete"]
    assert local["show-failed-logs"]

    slurm = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())
    assert slurm["executor"] == "slurm"
    assert slurm["retries"] >= 1 and slurm["latency-wait"] >= 10 and slurm["jobs"] >= 1
    for rule in GPU_RULES:
        assert slurm["set-resources"][rule]["gpu"] == 1
        assert slurm["set-resources"][rule]["cpus_per_gpu"] >= 1
    assert {"mem_mb", "runtime"} <= set(slurm["default-resources"])
    # account and partition are the user's to fill in: documented, not set
    assert "slurm_account" not in slurm["default-resources"]
    text = (ROOT / "profiles/slurm/config.yaml").read_text()
    assert "# slurm_account:" in text and "# slurm_partition:" in text
    # every grouped rule exists (also those derived with `use rule ... as NAME`)
    text = "\n".join(p.read_text() for p in (ROOT / "workflow/rules").glob("*.smk"))
    derived = set(re.findall(r"^use rule \w+ as (\w+)", text, flags=re.M))
    assert set(slurm["groups"]) <= set(rule_blocks()) | derived


def text_train_resources(jobs, family, arch, width, depth):
    for rule, wildcards, resources in jobs:
        if rule == "train_text_model" and wildcards == {
            "family": family, "arch": arch, "width": str(width), "depth": str(depth), "seed": "0"
        }:
            return int(resources["mem_mb"]), int(resources["runtime"])
    raise AssertionError(f"no train_text_model job for {family} {arch} w{width} d{depth}")


def test_language_model_resources_follow_width_and_vocabulary(paper_jobs, tmp_path):
    # a 33,278-word softmax costs more than a 283-character one; width and depth cost more
    char = text_train_resources(paper_jobs, "wikitext2_char", "lstm", 256, 1)
    word = text_train_resources(paper_jobs, "wikitext2_word", "lstm", 256, 1)
    wide = text_train_resources(paper_jobs, "wikitext2_char", "lstm", 1024, 1)
    deep = text_train_resources(paper_jobs, "wikitext2_char", "transformer", 128, 5)
    shallow = text_train_resources(paper_jobs, "wikitext2_char", "transformer", 128, 1)
    assert word[0] > char[0] and wide[0] > char[0] and deep[0] > shallow[0]
    # paper scale on one CPU thread: the long ones hit the cap and rely on their checkpoints
    assert word[1] == shallow[1] == 24 * 60
    # the quick grid's estimated minutes, which also order the trainings (longest first)
    result = snakemake("-n", "--configfile", str(ROOT / "config.yaml"), workdir=tmp_path)
    quick = job_resources(result.stdout + result.stderr)
    minutes = {(w["family"], w["arch"], int(w["width"]), int(w["depth"])): int(r["runtime"])
               for rule, w, r in quick if rule == "train_text_model"}
    assert minutes["wikitext2_char", "lstm", 64, 1] > minutes["wikitext2_char", "lstm", 16, 1]
    assert (minutes["wikitext2_char", "transformer", 64, 2]
            > minutes["wikitext2_char", "transformer", 64, 1])
    assert minutes["wikitext2_word", "lstm", 64, 1] > minutes["wikitext2_char", "lstm", 64, 1]
