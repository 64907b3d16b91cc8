"""The theory checks' settings: one frozen, validated record per topic.

:class:`LinearRNNConfig`, :class:`RepetitiveConfig` and :class:`IsingConfig` hold every option
of :func:`~miscaling.theory.linear_rnn.run_linear_rnn_check`,
:func:`~miscaling.theory.repetitive.run_repetitive_check` and
:func:`~miscaling.theory.ising.run_ising_check` (the functions still take the same keywords).
Each check writes its config into every table it returns as constant columns after the measured
ones (:func:`record_config`), so ``LinearRNNConfig.from_table(read_table(path))`` rebuilds the
settings that made a table, also after a round trip through CSV or Parquet.  Lists (the
probabilities, lags, inverse temperatures) are one comma-separated cell, e.g. ``"0.5,1.0,1.5"``.

This module is light on purpose (numpy and the settings mixin only): the command line takes its
defaults from these classes, so flags and library defaults cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from miscaling.settings import Settings, check_choice, check_int, problems_error

S = TypeVar("S", bound=Settings)

__all__ = [
    "DEFAULT_LAGS", "DEFAULT_PROBABILITIES", "IsingConfig", "LinearRNNConfig",
    "RepetitiveConfig", "config_from", "estimator_names", "record_config",
]

DEFAULT_PROBABILITIES = tuple(float(p) for p in np.round(np.linspace(0.0, 1.0, 21), 2))
DEFAULT_LAGS = (1, 2, 3, 10, 33, 100, 333, 1000)
DEFAULT_BETAS = (0.5, 1.0, 1.5)
DEFAULT_TV_SAMPLE_SIZES = (1_000, 3_000, 10_000, 30_000, 100_000)


def estimator_names() -> tuple[str, ...]:
    """The entropy estimators :func:`miscaling.mi.mutual_information` knows."""
    from miscaling.mi.entropy import ESTIMATORS

    return tuple(ESTIMATORS)


# --------------------------------------------------------------------------- validation helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_number(name: str, value: Any, *, minimum: float | None = None,
                  strict: bool = False) -> list[str]:
    """[] when ``value`` is a real number (not a bool) above ``minimum``; else one message."""
    if not _is_number(value) or not np.isfinite(value):
        return [f"{name} must be a finite number, got {value!r}"]
    if minimum is not None and (value <= minimum if strict else value < minimum):
        return [f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value!r}"]
    return []


def _as_tuple(value: Any, kind: type) -> tuple:
    """A list field as a tuple of plain ``kind`` values.

    Accepts any iterable, a single number (a one-element list read back from a CSV cell) and
    the comma-separated text :meth:`Settings.as_columns` writes; leaves values it cannot convert
    as they are, for the validation to name.
    """
    if isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    elif _is_number(value):
        value = [value]
    try:
        items = tuple(value)
    except TypeError:
        return value
    converted = []
    for item in items:
        try:
            number = float(item)
        except (TypeError, ValueError):
            converted.append(item)
            continue
        if kind is float:
            converted.append(number)
        elif np.isfinite(number) and number == int(number):
            converted.append(int(number))
        else:  # not an integer: left for the validation to name
            converted.append(item)
    return tuple(converted)


def _normalise(config: Settings, *, ints: Iterable[str] = (), floats: Iterable[str] = (),
               int_lists: Iterable[str] = (), float_lists: Iterable[str] = ()) -> None:
    """Plain Python values, so that a config equals its round trip through a table or JSON."""
    for name in ints:
        value = getattr(config, name)
        if isinstance(value, Integral) and not isinstance(value, bool):
            object.__setattr__(config, name, int(value))
    for name in floats:
        value = getattr(config, name)
        if _is_number(value):
            object.__setattr__(config, name, float(value))
    for name in int_lists:
        object.__setattr__(config, name, _as_tuple(getattr(config, name), int))
    for name in float_lists:
        object.__setattr__(config, name, _as_tuple(getattr(config, name), float))


def _all_numbers(name: str, values: Any, kind: type = float) -> list[str]:
    ok = (isinstance(values, tuple) and values
          and all((_is_number(v) if kind is float else isinstance(v, int)) and
                  not isinstance(v, bool) for v in values))
    what = "numbers" if kind is float else "integers"
    return [] if ok else [f"{name} must be a non-empty list of {what}, got {values!r}"]


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

    n_networks: int = 5
    hidden: int = 4
    dim: int = 2
    sigma: float = 1.0
    max_lag: int = 150
    mc_sequences: int = 20_000
    mc_batches: int = 20
    include_memorising: bool = True
    rate_tolerance: float = 0.02
    mi_floor: float = 1e-30
    seed: int = 0

    def __post_init__(self) -> None:
        _normalise(self, ints=("n_networks", "hidden", "dim", "max_lag", "mc_sequences",
                               "mc_batches", "seed"),
                   floats=("sigma", "rate_tolerance", "mi_floor"))
        problems = [
            *check_int("n_networks", self.n_networks, 0),
            *check_int("hidden", self.hidden, 1),
            *check_int("dim", self.dim, 1),
            *_check_number("sigma", self.sigma, minimum=0.0, strict=True),
            *check_int("max_lag", self.max_lag, 4),
            *check_int("mc_batches", self.mc_batches, 2),
            *check_int("mc_sequences", self.mc_sequences, 1),
            *_check_number("rate_tolerance", self.rate_tolerance, minimum=0.0),
            *_check_number("mi_floor", self.mi_floor, minimum=0.0),
            *check_int("seed", self.seed, 0),
        ]
        if not isinstance(self.include_memorising, (bool, np.bool_)):
            problems.append(f"include_memorising must be True or False, "
                            f"got {self.include_memorising!r}")
        else:
            object.__setattr__(self, "include_memorising", bool(self.include_memorising))
            if self.include_memorising and not check_int("hidden", self.hidden, 1) and \
                    self.hidden < 2:
                problems.append("the memorising network needs hidden >= 2 (one memory cell + "
                                "the rest); set include_memorising=False for hidden = 1")
        if not problems and self.mc_sequences < 2 * self.mc_batches:
            problems.append(f"mc_sequences must be at least 2 per jackknife group "
                            f"(2 * mc_batches = {2 * self.mc_batches}), got {self.mc_sequences}")
        if not problems and self.n_networks == 0 and not self.include_memorising:
            problems.append("no network to check: n_networks = 0 and include_memorising=False")
        problems_error("LinearRNNConfig", problems)


@dataclass(frozen=True)
class RepetitiveConfig(Settings):
    """Settings of the repetitive-sequence check (Appendix C, Eq. 52, Figure 4).

    ``probabilities``: the values of p (probability of the block 01), each in [0, 1];
    ``lags``: the lags τ the estimator measures (kept sorted and unique, 1 <= τ < ``length``);
    ``replicates`` independent sequences of ``length`` symbols (even: whole blocks) per p;
    ``estimator``: the entropy estimator of :func:`miscaling.mi.mutual_information`;
    ``confidence``: of the Student-t interval a check must fall in.
    """

    probabilities: tuple[float, ...] = DEFAULT_PROBABILITIES
    lags: tuple[int, ...] = DEFAULT_LAGS
    replicates: int = 8
    length: int = 2**17
    estimator: str = "grassberger"
    confidence: float = 0.999
    seed: int = 0

    def __post_init__(self) -> None:
        _normalise(self, ints=("replicates", "length", "seed"), floats=("confidence",),
                   int_lists=("lags",), float_lists=("probabilities",))
        problems = _all_numbers("probabilities", self.probabilities)
        if not problems and not all(0.0 <= p <= 1.0 for p in self.probabilities):
            problems.append(f"probabilities p must lie in [0, 1], got {list(self.probabilities)}")
        lag_problems = _all_numbers("lags", self.lags, int)
        if not lag_problems:
            object.__setattr__(self, "lags", tuple(sorted(set(self.lags))))
        problems += lag_problems
        problems += check_int("replicates", self.replicates, 2)
        length_problems = check_int("length", self.length, 2)
        if not length_problems and self.length % 2:
            length_problems.append(f"length must be even (whole blocks), got {self.length}")
        problems += length_problems
        if not lag_problems and not length_problems and (
                self.lags[0] < 1 or self.lags[-1] >= self.length):
            problems.append(f"lags must lie in [1, length = {self.length}), got "
                            f"{self.lags[0]}..{self.lags[-1]}")
        problems += check_choice("estimator", self.estimator, estimator_names())
        if not (_is_number(self.confidence) and 0.0 < self.confidence < 1.0):
            problems.append(f"confidence must be in (0, 1), got {self.confidence!r}")
        problems += check_int("seed", self.seed, 0)
        problems_error("RepetitiveConfig", problems)


@dataclass(frozen=True)
class IsingConfig(Settings):
    """Settings of the Ising-chain check (Appendix G).

    ``n_spins``: chain length for enumeration (6..24); ``betas``: inverse temperatures (> 0);
    ``coupling``: J (< 0: ferromagnetic); ``n_samples`` configurations sampled by Eq. 62 for
    the total-variation check, measured also after the first ``tv_sample_sizes``; ``n_chains``
    chains of ``chain_length`` spins for the estimator, lags 1..``max_lag``; ``min_mi``: only
    estimated I above it enter the decay fit; ``rate_tolerance``: relative tolerance of fitted vs
    predicted rate; ``n_sd``: TV tolerance in standard deviations of exact-sample TV.

    As table columns ``n_samples`` is ``samples_drawn`` (the TV table's ``n_samples`` is the
    sample size of each row) and ``coupling`` is the tables' own ``coupling`` column.
    """

    COLUMN_NAMES = {"n_samples": "samples_drawn"}

    n_spins: int = 12
    betas: tuple[float, ...] = DEFAULT_BETAS
    coupling: float = -1.0
    n_samples: int = 200_000
    tv_sample_sizes: tuple[int, ...] = DEFAULT_TV_SAMPLE_SIZES
    n_chains: int = 32
    chain_length: int = 2**16
    max_lag: int = 40
    min_mi: float = 1e-4
    rate_tolerance: float = 0.05
    n_sd: float = 5.0
    seed: int = 0

    def __post_init__(self) -> None:
        _normalise(self, ints=("n_spins", "n_samples", "n_chains", "chain_length", "max_lag",
                               "seed"),
                   floats=("coupling", "min_mi", "rate_tolerance", "n_sd"),
                   int_lists=("tv_sample_sizes",), float_lists=("betas",))
        problems = []
        spins = check_int("n_spins", self.n_spins, 6)
        if spins:
            spins = [f"need n_spins >= 6 (5 lags) for a decay fit, got {self.n_spins!r}"]
        elif self.n_spins > 24:
            spins = [f"enumeration needs n_spins <= 24, got {self.n_spins}"]
        problems += spins
        beta_problems = _all_numbers("betas", self.betas)
        if not beta_problems and min(self.betas) <= 0:
            beta_problems = [f"inverse temperatures beta must be > 0, got {list(self.betas)}"]
        problems += beta_problems
        problems += _check_number("coupling", self.coupling)
        problems += check_int("n_samples", self.n_samples, 1)
        size_problems = _all_numbers("tv_sample_sizes", self.tv_sample_sizes, int)
        if not size_problems and min(self.tv_sample_sizes) < 1:
            size_problems = [f"tv_sample_sizes must be >= 1, got {list(self.tv_sample_sizes)}"]
        problems += size_problems
        problems += check_int("n_chains", self.n_chains, 1)
        problems += check_int("chain_length", self.chain_length, 2)
        problems += check_int("max_lag", self.max_lag, 1)
        if not problems and self.max_lag >= self.chain_length:
            problems.append(f"max_lag ({self.max_lag}) must be smaller than chain_length "
                            f"({self.chain_length})")
        problems += _check_number("min_mi", self.min_mi, minimum=0.0)
        problems += _check_number("rate_tolerance", self.rate_tolerance, minimum=0.0)
        problems += _check_number("n_sd", self.n_sd, minimum=0.0, strict=True)
        problems += check_int("seed", self.seed, 0)
        problems_error("IsingConfig", problems)


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



def config_from(cls: type[S], config: S | None, options: Mapping[str, Any]) -> S:
    """The config a check runs with: ``config`` (default: ``cls()``) changed by ``options``,
    the check's keyword arguments; an unknown keyword is refused, naming the valid ones."""
    if config is not None and not isinstance(config, cls):
        raise TypeError(f"expected a {cls.__name__}, got {config!r}")
    if config is None:
        return cls.from_dict(options)
    unknown = set(options) - set(cls.column_names())
    if unknown:
        cls.from_dict({name: options[name] for name in unknown})  # raises, naming the fields
    return config.replace(**options) if options else config
