# What each job asks of the machine: threads, memory (mem_mb), wall time (runtime, minutes) and,
# for the steps that can use one, a GPU.  Every rule takes its `resources:` from
# step_resources(<rule>) below, so the derivations live in this one file.
#
# The numbers are derived from the configuration (data sizes, model size, number of lags and
# resampling passes) with constants measured on the project machine (2 CPU cores, numpy 2.4,
# torch 2.13 CPU; see benchmarks/RESULTS.md and the per-job files in results/benchmarks/):
#
#   * memory: a fixed part per interpreter (Python + numpy/pandas/scipy measured at 200-240 MB,
#     with torch 380-550 MB) plus what grows with the data or the model, with a margin;
#   * runtime: a measured cost per unit of work times SAFETY, plus a few minutes of start-up.
#     On Slurm the runtime is a hard limit (the job is killed), so it is deliberately generous;
#     a training job that still hits it is retried and resumes from its checkpoint.
#   * both grow with `attempt`: a job retried after running out of memory or time (Snakemake's
#     --retries, set in profiles/slurm) asks for twice, three times ... as much.
#
# `gpu=1` is declared only on train_model and sample_model, the steps that run on CUDA when torch
# sees a GPU (the code picks cuda/cpu at run time).  Locally that is a count Snakemake schedules
# against: `--resources gpu=N` (profiles/local sets 1) keeps GPU jobs from piling onto one card;
# `--resources gpu=0` on a CPU-only machine truncates the request to 0 and runs them all.  On
# Slurm it becomes `--gpus=1`.

import math
import zipfile

import numpy as np
from miscaling.mi import parse_lags

#: Runtime margin over the measured costs (slower nodes, shared file systems, busy machines).
SAFETY = 3
#: Minutes every job gets on top of its work: interpreter start-up, imports, file system latency.
STARTUP_MINUTES = 5
#: Host memory of a Python process with numpy, pandas, scipy and matplotlib (measured ≤ 240 MB).
PYTHON_MB = 500
#: ... and with torch imported (measured 380-550 MB on CPU, data included).
TORCH_MB = 1000
#: Extra host memory of a process that initialises CUDA (driver, cuBLAS/cuDNN pages, pinned
#: buffers).  An estimate: no GPU was available to measure it on.
CUDA_HOST_MB = 2500
#: mi_data: working set beside the interpreter (count tables, chunk buffers, replicate curves)
#: and what grows with the data: 4 bytes per symbol plus 4 times the input array.  Measured peak
#: RSS (benchmarks/RESULTS.md, estimator of 0f85e17, 2 shuffles, 100 replicates): 0.51 GB for
#: 10,000 x 512 binary symbols, 0.54 GB for 3e7 uint16 symbols, 2.2 GiB for 5.4e8 (WikiText-103);
#: this formula asks 1.5, 1.9 and 7.7 GB for them.
MI_WORKING_MB = 1000
MI_BYTES_PER_SYMBOL = 4
MI_INPUT_COPIES = 4
#: mi_data: seconds per symbol, lag and counting pass (the data and each shuffle); measured
#: 2.5e-9 (binary, 511 lags), 6.8e-9 (3e7 symbols, 60 lags), 8.5e-9 (WikiText-103, busy machine).
MI_SECONDS_PER_SYMBOL_LAG = 1e-8
#: Training and sampling activations: bytes per (sequence in the batch, time step, unit, layer);
#: measured 30 (RNN), 70 (LSTM), 85-115 (Transformer) at batch 50 x 512 steps.
TRAIN_BYTES_PER_ACTIVATION = 128
TRAIN_BATCH = 50  # the paper's batch size on binary data, unless the config sets batch_size
SAMPLE_BATCH = 500  # miscaling sample --batch-size default
#: Training cost per symbol on one CPU thread, in microseconds, per layer: c0 + c1 * width^2,
#: fitted to benchmarks/RESULTS.md (RNN 1.1/1.8/5.5 us at width 8/32/128, LSTM 1.0/3.6/19 us,
#: Transformer 17-38 us at width 8-32 and 59 us at 128).
TRAIN_MICROSECONDS = {"rnn": (1.2, 2.6e-4), "lstm": (2.0, 1.1e-3), "transformer": (40.0, 1.2e-3)}
#: A Slurm job longer than this is unusual on shared clusters; training jobs are capped here
#: and rely on their checkpoint: when the limit kills one, the retry resumes where it stopped.
MAX_RUNTIME_MINUTES = 24 * 60
#: Priority of the cheap steps that can fail for reasons outside the pipeline (downloads, corpus
#: preparation, synthetic data, the theory checks).  Above every training job's priority (its
#: estimated minutes, capped at MAX_RUNTIME_MINUTES): among the jobs ready to run, these go first,
#: so a missing corpus stops the run in its first minutes, not after the trainings.
CHEAP_FIRST_PRIORITY = MAX_RUNTIME_MINUTES + 1
#: Characters of the corpora (prepare_corpus reads them whole; measured ~1.1 B per character at
#: character level and 1.6 B at word level on text8-size input, allowed 8 B).
CORPUS_CHARACTERS = {
    "ptb": 6e6,
    "wikitext2": 1.3e7,
    "wikitext103": 5.5e8,
    "text8": 1e8,
    "gpt2": 1e7,
    "gpt2_117m": 1e7,
}
PREPARE_BYTES_PER_CHARACTER = 8


def _minutes(seconds, attempt=1, cap=None):
    minutes = STARTUP_MINUTES + math.ceil(SAFETY * seconds / 60)
    minutes *= attempt
    return min(minutes, cap) if cap else minutes


def _mb(fixed_mb, variable_bytes, attempt=1):
    return (fixed_mb + math.ceil(variable_bytes / 2**20)) * attempt


def count_symbols(path):
    """Symbols in a .npy array or a .npz of arrays, read from the headers only."""
    path = str(path)
    if not path.endswith(".npz"):
        return np.load(path, mmap_mode="r").size
    total = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            with archive.open(name) as handle:
                version = np.lib.format.read_magic(handle)
                read = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, _ = read(handle)
                total += math.prod(shape)
    return total


# --------------------------------------------------------------------------- models


def model_microseconds_per_symbol(arch, width, depth):
    c0, c1 = TRAIN_MICROSECONDS[arch]
    return depth * (c0 + c1 * width**2)


def train_symbols(arch):
    """Symbols one training epoch processes: the training rows plus the validation pass."""
    cfg, binary = config["binary_models"], config["binary"]
    arch_cfg = cfg["architectures"][arch]
    rows = arch_cfg.get("train_sequences") or cfg["train_sequences"] or binary["n_train"]
    rows = min(rows, binary["n_train"])
    # evaluation is a forward pass only: about a third of the cost of a training symbol
    return (rows + binary["n_valid"] / 3) * binary["length"]


def train_mem_mb(wildcards, attempt):
    binary = config["binary"]
    width, depth = int(wildcards.width), int(wildcards.depth)
    data = (binary["n_train"] + binary["n_valid"]) * binary["length"] * 16  # uint8 + int64 copy
    batch = (
        config["binary_models"]["architectures"][wildcards.arch].get("batch_size") or TRAIN_BATCH
    )
    activations = TRAIN_BYTES_PER_ACTIVATION * batch * binary["length"] * width * depth
    return _mb(TORCH_MB + CUDA_HOST_MB, data + activations, attempt)


def train_runtime(wildcards, attempt):
    cfg = config["binary_models"]
    epochs = cfg["architectures"][wildcards.arch].get("max_epochs") or cfg["max_epochs"]
    per_symbol = (
        model_microseconds_per_symbol(wildcards.arch, int(wildcards.width), int(wildcards.depth))
        * 1e-6
    )
    return _minutes(
        epochs * train_symbols(wildcards.arch) * per_symbol, attempt, cap=MAX_RUNTIME_MINUTES
    )


def sample_mem_mb(wildcards, attempt):
    n, length = config["binary_models"]["n_samples"], config["binary"]["length"]
    width, depth = int(wildcards.width), int(wildcards.depth)
    # the samples (int64 while generated) and, per layer, the state / key-value cache of a batch
    state = 16 * SAMPLE_BATCH * length * width * depth
    return _mb(TORCH_MB + CUDA_HOST_MB, 16 * n * length + state, attempt)


def sample_runtime(wildcards, attempt):
    # batched generation costs less per symbol than training; the training rate is an upper bound
    n, length = config["binary_models"]["n_samples"], config["binary"]["length"]
    per_symbol = (
        model_microseconds_per_symbol(wildcards.arch, int(wildcards.width), int(wildcards.depth))
        * 1e-6
    )
    return _minutes(n * length * per_symbol, attempt)


# --------------------------------------------------------------------------- data and I(tau)


def synth_size(wildcards, rule):
    if rule == "synth_binary":
        cfg = config["binary"]
        return cfg["n_train" if wildcards.split == "train" else "n_valid"] * cfg["length"]
    cfg = config["estimator_benchmark"]
    return cfg["n_seq"] * cfg["length"]


def mi_passes():
    """Counting passes per lag: the data and each shuffled copy (replicates reuse the counts)."""
    return 1 + config["estimator"]["shuffles"]


def mi_mem_mb(wildcards, input, attempt):
    path = input[0]
    grows = MI_BYTES_PER_SYMBOL * count_symbols(path) + MI_INPUT_COPIES * os.path.getsize(path)
    return _mb(PYTHON_MB + MI_WORKING_MB, grows, attempt)


def mi_runtime(wildcards, input, attempt):
    lags = len(parse_lags(dataset_config(wildcards.dataset)["lags"]))
    seconds = count_symbols(input[0]) * lags * mi_passes() * MI_SECONDS_PER_SYMBOL_LAG
    return _minutes(seconds, attempt)


def corpus_characters(corpus):
    return CORPUS_CHARACTERS.get(corpus, max(CORPUS_CHARACTERS.values()))


def theory_elements(topic):
    """Numbers the theory check of a topic holds at once (its largest arrays)."""
    cfg = config["theory"][topic]
    if topic == "linear_rnn":
        return (
            cfg.get("mc_sequences", 20000)
            * cfg.get("max_lag", 150)
            * (cfg.get("hidden", 4) + cfg.get("dim", 2))
        )
    if topic == "repetitive":
        return cfg.get("replicates", 8) * cfg.get("length", 131072) * len(cfg.get("p", [0] * 21))
    return (
        cfg.get("samples", 200000) * cfg.get("spins", 12)
        + cfg.get("chains", 32) * cfg.get("chain_length", 65536)
        + 2 ** cfg.get("spins", 12)
    )


def _fixed(mem_mb, minutes):
    return {
        "mem_mb": lambda wildcards, attempt: mem_mb * attempt,
        "runtime": lambda wildcards, attempt: (STARTUP_MINUTES + minutes) * attempt,
    }


def step_resources(rule):
    """`resources:` of a rule, as keyword arguments: `resources: **step_resources("mi_data")`."""
    if rule == "train_model":
        return {"gpu": 1, "mem_mb": train_mem_mb, "runtime": train_runtime}
    if rule == "sample_model":
        return {"gpu": 1, "mem_mb": sample_mem_mb, "runtime": sample_runtime}
    if rule == "mi_data":
        return {"mem_mb": mi_mem_mb, "runtime": mi_runtime}
    if rule in ("synth_binary", "synth_estimator_benchmark"):
        # the exact mode's Gaussian draws: ~24 bytes per symbol, measured 4.4 s for 5 M symbols
        return {
            "mem_mb": lambda wildcards, attempt: _mb(
                PYTHON_MB, 24 * synth_size(wildcards, rule), attempt
            ),
            "runtime": lambda wildcards, attempt: _minutes(
                2e-6 * synth_size(wildcards, rule), attempt
            ),
        }
    if rule == "download_corpus":
        # network bound: 200 MB (WikiText-103) at a slow 1 MB/s, checksummed while streaming
        return {
            "mem_mb": lambda wildcards, attempt: PYTHON_MB * attempt,
            "runtime": lambda wildcards, attempt: _minutes(
                corpus_characters(wildcards.corpus) / 1e6, attempt
            ),
        }
    if rule in ("prepare_corpus", "split_text8", "prepare_gpt2"):

        def characters(wildcards):
            corpus = getattr(wildcards, "corpus", "text8" if rule == "split_text8" else "gpt2")
            return corpus_characters(corpus)

        return {
            "mem_mb": lambda wildcards, attempt: _mb(
                PYTHON_MB, PREPARE_BYTES_PER_CHARACTER * characters(wildcards), attempt
            ),
            # measured 92 MB/s at character level; word level and the vocabulary: ~10x slower
            "runtime": lambda wildcards, attempt: _minutes(characters(wildcards) / 1e7, attempt),
        }
    if rule.startswith("theory_"):
        topic = rule.removeprefix("theory_")
        # measured 1.4 us per element (Ising, default sizes: 6.5 s); 16 B per element
        return {
            "mem_mb": lambda wildcards, attempt: _mb(
                PYTHON_MB, 16 * theory_elements(topic), attempt
            ),
            "runtime": lambda wildcards, attempt: _minutes(2e-6 * theory_elements(topic), attempt),
        }
    if rule == "select_model":
        return _fixed(TORCH_MB, 5)  # reads a few JSON files, but imports torch (measured 380 MB)
    if rule in (
        "fit_data",
        "uniformity_data",
        "fig4",
        "fig5",
        "fig6",
        "model_figure",
        "model_summary",
        "fig_theory_linear_rnn",
        "fig_theory_ising",
    ):
        # tables of (replicates x lags) numbers and one figure: measured <= 240 MB, <= 10 s
        return _fixed(PYTHON_MB + 500, 10)
    raise ValueError(f"no resources defined for rule {rule!r} (add it to step_resources)")
