"""Train next-symbol models as the paper does (Appendix E), resumably and reproducibly.

One call of :func:`train` is one restart of one model: mean cross-entropy, validation after every
epoch, the best model kept, early stopping after ``patience`` epochs without improvement.  Files
and resume: :mod:`miscaling.checkpoint`; recipes and schedules: :mod:`miscaling.recipes`
(re-exported here); batches and the loss: :mod:`miscaling.batches`; stateful text training:
:mod:`miscaling.stateful`.  Objective, schedules, first symbol, determinism and threads:
docs/METHODS.md §7, Eqs. (M34)–(M38).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    discard_other_run,
    remove_stale_temporaries,
    resume,
    save_best,
    save_checkpoint,
    stored_result,
    write_log,
)
from miscaling.device import resolve_device
from miscaling.io import write_json
from miscaling.models import ModelConfig
from miscaling.recipes import (  # noqa: F401  (re-exported: the training API)
    DATASETS,
    KERAS_EPSILON,
    KERAS_RMSPROP_RHO,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    learning_rate_at,
    paper_config,
    paper_model_options,
    plateau_divisions,
)
from miscaling.settings import Settings
from miscaling.stateful import StreamFeeder, check_stateful_model, evaluate_streams, make_streams

log = logging.getLogger("miscaling.train")

# What a stored config that lacks the fields added for the text models means
IDENTITY_DEFAULTS = {"train_config": TrainConfig.added_later(),
                     "model_config": ModelConfig.added_later()}

Precision = Callable[[], contextlib.AbstractContextManager]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; no result is written."""


# --------------------------------------------------------------------------------------------
# Building blocks


def make_optimizer(
    parameters: Iterable[nn.Parameter], config: TrainConfig,
    device: torch.device | None = None,
) -> torch.optim.Optimizer:
    """RMSprop or Adam with Keras' default constants, or plain SGD (:mod:`miscaling.recipes`);
    on CUDA Adam and SGD take torch's fused kernels (one launch per step, no host sync)."""
    fused = {"fused": True} if device is not None and device.type == "cuda" else {}
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(
            parameters, lr=config.lr, alpha=config.rmsprop_rho, eps=config.eps
        )
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=config.lr, **fused)
    return torch.optim.Adam(parameters, lr=config.lr, betas=config.betas, eps=config.eps,
                            **fused)


def bf16_autocast(device_type: str) -> Precision:
    """A factory of bf16 autocast contexts on ``device_type`` (the trainer's mixed precision)."""
    return lambda: torch.autocast(device_type, dtype=torch.bfloat16)


def precision_context(device: torch.device, mixed_precision: bool) -> Precision:
    """A factory of the context the forward pass and loss run in: bf16 autocast or nothing."""
    if mixed_precision and device.type == "cuda":
        return bf16_autocast("cuda")
    if mixed_precision:
        log.info("mixed_precision is off on %s: bf16 autocast is only used on CUDA", device)
    return contextlib.nullcontext


@contextlib.contextmanager
def matmul_precision(device: torch.device, tf32: bool) -> Iterator[None]:
    """TF32 (``tf32``) or full fp32 matmuls and cuDNN kernels on CUDA while training; restores
    the process settings afterwards.  Nothing changes on other devices."""
    if device.type != "cuda":
        yield
        return
    backends = torch.backends
    previous = backends.cuda.matmul.allow_tf32, backends.cudnn.allow_tf32
    backends.cuda.matmul.allow_tf32 = backends.cudnn.allow_tf32 = tf32
    try:
        yield
    finally:
        backends.cuda.matmul.allow_tf32, backends.cudnn.allow_tf32 = previous


def first_embedding(model: nn.Module) -> nn.Embedding:
    embedding = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    if embedding is None:
        raise ValueError("embedding_l2 > 0 needs a model with an nn.Embedding, found none in "
                         f"{type(model).__name__}")
    return embedding


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


@contextlib.contextmanager
def training_numerics(device: torch.device, config: TrainConfig) -> Iterator[None]:
    """What every training runs under: deterministic kernels and the TF32 setting."""
    with deterministic_algorithms(device), matmul_precision(device, config.tf32):
        yield


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
            from miscaling.models import build_model
            return build_model(ModelConfig.from_dict(model))
        return builder(**model)
    if not callable(model):
        raise TypeError("model must be a zero-argument factory, a ModelConfig or a model "
                        "config dict")
    return model()


def evaluate(
    model: nn.Module, examples: torch.Tensor, batch_size: int, bos_id: int | None,
    precision: Precision = contextlib.nullcontext,
) -> float:
    """Mean next-symbol cross-entropy (nats per symbol) over all examples."""
    model.eval()
    total_loss, total_symbols = 0.0, 0
    with torch.no_grad():
        order = np.arange(len(examples))
        for batch in iterate_batches(examples, order, batch_size):
            inputs, targets = inputs_and_targets(batch, bos_id)
            with precision():
                loss = next_symbol_loss(model(inputs), targets)
            total_loss += loss.item() * targets.numel()
            total_symbols += targets.numel()
    return total_loss / total_symbols


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    forward: Callable[[torch.Tensor], torch.Tensor],
    config: TrainConfig,
    state: TrainingState,
    total_steps: int,
    steps_per_epoch: int,
    *,
    divisions: int = 0,
    precision: Precision = contextlib.nullcontext,
    embedding: nn.Embedding | None = None,
) -> tuple[float, float, int]:
    """One pass over ``batches`` of (inputs, targets); returns (mean loss, last lr, symbols).

    ``forward`` maps inputs to logits (the model, or a :class:`StreamFeeder` carrying the
    state); ``divisions`` is the plateau schedule's count; ``embedding`` gets the L2 penalty.
    The step losses are read back once, after the pass (a per-step read would stall a GPU);
    a non-finite one then raises :class:`TrainingDiverged` naming its step.
    """
    model.train()
    first_step, lr = state.global_step, config.lr
    losses, symbols = [], []  # read back once per epoch: no host sync per step
    for inputs, targets in batches:
        lr = learning_rate_at(state.global_step, config, total_steps, divisions)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with precision():
            loss = next_symbol_loss(forward(inputs), targets)
        losses.append(loss.detach())
        symbols.append(targets.numel())
        if embedding is not None:
            loss = loss + config.embedding_l2 * embedding.weight.pow(2).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        state.global_step += 1
    values = torch.stack(losses).tolist()
    total_loss = 0.0
    for step, (value, count) in enumerate(zip(values, symbols), start=1):
        if not math.isfinite(value):
            step_lr = learning_rate_at(first_step + step - 1, config, total_steps, divisions)
            raise TrainingDiverged(
                f"training loss is {value} at epoch {state.epoch + 1}, step {step}/"
                f"{steps_per_epoch} (global step {first_step + step}, lr {step_lr:.3g}); no "
                "result written. Rerunning resumes from the last checkpoint and repeats the "
                "same steps: lower the learning rate or the gradient clip"
            )
        total_loss += value * count
    total_symbols = sum(symbols)
    return total_loss / total_symbols, lr, total_symbols


class TrainingBatches:
    """The training and validation batches of one run: shuffled windows/rows or streams."""

    def __init__(self, network: nn.Module, train_data: np.ndarray, valid_data: np.ndarray,
                 config: TrainConfig, vocab_size: int, device: torch.device):
        self.network, self.config = network, config
        self.bos_id = vocab_size if config.bos else None
        if config.bos:
            check_model_accepts_bos(network, vocab_size)
        check_symbols(train_data, vocab_size, "train_data")
        check_symbols(valid_data, vocab_size, "valid_data")
        self.feeder: StreamFeeder | None = None
        if config.stateful:
            check_stateful_model(network)
            streams = [torch.from_numpy(make_streams(data, config.batch_size, what)).to(device)
                       for data, what in ((train_data, "train_data"), (valid_data, "valid_data"))]
            self.valid = streams[1]
            self.feeder = StreamFeeder(network, streams[0], config.bptt,
                                       config.reset_probability, config.seed)
            self.steps_per_epoch = self.feeder.steps_per_pass
            sample = streams[0][:1, : config.bptt + 1]
        else:
            self.train, self.valid = (
                torch.from_numpy(make_examples(data, config.bptt, config.bos)).to(device)
                for data in (train_data, valid_data))
            self.steps_per_epoch = math.ceil(len(self.train) / config.batch_size)
            sample = self.train
        network.to(device)
        check_model_output(network, sample, self.bos_id, vocab_size)

    def epoch(self, order_rng: np.random.Generator):
        """(batches, forward) for the next epoch."""
        if self.feeder is not None:
            return self.feeder.windows(), self.feeder.forward
        count = len(self.train)
        order = order_rng.permutation(count) if self.config.shuffle else np.arange(count)
        batches = (inputs_and_targets(batch, self.bos_id)
                   for batch in iterate_batches(self.train, order, self.config.batch_size))
        return batches, self.network

    def validation_loss(self, precision: Precision) -> float:
        if self.feeder is not None:
            return evaluate_streams(self.network, self.valid, self.config.bptt, precision)
        return evaluate(self.network, self.valid, self.config.batch_size, self.bos_id,
                        precision)


def train(
    model: Callable[[], nn.Module] | Mapping[str, Any] | Settings,
    train_data: np.ndarray,
    valid_data: np.ndarray,
    config: TrainConfig,
    out_dir: str | os.PathLike,
    *,
    builder: Callable[..., nn.Module] | None = None,
    replace_other_run: bool = False,
) -> TrainResult:
    """Train one model (one restart) into ``out_dir``, resuming from its checkpoint if any.

    Files in ``out_dir`` of a *different* run (other settings or data: a changed configuration)
    are an error, unless ``replace_other_run``: they are then deleted and training starts over
    (what a workflow wants when it reruns a job because its settings changed; a run of the
    same settings is resumed either way).

    ``model`` is a zero-argument factory returning an ``nn.Module``, or a model config (a
    :class:`miscaling.models.ModelConfig` or its dict), built as ``builder(**config)`` (default:
    ``miscaling.models.build_model`` of the ModelConfig).  The module
    maps ``LongTensor[B, T]`` to logits ``[B, T, V]`` predicting the next symbol and has a
    JSON-serialisable ``config`` dict with ``vocab_size`` (= V) that rebuilds it through the
    builder.  ``train_data``/``valid_data`` are integer arrays ``[N, L]`` (or one 1-D sequence)
    with symbols in ``[0, V)``; stateful training takes 1-D texts and a model with
    ``advance(tokens, state)``.  Files, resume and determinism: docs/METHODS.md §7.8.
    """
    start_time = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    device = resolve_device(config.device)
    precision = precision_context(device, config.mixed_precision)

    with training_numerics(device, config):
        # the model is built right after seeding, so the seed fixes its initial weights
        seed_everything(config.seed)
        network = _build_model(model, builder)
        vocab_size = model_vocab_size(network)
        identity = {
            "train_config": config.on_device(device.type).to_dict(),
            "model_config": model_description(network),
            "data": {"train": data_fingerprint(train_data), "valid": data_fingerprint(valid_data)},
        }
        if replace_other_run:
            discard_other_run(out_dir, identity, defaults=IDENTITY_DEFAULTS)
        finished = stored_result(out_dir, identity, defaults=IDENTITY_DEFAULTS)
        if finished is not None:
            log.info("%s already holds a finished run; returning its result", out_dir)
            return finished

        data = TrainingBatches(network, train_data, valid_data, config, vocab_size, device)
        embedding = first_embedding(network) if config.embedding_l2 > 0 else None
        optimizer = make_optimizer(network.parameters(), config, device)
        order_rng = np.random.default_rng(config.seed)
        state, best_state = TrainingState(), None
        if (out_dir / CHECKPOINT_NAME).exists():
            state, best_state = resume(out_dir, identity, network, optimizer, order_rng, device,
                                       stream=data.feeder, defaults=IDENTITY_DEFAULTS)
        resumed_from_epoch = state.epoch
        # The checkpoint is the source of truth; log.csv and best.pt are views of it, rewritten
        # here because a kill (or a workflow manager deleting declared outputs) may have left
        # them an epoch ahead of it, behind it, or missing.
        write_log(out_dir / LOG_NAME, state.log_rows)
        if best_state is not None:
            save_best(out_dir / BEST_NAME, best_state, identity, state)

        total_steps = config.max_epochs * data.steps_per_epoch
        while not state.finished(config):
            epoch_start = time.perf_counter()
            batches, forward = data.epoch(order_rng)
            train_loss, lr, symbols = train_one_epoch(
                network, optimizer, batches, forward, config, state, total_steps,
                data.steps_per_epoch, divisions=plateau_divisions(state.log_rows),
                precision=precision, embedding=embedding,
            )
            train_seconds = time.perf_counter() - epoch_start
            val_loss = data.validation_loss(precision)
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
                            identity, state, order_rng, device,
                            stream=None if data.feeder is None else data.feeder.state_dict())
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
        state_values=getattr(network, "state_values", None),
        seed=config.seed,
        device=str(device),
        torch_version=str(torch.__version__),
        **identity,
    )
    # written last: its presence marks the job as done
    write_json(out_dir / RESULT_NAME, result.to_dict(), fsync=True, indent=2)
    return result
