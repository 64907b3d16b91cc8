"""Train next-symbol models as the paper does (Appendix E), resumably and reproducibly.

One call of :func:`train` is one restart of one model: it fits the model to ``train_data`` by
minimising the mean cross-entropy (nats) of next-symbol prediction, evaluates the validation
loss after every epoch, keeps the best model and stops early when the validation loss has not
improved for ``patience`` epochs.  Its files in ``out_dir`` (checkpoint.pt, best.pt, log.csv,
result.json written last) and how they survive a kill are described in :mod:`miscaling.checkpoint`;
restarts are compared by :mod:`miscaling.selection`; batching and the loss live in
:mod:`miscaling.batches`.

Resume semantics.  A rerun with the same arguments loads checkpoint.pt, rewrites log.csv and
best.pt from it (a kill may leave them an epoch ahead of it or behind it; a workflow manager may
have deleted them) and repeats the interrupted epoch exactly as the first attempt would have run
it.  On CPU the rerun therefore ends with bit-for-bit the same weights, log rows (bar the timing
columns) and best validation loss as an uninterrupted run.  A checkpoint whose training config,
model config or data differ from the current call is refused with an error naming the differing
fields; an unreadable checkpoint is an error too, never silently ignored.  A finished job
(result.json present and matching) is not retrained: :func:`train` returns the stored result.

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
warn, so CUDA runs -- and resumed CUDA runs -- may differ in the last bits (the LSTM, whose
cuDNN kernels are deterministic, resumes to identical weights: tests/test_train_cuda.py);
results also differ between CPU and CUDA and across GPU models and library versions.

Performance.  Small recurrent models spend their time in per-time-step kernels whose OpenMP
barriers dominate: with 2 torch threads on 2 busy cores a width-8 GRU step took 1.3 s instead of
13 ms with one thread.  Callers training small models on CPU should ``torch.set_num_threads(1)``
(or run one job per core); this module leaves the thread count alone.

Not implemented: stateful truncated BPTT (the paper's character-level LSTMs carry the hidden
state across windows and reset it with probability 0.01); here each ``bptt`` window is an
independent example starting from the model's initial state (and from BOS with ``bos=True``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from miscaling.batches import (
    check_model_accepts_bos,
    check_model_output,
    check_symbols,
    data_fingerprint,
    inputs_and_targets,
    iterate_batches,
    make_examples,
    model_description,
    model_vocab_size,
    next_symbol_loss,
)
from miscaling.checkpoint import (
    BEST_NAME,
    CHECKPOINT_NAME,
    LOG_NAME,
    RESULT_NAME,
    TrainingState,
    TrainResult,
    remove_stale_temporaries,
    resume,
    save_best,
    save_checkpoint,
    stored_result,
    write_log,
)
from miscaling.device import DEVICES, resolve_device
from miscaling.io import write_json
from miscaling.models import ARCHS as ARCHITECTURES
from miscaling.settings import Settings, check_choice, check_int, problems_error

log = logging.getLogger("miscaling.train")

OPTIMIZERS = ("rmsprop", "adam")
SCHEDULES = ("constant", "cosine")
DATASETS = ("binary", "char", "word")

# Keras 2 defaults (keras.optimizers.RMSprop / Adam: rho=0.9, epsilon=K.epsilon()=1e-7).
KERAS_RMSPROP_RHO = 0.9
KERAS_EPSILON = 1e-7


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; no result is written."""


@dataclass(frozen=True)
class TrainConfig(Settings):
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
        problems = (check_choice("optimizer", self.optimizer, OPTIMIZERS)
                    + check_choice("schedule", self.schedule, SCHEDULES)
                    + check_choice("device", self.device, DEVICES))
        if not self.lr >= 0:
            problems.append(f"lr must be >= 0, got {self.lr}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            problems.append(f"betas must be two numbers in [0, 1), got {self.betas}")
        if not 0 <= self.rmsprop_rho < 1:
            problems.append(f"rmsprop_rho must lie in [0, 1), got {self.rmsprop_rho}")
        if not self.eps > 0:
            problems.append(f"eps must be > 0, got {self.eps}")
        problems += check_int("batch_size", self.batch_size, 1)
        if not self.clip >= 0:
            problems.append(f"clip must be >= 0 (0 = no clipping), got {self.clip}")
        problems += check_int("max_epochs", self.max_epochs, 1)
        problems += check_int("patience", self.patience, 1, optional=True)
        if not 0 < self.min_lr_ratio <= 1:
            problems.append(f"min_lr_ratio must lie in (0, 1], got {self.min_lr_ratio}")
        problems += check_int("bptt", self.bptt, 1, optional=True)
        problems += check_int("seed", self.seed, 0)
        problems_error("TrainConfig", problems)


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


# --------------------------------------------------------------------------------------------
# Building blocks


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
    model: Callable[[], nn.Module] | Mapping[str, Any] | Settings,
    builder: Callable[..., nn.Module] | None,
) -> nn.Module:
    if isinstance(model, Settings):  # a ModelConfig
        model = model.to_dict()
    if isinstance(model, Mapping):
        if builder is None:
            from miscaling.models import build_model as builder
        return builder(**model)
    if not callable(model):
        raise TypeError("model must be a zero-argument factory, a ModelConfig or a model "
                        "config dict")
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
    model: Callable[[], nn.Module] | Mapping[str, Any] | Settings,
    train_data: np.ndarray,
    valid_data: np.ndarray,
    config: TrainConfig,
    out_dir: str | os.PathLike,
    *,
    builder: Callable[..., nn.Module] | None = None,
) -> TrainResult:
    """Train one model (one restart) into ``out_dir``, resuming from its checkpoint if any.

    ``model`` is a zero-argument factory returning an ``nn.Module``, or a model config (a
    :class:`miscaling.models.ModelConfig` or its dict), built as ``builder(**config)`` (default
    ``miscaling.models.build_model``).  The module
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
        finished = stored_result(out_dir, identity)
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
            state, best_state = resume(out_dir, identity, network, optimizer, order_rng, device)
        resumed_from_epoch = state.epoch
        # The checkpoint is the source of truth; log.csv and best.pt are views of it, rewritten
        # here because a kill (or a workflow manager deleting declared outputs) may have left
        # them an epoch ahead of it, behind it, or missing.
        write_log(out_dir / LOG_NAME, state.log_rows)
        if best_state is not None:
            save_best(out_dir / BEST_NAME, best_state, identity, state)

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
                save_best(out_dir / BEST_NAME, best_state, identity, state)
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
            save_checkpoint(out_dir / CHECKPOINT_NAME, network, optimizer, best_state,
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
    write_json(out_dir / RESULT_NAME, result.to_dict(), fsync=True, indent=2)
    return result


def _examples(
    data: np.ndarray, what: str, vocab_size: int, config: TrainConfig, device: torch.device
) -> torch.Tensor:
    check_symbols(data, vocab_size, what)
    return torch.from_numpy(make_examples(data, config.bptt, config.bos)).to(device)
