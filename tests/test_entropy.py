"""Entropy estimators from counts (miscaling.mi.entropy) against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from miscaling.mi.entropy import (
    ESTIMATORS,
    LOOKUP_CAP,
    entropy_columns,
    entropy_from_counts,
    ng_exact,
    ng_table,
    summarize_counts,
)
from scipy.special import digamma

EULER = 0.5772156649015329
LN2 = math.log(2.0)


def plugin(counts) -> float:
    p = np.asarray([c for c in counts if c > 0], dtype=float)
    p /= p.sum()
    return float(-(p * np.log(p)).sum())


def test_plugin_hand_values():
    assert entropy_from_counts([1, 1], "plugin") == pytest.approx(LN2, abs=1e-15)
    # p = (1/2, 1/4, 1/4): H = 1.5 ln 2
    assert entropy_from_counts([2, 1, 1], "plugin") == pytest.approx(1.5 * LN2, abs=1e-15)
    assert entropy_from_counts([7], "plugin") == 0.0


def test_grassberger_eq53_hand_values():
    # psi(1) = -gamma, psi(2) = 1 - gamma
    assert entropy_from_counts([1, 1]) == pytest.approx(LN2 + EULER, abs=1e-14)
    assert entropy_from_counts([2, 1]) == pytest.approx(
        math.log(3) - (2 * (1 - EULER) + (-EULER)) / 3, abs=1e-14
    )
    counts = np.array([5, 3, 9, 1])
    n = counts.sum()
    expected = math.log(n) - (counts * digamma(counts)).sum() / n
    assert entropy_from_counts(counts, "grassberger") == pytest.approx(expected, abs=1e-14)


def test_grassberger2003_G_values():
    g = ng_exact(np.arange(1, 13), "grassberger2003") / np.arange(1, 13)
    assert g[0] == pytest.approx(-EULER - LN2, abs=1e-14)  # G(1)
    assert g[1] == pytest.approx(2 - EULER - LN2, abs=1e-14)  # G(2)
    # Grassberger (2003): G(2n+1) = G(2n) and G(2n+2) = G(2n) + 2/(2n+1)
    for n in range(1, 6):
        assert g[2 * n] == pytest.approx(g[2 * n - 1], abs=1e-13)
        assert g[2 * n + 1] == pytest.approx(g[2 * n - 1] + 2 / (2 * n + 1), abs=1e-13)
    # a single observation: H = ln 1 - G(1)
    assert entropy_from_counts([1], "grassberger2003") == pytest.approx(EULER + LN2, abs=1e-14)


def test_miller_madow_correction():
    counts = [3, 1, 0, 0]
    assert entropy_from_counts(counts, "miller_madow") == pytest.approx(
        plugin(counts) + (2 - 1) / (2 * 4), abs=1e-15
    )


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_zero_bins_ignored(estimator):
    a = entropy_from_counts([4, 0, 2, 0, 0, 9], estimator)
    assert a == entropy_from_counts([4, 2, 9], estimator)


def test_estimators_differ_and_plugin_is_smallest():
    counts = [1, 2, 3, 1, 1]
    values = {e: entropy_from_counts(counts, e) for e in ESTIMATORS}
    assert values["plugin"] < values["miller_madow"]
    assert values["plugin"] < values["grassberger"]
    assert len(set(values.values())) == 4


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_lookup_table_matches_exact(estimator):
    n = np.array([1, 2, 3, 10, 999, 65_537, LOOKUP_CAP - 1])
    assert np.allclose(ng_table(estimator)[n], ng_exact(n, estimator), rtol=1e-15, atol=0)
    assert ng_table(estimator)[0] == 0.0


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("case", ["small", "gather", "large"])
def test_summary_paths_agree_with_direct_formula(estimator, case):
    rng = np.random.default_rng(3)
    if case == "small":  # <= 4096 cells: exact digamma on the non-zero cells
        counts = np.array([LOOKUP_CAP + 7, 3, 0, 5])
    elif case == "gather":  # max count > number of cells: table gather + exact tail
        counts = rng.integers(0, 50, 5000)
        counts[:3] = [LOOKUP_CAP, LOOKUP_CAP + 1, 3 * LOOKUP_CAP]
    else:  # counts of counts, including counts beyond the table
        counts = rng.integers(0, 5, LOOKUP_CAP + 50)
        counts[:2] = [LOOKUP_CAP + 3, LOOKUP_CAP + 40]
    nz = counts[counts > 0]
    summary = summarize_counts(counts, estimator)
    assert summary.n == nz.sum() and summary.m == nz.size
    assert summary.s == pytest.approx(ng_exact(nz, estimator).sum(), rel=1e-13)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_entropy_columns(estimator):
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, (300, 5))
    counts[0, 1] = LOOKUP_CAP + 11
    got = entropy_columns(counts, estimator)
    want = [entropy_from_counts(counts[:, j], estimator) for j in range(5)]
    assert np.allclose(got, want, rtol=1e-13, atol=1e-13)
    assert np.isnan(entropy_columns(np.zeros((3, 1), dtype=np.int64), estimator)[0])


def test_errors():
    with pytest.raises(ValueError, match="unknown estimator 'shannon'.*grassberger2003"):
        entropy_from_counts([1, 2], "shannon")
    with pytest.raises(ValueError, match="non-negative"):
        entropy_from_counts([1, -2])
    with pytest.raises(ValueError, match="integers"):
        entropy_from_counts([1.5, 2.0])
    with pytest.raises(ValueError, match="1-D"):
        entropy_from_counts([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="at least one positive count"):
        entropy_from_counts([0, 0])
    with pytest.raises(ValueError, match="at least one positive count"):
        entropy_from_counts([])
