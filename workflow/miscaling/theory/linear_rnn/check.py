"""The linear-RNN check: exact I(t), poles, predicted vs fitted decay rate, Monte Carlo.

:func:`run_linear_rnn_check` takes a :class:`~miscaling.theory.config.LinearRNNConfig` (or its
fields as keywords) and returns the curves, poles and checks tables, each recording the config
as constant columns after its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from miscaling.fit import FitConfig, fit_decay
from miscaling.theory.checks import check_row, checks_table
from miscaling.theory.config import LinearRNNConfig, record_config
from miscaling.theory.linear_rnn.covariance import (
    CovarianceSeries,
    covariance_recursion,
    mi_series,
    state_space_covariances,
)
from miscaling.theory.linear_rnn.monte_carlo import (
    monte_carlo_mi,
    monte_carlo_tolerance,
    simulate_outputs,
)
from miscaling.theory.linear_rnn.network import (
    LinearRNN,
    memorising_network,
    random_initial_covariance,
    random_network,
    spectral_radius,
    stationary_covariance,
)
from miscaling.theory.linear_rnn.poles import find_poles, predicted_decay_rate, taylor_coefficients

TOPIC = "linear_rnn"
CURVE_COLUMNS = [
    "network", "kind", "lag", "mi_exact", "mi_trace", "mi_monte_carlo", "mi_monte_carlo_sd",
    "mi_monte_carlo_tolerance", "in_fit_window",
]
POLE_COLUMNS = [
    "network", "kind", "source", "real", "imag", "modulus", "order", "is_pole", "is_leading",
]


class LinearRNNTables(NamedTuple):
    curves: pd.DataFrame  # one row per (network, lag)
    poles: pd.DataFrame  # one row per candidate singularity of Eq. 35
    checks: pd.DataFrame  # one row per tested prediction


def fit_window(mi_exact: np.ndarray, lags: np.ndarray, mi_floor: float) -> tuple[int, int]:
    """Lags over which ln I(t) is fitted: from half the last lag above ``mi_floor`` to it, so
    that transients of the further poles have died out and round-off has not set in."""
    above = lags[mi_exact > mi_floor]
    last = int(above.max()) if above.size else int(lags.max())
    return max(1, last // 2), last


def _fitted_rate(lags, mi, window) -> float:
    fits = fit_decay(lags, mi, "exponential", config=FitConfig(min_lag=window[0],
                                                               max_lag=window[1]))
    xi = float(fits.loc[fits["parameter"] == "xi", "value"].iloc[0])
    return 1.0 / xi  # fit_decay maps a non-negative slope to ξ = inf: no decay, rate 0


def _consistency_rows(name: str, net: LinearRNN, initial_cov: np.ndarray,
                      series: CovarianceSeries, curves: pd.DataFrame, mi_floor: float):
    """The same covariances and MI by independent routes: recursion vs state space, log-det
    vs entropies, Eq. 35's Taylor coefficients vs Eq. 15."""
    max_lag = len(series.cross) - 1
    mi_exact = curves["mi_exact"].to_numpy()
    reference = mi_series(state_space_covariances(net, initial_cov, max_lag))["mi_exact"]
    comparable = (mi_exact > mi_floor) & (reference.to_numpy() > mi_floor)
    recursion_error = float(np.max(np.abs(np.log(mi_exact[comparable])
                                          - np.log(reference.to_numpy()[comparable]))))
    entropies_error = float(np.max(np.abs(curves["mi_entropies"] - curves["mi_exact"])))
    n_terms = min(max_lag, 20)
    taylor = taylor_coefficients(net, initial_cov, n_terms)
    taylor_error = float(np.max(np.abs(taylor - series.cross[:n_terms]))
                         / np.max(np.abs(series.cross[:n_terms])))
    return [
        check_row(TOPIC, "recursion_vs_state_space", name, 0.0, recursion_error, 1e-6,
                  "max |ln I_rec - ln I_VAR(1)| over lags with I > floor; Eqs. 15/21, 17/22 vs "
                  "the (h, x) state-space propagation"),
        check_row(TOPIC, "logdet_vs_entropies", name, 0.0, entropies_error, 1e-9,
                  "max |Eq. 41 log-det - (H(x_0) + H(x_t) - H(x_0, x_t))| over lags"),
        check_row(TOPIC, "eq35_taylor_vs_recursion", name, 0.0, taylor_error, 1e-8,
                  f"first {n_terms} Taylor coefficients of Eq. 35 (Cauchy integral) vs "
                  "Σ_{x_t x_0} of Eq. 15; max error relative to max |Σ|"),
    ]


def _decay_rows(name: str, kind: str, net: LinearRNN, poles: pd.DataFrame,
                curves: pd.DataFrame, window: tuple[int, int], rate_tolerance: float):
    """Nearest pole vs the transition matrix, predicted vs fitted decay rate, and the trace
    approximation of Eq. 41 at the end of the fit window."""
    leading = poles[poles["is_leading"]].iloc[0]
    eigen_modulus = 1.0 / spectral_radius(net.transition)
    predicted = predicted_decay_rate(leading["modulus"])
    measured = _fitted_rate(curves["lag"].to_numpy(), curves["mi_exact"].to_numpy(), window)
    rows = [
        check_row(TOPIC, "leading_pole_vs_eigenvalue", name, eigen_modulus,
                  float(leading["modulus"]), 1e-6 * eigen_modulus,
                  "|z_0| from the roots of Eq. 35's denominator vs 1/spectral radius of M"),
        check_row(TOPIC, "decay_rate", name, predicted, measured,
                  rate_tolerance * max(abs(predicted), 0.02),
                  f"2 ln|z_0| (Eq. 35 nearest pole) vs -slope of ln I(t) over "
                  f"t = {window[0]}..{window[1]}"),
    ]
    if kind != "memorising":  # the trace form needs I -> 0, which a memorising net never reaches
        last = curves[curves["lag"] == window[1]].iloc[0]
        rows.append(check_row(TOPIC, "trace_vs_logdet", name, 1.0,
                              float(last["mi_trace"] / last["mi_exact"]), 1e-3,
                              f"Eq. 41 trace approximation / log-det form at t = {window[1]}"))
    return rows


def _monte_carlo_rows(name: str, mc: pd.DataFrame, mi_exact: np.ndarray,
                      tolerance: np.ndarray):
    n_sequences = int(mc["n_sequences"].iloc[0])
    deviation = np.abs(mc["mi"].to_numpy() - mi_exact) / tolerance
    return [
        check_row(TOPIC, "monte_carlo_lag1", name, float(mi_exact[0]), float(mc["mi"].iloc[0]),
                  float(tolerance[0]), f"{n_sequences} simulated sequences; tolerance 4 "
                  "jackknife sd + d²/(2n)"),
        check_row(TOPIC, "monte_carlo_worst_lag", name, 0.0, float(deviation.max()), 1.0,
                  f"max over t = 1..{len(mi_exact)} of |I_MC - I_exact| / tolerance(t)"),
    ]


def check_network(name: str, kind: str, net: LinearRNN, initial_cov: np.ndarray, *,
                  max_lag: int, mc_sequences: int, mc_batches: int, rng: np.random.Generator,
                  rate_tolerance: float, mi_floor: float):
    """Curves, poles and check rows of one network."""
    series = covariance_recursion(net, initial_cov, max_lag)
    curves = mi_series(series)
    lags, mi_exact = curves["lag"].to_numpy(), curves["mi_exact"].to_numpy()
    poles = find_poles(net, initial_cov)
    window = fit_window(mi_exact, lags, mi_floor)

    outputs = simulate_outputs(net, initial_cov, mc_sequences, max_lag, rng)
    mc = monte_carlo_mi(outputs, mc_batches)
    tolerance = monte_carlo_tolerance(mc["sd"].to_numpy(), net.dim, mc_sequences)

    rows = (_consistency_rows(name, net, initial_cov, series, curves, mi_floor)
            + _decay_rows(name, kind, net, poles, curves, window, rate_tolerance)
            + _monte_carlo_rows(name, mc, mi_exact, tolerance))
    curves = curves.assign(
        network=name, kind=kind, mi_monte_carlo=mc["mi"].to_numpy(),
        mi_monte_carlo_sd=mc["sd"].to_numpy(), mi_monte_carlo_tolerance=tolerance,
        in_fit_window=(lags >= window[0]) & (lags <= window[1]),
    )[CURVE_COLUMNS]
    return curves, poles.assign(network=name, kind=kind)[POLE_COLUMNS], rows


def run_linear_rnn_check(config: LinearRNNConfig | None = None) -> LinearRNNTables:
    """Random stationary networks (``rnn0..``, Σ_0 stationary) and one memorising network
    (Σ_0 random positive definite): exact I(t), poles, predicted vs fitted decay rate, and a
    Monte Carlo cross-check.  Deterministic for a given seed.

    ``config``: a :class:`LinearRNNConfig` (None: its defaults).  Every returned table
    records the config as constant columns after its own.
    """
    config = LinearRNNConfig.given(config)
    rng = np.random.default_rng(config.seed)
    hidden, dim, sigma = config.hidden, config.dim, config.sigma
    cases = []
    for k in range(config.n_networks):
        net = random_network(hidden, dim, sigma, rng)
        cases.append((f"rnn{k}", "random", net, stationary_covariance(net)))
    if config.include_memorising:
        net = memorising_network(hidden, dim, sigma, rng)
        cases.append(("memorising", "memorising", net, random_initial_covariance(net, rng)))
    curves, poles, rows = [], [], []
    for name, kind, net, initial_cov in cases:
        c, p, r = check_network(name, kind, net, initial_cov, max_lag=config.max_lag,
                                mc_sequences=config.mc_sequences, mc_batches=config.mc_batches,
                                rng=rng, rate_tolerance=config.rate_tolerance,
                                mi_floor=config.mi_floor)
        curves.append(c)
        poles.append(p)
        rows += r
    tables = (pd.concat(curves, ignore_index=True), pd.concat(poles, ignore_index=True),
              checks_table(rows))
    return LinearRNNTables(*(record_config(table, config) for table in tables))
