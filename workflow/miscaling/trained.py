"""A selected training run as a typed record: which model it trained and how it trained.

:func:`read_trained_model` is the one reader of a selection file (``miscaling select``) and the
run's ``result.json``; the summaries read :class:`TrainedModel` records, not the run folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The levels a trained language model reads and writes.
LEVELS = ("char", "word")


@dataclass(frozen=True)
class TrainedModel:
    """A trained model: its ``level`` (char or word), ``arch``, ``width`` and ``depth``, its best
    validation loss (nats per symbol of its level), parameters, training time and epochs run
    (None where its run does not say)."""

    level: str
    arch: str
    width: int
    depth: int
    val_loss_nats: float
    num_parameters: int
    train_seconds: float
    epochs_run: int | None = None

    @classmethod
    def from_result(cls, level: str, result: dict[str, Any]) -> TrainedModel:
        """The record of a run's ``result.json`` (as :func:`miscaling.train.train` writes it)."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {sorted(LEVELS)}, got {level!r}")
        missing = [k for k in ("best_val_loss", "num_parameters", "total_seconds",
                               "model_config") if k not in result]
        if missing:
            raise ValueError(f"the training result lacks {missing} (a result.json of `miscaling "
                             f"train` has them)")
        config = result["model_config"]
        return cls(level, config["arch"], int(config["width"]), int(config["depth"]),
                   float(result["best_val_loss"]), int(result["num_parameters"]),
                   float(result["total_seconds"]), result.get("epochs_run"))


def read_trained_model(level: str, selection: str) -> TrainedModel:
    """The record of the run that ``selection`` (a ``miscaling select`` file, or a run folder)
    names; where the folder above it is a model name (lstm_w64_d1), the run must have trained
    that model."""
    import json

    from miscaling.checkpoint import RESULT_NAME
    from miscaling.plan.names import parse_model_name
    from miscaling.selection import resolve_run_dir

    path = resolve_run_dir(selection) / RESULT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} (named by {selection!r}) does not exist")
    model = TrainedModel.from_result(level, json.loads(path.read_text()))
    folder = Path(selection).parent if str(selection).endswith(".json") else Path(selection)
    for name in (folder.name, folder.parent.name):  # the model folder, or a run's seed folder
        try:
            named = parse_model_name(name)
        except ValueError:
            continue
        trained = (model.arch, model.width, model.depth)
        if named != trained:
            raise ValueError(f"{str(path)!r} trained {trained[0]} width {trained[1]} depth "
                             f"{trained[2]}, but its folder {str(folder)!r} names {name!r}")
        break
    return model
