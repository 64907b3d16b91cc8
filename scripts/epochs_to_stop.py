#!/usr/bin/env python
"""Add finished trainings to the measured epochs to the early stop (miscaling.plan.cost).

    PYTHONPATH=workflow python scripts/epochs_to_stop.py RUN_DIR [RUN_DIR ...] [--level char]
    PYTHONPATH=workflow python scripts/epochs_to_stop.py RUN_DIR --dry-run   # print the rows

A RUN_DIR is a ``miscaling train --out-dir`` folder whose ``result.json`` says the training
stopped early (a run that reached its maximum or was cut by a time limit measures no stop and
is refused, named).  Binary runs are recognised by their 2-D data; a language model's level
must be given.  Rows go to ``workflow/miscaling/plan/epochs_to_stop.csv``, whose largest count
per (arch, level) the GPU-hours tables use; then ``scripts/gpu_cost.py --readme``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["arch", "level", "width", "depth", "seed", "epochs_run", "best_epoch", "max_epochs",
          "patience", "train_shape", "device", "torch", "date"]


def run_row(run: Path, level: str | None, device: str | None) -> dict:
    """The table's row of one finished run; ValueError naming the run if it measures no stop."""
    path = run / "result.json"
    if not path.is_file():
        raise ValueError(f"{run}: no result.json (the training did not finish)")
    result = json.loads(path.read_text())
    if not result.get("stopped_early"):
        raise ValueError(f"{path}: stopped_early is false (it ran to its maximum of "
                         f"{result['train_config']['max_epochs']} epochs): no early stop measured")
    shape = result["data"]["train"]["shape"]
    if len(shape) == 2:
        level = "binary"
    elif level is None:
        raise ValueError(f"{path}: a language model's run: give its --level (char or word)")
    model, train = result["model_config"], result["train_config"]
    return {"arch": model["arch"], "level": level, "width": model["width"],
            "depth": model["depth"], "seed": result["seed"], "epochs_run": result["epochs_run"],
            "best_epoch": result["best_epoch"], "max_epochs": train["max_epochs"],
            "patience": train["patience"], "train_shape": "x".join(map(str, shape)),
            "device": device or result["device"], "torch": result["torch_version"],
            "date": datetime.date.today().isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--level", choices=("char", "word"), default=None,
                        help="the level of language-model runs (binary runs are recognised)")
    parser.add_argument("--device", default=None,
                        help="describe the device (default: result.json's, e.g. 'cpu')")
    parser.add_argument("--table", type=Path,
                        default=ROOT / "workflow/miscaling/plan/epochs_to_stop.csv")
    parser.add_argument("--dry-run", action="store_true", help="print the rows, write nothing")
    args = parser.parse_args()
    try:  # every run checked before anything is written
        rows = [run_row(run, args.level, args.device) for run in args.runs]
    except (ValueError, KeyError) as error:
        sys.exit(f"error: {error}")
    if args.dry_run:
        writer = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    with open(args.table, "a", newline="") as handle:
        csv.DictWriter(handle, FIELDS, lineterminator="\n").writerows(rows)
    print(f"{len(rows)} row(s) added to {args.table}")


if __name__ == "__main__":
    main()
