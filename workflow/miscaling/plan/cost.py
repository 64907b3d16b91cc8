"""What a configuration costs on one H200: every model's restarts × epochs × epoch time, plus
its sampling and the bipartite scoring (of its samples, and of the data by each architecture's
best model), summed per family and architecture (the README's GPU-hours table,
``scripts/gpu_cost.py``); I(τ), fits and figures run on the CPU cores beside it.  Epochs are the
measured epochs to the early stop where known (:data:`EPOCHS_TO_STOP`), else the configured
maximum: an upper bound, and each row says which.  Epoch, sampling and scoring
times are :mod:`miscaling.plan.resources`' GPU rates; docs/METHODS.md §9.
"""

from __future__ import annotations

import copy
import csv
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from miscaling.plan.outputs import Plan
from miscaling.plan.resources import Resources

__all__ = ["EPOCHS_TABLE", "EPOCHS_TO_STOP", "ModelCost", "cost_table", "costs",
           "data_scoring_hours", "measured_epochs", "total_hours"]

#: Trainings run to their early stop with a preset's recipe on its full data, one row each
#: (``scripts/epochs_to_stop.py`` adds a finished run).  The count is the recipe's, not the
#: device's (the same recipe, data and seed follow the same losses up to rounding, so they stop
#: at about the same epoch); the device sets only the time per epoch.  docs/FINDINGS.md,
#: "Paper scale on a GPU".
EPOCHS_TABLE = Path(__file__).with_name("epochs_to_stop.csv")


def measured_epochs(path: Path = EPOCHS_TABLE) -> dict[tuple[str, str], int]:
    """{(arch, level): the most epochs any measured training of it ran before its early stop}:
    the count a family's every model and restart is costed at (its widest, its seeds: the
    largest seen, so the cost errs long)."""
    most: dict[tuple[str, str], int] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["arch"], row["level"])
            most[key] = max(most.get(key, 0), int(row["epochs_run"]))
    return most


#: Epochs to the early stop per (arch, level), from :data:`EPOCHS_TABLE`; families without a
#: measurement are costed at their maximum epochs.
EPOCHS_TO_STOP = measured_epochs()


@dataclass(frozen=True)
class ModelCost:
    """One model's GPU time: ``restarts`` trainings of ``epochs`` epochs (``epochs_kind``:
    measured, the recipe's fixed count, or a bound), its sample sets and the bipartite scoring
    of its samples (0 where bipartite is off)."""

    family: str
    arch: str
    width: int
    depth: int
    restarts: int
    epochs: int
    epochs_kind: str
    epoch_seconds: float
    sample_sets: int
    sample_seconds: float
    bipartite_seconds: float = 0.0

    @property
    def train_hours(self) -> float:
        return self.restarts * self.epochs * self.epoch_seconds / 3600

    @property
    def sample_hours(self) -> float:
        return self.sample_sets * self.sample_seconds / 3600

    @property
    def bipartite_hours(self) -> float:
        return self.bipartite_seconds / 3600

    @property
    def hours(self) -> float:
        return self.train_hours + self.sample_hours + self.bipartite_hours


def _epochs(resources: Resources, model) -> tuple[int, str]:
    most = resources.max_epochs(model)
    if resources.patience(model) is None:
        return most, "fixed"  # no early stopping: every epoch runs
    measured = EPOCHS_TO_STOP.get((model.arch, model.level))
    if measured is not None and measured <= most:
        return measured, "measured"
    return most, "bound"


def _gpu_plan(config: dict) -> tuple[Plan, Resources]:
    config = copy.deepcopy(config)
    config["runtime_estimates"] = "gpu"
    plan = Plan(config)
    return plan, Resources(plan)


def costs(config: dict) -> list[ModelCost]:
    """Every model of a validated ``config``, costed at the GPU rates."""
    return _model_costs(*_gpu_plan(config))


def data_scoring_hours(config: dict) -> dict[tuple[str, str], float]:
    """{(family, arch): GPU hours} of the bipartite scoring of each family's held-out data by
    the architecture's best model (chosen at run time: costed at its costliest model)."""
    return _data_scoring_hours(*_gpu_plan(config))


def total_hours(config: dict) -> float:
    """The whole configuration's GPU hours: every model, and the data's bipartite scoring."""
    plan, resources = _gpu_plan(config)
    return (sum(row.hours for row in _model_costs(plan, resources))
            + sum(_data_scoring_hours(plan, resources).values()))


def _model_costs(plan: Plan, resources: Resources) -> list[ModelCost]:
    scored = plan.bipartite_families()
    rows = []
    for family in ["binary", *plan.text_families()]:
        for model in plan.family_models(family):
            wildcards = SimpleNamespace(family=family, arch=model.arch, width=str(model.width),
                                        depth=str(model.depth))
            epochs, kind = _epochs(resources, model)
            restarts = plan.restarts(family, model.arch)
            spread = plan.seed_spread_enabled(family) and restarts > 1
            rows.append(ModelCost(
                family, model.arch, model.width, model.depth, restarts, epochs, kind,
                resources.epoch_symbols(model)
                * resources.gpu_microseconds_per_symbol(wildcards) * 1e-6,
                1 + (restarts if spread else 0),
                resources.gpu_sample_seconds(wildcards),
                resources.bipartite_seconds(wildcards) if family in scored else 0.0))
    return rows


def _data_scoring_hours(plan: Plan, resources: Resources) -> dict[tuple[str, str], float]:
    return {(family, name.removeprefix("best_")): resources.bipartite_seconds(SimpleNamespace(
        family=family, arch=name.removeprefix("best_"))) / 3600
        for family, source, name in plan.bipartite_jobs() if source == "data"}


def cost_table(config: dict) -> str:
    """A Markdown table of GPU hours per family and architecture, with the total."""
    plan, resources = _gpu_plan(config)
    rows = _model_costs(plan, resources)
    scoring = _data_scoring_hours(plan, resources)
    groups: dict[tuple[str, str], list[ModelCost]] = {}
    for row in rows:
        groups.setdefault((row.family, row.arch), []).append(row)
    lines = ["| family | arch | models | trainings | epochs (kind) | train h | samples h | "
             "bipartite h | total h |", "|---|---|---|---|---|---|---|---|---|"]
    for (family, arch), group in groups.items():
        kinds = sorted({r.epochs_kind for r in group})
        epochs = sorted({r.epochs for r in group})
        span = f"{epochs[0]}" if len(epochs) == 1 else f"{epochs[0]}–{epochs[-1]}"
        bipartite = sum(r.bipartite_hours for r in group) + scoring.get((family, arch), 0.0)
        lines.append(
            f"| {family} | {arch} | {len(group)} | {sum(r.restarts for r in group)} | "
            f"{span} ({', '.join(kinds)}) | {sum(r.train_hours for r in group):.2f} | "
            f"{sum(r.sample_hours for r in group):.2f} | {bipartite:.2f} | "
            f"{sum(r.hours for r in group) + scoring.get((family, arch), 0.0):.2f} |")
    bipartite = sum(r.bipartite_hours for r in rows) + sum(scoring.values())
    lines.append(f"| **all** | | {len(rows)} | {sum(r.restarts for r in rows)} | | "
                 f"{sum(r.train_hours for r in rows):.2f} | "
                 f"{sum(r.sample_hours for r in rows):.2f} | {bipartite:.2f} | "
                 f"**{sum(r.hours for r in rows) + sum(scoring.values()):.2f}** |")
    return "\n".join(lines)
