"""What a configuration costs on one H200: every model's restarts × epochs × epoch time, plus
its sampling, summed per family and architecture (the README's GPU-hours table,
``scripts/gpu_cost.py``); I(τ), fits and figures run on the CPU cores beside it.  Epochs are the
measured epochs to the early stop where known (:data:`EPOCHS_TO_STOP`), else the configured
maximum: an upper bound, and each row says which.  Epoch and sampling times are
:mod:`miscaling.plan.resources`' GPU rates; docs/METHODS.md §9.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from types import SimpleNamespace

from miscaling.plan.outputs import Plan
from miscaling.plan.resources import Resources

__all__ = ["EPOCHS_TO_STOP", "ModelCost", "costs", "cost_table"]

#: Epochs a training runs before its early stop, per (arch, level), measured on one H200 with
#: the paper's recipe on all of WikiText-2 (docs/FINDINGS.md, "Paper scale on a GPU"): the
#: char LSTM 1024 x 1 stopped at epoch 13 (best epoch 8).  Families without a measurement are
#: costed at their maximum epochs.
EPOCHS_TO_STOP = {("lstm", "char"): 13}


@dataclass(frozen=True)
class ModelCost:
    """One model's GPU time: ``restarts`` trainings of ``epochs`` epochs (``epochs_kind``:
    measured, the recipe's fixed count, or a bound) and its sample sets."""

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

    @property
    def train_hours(self) -> float:
        return self.restarts * self.epochs * self.epoch_seconds / 3600

    @property
    def sample_hours(self) -> float:
        return self.sample_sets * self.sample_seconds / 3600

    @property
    def hours(self) -> float:
        return self.train_hours + self.sample_hours


def _epochs(resources: Resources, model) -> tuple[int, str]:
    most = resources.max_epochs(model)
    if resources.patience(model) is None:
        return most, "fixed"  # no early stopping: every epoch runs
    measured = EPOCHS_TO_STOP.get((model.arch, model.level))
    if measured is not None and measured <= most:
        return measured, "measured"
    return most, "bound"


def costs(config: dict) -> list[ModelCost]:
    """Every model of a validated ``config``, costed at the GPU rates."""
    config = copy.deepcopy(config)
    config["runtime_estimates"] = "gpu"
    plan = Plan(config)
    resources = Resources(plan)
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
                resources.gpu_sample_seconds(wildcards)))
    return rows


def cost_table(config: dict) -> str:
    """A Markdown table of GPU hours per family and architecture, with the total."""
    rows = costs(config)
    groups: dict[tuple[str, str], list[ModelCost]] = {}
    for row in rows:
        groups.setdefault((row.family, row.arch), []).append(row)
    lines = ["| family | arch | models | trainings | epochs (kind) | train h | samples h | "
             "total h |", "|---|---|---|---|---|---|---|---|"]
    for (family, arch), group in groups.items():
        kinds = sorted({r.epochs_kind for r in group})
        epochs = sorted({r.epochs for r in group})
        span = f"{epochs[0]}" if len(epochs) == 1 else f"{epochs[0]}–{epochs[-1]}"
        lines.append(
            f"| {family} | {arch} | {len(group)} | {sum(r.restarts for r in group)} | "
            f"{span} ({', '.join(kinds)}) | {sum(r.train_hours for r in group):.2f} | "
            f"{sum(r.sample_hours for r in group):.2f} | {sum(r.hours for r in group):.2f} |")
    lines.append(f"| **all** | | {len(rows)} | {sum(r.restarts for r in rows)} | | "
                 f"{sum(r.train_hours for r in rows):.2f} | "
                 f"{sum(r.sample_hours for r in rows):.2f} | "
                 f"**{sum(r.hours for r in rows):.2f}** |")
    return "\n".join(lines)
