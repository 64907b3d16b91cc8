"""Auto-mutual information I(τ) = I(x_t; x_{t+τ}) of symbol sequences (paper Sec. 3, App. D.1).

For every lag τ the pairs (x_t, x_{t+τ}) are pooled over all sequences — never across a
sequence boundary — and the mutual information is estimated as (paper Eq. 54)

    Î(τ) = Ĥ(X) + Ĥ(Y) − Ĥ(X, Y),

X the first and Y the second element of the pairs, each entropy estimated from counts with
one of the estimators of :mod:`miscaling.mi.entropy` (the paper's is Eq. 53, ``"grassberger"``).

How the counting is organised (the slow part; see ``benchmarks/bench_mi.py``):

* Symbols are remapped once to compact ids ``0..U−1`` and laid out in a 2-D grid (one row per
  sequence, or all sequences in one row separated by gaps); cells that hold no symbol carry a
  sentinel id ``U`` and every pair touching a sentinel is dropped.  A lag is then just two
  slices of the grid, so no per-lag masks are needed.
* The joint histogram of a lag is either a dense ``np.bincount`` of pair codes ``x·V + y``
  (when ``V²`` cells is no more than about the number of pairs) or, for large alphabets, the
  run lengths of the sorted codes, so that memory never scales like ``U²``.
* The marginals are the same for neighbouring lags up to the few symbols that lose their
  partner, so they are updated incrementally from lag to lag instead of being recounted.
* Histograms become entropies through lookup tables of ``n g(n)`` (:mod:`miscaling.mi.entropy`).

Memory (see ``benchmarks/bench_mi_memory.py``): ids are kept in the smallest unsigned dtype
that holds ``U`` (the input itself when it already is compact), and everything of the length
of the data beyond that is built chunk by chunk (:data:`miscaling.mi.grid.COUNT_CHUNK`
cells): the dense path computes the int64 codes of one chunk at a time for a batch of lags and
sums the chunks' histograms, the marginals only look at the ``max lag`` symbols at each
sequence edge, and the resampling units are ranges, not per-symbol labels.  Only the sparse
path needs the codes of all pairs of a lag at once (to sort them).

Two shuffle floors say what a curve has to beat (both are Î(τ) of shuffled copies, counted
like the data):

* the global floor (``baseline``, ``shuffles`` copies, all symbols permuted across sequences):
  the estimator's bias for independent symbols with the data's symbol frequencies.  A curve
  must lie above it to show any dependence at τ; the fits' ``floor_sds`` use it.
* the within floor (``baseline_within``, ``within_shuffles`` copies, symbols permuted only
  inside each sequence): that bias plus what each sequence's own symbol mix gives —
  sequences that differ in composition (documents on different topics, say) make a constant
  Î(τ) at every lag.  Where a curve also lies above it, the dependence at τ is more than each
  sequence's composition.

Only the per-lag joint counting depends on the backend; the shuffle floors and the
resampling intervals are shared.  The modules, each depending only on those above it:

* :mod:`~miscaling.mi.lags` — the lag grammar (:func:`parse_lags`; numpy only);
* :mod:`~miscaling.mi.entropy` — entropy estimators from histograms of counts;
* :mod:`~miscaling.mi.grid` — the counting grid, its layouts and the chunked primitives;
* :mod:`~miscaling.mi.symbols` — input sequences as compact ids;
* :mod:`~miscaling.mi.marginals` — incremental marginal histograms;
* :mod:`~miscaling.mi.numpy_counter`, :mod:`~miscaling.mi.torch_counter` — the joint counters
  (torch is imported only when the torch backend is used);
* :mod:`~miscaling.mi.resample` — shuffles and resampling replicates;
* :mod:`~miscaling.mi.config` — :class:`EstimatorConfig`, the settings of a table;
* :mod:`~miscaling.mi.engine` — plans and curves; this module — the public API.

Every table records its :class:`EstimatorConfig` as columns after :data:`COLUMNS`
(``EstimatorConfig.from_table(table)`` rebuilds it); ``df.attrs`` holds, in memory only,
what was derived while running (sizes, the backend and device used, the counting path, the
resampling units).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import BACKENDS, EstimatorConfig, check_count
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


def mutual_information(sequences, lags, estimator: str = "grassberger", *, shuffles: int = 0,
                       bootstrap: int = 0, confidence: float = 0.95,
                       block_length: int | None = None, seed: int | None = 0,
                       backend: str = "numpy", device=None, threads: int = 1,
                       resampling: str = "half", shuffle_scope: str = "global",
                       within_shuffles: int = 0, return_replicates: bool = False,
                       config: EstimatorConfig | None = None, _path: str | None = None):
    """Auto-mutual information Î(τ) = Ĥ(X) + Ĥ(Y) − Ĥ(X,Y) (paper Eq. 54), in nats.

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
    estimator
        One of :data:`miscaling.mi.entropy.ESTIMATORS`; the paper's is ``"grassberger"`` (Eq. 53).
    shuffles, shuffle_scope
        K >= 0 independent random permutations; ``baseline`` / ``baseline_sd`` are the mean /
        sample sd (ddof=1) of their Î(τ).  ``"global"`` (default) permutes all symbols across
        sequences (lengths kept): the estimator's floor for independent symbols with the same
        frequencies.  ``"within"`` permutes inside each sequence, keeping each composition
        (see :mod:`miscaling.mi.resample`).
    within_shuffles
        K' >= 0 copies with the symbols permuted only inside each sequence, beside a global
        baseline (an error with ``shuffle_scope="within"``, whose ``baseline`` is this floor
        already); ``baseline_within`` / ``baseline_within_sd`` are the mean / sample sd
        (ddof=1) of their Î(τ): the global floor plus the Î(τ) that sequences differing in
        composition give at every lag.  With a single sequence both shuffles are the same
        permutation, so when ``shuffles >= 1`` (global) the within columns are a copy of
        ``baseline`` / ``baseline_sd`` and nothing more is counted
        (``df.attrs["within_floor"]`` says which).
    bootstrap, confidence, block_length, resampling
        B >= 0 resampling replicates for an interval at ``confidence``.  Units are sequences
        when there are >= 10 of them, else contiguous blocks of ``block_length`` symbols
        (default ``max(2·max lag, n_symbols // 100)``); the same replicate units are used at
        every lag, and replicates are always counted with numpy.  ``resampling="half"``
        (default): each replicate keeps a random half of the units, and the interval is the
        estimate plus percentiles of the centred replicates (delete-d jackknife);
        ``"replacement"``: percentile interval of the classic with-replacement bootstrap,
        which is biased whenever the estimator's bias is not negligible (see
        :mod:`miscaling.mi.resample`).
    seed
        Seeds the shuffles, the resampling and the within shuffles (three independent streams,
        children 0, 1, 2 of ``np.random.SeedSequence(seed)``); ``None``: fresh entropy.
    backend, device
        ``"numpy"``, ``"torch"`` (``device`` default: CUDA if available, else CPU) or
        ``"auto"`` (torch on CUDA when available, else numpy).  Same numbers either way.
    threads
        Lags are counted on this many threads; results do not depend on it.
    return_replicates
        Also return the resampling replicate curves (see below).
    config
        All the settings above at once, as an :class:`EstimatorConfig`; the setting keywords
        must then be left at their defaults.  ``threads``, ``device`` and
        ``return_replicates`` are not settings (they do not change the numbers).

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
    config = EstimatorConfig.resolve(config, {
        "estimator": estimator, "shuffles": shuffles, "shuffle_scope": shuffle_scope,
        "within_shuffles": within_shuffles, "bootstrap": bootstrap, "resampling": resampling,
        "confidence": confidence, "block_length": block_length, "seed": seed,
        "backend": backend,
    })
    problems = check_count("threads", threads, 1)
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
