"""The estimator's settings: one frozen, validated record of what made an I(τ) table.

:class:`EstimatorConfig` holds every option that changes the numbers of an I(τ) table (the
entropy estimator, the shuffle baseline, the resampling interval, the seed and the backend)
and nothing about how the work is executed (threads, the torch device, whether the replicate
curves are returned).  :func:`miscaling.mi.mutual_information` writes it into its table as
constant columns after the measured ones, so that ``EstimatorConfig.from_table(table)``
rebuilds the config that made a table, also after a round trip through CSV or Parquet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from miscaling.settings import Settings, choice, integer, number

from .entropy import ESTIMATORS
from .resample import RESAMPLING, SHUFFLE_SCOPES

__all__ = ["BACKENDS", "EstimatorConfig"]

BACKENDS: tuple[str, ...] = ("numpy", "torch", "auto")


@dataclass(frozen=True)
class EstimatorConfig(Settings):
    """Settings of :func:`miscaling.mi.mutual_information` (see its docstring for each one).

    ``estimator``: one of :data:`~miscaling.mi.entropy.ESTIMATORS` (paper: ``"grassberger"``,
    Eq. 53); ``shuffles``/``shuffle_scope``: the shuffle baseline; ``within_shuffles``: the
    second floor, shuffled inside each sequence, beside a global baseline; ``bootstrap``,
    ``resampling``, ``confidence``, ``block_length``: the resampling interval; ``seed``: seeds
    all of them (``None``: fresh entropy); ``backend``: ``"numpy"``, ``"torch"`` or ``"auto"``
    as requested (the one used is ``df.attrs["backend"]``).
    """

    # Tables written before these fields existed were made with these values.
    ADDED_LATER: ClassVar[dict[str, Any]] = {"within_shuffles": 0}

    estimator: str = choice("grassberger", ESTIMATORS)
    shuffles: int = integer(0, ge=0)
    shuffle_scope: str = choice("global", SHUFFLE_SCOPES)
    within_shuffles: int = integer(0, ge=0)
    bootstrap: int = integer(0, ge=0)
    resampling: str = choice("half", RESAMPLING)
    confidence: float = number(0.95, gt=0, lt=1)
    block_length: int | None = integer(None, ge=1, optional=True)
    seed: int | None = integer(0, ge=0, optional=True)
    backend: str = choice("numpy", BACKENDS)

    def conflicts(self) -> list[str]:
        """The within floor is a second floor beside a global baseline, never a copy of it."""
        if self.shuffle_scope == "within" and self.within_shuffles:
            return [f"within_shuffles={self.within_shuffles} with shuffle_scope='within': the "
                    "within floor (baseline_within) is the second floor beside the global one, "
                    "and with shuffle_scope='within' baseline would already be it; set "
                    "shuffle_scope='global' or within_shuffles=0"]
        return []
