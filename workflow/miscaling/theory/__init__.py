"""Analytical checks of the paper's theory: exact predictions against independent measurements.

Topics: :mod:`~miscaling.theory.linear_rnn` (Section 4.1 / Appendix A,
:func:`run_linear_rnn_check`), :mod:`~miscaling.theory.repetitive` (Appendix C, Figure 4,
:func:`run_repetitive_check`) and :mod:`~miscaling.theory.ising` (Appendix G,
:func:`run_ising_check`), each returning tidy tables plus a "checks" table and taking a settings
dataclass of :mod:`~miscaling.theory.config`.  Pure numpy/scipy, seeded; the names are imported
on first use.  Mathematics: docs/METHODS.md §8, Eqs. (M39)–(M56).
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
