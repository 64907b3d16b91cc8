"""Bipartite MI (miscaling.bipartite, docs/METHODS.md §10): exact enumeration against closed
forms, the estimators on samples against exact values, and ``miscaling bipartite``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import run_cli
from miscaling.bipartite import (
    MarkovModel,
    bipartite_mi,
    exact_bipartite_mi,
    fit_power,
    markov_bipartite_mi,
    position_loss,
    sequence_log_probs,
)
from miscaling.mi.lags import ratio_block_lengths
from miscaling.models import ModelConfig, build_model
from miscaling.sample import generate

TRANSITION = np.array([[0.9, 0.1], [0.3, 0.7]])
FIRST = np.array([0.3, 0.7])


def within(row, value):
    return row["ci_low"] <= value <= row["ci_high"]


@pytest.fixture(scope="module")
def rnn():
    """A random binary Elman RNN of width 4, weights doubled so its symbols depend clearly."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="rnn", vocab_size=2, width=4, depth=1))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2.0)
    return model.eval()


# ------------------------------------------------------------------------ Markov chain (M64)


@pytest.mark.parametrize("start", ["stationary", "other"])
@pytest.mark.parametrize("ell,length", [(1, 2), (3, 6), (5, 13), (8, 16)])
def test_exact_enumeration_of_a_markov_chain_is_the_one_step_mi(start, ell, length):
    chain = MarkovModel(TRANSITION)
    first = chain.stationary() if start == "stationary" else FIRST
    exact = exact_bipartite_mi(chain, length, ell, first)
    assert exact["total_probability"] == pytest.approx(1.0, abs=1e-12)
    assert abs(exact["mi"] - markov_bipartite_mi(TRANSITION, first, ell)) < 1e-10
    assert exact["vclub"] >= exact["mi"] - 1e-12  # (M63): an upper bound
    if start == "stationary":  # q(y) from the start state is p(y): no bias
        assert abs(exact["start_bias"]) < 1e-10
    else:
        assert exact["start_bias"] > 0  # a Kullback-Leibler divergence


def test_direct_estimator_on_markov_samples_brackets_the_one_step_mi():
    chain = MarkovModel(TRANSITION)
    pi = chain.stationary()
    samples = chain.sample(4000, 32, pi, seed=1)
    table = bipartite_mi(chain, samples, [1, 2, 4, 8, 16], pi, pairs=3, confidence=0.99)
    truth = markov_bipartite_mi(TRANSITION, pi, 1)
    for _, row in table[table.estimator == "direct"].iterrows():
        assert within(row, truth), (row["ell"], row["estimate"], truth)
    # five correlated checks at 99 %; vCLUB estimates its own expectation, an upper bound (M63)
    exact = exact_bipartite_mi(chain, 8, 4, pi)
    vclub = table[(table.estimator == "vclub") & (table.ell == 4)].iloc[0]
    assert within(vclub, exact["vclub"]) and exact["vclub"] > truth


# ------------------------------------------------------------------- the RNN: q = the model


@pytest.mark.parametrize("ell", [2, 4, 6])
def test_estimators_on_an_rnns_own_samples_agree_with_exact_enumeration(rnn, ell):
    samples = generate(rnn, 3000, 2 * ell, first_token=FIRST, seed=10 + ell)
    # four checks per ℓ: 99 % intervals (at 95 % the vCLUB one covered 29 of 30 seeds at ℓ = 6)
    table = bipartite_mi(rnn, samples, [ell], FIRST, pairs=3,
                         confidence=0.99).set_index("estimator")
    exact = exact_bipartite_mi(rnn, 2 * ell, ell, FIRST)
    assert np.isfinite(exact["start_bias"]) and exact["start_bias"] >= -1e-12
    # the direct estimator estimates I + the start-state bias (M62); without the bias, I
    assert within(table.loc["direct"], exact["direct"])
    corrected = table.loc["direct"].copy()
    corrected[["ci_low", "ci_high"]] -= exact["start_bias"]
    assert within(corrected, exact["mi"])
    assert within(table.loc["vclub"], exact["vclub"])
    assert exact["vclub"] >= exact["mi"]


def test_context_then_block_is_the_whole_sequence(rnn):
    samples = generate(rnn, 50, 10, first_token=FIRST, seed=3)
    whole = sequence_log_probs(rnn, samples, FIRST)
    split = (sequence_log_probs(rnn, samples[:, :4], FIRST)
             + sequence_log_probs(rnn, samples[:, 4:], FIRST, samples[:, :4]))
    np.testing.assert_allclose(whole, split, atol=1e-10)


def test_position_loss_first_position_is_the_first_symbol_entropy(rnn):
    samples = generate(rnn, 2000, 8, first_token=FIRST, seed=4)
    table = position_loss(rnn, samples, FIRST)
    assert list(table.position) == list(range(1, 9))
    entropy = -(FIRST * np.log(FIRST)).sum()
    assert within(table.iloc[0], entropy)


def test_transformer_blocks_must_fit_its_context():
    model = build_model(ModelConfig(arch="transformer", vocab_size=2, width=8, depth=1,
                                    heads=2, max_len=6))
    samples = np.zeros((4, 12), dtype=np.int64)
    with pytest.raises(ValueError, match="max_len is 6"):
        bipartite_mi(model, samples, [4], FIRST)
    assert len(bipartite_mi(model, samples, [3], FIRST)) == 2


def test_fit_power_recovers_the_exponent():
    L = np.array([4, 8, 16, 32, 64, 128], dtype=float)
    rng = np.random.default_rng(0)
    estimate = 0.3 * L ** 0.4 * np.exp(rng.normal(0, 0.02, L.size))
    fit = fit_power(L, estimate, estimate * 0.95, estimate * 1.05)
    assert fit["beta_low"] <= 0.4 <= fit["beta_high"]
    assert fit["amplitude"] == pytest.approx(0.3, rel=0.1)
    assert fit_power([4, 8, 16], [0.1, -0.1, 0.2])["n_left_out"] == 1


def test_bad_input_names_the_field():
    chain = MarkovModel(TRANSITION)
    samples = chain.sample(10, 8, FIRST)
    with pytest.raises(ValueError, match="exceeds the sequences' length 8"):
        bipartite_mi(chain, samples, [5], FIRST)
    with pytest.raises(ValueError, match="ratio"):
        bipartite_mi(chain, samples, [2], FIRST, ratio=1)
    with pytest.raises(ValueError, match="sequences must be a 2-D integer array"):
        bipartite_mi(chain, samples.astype(float), [2], FIRST)
    with pytest.raises(ValueError, match="too many to enumerate"):
        exact_bipartite_mi(chain, 24, 12, FIRST)


# ---------------------------------------------------------------------------------- the CLI


@pytest.fixture()
def run_dir(tmp_path, rnn):
    folder = tmp_path / "run"
    folder.mkdir()
    torch.save({"model_state": rnn.state_dict(), "model_config": rnn.config,
                "train_config": {}, "epoch": 1, "val_loss": 0.5}, folder / "best.pt")
    return folder


def test_cli_writes_the_tables(tmp_path, run_dir, rnn):
    samples = generate(rnn, 200, 16, first_token=FIRST, seed=5)
    np.save(tmp_path / "samples.npy", samples)
    np.save(tmp_path / "train.npy", samples)
    out, positions, fits = (tmp_path / n for n in ("mi.csv", "loss.csv", "fit.csv"))
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "samples.npy",
                   "--first-symbols", tmp_path / "train.npy", "--block-lengths", "log:8:4",
                   "--pairs", "2", "--out", out, "--positions-out", positions,
                   "--fit-out", fits) == 0
    table = pd.read_csv(out)
    assert set(table.estimator) == {"direct", "vclub"}
    assert {"ell", "L", "estimate", "ci_low", "ci_high", "n_sequences", "model",
            "seed"} <= set(table.columns)
    assert (table.L == 2 * table.ell).all()
    assert len(pd.read_csv(positions)) == 16
    assert set(pd.read_csv(fits).estimator) == {"direct", "vclub"}


def test_cli_bad_input_names_the_file(tmp_path, run_dir, capsys):
    np.save(tmp_path / "short.npy", np.zeros((5, 6), dtype=np.int64))
    np.save(tmp_path / "train.npy", np.zeros((5, 6), dtype=np.int64))
    common = ["--first-symbols", tmp_path / "train.npy", "--out", tmp_path / "mi.csv"]
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "short.npy",
                   "--block-lengths", "4", *common) == 2
    assert "short.npy" in capsys.readouterr().err
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "short.npy",
                   "--block-lengths", "2", "--first-symbols", tmp_path / "train.npy",
                   "--out", tmp_path / "mi.txt") == 2
    assert "--out" in capsys.readouterr().err
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "missing.npy",
                   "--block-lengths", "2", *common) == 2
    assert "missing.npy" in capsys.readouterr().err
    assert not (tmp_path / "mi.csv").exists()


def test_cli_cuts_a_stream_into_windows_of_the_largest_block_pair(tmp_path, run_dir, rnn):
    stream = generate(rnn, 1, 100, first_token=FIRST, seed=6)[0]
    np.save(tmp_path / "stream.npy", stream)
    out = tmp_path / "mi.parquet"
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "stream.npy",
                   "--first-symbols", tmp_path / "stream.npy", "--block-lengths", "2,4",
                   "--ratio", "2.5", "--out", out) == 0
    table = pd.read_parquet(out)
    assert list(table.L) == [5, 5, 10, 10] and (table.n_sequences == 10).all()


def test_cli_cuts_rows_labels_the_model_and_scores_several_ratios(tmp_path, run_dir, rnn):
    """--ratio repeated, as the workflow writes a list (the last one alone used to count)."""
    np.save(tmp_path / "streams.npy", generate(rnn, 3, 130, first_token=FIRST, seed=7))
    out, fits = tmp_path / "mi.csv", tmp_path / "fit.csv"
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "streams.npy",
                   "--first-symbols", tmp_path / "streams.npy", "--block-lengths", "2,4,8,12,16",
                   "--ratio", "3", "--ratio", "2", "--cut-rows", "--max-sequences", "10",
                   "--label", "source=samples", "--out", out, "--fit-out", fits) == 0
    table = pd.read_csv(out)
    assert sorted(set(table.ratio)) == [2.0, 3.0] and (table.n_sequences == 10).all()
    # the window is the smallest ratio's longest L, 2 x 16: ratio 3 keeps the l with 3l <= 32
    assert sorted(set(table[table.ratio == 2].L)) == [4, 8, 16, 24, 32]
    assert sorted(set(table[table.ratio == 3].L)) == [6, 12, 24]
    # 3 rows of 130 cut into 32-symbol windows: 12, of which 10 are scored
    row = table.iloc[0]
    assert (row.arch, row.width, row.depth, row.source) == ("rnn", rnn.config["width"],
                                                            rnn.config["depth"], "samples")
    assert row.memory_values == rnn.config["width"] * rnn.config["depth"]
    assert row.memory_kind == "state"
    assert len(pd.read_csv(fits)) == 4  # two estimators x two ratios


def test_larger_ratios_keep_the_block_lengths_that_fit_the_smallest_ratios_window(
        tmp_path, run_dir, rnn, capsys):
    # L2M's grid: l = 2 ... 512 at L/l = 2, up to 256 at 3 and 4 (chunks of one length)
    window, grids = ratio_block_lengths([2 ** k for k in range(1, 10)], [4, 2, 3])
    assert window == 1024 and list(grids) == [2.0, 3.0, 4.0]
    assert grids[2.0][-1] == 512 and grids[3.0][-1] == grids[4.0][-1] == 256
    # a ratio left with fewer block lengths than a fit needs: refused before any model loads
    np.save(tmp_path / "s.npy", generate(rnn, 20, 16, first_token=FIRST, seed=9))
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "s.npy",
                   "--first-symbols", tmp_path / "s.npy", "--block-lengths", "2,4,8",
                   "--ratio", "2", "3", "--out", tmp_path / "mi.csv") == 2
    assert "--ratio 3: only 2 of the block lengths" in capsys.readouterr().err
    assert not (tmp_path / "mi.csv").exists()
    # rows shorter than the window: named, not "0 sequences"
    assert run_cli("bipartite", run_dir, "--sequences", tmp_path / "s.npy",
                   "--first-symbols", tmp_path / "s.npy", "--block-lengths", "2,4,16",
                   "--cut-rows", "--out", tmp_path / "mi.csv") == 2
    assert "longest row has 16 symbols, fewer than the largest L = 32" in capsys.readouterr().err


def test_cli_scores_with_the_best_of_several_selections(tmp_path, run_dir, rnn, capsys):
    import json

    samples = generate(rnn, 20, 8, first_token=FIRST, seed=8)
    np.save(tmp_path / "s.npy", samples)
    selections = []
    for name, loss in (("worse", 0.9), ("better", 0.4)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"best_dir": str(run_dir), "best_val_loss": loss}))
        selections.append(path)
    out = tmp_path / "mi.csv"
    common = ["--sequences", tmp_path / "s.npy", "--first-symbols", tmp_path / "s.npy",
              "--block-lengths", "2", "--out", out]
    assert run_cli("bipartite", *selections, *common) == 0
    assert pd.read_csv(out).model.iloc[0] == str(run_dir)
    assert run_cli("bipartite", selections[0], run_dir, *common) == 2
    assert "best_val_loss" in capsys.readouterr().err


def _bipartite_table(arch, source, slope, memory):
    ell = np.array([1, 2, 4, 8, 16, 32])
    estimate = 0.01 * (2 * ell) ** slope
    rows = []
    for estimator in ("direct", "vclub"):
        rows.append(pd.DataFrame({
            "ell": ell, "L": 2 * ell, "ratio": 2.0, "estimator": estimator,
            "estimate": estimate, "ci_low": 0.95 * estimate, "ci_high": 1.05 * estimate,
            "n_sequences": 100, "level": "binary", "family": "binary", "source": source,
            "arch": arch, "width": 8, "depth": 1, "memory_values": memory,
            "memory_kind": "kv_cache" if arch == "transformer" else "state"}))
    return pd.concat(rows)


def test_bipartite_summary_stacks_fits_decides_and_draws(tmp_path):
    tables = []
    for arch, source, slope, memory in (("lstm", "samples", 0.0, 16),
                                        ("transformer", "samples", 0.6, 8192),
                                        ("lstm", "data", 0.5, 16)):
        path = tmp_path / f"{arch}_{source}.csv"
        _bipartite_table(arch, source, slope, memory).to_csv(path, index=False)
        tables.append(path)
    positions = tmp_path / "positions.csv"
    pd.DataFrame({"position": [1, 2, 3], "loss": [0.7, 0.6, 0.6], "level": "binary",
                  "source": "samples", "arch": "lstm", "width": 8, "depth": 1}).to_csv(
        positions, index=False)
    out = tmp_path / "figures" / "bipartite.pdf"
    assert run_cli("bipartite-summary", "--tables", *tables, "--positions", positions,
                   "--out", out) == 0
    growth = pd.read_csv(tmp_path / "figures" / "bipartite_growth.csv")
    assert len(growth) == 6  # 3 curves x 2 estimators
    lstm = growth[(growth.arch == "lstm") & (growth.source == "data")].iloc[0]
    assert abs(lstm.beta - 0.5) < 1e-9 and lstm.beta_ci_low <= 0.5 <= lstm.beta_ci_high
    trends = pd.read_csv(tmp_path / "figures" / "bipartite_trends.csv").set_index("claim")
    assert set(trends["status"]) == {"holds"}
    for name in ("bipartite.png", "bipartite.csv", "bipartite_positions.csv"):
        assert (tmp_path / "figures" / name).is_file()


def test_bipartite_summary_names_a_table_without_its_columns(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"ell": [1]}).to_csv(bad, index=False)
    assert run_cli("bipartite-summary", "--tables", bad, "--out", tmp_path / "b.pdf") == 2
    assert "bipartite table 1" in capsys.readouterr().err


def test_bipartite_figure_draws_when_no_estimate_is_above_zero(tmp_path):
    """Weak models on few sequences (the smoke scale's word level) give only estimates <= 0:
    the figure shows them on a linear axis instead of failing on a log one."""
    from miscaling.plots.bipartite import make_fig_bipartite

    table = _bipartite_table("lstm", "samples", 0.0, 16)
    table["estimate"] = -0.01
    table["ci_low"], table["ci_high"] = -0.02, 0.0
    growth = pd.DataFrame(columns=["level", "source", "estimator", "ratio", "arch",
                                   "memory_values", "upper_slope", "upper_slope_ci_low",
                                   "upper_slope_ci_high"])
    positions = pd.DataFrame({"position": [1, 2], "loss": [0.7, 0.6], "level": "binary",
                              "source": "samples", "arch": "lstm", "width": 8, "depth": 1})
    figure = make_fig_bipartite(table, growth, positions, margin=0.1)
    figure.savefig(tmp_path / "b.png")
    assert figure.axes[0].get_yscale() == "linear"
