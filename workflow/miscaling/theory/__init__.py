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

All functions are pure numpy/scipy and seeded.
"""

from miscaling.theory.checks import CHECK_COLUMNS
from miscaling.theory.ising import IsingTables, run_ising_check
from miscaling.theory.linear_rnn import LinearRNN, LinearRNNTables, run_linear_rnn_check
from miscaling.theory.repetitive import RepetitiveTables, eq52, run_repetitive_check

__all__ = [
    "CHECK_COLUMNS", "IsingTables", "LinearRNN", "LinearRNNTables", "RepetitiveTables", "eq52",
    "run_ising_check", "run_linear_rnn_check", "run_repetitive_check",
]
