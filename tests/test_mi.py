"""Auto-mutual information estimator (miscaling.mi and its modules)."""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from miscaling.mi import (
    COLUMNS,
    EstimatorConfig,
    engine,
    mutual_information,
    numpy_counter,
    parse_lags,
    resample,
)
from miscaling.mi import grid as grid_mod
from miscaling.mi import symbols as symbols_mod
from miscaling.mi.entropy import ESTIMATORS, entropy_from_counts

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- helpers


def reference_mi(sequences, lag, estimator):
    """Slow, obviously-correct estimate: explicit pairs inside each sequence."""
    pairs = [(int(s[t]), int(s[t + lag])) for s in sequences for t in range(len(s) - lag)]
    joint = list(Counter(pairs).values())
    hx = entropy_from_counts(list(Counter(p[0] for p in pairs).values()), estimator)
    hy = entropy_from_counts(list(Counter(p[1] for p in pairs).values()), estimator)
    return hx + hy - entropy_from_counts(joint, estimator), len(pairs)


def binary_entropy(p):
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def markov_chain(rng, n_seq, length, q):
    """Symmetric two-state chain with flip probability q, started stationary."""
    flips = rng.random((n_seq, length)) < q
    flips[:, 0] = rng.random(n_seq) < 0.5
    return (np.cumsum(flips, axis=1) % 2).astype(np.uint8)


def markov_mi(q, lag):
    return LN2 - binary_entropy((1 + (1 - 2 * q) ** lag) / 2)


def repetitive_sequence(rng, n_blocks, p):
    """Appendix C: consecutive blocks '01' with probability p, '10' otherwise."""
    first = (rng.random(n_blocks) >= p).astype(np.int8)  # 0 -> block "01"
    return np.stack([first, 1 - first], axis=1).ravel()


def eq52(p):
    """Paper Eq. (52) as printed."""
    return 4 * p * (p - 1) * math.atanh((1 - 2 * p) ** 2) + math.log(2 + 4 * p * (p - 1))


def appendix_c_exact(p, lag_parity):
    """I(τ) summed directly over the joint distribution of Eqs. (49)–(51), τ > 1."""
    same, diff = (p**2 + (1 - p) ** 2) / 2, p * (1 - p)
    joint = {(0, 0): same, (1, 1): same, (0, 1): diff, (1, 0): diff}
    if lag_parity == 1:  # odd τ: the pair straddles positions of opposite parity
        joint = {(0, 0): diff, (1, 1): diff, (0, 1): same, (1, 0): same}
    return sum(v * math.log(v / 0.25) for v in joint.values())


def ragged(rng, n_seq, lo, hi, alphabet):
    return [rng.integers(0, alphabet, rng.integers(lo, hi)) for _ in range(n_seq)]


# --------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("path", ["dense", "sparse"])
@pytest.mark.parametrize("shape", ["gapped", "padded", "rect", "single"])
def test_matches_reference(estimator, path, shape):
    rng = np.random.default_rng(11)
    if shape == "gapped":  # very different lengths: one row with sentinel gaps
        seqs = [rng.integers(0, 6, n) for n in (5, 300, 37, 1, 90)]
    elif shape == "padded":  # similar lengths: rows padded with sentinels
        seqs = ragged(rng, 6, 60, 70, 6)
    elif shape == "rect":
        seqs = list(rng.integers(0, 6, (5, 80)))
    else:
        seqs = [rng.integers(3, 9, 400)]
    lags = [1, 2, 7, 50]
    df = mutual_information(seqs, lags, config=EstimatorConfig(estimator=estimator), _path=path)
    assert df.attrs["counting_path"] == path
    for row in df.itertuples():
        want, n_pairs = reference_mi(seqs, row.lag, estimator)
        assert row.n_pairs == n_pairs
        assert row.mi == pytest.approx(want, abs=1e-12)


def test_layouts_are_what_the_test_above_intends():
    rng = np.random.default_rng(0)
    assert grid_mod.choose_layout(np.array([5, 300, 37, 1, 90]), 50).shape[0] == 1
    assert grid_mod.choose_layout(np.array([len(s) for s in ragged(rng, 6, 60, 70, 6)]),
                                 50).shape[0] == 6


def test_dense_equals_sparse_larger_alphabet():
    rng = np.random.default_rng(5)
    x = rng.zipf(1.3, 30_000) % 500
    lags = "1:20"
    dense = mutual_information(x, lags, _path="dense")
    sparse = mutual_information(x, lags, _path="sparse")
    assert np.allclose(dense.mi, sparse.mi, rtol=0, atol=1e-12)
    assert (dense.n_pairs == 30_000 - dense.lag).all()
    # automatic choice: dense while V² <= number of symbols
    assert mutual_information(x % 150, [1]).attrs["counting_path"] == "dense"
    assert mutual_information(x, [1]).attrs["counting_path"] == "sparse"


def test_sklearn_agrees_with_plugin():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(2)
    x = rng.zipf(1.5, 20_000) % 40
    df = mutual_information(x, [1, 3], config=EstimatorConfig(estimator="plugin"))
    for row in df.itertuples():
        ref = metrics.mutual_info_score(x[: -row.lag], x[row.lag:])
        assert row.mi == pytest.approx(ref, abs=1e-12)


# --------------------------------------------------------------------------- exact MI


def test_iid_uniform_bias():
    rng = np.random.default_rng(7)
    v, n = 16, 50_000
    x = rng.integers(0, v, n)
    lags = np.arange(1, 31)
    plug = mutual_information(x, lags, config=EstimatorConfig(estimator="plugin")).mi.to_numpy()
    grass = mutual_information(x, lags,
                               config=EstimatorConfig(estimator="grassberger")).mi.to_numpy()
    bias = (v - 1) ** 2 / (2 * n)  # chi-square mean of 2N·I_plugin
    sd = (v - 1) * math.sqrt(2) / (2 * n)
    assert abs(plug.mean() - bias) < 3 * sd
    assert abs(grass.mean()) < 0.2 * bias  # the digamma correction removes most of it
    assert abs(grass.mean()) < 3 * sd


@pytest.mark.parametrize("q", [0.1, 0.3])
def test_markov_chain_exact(q):
    rng = np.random.default_rng(int(q * 100))
    x = markov_chain(rng, 400, 1000, q)
    lags = [1, 2, 3, 5]
    df = mutual_information(x, lags)
    for row in df.itertuples():
        assert row.mi == pytest.approx(markov_mi(q, row.lag), abs=4e-3)


def test_eq52_matches_direct_sum():
    for p in (0.05, 0.2, 0.37, 0.5, 0.8, 0.99):
        assert eq52(p) == pytest.approx(appendix_c_exact(p, 0), abs=1e-12)
        assert eq52(p) == pytest.approx(appendix_c_exact(p, 1), abs=1e-12)
        # equivalent closed form: ln 2 − H_b(2p(1−p))
        assert eq52(p) == pytest.approx(LN2 - binary_entropy(2 * p * (1 - p)) if p != 0.5
                                        else 0.0, abs=1e-12)


@pytest.mark.parametrize("p", [0.8, 0.3])
def test_repetitive_sequence_constant_mi(p):
    x = repetitive_sequence(np.random.default_rng(1), 100_000, p)
    df = mutual_information(x, [2, 3, 10, 11, 100, 101])
    assert np.allclose(df.mi, eq52(p), atol=4e-3)
    # τ = 1 mixes within-block (deterministic) and across-block pairs: far above Eq. 52
    assert mutual_information(x, [1]).mi[0] > eq52(p) + 0.1


# --------------------------------------------------------------------------- boundaries


def boundary_trap(rng, lengths, lag):
    """Independent symbols inside each sequence, but sequence s+1 starts with the last `lag`
    symbols of sequence s, so pairs that cross a boundary at this lag are identical."""
    seqs = [rng.integers(0, 4, lengths[0])]
    for n in lengths[1:]:
        s = rng.integers(0, 4, n)
        s[:lag] = seqs[-1][-lag:]
        seqs.append(s)
    return seqs


@pytest.mark.parametrize("kind", ["rect", "ragged"])
def test_pairs_never_cross_boundaries(kind):
    rng = np.random.default_rng(9)
    lag = 5
    lengths = [15] * 2000 if kind == "rect" else list(rng.integers(11, 20, 2000))
    seqs = boundary_trap(rng, lengths, lag)
    data = np.stack(seqs) if kind == "rect" else seqs
    df = mutual_information(data, [lag])
    assert abs(df.mi[0]) < 0.01
    assert df.n_pairs[0] == sum(n - lag for n in lengths)
    spurious = mutual_information(np.concatenate(seqs), [lag]).mi[0]
    assert spurious > 0.1  # the trap is real: concatenation would see strong dependence


def test_2d_equals_list_of_rows():
    x = np.random.default_rng(4).integers(0, 7, (30, 200))
    a = mutual_information(x, "1:50", config=EstimatorConfig(shuffles=2, bootstrap=20))
    b = mutual_information(list(x), "1:50", config=EstimatorConfig(shuffles=2, bootstrap=20))
    pd.testing.assert_frame_equal(a, b)


def test_n_pairs_ragged_and_empty_sequences_dropped():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 3, n) for n in (10, 0, 3, 25)]
    df = mutual_information(seqs, [1, 4, 9, 20])
    assert df.n_pairs.tolist() == [sum(max(n - t, 0) for n in (10, 3, 25))
                                   for t in (1, 4, 9, 20)]
    assert df.attrs["n_sequences"] == 3 and df.attrs["n_symbols"] == 38


def test_input_forms_and_dtypes():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, 500)
    base = mutual_information(x, [1, 2])
    for variant in (x.astype(bool), x.astype(np.uint8), x.astype(np.uint16),
                    x.astype(np.int8), x + 1000, x.tolist(), tuple(x.tolist()), [x]):
        pd.testing.assert_frame_equal(mutual_information(variant, [1, 2]), base)


def test_output_format():
    x = np.random.default_rng(1).integers(0, 3, 300)
    df = mutual_information(x, [5, 1, 5, 3])
    settings = list(EstimatorConfig.column_names().values())
    assert list(df.columns) == COLUMNS + settings[1:]  # estimator ends COLUMNS, starts settings
    assert df.lag.tolist() == [1, 3, 5]
    assert df[["ci_low", "ci_high", "baseline", "baseline_sd", "baseline_within",
               "baseline_within_sd"]].isna().all().all()
    assert (df.estimator == "grassberger").all()
    assert df.attrs["alphabet_size"] == 3 and df.attrs["backend"] == "numpy"
    assert df.attrs["within_shuffles"] == 0 and df.attrs["within_floor"] is None


# --------------------------------------------------------------------------- backends


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("path", ["dense", "sparse"])
@pytest.mark.parametrize("kind", ["rect", "ragged"])
def test_torch_cpu_equals_numpy(estimator, path, kind):
    pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    if kind == "rect":  # 100 symbols: 10^4 cells, above the host-copy threshold
        data = rng.zipf(1.2, (4, 20_000)) % 100
    else:
        data = [rng.zipf(1.2, n) % 100 for n in (20_000, 5_000, 31_000)]
    lags = [1, 2, 30, 400]
    a = mutual_information(data, lags, config=EstimatorConfig(estimator=estimator), _path=path)
    b = mutual_information(data, lags, config=EstimatorConfig(estimator=estimator, backend="torch"),
                           _path=path, device="cpu")
    assert np.allclose(a.mi, b.mi, rtol=0, atol=1e-9)
    assert (a.n_pairs == b.n_pairs).all()
    assert b.attrs["backend"] == "torch" and b.attrs["device"] == "cpu"


def test_torch_counter_beyond_lookup_table():
    torch = pytest.importorskip("torch")
    from miscaling.mi.entropy import LOOKUP_CAP
    from miscaling.mi.torch_counter import TorchCounter

    grid = np.zeros((1, 3 * LOOKUP_CAP), dtype=np.int64)
    grid[0, ::7] = 1  # counts of (0, 0) exceed the lookup table
    for dense in (True, False):
        a = numpy_counter.NumpyCounter(grid, 2, False, dense, "grassberger").joint(3)
        b = TorchCounter(grid, 2, False, dense, "grassberger", torch.device("cpu")).joint(3)
        assert (a.n, a.m) == (b.n, b.m) and a.s == pytest.approx(b.s, rel=1e-14)


def test_numpy_backend_does_not_import_torch():
    code = ("import sys, numpy as np; from miscaling.mi import EstimatorConfig, "
            "mutual_information; mutual_information(np.arange(50) % 3, [1], "
            "config=EstimatorConfig(shuffles=1, bootstrap=5)); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_do_not_change_results():
    rng = np.random.default_rng(3)
    x = markov_chain(rng, 3, 3000, 0.2)
    config = EstimatorConfig(shuffles=3, bootstrap=30, seed=5)
    a = mutual_information(x, "1:40", config=config)
    b = mutual_information(x, "1:40", config=config, threads=2)
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- shuffles


def test_shuffle_baseline():
    x = markov_chain(np.random.default_rng(0), 20, 2000, 0.1)
    df = mutual_information(x, [1, 3, 50], config=EstimatorConfig(shuffles=4, seed=1))
    assert (df.mi[:2] > 0.1).all()  # strong dependence at short lags ...
    assert np.all(np.abs(df.baseline) < 4 * df.baseline_sd + 1e-3)
    assert np.all(np.abs(df.baseline) < 2e-3)  # ... and none left once shuffled
    again = mutual_information(x, [1, 3, 50], config=EstimatorConfig(shuffles=4, seed=1))
    other = mutual_information(x, [1, 3, 50], config=EstimatorConfig(shuffles=4, seed=2))
    pd.testing.assert_frame_equal(df, again)
    assert not np.allclose(df.baseline, other.baseline)
    one = mutual_information(x, [1], config=EstimatorConfig(shuffles=1))
    assert np.isfinite(one.baseline[0]) and np.isnan(one.baseline_sd[0])


def test_shuffle_keeps_each_sequence_composition():
    rng = np.random.default_rng(0)
    for seqs in (ragged(rng, 5, 3, 40, 9), list(rng.integers(0, 9, (4, 30)))):
        flat = np.concatenate(seqs)
        lengths = np.array([len(s) for s in seqs])
        out = resample.shuffle_within(flat, lengths, rng)
        assert not np.array_equal(out, flat)
        for a, b in zip(np.split(out, np.cumsum(lengths)[:-1]), seqs):
            assert np.array_equal(np.sort(a), np.sort(b))


def test_shuffle_scopes_separate_composition_from_dependence():
    """Sequences i.i.d. inside but differing in composition: a within-sequence shuffle keeps
    the MI that composition differences create, a global shuffle removes it."""
    rng = np.random.default_rng(3)
    p_one = np.repeat([0.1, 0.9], 100)[:, None]
    x = (rng.random((200, 500)) < p_one).astype(np.uint8)
    # Label is a fair coin L; given L, x_t and x_{t+τ} are independent Bernoulli(p_L):
    # I = H(X) − H(X|L) = ln 2 − h(0.1) for the pair's shared label, minus what one symbol
    # leaves unresolved: I(X;Y) = H(Y) − H(Y|X), computed exactly below.
    p_y1_x1 = (0.5 * 0.1**2 + 0.5 * 0.9**2) / 0.5
    h = lambda p: -(p * np.log(p) + (1 - p) * np.log(1 - p))  # noqa: E731
    exact = np.log(2) - h(p_y1_x1)
    config = EstimatorConfig(shuffles=3, seed=0)
    glob = mutual_information(x, [1, 10, 100], config=config.replace(shuffle_scope="global"))
    within = mutual_information(x, [1, 10, 100], config=config.replace(shuffle_scope="within"))
    assert np.allclose(glob.mi, exact, atol=0.01)
    assert np.allclose(within.baseline, exact, atol=0.01)
    assert np.all(np.abs(glob.baseline) < 1e-3)
    assert glob.attrs["shuffle_scope"] == "global"
    with pytest.raises(ValueError, match="shuffle_scope must be one of global, within, got 'r"):
        mutual_information(x, [1], config=EstimatorConfig(shuffles=1, shuffle_scope="rows"))


def composition_mixture(rng, p_ones, n_seq=200, length=400):
    """i.i.d. binary sequences, sequence i with P(1) = p_ones[i % len(p_ones)] (sorted)."""
    p_one = np.sort(np.resize(p_ones, n_seq))[:, None]
    return (rng.random((n_seq, length)) < p_one).astype(np.uint8)


def test_within_floor_leaves_every_other_number_unchanged():
    """The within shuffles draw from a third stream: the global baseline and the interval of
    a seed are the numbers they were before the within floor existed."""
    data = regression_data("padded")
    config = EstimatorConfig(shuffles=2, bootstrap=10, seed=4)
    before, reps_before = mutual_information(data, [1, 3, 17], config=config,
                                             return_replicates=True)
    after, reps_after = mutual_information(data, [1, 3, 17],
                                           config=config.replace(within_shuffles=2),
                                           return_replicates=True)
    same = ["mi", "ci_low", "ci_high", "baseline", "baseline_sd", "n_pairs"]
    pd.testing.assert_frame_equal(after[same], before[same], check_exact=True)
    pd.testing.assert_frame_equal(reps_after, reps_before, check_exact=True)
    assert before[["baseline_within", "baseline_within_sd"]].isna().all().all()
    assert np.isfinite(after[["baseline_within", "baseline_within_sd"]]).all().all()
    assert after.attrs["within_floor"] == "measured" and after.attrs["within_shuffles"] == 2


def test_within_floor_separates_composition_from_the_global_floor():
    """Half the sequences with P(1)=0.8, half 0.2, i.i.d. inside: all of Î(τ) is composition,
    so the within floor reaches the curve at every lag while the global floor stays at ~0.
    With one common composition the two floors agree."""
    rng = np.random.default_rng(5)
    lags = [1, 10, 100, 200]
    config = EstimatorConfig(shuffles=2, within_shuffles=2, seed=0)
    mixed = mutual_information(composition_mixture(rng, [0.8, 0.2]), lags, config=config)
    assert (mixed.mi > 0.05).all()  # exact: ln 2 − h(0.68) = 0.066
    assert np.allclose(mixed.baseline_within, mixed.mi, atol=5e-3)
    assert np.all(np.abs(mixed.baseline) < 1e-3)
    assert (mixed.baseline_within > mixed.baseline + 0.05).all()
    common = mutual_information(composition_mixture(rng, [0.3]), lags, config=config)
    assert np.all(np.abs(common.baseline) < 1e-3)
    assert np.all(np.abs(common.baseline_within) < 1e-3)
    assert np.allclose(common.baseline_within, common.baseline, atol=5e-4)


def test_within_floor_is_the_mean_and_sd_of_within_shuffled_curves():
    data = [seq.astype(np.uint8) for seq in ragged(np.random.default_rng(2), 7, 50, 300, 4)]
    flat, lengths = np.concatenate(data), np.array([len(seq) for seq in data])
    lags = [1, 4, 20]
    df = mutual_information(data, lags,
                            config=EstimatorConfig(shuffles=3, within_shuffles=3, seed=9))
    rng = np.random.default_rng(np.random.SeedSequence(9).spawn(3)[2])  # the third stream
    curves = [mutual_information(np.split(resample.shuffle_within(flat, lengths, rng),
                                          np.cumsum(lengths)[:-1]), lags).mi
              for _ in range(3)]
    np.testing.assert_allclose(df.baseline_within, np.mean(curves, axis=0), rtol=0, atol=1e-14)
    np.testing.assert_allclose(df.baseline_within_sd, np.std(curves, axis=0, ddof=1), rtol=0,
                               atol=1e-14)


def test_within_floor_of_one_sequence_is_the_global_floor():
    x = markov_chain(np.random.default_rng(4), 1, 3000, 0.2)  # one row: one sequence
    for data in (x, x[0]):
        df = mutual_information(data, [1, 5],
                                config=EstimatorConfig(shuffles=3, within_shuffles=2, seed=1))
        np.testing.assert_array_equal(df.baseline_within, df.baseline)
        np.testing.assert_array_equal(df.baseline_within_sd, df.baseline_sd)
        assert df.attrs["within_floor"] == "same as global (one sequence)"
    # without a global baseline to copy, the within shuffles are counted
    alone = mutual_information(x, [1, 5], config=EstimatorConfig(within_shuffles=2, seed=1))
    assert alone.attrs["within_floor"] == "measured" and alone.baseline.isna().all()
    assert np.all(np.abs(alone.baseline_within) < 2e-3)


def _torch_devices():
    try:
        import torch
    except ImportError:
        return []
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", _torch_devices())
def test_within_floor_torch_equals_numpy(device):
    data = composition_mixture(np.random.default_rng(6), [0.7, 0.4], n_seq=20, length=300)
    config = EstimatorConfig(shuffles=2, within_shuffles=2, seed=3)
    a = mutual_information(data, [1, 7, 50], config=config)
    b = mutual_information(data, [1, 7, 50], config=config.replace(backend="torch"),
                           device=device)
    assert b.attrs["device"].startswith(device)
    for column in ("mi", "baseline", "baseline_within", "baseline_within_sd"):
        np.testing.assert_allclose(b[column], a[column], rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("path", ["dense", "sparse"])
@pytest.mark.parametrize("shape", ["rect", "gapped"])
def test_bootstrap_unit_weights_reproduce_estimate(path, shape):
    rng = np.random.default_rng(2)
    seqs = (list(rng.integers(0, 5, (12, 300))) if shape == "rect"
            else [rng.integers(0, 5, n) for n in (50, 900, 20)])
    lags = np.array([1, 4, 19])
    df = mutual_information(seqs, lags, config=EstimatorConfig(estimator="miller_madow"),
                            _path=path)
    flat, lengths = symbols_mod.collect(seqs)
    ids, alphabet = symbols_mod.compact_ids(flat)
    symbols = symbols_mod.Symbols(ids, lengths, alphabet)
    plan = engine.make_plan(symbols, lags, path)
    units = resample.resampling_units(lengths, 19, None)
    grid = plan.layout.arrange(ids, alphabet)
    starts = np.append(plan.layout.cells_of(units.bounds[:-1]), grid.size)
    ones = np.ones((2, units.n_units), dtype=np.int64)
    for lag, want in zip(lags, df.mi):
        got = resample.replicate_mi(int(lag), grid, starts, alphabet,
                                       plan.layout.sentinel, ones, "miller_madow")
        assert np.allclose(got, want, rtol=0, atol=1e-12)


def test_bootstrap_ci_covers_markov_truth_sequence_units():
    x = markov_chain(np.random.default_rng(21), 200, 1000, 0.2)
    lags = [1, 3, 6]
    df = mutual_information(x, lags, config=EstimatorConfig(bootstrap=200, confidence=0.99, seed=3))
    assert df.attrs["bootstrap_unit"] == "sequence" and df.attrs["block_length"] is None
    truth = np.array([markov_mi(0.2, t) for t in lags])
    assert np.all((df.ci_low < truth) & (truth < df.ci_high))
    width = df.ci_high - df.ci_low
    assert np.all(width > 0) and np.all(width < 0.02)
    again = mutual_information(x, lags,
                               config=EstimatorConfig(bootstrap=200, confidence=0.99, seed=3))
    pd.testing.assert_frame_equal(df, again)
    other = mutual_information(x, lags,
                               config=EstimatorConfig(bootstrap=200, confidence=0.99, seed=4))
    assert not np.allclose(df.ci_low, other.ci_low)


def test_block_bootstrap_for_single_long_sequence():
    x = markov_chain(np.random.default_rng(23), 1, 100_000, 0.2)[0]
    lags = [1, 2, 4]
    df = mutual_information(x, lags, config=EstimatorConfig(bootstrap=200, confidence=0.99))
    assert df.attrs["bootstrap_unit"] == "block"
    assert df.attrs["block_length"] == max(2 * 4, 100_000 // 100)
    assert df.attrs["bootstrap_units"] == 100
    truth = np.array([markov_mi(0.2, t) for t in lags])
    assert np.all((df.ci_low < truth) & (truth < df.ci_high))
    small = mutual_information(x, lags, config=EstimatorConfig(bootstrap=10, block_length=500))
    assert small.attrs["block_length"] == 500 and small.attrs["bootstrap_units"] == 200


def test_block_bootstrap_spread_matches_sampling_spread():
    """The ±1σ bootstrap interval of one chain ≈ the sd of the estimate over many chains."""
    rng = np.random.default_rng(30)
    lags = [1, 2, 4]
    estimates = np.stack([mutual_information(markov_chain(rng, 1, 50_000, 0.2)[0], lags).mi
                          for _ in range(40)])
    sampling_sd = estimates.std(axis=0, ddof=1)
    df = mutual_information(markov_chain(rng, 1, 50_000, 0.2)[0], lags,
                            config=EstimatorConfig(bootstrap=300, confidence=0.6827))
    ratio = (df.ci_high - df.ci_low) / 2 / sampling_sd
    assert np.all((ratio > 0.6) & (ratio < 1.6)), ratio


def test_resampling_weights():
    rng = np.random.default_rng(0)
    half = resample.resampling_weights(rng, 21, 50, "half")
    assert set(np.unique(half)) == {0, 1} and (half.sum(axis=1) == 11).all()
    assert len({tuple(r) for r in half}) == 50  # distinct subsets (C(21, 11) ≈ 3.5e5)
    boot = resample.resampling_weights(rng, 7, 50, "replacement")
    assert (boot.sum(axis=1) == 7).all() and boot.max() > 1


def test_replacement_bootstrap_covers_markov_truth():
    """The textbook percentile bootstrap (spec) is fine where the estimator is unbiased."""
    x = markov_chain(np.random.default_rng(21), 200, 1000, 0.2)
    lags = [1, 3, 6]
    df = mutual_information(x, lags, config=EstimatorConfig(bootstrap=200, confidence=0.99, seed=3,
                                                            resampling="replacement"))
    assert df.attrs["resampling"] == "replacement"
    truth = np.array([markov_mi(0.2, t) for t in lags])
    assert np.all((df.ci_low < truth) & (truth < df.ci_high))
    assert np.all(df.ci_high - df.ci_low < 0.02)


def test_half_sampling_handles_estimator_bias():
    """Large alphabet, few pairs: Grassberger's residual bias is big.  Duplicated units shift
    every with-replacement replicate further up, so its percentile interval misses the
    estimate; half-sampling stays centred on it with a sane width."""
    rng = np.random.default_rng(4)
    p = 1.0 / np.arange(1, 284)
    x = rng.choice(283, 100_000, p=p / p.sum())
    half = mutual_information(x, [1, 7], config=EstimatorConfig(bootstrap=100))
    assert half.attrs["resampling"] == "half"
    assert np.all((half.ci_low < half.mi) & (half.mi < half.ci_high))
    assert np.all(half.ci_high - half.ci_low < 0.02)
    repl = mutual_information(x, [1, 7],
                              config=EstimatorConfig(bootstrap=100, resampling="replacement"))
    assert np.all(repl.ci_low > repl.mi + 0.02)


def test_single_unit_gives_nan_interval():
    x = np.random.default_rng(0).integers(0, 3, 50)
    df = mutual_information(x, [1], config=EstimatorConfig(bootstrap=10, block_length=50))
    assert df.attrs["bootstrap_units"] == 1 and df[["ci_low", "ci_high"]].isna().all().all()


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("sequences, kwargs, message", [
    ([], {}, "no sequences"),
    (np.array([], dtype=np.int64), {}, "empty"),
    ([np.array([], dtype=np.int64)], {}, "empty"),
    (np.array([0.0, 1.0, 1.0]), {}, "integer.*float64"),
    ([np.arange(5), np.array([1.0, 2.0])], {}, "sequence 1.*float64"),
    (np.array([0, 1, -3, 2]), {}, "negative symbol -3"),
    (np.zeros((2, 2, 2), dtype=int), {}, "shape"),
    (np.arange(512), {"lags": [600]}, "lag 600 must be < the longest sequence length 512"),
    (np.arange(10), {"lags": [0, 1]}, "lag 0 must be >= 1"),
    (np.arange(10), {"lags": [-2]}, "lag -2 must be >= 1"),
    (np.arange(10), {"lags": [1.5]}, "lags must be integers"),
    (np.arange(10), {"estimator": "kraskov"}, "estimator must be one of .*miller_madow, got 'kra"),
    (np.arange(10), {"backend": "jax"}, "backend must be one of numpy, torch, auto, got 'jax'"),
    (np.arange(10), {"shuffles": -1}, "shuffles must be an integer >= 0"),
    (np.arange(10), {"within_shuffles": -1}, "within_shuffles must be an integer >= 0"),
    (np.arange(10), {"within_shuffles": 1.0}, "within_shuffles must be an integer >= 0"),
    (np.arange(10), {"shuffles": 2, "shuffle_scope": "within", "within_shuffles": 2},
     "second floor beside the global one.*shuffle_scope='global' or within_shuffles=0"),
    (np.arange(10), {"bootstrap": -5}, "bootstrap must be an integer >= 0"),
    (np.arange(10), {"confidence": 1.0}, r"confidence must be a number in \(0, 1\)"),
    (np.arange(10), {"confidence": 0}, r"confidence must be a number in \(0, 1\)"),
    (np.arange(10), {"threads": 0}, "threads"),
    (np.arange(10), {"block_length": 0}, "block_length"),
    (np.arange(10), {"resampling": "jackknife"}, "resampling must be one of half, replacement"),
])
def test_bad_input(sequences, kwargs, message):
    settings = {"lags": [1], "threads": 1, **kwargs}
    lags, threads = settings.pop("lags"), settings.pop("threads")
    with pytest.raises(ValueError, match=message):
        mutual_information(sequences, lags, config=EstimatorConfig(**settings), threads=threads)


def test_lag_checked_against_longest_of_ragged():
    seqs = [np.arange(5), np.arange(12)]
    assert mutual_information(seqs, [11]).n_pairs[0] == 1
    with pytest.raises(ValueError, match="lag 12 must be < the longest sequence length 12"):
        mutual_information(seqs, [12])


# --------------------------------------------------------------------------- parse_lags


def test_parse_lags_forms():
    assert parse_lags("1,2,5").tolist() == [1, 2, 5]
    assert parse_lags(" 5, 1 ,2,2 ").tolist() == [1, 2, 5]
    assert parse_lags("7").tolist() == [7]
    assert parse_lags("1:1000").tolist() == list(range(1, 1001))
    assert parse_lags("3:3").tolist() == [3]
    logl = parse_lags("log:1000:60")
    assert logl.dtype == np.int64
    assert logl[0] == 1 and logl[-1] == 1000 and 55 <= logl.size <= 65
    assert np.all(np.diff(logl) > 0)
    ratios = logl[30:] / logl[29:-1]
    assert ratios.max() < 1.3  # log-spaced in the tail
    assert parse_lags("log:5:100").tolist() == [1, 2, 3, 4, 5]
    assert parse_lags("log:1:1").tolist() == [1]


@pytest.mark.parametrize("spec, message", [
    ("0", "lag 0 must be >= 1"),
    ("-3", "lag -3 must be >= 1"),
    ("1,-3", "lag -3 must be >= 1"),
    ("5:2", "last lag 2 must be >= first lag 5"),
    ("0:10", "first lag 0 must be >= 1"),
    ("log:10:0", "number of lags 0 must be >= 2"),
    ("log:0:10", "maximum lag 0 must be >= 1"),
    ("log:10", "log:MAX:COUNT"),
    ("abc", "cannot read lag 'abc'"),
    ("1:b", "cannot read last lag 'b'"),
    ("1:2:3", "FIRST:LAST"),
    ("", "empty"),
    ("   ", "empty"),
])
def test_parse_lags_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_lags(spec)


@pytest.mark.parametrize("resampling", ["half", "replacement"])
def test_replicate_curves_are_the_interval(resampling):
    x = markov_chain(np.random.default_rng(4), 40, 300, 0.2)
    df, reps = mutual_information(x, "1:20", config=EstimatorConfig(bootstrap=50,
                                                                    resampling=resampling, seed=1),
                                  return_replicates=True)
    assert list(reps.columns) == ["replicate", "lag", "mi"]
    assert len(reps) == 50 * 20 and set(reps.replicate) == set(range(50))
    wide = reps.pivot(index="lag", columns="replicate", values="mi")
    low, high = np.quantile(wide.to_numpy(), [0.025, 0.975], axis=1)
    np.testing.assert_allclose(low, df.ci_low)
    np.testing.assert_allclose(high, df.ci_high)
    plain = mutual_information(x, "1:20",
                               config=EstimatorConfig(bootstrap=50, resampling=resampling, seed=1))
    pd.testing.assert_frame_equal(df, plain)
    _, none = mutual_information(x, "1:3", return_replicates=True)
    assert none.empty and list(none.columns) == ["replicate", "lag", "mi"]


# --------------------------------------------------------------------------- memory-lean counting


def regression_data(kind):
    rng = np.random.default_rng(42)
    p = 1.0 / np.arange(1, 41)
    def zipf(n):
        return rng.choice(40, size=n, p=p / p.sum())

    if kind == "single":
        return zipf(6000)
    if kind == "rect":
        return zipf(12 * 500).reshape(12, 500)
    if kind == "gapped":
        return [zipf(n) for n in (40, 3000, 25, 900)]
    return [zipf(n) for n in rng.integers(295, 300, 11)]  # padded, sequence units


# mi, baseline, ci_low, ci_high at lags 1, 3, 17, computed by the implementation before the
# chunked, small-dtype counting (int64 ids, full-length codes, per-symbol unit labels).
REGRESSION = [
    ('single', 'dense', 'grassberger', 'global', 'half',
     [0.05292607080865608, 0.04355902575213566, 0.04434437119286638],
     [0.04683282332342298, 0.04407452740165452, 0.050804968156642705],
     [0.04500951431190064, 0.03220858486018789, 0.03626283177096168],
     [0.06321042110796118, 0.055551053412843714, 0.055349448407949815],
    ),
    ('single', 'sparse', 'plugin', 'global', 'replacement',
     [0.13773380910282906, 0.13002538708994482, 0.13070032522534003],
     [0.1324009828671282, 0.13061887234591474, 0.13659292337322304],
     [0.20745695636195877, 0.20123592229342807, 0.19825140020404625],
     [0.24555729696938136, 0.23033830162898453, 0.23817391965651744],
    ),
    ('rect', 'dense', 'miller_madow', 'within', 'half',
     [0.06006825572551833, 0.0513241069467778, 0.0548630642176553],
     [0.05457362890668582, 0.05515933914696758, 0.05569162197990796],
     [0.04697578137771974, 0.04125834250163297, 0.04207868001673037],
     [0.07166116365083246, 0.06098093209790663, 0.06797238084035535],
    ),
    ('rect', 'sparse', 'grassberger2003', 'global', 'half',
     [0.026529134384952968, 0.012097556139746501, 0.015287373526446935],
     [0.0172782025544862, 0.013171193238018297, 0.023529436147172955],
     [0.00812701252705422, -0.0003341178795270186, -0.004032640164709946],
     [0.04392816161341389, 0.02793493451256069, 0.03516421737293328],
    ),
    ('gapped', 'dense', 'grassberger', 'within', 'replacement',
     [0.08746970162602707, 0.07120079857904749, 0.08292941686987643],
     [0.08071578167854065, 0.08793107191413352, 0.08145837478228346],
     [0.20149666000811492, 0.1827771537918285, 0.20242307711604765],
     [0.2475161056007194, 0.24506946608327326, 0.24290634977184133],
    ),
    ('gapped', 'sparse', 'grassberger', 'global', 'half',
     [0.08746970162602707, 0.07120079857904749, 0.08292941686987643],
     [0.08793344815794102, 0.0795455603368751, 0.08620992025012253],
     [0.0663187857659578, 0.06193973652227854, 0.06741880738416436],
     [0.10186807931863455, 0.08027009587920722, 0.10226816499059277],
    ),
    ('padded', 'dense', 'plugin', 'global', 'half',
     [0.2305273339691949, 0.22365583000251288, 0.23903079209239397],
     [0.2274273187113387, 0.2230439033098559, 0.23080311692134803],
     [0.2222563622444494, 0.20755926917818976, 0.22045511003155624],
     [0.24336099161095853, 0.23533134436456243, 0.2623491226008679],
    ),
    ('padded', 'sparse', 'miller_madow', 'within', 'replacement',
     [0.11851135363729526, 0.11072266168568135, 0.12320882977920355],
     [0.11965043878225146, 0.10439722809694851, 0.1251647738464845],
     [0.18427812241105307, 0.17674819155775925, 0.203957877961324],
     [0.32934294473540143, 0.3241404920415572, 0.35518164694390825],
    ),
]


@pytest.mark.parametrize("kind, path, estimator, scope, resampling, mi, baseline, low, high",
                         REGRESSION)
def test_regression_against_saved_values(kind, path, estimator, scope, resampling, mi,
                                         baseline, low, high):
    df = mutual_information(regression_data(kind), [1, 3, 17],
                            config=EstimatorConfig(estimator=estimator, shuffles=2, bootstrap=20,
                                                   seed=5, shuffle_scope=scope,
                                                   resampling=resampling), _path=path)
    got = [df[c].to_numpy() for c in ("mi", "baseline", "ci_low", "ci_high")]
    np.testing.assert_allclose(got, [mi, baseline, low, high], rtol=0, atol=1e-12)


def test_regression_layouts_are_the_intended_ones():
    kinds = {k: grid_mod.choose_layout(np.array([len(s) for s in regression_data(k)]), 17).kind
             for k in ("gapped", "padded")}
    assert kinds == {"gapped": "gapped", "padded": "padded"}


@pytest.mark.parametrize("path", ["dense", "sparse"])
@pytest.mark.parametrize("kind", ["single", "rect", "gapped", "padded", "small-units"])
def test_chunked_counting_equals_unchunked(monkeypatch, path, kind):
    """Chunks of a few cells (rows split, units split across chunks, lag batches of one)
    give exactly the numbers of one chunk for everything."""
    data = regression_data("single" if kind == "small-units" else kind)
    config = EstimatorConfig(shuffles=2, bootstrap=15, seed=3)
    if kind == "small-units":
        config = config.replace(block_length=37)  # many units per chunk: grouped unit counting
    kw = {"config": config, "_path": path, "return_replicates": True}
    monkeypatch.setattr(grid_mod, "COUNT_CHUNK", 2**30)
    whole, whole_reps = mutual_information(data, [1, 2, 9, 20], **kw)
    for chunk in (1, 7, 100):
        monkeypatch.setattr(grid_mod, "COUNT_CHUNK", chunk)
        monkeypatch.setattr(numpy_counter, "DENSE_BATCH_BYTES", 1)
        monkeypatch.setattr(numpy_counter, "DENSE_CHUNK_TABLES", 0)
        chunked, reps = mutual_information(data, [1, 2, 9, 20], **kw)
        pd.testing.assert_frame_equal(chunked, whole, check_exact=True)
        pd.testing.assert_frame_equal(reps, whole_reps, check_exact=True)


def test_compact_ids_use_the_smallest_dtype_and_reuse_compact_input():
    x = np.arange(1000) % 255
    ids, alphabet = symbols_mod.compact_ids(x.astype(np.int64))
    assert alphabet == 255 and ids.dtype == np.uint8  # 0…254 and the sentinel 255
    compact = x.astype(np.uint8)
    ids, _ = symbols_mod.compact_ids(compact)
    assert ids is compact  # already compact: no copy (and never written to)
    ids, alphabet = symbols_mod.compact_ids(np.arange(256, dtype=np.uint8))
    assert alphabet == 256 and ids.dtype == np.uint16  # the sentinel needs 9 bits
    ids, alphabet = symbols_mod.compact_ids((x * 1000).astype(np.uint32))
    assert alphabet == 255 and ids.dtype == np.uint8 and (ids == x).all()
    ids, alphabet = symbols_mod.compact_ids(x.astype(np.uint64) * 10**15)  # the np.unique branch
    assert alphabet == 255 and ids.dtype == np.uint8 and (ids == x).all()


def test_input_array_is_not_modified():
    x = (np.arange(5000) * 7 % 13).astype(np.uint8)
    before = x.copy()
    mutual_information(x, [1, 5], config=EstimatorConfig(shuffles=2, bootstrap=5))
    mutual_information(x.reshape(50, 100), [1, 5],
                       config=EstimatorConfig(shuffles=2, shuffle_scope="within", bootstrap=5))
    assert np.array_equal(x, before)


def test_resampling_units_are_ranges():
    lengths = np.array([10, 3, 25])
    blocks = resample.resampling_units(lengths, 2, 4)
    assert blocks.bounds.tolist() == [0, 4, 8, 10, 13, 17, 21, 25, 29, 33, 37, 38]
    assert blocks.n_units == 11
    assert blocks.labels().tolist()[:14] == [0] * 4 + [1] * 4 + [2] * 2 + [3] * 3 + [4]
    seqs = resample.resampling_units(np.full(25, 3), 1, None)
    assert seqs.n_units == 25 and seqs.bounds.tolist() == list(range(0, 76, 3))


# --------------------------------------------------------------------------- recorded settings


SETTINGS = dict(estimator="plugin", shuffles=2, shuffle_scope="within", bootstrap=12,
                resampling="replacement", confidence=0.9, block_length=70, seed=11)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_records_the_config_that_made_it(tmp_path, suffix):
    from miscaling.io import read_table, write_table

    x = markov_chain(np.random.default_rng(6), 1, 3000, 0.2)[0]
    want = EstimatorConfig(**SETTINGS)
    df = mutual_information(x, "1:6", config=want)
    assert EstimatorConfig.from_table(df) == want
    write_table(df, tmp_path / f"mi{suffix}")
    assert EstimatorConfig.from_table(read_table(tmp_path / f"mi{suffix}")) == want
    # defaults, with the None settings (block_length) and a fresh-entropy seed
    plain = mutual_information(x, [1, 2], config=EstimatorConfig(seed=None))
    write_table(plain, tmp_path / f"plain{suffix}")
    assert (EstimatorConfig.from_table(read_table(tmp_path / f"plain{suffix}"))
            == EstimatorConfig(seed=None))


def test_settings_are_the_config_and_only_the_config():
    x = markov_chain(np.random.default_rng(7), 12, 300, 0.2)
    by_config = mutual_information(x, "1:5", config=EstimatorConfig(**SETTINGS))
    assert EstimatorConfig.from_table(by_config) == EstimatorConfig(**SETTINGS)
    # execution arguments stay call arguments and change nothing
    threaded = mutual_information(x, "1:5", config=EstimatorConfig(**SETTINGS), threads=2)
    pd.testing.assert_frame_equal(threaded, by_config, check_exact=True)
    pd.testing.assert_frame_equal(mutual_information(x, "1:5"),
                                  mutual_information(x, "1:5", config=EstimatorConfig()))
    with pytest.raises(TypeError, match="unexpected keyword argument 'shuffles'"):
        mutual_information(x, [1], shuffles=3)
    with pytest.raises(TypeError, match="positional"):
        mutual_information(x, [1], "plugin")
    with pytest.raises(TypeError, match="config must be an instance of EstimatorConfig, got dict"):
        mutual_information(x, [1], config=dict(SETTINGS))


def test_estimator_config_validates_and_round_trips():
    config = EstimatorConfig(**SETTINGS)
    assert EstimatorConfig.from_dict(config.to_dict()) == config
    assert config.replace(seed=None).seed is None
    with pytest.raises(AttributeError):
        config.seed = 3  # frozen
    normalised = EstimatorConfig(shuffles=np.int64(2), confidence=np.float32(0.5), seed=np.uint8(3),
                                 within_shuffles=np.int32(2))
    assert type(normalised.shuffles) is int and type(normalised.seed) is int
    assert type(normalised.within_shuffles) is int
    within = EstimatorConfig(within_shuffles=3)
    assert EstimatorConfig.from_dict(within.to_dict()) == within
    assert EstimatorConfig(shuffle_scope="within", within_shuffles=0).within_shuffles == 0
    assert type(normalised.confidence) is float
    # every problem at once, each named with the value
    with pytest.raises(ValueError) as err:
        EstimatorConfig(estimator="kraskov", shuffles=True, bootstrap=-1, confidence=2,
                        block_length=0, seed=-1, backend="jax")
    for part in ("estimator must be one of grassberger, grassberger2003, plugin, miller_madow, "
                 "got 'kraskov'", "shuffles must be an integer >= 0, got True",
                 "bootstrap must be an integer >= 0, got -1",
                 "confidence must be a number in (0, 1), got 2",
                 "block_length must be None or an integer >= 1, got 0",
                 "seed must be None or an integer >= 0, got -1",
                 "backend must be one of numpy, torch, auto, got 'jax'"):
        assert part in str(err.value)
    with pytest.raises(ValueError, match="unknown EstimatorConfig field.*threads"):
        EstimatorConfig.from_dict({"threads": 2})


def test_import_does_not_load_torch():
    code = ("import sys; import miscaling.mi as mi; mi.parse_lags('log:1000:60'); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
