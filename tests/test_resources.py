"""Every rule's resources (threads, mem_mb, runtime; gpu on the GPU steps) and the profiles."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from test_workflow import ROOT, snakemake, write_config

#: Steps that run on CUDA when torch sees a GPU (the language models' are the same rules).
GPU_RULES = {"train_model", "sample_model", "train_text_model", "sample_text_model",
             "sample_restart", "sample_text_restart", "bipartite_samples", "bipartite_data"}


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
        assert f'**RESOURCES.step("{name}")' in block, \
            f'rule {name} does not take its resources from RESOURCES.step("{name}")'


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
    """The paper preset's jobs at the CPU rates (the preset itself asks for the GPU ones)."""
    workdir = tmp_path_factory.mktemp("paper_dry")
    result = snakemake("-n", "--configfile", str(ROOT / "presets/paper.yaml"),
                       "--config", "runtime_estimates=cpu", workdir=workdir)
    return job_resources(result.stdout + result.stderr)


@pytest.fixture(scope="module")
def paper_gpu_jobs(tmp_path_factory):
    """The paper preset's jobs as the preset plans them: at the rates measured on an H200."""
    workdir = tmp_path_factory.mktemp("paper_gpu_dry")
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


def jobs_by_name(jobs):
    """{(rule, wildcards): resources} of job_resources' jobs (a dry run's order varies)."""
    return {(rule, tuple(sorted(wildcards.items()))): resources
            for rule, wildcards, resources in jobs}


def test_paper_preset_sizes_its_trainings_by_gpu_rates(paper_jobs, paper_gpu_jobs):
    # a char LSTM 1024 x 1 for up to 200 epochs: one CPU thread needs weeks (capped at a day,
    # it relies on checkpoints); one H200 trains 1.86 M characters/s in steady state with TF32
    # (docs/FINDINGS.md): 5.8 s per WikiText-2 epoch
    cpu = text_train_resources(paper_jobs, "wikitext2_char", "lstm", 1024, 1)
    gpu = text_train_resources(paper_gpu_jobs, "wikitext2_char", "lstm", 1024, 1)
    assert cpu[1] == 24 * 60
    assert 3 * 200 * 5.8 / 60 <= gpu[1] < cpu[1] / 10  # at least SAFETY x the measured time
    assert gpu[0] == cpu[0]  # the host memory does not depend on the rates
    # on the GPU no paper training needs the cap, and every one asks for less than on the CPU
    cpu_minutes = {tuple(w.items()): int(r["runtime"]) for rule, w, r in paper_jobs
                   if rule in ("train_model", "train_text_model")}
    gpu_minutes = {tuple(w.items()): int(r["runtime"]) for rule, w, r in paper_gpu_jobs
                   if rule in ("train_model", "train_text_model")}
    assert len(gpu_minutes) > 300 and gpu_minutes.keys() == cpu_minutes.keys()
    assert max(gpu_minutes.values()) < 24 * 60
    slower = {dict(job)["arch"] for job in gpu_minutes if gpu_minutes[job] > cpu_minutes[job]}
    # the selective SSM's too, now that CUDA scans it in chunks (an estimate of 0.4 us a binary
    # symbol from its launches, where one CPU thread trains the narrowest in 2.8 us)
    assert not slower, slower
    # the rates change only the runtimes of the GPU steps
    cpu_jobs, gpu_jobs = jobs_by_name(paper_jobs), jobs_by_name(paper_gpu_jobs)
    assert cpu_jobs.keys() == gpu_jobs.keys()
    changed = {(rule, key) for (rule, wildcards), resources in cpu_jobs.items()
               for key, value in resources.items() if gpu_jobs[rule, wildcards][key] != value}
    assert {rule for rule, _ in changed} == GPU_RULES
    assert {key for _, key in changed} == {"runtime"}
    # the bipartite scorers at the GPU rates too (pass by pass, the launch floor included):
    # none asks for more than on the CPU
    longer = [job for job, resources in gpu_jobs.items() if job[0].startswith("bipartite_")
              and int(resources["runtime"]) > int(cpu_jobs[job]["runtime"])]
    assert not longer, longer


def test_gpu_estimates_grow_with_width_and_depth(paper_gpu_jobs):
    def minutes(rule, family, arch, width, depth):
        wildcards = {"arch": arch, "width": str(width), "depth": str(depth)}
        if family != "binary":
            wildcards = {"family": family, **wildcards}
        if rule.startswith("train"):
            wildcards["seed"] = "0"
        (runtime,) = [int(r["runtime"]) for job, w, r in paper_gpu_jobs
                      if job == rule and w == wildcards]
        return runtime

    train = lambda family, *model: minutes(  # noqa: E731
        "train_model" if family == "binary" else "train_text_model", family, *model)
    # beyond the measured models (char LSTM 1024 x 1, word LSTM 512 x 2, Transformers 512 x 3)
    assert train("wikitext2_char", "lstm", 2048, 1) > 3 * train("wikitext2_char", "lstm", 1024, 1)
    assert train("wikitext2_word", "lstm", 2048, 1) > train("wikitext2_word", "lstm", 1024, 1)
    assert train("wikitext2_word", "lstm", 512, 3) > train("wikitext2_word", "lstm", 512, 2)
    assert (train("wikitext2_word", "transformer", 512, 5)
            > train("wikitext2_word", "transformer", 512, 4)
            > train("wikitext2_word", "transformer", 512, 3))
    # below them a GPU is under-used: never cheaper than the measured model, deeper costs more
    assert train("wikitext2_char", "lstm", 8, 1) == train("wikitext2_char", "lstm", 1024, 1)
    assert (train("wikitext2_char", "lstm", 128, 3) > train("wikitext2_char", "lstm", 128, 2)
            > train("wikitext2_char", "lstm", 128, 1))
    assert train("binary", "lstm", 16, 5) > train("binary", "lstm", 16, 1)
    assert train("binary", "lstm", 128, 1) > train("binary", "lstm", 64, 1)
    assert train("binary", "transformer", 16, 4) > train("binary", "transformer", 16, 1)
    # every width sweep is non-decreasing
    for family, arch, widths in [
        ("binary", "rnn", (1, 2, 4, 8, 16, 32, 64, 128)),
        ("binary", "transformer", (4, 8, 16, 32, 64)),
        ("wikitext2_char", "lstm", (8, 16, 32, 64, 128, 256, 512, 1024, 2048)),
        ("wikitext2_char", "transformer", (16, 32, 64, 128, 256, 512)),
        ("wikitext2_word", "lstm", (16, 32, 64, 128, 256, 512, 1024, 2048)),
    ]:
        sweep = [train(family, arch, width, 1) for width in widths]
        assert sweep == sorted(sweep), (family, arch, sweep)
    # sampling: an LSTM's streams advance one step at a time, each layer's kernels in turn
    sample = lambda *model: minutes("sample_text_model", *model)  # noqa: E731
    assert (sample("wikitext2_char", "lstm", 128, 3) > sample("wikitext2_char", "lstm", 128, 1)
            > 5)  # more than the start-up allowance: 100,000 steps per stream


def test_runtime_estimates_default_to_cpu_rates(tmp_path):
    smoke = ROOT / "presets/smoke.yaml"
    assert "runtime_estimates" not in yaml.safe_load(smoke.read_text())
    jobs = {}
    for rates in (None, "cpu", "gpu"):
        option = () if rates is None else ("--config", f"runtime_estimates={rates}")
        result = snakemake("-n", "--configfile", str(smoke), *option,
                           workdir=tmp_path / str(rates))
        jobs[rates] = jobs_by_name(job_resources(result.stdout + result.stderr))
    assert jobs[None] == jobs["cpu"]
    # (at this scale both rates come to the start-up minutes; the paper preset tells them apart)
    assert jobs["gpu"].keys() == jobs["cpu"].keys()


def test_unknown_runtime_estimates_is_rejected_before_any_job(tmp_path):
    result = snakemake("-n", "--configfile", str(ROOT / "presets/smoke.yaml"), "--config",
                       "runtime_estimates=tpu", workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert ("config key runtime_estimates: 'tpu' is not one of ['cpu', 'gpu']"
            in result.stdout + result.stderr), result.stdout + result.stderr
    assert not (tmp_path / "results").exists()
