"""Analytical checks of the paper's theory (miscaling.theory): every formula against a
brute-force or closed-form reference on tiny cases, plus the end-to-end check runners."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from miscaling.cli import main
from miscaling.io import read_table
from miscaling.mi import mutual_information
from miscaling.theory import gaussian, ising, linear_rnn, repetitive
from miscaling.theory.checks import CHECK_COLUMNS, check_row
from miscaling.theory.config import IsingConfig, LinearRNNConfig, RepetitiveConfig
from miscaling.theory.linear_rnn import LinearRNN

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- helpers


def small_network(seed: int = 1, hidden: int = 3, dim: int = 2) -> LinearRNN:
    return linear_rnn.random_network(hidden, dim, 0.7, np.random.default_rng(seed))


def brute_force_output_covariance(net: LinearRNN, initial_cov: np.ndarray,
                                  max_lag: int) -> np.ndarray:
    """Cov of (x_0..x_T) from Eq. 12 written out as a linear map of the independent pieces
    (h_0, x_0) ~ N(0, Σ_0) and y_1..y_T ~ N(0, σ² I): no recursion involved."""
    m, d = net.hidden, net.dim
    latent = m + d + max_lag * d
    maps = np.zeros((max_lag + 1, d, latent))  # x_t = maps[t] @ latent vector
    maps[0][:, m:m + d] = np.eye(d)
    power = np.linalg.matrix_power
    for t in range(1, max_lag + 1):
        maps[t][:, :m] = net.u_o @ power(net.u_h, t)  # U_o U_h^t h_0
        for i in range(t - 1):  # Σ_{i=0}^{t-2} U_o U_h^{t-1-i} W_h x_i
            maps[t] += net.u_o @ power(net.u_h, t - 1 - i) @ net.w_h @ maps[i]
        noise = m + d + (t - 1) * d
        maps[t][:, noise:noise + d] += np.eye(d)  # + y_t
    latent_cov = np.zeros((latent, latent))
    latent_cov[: m + d, : m + d] = initial_cov
    latent_cov[m + d:, m + d:] = net.sigma**2 * np.eye(max_lag * d)
    stacked = maps.reshape((max_lag + 1) * d, latent)
    full = stacked @ latent_cov @ stacked.T
    return full.reshape(max_lag + 1, d, max_lag + 1, d).transpose(0, 2, 1, 3)


# --------------------------------------------------------------------------- checks table


def test_check_row_passes_on_tolerance_and_fails_on_nan():
    assert check_row("t", "c", "x", 1.0, 1.05, 0.1)["passed"]
    assert not check_row("t", "c", "x", 1.0, 1.2, 0.1)["passed"]
    assert not check_row("t", "c", "x", 1.0, float("nan"), 0.1)["passed"]
    assert list(check_row("t", "c", "x", 0, 0, 0)) == CHECK_COLUMNS


# --------------------------------------------------------------------------- Gaussian MI


def random_joint_covariance(rng, n_x, n_y, strength=1.0):
    factor = rng.normal(size=(n_x + n_y, n_x + n_y))
    cov = factor @ factor.T + n_x * np.eye(n_x + n_y)
    scale = np.ones(n_x + n_y)
    cov[:n_x, n_x:] *= strength
    cov[n_x:, :n_x] *= strength
    return cov * np.outer(scale, scale)


@pytest.mark.parametrize("n_x,n_y", [(1, 1), (2, 2), (2, 3)])
def test_logdet_mi_equals_entropy_definition_and_literal_eq41(n_x, n_y):
    cov = random_joint_covariance(np.random.default_rng(n_x + 10 * n_y), n_x, n_y)
    blocks = cov[:n_x, :n_x], cov[:n_x, n_x:], cov[n_x:, n_x:]
    stable = gaussian.gaussian_mi(*blocks)
    assert stable > 0
    assert stable == pytest.approx(gaussian.gaussian_mi_logdet_literal(*blocks), rel=1e-10)
    assert stable == pytest.approx(gaussian.gaussian_mi_from_entropies(cov, n_x), rel=1e-10)
    # Eq. 40 is symmetric in X and Y
    assert stable == pytest.approx(gaussian.gaussian_mi(blocks[2], blocks[1].T, blocks[0]),
                                   rel=1e-10)


def test_bivariate_gaussian_mi_closed_form_and_trace_limit():
    for rho in (0.9, 0.3, 1e-3, 1e-9):
        expected = -0.5 * math.log1p(-rho**2)
        cov_xy = np.array([[rho]])
        assert gaussian.gaussian_mi(np.eye(1), cov_xy, np.eye(1)) == pytest.approx(
            expected, rel=1e-12)
        # Eq. 41's trace form is the leading term rho²/2
        trace = gaussian.gaussian_mi_trace(np.eye(1), cov_xy, np.eye(1))
        assert trace == pytest.approx(rho**2 / 2, rel=1e-12)
        assert trace / expected == pytest.approx(1.0, abs=rho**2)


def test_gaussian_mi_is_batched():
    rng = np.random.default_rng(3)
    covs = np.stack([random_joint_covariance(rng, 2, 2) for _ in range(4)])
    batched = gaussian.gaussian_mi(covs[:, :2, :2], covs[:, :2, 2:], covs[:, 2:, 2:])
    single = [gaussian.gaussian_mi(c[:2, :2], c[:2, 2:], c[2:, 2:]) for c in covs]
    np.testing.assert_allclose(batched, single, rtol=1e-12)


# --------------------------------------------------------------------------- linear RNN


def test_network_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes"):
        LinearRNN(np.zeros((3, 2)), np.zeros((3, 3)), np.zeros((2, 4)), 1.0)


@pytest.mark.parametrize("dim", [1, 2])
def test_recursions_eq15_eq22_match_brute_force_linear_map(dim):
    rng = np.random.default_rng(dim)
    net = linear_rnn.random_network(3, dim, 0.8, rng)
    initial_cov = linear_rnn.random_initial_covariance(net, rng)
    full = linear_rnn.full_output_covariance(net, initial_cov, 7)
    np.testing.assert_allclose(full, brute_force_output_covariance(net, initial_cov, 7),
                               rtol=1e-10, atol=1e-12)


def test_recursion_matches_state_space_and_eq37_bound():
    net = small_network()
    initial_cov = linear_rnn.random_initial_covariance(net, np.random.default_rng(0))
    recursion = linear_rnn.covariance_recursion(net, initial_cov, 40)
    state_space = linear_rnn.state_space_covariances(net, initial_cov, 40)
    np.testing.assert_allclose(recursion.cross, state_space.cross, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(recursion.auto, state_space.auto, rtol=1e-10)
    # Eq. 17/37: Σ_{x_t x_t} = σ² I + Σ_{o_t o_t}, so its smallest eigenvalue is >= σ² (t >= 1)
    smallest = np.linalg.eigvalsh(recursion.auto[1:]).min()
    assert smallest >= net.sigma**2 * (1 - 1e-12)


def test_stationary_initial_covariance_gives_stationary_marginals():
    net = small_network()
    series = linear_rnn.covariance_recursion(net, linear_rnn.stationary_covariance(net), 25)
    np.testing.assert_allclose(series.auto, np.broadcast_to(series.auto[0], series.auto.shape),
                               rtol=1e-10)


def test_no_stationary_covariance_for_memorising_network():
    net = linear_rnn.memorising_network(3, 2, 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="no stationary"):
        linear_rnn.stationary_covariance(net)


def test_eq35_taylor_coefficients_equal_eq15_covariances():
    net = small_network(seed=4)
    initial_cov = linear_rnn.stationary_covariance(net)
    series = linear_rnn.covariance_recursion(net, initial_cov, 15)
    taylor = linear_rnn.taylor_coefficients(net, initial_cov, 16)
    np.testing.assert_allclose(taylor, series.cross, atol=1e-11 * np.abs(series.cross).max())


def test_denominator_roots_are_inverse_eigenvalues_and_resolvent_points_cancel():
    net = small_network(seed=5, hidden=4)
    poles = linear_rnn.find_poles(net, linear_rnn.stationary_covariance(net))
    roots = poles[poles["source"] == "denominator"]
    eigenvalues = np.linalg.eigvals(net.transition)
    expected = np.sort(1.0 / np.abs(eigenvalues[np.abs(eigenvalues) > 1e-9]))
    np.testing.assert_allclose(np.sort(roots["modulus"]), expected, rtol=1e-7)
    assert (roots["order"] == 1).all()
    # (I - U_h z)^{-1} in Eq. 35 looks singular at 1/λ(U_h), but Σ(z) stays finite there
    assert (poles.loc[poles["source"] == "resolvent", "order"] == 0).all()
    leading = poles[poles["is_leading"]].iloc[0]
    assert leading["modulus"] == pytest.approx(1 / linear_rnn.spectral_radius(net.transition))


def test_decay_rate_of_mi_is_twice_log_of_nearest_pole():
    net = small_network(seed=6)
    initial_cov = linear_rnn.stationary_covariance(net)
    curve = linear_rnn.mi_series(linear_rnn.covariance_recursion(net, initial_cov, 120))
    poles = linear_rnn.find_poles(net, initial_cov)
    predicted = linear_rnn.predicted_decay_rate(poles.loc[poles["is_leading"], "modulus"].iloc[0])
    window = curve[(curve["lag"] >= 60) & (curve["mi_exact"] > 1e-280)]
    slope = np.polyfit(window["lag"], np.log(window["mi_exact"]), 1)[0]
    assert -slope == pytest.approx(predicted, rel=0.02)
    # the trace approximation of Eq. 41 becomes exact as I -> 0
    last = window.iloc[-1]
    assert last["mi_trace"] / last["mi_exact"] == pytest.approx(1.0, abs=1e-6)


def test_memorising_network_keeps_mutual_information():
    rng = np.random.default_rng(2)
    net = linear_rnn.memorising_network(3, 2, 1.0, rng)
    initial_cov = linear_rnn.random_initial_covariance(net, rng)
    curve = linear_rnn.mi_series(linear_rnn.covariance_recursion(net, initial_cov, 120))
    late = curve["mi_exact"].to_numpy()[-20:]
    assert late.min() > 1e-3
    np.testing.assert_allclose(late, late[-1], rtol=1e-6)
    poles = linear_rnn.find_poles(net, initial_cov)
    assert poles.loc[poles["is_leading"], "modulus"].iloc[0] == pytest.approx(1.0, abs=1e-9)


def test_monte_carlo_mi_matches_exact_curve():
    net = small_network(seed=7)
    initial_cov = linear_rnn.stationary_covariance(net)
    exact = linear_rnn.mi_series(linear_rnn.covariance_recursion(net, initial_cov, 8))
    outputs = linear_rnn.simulate_outputs(net, initial_cov, 6000, 8, np.random.default_rng(0))
    mc = linear_rnn.monte_carlo_mi(outputs, n_batches=10)
    tolerance = linear_rnn.monte_carlo_tolerance(mc["sd"], net.dim, 6000)
    assert (np.abs(mc["mi"] - exact["mi_exact"]) <= tolerance).all()
    # the sample covariance of x_0 reproduces Σ_{x_0 x_0}
    np.testing.assert_allclose(np.cov(outputs[:, 0].T), initial_cov[3:, 3:], atol=0.06)


def test_run_linear_rnn_check_small():
    tables = linear_rnn.run_linear_rnn_check(LinearRNNConfig(n_networks=2, hidden=3, max_lag=60,
                                                             mc_sequences=2000, mc_batches=10,
                                                             seed=1))
    config_columns = list(LinearRNNConfig.column_names().values())
    assert list(tables.checks.columns) == CHECK_COLUMNS + config_columns
    assert tables.checks["passed"].all(), tables.checks[~tables.checks["passed"]]
    assert set(tables.curves["network"]) == {"rnn0", "rnn1", "memorising"}
    assert tables.curves.groupby("network").size().eq(60).all()
    assert tables.poles.groupby("network")["is_leading"].sum().eq(1).all()


# --------------------------------------------------------------------------- repetitive


@pytest.mark.parametrize("p", [0.0, 0.05, 0.2, 0.5, 0.73, 1.0])
def test_eq52_equals_mi_of_eqs_50_51_and_exact_enumeration(p):
    q = p * (1 - p)
    joint = np.array([[0.5 * (p**2 + (1 - p) ** 2), q], [q, 0.5 * (p**2 + (1 - p) ** 2)]])
    assert float(repetitive.eq52(p)) == pytest.approx(repetitive.mi_of_distribution(joint),
                                                      abs=1e-14)
    for lag in (2, 3, 4, 7, 100, 101):
        assert repetitive.exact_mi(p, lag) == pytest.approx(float(repetitive.eq52(p)),
                                                            abs=1e-14)


def test_eq52_limits_and_symmetry():
    assert float(repetitive.eq52(0.0)) == pytest.approx(LN2)
    assert float(repetitive.eq52(1.0)) == pytest.approx(LN2)
    assert float(repetitive.eq52(0.5)) == pytest.approx(0.0, abs=1e-15)
    grid = np.linspace(0, 1, 11)
    np.testing.assert_allclose(repetitive.eq52(grid), repetitive.eq52(1 - grid), atol=1e-14)


def test_lag_one_is_outside_eq52():
    # at τ = 1 half the pairs share a block, whose two symbols always differ
    for p in (0.1, 0.3, 0.5):
        assert repetitive.exact_mi(p, 1) > float(repetitive.eq52(p)) + 0.1
    assert repetitive.exact_mi(0.5, 1) == pytest.approx(
        repetitive.mi_of_distribution(np.array([[0.125, 0.375], [0.375, 0.125]])))


def test_sampled_blocks_are_01_or_10_with_probability_p():
    seq = repetitive.sample_sequences(0.3, 2, 20_000, np.random.default_rng(0))
    assert seq.dtype == np.uint8
    assert (seq[:, 0::2] != seq[:, 1::2]).all()
    assert np.mean(seq[:, 0::2] == 0) == pytest.approx(0.3, abs=0.01)


def test_estimator_on_repetitive_sequences_matches_eq52():
    seq = repetitive.sample_sequences(0.2, 1, 2**17, np.random.default_rng(1))[0]
    estimates = mutual_information(seq, [2, 3, 50, 501])["mi"].to_numpy()
    np.testing.assert_allclose(estimates, float(repetitive.eq52(0.2)), atol=0.006)
    assert estimates.std() < 1e-3  # no decay with the lag


def test_run_repetitive_check_small():
    tables = repetitive.run_repetitive_check(RepetitiveConfig(probabilities=(0.1, 0.5, 0.8),
                                                              lags=(1, 2, 9, 40), replicates=3,
                                                              length=2**14, seed=2))
    assert tables.checks["passed"].all(), tables.checks[~tables.checks["passed"]]
    assert len(tables.curves) == 3 * 3 * 4
    assert tables.curves.loc[tables.curves["lag"] == 1, "eq52"].isna().all()


# --------------------------------------------------------------------------- Ising


@pytest.mark.parametrize("beta,coupling", [(0.5, -1.0), (1.3, -1.0), (0.7, 1.0), (0.0, 1.0)])
def test_eq62_product_equals_enumerated_boltzmann(beta, coupling):
    exact = ising.boltzmann_distribution(8, beta, coupling)
    assert exact.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ising.conditional_sampling_distribution(8, beta, coupling), exact,
                               rtol=1e-12)


def test_eq57_read_literally_is_boltzmann_at_twice_beta():
    literal = ising.boltzmann_distribution(6, 0.8, -1.0, count_pairs_twice=True)
    np.testing.assert_allclose(literal, ising.boltzmann_distribution(6, 1.6, -1.0), rtol=1e-12)
    product = ising.conditional_sampling_distribution(6, 0.8, -1.0)
    assert ising.total_variation(literal, product) > 0.1


def test_configuration_index_inverts_enumeration():
    configurations = ising.all_configurations(5)
    np.testing.assert_array_equal(ising.configuration_index(configurations), np.arange(32))
    np.testing.assert_array_equal(ising.energy(configurations[:1], -1.0), [-4.0])


def test_transfer_matrix_correlation_length_and_spin_correlation():
    for beta, coupling in ((0.5, -1.0), (1.2, -1.0), (0.9, 1.0)):
        t = math.tanh(beta * coupling)
        assert ising.correlation_length(beta, coupling) == pytest.approx(-1 / math.log(abs(t)))
        np.testing.assert_allclose(ising.spin_correlation([1, 2, 3], beta, coupling),
                                   (-t) ** np.array([1, 2, 3]), rtol=1e-12)


def test_enumerated_pair_mi_matches_transfer_matrix():
    for beta, coupling in ((0.6, -1.0), (1.0, 1.0)):
        enumerated = ising.pair_mi_enumerated(ising.boltzmann_distribution(9, beta, coupling), 9)
        predicted = ising.mi_of_correlated_spins(
            ising.spin_correlation(np.arange(1, 9), beta, coupling))
        np.testing.assert_allclose(enumerated, predicted, rtol=1e-9, atol=1e-15)


def test_mi_of_correlated_spins_closed_form_and_small_limit():
    for rho in (0.5, -0.5, 1e-6):
        joint = np.array([[1 + rho, 1 - rho], [1 - rho, 1 + rho]]) / 4
        assert ising.mi_of_correlated_spins(rho) == pytest.approx(
            repetitive.mi_of_distribution(joint), rel=1e-9)
    assert ising.mi_of_correlated_spins(1e-6) == pytest.approx(0.5e-12, rel=1e-6)


def test_expected_sampling_tv_de_moivre_matches_direct_sum():
    from scipy import stats

    p = np.array([0.5, 0.3, 0.15, 0.05])
    n = 40
    counts = np.arange(n + 1)
    direct = sum(np.sum(stats.binom.pmf(counts, n, pk) * np.abs(counts / n - pk)) for pk in p)
    assert ising.expected_sampling_tv(p, n) == pytest.approx(0.5 * direct, rel=1e-10)


def test_sampled_configurations_are_close_in_total_variation():
    exact = ising.boltzmann_distribution(8, 1.0, -1.0)
    rng = np.random.default_rng(0)
    samples = ising.sample_conditional(100_000, 8, 1.0, -1.0, rng)
    tv = ising.total_variation(ising.empirical_distribution(samples), exact)
    expected = ising.expected_sampling_tv(exact, 100_000)
    assert tv == pytest.approx(expected, abs=5 * ising.null_tv_spread(exact, 100_000, rng))
    assert tv < 0.02


def test_run_ising_check_small():
    tables = ising.run_ising_check(IsingConfig(n_spins=8, betas=(0.7, 1.2), n_samples=20_000,
                                               tv_sample_sizes=(1000, 5000), n_chains=8,
                                               chain_length=2**14, max_lag=15, min_mi=1e-3,
                                               rate_tolerance=0.1, seed=3))
    assert tables.checks["passed"].all(), tables.checks[~tables.checks["passed"]]
    assert len(tables.mi_curves) == 2 * 15
    assert tables.tv_curves.groupby("beta").size().eq(3).all()


# --------------------------------------------------------------------------- CLI and figures


THEORY_ARGV = {
    "linear-rnn": ["--networks", "2", "--hidden", "3", "--max-lag", "40", "--mc-sequences",
                   "1000", "--mc-batches", "10"],
    "repetitive": ["--p", "0.1", "0.3", "0.5", "--lags", "1,2,5", "--replicates", "2",
                   "--length", "4096"],
    "ising": ["--spins", "6", "--beta", "0.8", "--samples", "5000", "--chains", "4",
              "--chain-length", "4096", "--max-lag", "10", "--min-mi", "1.0e-3",
              "--rate-tolerance", "0.2"],
}
#: The settings the flags above stand for (the rest are the configs' defaults).
THEORY_CONFIGS = {
    "linear-rnn": LinearRNNConfig(n_networks=2, hidden=3, max_lag=40, mc_sequences=1000,
                                  mc_batches=10),
    "repetitive": RepetitiveConfig(probabilities=(0.1, 0.3, 0.5), lags=(1, 2, 5), replicates=2,
                                   length=4096),
    "ising": IsingConfig(n_spins=6, betas=(0.8,), n_samples=5000, n_chains=4,
                         chain_length=4096, max_lag=10, min_mi=1e-3, rate_tolerance=0.2),
}
THEORY_OUTPUTS = {"linear-rnn": ("curves", "poles", "checks"), "repetitive": ("curves", "checks"),
                  "ising": ("mi", "tv", "checks")}



@pytest.fixture(scope="module")
def theory_tables(tmp_path_factory):
    """Tiny tables written through the command line."""
    folder = tmp_path_factory.mktemp("theory")
    paths = {}
    for topic, argv in THEORY_ARGV.items():
        names = {name: folder / f"{topic}_{name}.csv" for name in THEORY_OUTPUTS[topic]}
        outputs = [x for name, path in names.items() for x in (f"--out-{name}", str(path))]
        assert main(["theory", topic, *argv, *outputs]) == 0
        paths[topic] = names
    return paths


def test_theory_commands_write_every_table(theory_tables):
    for names in theory_tables.values():
        for path in names.values():
            assert len(read_table(path)) > 0
    checks = read_table(theory_tables["linear-rnn"]["checks"])
    assert list(checks.columns) == CHECK_COLUMNS + list(LinearRNNConfig.column_names().values())


def test_every_theory_table_records_the_config_that_made_it(theory_tables):
    for topic, names in theory_tables.items():
        config = THEORY_CONFIGS[topic]
        for path in names.values():
            assert type(config).from_table(read_table(path), str(path)) == config, path


def test_theory_command_rejects_bad_output_suffix_before_work(tmp_path, capsys):
    assert main(["theory", "ising", "--out-mi", str(tmp_path / "a.txt"), "--out-tv",
                 str(tmp_path / "b.csv"), "--out-checks", str(tmp_path / "c.csv")]) == 2
    assert "must end in" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_theory_estimator_is_one_of_the_estimators(tmp_path, capsys):
    assert run_cli("theory", "repetitive", "--estimator", "gauss", "--out-curves",
                   tmp_path / "c.csv", "--out-checks", tmp_path / "k.csv") == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'gauss'" in err and "grassberger2003" in err
    assert not any(tmp_path.iterdir())


def test_figures_render_from_tables(theory_tables, tmp_path):
    from miscaling.plan.figures import figure

    lrnn, rep, isg = (theory_tables[k] for k in ("linear-rnn", "repetitive", "ising"))
    figures = [
        ("fig4", ["--curves", rep["curves"], "--checks", rep["checks"]]),
        ("theory_linear_rnn", ["--curves", lrnn["curves"], "--poles", lrnn["poles"],
                               "--checks", lrnn["checks"]]),
        ("theory_ising", ["--mi", isg["mi"], "--tv", isg["tv"], "--checks", isg["checks"]]),
    ]
    for stem, argv in figures:
        assert run_cli("figure", stem, *argv, "--out", tmp_path / f"{stem}.pdf") == 0
        assert figure(stem).title
        for suffix in (".pdf", ".png", ".csv"):
            assert (tmp_path / f"{stem}{suffix}").stat().st_size > 0
        assert (tmp_path / f"{stem}_checks.csv").is_file()


def test_fig4_summary_has_one_row_per_p_and_lag_group():
    from miscaling.plots.fig4 import summarize

    curves = pd.DataFrame({"p": [0.2] * 6, "replicate": [0, 0, 0, 1, 1, 1],
                           "lag": [1, 2, 3] * 2, "mi": [0.3, 0.1, 0.2, 0.3, 0.2, 0.3]})
    summary = summarize(curves).set_index("lags")
    assert summary.loc["tau>=2", "mi_mean"] == pytest.approx(0.2)
    assert summary.loc["tau>=2", "predicted"] == pytest.approx(float(repetitive.eq52(0.2)))
    assert summary.loc["tau=1", "predicted"] == pytest.approx(repetitive.exact_mi(0.2, 1))


@pytest.mark.parametrize(("topic", "args", "message"), [
    ("repetitive", ["--p", "0.2", "1.5", "--out-curves", "c.csv", "--out-checks", "k.csv"],
     "argument --p: must lie in [0, 1], got '1.5'"),
    ("repetitive", ["--lags", "1,4096", "--length", "4096", "--out-curves", "c.csv",
                    "--out-checks", "k.csv"], "lags must lie in [1, length = 4096)"),
    ("ising", ["--beta", "-1", "--out-mi", "m.csv", "--out-tv", "t.csv", "--out-checks",
               "k.csv"], "argument --beta: must be a positive number, got '-1'"),
    ("ising", ["--spins", "5", "--out-mi", "m.csv", "--out-tv", "t.csv", "--out-checks",
               "k.csv"], "n_spins must be an integer in [6, 24], got 5"),
    ("linear-rnn", ["--hidden", "0", "--out-curves", "c.csv", "--out-poles", "p.csv",
                    "--out-checks", "k.csv"], "argument --hidden: must be a positive integer"),
    ("linear-rnn", ["--max-lag", "3", "--out-curves", "c.csv", "--out-poles", "p.csv",
                    "--out-checks", "k.csv"], "max_lag must be an integer >= 4, got 3"),
])
def test_theory_cli_rejects_bad_parameters(topic, args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("theory", topic, *args) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
