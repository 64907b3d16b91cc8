"""What each job asks of the machine: threads, memory (mem_mb), wall time (runtime, minutes)
and, for training and sampling, a GPU.  Rules take ``resources: **RESOURCES.step(<rule>)``.

Derived from the configuration (data sizes, model size, lags, resampling passes) with costs
measured on the project machine and on one H200 (benchmarks/RESULTS.md): memory is a fixed part
per interpreter plus what grows with the data or the model; runtime a measured cost per unit of
work times SAFETY plus start-up (on Slurm a hard limit, hence generous).  Both grow with the
attempt, so a retried job asks for more: docs/METHODS.md §9, Eqs. (M57)–(M58).
"""

from __future__ import annotations

import math
import os
import zipfile

import numpy as np

from miscaling.mi.lags import parse_lags, ratio_block_lengths
from miscaling.plan.pipeline import Jobs, family_corpus, family_level
from miscaling.recipes import paper_config

__all__ = ["Resources", "count_symbols"]

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
SAMPLE_BATCH = 500  # miscaling sample --batch-size default
#: Training cost per symbol on one CPU thread, in microseconds, per layer: c0 + c1 * width^2,
#: fitted to benchmarks/RESULTS.md (RNN 1.1/1.8/5.5 us at width 8/32/128, LSTM 1.0/3.6/19 us,
#: Transformer 17-38 us at width 8-32 and 59 us at 128).
TRAIN_MICROSECONDS = {"rnn": (1.2, 2.6e-4), "lstm": (2.0, 1.1e-3), "transformer": (40.0, 1.2e-3),
                      # the selective SSM, through 5.1 us at width 8 x 1 and 79 us at 32 x 2
                      # (benchmarks/bench_ssm.py, one thread, batch 50 x 512)
                      "ssm": (2.8, 3.6e-2)}
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
#: Language models: (train, valid) symbols of a corpus at each level and its vocabulary size, as
#: `miscaling prepare corpus` writes them (WikiText-2 and PTB measured on the mirror; WikiText-103
#: and text8 from their published sizes, rounded up).
TEXT_SPLITS = {
    ("wikitext2", "char"): (10_780_437, 1_120_192, 283),
    ("wikitext2", "word"): (2_088_628, 217_646, 33_278),
    ("ptb", "char"): (5_101_618, 399_782, 50),
    ("ptb", "word"): (929_589, 73_760, 10_000),
    ("wikitext103", "char"): (540_000_000, 1_150_000, 1_300),
    ("wikitext103", "word"): (103_300_000, 218_000, 267_735),
    ("text8", "char"): (90_000_000, 5_000_000, 27),
    ("text8", "word"): (15_300_000, 850_000, 254_000),
}
#: Language models' output layer per symbol on one CPU thread, in microseconds: the softmax and
#: cross-entropy over the vocabulary (per entry) plus the decoder's matrix product (per entry x
#: width).  Measured on the project machine (2 busy cores, training unless said): char LSTM
#: 64 x 1 11 us per character (the binary formula alone gives 6.5); word LSTM / Transformer
#: 64 x 1 555 / 543 us per word over 33,278 words; evaluation of a word LSTM 8 x 1 184 us per
#: word: at these widths the softmax dominates, the product takes over beyond ~100.
TEXT_SOFTMAX_MICROSECONDS = 1.2e-2
TEXT_OUTPUT_MICROSECONDS = 1e-4
#: GPU training cost (runtime_estimates: gpu) of one reference model per (arch, level), measured
#: on one NVIDIA H200 through miscaling.train.train (deterministic algorithms on, as every
#: training runs): (width, depth, symbols per optimizer step, microseconds per training symbol).
#: gpu_microseconds_per_symbol scales them to other models.  The validation pass was not timed;
#: as on the CPU, a validation symbol counts a third of a training one (forward pass only).
GPU_TRAIN_REFERENCE = {
    # Language models, the paper's recipe (batch x window per step).  Character level: steady
    # state (150 steps) in the recipes' numerics (METHODS §7.10), docs/FINDINGS.md "Paper scale
    # on a GPU" (GPU-NOTES of 2026-12-04): the LSTM in TF32, the Transformer in bf16 + TF32.
    ("lstm", "char"): (1024, 1, 128 * 100, 1e6 / 1_860_000),  # 0.54 us: 5.8 s per epoch
    ("transformer", "char"): (512, 3, 64 * 512, 1e6 / 3_230_000),  # 0.31 us: 3.4 s
    # Word level: fp32, 40-step timings (first-call costs included, so these err long), bench
    # _text_scale.py of 2026-11-26 (benchmarks/RESULTS.md); steady state not yet measured.
    ("lstm", "word"): (512, 2, 20 * 50, 1e6 / 101_441),  # 9.9 us: 20.6 s; bound by its small steps
    ("transformer", "word"): (512, 3, 32 * 128, 1e6 / 197_152),  # 5.1 us: 10.6 s
    # Binary data, batch 50 x 512, measured on the same H200 the same day with the training loop
    # of commit a41345a (benchmarks/RESULTS.md, "Binary models on a GPU"): RNNs and LSTMs of
    # widths 8-64 at 6.6-7.7 M symbols/s,
    # Transformers of width 8 / 64 at 2.0 / 5.3 M (16 x 2: 4.2-5.0 M).  Each takes the slowest
    # rate of its range as the cost of its largest width: conservative below it, and the scaling
    # starts there.
    ("rnn", "binary"): (64, 1, 50 * 512, 1e6 / 6.6e6),  # 0.15 us
    ("lstm", "binary"): (64, 1, 50 * 512, 1e6 / 6.6e6),  # 0.15 us
    ("transformer", "binary"): (64, 1, 50 * 512, 1e6 / 2.0e6),  # 0.5 us
    # The selective SSM: NOT timed on a GPU; estimated from its launches.  Small on a GPU, it is
    # bound by kernel launches (~10 us per operation, eager PyTorch), and on CUDA its scan runs
    # in chunks of ~sqrt(T) (miscaling.ssm.scan_chunk): a training step of width 8 x 1 on 50 x
    # 512 makes 490 kernel-launching operations (3,359 step by step; 128 x 100: 378), counted
    # by benchmarks/bench_ssm.py --scans.  490 x 10 us over 25,600 symbols is 0.19 us, taken x2;
    # the char reference adds its tensors' memory traffic (~30 passes over [100, 128, 1024, 16]
    # fp32 at ~4 TB/s: ~6 ms a step) to 378 launches: 0.8 us, x2; word: ~300 launches over
    # 1,000 symbols, x2.
    ("ssm", "binary"): (64, 1, 50 * 512, 0.4),
    ("ssm", "char"): (512, 1, 128 * 100, 1.6),
    ("ssm", "word"): (512, 1, 20 * 50, 6.0),
}
#: GPU sampling: each generated position is one sequential step of the whole batch (recurrent
#: state or key/value cache), a few small kernels per layer whose launches, not arithmetic, bound
#: a step of a small batch.  Measured on an H200 (docs/FINDINGS.md, "Paper scale on a GPU"): the
#: char LSTM 1024 x 1's 2 MB (20 streams x 100,000 steps) in 32 s, 0.32 ms a step, taken as 0.4
#: ms per layer for the recurrent models; the char Transformer 512 x 3's 3,899 x 513 in 8-16 s
#: at batch 1,300, kept at 1 ms per layer (its cache reads grow with the position).  A big batch
#: costs its rows x the training cost per symbol instead, when that is more.  The selective
#: SSM, not timed: a sampling step of width 16 makes 41 kernel-launching operations at depth 1
#: (29 per layer), the LSTM's 7 (cuDNN), counted as in benchmarks/bench_ssm.py; taken at the
#: Transformer's 1 ms per layer.
GPU_SAMPLE_MICROSECONDS_PER_LAYER_STEP = {"transformer": 1000, "ssm": 1000}
GPU_SAMPLE_RECURRENT_MICROSECONDS = 400


def _minutes(seconds, attempt=1, cap=None):
    minutes = STARTUP_MINUTES + math.ceil(SAFETY * seconds / 60)
    minutes *= attempt
    return min(minutes, cap) if cap else minutes


def _mb(fixed_mb, variable_bytes, attempt=1):
    return (fixed_mb + math.ceil(variable_bytes / 2**20)) * attempt


def _fixed(mem_mb, minutes):
    return {
        "mem_mb": lambda wildcards, attempt: mem_mb * attempt,
        "runtime": lambda wildcards, attempt: (STARTUP_MINUTES + minutes) * attempt,
    }


def count_symbols(path) -> int:
    """Symbols in a .npy array or a .npz of arrays, read from the headers only."""
    path = str(path)
    if not path.endswith(".npz"):
        return np.load(path, mmap_mode="r").size
    total = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            with archive.open(name) as handle:
                version = np.lib.format.read_magic(handle)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, _ = read(handle)
                total += math.prod(shape)
    return total


def corpus_characters(corpus: str) -> float:
    return CORPUS_CHARACTERS.get(corpus, max(CORPUS_CHARACTERS.values()))


def model_microseconds_per_symbol(arch: str, width: int, depth: int) -> float:
    c0, c1 = TRAIN_MICROSECONDS[arch]
    return depth * (c0 + c1 * width**2)


class Resources:
    """The cost model of a plan's jobs (a :class:`~miscaling.plan.pipeline.Jobs`)."""

    #: Rules whose jobs hold tables of (replicates x lags) numbers and draw one figure.
    TABLE_RULES = ("fit_data", "uniformity_data", "fig4", "fig5", "fig6", "model_figure",
                   "model_summary", "text_figure", "text_model_summary", "fig_theory_linear_rnn",
                   "fig_theory_ising", "size_matched_control", "bipartite_summary")

    def __init__(self, plan: Jobs):
        self.plan = plan
        self.config = plan.config

    # ------------------------------------------------------------------ training

    def text_corpus_sizes(self, family: str) -> tuple[int, int, int]:
        """(train symbols, valid symbols, vocabulary size) of a language-model family."""
        key = (family_corpus(family), family_level(family))
        return TEXT_SPLITS.get(key, max(TEXT_SPLITS.values()))

    def train_symbols(self, arch: str) -> float:
        """Symbols one binary training epoch processes: training rows plus validation pass."""
        cfg, binary = self.config["binary_models"], self.config["binary"]
        arch_cfg = cfg["architectures"][arch]
        rows = arch_cfg.get("train_sequences") or cfg["train_sequences"] or binary["n_train"]
        rows = min(rows, binary["n_train"])
        # evaluation is a forward pass only: about a third of the cost of a training symbol
        return (rows + binary["n_valid"] / 3) * binary["length"]

    def text_microseconds_per_symbol(self, family, arch, width, depth) -> float:
        vocab = self.text_corpus_sizes(family)[2]
        output = vocab * (TEXT_SOFTMAX_MICROSECONDS + TEXT_OUTPUT_MICROSECONDS * width)
        return model_microseconds_per_symbol(arch, width, depth) + output

    def gpu_microseconds_per_symbol(self, wildcards, step_symbols: int | None = None) -> float:
        """Training cost per symbol of a job's model on one H200 (docs/METHODS.md, Eq. (M58)):
        the reference of its (arch, level) scaled by width^2 x depth, never below the
        reference's own cost per symbol and step (launch-bound small models), times the
        vocabulary over WikiText-2's for a language model.  Every factor errs long.
        ``step_symbols``: symbols per step (pass) if not the model's optimizer step."""
        model = self.plan.model_of(wildcards)
        ref_width, ref_depth, ref_step_symbols, ref_microseconds = GPU_TRAIN_REFERENCE[
            model.arch, model.level]
        layers = model.depth / ref_depth
        compute = layers * (model.width / ref_width) ** 2
        step = step_symbols if step_symbols is not None else self.plan.step_symbols(model)
        floor = max(1.0, layers) * max(1.0, ref_step_symbols / step)
        microseconds = ref_microseconds * max(compute, floor)
        if model.family != "binary":
            # the references' output softmax is WikiText-2's
            vocab = self.text_corpus_sizes(model.family)[2]
            microseconds *= max(1.0, vocab / TEXT_SPLITS["wikitext2", model.level][2])
        return microseconds

    def train_microseconds_per_symbol(self, wildcards) -> float:
        """Training cost per symbol of a job's model, at the rates `runtime_estimates` names."""
        if self.config["runtime_estimates"] == "gpu":
            return self.gpu_microseconds_per_symbol(wildcards)
        model = self.plan.model_of(wildcards)
        if model.family == "binary":
            return model_microseconds_per_symbol(model.arch, model.width, model.depth)
        return self.text_microseconds_per_symbol(model.family, model.arch, model.width,
                                                 model.depth)

    def max_epochs(self, model) -> int:
        """The most epochs a model's training runs: its config, else the recipe's."""
        family, arch = model.family, model.arch
        if family == "binary":
            cfg = self.config["binary_models"]
            return cfg["architectures"][arch].get("max_epochs") or cfg["max_epochs"]
        return (self.plan.setting(family, arch, "max_epochs")
                or paper_config(arch, model.level).max_epochs)

    def patience(self, model) -> int | None:
        """Epochs without improvement before the early stop (None: none): config, else recipe."""
        if model.family == "binary":
            return self.config["binary_models"]["patience"]
        configured = self.plan.setting(model.family, model.arch, "patience")
        return configured if configured is not None else paper_config(
            model.arch, model.level).patience

    def epoch_symbols(self, model) -> float:
        """Symbols of one epoch, a validation symbol counted as a third of a training one."""
        if model.family == "binary":
            return self.train_symbols(model.arch)
        setting = self.plan.setting
        train, valid, _ = self.text_corpus_sizes(model.family)
        train = min(train, setting(model.family, model.arch, "train_symbols") or train)
        valid = min(valid, setting(model.family, model.arch, "valid_symbols") or valid)
        return train + valid / 3

    def train_runtime(self, wildcards, attempt):
        model = self.plan.model_of(wildcards)
        per_symbol = self.train_microseconds_per_symbol(wildcards) * 1e-6
        seconds = self.max_epochs(model) * self.epoch_symbols(model) * per_symbol
        return _minutes(seconds, attempt, cap=MAX_RUNTIME_MINUTES)

    def train_priority(self, wildcards):
        """Longest first (estimated minutes), so the big models do not start last."""
        return self.train_runtime(wildcards, 1)

    def train_mem_mb(self, wildcards, attempt):
        model = self.plan.model_of(wildcards)
        width, depth = model.width, model.depth
        if model.family != "binary":
            train, valid, vocab = self.text_corpus_sizes(model.family)
            batch = self.plan.batch_size(model.family, model.arch)
            window = self.plan.bptt(model.family, model.arch)
            data = (train + valid) * 16  # the ids and an int64 copy
            activations = TRAIN_BYTES_PER_ACTIVATION * batch * window * width * depth
            logits = 3 * 4 * batch * window * vocab  # logits, softmax and its gradient (float32)
            parameters = 4 * 4 * 2 * vocab * width  # embedding + decoder, gradients, Adam moments
            return _mb(TORCH_MB + CUDA_HOST_MB, data + activations + logits + parameters,
                       attempt)
        binary = self.config["binary"]
        data = (binary["n_train"] + binary["n_valid"]) * binary["length"] * 16  # uint8 + int64
        batch = self.plan.batch_size("binary", model.arch)
        activations = TRAIN_BYTES_PER_ACTIVATION * batch * binary["length"] * width * depth
        return _mb(TORCH_MB + CUDA_HOST_MB, data + activations, attempt)

    # ------------------------------------------------------------------ sampling

    def sample_mem_mb(self, wildcards, attempt):
        model = self.plan.model_of(wildcards)
        n, length = self.plan.sample_shape(model)
        width, depth = model.width, model.depth
        if model.family != "binary":
            # a recurrent state does not grow with the length, a Transformer's cache does; the
            # output distribution of a batch over the vocabulary
            vocab = self.text_corpus_sizes(model.family)[2]
            batch = min(n, SAMPLE_BATCH)
            steps = length if model.arch == "transformer" else 1
            state = 16 * batch * steps * width * depth + 3 * 4 * batch * vocab
            return _mb(TORCH_MB + CUDA_HOST_MB, 16 * n * length + state, attempt)
        # the samples (int64 while generated) and, per layer, the state / key-value cache
        state = 16 * SAMPLE_BATCH * length * width * depth
        return _mb(TORCH_MB + CUDA_HOST_MB, 16 * n * length + state, attempt)

    def gpu_sample_seconds(self, wildcards) -> float:
        """Batches of up to SAMPLE_BATCH sequences, one position per step: a step costs its
        launches per layer or, for a big batch, its rows x the training cost per symbol."""
        model = self.plan.model_of(wildcards)
        n, length = self.plan.sample_shape(model)
        batches, rows = math.ceil(n / SAMPLE_BATCH), min(n, SAMPLE_BATCH)
        per_layer = GPU_SAMPLE_MICROSECONDS_PER_LAYER_STEP.get(
            model.arch, GPU_SAMPLE_RECURRENT_MICROSECONDS)
        step = max(model.depth * per_layer,
                   rows * self.gpu_microseconds_per_symbol(wildcards))
        return batches * length * step * 1e-6

    def sample_runtime(self, wildcards, attempt):
        if self.config["runtime_estimates"] == "gpu":
            return _minutes(self.gpu_sample_seconds(wildcards), attempt)
        # batched generation costs less per symbol than training: an upper bound
        n, length = self.plan.sample_shape(self.plan.model_of(wildcards))
        microseconds = self.train_microseconds_per_symbol(wildcards)
        return _minutes(n * length * (microseconds * 1e-6), attempt)

    # ------------------------------------------------------------------ bipartite MI

    def bipartite_passes(self, family: str) -> tuple[list[tuple[int, int]], int]:
        """([(symbols per sequence, passes)], longest L) of one bipartite job (M67): per ratio
        and block length ℓ (L = ratio·ℓ) the joint and ``pairs`` crossed passes over L
        symbols and the marginal's over L − ℓ, plus the positions' pass of the longest L; each
        over every scored sequence."""
        cfg = self.config["bipartite"]
        longest, grids = ratio_block_lengths(
            parse_lags(cfg[family_level(family)]["block_lengths"]), cfg["ratios"])
        passes = []
        for ratio, kept in grids.items():
            for ell in kept:
                total = int(round(ratio * ell))
                passes += [(total, cfg["pairs"] + 1), (total - ell, 1)]
        return passes + [(longest, 1)], longest

    def bipartite_symbols(self, family: str) -> tuple[int, int]:
        """(symbols the model reads, longest L) of one bipartite job (M67)."""
        passes, longest = self.bipartite_passes(family)
        sequences = self.config["bipartite"][family_level(family)]["sequences"]
        return sequences * sum(length * count for length, count in passes), longest

    def bipartite_models(self, wildcards) -> list:
        """The models a bipartite job may score with: its own, or (data jobs, whose best model
        is chosen at run time) every model of the architecture."""
        if hasattr(wildcards, "width"):  # a model on its samples
            return [self.plan.model_of(wildcards)]
        return [m for m in self.plan.family_models(wildcards.family) if m.arch == wildcards.arch]

    def bipartite_seconds(self, wildcards) -> float:
        """The job's scoring at the rates `runtime_estimates` names, for its costliest model.
        CPU: every symbol at the training cost per symbol (a forward pass costs less: errs
        long).  GPU: each pass of a batch of BIPARTITE_BATCH rows costs (M58) at that pass's
        symbols, so short blocks pay the launch floor of a step."""
        from miscaling.plan.bipartite import BIPARTITE_BATCH

        family = wildcards.family
        models = self.bipartite_models(wildcards)
        if self.config["runtime_estimates"] != "gpu":
            symbols, _ = self.bipartite_symbols(family)
            return symbols * max(map(self.train_microseconds_per_symbol, models)) * 1e-6
        level = family_level(family)
        sequences = self.config["bipartite"][level]["sequences"]
        rows = min(sequences, BIPARTITE_BATCH[level])
        batches = math.ceil(sequences / rows)
        passes, _ = self.bipartite_passes(family)
        return max(batches * sum(
            count * rows * length * self.gpu_microseconds_per_symbol(model, rows * length)
            for length, count in passes) for model in models) * 1e-6

    def bipartite_runtime(self, wildcards, attempt):
        return _minutes(self.bipartite_seconds(wildcards), attempt)

    def bipartite_mem_mb(self, wildcards, attempt):
        """The scored windows (int64) and the logits of a batch in double precision (x3:
        logits, log-softmax and the float copy)."""
        from miscaling.plan.bipartite import BIPARTITE_BATCH

        family = wildcards.family
        level = family_level(family)
        vocab = 2 if family == "binary" else self.text_corpus_sizes(family)[2]
        symbols, longest = self.bipartite_symbols(family)
        sequences = self.config["bipartite"][level]["sequences"]
        logits = 3 * 8 * BIPARTITE_BATCH[level] * longest * vocab
        return _mb(TORCH_MB + CUDA_HOST_MB, 16 * sequences * longest + logits, attempt)

    # ------------------------------------------------------------------ data and I(tau)

    def synth_size(self, wildcards, rule) -> int:
        if rule == "synth_binary":
            cfg = self.config["binary"]
            return cfg["n_train" if wildcards.split == "train" else "n_valid"] * cfg["length"]
        cfg = self.config["estimator_benchmark"]
        return cfg["n_seq"] * cfg["length"]

    def mi_mem_mb(self, wildcards, input, attempt):
        path = input[0]
        grows = MI_BYTES_PER_SYMBOL * count_symbols(path) + MI_INPUT_COPIES * os.path.getsize(path)
        return _mb(PYTHON_MB + MI_WORKING_MB, grows, attempt)

    def mi_runtime(self, wildcards, input, attempt):
        lags = len(parse_lags(self.plan.dataset_config(wildcards.dataset)["lags"]))
        passes = 1 + self.config["estimator"]["shuffles"]  # the data and each shuffled copy
        seconds = count_symbols(input[0]) * lags * passes * MI_SECONDS_PER_SYMBOL_LAG
        return _minutes(seconds, attempt)

    def theory_elements(self, topic: str) -> int:
        """Numbers the theory check of a topic holds at once (its largest arrays)."""
        cfg = self.config["theory"][topic]
        if topic == "linear_rnn":
            return (cfg.get("mc_sequences", 20000) * cfg.get("max_lag", 150)
                    * (cfg.get("hidden", 4) + cfg.get("dim", 2)))
        if topic == "repetitive":
            return (cfg.get("replicates", 8) * cfg.get("length", 131072)
                    * len(cfg.get("p", [0] * 21)))
        spins = cfg.get("spins", 12)
        return (cfg.get("samples", 200000) * spins
                + cfg.get("chains", 32) * cfg.get("chain_length", 65536) + 2**spins)

    # ------------------------------------------------------------------ per rule

    def step(self, rule: str) -> dict:
        """`resources:` of a rule, as keyword arguments: ``**RESOURCES.step("mi_data")`` (a
        ``use rule ... as`` variant inherits its rule's)."""
        if rule == "train_model":
            return {"gpu": 1, "mem_mb": self.train_mem_mb, "runtime": self.train_runtime}
        if rule == "sample_model":
            return {"gpu": 1, "mem_mb": self.sample_mem_mb, "runtime": self.sample_runtime}
        if rule in ("bipartite_samples", "bipartite_data"):  # scores with the model on CUDA
            return {"gpu": 1, "mem_mb": self.bipartite_mem_mb, "runtime": self.bipartite_runtime}
        if rule == "mi_data":
            return {"mem_mb": self.mi_mem_mb, "runtime": self.mi_runtime}
        if rule in ("synth_binary", "synth_estimator_benchmark"):
            # the exact mode's Gaussian draws: ~24 bytes per symbol, measured 4.4 s for 5 M
            return {
                "mem_mb": lambda wildcards, attempt: _mb(
                    PYTHON_MB, 24 * self.synth_size(wildcards, rule), attempt),
                "runtime": lambda wildcards, attempt: _minutes(
                    2e-6 * self.synth_size(wildcards, rule), attempt),
            }
        if rule == "download_corpus":
            # network bound: 200 MB (WikiText-103) at a slow 1 MB/s, checksummed while streaming
            return {
                "mem_mb": lambda wildcards, attempt: PYTHON_MB * attempt,
                "runtime": lambda wildcards, attempt: _minutes(
                    corpus_characters(wildcards.corpus) / 1e6, attempt),
            }
        if rule in ("prepare_corpus", "split_text8", "prepare_gpt2"):
            default = "text8" if rule == "split_text8" else "gpt2"

            def characters(wildcards):
                return corpus_characters(getattr(wildcards, "corpus", default))

            return {
                "mem_mb": lambda wildcards, attempt: _mb(
                    PYTHON_MB, PREPARE_BYTES_PER_CHARACTER * characters(wildcards), attempt),
                # measured 92 MB/s at character level; word level and the vocabulary: ~10x slower
                "runtime": lambda wildcards, attempt: _minutes(characters(wildcards) / 1e7,
                                                               attempt),
            }
        if rule.startswith("theory_"):
            topic = rule.removeprefix("theory_")
            # measured 1.4 us per element (Ising, default sizes: 6.5 s); 16 B per element
            return {
                "mem_mb": lambda wildcards, attempt: _mb(
                    PYTHON_MB, 16 * self.theory_elements(topic), attempt),
                "runtime": lambda wildcards, attempt: _minutes(
                    2e-6 * self.theory_elements(topic), attempt),
            }
        if rule in ("words_to_chars", "text_reference", "appendix_f"):
            # a few million ids, a vocabulary and the training text: seconds; up to 10 sample
            # sets of 2 M ids held at once (Appendix F), 16 B each
            return _fixed(PYTHON_MB + 1000, 10)
        if rule == "select_model":
            return _fixed(TORCH_MB, 5)  # reads a few JSON files, but imports torch
        if rule in self.TABLE_RULES or rule == "calibrate":
            # tables of (replicates x lags) numbers and one figure: measured <= 240 MB, <= 10 s;
            # calibrate: a few thousand simulated windows of <= 1,000 lags, about a minute
            return _fixed(PYTHON_MB + 500, 10)
        if rule in ("size_matched_chunks", "report", "corpus_summary"):
            # memory-mapped chunks / the claims tables and PNGs / the window rule: seconds
            return _fixed(PYTHON_MB + 500, 5)
        raise ValueError(f"no resources defined for rule {rule!r} (add it to Resources.step)")
