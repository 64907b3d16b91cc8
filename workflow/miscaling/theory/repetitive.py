r"""Constant mutual information of repetitive sequences (paper Appendix C, Eq. 52, Figure 4).

Independent two-symbol blocks, ``01`` with probability ``p`` and ``10`` otherwise: Eq. 52 gives
I(τ) for every τ >= 2, independent of τ, and :func:`exact_mi` enumerates the joint distribution
at any τ (I(1) is larger).  :func:`run_repetitive_check` compares the estimator with both.
Derivation and pass criterion: docs/METHODS.md §8.3, Eqs. (M49)–(M51).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from miscaling.mi import EstimatorConfig, mutual_information
from miscaling.theory.checks import check_row, checks_table
from miscaling.theory.config import (  # noqa: F401 - the defaults are re-exported here
    DEFAULT_LAGS,
    DEFAULT_PROBABILITIES,
    RepetitiveConfig,
    record_config,
)

TOPIC = "repetitive"
CURVE_COLUMNS = ["p", "replicate", "lag", "mi", "eq52", "exact"]
#: The Grassberger estimate of a deterministic sequence (p = 0 or 1, no sampling noise at all)
#: was measured ln 2 + 1.0/N (N symbols); allow four times that for the estimator's bias.
BIAS_ALLOWANCE = 4.0


def eq52(p) -> np.ndarray:
    """Eq. 52 verbatim, with its limit ln 2 at p ∈ {0, 1} (where it reads 0·∞)."""
    p = np.asarray(p, dtype=float)
    q = p * (p - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 4.0 * q * np.arctanh((1.0 - 2.0 * p) ** 2) + np.log(2.0 + 4.0 * q)
    return np.where(q == 0.0, np.log(2.0), value)[()]


def pair_distribution(p: float, lag: int) -> np.ndarray:
    """Joint distribution (2×2) of ``(x_t, x_{t+lag})`` pooled over the two phases of t.

    A symbol's value is fixed by its block's pattern and its offset in the block (the first
    symbol is 0 for ``01``); two positions in the same block share one pattern, positions in
    different blocks have independent ones."""
    if lag < 1:
        raise ValueError(f"lag must be >= 1, got {lag}")
    joint = np.zeros((2, 2))
    for phase in (0, 1):  # t even or odd, equally often in a long sequence
        first, second = phase, phase + lag
        for pattern_a in (0, 1):  # 0: "01" (probability p), 1: "10"
            for pattern_b in (0, 1):
                same_block = first // 2 == second // 2
                if same_block and pattern_a != pattern_b:
                    continue
                weight = (p if pattern_a == 0 else 1 - p)
                if not same_block:
                    weight *= (p if pattern_b == 0 else 1 - p)
                symbol_a = pattern_a ^ (first % 2)
                symbol_b = pattern_b ^ (second % 2)
                joint[symbol_a, symbol_b] += 0.5 * weight
    return joint


def mi_of_distribution(joint: np.ndarray) -> float:
    """Mutual information (nats) of a joint probability table."""
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    support = joint > 0
    return float(np.sum(joint[support] * np.log(joint[support] / outer[support])))


def exact_mi(p: float, lag: int) -> float:
    """I(τ) of the repetitive sequence for any τ >= 1 (Eq. 52 for τ >= 2)."""
    return mi_of_distribution(pair_distribution(p, lag))


def sample_sequences(p: float, n_sequences: int, length: int,
                     rng: np.random.Generator) -> np.ndarray:
    """``n_sequences`` independent sequences (uint8, shape (n, length)), ``length`` even, of
    blocks ``01`` (probability p) and ``10``, the first block starting at position 0."""
    if length % 2:
        raise ValueError(f"length must be even (whole blocks), got {length}")
    first_is_one = rng.random((n_sequences, length // 2)) >= p  # "10"
    sequences = np.empty((n_sequences, length), dtype=np.uint8)
    sequences[:, 0::2] = first_is_one
    sequences[:, 1::2] = ~first_is_one
    return sequences


class RepetitiveTables(NamedTuple):
    curves: pd.DataFrame  # one row per (p, replicate, lag)
    checks: pd.DataFrame


def run_repetitive_check(config: RepetitiveConfig | None = None) -> RepetitiveTables:
    """Estimate I(τ) (:func:`miscaling.mi.mutual_information`) on ``replicates`` independent
    simulated sequences per p and compare with Eq. 52 (τ >= 2) and the exact I(1).

    ``config``: a :class:`RepetitiveConfig` (None: its defaults); a changed setting is
    ``config.replace(seed=5)``.  Both returned tables record the config as constant columns
    after their own.

    A check passes when the replicates' mean lies within a Student-t interval at ``confidence``
    plus ``BIAS_ALLOWANCE/length`` of the prediction (docs/METHODS.md, Eq. (M51))."""
    config = RepetitiveConfig.given(config)
    lags = np.asarray(config.lags, dtype=np.int64)
    replicates, length, confidence = config.replicates, config.length, config.confidence
    rng = np.random.default_rng(config.seed)
    estimator = EstimatorConfig(estimator=config.estimator)
    frames = []
    for p in config.probabilities:
        for replicate in range(replicates):
            sequence = sample_sequences(float(p), 1, length, rng)[0]
            table = mutual_information(sequence, lags, config=estimator)
            frames.append(pd.DataFrame({"p": float(p), "replicate": replicate,
                                        "lag": table["lag"], "mi": table["mi"]}))
    curves = pd.concat(frames, ignore_index=True)
    curves["eq52"] = np.where(curves["lag"] >= 2, eq52(curves["p"]), np.nan)
    curves["exact"] = [exact_mi(p, lag) for p, lag in zip(curves["p"], curves["lag"])]
    curves = curves[CURVE_COLUMNS]

    rows = []
    for p, group in curves.groupby("p"):
        long_lags = group[group["lag"] >= 2].groupby("replicate")["mi"].mean()
        long_lag_list = ", ".join(str(lag) for lag in sorted(group.lag[group.lag >= 2].unique()))
        rows.append(_replicate_check("eq52_vs_estimator", p, float(eq52(p)), long_lags,
                                     confidence, length, f"mean over lags {long_lag_list}"))
        if (group["lag"] == 1).any():
            lag_one = group[group["lag"] == 1].set_index("replicate")["mi"]
            rows.append(_replicate_check("lag1_exact_vs_estimator", p, exact_mi(p, 1), lag_one,
                                         confidence, length, "tau = 1 lies outside Eq. 52"))
    return RepetitiveTables(record_config(curves, config),
                            record_config(checks_table(rows), config))


def _replicate_check(check: str, p: float, predicted: float, per_replicate: pd.Series,
                     confidence: float, length: int, note: str) -> dict:
    n = len(per_replicate)
    standard_error = float(per_replicate.std(ddof=1) / np.sqrt(n))
    t_quantile = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))
    return check_row(TOPIC, check, f"p={p:g}", predicted, float(per_replicate.mean()),
                     t_quantile * standard_error + BIAS_ALLOWANCE / length,
                     f"{note}; {n} sequences of {length} symbols, tolerance "
                     f"t({confidence:g}, {n - 1} df) = {t_quantile:.3g} standard errors "
                     f"+ {BIAS_ALLOWANCE:g}/length")
