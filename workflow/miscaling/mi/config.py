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
from numbers import Real
from typing import Any, ClassVar

from miscaling.settings import Settings, check_int, problems_error

from .entropy import ESTIMATORS
from .resample import RESAMPLING, SHUFFLE_SCOPES

__all__ = ["BACKENDS", "EstimatorConfig", "check_count"]

BACKENDS: tuple[str, ...] = ("numpy", "torch", "auto")


def _unknown(name: str, value: Any, choices: tuple[str, ...]) -> list[str]:
    if value in choices:
        return []
    return [f"unknown {name} {value!r}; expected one of {', '.join(choices)}"]


def check_count(name: str, value: Any, minimum: int, *, optional: bool = False) -> list[str]:
    """:func:`miscaling.settings.check_int` with the estimator's wording of the problem."""
    if not check_int(name, value, minimum, optional=optional):
        return []
    kind = "None or an integer" if optional else "an integer"
    return [f"{name} must be {kind} >= {minimum}, got {value!r}"]


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

    estimator: str = "grassberger"
    shuffles: int = 0
    shuffle_scope: str = "global"
    within_shuffles: int = 0
    bootstrap: int = 0
    resampling: str = "half"
    confidence: float = 0.95
    block_length: int | None = None
    seed: int | None = 0
    backend: str = "numpy"

    def __post_init__(self) -> None:
        confidence_ok = (isinstance(self.confidence, Real) and not isinstance(self.confidence, bool)
                         and 0.0 < self.confidence < 1.0)
        problems_error("EstimatorConfig", [
            *_unknown("estimator", self.estimator, ESTIMATORS),
            *_unknown("shuffle_scope", self.shuffle_scope, SHUFFLE_SCOPES),
            *_unknown("resampling", self.resampling, RESAMPLING),
            *_unknown("backend", self.backend, BACKENDS),
            *check_count("shuffles", self.shuffles, 0),
            *check_count("within_shuffles", self.within_shuffles, 0),
            *self._floor_problems(),
            *check_count("bootstrap", self.bootstrap, 0),
            *([] if confidence_ok else [f"confidence must be in (0, 1), got {self.confidence!r}"]),
            *check_count("block_length", self.block_length, 1, optional=True),
            *check_count("seed", self.seed, 0, optional=True),
        ])
        # plain Python numbers, so that a config equals its round trip through a table or JSON
        for name in ("shuffles", "within_shuffles", "bootstrap", "block_length", "seed"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else int(value))
        object.__setattr__(self, "confidence", float(self.confidence))

    def _floor_problems(self) -> list[str]:
        """The within floor is a second floor beside a global baseline, never a copy of it."""
        if self.shuffle_scope == "within" and not check_int("within_shuffles",
                                                            self.within_shuffles, 1):
            return [f"within_shuffles={self.within_shuffles} with shuffle_scope='within': the "
                    "within floor (baseline_within) is the second floor beside the global one, "
                    "and with shuffle_scope='within' baseline would already be it; set "
                    "shuffle_scope='global' or within_shuffles=0"]
        return []
