"""A training run's files: durable writes, random states, checkpoints, resume, the best model.

``checkpoint.pt`` (everything needed to continue after the last complete epoch: the source of
truth), ``best.pt``, ``log.csv`` and, last, ``result.json`` (the job is done), each written to a
temporary file, fsync'ed and renamed, so a kill leaves it complete or untouched.  Checkpoints hold
tensors and plain data only and are read with ``weights_only=True`` onto the CPU (random states
must stay CPU ``ByteTensor`` s); one of another run is refused with an error naming the fields.
Resume and determinism: docs/METHODS.md §7.8.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import math
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from miscaling.device import resolve_device
from miscaling.io import atomic_path
from miscaling.recipes import TrainConfig

log = logging.getLogger("miscaling.train")  # its messages are part of training's log

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


class CheckpointError(RuntimeError):
    """A checkpoint or result in ``out_dir`` cannot be used for this call."""


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


@dataclass(frozen=True)
class TrainResult:
    """The summary stored in ``result.json`` (what :func:`miscaling.train.train` returns)."""

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
    #: numbers carried from symbol to symbol (miscaling.models.state_values); None, and left
    #: out of result.json, for a Transformer or a model that does not say
    state_values: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if data["state_values"] is None:
            del data["state_values"]
        return data

    @classmethod
    def from_dict(cls, result: Mapping[str, Any]) -> TrainResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in result.items() if key in names})


# --------------------------------------------------------------------------------------------
# The log


def write_log(path: Path, rows: list[dict[str, float]]) -> None:
    """The whole log from the checkpointed rows: never a duplicated or half-written row."""
    with atomic_path(path, fsync=True) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOG_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


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
# Random states


def capture_random_states(order_rng: np.random.Generator) -> dict[str, Any]:
    """torch (CPU and, once initialised, every CUDA device), numpy, python and data order."""
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
    """Undo :func:`capture_random_states`; its torch states must be CPU ByteTensors."""
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


# --------------------------------------------------------------------------------------------
# Checkpoints


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint's contents, every tensor on the CPU (see the module docstring)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises RuntimeError, EOFError, UnpicklingError, ...
        raise CheckpointError(
            f"checkpoint {str(path)!r} is unreadable ({type(err).__name__}: {err}). This module "
            "only renames complete checkpoints into place, so the file was damaged or written "
            "by something else; delete it (and the other files in its directory) to start over"
        ) from err


def differing_fields(
    expected: Mapping[str, Any], found: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> list[str]:
    """Field-by-field comparison, as ``name: found -> expected`` strings.

    A field missing on one side takes its value from ``defaults`` when it has one there (fields
    added after a run was stored: ``Settings.ADDED_LATER``).
    """
    defaults = defaults or {}

    def value(config: Mapping[str, Any], key: str) -> Any:
        return config.get(key, defaults.get(key, "<missing>"))

    return [
        f"{key}: {value(found, key)!r} -> {value(expected, key)!r}"
        for key in sorted(set(expected) | set(found))
        if value(expected, key) != value(found, key)
    ]


def check_same_run(
    identity: Mapping[str, Any], stored: Mapping[str, Any], source: Path,
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Refuse to continue from ``source`` when it belongs to a different run.

    ``defaults`` maps "train_config"/"model_config" to the values their missing fields mean.
    """
    problems = []
    defaults = defaults or {}
    for part, label in (
        ("train_config", "training config"),
        ("model_config", "model config"),
        ("data", "data"),
    ):
        differences = differing_fields(identity[part], stored.get(part, {}),
                                       defaults.get(part))
        if differences:
            problems.append(f"{label} ({'; '.join(differences)})")
    if problems:
        raise CheckpointError(
            f"{str(source)!r} belongs to a different run; differing {', '.join(problems)} "
            "(stored -> current). Use another out_dir, or delete the old files to start over"
        )


def save_best(
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
    with atomic_path(path, fsync=True) as tmp:
        torch.save(payload, tmp)


def save_checkpoint(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    best_state: Mapping[str, torch.Tensor] | None,
    identity: Mapping[str, Any],
    state: TrainingState,
    order_rng: np.random.Generator,
    device: torch.device,
    stream: Mapping[str, Any] | None = None,
) -> None:
    """``stream``: a stateful run's stream position, carried state and reset generator."""
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
    if stream is not None:  # absent otherwise: the binary runs' checkpoints are as before
        payload["stream"] = dict(stream)
    with atomic_path(path, fsync=True) as tmp:
        torch.save(payload, tmp)


def resume(
    out_dir: Path,
    identity: Mapping[str, Any],
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    order_rng: np.random.Generator,
    device: torch.device,
    *,
    stream: Any = None,
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[TrainingState, dict[str, torch.Tensor] | None]:
    """Load ``out_dir``'s checkpoint into model, optimizer and random generators.

    ``model`` (and the parameters ``optimizer`` holds) must already be on ``device``: weights
    and optimizer moments are copied there, the best weights are moved there, the random states
    stay on the CPU.  ``stream`` (a stateful run's :class:`miscaling.stateful.StreamFeeder`)
    gets its saved position, hidden state and reset generator back; ``defaults`` as in
    :func:`check_same_run`.  Returns the progress counters and the best weights.
    """
    path = out_dir / CHECKPOINT_NAME
    checkpoint = load_checkpoint(path)
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has format {checkpoint.get('format')!r}, "
            f"this code reads format {CHECKPOINT_FORMAT}"
        )
    check_same_run(identity, checkpoint, path, defaults)
    if stream is not None:
        if "stream" not in checkpoint:
            raise CheckpointError(f"checkpoint {str(path)!r} holds no stream state, which a "
                                  "stateful run needs; delete it to start over")
        stream.load_state_dict(checkpoint["stream"])
    model.load_state_dict(checkpoint["model_state"])
    # casts each moment to its parameter's device and dtype (the step counters stay on the CPU)
    optimizer.load_state_dict(checkpoint["optimizer_state"])
    restore_random_states(checkpoint["random_states"], order_rng)
    if checkpoint["device"] != str(device):
        log.warning(
            "resuming on %s a run started on %s: the result will not be bit-identical to an "
            "uninterrupted run", device, checkpoint["device"],
        )
    best_state = checkpoint["best_model_state"]
    if best_state is not None:
        best_state = {key: value.to(device) for key, value in best_state.items()}
    state = TrainingState(**checkpoint["state"])
    log.info("resuming %s after epoch %d", out_dir, state.epoch)
    return state, best_state


def discard_other_run(
    out_dir: Path, identity: Mapping[str, Any],
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> bool:
    """Delete ``out_dir``'s run files if its checkpoint or result belongs to a different run
    (:func:`check_same_run`), logging what differed; True when it did.  A run of these settings
    (to resume or already finished) is left alone."""
    for name in (CHECKPOINT_NAME, RESULT_NAME):
        path = out_dir / name
        if not path.exists():
            continue
        stored = load_checkpoint(path) if name == CHECKPOINT_NAME else \
            json.loads(path.read_text())
        try:
            check_same_run(identity, stored, path, defaults)
        except CheckpointError as error:
            log.warning("starting over: %s", str(error).split(". Use another")[0])
            for stale in (CHECKPOINT_NAME, BEST_NAME, LOG_NAME, RESULT_NAME):
                (out_dir / stale).unlink(missing_ok=True)
            return True
    return False


def stored_result(
    out_dir: Path, identity: Mapping[str, Any],
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> TrainResult | None:
    """This run's stored result (wall_seconds 0) if ``out_dir`` holds it, else None."""
    path = out_dir / RESULT_NAME
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    check_same_run(identity, stored, path, defaults)
    return dataclasses.replace(TrainResult.from_dict(stored), wall_seconds=0.0)


# --------------------------------------------------------------------------------------------
# After training


def load_best_model(
    out_dir: str | os.PathLike,
    *,
    builder: Callable[..., nn.Module] | None = None,
    device: str | torch.device = "cpu",
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the best model of a run (``builder(**model_config)``) in eval mode on ``device``.

    Returns the model and the rest of ``best.pt`` (model_config, train_config, epoch, val_loss).
    Without ``builder``: :func:`miscaling.models.build_model` of the stored ModelConfig.
    """
    device = resolve_device(device)
    payload = torch.load(Path(out_dir) / BEST_NAME, map_location="cpu", weights_only=True)
    if builder is None:
        from miscaling.models import ModelConfig, build_model
        model = build_model(ModelConfig.from_dict(payload["model_config"]))
    else:
        model = builder(**payload["model_config"])
    model.load_state_dict(payload.pop("model_state"))
    return model.to(device).eval(), payload
