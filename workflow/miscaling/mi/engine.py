"""The estimation engine: plan the counting once, then count a curve for any reordering of the
symbols (the data, each shuffle) and the resampling replicates.

A :class:`Plan` holds everything about the data that shuffles do not change (the layout, the
dense/sparse choice, the marginal plan); :func:`mi_curve` turns ids into Î(τ) with any
counter (:data:`~miscaling.mi.numpy_counter.CounterFactory`), :func:`replicate_curves_of`
into the resampling replicate curves (always numpy).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np

from .entropy import entropy_from_summary
from .grid import Layout, choose_layout
from .marginals import MarginalPlan
from .numpy_counter import DENSE_MAX_CELLS, CounterFactory, NumpyCounter, map_items
from .resample import (
    ResamplingUnits,
    replicate_curves,
    replicate_mi,
    resampling_weights,
)
from .symbols import Symbols

__all__ = ["Plan", "executor", "make_plan", "mi_curve", "replicate_curves_of",
           "resolve_backend"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """Everything about the data that does not change under within-sequence shuffles."""

    lengths: np.ndarray
    alphabet: int
    lags: np.ndarray
    layout: Layout
    dense: bool
    marginals: MarginalPlan


def make_plan(symbols: Symbols, lags: np.ndarray, path: str | None) -> Plan:
    """The layout and counting path for these symbols and lags (``path`` forces one)."""
    layout = choose_layout(symbols.lengths, int(lags[-1]))
    cells = layout.shape[0] * layout.shape[1]
    width = symbols.alphabet + int(layout.sentinel)
    dense = width**2 <= min(DENSE_MAX_CELLS, max(cells, 4096)) if path is None else path == "dense"
    log.debug("MI plan: grid %s, sentinel=%s, V=%d, %s path", layout.shape, layout.sentinel,
              width, "dense" if dense else "sparse")
    return Plan(symbols.lengths, symbols.alphabet, lags, layout, dense,
                MarginalPlan(symbols.lengths, lags))


def mi_curve(ids: np.ndarray, plan: Plan, estimator: str, make_counter: CounterFactory,
             pool: ThreadPoolExecutor | None) -> tuple[np.ndarray, np.ndarray]:
    """Î(τ) and the number of pairs for every lag of the plan."""
    grid = plan.layout.arrange(ids, fill=plan.alphabet)
    counter = make_counter(grid, plan.alphabet, plan.layout.sentinel, plan.dense, estimator)
    joints = counter.joints(plan.lags.tolist(), pool)
    del counter, grid  # free the counter's scratch before the marginals
    xs, ys = plan.marginals.summaries(ids, plan.alphabet, estimator)
    mi = np.empty(plan.lags.size)
    for i, (j, x, y) in enumerate(zip(joints, xs, ys)):
        if not j.n == x.n == y.n:  # cheap guard against a layout/marginal mismatch
            raise RuntimeError(f"pair count mismatch at lag {plan.lags[i]}: {j.n}, {x.n}, {y.n}")
        mi[i] = (entropy_from_summary(x, estimator) + entropy_from_summary(y, estimator)
                 - entropy_from_summary(j, estimator))
    return mi, np.array([j.n for j in joints], dtype=np.int64)


def replicate_curves_of(symbols: Symbols, plan: Plan, point: np.ndarray,
                        units: ResamplingUnits, replicates: int, method: str, estimator: str,
                        pool, rng: np.random.Generator) -> np.ndarray:
    """Resampling replicate curves (lags × replicates) on the scale of the estimate.

    The same unit weights are used at every lag, so a replicate is a whole curve and a
    statistic of the curve (a fitted exponent) can be recomputed on each one.
    """
    if units.n_units < 2:
        log.warning("only %d resampling unit: no confidence interval", units.n_units)
        return np.full((point.size, replicates), np.nan)
    weights = resampling_weights(rng, units.n_units, replicates, method)
    grid = plan.layout.arrange(symbols.ids, fill=plan.alphabet)
    # Units are contiguous in the concatenated order and the layout keeps that order, so each
    # unit is a range of flat grid cells (gaps and padding are sentinels, never counted).
    starts = np.append(plan.layout.cells_of(units.bounds[:-1]), grid.size)
    fn = partial(replicate_mi, grid=grid, starts=starts, alphabet=plan.alphabet,
                 sentinel=plan.layout.sentinel, weights=weights, estimator=estimator)
    reps = np.stack(map_items(pool, fn, plan.lags.tolist()))  # lags × replicates
    return replicate_curves(point, reps, method, units.n_units)


def resolve_backend(backend: str, device) -> tuple[CounterFactory, str, str | None]:
    """(counter factory, backend name, device name); imports torch only when it is used."""
    if backend == "auto":
        backend = "numpy"
        if importlib.util.find_spec("torch") is not None:
            import torch

            if torch.cuda.is_available():
                backend = "torch"
    if backend == "numpy":
        return NumpyCounter, "numpy", None
    from miscaling.device import resolve_device

    from .torch_counter import TorchCounter

    dev = resolve_device(device)
    return partial(TorchCounter, device=dev), "torch", str(dev)


@contextlib.contextmanager
def executor(threads: int) -> Iterator[ThreadPoolExecutor | None]:
    """A pool of ``threads`` threads for the per-lag work, or None for one thread."""
    if threads == 1:
        yield None
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mi") as pool:
        yield pool
