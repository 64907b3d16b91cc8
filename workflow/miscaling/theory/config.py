"""The theory checks' settings: one frozen, validated record per topic.

:class:`LinearRNNConfig`, :class:`RepetitiveConfig` and :class:`IsingConfig` hold every option
of the three checks (``run_*_check(config=...)``, their one options API) and are written into
every table a check returns as constant columns (:func:`record_config`; ``XConfig.from_table``
reads them back, lists as one comma-separated cell).  Light on purpose: the command line takes
its defaults from these classes, so flags and library defaults cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.settings import Settings, choice, flag, integer, number, numbers

__all__ = [
    "DEFAULT_LAGS", "DEFAULT_PROBABILITIES", "IsingConfig", "LinearRNNConfig",
    "RepetitiveConfig", "estimator_names", "record_config",
]

DEFAULT_PROBABILITIES = tuple(float(p) for p in np.round(np.linspace(0.0, 1.0, 21), 2))
DEFAULT_LAGS = (1, 2, 3, 10, 33, 100, 333, 1000)
DEFAULT_BETAS = (0.5, 1.0, 1.5)
DEFAULT_TV_SAMPLE_SIZES = (1_000, 3_000, 10_000, 30_000, 100_000)


def estimator_names() -> tuple[str, ...]:
    """The entropy estimators :func:`miscaling.mi.mutual_information` knows."""
    from miscaling.mi.entropy import ESTIMATORS

    return tuple(ESTIMATORS)


# --------------------------------------------------------------------------- the configs


@dataclass(frozen=True)
class LinearRNNConfig(Settings):
    """Settings of the linear-RNN check (Section 4.1, Appendix A).

    ``n_networks`` random stationary networks with ``hidden`` units (m) and ``dim`` outputs (d),
    output noise ``sigma``; I(x_0; x_t) for t <= ``max_lag``; ``mc_sequences`` simulated
    sequences per network in ``mc_batches`` jackknife groups; ``include_memorising`` adds the
    network that memorises its initial condition; ``rate_tolerance``: relative tolerance of
    fitted vs predicted decay rate; ``mi_floor``: I below it is round-off (left out of fits).
    """

    n_networks: int = integer(5, ge=0)
    hidden: int = integer(4, ge=1)
    dim: int = integer(2, ge=1)
    sigma: float = number(1.0, gt=0)
    max_lag: int = integer(150, ge=4)
    mc_sequences: int = integer(20_000, ge=1)
    mc_batches: int = integer(20, ge=2)
    include_memorising: bool = flag(True)
    rate_tolerance: float = number(0.02, ge=0)
    mi_floor: float = number(1e-30, ge=0)
    seed: int = integer(0, ge=0)

    def conflicts(self) -> list[str]:
        problems = []
        if self.include_memorising and self.hidden < 2:
            problems.append("the memorising network needs hidden >= 2 (one memory cell + "
                            "the rest); set include_memorising=False for hidden = 1")
        if self.mc_sequences < 2 * self.mc_batches:
            problems.append(f"mc_sequences must be at least 2 per jackknife group "
                            f"(2 * mc_batches = {2 * self.mc_batches}), got {self.mc_sequences}")
        if self.n_networks == 0 and not self.include_memorising:
            problems.append("no network to check: n_networks = 0 and include_memorising=False")
        return problems


@dataclass(frozen=True)
class RepetitiveConfig(Settings):
    """Settings of the repetitive-sequence check (Appendix C, Eq. 52, Figure 4).

    ``probabilities``: the values of p (probability of the block 01), each in [0, 1];
    ``lags``: the lags τ the estimator measures (kept sorted and unique, 1 <= τ < ``length``);
    ``replicates`` independent sequences of ``length`` symbols (even: whole blocks) per p;
    ``estimator``: the entropy estimator of :func:`miscaling.mi.mutual_information`;
    ``confidence``: of the Student-t interval a check must fall in.
    """

    probabilities: tuple[float, ...] = numbers(DEFAULT_PROBABILITIES, ge=0, le=1)
    lags: tuple[int, ...] = numbers(DEFAULT_LAGS, integers=True, ge=1, sort=True)
    replicates: int = integer(8, ge=2)
    length: int = integer(2**17, ge=2)
    estimator: str = choice("grassberger", estimator_names)
    confidence: float = number(0.999, gt=0, lt=1)
    seed: int = integer(0, ge=0)

    def conflicts(self) -> list[str]:
        problems = []
        if self.length % 2:
            problems.append(f"length must be even (whole blocks), got {self.length}")
        if self.lags[-1] >= self.length:
            problems.append(f"lags must lie in [1, length = {self.length}), got "
                            f"{self.lags[0]}..{self.lags[-1]}")
        return problems


@dataclass(frozen=True)
class IsingConfig(Settings):
    """Settings of the Ising-chain check (Appendix G).

    ``n_spins``: chain length for enumeration (6..24: at least 5 lags for a decay fit);
    ``betas``: inverse temperatures (> 0); ``coupling``: J (< 0: ferromagnetic); ``n_samples``
    configurations sampled by Eq. 62 for the total-variation check, measured also after the
    first ``tv_sample_sizes``; ``n_chains`` chains of ``chain_length`` spins for the estimator,
    lags 1..``max_lag``; ``min_mi``: only estimated I above it enter the decay fit;
    ``rate_tolerance``: relative tolerance of fitted vs predicted rate; ``n_sd``: TV tolerance
    in standard deviations of exact-sample TV.

    As table columns ``n_samples`` is ``samples_drawn`` (the TV table's ``n_samples`` is the
    sample size of each row) and ``coupling`` is the tables' own ``coupling`` column.
    """

    COLUMN_NAMES = {"n_samples": "samples_drawn"}

    n_spins: int = integer(12, ge=6, le=24)
    betas: tuple[float, ...] = numbers(DEFAULT_BETAS, gt=0)
    coupling: float = number(-1.0)
    n_samples: int = integer(200_000, ge=1)
    tv_sample_sizes: tuple[int, ...] = numbers(DEFAULT_TV_SAMPLE_SIZES, integers=True, ge=1)
    n_chains: int = integer(32, ge=1)
    chain_length: int = integer(2**16, ge=2)
    max_lag: int = integer(40, ge=1)
    min_mi: float = number(1e-4, ge=0)
    rate_tolerance: float = number(0.05, ge=0)
    n_sd: float = number(5.0, gt=0)
    seed: int = integer(0, ge=0)

    def conflicts(self) -> list[str]:
        if self.max_lag >= self.chain_length:
            return [f"max_lag ({self.max_lag}) must be smaller than chain_length "
                    f"({self.chain_length})"]
        return []


# --------------------------------------------------------------------------- in the tables


def record_config(table: pd.DataFrame, config: Settings) -> pd.DataFrame:
    """``table`` with ``config``'s constant columns after its own (a copy).

    A field whose column the table already holds with exactly the config's value in every row
    (the Ising tables' ``coupling``) is not written twice; ``config.from_table`` reads it all
    the same.  Any other name clash is an error (:meth:`Settings.as_columns`).
    """
    columns = type(config).column_names()
    present = {field for field, column in columns.items()
               if column in table.columns and len(table)
               and not isinstance(getattr(config, field), tuple)
               and (table[column] == getattr(config, field)).all()}
    if not present:
        return config.as_columns(table)
    recorded = config.as_columns(table.drop(columns=[columns[f] for f in present]))
    return recorded[list(table.columns) + [c for c in recorded.columns if c not in table]]
