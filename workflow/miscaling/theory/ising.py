r"""Nearest-neighbour Ising chain: Boltzmann distribution = conditional sampling (Appendix G).

Checks by enumeration that the Boltzmann distribution of an open chain factorises as Eq. 62
(configurations sampled by it against their expected total variation), and that the estimator's
I(r) decays at twice the inverse correlation length of the transfer matrix
(:func:`run_ising_check`).  Derivation and two slips of Eq. 57: docs/METHODS.md §8.4,
Eqs. (M52)–(M56).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from miscaling.fit import FitConfig, fit_decay
from miscaling.mi import mutual_information
from miscaling.theory.checks import check_row, checks_table
from miscaling.theory.config import IsingConfig, record_config

TOPIC = "ising"
MI_COLUMNS = [
    "beta", "coupling", "lag", "mi_enumerated", "mi_transfer_matrix", "mi_estimated",
    "in_fit_window",
]
TV_COLUMNS = ["beta", "coupling", "n_samples", "tv_measured", "tv_expected",
              "tv_pairs_counted_twice"]


# --------------------------------------------------------------------------- exact distributions


def all_configurations(n_spins: int) -> np.ndarray:
    """All 2^N configurations (int8 ±1, shape (2^N, N)); row k has spin i = -1 where bit
    N-1-i of k is set, so :func:`configuration_index` inverts it."""
    if not 1 <= n_spins <= 24:
        raise ValueError(f"enumeration needs 1 <= n_spins <= 24, got {n_spins}")
    bits = (np.arange(2**n_spins)[:, None] >> np.arange(n_spins - 1, -1, -1)) & 1
    return (1 - 2 * bits).astype(np.int8)


def configuration_index(configurations: np.ndarray) -> np.ndarray:
    """Row index in :func:`all_configurations` of each configuration (shape (M, N))."""
    bits = (np.asarray(configurations) < 0).astype(np.int64)
    return bits @ (1 << np.arange(bits.shape[1] - 1, -1, -1))


def energy(configurations: np.ndarray, coupling: float) -> np.ndarray:
    """H of Eqs. 56/60: ``J Σ_i s_i s_{i+1}``, each nearest-neighbour pair once."""
    spins = np.asarray(configurations, dtype=float)
    return coupling * np.sum(spins[:, :-1] * spins[:, 1:], axis=1)


def boltzmann_distribution(n_spins: int, beta: float, coupling: float,
                           count_pairs_twice: bool = False) -> np.ndarray:
    """Exact ``p(s) ∝ e^{-βH}`` over :func:`all_configurations`.  ``count_pairs_twice``: the
    exponent of Eq. 57 read literally, ``Σ_{i,j}`` (each pair twice, i.e. β → 2β)."""
    weight = 2.0 if count_pairs_twice else 1.0
    log_weights = -beta * weight * energy(all_configurations(n_spins), coupling)
    log_weights -= log_weights.max()  # avoid overflow at low temperature
    weights = np.exp(log_weights)
    return weights / weights.sum()


def flip_probability(beta: float, coupling: float) -> float:
    """``p(s_t = -s_{t-1} | s_{t-1})`` from Eq. 62: ``e^{βJ} / (2 cosh βJ)``."""
    return float(np.exp(beta * coupling) / (2.0 * np.cosh(beta * coupling)))


def conditional_sampling_distribution(n_spins: int, beta: float, coupling: float) -> np.ndarray:
    """``p(s_1) Π_t p(s_t | s_{t-1})`` (Eqs. 55 and 62, ``p(s_1) = 1/2``) of every
    configuration, in :func:`all_configurations` order."""
    configurations = all_configurations(n_spins).astype(float)
    aligned = configurations[:, :-1] * configurations[:, 1:]  # s_{t-1} s_t
    conditional = np.exp(-beta * coupling * aligned) / (2.0 * np.cosh(beta * coupling))
    return 0.5 * np.prod(conditional, axis=1)


def sample_conditional(n_samples: int, n_spins: int, beta: float, coupling: float,
                       rng: np.random.Generator) -> np.ndarray:
    """Configurations drawn spin by spin with Eq. 62 (int8 ±1, shape (n_samples, n_spins))."""
    first = np.where(rng.random((n_samples, 1)) < 0.5, 1, -1)
    flips = np.where(rng.random((n_samples, n_spins - 1)) < flip_probability(beta, coupling),
                     -1, 1)
    return np.cumprod(np.concatenate([first, flips], axis=1), axis=1).astype(np.int8)


# --------------------------------------------------------------------------- total variation


def empirical_distribution(samples: np.ndarray) -> np.ndarray:
    n_spins = samples.shape[1]
    return np.bincount(configuration_index(samples), minlength=2**n_spins) / len(samples)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.sum(np.abs(np.asarray(p) - np.asarray(q))))


def expected_sampling_tv(probabilities: np.ndarray, n_samples: int) -> float:
    """E[TV] between the empirical distribution of ``n_samples`` exact draws and the truth.

    By linearity, ``0.5 Σ_k E|X_k - M p_k| / M`` with ``X_k ~ Binomial(M, p_k)``, whose mean
    absolute deviation is de Moivre's ``2 ν (1 - p) P(X = ν)``, ``ν = ⌊M p⌋ + 1``."""
    p = np.asarray(probabilities, dtype=float)
    nu = np.floor(n_samples * p) + 1
    mean_abs_dev = 2.0 * nu * (1.0 - p) * stats.binom.pmf(nu, n_samples, p)
    return float(0.5 * np.sum(mean_abs_dev) / n_samples)


def null_tv_spread(probabilities: np.ndarray, n_samples: int, rng: np.random.Generator,
                   n_draws: int = 200) -> float:
    """Standard deviation of the TV of exact multinomial samples (the sampling-noise scale)."""
    counts = rng.multinomial(n_samples, probabilities, size=n_draws)
    tvs = 0.5 * np.abs(counts / n_samples - probabilities).sum(axis=1)
    return float(tvs.std(ddof=1))


# --------------------------------------------------------------------------- correlations


def transfer_matrix(beta: float, coupling: float) -> np.ndarray:
    """``T_{ss'} = e^{-βJ s s'}``, s, s' ∈ (+1, -1)."""
    spins = np.array([1.0, -1.0])
    return np.exp(-beta * coupling * np.outer(spins, spins))


def correlation_length(beta: float, coupling: float) -> float:
    """``ξ = 1 / ln(λ_max / |λ_min|)`` from the transfer-matrix eigenvalues (= -1/ln|tanh βJ|)."""
    eigenvalues = np.linalg.eigvalsh(transfer_matrix(beta, coupling))
    ratio = np.abs(eigenvalues).max() / np.abs(eigenvalues).min()
    return float(1.0 / np.log(ratio))


def spin_correlation(lags, beta: float, coupling: float) -> np.ndarray:
    """``<s_i s_{i+r}> = (λ_2/λ_1)^r``, ``λ_1`` the largest eigenvalue (sign kept: an
    antiferromagnet alternates)."""
    eigenvalues = np.linalg.eigvalsh(transfer_matrix(beta, coupling))
    order = np.argsort(np.abs(eigenvalues))
    ratio = eigenvalues[order[0]] / eigenvalues[order[1]]
    return ratio ** np.asarray(lags, dtype=float)


def mi_of_correlated_spins(correlation) -> np.ndarray:
    """I of two ±1 spins with uniform marginals and correlation ρ:
    ``((1+ρ)/2) ln(1+ρ) + ((1-ρ)/2) ln(1-ρ)`` (accurate for tiny ρ)."""
    rho = np.asarray(correlation, dtype=float)
    return (0.5 * ((1 + rho) * np.log1p(rho) + (1 - rho) * np.log1p(-rho)))[()]


def pair_mi_enumerated(distribution: np.ndarray, n_spins: int, site: int = 0) -> np.ndarray:
    """I(s_site; s_site+r), r = 1..N-1-site, from an exact distribution over configurations."""
    configurations = all_configurations(n_spins)
    values = []
    for other in range(site + 1, n_spins):
        joint = np.zeros((2, 2))
        np.add.at(joint, ((configurations[:, site] < 0).astype(int),
                          (configurations[:, other] < 0).astype(int)), distribution)
        outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
        support = joint > 0
        values.append(np.sum(joint[support] * np.log(joint[support] / outer[support])))
    return np.array(values)


# --------------------------------------------------------------------------- the check


class IsingTables(NamedTuple):
    mi_curves: pd.DataFrame  # one row per (beta, lag)
    tv_curves: pd.DataFrame  # one row per (beta, number of samples)
    checks: pd.DataFrame


def _padded(values: np.ndarray, size: int) -> np.ndarray:
    """``values`` cut or NaN-padded to ``size`` (the chain is shorter than the lag range)."""
    out = np.full(size, np.nan)
    out[: min(size, values.size)] = values[:size]
    return out


def _fitted_rate(lags, mi, min_mi: float, min_lag: int, max_lag: int | None = None):
    fits = fit_decay(lags, mi, "exponential",
                     config=FitConfig(min_mi=min_mi, min_lag=min_lag, max_lag=max_lag))
    xi = fits.loc[fits["parameter"] == "xi"].iloc[0]
    return 1.0 / float(xi["value"]), int(xi["lag_min"]), int(xi["lag_max"])


def _sampling_check(beta: float, coupling: float, case: str, *, n_spins: int, n_samples: int,
                    tv_sample_sizes, n_sd: float, rng: np.random.Generator):
    """Eq. 62 vs the enumerated Boltzmann distribution: exactly (product of conditionals) and
    by sampling (TV distance against its expectation for exact samples)."""
    boltzmann = boltzmann_distribution(n_spins, beta, coupling)
    conditional = conditional_sampling_distribution(n_spins, beta, coupling)
    literal_eq57_tv = total_variation(
        boltzmann_distribution(n_spins, beta, coupling, count_pairs_twice=True), boltzmann)
    samples = sample_conditional(n_samples, n_spins, beta, coupling, rng)
    sizes = sorted({int(m) for m in tv_sample_sizes if m <= n_samples} | {n_samples})
    tv_curves = pd.DataFrame({
        "beta": beta, "coupling": coupling, "n_samples": sizes,
        "tv_measured": [total_variation(empirical_distribution(samples[:m]), boltzmann)
                        for m in sizes],
        "tv_expected": [expected_sampling_tv(boltzmann, m) for m in sizes],
        "tv_pairs_counted_twice": literal_eq57_tv,
    })[TV_COLUMNS]
    rows = [
        check_row(TOPIC, "eq62_product_vs_boltzmann", case, 0.0,
                  float(np.max(np.abs(conditional - boltzmann))), 1e-12,
                  f"max over all 2^{n_spins} configurations of |Eq. 55/62 product - Boltzmann|"),
        check_row(TOPIC, "tv_sampled_vs_noise", case, tv_curves["tv_expected"].iloc[-1],
                  tv_curves["tv_measured"].iloc[-1],
                  n_sd * null_tv_spread(boltzmann, n_samples, rng),
                  f"TV(empirical of {n_samples} Eq. 62 samples, Boltzmann) vs its expectation for "
                  f"exact samples; tolerance {n_sd:g} sd of exact-sample TV; Eq. 57 read "
                  f"literally (pairs twice) would be TV {literal_eq57_tv:.3g}"),
    ]
    return tv_curves, rows


def _decay_check(beta: float, coupling: float, case: str, *, n_spins: int, n_chains: int,
                 chain_length: int, max_lag: int, min_mi: float, rate_tolerance: float,
                 rng: np.random.Generator):
    """I(r) by enumeration, by the transfer matrix and by the estimator on Eq. 62 chains, and
    their decay rates against 2/ξ."""
    xi = correlation_length(beta, coupling)
    predicted_rate = 2.0 / xi
    lags = np.arange(1, max_lag + 1)
    enumerated = pair_mi_enumerated(boltzmann_distribution(n_spins, beta, coupling), n_spins)
    transfer = mi_of_correlated_spins(spin_correlation(lags, beta, coupling))
    chains = sample_conditional(n_chains, chain_length, beta, coupling, rng)
    estimated = mutual_information((chains < 0).astype(np.uint8), lags)["mi"].to_numpy()
    estimator_rate, fit_lo, fit_hi = _fitted_rate(lags, estimated, min_mi, min_lag=1)
    # the far half of the chain (>= 5 points for the fit): nearest the asymptotic regime
    enum_fit_from = n_spins - max(5, (n_spins - 1) // 2)
    enumerated_rate, *_ = _fitted_rate(np.arange(1, n_spins), enumerated, 0.0,
                                       min_lag=enum_fit_from)
    mi_curves = pd.DataFrame({
        "beta": beta, "coupling": coupling, "lag": lags,
        "mi_enumerated": _padded(enumerated, max_lag),
        "mi_transfer_matrix": transfer, "mi_estimated": estimated,
        "in_fit_window": (lags >= fit_lo) & (lags <= fit_hi),
    })[MI_COLUMNS]
    n_compared = min(enumerated.size, max_lag)
    rows = [
        check_row(TOPIC, "enumerated_mi_vs_transfer_matrix", case, 0.0,
                  float(np.max(np.abs(enumerated[:n_compared] - transfer[:n_compared]))), 1e-12,
                  f"max over r = 1..{n_compared} of |I_enumerated(r) - I(c^r)|, "
                  "c = lambda_2/lambda_1"),
        check_row(TOPIC, "enumerated_mi_decay_rate", case, predicted_rate, enumerated_rate,
                  rate_tolerance * predicted_rate,
                  f"2/xi (transfer matrix, xi = {xi:.4g}) vs fitted rate of the enumerated "
                  f"I(r), r = {enum_fit_from}..{n_spins - 1}"),
        check_row(TOPIC, "estimated_mi_decay_rate", case, predicted_rate, estimator_rate,
                  rate_tolerance * predicted_rate,
                  f"2/xi vs fitted rate of the estimator's I(r) on {n_chains} Eq. 62 chains of "
                  f"{chain_length} spins, r = {fit_lo}..{fit_hi} (points above {min_mi:g})"),
    ]
    return mi_curves, rows


def check_temperature(beta: float, coupling: float, *, n_spins: int, n_samples: int,
                      tv_sample_sizes, n_chains: int, chain_length: int, max_lag: int,
                      min_mi: float, rate_tolerance: float, n_sd: float,
                      rng: np.random.Generator):
    """MI curves, TV curve and check rows at one inverse temperature."""
    case = f"beta={beta:g}, J={coupling:g}"
    tv_curves, sampling_rows = _sampling_check(
        beta, coupling, case, n_spins=n_spins, n_samples=n_samples,
        tv_sample_sizes=tv_sample_sizes, n_sd=n_sd, rng=rng)
    mi_curves, decay_rows = _decay_check(
        beta, coupling, case, n_spins=n_spins, n_chains=n_chains, chain_length=chain_length,
        max_lag=max_lag, min_mi=min_mi, rate_tolerance=rate_tolerance, rng=rng)
    return mi_curves, tv_curves, sampling_rows + decay_rows


def run_ising_check(config: IsingConfig | None = None) -> IsingTables:
    """Enumeration vs Eq. 62 sampling (TV distance) and exponential MI decay vs the transfer
    matrix's correlation length, for each β.  Deterministic for a given seed.

    ``config``: an :class:`IsingConfig` (None: its defaults).  Every returned table records
    the config as constant columns after its own.
    """
    config = IsingConfig.given(config)
    rng = np.random.default_rng(config.seed)
    mi_frames, tv_frames, rows = [], [], []
    for beta in config.betas:
        mi, tv, r = check_temperature(
            float(beta), config.coupling, n_spins=config.n_spins, n_samples=config.n_samples,
            tv_sample_sizes=config.tv_sample_sizes, n_chains=config.n_chains,
            chain_length=config.chain_length, max_lag=config.max_lag, min_mi=config.min_mi,
            rate_tolerance=config.rate_tolerance, n_sd=config.n_sd, rng=rng)
        mi_frames.append(mi)
        tv_frames.append(tv)
        rows += r
    tables = (pd.concat(mi_frames, ignore_index=True), pd.concat(tv_frames, ignore_index=True),
              checks_table(rows))
    return IsingTables(*(record_config(table, config) for table in tables))
