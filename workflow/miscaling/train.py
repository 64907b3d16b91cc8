"""Train next-symbol models as the paper does (Appendix E), resumably and reproducibly.

One call of :func:`train` is one restart of one model: it fits the model to ``train_data`` by
minimising the mean cross-entropy (nats) of next-symbol prediction, evaluates the validation
loss after every epoch, keeps the best model and stops early when the validation loss has not
improved for ``patience`` epochs.  Its outputs, all in ``out_dir``:

``checkpoint.pt``  everything needed to continue after the last complete epoch;
``best.pt``        the model with the lowest validation loss so far (state, config, epoch, loss);
``log.csv``        one row per completed epoch;
``result.json``    the summary, written last: its presence means the job is done.

Resume semantics.  Every file is written to a temporary file, fsync'ed and renamed onto its
final name (plus an fsync of the directory), so a job killed at any moment -- ``kill -9``
included -- leaves each file either complete or untouched.  checkpoint.pt, written after every
epoch, is the source of truth: besides the weights, optimizer moments, step and early-stopping
counters and the torch/numpy/python/data-order random states, it holds the best weights and the
log rows.  A rerun with the same arguments loads it, rewrites log.csv and best.pt from it (a
kill may leave them an epoch ahead of it or behind it; a workflow manager may have deleted
them) and repeats the interrupted epoch exactly as the first attempt would have run it.  On CPU
the rerun therefore ends with bit-for-bit the same weights, log rows (bar the timing columns)
and best validation loss as an uninterrupted run.  A checkpoint whose training config, model
config or data differ from the current call is refused with an error naming the differing
fields; an unreadable checkpoint (impossible through this module's own writes) is an error
too, never silently ignored.  A finished job (result.json present and matching) is not
retrained: :func:`train` returns the stored result.

Learning-rate schedule.  ``"cosine"`` anneals per optimizer step, from ``lr`` at the first step
to ``lr * min_lr_ratio`` (1/32 in the paper) at the last step of epoch ``max_epochs``, following
SGDR (the paper's reference [57]), which updates the rate every batch.  The schedule is a pure
function of the global step, so resuming needs only the step counter.  Early stopping usually
ends a run before the end of the cosine, as in the paper ("up to 200 epochs").

Optimizers.  The paper trained in Keras 2 with default parameters.  Keras' ``RMSprop`` defaults
are ``rho=0.9, epsilon=1e-7`` (``K.epsilon()``) with the update ``a = rho*a + (1-rho)*g**2;
p -= lr * g / (sqrt(a) + epsilon)``, which is ``torch.optim.RMSprop(alpha=0.9, eps=1e-7)``
exactly (torch's own defaults are ``alpha=0.99, eps=1e-8``).  Keras' ``Adam`` uses
``beta_1=0.9, beta_2=0.999, epsilon=1e-7``; torch's Adam has the same moments and bias
corrections, but adds epsilon to the bias-corrected ``sqrt(v_hat)`` where Keras adds it to
``sqrt(v)``, a difference of order epsilon that we leave.  Keras' ``clipnorm`` clips by the
global norm of all gradients, as ``torch.nn.utils.clip_grad_norm_`` does.

First symbol.  By default (``bos=False``, as the paper's Keras models and
``miscaling.models``/``miscaling.sample`` work) the inputs are ``x_0 .. x_{L-2}`` and the
targets ``x_1 .. x_{L-1}``: the model never predicts ``x_0``, which the sampler draws from the
training set's first-symbol frequencies.  With ``bos=True`` every example is fed as
``[BOS, x_0 .. x_{L-2}]`` with targets ``x_0 .. x_{L-1}``, where the BOS id is ``vocab_size``:
the model also learns the distribution of the first symbol, sampling can start from BOS alone
and the loss covers all ``L`` symbols.  The model must then accept input ids ``0 .. vocab_size``
(an embedding with ``vocab_size + 1`` rows) while predicting ``vocab_size`` classes; this is
checked before training.

Determinism.  The seed fixes the weight initialisation (the model is built right after
seeding), dropout masks and the data order (a separate numpy generator).  Training runs under
``torch.use_deterministic_algorithms(True, warn_only=True)`` with cuDNN benchmarking off and
``CUBLAS_WORKSPACE_CONFIG`` set (when unset) for deterministic cuBLAS.  On CPU the same config
and seed give the same result on the same machine and torch thread count.  On CUDA, ops without
a deterministic implementation (such as the fused memory-efficient attention backward) only
warn, so CUDA runs -- and resumed CUDA runs -- may differ in the last bits; results also differ
between CPU and CUDA and across GPU models and library versions.  (Not verified on a GPU.)

Performance.  Small recurrent models spend their time in per-time-step kernels whose OpenMP
barriers dominate: with 2 torch threads on 2 busy cores a width-8 GRU step took 1.3 s instead of
13 ms with one thread.  Callers training small models on CPU should ``torch.set_num_threads(1)``
(or run one job per core); this module leaves the thread count alone.

What training needs from the model (see :func:`train`): ``forward(x: LongTensor[B, T]) ->
logits[B, T, V]`` where ``logits[:, t]`` predicts the symbol after ``x[:, t]``, and a
JSON-serialisable ``model.config`` dict holding ``vocab_size`` (= V) whose items, passed as
keyword arguments to the builder, rebuild the model.

Not implemented: stateful truncated BPTT (the paper's character-level LSTMs carry the hidden
state across windows and reset it with probability 0.01); here each ``bptt`` window is an
independent example starting from the model's initial state (and from BOS with ``bos=True``).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from miscaling.io import atomic_path

log = logging.getLogger("miscaling.train")

OPTIMIZERS = ("rmsprop", "adam")
SCHEDULES = ("constant", "cosine")
DEVICES = ("auto", "cpu", "cuda")
ARCHITECTURES = ("rnn", "lstm", "transformer")
DATASETS = ("binary", "char", "word")

CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best.pt"
LOG_NAME = "log.csv"
RESULT_NAME = "result.json"
CHECKPOINT_FORMAT = 1

LOG_COLUMNS = (
    "epoch", "train_loss", "val_loss", "lr", "seconds", "tokens_per_s", "best_val_loss",
)
# Columns that depend on the machine's speed, not on the computation; everything else in a log
# row is reproduced exactly by a resumed run.
TIMING_COLUMNS = ("seconds", "tokens_per_s")

# Keras 2 defaults (keras.optimizers.RMSprop / Adam: rho=0.9, epsilon=K.epsilon()=1e-7).
KERAS_RMSPROP_RHO = 0.9
KERAS_EPSILON = 1e-7

# Number of restarts per model in the paper (Appendix E): the best of them generates samples.
PAPER_RESTARTS = {"binary": 5, "char": 3, "word": 3}


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; no result is written."""


class CheckpointError(RuntimeError):
    """A checkpoint or result in ``out_dir`` cannot be used for this call."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run apart from the model and the data.

    ``rmsprop_rho`` and ``eps`` default to Keras' values (``eps`` serves RMSprop and Adam);
    ``clip`` is the maximum global gradient norm (0 disables clipping); ``patience`` the number
    of epochs without a strictly lower validation loss after which training stops (``None``
    disables early stopping); ``schedule`` ``"cosine"`` anneals per step down to
    ``lr * min_lr_ratio``; ``bptt`` ``None`` trains on whole rows of the data, an integer cuts
    rows into independent windows of that many target symbols; ``bos`` prepends the start
    token ``vocab_size``; ``shuffle`` draws a new example order every epoch; ``device``
    ``"auto"`` picks CUDA when available.  :func:`paper_config` gives the paper's values.
    """

    optimizer: str = "rmsprop"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    rmsprop_rho: float = KERAS_RMSPROP_RHO
    eps: float = KERAS_EPSILON
    batch_size: int = 50
    clip: float = 0.25
    max_epochs: int = 200
    patience: int | None = 5
    schedule: str = "constant"
    min_lr_ratio: float = 1 / 32
    bptt: int | None = None
    bos: bool = False
    shuffle: bool = True
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        # JSON has no tuples: accept betas back as a list
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        problems = []
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.device not in DEVICES:
            problems.append(f"device must be one of {DEVICES}, got {self.device!r}")
        if not self.lr >= 0:
            problems.append(f"lr must be >= 0, got {self.lr}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            problems.append(f"betas must be two numbers in [0, 1), got {self.betas}")
        if not 0 <= self.rmsprop_rho < 1:
            problems.append(f"rmsprop_rho must lie in [0, 1), got {self.rmsprop_rho}")
        if not self.eps > 0:
            problems.append(f"eps must be > 0, got {self.eps}")
        if self.batch_size < 1:
            problems.append(f"batch_size must be >= 1, got {self.batch_size}")
        if not self.clip >= 0:
            problems.append(f"clip must be >= 0 (0 = no clipping), got {self.clip}")
        if self.max_epochs < 1:
            problems.append(f"max_epochs must be >= 1, got {self.max_epochs}")
        if self.patience is not None and self.patience < 1:
            problems.append(f"patience must be >= 1 or None, got {self.patience}")
        if not 0 < self.min_lr_ratio <= 1:
            problems.append(f"min_lr_ratio must lie in (0, 1], got {self.min_lr_ratio}")
        if self.bptt is not None and self.bptt < 1:
            problems.append(f"bptt must be >= 1 or None, got {self.bptt}")
        if problems:
            raise ValueError("invalid TrainConfig: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        config = dataclasses.asdict(self)
        config["betas"] = list(self.betas)
        return config

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> TrainConfig:
        unknown = set(config) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown TrainConfig field(s): {', '.join(sorted(unknown))}")
        return cls(**config)


def paper_config(arch: str, data: str = "binary", **overrides: Any) -> TrainConfig:
    """The paper's training hyperparameters (Appendix E) for ``arch`` on ``data``.

    binary: RNN RMSProp lr 1e-3, LSTM RMSProp lr 5e-3, batch 50, clip 0.25; Transformer Adam
    lr 2e-4, clip 5.0, cosine annealing to lr/32, batch 50; whole sequences (no truncated BPTT),
    shuffled, early stopping after 5 epochs without improvement, at most 200 epochs.
    char: LSTM RMSProp lr 5e-3, batch 128, clip 0.25, BPTT 100 (non-stateful here, see module
    docstring); Transformer Adam lr 2e-4, batch 64, clip 5.0, cosine, context 512.
    word: Transformer Adam lr 2.5e-4, batch 32, clip 5.0, cosine, context 128, patience 10
    (its dropout 0.1 and L2 0.01 on the embedding belong to the model).  The word-level LSTM used
    PyTorch's word_language_model recipe (SGD lr 20, annealed /4 on plateaus, 60 epochs), which
    this trainer does not implement.

    ``overrides`` replace single fields, e.g. ``paper_config("lstm", seed=3)``.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, got {arch!r}")
    if data not in DATASETS:
        raise ValueError(f"data must be one of {DATASETS}, got {data!r}")
    rmsprop = dict(optimizer="rmsprop", clip=0.25, schedule="constant")
    adam = dict(optimizer="adam", betas=(0.9, 0.999), clip=5.0, schedule="cosine")
    presets: dict[tuple[str, str], dict[str, Any]] = {
        ("rnn", "binary"): dict(rmsprop, lr=1e-3, batch_size=50),
        ("lstm", "binary"): dict(rmsprop, lr=5e-3, batch_size=50),
        ("transformer", "binary"): dict(adam, lr=2e-4, batch_size=50),
        ("rnn", "char"): dict(rmsprop, lr=5e-3, batch_size=128, bptt=100),
        ("lstm", "char"): dict(rmsprop, lr=5e-3, batch_size=128, bptt=100),
        ("transformer", "char"): dict(adam, lr=2e-4, batch_size=64, bptt=512),
        ("transformer", "word"): dict(adam, lr=2.5e-4, batch_size=32, bptt=128, patience=10),
    }
    if (arch, data) not in presets:
        raise NotImplementedError(
            f"no preset for {arch} on {data}: the paper trained word-level LSTMs with PyTorch's "
            "word_language_model example (SGD lr 20 annealed by 4 on plateaus, 60 epochs), "
            "which this trainer does not implement"
        )
    settings = dict(max_epochs=200, patience=5, bptt=None, shuffle=True)
    settings.update(presets[arch, data])
    settings.update(overrides)
    return TrainConfig(**settings)


@dataclass(frozen=True)
class TrainResult:
    """The summary stored in ``result.json``."""

    best_epoch: int
    best_val_loss: float
    epochs_run: int
    stopped_early: bool
    total_seconds: float  # sum of the epochs' times, over all resumes
    wall_seconds: float  # this call only (0 when the stored result was returned)
    resumed_from_epoch: int  # completed epochs found in the checkpoint; 0 for a fresh run
    final_train_loss: float
    final_val_loss: float
    num_parameters: int
    seed: int
    device: str
    torch_version: str
    train_config: dict[str, Any]
    model_config: dict[str, Any]
    data: dict[str, Any]
    best_checkpoint: str = BEST_NAME

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, result: Mapping[str, Any]) -> TrainResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in result.items() if key in names})


@dataclass
class TrainingState:
    """The progress counters that the checkpoint carries between epochs."""

    epoch: int = 0  # completed epochs
    global_step: int = 0  # optimizer steps taken
    best_val_loss: float = math.inf
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    log_rows: list[dict[str, float]] = field(default_factory=list)

    def finished(self, config: TrainConfig) -> bool:
        return self.epoch >= config.max_epochs or self.stopped_early(config)

    def stopped_early(self, config: TrainConfig) -> bool:
        return config.patience is not None and self.epochs_without_improvement >= config.patience


# --------------------------------------------------------------------------------------------
# Building blocks


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(name)


def make_optimizer(
    parameters: Iterable[nn.Parameter], config: TrainConfig
) -> torch.optim.Optimizer:
    """RMSprop or Adam with Keras' default constants (see the module docstring)."""
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(
            parameters, lr=config.lr, alpha=config.rmsprop_rho, eps=config.eps
        )
    return torch.optim.Adam(parameters, lr=config.lr, betas=config.betas, eps=config.eps)


def learning_rate_at(step: int, config: TrainConfig, total_steps: int) -> float:
    """The learning rate for optimizer step ``step`` (0-based) of ``total_steps``.

    Cosine: ``lr`` at step 0, ``lr * min_lr_ratio`` at step ``total_steps - 1`` and after.
    """
    if config.schedule == "constant":
        return config.lr
    progress = min(step / max(total_steps - 1, 1), 1.0)
    lowest = config.lr * config.min_lr_ratio
    return lowest + (config.lr - lowest) * 0.5 * (1.0 + math.cos(math.pi * progress))


def make_examples(data: np.ndarray, bptt: int | None, bos: bool) -> np.ndarray:
    """Cut the rows of ``data`` into the examples that are batched: int64 ``[M, W]``.

    Without ``bptt`` each row is one example.  With ``bptt`` each row is cut into consecutive
    windows holding ``bptt`` target symbols each; without BOS a window also carries the symbol
    before its first target (windows overlap by one), so every symbol but the row's first is a
    target exactly once.  A shorter tail is dropped.
    """
    rows = np.asarray(data)
    if rows.ndim == 1:
        rows = rows[np.newaxis, :]
    rows = rows.astype(np.int64, copy=False)
    if bptt is None:
        return np.ascontiguousarray(rows)
    width = bptt if bos else bptt + 1
    if rows.shape[1] < width:
        raise ValueError(f"sequences of length {rows.shape[1]} are shorter than one bptt window")
    starts = np.arange(0, rows.shape[1] - width + 1, bptt)
    windows = np.lib.stride_tricks.sliding_window_view(rows, width, axis=1)[:, starts]
    return np.ascontiguousarray(windows.reshape(-1, width))


def inputs_and_targets(
    batch: torch.Tensor, bos_id: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Shift a batch of examples into model inputs and next-symbol targets."""
    if bos_id is None:
        return batch[:, :-1], batch[:, 1:]
    bos = batch.new_full((batch.shape[0], 1), bos_id)
    return torch.cat([bos, batch[:, :-1]], dim=1), batch


def next_symbol_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy in nats over all target symbols of the batch."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def data_fingerprint(data: np.ndarray) -> dict[str, Any]:
    """Shape and hash of the symbol values, so that a resume on other data is refused."""
    values = np.ascontiguousarray(np.asarray(data), dtype=np.int64)
    return {"shape": list(values.shape), "sha256": hashlib.sha256(values.tobytes()).hexdigest()}


def model_vocab_size(model: nn.Module) -> int:
    config = getattr(model, "config", None)
    if not isinstance(config, Mapping) or "vocab_size" not in config:
        raise ValueError(
            "the model must have a dict attribute `config` holding 'vocab_size' (the number of "
            "output classes), got " + (f"config={config!r}" if config is not None else "none")
        )
    return int(config["vocab_size"])


def model_description(model: nn.Module) -> dict[str, Any]:
    """``model.config`` as plain JSON data; refuses configs that would not survive JSON."""
    config = dict(model.config)
    try:
        return json.loads(json.dumps(config))
    except (TypeError, ValueError) as err:
        raise ValueError(f"model.config must be JSON-serialisable: {err}") from err


def check_model_accepts_bos(model: nn.Module, vocab_size: int) -> None:
    """With BOS the input id ``vocab_size`` must exist; check the first (token) embedding.

    Out-of-range ids would otherwise fail deep inside the first forward pass (on CUDA as an
    unhelpful device-side assert).  Models without an ``nn.Embedding`` are not checked.
    """
    embedding = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    if embedding is not None and embedding.num_embeddings <= vocab_size:
        raise ValueError(
            f"bos=True feeds the start token id {vocab_size} (= vocab_size), but the model's "
            f"first embedding has only {embedding.num_embeddings} rows; build the model with "
            f"vocab_size + 1 input ids or train with bos=False"
        )


def check_model_output(
    model: nn.Module, examples: torch.Tensor, bos_id: int | None, vocab_size: int
) -> None:
    """One forward pass on one example: logits must be ``[batch, time, vocab_size]``.

    Runs in eval mode without gradients, so it draws no random numbers and changes nothing.
    """
    model.eval()
    with torch.no_grad():
        inputs, targets = inputs_and_targets(examples[:1], bos_id)
        logits = model(inputs)
    expected = (*targets.shape, vocab_size)
    if tuple(logits.shape) != expected:
        raise ValueError(
            f"the model returned logits of shape {tuple(logits.shape)} for inputs of shape "
            f"{tuple(inputs.shape)}; expected {expected} = [batch, time, vocab_size]"
        )


def check_symbols(data: np.ndarray, vocab_size: int, what: str) -> None:
    array = np.asarray(data)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what} must hold integer symbols, got dtype {array.dtype}")
    if array.ndim not in (1, 2) or array.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-D or 2-D array, got shape {array.shape}")
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= vocab_size:
        raise ValueError(
            f"{what} holds symbols in [{low}, {high}], outside the model's [0, {vocab_size - 1}]"
        )


def iterate_batches(
    examples: torch.Tensor, order: np.ndarray, batch_size: int
) -> Iterator[torch.Tensor]:
    for start in range(0, len(order), batch_size):
        index = torch.from_numpy(order[start : start + batch_size]).to(examples.device)
        yield examples.index_select(0, index)


# --------------------------------------------------------------------------------------------
# Durable files


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` then fsync and rename onto ``path``: a complete file or none at all."""
    with atomic_path(path) as tmp:
        write(tmp)
        _fsync_path(tmp)
    # the rename itself is only durable once the directory entry is on disk
    _fsync_path(path.parent)


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    write_durably(path, lambda tmp: tmp.write_text(json.dumps(payload, indent=2) + "\n"))


def write_log(path: Path, rows: list[dict[str, float]]) -> None:
    """The whole log from the checkpointed rows: never a duplicated or half-written row."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=LOG_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)

    write_durably(path, write)


def read_log(path: str | os.PathLike) -> list[dict[str, float]]:
    with open(path, newline="") as handle:
        return [
            {key: (int(value) if key == "epoch" else float(value)) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary files that a killed run left behind (atomic_path's naming)."""
    for name in (CHECKPOINT_NAME, BEST_NAME, LOG_NAME, RESULT_NAME):
        final = Path(name)
        for stale in out_dir.glob(f".{final.stem}.*.tmp{final.suffix}"):
            stale.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Random states and checkpoints


def capture_random_states(order_rng: np.random.Generator) -> dict[str, Any]:
    numpy_state = np.random.get_state(legacy=False)
    numpy_state["state"]["key"] = numpy_state["state"]["key"].tolist()
    states = {
        "torch": torch.get_rng_state(),
        "numpy": numpy_state,
        "python": random.getstate(),
        "order": order_rng.bit_generator.state,
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states: Mapping[str, Any], order_rng: np.random.Generator) -> None:
    torch.set_rng_state(states["torch"])
    numpy_state = dict(states["numpy"])
    numpy_state["state"] = dict(numpy_state["state"])
    numpy_state["state"]["key"] = np.asarray(numpy_state["state"]["key"], dtype=np.uint32)
    np.random.set_state(numpy_state)
    random.setstate(_as_python_random_state(states["python"]))
    order_rng.bit_generator.state = states["order"]
    if "cuda" in states and torch.cuda.is_available():
        if len(states["cuda"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(states["cuda"])
        else:
            log.warning("checkpoint has CUDA random states for a different number of GPUs")


def _as_python_random_state(state: Any) -> tuple:
    # random.setstate wants (version, tuple of 625 ints, gauss_next) with tuples, not lists
    version, internal, gauss_next = state
    return version, tuple(internal), gauss_next


def load_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # torch raises RuntimeError, EOFError, UnpicklingError, ...
        raise CheckpointError(
            f"checkpoint {str(path)!r} is unreadable ({type(err).__name__}: {err}). This module "
            "only renames complete checkpoints into place, so the file was damaged or written "
            "by something else; delete it (and the other files in its directory) to start over"
        ) from err


def differing_fields(expected: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    """Field-by-field comparison, as ``name: found -> expected`` strings."""
    return [
        f"{key}: {found.get(key, '<missing>')!r} -> {expected.get(key, '<missing>')!r}"
        for key in sorted(set(expected) | set(found))
        if expected.get(key, "<missing>") != found.get(key, "<missing>")
    ]


def check_same_run(identity: Mapping[str, Any], stored: Mapping[str, Any], source: Path) -> None:
    """Refuse to continue from ``source`` when it belongs to a different run."""
    problems = []
    for part, label in (
        ("train_config", "training config"),
        ("model_config", "model config"),
        ("data", "data"),
    ):
        differences = differing_fields(identity[part], stored.get(part, {}))
        if differences:
            problems.append(f"{label} ({'; '.join(differences)})")
    if problems:
        raise CheckpointError(
            f"{str(source)!r} belongs to a different run; differing {', '.join(problems)} "
            "(stored -> current). Use another out_dir, or delete the old files to start over"
        )


# --------------------------------------------------------------------------------------------
# Training


@contextlib.contextmanager
def deterministic_algorithms(device: torch.device) -> Iterator[None]:
    """Prefer deterministic kernels while training; restore the process settings afterwards."""
    if device.type == "cuda":
        # cuBLAS reads this when its handle is created; without it deterministic matmuls fail
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    previous = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.utils.deterministic.fill_uninitialized_memory,
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    )
    torch.use_deterministic_algorithms(True, warn_only=True)
    # Deterministic mode also fills every torch.empty with NaN, a debugging aid that costs ~20%
    # of a CPU LSTM step (measured) and changes no result of correct kernels.
    torch.utils.deterministic.fill_uninitialized_memory = False
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.utils.deterministic.fill_uninitialized_memory = previous[2]
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = previous[3:]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _build_model(
    model: Callable[[], nn.Module] | Mapping[str, Any],
    builder: Callable[..., nn.Module] | None,
) -> nn.Module:
    if isinstance(model, Mapping):
        if builder is None:
            from miscaling.models import build_model as builder
        return builder(**model)
    if not callable(model):
        raise TypeError("model must be a zero-argument factory or a model config dict")
    return model()


def evaluate(
    model: nn.Module, examples: torch.Tensor, batch_size: int, bos_id: int | None
) -> float:
    """Mean next-symbol cross-entropy (nats per symbol) over all examples."""
    model.eval()
    total_loss, total_symbols = 0.0, 0
    with torch.no_grad():
        order = np.arange(len(examples))
        for batch in iterate_batches(examples, order, batch_size):
            inputs, targets = inputs_and_targets(batch, bos_id)
            loss = next_symbol_loss(model(inputs), targets)
            total_loss += loss.item() * targets.numel()
            total_symbols += targets.numel()
    return total_loss / total_symbols


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    examples: torch.Tensor,
    order_rng: np.random.Generator,
    config: TrainConfig,
    state: TrainingState,
    bos_id: int | None,
    total_steps: int,
) -> tuple[float, float, int]:
    """One pass over the shuffled training examples; returns (mean loss, last lr, symbols)."""
    model.train()
    epoch = state.epoch + 1
    steps_per_epoch = math.ceil(len(examples) / config.batch_size)
    order = order_rng.permutation(len(examples)) if config.shuffle else np.arange(len(examples))
    total_loss, total_symbols, lr = 0.0, 0, config.lr
    for step, batch in enumerate(iterate_batches(examples, order, config.batch_size), start=1):
        lr = learning_rate_at(state.global_step, config, total_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets = inputs_and_targets(batch, bos_id)
        loss = next_symbol_loss(model(inputs), targets)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise TrainingDiverged(
                f"training loss is {loss_value} at epoch {epoch}, step {step}/{steps_per_epoch} "
                f"(global step {state.global_step + 1}, lr {lr:.3g}); no result written. "
                "Rerunning resumes from the last checkpoint and repeats the same steps: lower "
                "the learning rate or the gradient clip"
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        state.global_step += 1
        total_loss += loss_value * targets.numel()
        total_symbols += targets.numel()
    return total_loss / total_symbols, lr, total_symbols


def train(
    model: Callable[[], nn.Module] | Mapping[str, Any],
    train_data: np.ndarray,
    valid_data: np.ndarray,
    config: TrainConfig,
    out_dir: str | os.PathLike,
    *,
    builder: Callable[..., nn.Module] | None = None,
) -> TrainResult:
    """Train one model (one restart) into ``out_dir``, resuming from its checkpoint if any.

    ``model`` is either a zero-argument factory returning an ``nn.Module`` or a model config
    dict, built as ``builder(**model)`` (default ``miscaling.models.build_model``).  The module
    maps ``LongTensor[B, T]`` to logits ``[B, T, V]`` predicting the next symbol and has a
    JSON-serialisable ``config`` dict with ``vocab_size`` (= V) that rebuilds it through the
    builder.  ``train_data``/``valid_data`` are integer arrays ``[N, L]`` (or one 1-D sequence)
    with symbols in ``[0, V)``.  See the module docstring for files, resume and determinism.
    """
    start_time = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    device = resolve_device(config.device)

    with deterministic_algorithms(device):
        # the model is built right after seeding, so the seed fixes its initial weights
        seed_everything(config.seed)
        network = _build_model(model, builder)
        vocab_size = model_vocab_size(network)
        identity = {
            "train_config": config.to_dict(),
            "model_config": model_description(network),
            "data": {"train": data_fingerprint(train_data), "valid": data_fingerprint(valid_data)},
        }
        finished = _stored_result(out_dir, identity)
        if finished is not None:
            log.info("%s already holds a finished run; returning its result", out_dir)
            return finished

        bos_id = vocab_size if config.bos else None
        if config.bos:
            check_model_accepts_bos(network, vocab_size)
        train_examples = _examples(train_data, "train_data", vocab_size, config, device)
        valid_examples = _examples(valid_data, "valid_data", vocab_size, config, device)

        network.to(device)
        check_model_output(network, train_examples, bos_id, vocab_size)
        optimizer = make_optimizer(network.parameters(), config)
        order_rng = np.random.default_rng(config.seed)
        state, best_state = TrainingState(), None
        if (out_dir / CHECKPOINT_NAME).exists():
            state, best_state = _resume(out_dir, identity, network, optimizer, order_rng, device)
        resumed_from_epoch = state.epoch
        # The checkpoint is the source of truth; log.csv and best.pt are views of it, rewritten
        # here because a kill (or a workflow manager deleting declared outputs) may have left
        # them an epoch ahead of it, behind it, or missing.
        write_log(out_dir / LOG_NAME, state.log_rows)
        if best_state is not None:
            _save_best(out_dir / BEST_NAME, best_state, identity, state)

        total_steps = config.max_epochs * math.ceil(len(train_examples) / config.batch_size)
        while not state.finished(config):
            epoch_start = time.perf_counter()
            train_loss, lr, symbols = train_one_epoch(
                network, optimizer, train_examples, order_rng, config, state, bos_id,
                total_steps,
            )
            train_seconds = time.perf_counter() - epoch_start
            val_loss = evaluate(network, valid_examples, config.batch_size, bos_id)
            if not math.isfinite(val_loss):
                raise TrainingDiverged(
                    f"validation loss is {val_loss} after epoch {state.epoch + 1}; "
                    "no result written"
                )
            state.epoch += 1
            if val_loss < state.best_val_loss:
                state.best_val_loss, state.best_epoch = val_loss, state.epoch
                state.epochs_without_improvement = 0
                best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
                _save_best(out_dir / BEST_NAME, best_state, identity, state)
            else:
                state.epochs_without_improvement += 1
            seconds = time.perf_counter() - epoch_start
            state.log_rows.append({
                "epoch": state.epoch,
                "train_loss": train_loss,
                "val_loss": val_loss,
                "lr": lr,
                "seconds": round(seconds, 4),
                "tokens_per_s": round(symbols / train_seconds, 1),
                "best_val_loss": state.best_val_loss,
            })
            log.info(
                "| epoch %3d | train loss %.5f | valid loss %.5f | lr %.3g | %.1f s | "
                "%.0f tokens/s |", state.epoch, train_loss, val_loss, lr, seconds,
                symbols / train_seconds,
            )
            _save_checkpoint(out_dir / CHECKPOINT_NAME, network, optimizer, best_state,
                             identity, state, order_rng, device)
            write_log(out_dir / LOG_NAME, state.log_rows)

    last = state.log_rows[-1]
    result = TrainResult(
        best_epoch=state.best_epoch,
        best_val_loss=state.best_val_loss,
        epochs_run=state.epoch,
        stopped_early=state.stopped_early(config),
        total_seconds=round(sum(row["seconds"] for row in state.log_rows), 4),
        wall_seconds=round(time.perf_counter() - start_time, 4),
        resumed_from_epoch=resumed_from_epoch,
        final_train_loss=last["train_loss"],
        final_val_loss=last["val_loss"],
        num_parameters=sum(p.numel() for p in network.parameters() if p.requires_grad),
        seed=config.seed,
        device=str(device),
        torch_version=str(torch.__version__),
        **identity,
    )
    # written last: its presence marks the job as done
    write_json(out_dir / RESULT_NAME, result.to_dict())
    return result


def _examples(
    data: np.ndarray, what: str, vocab_size: int, config: TrainConfig, device: torch.device
) -> torch.Tensor:
    check_symbols(data, vocab_size, what)
    return torch.from_numpy(make_examples(data, config.bptt, config.bos)).to(device)


def _stored_result(out_dir: Path, identity: Mapping[str, Any]) -> TrainResult | None:
    path = out_dir / RESULT_NAME
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    check_same_run(identity, stored, path)
    return dataclasses.replace(TrainResult.from_dict(stored), wall_seconds=0.0)


def _resume(
    out_dir: Path,
    identity: Mapping[str, Any],
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    order_rng: np.random.Generator,
    device: torch.device,
) -> tuple[TrainingState, dict[str, torch.Tensor] | None]:
    """Load the checkpoint into model, optimizer and random generators; return the progress."""
    path = out_dir / CHECKPOINT_NAME
    checkpoint = load_checkpoint(path, device)
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has format {checkpoint.get('format')!r}, "
            f"this code reads format {CHECKPOINT_FORMAT}"
        )
    check_same_run(identity, checkpoint, path)
    model.load_state_dict(checkpoint["model_state"])
    optimizer.load_state_dict(checkpoint["optimizer_state"])
    restore_random_states(checkpoint["random_states"], order_rng)
    if checkpoint["device"] != str(device):
        log.warning(
            "resuming on %s a run started on %s: the result will not be bit-identical to an "
            "uninterrupted run", device, checkpoint["device"],
        )
    state = TrainingState(**checkpoint["state"])
    log.info("resuming %s after epoch %d", out_dir, state.epoch)
    return state, checkpoint["best_model_state"]


def _save_best(
    path: Path,
    best_state: Mapping[str, torch.Tensor],
    identity: Mapping[str, Any],
    state: TrainingState,
) -> None:
    payload = {
        "model_state": dict(best_state),
        "model_config": identity["model_config"],
        "train_config": identity["train_config"],
        "epoch": state.best_epoch,
        "val_loss": state.best_val_loss,
    }
    write_durably(path, lambda tmp: torch.save(payload, tmp))


def _save_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    best_state: Mapping[str, torch.Tensor] | None,
    identity: Mapping[str, Any],
    state: TrainingState,
    order_rng: np.random.Generator,
    device: torch.device,
) -> None:
    payload = {
        "format": CHECKPOINT_FORMAT,
        **identity,
        "model_state": model.state_dict(),
        "optimizer_state": optimizer.state_dict(),
        # a copy of the best weights makes the checkpoint self-sufficient: best.pt can always
        # be rewritten from it
        "best_model_state": None if best_state is None else dict(best_state),
        "state": dataclasses.asdict(state),
        "random_states": capture_random_states(order_rng),
        "device": str(device),
        "torch_version": str(torch.__version__),
    }
    write_durably(path, lambda tmp: torch.save(payload, tmp))


# --------------------------------------------------------------------------------------------
# After training


def load_best_model(
    out_dir: str | os.PathLike,
    *,
    builder: Callable[..., nn.Module] | None = None,
    device: str | torch.device = "cpu",
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the best model of a run (``builder(**model_config)``) in eval mode.

    Returns the model and the rest of ``best.pt`` (model_config, train_config, epoch, val_loss).
    """
    payload = torch.load(Path(out_dir) / BEST_NAME, map_location=device, weights_only=True)
    if builder is None:
        from miscaling.models import build_model as builder
    model = builder(**payload["model_config"])
    model.load_state_dict(payload.pop("model_state"))
    return model.to(device).eval(), payload


def select_best(result_dirs: Iterable[str | os.PathLike]) -> dict[str, Any]:
    """Pick the restart with the lowest validation loss (ties: lowest seed, then directory).

    All restarts must share the model config, the data and the training config apart from the
    seed; otherwise their validation losses are not comparable and a ValueError names the
    differences.  Returns ``best_dir``, ``best_checkpoint``, ``seed``, ``best_val_loss`` and
    ``table``: one row per restart (dir, seed, best_val_loss, best_epoch, epochs_run,
    stopped_early, selected).
    """
    results = []
    for directory in map(Path, result_dirs):
        path = directory / RESULT_NAME
        if not path.is_file():
            raise FileNotFoundError(f"{str(path)!r} does not exist: that restart has not finished")
        results.append((directory, json.loads(path.read_text())))
    if not results:
        raise ValueError("select_best needs at least one result directory")

    def comparable(result: Mapping[str, Any]) -> dict[str, Any]:
        train_config = {k: v for k, v in result["train_config"].items() if k != "seed"}
        return {"train_config": train_config, "model_config": result["model_config"],
                "data": result["data"]}

    reference_dir, reference = results[0]
    for directory, result in results[1:]:
        try:
            check_same_run(comparable(reference), comparable(result), directory)
        except CheckpointError as err:
            raise ValueError(f"restarts {str(reference_dir)!r} and {str(directory)!r} are not "
                             f"comparable: {err}") from None

    table = [
        {
            "dir": str(directory),
            "seed": result["seed"],
            "best_val_loss": result["best_val_loss"],
            "best_epoch": result["best_epoch"],
            "epochs_run": result["epochs_run"],
            "stopped_early": result["stopped_early"],
            "selected": False,
        }
        for directory, result in results
    ]
    best = min(table, key=lambda row: (row["best_val_loss"], row["seed"], row["dir"]))
    best["selected"] = True
    return {
        "best_dir": best["dir"],
        "best_checkpoint": str(Path(best["dir"]) / BEST_NAME),
        "seed": best["seed"],
        "best_val_loss": best["best_val_loss"],
        "table": table,
    }
