"""Choosing among restarts: the run with the lowest validation loss, and finding it again.

The paper trains several restarts of each model (Appendix E) and generates samples from the best
one.  :func:`select_best` compares finished runs of :func:`miscaling.train.train`; its result,
saved as a selection file (JSON), names the chosen run folder, and :func:`resolve_run_dir` turns
either a selection file or a run folder back into the run folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from miscaling.checkpoint import BEST_NAME, RESULT_NAME, CheckpointError, check_same_run


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


def resolve_run_dir(model: str | os.PathLike) -> Path:
    """The run folder that ``model`` names: a selection file's ``best_dir``, a run's own
    ``result.json`` (one restart, e.g. to measure the spread between seeds), or the folder.

    A selection file is a file written from :func:`select_best`'s result; anything else is taken
    as a run folder, which must exist.
    """
    path = Path(model)
    if path.is_file() and path.name == RESULT_NAME:
        return path.parent
    if path.is_file():
        try:
            return Path(json.loads(path.read_text())["best_dir"])
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{str(path)!r} is not a selection file (JSON with 'best_dir', as "
                             f"`miscaling select` writes): {type(err).__name__}: {err}") from None
    if not path.is_dir():
        raise FileNotFoundError(f"{str(path)!r} is neither a selection file nor a run folder")
    return path
