"""How far ξ moves between training seeds: every restart of a model sampled and fitted, the
relative spread pooled over a family's models.

A model's ξ in the claims is one sample set of its best restart, so its interval holds the
estimator's noise and not the seed's.  Where a run samples every restart (``seed_spread`` in the
config), the pooled spread is measured; elsewhere :data:`FALLBACK` (the binary models' restarts
of a default run) stands in, and the claims say so.  Pooling and widening: docs/METHODS.md §6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.io import require_columns

__all__ = ["FALLBACK", "RESTART_COLUMNS", "SeedSpread", "pooled_models", "pooled_spread",
           "restart_table", "restart_xi"]

#: One row per model and restart: its ξ with the 95% interval of its own samples.
RESTART_COLUMNS = ["restart", "xi", "xi_ci_low", "xi_ci_high"]


@dataclass(frozen=True)
class SeedSpread:
    """The sd of ξ between training seeds relative to ξ, pooled over ``models`` models with
    ``degrees`` degrees of freedom (Σ restarts − 1) of ``source``'s restarts; ``measured``:
    on the very models it widens (else it stands in for their unknown spread)."""

    relative_sd: float
    models: int
    degrees: int
    source: str
    measured: bool
    #: Why the models' own spread is unknown (where ``measured`` is False).
    unknown: str = "one restart per model sampled"

    def note(self) -> str:
        """What a claim comparing models says about the seed spread behind its intervals."""
        spread = (f"sd {self.relative_sd:.0%} of xi pooled over {self.models} models' "
                  f"restarts of {self.source}")
        if self.measured:
            return (f"xi intervals widened by the spread between training seeds ({spread}); "
                    f"other quantities' intervals hold the estimator's noise only")
        return (f"{self.unknown}, so the spread between training seeds is unknown: xi "
                f"intervals widened by the {spread}; other quantities' intervals hold the "
                f"estimator's noise only")

    def as_columns(self) -> dict:
        """The model-table columns that record which spread widened a row's ξ."""
        return {"xi_seed_sd": self.relative_sd, "xi_seed_sd_models": self.models,
                "xi_seed_sd_degrees": self.degrees, "xi_seed_sd_source": self.source,
                "xi_seed_sd_measured": self.measured,
                "xi_seed_sd_unknown": "" if self.measured else self.unknown}

    def standing_in(self, unknown: str = "one restart per model sampled") -> SeedSpread:
        """This spread as the stand-in for models whose own spread is ``unknown``."""
        return SeedSpread(self.relative_sd, self.models, self.degrees, self.source, False,
                          unknown)

    @classmethod
    def from_row(cls, row) -> SeedSpread:
        """The spread a model-table row records (:data:`FALLBACK` for tables without it)."""
        value = row.get("xi_seed_sd")
        if value is None or not np.isfinite(float(value)):
            return FALLBACK
        unknown = row.get("xi_seed_sd_unknown")
        return cls(float(value), int(row.get("xi_seed_sd_models", 0)),
                   int(row.get("xi_seed_sd_degrees", 0)),
                   str(row.get("xi_seed_sd_source", "")),
                   str(row.get("xi_seed_sd_measured")) == "True",  # bool, or its CSV text
                   unknown if isinstance(unknown, str) and unknown else FALLBACK.unknown)


#: The binary RNN/LSTM models of the default run of 2026-12-04, 2 restarts each
#: (``benchmarks/bench_seed_spread.py``, ``benchmarks/RESULTS.md``): the root mean square of
#: the 14 models' sd/mean.
FALLBACK = SeedSpread(0.29, 14, 14, "a default run's binary models (2026-12-04)",
                      measured=False)


def restart_xi(fits: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per model (``keys``) and restart: ξ of the exponential fit with its interval,
    from the fit tables of every restart's samples (labelled ``keys`` and ``restart``)."""
    require_columns(fits, [*keys, "restart", "model", "parameter", "value", "ci_low",
                           "ci_high"], "restart fit table")
    pick = fits[(fits["model"] == "exponential") & (fits["parameter"] == "xi")]
    out = pick[[*keys, "restart", "value", "ci_low", "ci_high"]].rename(
        columns={"value": "xi", "ci_low": "xi_ci_low", "ci_high": "xi_ci_high"})
    repeated = out.duplicated([*keys, "restart"])
    if repeated.any():
        first = out[repeated].iloc[0]
        raise ValueError(f"restart fit tables: model {dict(first[[*keys, 'restart']])} "
                         f"appears more than once")
    out = out.assign(restart=out["restart"].astype(int))
    return out.sort_values([*keys, "restart"]).reset_index(drop=True)


def restart_table(fits: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
    """:func:`restart_xi` of ``fits`` (labelled ``corpus`` too where they are); empty, with
    those columns, where no restart was fitted (``fits`` None)."""
    if fits is None:
        return pd.DataFrame(columns=[*keys, *RESTART_COLUMNS])
    return restart_xi(fits, [k for k in ("corpus", *keys) if k in fits])


def pooled_models(restarts: pd.DataFrame, keys: list[str]) -> dict[tuple[str, ...], np.ndarray]:
    """The models (their ``keys`` as text) with two or more restarts of a fitted, positive ξ,
    and those ξ: what :func:`pooled_spread` pools."""
    models = {}
    for key, group in restarts.groupby(keys, sort=True):
        xi = group["xi"].to_numpy(float)
        xi = xi[np.isfinite(xi) & (xi > 0)]
        if xi.size >= 2:
            models[tuple(str(v) for v in (key if isinstance(key, tuple) else (key,)))] = xi
    return models


def pooled_spread(restarts: pd.DataFrame, keys: list[str], source: str) -> SeedSpread | None:
    """The pooled relative sd of ξ between restarts: √(Σ (k−1)·s²/x̄² / Σ (k−1)) over the
    models with k ≥ 2 finite ξ (:func:`pooled_models`); None when no model has two."""
    models = pooled_models(restarts, keys).values()
    degrees = sum(xi.size - 1 for xi in models)
    if degrees == 0:
        return None
    total = sum((xi.size - 1) * float(np.var(xi, ddof=1)) / float(np.mean(xi)) ** 2
                for xi in models)
    return SeedSpread(float(np.sqrt(total / degrees)), len(models), degrees, source,
                      measured=True)
