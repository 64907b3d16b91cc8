#!/usr/bin/env python
"""The numbers of a GPU session (benchmarks/gpu/session.sh) as one Markdown page.

    PYTHONPATH=workflow python benchmarks/gpu/summarize.py FOLDER > summary.md

FOLDER holds what the session kept: ``text_scale.json`` (bench_text_scale.py: steady-state
rates per precision, trainer and bare loop), ``ssm.jsonl`` (bench_ssm.py --out), ``stop/<run>/``
(``log.csv`` and, where the training ended by itself, ``result.json``) and ``steps.txt`` (the
Snakemake run's wall time per step).  Every part is optional: a session cut by its time limit is
summarised as far as it got.  The last section proposes the cost model's constants
(``GPU_TRAIN_REFERENCE`` in miscaling/plan/resources.py) from these measurements, at the
precision each recipe trains in, and the command that adds the early-stopped runs to the
measured epochs to the stop (scripts/epochs_to_stop.py).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd

#: The goal of issue 19: the trainer's loop at least this fraction of a bare loop's rate.
TRAINER_GOAL = 0.9


def recipe_precision(arch: str, level: str) -> str:
    """The precision a recipe trains in on CUDA (bench_text_scale.py's names)."""
    from miscaling.recipes import paper_config

    config = paper_config(arch, level).on_device("cuda")
    return {(False, False): "fp32", (True, False): "tf32", (False, True): "bf16",
            (True, True): "bf16+tf32"}[config.tf32, config.mixed_precision]


def _number(value, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def text_section(rows: list[dict]) -> list[str]:
    lines = ["## Language models at paper width (bench_text_scale.py, steady state)", "",
             f"Device: {rows[0]['device']}. × fp32: the trainer's rate over its fp32 rate; "
             f"trainer/bare: against a bare loop of the same model and precision (goal "
             f"≥ {TRAINER_GOAL}); ✓ marks the recipe's precision.", "",
             "| family | width × depth | precision | trainer tok/s | × fp32 | bare tok/s | "
             "trainer/bare | epoch s | compiled tok/s (× bare) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        adopted = " ✓" if row["precision"] == recipe_precision(row["arch"], row["level"]) else ""
        below = " **below goal**" if row["trainer_vs_bare"] < TRAINER_GOAL else ""
        compiled = row.get("compiled_tok_s")
        compiled_text = (f"{_number(compiled)} ({compiled / row['bare_tok_s']:.2f}×)"
                         if compiled else "–")
        lines.append(
            f"| {row['family']} | {row['width']} × {row['depth']} | {row['precision']}{adopted} "
            f"| {_number(row['trainer_tok_s'])} | {_number(row['vs_fp32'], 2)} | "
            f"{_number(row['bare_tok_s'])} | {row['trainer_vs_bare']:.2f}{below} | "
            f"{row['epoch_s']:.1f} | {compiled_text} |")
    return lines


def ssm_section(rows: list[dict]) -> list[str]:
    lines = ["## The selective SSM (bench_ssm.py)", ""]
    models = [row for row in rows if row["table"] == "models"]
    if models:
        lines += ["| device | batch × length | model | width × depth | state | train tok/s | "
                  "× LSTM | sample tok/s | × LSTM |", "|---|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['device']} | {r['batch']} × {r['length']} | {r['name']} | "
                  f"{r['width']} × {r['depth']} | {r['state']} | {_number(r['train_tok_s'])} | "
                  f"{_number(r['train_vs_lstm'], 2)} | {_number(r['sample_tok_s'])} | "
                  f"{_number(r['sample_vs_lstm'], 2)} |" for r in models]
    scans = [row for row in rows if row["table"] == "scans"]
    if scans:
        lines += ["", "| device | batch × length | scan | fwd+bwd ms | train tok/s | ops/step |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['device']} | {r['batch']} × {r['length']} | {r['scan']} | "
                  f"{r['ms']:.2f} | {_number(r['train_tok_s'])} | "
                  f"{r['ops_per_step'] or '–'} |" for r in scans]
    return lines


def stop_runs(folder: Path) -> list[dict]:
    """One row per training of the stop stage: epochs run, best epoch, whether it stopped by
    itself (else it was cut at the limit: its epochs are a lower bound), seconds per epoch."""
    runs = []
    for run in sorted(path for path in (folder / "stop").glob("*") if path.is_dir()):
        if not (run / "log.csv").is_file():
            continue
        log = pd.read_csv(run / "log.csv")
        if log.empty:
            continue
        result = (json.loads((run / "result.json").read_text())
                  if (run / "result.json").is_file() else None)
        level, arch = run.name.split("_")[:2]
        width, depth = (int(part[1:]) for part in run.name.split("_")[2:4])
        steady = log["seconds"].iloc[1:] if len(log) > 1 else log["seconds"]
        runs.append({
            "run": run.name, "level": level, "arch": arch, "width": width, "depth": depth,
            "epochs": int(log["epoch"].iloc[-1]),
            "best_epoch": int(log.loc[log["val_loss"].idxmin(), "epoch"]),
            "best_val_loss": float(log["val_loss"].min()),
            "ended": "early stop" if result and result.get("stopped_early") else
                     ("max epochs" if result else "cut at the limit"),
            "epoch_seconds": float(steady.median()),
            "tokens_per_s": float(log["tokens_per_s"].iloc[1:].median()
                                  if len(log) > 1 else log["tokens_per_s"].iloc[0])})
    return runs


def stop_section(runs: list[dict]) -> list[str]:
    lines = ["## Epochs to the early stop (paper recipes)", "",
             "| run | epochs | best epoch | best val loss | ended | s / epoch | tok/s |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['run']} | {r['epochs']}{'+' if r['ended'] == 'cut at the limit' else ''} | "
              f"{r['best_epoch']} | {r['best_val_loss']:.4f} | {r['ended']} | "
              f"{r['epoch_seconds']:.2f} | {_number(r['tokens_per_s'])} |" for r in runs]
    return lines


def proposals(text_rows: list[dict], runs: list[dict]) -> list[str]:
    """Python lines for the cost model: the text references at the recipe's precision (the
    fastest measured model of each (arch, level) is not what matters: the widest is, as the
    cost scales down from it), the binary ones from the stop stage's epoch rates (validation
    included: they err long), and the measured epochs to the early stop."""
    from miscaling.recipes import paper_config

    lines = ["## Proposed cost-model constants", "",
             "Measured, to replace the estimates in `GPU_TRAIN_REFERENCE` "
             "(miscaling/plan/resources.py):", "", "```python"]
    widest: dict[tuple[str, str], dict] = {}
    for row in text_rows:
        if row["precision"] != recipe_precision(row["arch"], row["level"]):
            continue
        key = (row["arch"], row["level"])
        size = row["width"] ** 2 * row["depth"]
        if key not in widest or size > widest[key]["width"] ** 2 * widest[key]["depth"]:
            widest[key] = row
    for (arch, level), row in sorted(widest.items()):
        recipe = paper_config(arch, level)
        lines.append(f"(\"{arch}\", \"{level}\"): ({row['width']}, {row['depth']}, "
                     f"{recipe.batch_size} * {recipe.bptt}, 1e6 / {round(row['trainer_tok_s'])}),"
                     f"  # {row['precision']}, steady state")
    for run in runs:
        if run["level"] == "binary":
            recipe = paper_config(run["arch"], "binary")
            lines.append(f"(\"{run['arch']}\", \"binary\"): ({run['width']}, {run['depth']}, "
                         f"{recipe.batch_size} * 512, 1e6 / {round(run['tokens_per_s'])}),"
                         f"  # epoch rate of the stop run")
    lines.append("```")
    stopped = [r for r in runs if r["ended"] == "early stop"]
    if stopped:
        lines += ["", "The epochs to the early stop (`EPOCHS_TO_STOP`, from the table of measured "
                  "runs): from the folder `session.tar.gz` unpacks to,", "", "```",
                  "PYTHONPATH=workflow python scripts/epochs_to_stop.py --device 'GPU' "
                  + " ".join(f"stop/{r['run']}" for r in stopped)
                  + (" --level LEVEL" if any(r["level"] != "binary" for r in stopped) else ""),
                  "PYTHONPATH=workflow python scripts/gpu_cost.py --readme", "```"]
    cut = {(r["arch"], r["level"]): r["epochs"] for r in runs if r["ended"] == "cut at the limit"}
    if cut:
        lines += ["", f"Cut at the limit (at least this many epochs): {cut!r}"]
    return lines


def summary(folder: Path) -> str:
    """The whole page for a session folder."""
    lines = [f"# GPU session: {folder}", ""]
    text_rows = (json.loads((folder / "text_scale.json").read_text())
                 if (folder / "text_scale.json").is_file() else [])
    if text_rows:
        lines += text_section(text_rows) + [""]
    if (folder / "ssm.jsonl").is_file():
        rows = [json.loads(line) for line in (folder / "ssm.jsonl").read_text().splitlines()
                if line.strip()]
        if rows:
            lines += ssm_section(rows) + [""]
    runs = stop_runs(folder)
    if runs:
        lines += stop_section(runs) + [""]
    if (folder / "steps.txt").is_file():
        lines += ["## The Snakemake run (wall time per step)", "", "```",
                  (folder / "steps.txt").read_text().rstrip(), "```", ""]
    if text_rows or runs:
        lines += proposals(text_rows, runs) + [""]
    if len(lines) == 2:
        lines.append("Nothing measured yet.")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        raise SystemExit("usage: summarize.py FOLDER (a GPU session's kept files)")
    print(summary(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
