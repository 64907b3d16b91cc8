"""Tests for miscaling.synth: binary sequences with power-law mutual information (Appendix B)."""

import math

import numpy as np
import pytest
from miscaling import synth
from miscaling.synth import (
    MODES,
    binary_mi_from_correlation,
    binary_power_law_sequences,
    binary_sequences_from_correlations,
    correlation_for_binary_mi,
    power_law_correlations,
    target_mi,
)
from scipy import linalg

LN2 = math.log(2.0)


def plugin_binary_mi(a: np.ndarray, b: np.ndarray) -> float:
    """Plain plug-in MI (nats) of two 0/1 arrays, computed from the 2x2 contingency table."""
    joint = np.bincount(2 * a.astype(np.int64) + b.astype(np.int64), minlength=4) / a.size
    joint = joint.reshape(2, 2)
    pa, pb = joint.sum(1), joint.sum(0)
    nz = joint > 0
    return float(np.sum(joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])))


def eq43_from_eq44_45(rho: float) -> float:
    """Eq. 43 evaluated with the cell probabilities of Eqs. 44-45, θ = arccos ρ."""
    theta = math.acos(rho)
    same = 0.5 - theta / (2 * math.pi)  # p(0,0) = p(1,1), Eq. 44
    diff = theta / (2 * math.pi)  # p(1,0) = p(0,1), Eq. 45
    cells = [same, same, diff, diff]
    return math.log(4) + sum(p * math.log(p) for p in cells if p > 0)


def eq46_printed(rho: float) -> float:
    theta = math.acos(rho)
    xlx = lambda x: x * math.log(x) if x > 0 else 0.0  # noqa: E731
    return (math.pi * math.log(2 / math.pi) + xlx(math.pi - theta) + xlx(theta)) / math.pi


# ------------------------------------------------------------------------------------------
# Eq. 46
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rho", [0.0, 1e-4, 0.05, 0.2, 0.5, 0.8, 0.95, 0.999, 1.0])
def test_eq46_matches_eq43_with_eq44_45(rho):
    got = float(binary_mi_from_correlation(rho))
    assert got == pytest.approx(eq43_from_eq44_45(rho), abs=1e-13)
    assert got == pytest.approx(eq46_printed(rho), abs=1e-13)


def test_eq46_endpoints_and_symmetry():
    assert binary_mi_from_correlation(0.0) == 0.0
    assert binary_mi_from_correlation(1.0) == pytest.approx(LN2, abs=1e-15)
    r = np.linspace(-1, 1, 41)
    mi = binary_mi_from_correlation(r)
    np.testing.assert_allclose(mi, mi[::-1], rtol=0, atol=1e-15)
    assert mi.shape == r.shape
    assert np.all(np.diff(mi[20:]) > 0)  # increasing in |ρ|


def test_eq46_small_correlation_expansion():
    # I(ρ) = 2ρ²/π² + O(ρ⁴): the expansion quoted under Eq. 47 is correct.
    rho = np.array([1e-6, 1e-4, 1e-3, 1e-2])
    ratio = binary_mi_from_correlation(rho) / (2 * rho**2 / math.pi**2)
    np.testing.assert_allclose(ratio, 1.0, atol=5e-5)
    # and it is not exact: the next term is positive (ratio 1.004 at ρ = 0.1)
    r01 = float(binary_mi_from_correlation(0.1)) / (2 * 0.01 / math.pi**2)
    assert 1.003 < r01 < 1.005
    # relative precision is kept for tiny MI (the printed Eq. 46 loses it)
    assert float(binary_mi_from_correlation(1e-9)) == pytest.approx(2e-18 / math.pi**2, rel=1e-9)


@pytest.mark.parametrize("rho", [0.1, 0.4, 0.7, 0.9])
def test_eq46_against_monte_carlo_of_sign_correlated_gaussians(rho):
    n = 400_000
    rng = np.random.default_rng(12345 + int(rho * 100))
    z = rng.standard_normal((n, 2))
    x1 = z[:, 0]
    x2 = rho * z[:, 0] + math.sqrt(1 - rho**2) * z[:, 1]
    y1, y2 = (x1 > 0).astype(np.uint8), (x2 > 0).astype(np.uint8)
    # agreement probability 1/2 + arcsin(ρ)/π = 1 - θ/π (Eqs. 44-45)
    p_same = 0.5 + math.asin(rho) / math.pi
    agree = float(np.mean(y1 == y2))
    se = math.sqrt(p_same * (1 - p_same) / n)
    assert abs(agree - p_same) < 5 * se
    # plug-in MI vs Eq. 46; delta-method SE: dI/dp = ln(p/(1-p)) for a symmetric binary channel
    mi_hat = plugin_binary_mi(y1, y2)
    mi_se = abs(math.log(p_same / (1 - p_same))) * se + 1.0 / n  # + plug-in bias scale
    assert abs(mi_hat - float(binary_mi_from_correlation(rho))) < 5 * mi_se


# ------------------------------------------------------------------------------------------
# Inverse
# ------------------------------------------------------------------------------------------
def test_inverse_round_trip():
    rho = np.concatenate([np.logspace(-9, -0.0001, 300), np.linspace(0, 0.9999, 301)])
    back = correlation_for_binary_mi(binary_mi_from_correlation(rho))
    np.testing.assert_allclose(back, rho, rtol=1e-12, atol=1e-15)
    mi = np.concatenate([[0.0, 1e-30, 1e-15], np.linspace(1e-6, 0.69, 500)])
    np.testing.assert_allclose(
        binary_mi_from_correlation(correlation_for_binary_mi(mi)), mi, rtol=1e-12, atol=0
    )
    assert correlation_for_binary_mi(0.0) == 0.0
    assert correlation_for_binary_mi([[0.1, 0.2]]).shape == (1, 2)


@pytest.mark.parametrize("bad", [-1e-12, LN2, 0.7, np.nan])
def test_inverse_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="mi"):
        correlation_for_binary_mi(bad)


@pytest.mark.parametrize("bad", [1.0000001, -1.5, np.nan])
def test_forward_rejects_non_correlations(bad):
    with pytest.raises(ValueError, match="rho"):
        binary_mi_from_correlation(bad)


# ------------------------------------------------------------------------------------------
# Correlation profiles: exact / asymptotic / literal (Eq. 47)
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("amplitude,gamma", [(0.1, 0.4), (0.1, 0.1), (0.1, 1.0), (0.5, 0.7)])
def test_exact_mode_gives_exact_power_law(amplitude, gamma):
    rho = power_law_correlations(1000, amplitude, gamma, "exact")
    assert rho[0] == 1.0 and rho.shape == (1000,)
    tau = np.arange(1, 1000)
    np.testing.assert_allclose(
        binary_mi_from_correlation(rho[1:]), target_mi(tau, amplitude, gamma), rtol=1e-12
    )


def test_literal_eq47_constant_is_off_by_pi_cubed():
    a, g = 0.1, 0.4
    rho = power_law_correlations(100_001, a, g, "literal")
    np.testing.assert_allclose(rho[1:4], math.sqrt(a / (2 * math.pi)) * np.arange(1, 4) ** -0.2)
    tau = np.array([1, 10, 100, 1000, 10_000, 100_000])
    ratio = binary_mi_from_correlation(rho[tau]) / target_mi(tau, a, g)
    # I ≈ (A/π³) τ^{-γ}, not A τ^{-γ}
    np.testing.assert_allclose(ratio, 1 / math.pi**3, rtol=7e-3)
    assert ratio[-1] == pytest.approx(1 / math.pi**3, rel=2e-4)
    assert np.all(np.diff(ratio) < 0)  # approaches 1/π³ from above


def test_asymptotic_mode_reaches_target_at_large_lag():
    a, g = 0.1, 0.4
    rho = power_law_correlations(100_001, a, g, "asymptotic")
    np.testing.assert_allclose(rho[1:4], math.pi * math.sqrt(a / 2) * np.arange(1, 4) ** -0.2)
    tau = np.array([1, 10, 100, 1000, 10_000, 100_000])
    ratio = binary_mi_from_correlation(rho[tau]) / target_mi(tau, a, g)
    assert ratio[0] == pytest.approx(1.2854, abs=1e-3)  # clearly off at τ = 1
    assert np.all(np.diff(ratio) < 0) and np.all(ratio > 1)
    # relative excess ≈ (π²+2)/6 · I (next order of the expansion), so it vanishes as τ → ∞
    np.testing.assert_allclose(
        ratio[3:] - 1, (math.pi**2 + 2) / 6 * target_mi(tau[3:], a, g), rtol=0.03
    )
    assert ratio[-1] < 1.002


def test_asymptotic_mode_rejects_correlation_above_one():
    assert power_law_correlations(10, 0.2, 0.4, "asymptotic")[1] <= 1
    with pytest.raises(ValueError, match=r"amplitude.*<= 1|<= 1.*amplitude"):
        power_law_correlations(10, 0.25, 0.4, "asymptotic")


def test_gamma_zero_is_constant_mi():
    rho = power_law_correlations(50, 0.1, 0.0, "exact")
    np.testing.assert_allclose(binary_mi_from_correlation(rho[1:]), 0.1, rtol=1e-12)
    y = binary_power_law_sequences(20, 50, 0.1, 0.0, seed=1)
    assert y.shape == (20, 50)


# ------------------------------------------------------------------------------------------
# Sampling
# ------------------------------------------------------------------------------------------
def test_shape_dtype_values_and_reproducibility():
    y = binary_power_law_sequences(37, 64, 0.1, 0.4, seed=7)
    assert y.shape == (37, 64) and y.dtype == np.uint8
    assert set(np.unique(y)) <= {0, 1}
    np.testing.assert_array_equal(y, binary_power_law_sequences(37, 64, 0.1, 0.4, seed=7))
    assert not np.array_equal(y, binary_power_law_sequences(37, 64, 0.1, 0.4, seed=8))
    for mode in MODES:
        z = binary_power_law_sequences(5, 16, 0.1, 0.4, mode=mode, seed=3)
        assert z.shape == (5, 16) and z.dtype == np.uint8


def test_output_independent_of_chunking(monkeypatch):
    full = binary_power_law_sequences(50, 40, 0.1, 0.4, seed=11)
    monkeypatch.setattr(synth, "_CHUNK_VALUES", 40 * 7)  # chunks of 7 sequences
    np.testing.assert_array_equal(full, binary_power_law_sequences(50, 40, 0.1, 0.4, seed=11))
    # a prefix of sequences is the same whatever n_seq is
    np.testing.assert_array_equal(full[:13], binary_power_law_sequences(13, 40, 0.1, 0.4, seed=11))


@pytest.mark.parametrize("mode", ["exact", "asymptotic"])
def test_empirical_agreement_matches_arcsin_law(mode):
    a, g, length, n = 0.1, 0.4, 256, 4000
    y = binary_power_law_sequences(n, length, a, g, mode=mode, seed=2024)
    rho = power_law_correlations(length, a, g, mode)
    # marginals are fair coins
    assert abs(y.mean() - 0.5) < 5 * y.mean(axis=1).std(ddof=1) / math.sqrt(n)
    for tau in (1, 4, 32, 200):
        agree_per_seq = (y[:, tau:] == y[:, :-tau]).mean(axis=1)  # sequences are i.i.d.
        se = agree_per_seq.std(ddof=1) / math.sqrt(n)
        expected = 0.5 + math.asin(rho[tau]) / math.pi
        assert abs(agree_per_seq.mean() - expected) < 5 * se, (tau, agree_per_seq.mean(), expected)


def test_empirical_mi_matches_power_law_in_exact_mode():
    a, g, length, n = 0.1, 0.4, 128, 20_000
    y = binary_power_law_sequences(n, length, a, g, seed=99)
    for tau in (1, 8, 64):
        # one pair per sequence keeps the samples independent
        mi = plugin_binary_mi(y[:, 0], y[:, tau])
        p = 0.5 + math.asin(float(correlation_for_binary_mi(a * tau**-g))) / math.pi
        se = abs(math.log(p / (1 - p))) * math.sqrt(p * (1 - p) / n)
        assert abs(mi - a * tau**-g) < 5 * se + 2.0 / n


def test_literal_mode_sequences_have_much_less_mi():
    # the printed Eq. 47 gives ~A/π³: measurably far below the target at lag 1
    y = binary_power_law_sequences(20_000, 4, 0.1, 0.4, mode="literal", seed=5)
    mi = plugin_binary_mi(y[:, 0], y[:, 1])
    assert mi < 0.1 / 10
    assert mi == pytest.approx(0.1 / math.pi**3, abs=0.0015)


def test_singular_but_psd_matrix_is_sampled():
    # ρ ≡ 1 is PSD with rank 1 (Cholesky fails): every sequence is constant
    y = binary_sequences_from_correlations(200, np.ones(6), seed=0)
    assert np.all(y == y[:, :1])
    assert 0 < y[:, 0].mean() < 1


def test_non_psd_parameters_raise_with_details():
    # exact mode, A = 0.69, γ = 10: ρ(1) ≈ 0.9998 but ρ(2) ≈ 0.06 — impossible
    rho = power_law_correlations(8, 0.69, 10.0, "exact")
    assert linalg.eigvalsh(linalg.toeplitz(rho))[0] < -0.1
    with pytest.raises(ValueError) as err:
        binary_power_law_sequences(10, 8, 0.69, 10.0, mode="exact")
    msg = str(err.value)
    for piece in ("positive semi-definite", "amplitude=0.69", "gamma=10.0", "length=8",
                  "mode='exact'", "smallest eigenvalue -"):
        assert piece in msg
    with pytest.raises(ValueError, match="positive semi-definite.*smallest eigenvalue"):
        binary_sequences_from_correlations(3, [1.0, 0.9, -0.9])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(n_seq=0), "n_seq"),
        (dict(n_seq=2.5), "n_seq"),
        (dict(n_seq=True), "n_seq"),
        (dict(length=1), "length"),
        (dict(length=10.0), "length"),
        (dict(amplitude=0.0), "amplitude"),
        (dict(amplitude=-0.1), "amplitude"),
        (dict(amplitude=LN2), "amplitude"),
        (dict(amplitude=1.0), "amplitude"),
        (dict(amplitude=float("nan")), "amplitude"),
        (dict(amplitude="0.1"), "amplitude"),
        (dict(gamma=-0.1), "gamma"),
        (dict(gamma=float("inf")), "gamma"),
        (dict(mode="Exact"), "mode"),
        (dict(mode=None), "mode"),
        (dict(seed=-1), "seed"),
        (dict(seed=1.5), "seed"),
    ],
)
def test_invalid_arguments_raise(kwargs, match):
    args = dict(n_seq=4, length=10, amplitude=0.1, gamma=0.4, mode="exact", seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        binary_power_law_sequences(**args)


def test_invalid_amplitude_message_names_range():
    with pytest.raises(ValueError, match=r"0 < amplitude < ln 2"):
        power_law_correlations(10, 0.8, 0.4)


@pytest.mark.parametrize(
    "corr,match",
    [
        ([1.0], "length >= 2"),
        ([[1.0, 0.5]], "1-D"),
        ([0.9, 0.5], r"correlations\[0\] must be 1"),
        ([1.0, 1.2, 0.3], r"\[-1, 1\]"),
        ([1.0, np.inf], "finite"),
    ],
)
def test_invalid_correlation_vectors(corr, match):
    with pytest.raises(ValueError, match=match):
        binary_sequences_from_correlations(2, corr)


def test_target_mi():
    np.testing.assert_allclose(target_mi([1, 2, 4], 0.1, 0.5), [0.1, 0.1 / math.sqrt(2), 0.05])
    with pytest.raises(ValueError, match="lags"):
        target_mi([0, 1], 0.1, 0.4)
    with pytest.raises(ValueError, match="amplitude"):
        target_mi([1, 2], 0.0, 0.4)
    with pytest.raises(ValueError, match="gamma"):
        target_mi([1, 2], 0.1, -1.0)
