"""Analytical checks of the paper's theory: each topic computes exact predictions, measures the
same quantity independently, and returns tidy tables plus a "checks" table
(:data:`miscaling.theory.checks.CHECK_COLUMNS`).

* :mod:`~miscaling.theory.linear_rnn` — Section 4.1 / Appendix A: linear Elman RNN with Gaussian
  output; exact covariances by the recursions (Eqs. 15/21, 17/22), I(x_0; x_t) by Eq. 41, decay
  rate from the poles of Eq. 35, Monte Carlo cross-check (:func:`run_linear_rnn_check`).
* :mod:`~miscaling.theory.repetitive` — Appendix C: Eq. 52 against the estimator on simulated
  repetitive sequences (Figure 4; :func:`run_repetitive_check`).
* :mod:`~miscaling.theory.ising` — Appendix G: conditional sampling (Eq. 62) vs the enumerated
  Boltzmann distribution, and MI decay vs the transfer matrix (:func:`run_ising_check`).

Each check takes its settings as one frozen, validated dataclass
(:mod:`~miscaling.theory.config`: :class:`LinearRNNConfig`, :class:`RepetitiveConfig`,
:class:`IsingConfig`) or as the same keywords as before, and records them in every table it
returns as constant columns after the measured ones (``XConfig.from_table`` reads them back).

All functions are pure numpy/scipy and seeded.  The names below are imported on first use, so
that ``miscaling.theory.config`` (which the command line reads its defaults from) stays light.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CHECK_COLUMNS": "checks",
    "IsingConfig": "config", "LinearRNNConfig": "config", "RepetitiveConfig": "config",
    "IsingTables": "ising", "run_ising_check": "ising",
    "LinearRNN": "linear_rnn", "LinearRNNTables": "linear_rnn",
    "run_linear_rnn_check": "linear_rnn",
    "RepetitiveTables": "repetitive", "eq52": "repetitive", "run_repetitive_check": "repetitive",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
