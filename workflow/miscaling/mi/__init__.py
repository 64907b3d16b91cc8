"""Auto-mutual information I(τ) = I(x_t; x_{t+τ}) of symbol sequences (paper Sec. 3, App. D.1).

:func:`mutual_information` estimates Î(τ) = Ĥ(X) + Ĥ(Y) − Ĥ(X, Y) (paper Eq. 54) from pair
counts, with two shuffle floors and resampling intervals; every table records its
:class:`EstimatorConfig` as columns after :data:`COLUMNS`.  Submodules, each depending only on
those before it: ``lags``, ``entropy``, ``grid``, ``symbols``, ``marginals``, ``numpy_counter``
and ``torch_counter`` (torch imported only when used), ``resample``, ``config``, ``engine``.
Estimators, counting, floors and intervals: docs/METHODS.md §1, Eqs. (M1)–(M11).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.settings import check_int

from .config import BACKENDS, EstimatorConfig
from .engine import executor, make_plan, mi_curve, replicate_curves_of, resolve_backend
from .entropy import ESTIMATORS
from .lags import as_lags, parse_lags
from .resample import RESAMPLING, SHUFFLE_SCOPES, resampling_units, shuffle_baseline
from .symbols import Symbols, collect, compact_ids

__all__ = [
    "BACKENDS",
    "COLUMNS",
    "ESTIMATORS",
    "RESAMPLING",
    "SHUFFLE_SCOPES",
    "EstimatorConfig",
    "mutual_information",
    "parse_lags",
]

#: The measured columns of an I(τ) table, in order; the settings columns of
#: :class:`EstimatorConfig` follow (``estimator`` is both: the first setting).
COLUMNS: list[str] = [
    "lag", "mi", "ci_low", "ci_high", "baseline", "baseline_sd", "baseline_within",
    "baseline_within_sd", "n_pairs", "estimator",
]
_MEASURED = COLUMNS[:-1]  # EstimatorConfig's first field, `estimator`, ends COLUMNS


def mutual_information(sequences, lags, *, config: EstimatorConfig | None = None, device=None,
                       threads: int = 1, return_replicates: bool = False,
                       _path: str | None = None):
    """Auto-mutual information Î(τ) = Ĥ(X) + Ĥ(Y) − Ĥ(X,Y) (paper Eq. 54), in nats.

    The settings, which change the numbers and are recorded in the table, are the fields of
    ``config`` (an :class:`EstimatorConfig`; None: its defaults), e.g.
    ``mutual_information(x, "1:100", config=EstimatorConfig(shuffles=10, bootstrap=200))``.
    ``device``, ``threads`` and ``return_replicates`` only say how to run and what to return.

    Parameters
    ----------
    sequences
        A 1-D array, a 2-D array (one row per sequence) or a list/tuple of 1-D arrays (ragged
        allowed; empty ones are dropped) of non-negative integer symbols (bool and any integer
        dtype; floats are rejected even when integral).  Pairs (x_t, x_{t+τ}) are pooled over
        all sequences and never cross a sequence boundary.
    lags
        Integers >= 1 or a spec for :func:`parse_lags`; every lag must be smaller than the
        longest sequence.  Rows come out in ascending lag order, duplicates merged.
    config.estimator
        One of :data:`miscaling.mi.entropy.ESTIMATORS`; the paper's is ``"grassberger"`` (Eq. 53).
    config.shuffles, config.shuffle_scope
        K >= 0 independent random permutations; ``baseline`` / ``baseline_sd`` are the mean /
        sample sd (ddof=1) of their Î(τ).  ``"global"`` (default) permutes all symbols across
        sequences (lengths kept): the estimator's floor for independent symbols with the same
        frequencies.  ``"within"`` permutes inside each sequence, keeping each composition
        (see :mod:`miscaling.mi.resample`).
    config.within_shuffles
        K' >= 0 copies with the symbols permuted only inside each sequence, beside a global
        baseline (an error with ``shuffle_scope="within"``, whose ``baseline`` is this floor
        already); ``baseline_within`` / ``baseline_within_sd`` are the mean / sample sd
        (ddof=1) of their Î(τ): the global floor plus the Î(τ) that sequences differing in
        composition give at every lag.  With a single sequence both shuffles are the same
        permutation, so when ``shuffles >= 1`` (global) the within columns are a copy of
        ``baseline`` / ``baseline_sd`` and nothing more is counted
        (``df.attrs["within_floor"]`` says which).
    config.bootstrap, config.confidence, config.block_length, config.resampling
        B >= 0 resampling replicates for an interval at ``confidence``.  Units are sequences
        when there are >= 10 of them, else contiguous blocks of ``block_length`` symbols
        (default ``max(2·max lag, n_symbols // 100)``); the same replicate units are used at
        every lag, and replicates are always counted with numpy.  ``resampling="half"``
        (default): each replicate keeps a random half of the units, and the interval is the
        estimate plus percentiles of the centred replicates (delete-d jackknife);
        ``"replacement"``: percentile interval of the classic with-replacement bootstrap,
        which is biased whenever the estimator's bias is not negligible (see
        :mod:`miscaling.mi.resample`).
    config.seed
        Seeds the shuffles, the resampling and the within shuffles (three independent streams,
        children 0, 1, 2 of ``np.random.SeedSequence(seed)``); ``None``: fresh entropy.
    config.backend, device
        ``"numpy"``, ``"torch"`` (``device`` default: CUDA if available, else CPU) or
        ``"auto"`` (torch on CUDA when available, else numpy).  Same numbers either way.
    threads
        Lags are counted on this many threads; results do not depend on it.
    return_replicates
        Also return the resampling replicate curves (see below).

    Returns
    -------
    DataFrame with columns :data:`COLUMNS` followed by the settings (one constant column per
    :class:`EstimatorConfig` field, ``estimator`` first; ``EstimatorConfig.from_table(df)``
    gives them back); ``ci_*`` are NaN when ``bootstrap=0``, ``baseline`` / ``baseline_sd``
    NaN when ``shuffles=0`` and ``baseline_within`` / ``baseline_within_sd`` NaN when
    ``within_shuffles=0``.  ``df.attrs`` holds what was derived while running (in memory
    only: a CSV drops it): ``n_sequences``, ``n_symbols``, ``alphabet_size``, the ``backend``
    and ``device`` used, ``counting_path``, the resampling units (``bootstrap_unit``,
    ``block_length``, ``bootstrap_units``), ``within_floor`` (``"measured"``, ``"same as
    global (one sequence)"`` or None without within shuffles) and a copy of the settings.  With
    ``return_replicates=True`` a pair ``(df, replicates)``, ``replicates`` a long table with
    columns ``replicate, lag, mi``: B whole curves on the scale of the estimate whose per-lag
    percentiles are ``ci_low``/``ci_high`` (empty when ``bootstrap=0``).  Refit a model on
    each of them for an interval that carries the correlation between lags
    (:func:`miscaling.fit.fit_decay` with ``replicates``).
    """
    config = EstimatorConfig.given(config)
    problems = check_int("threads", threads, 1)
    if problems:
        raise ValueError(problems[0])
    if _path not in (None, "dense", "sparse"):
        raise ValueError(f"_path must be None, 'dense' or 'sparse', got {_path!r}")
    estimator = config.estimator
    lag_arr = as_lags(lags)
    flat, lengths = collect(sequences)
    if flat.size == 0:
        raise ValueError("sequences is empty: it holds no symbols")
    if lag_arr[-1] >= lengths.max():
        raise ValueError(f"lag {lag_arr[-1]} must be < the longest sequence length "
                         f"{lengths.max()}")
    make_counter, backend_name, device_name = resolve_backend(config.backend, device)

    ids, alphabet = compact_ids(flat)
    del flat  # a concatenation of the input, if one was needed
    symbols = Symbols(ids, lengths[lengths > 0], alphabet)
    plan = make_plan(symbols, lag_arr, _path)
    # Children 0 and 1 are those of spawn(2), from before the within floor: the global
    # baseline and the interval stay the numbers they were for the same seed.
    shuffle_rng, resample_rng, within_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(3))
    nan = np.full(lag_arr.size, np.nan)
    units = None
    with executor(int(threads)) as pool:
        def curve(ids_: np.ndarray) -> np.ndarray:
            return mi_curve(ids_, plan, estimator, make_counter, pool)[0]

        mi, n_pairs = mi_curve(symbols.ids, plan, estimator, make_counter, pool)
        baseline, baseline_sd = nan, nan
        if config.shuffles:
            baseline, baseline_sd = shuffle_baseline(curve, symbols.ids, symbols.lengths,
                                                     config.shuffles, shuffle_rng,
                                                     config.shuffle_scope)
        within_floor = None
        baseline_within, baseline_within_sd = nan, nan
        if config.within_shuffles:
            if symbols.lengths.size == 1 and config.shuffles:  # scope is global (config)
                within_floor = "same as global (one sequence)"
                baseline_within, baseline_within_sd = baseline, baseline_sd
            else:
                within_floor = "measured"
                baseline_within, baseline_within_sd = shuffle_baseline(
                    curve, symbols.ids, symbols.lengths, config.within_shuffles, within_rng,
                    "within")
        ci_low, ci_high = nan, nan
        reps = np.empty((lag_arr.size, 0))
        if config.bootstrap:
            units = resampling_units(symbols.lengths, int(lag_arr[-1]), config.block_length)
            reps = replicate_curves_of(symbols, plan, mi, units, config.bootstrap,
                                       config.resampling, estimator, pool, resample_rng)
            alpha = (1.0 - config.confidence) / 2.0
            if np.isfinite(reps).any():
                ci_low, ci_high = np.nanquantile(reps, [alpha, 1.0 - alpha], axis=1)

    measured = pd.DataFrame({
        "lag": lag_arr, "mi": mi, "ci_low": ci_low, "ci_high": ci_high, "baseline": baseline,
        "baseline_sd": baseline_sd, "baseline_within": baseline_within,
        "baseline_within_sd": baseline_within_sd, "n_pairs": n_pairs,
    }, columns=_MEASURED)
    df = config.as_columns(measured)
    df.attrs.update({
        "n_sequences": int(symbols.lengths.size), "n_symbols": int(ids.size),
        "alphabet_size": alphabet, "backend": backend_name, "device": device_name,
        "counting_path": "dense" if plan.dense else "sparse",
        "bootstrap_unit": units.kind if units else None,
        "block_length": units.block_length if units else None,
        "bootstrap_units": units.n_units if units else None,
        "resampling": config.resampling if config.bootstrap else None,
        "confidence": config.confidence, "shuffles": config.shuffles,
        "shuffle_scope": config.shuffle_scope if config.shuffles else None,
        "within_shuffles": config.within_shuffles, "within_floor": within_floor,
        "bootstrap": config.bootstrap, "seed": config.seed, "threads": int(threads),
    })
    if not return_replicates:
        return df
    replicates = pd.DataFrame({
        "replicate": np.tile(np.arange(reps.shape[1]), lag_arr.size),
        "lag": np.repeat(lag_arr, reps.shape[1]),
        "mi": reps.ravel(),
    })
    return df, replicates
