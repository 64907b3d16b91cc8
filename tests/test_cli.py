"""The CLI: every subcommand works on good input and, on bad input, exits non-zero with a message
that names the problem and leaves no output file behind."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli


@pytest.fixture()
def markov_npy(tmp_path):
    """A binary Markov chain (flip probability 0.2): clearly dependent at short lags."""
    rng = np.random.default_rng(0)
    flips = rng.random((50, 400)) < 0.2
    chain = (np.cumsum(flips, axis=1) % 2).astype(np.uint8)
    path = tmp_path / "chain.npy"
    np.save(path, chain)
    return path


# ----------------------------------------------------------------------------- good input


def test_python_dash_m_entry_point_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "miscaling", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("mi", "synth", "fit", "figure"):
        assert command in result.stdout


def test_mi_writes_a_tidy_table_in_csv_and_parquet(markov_npy, tmp_path):
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"mi{suffix}"
        code = run_cli("mi", markov_npy, "--lags", "1:5", "--shuffles", "2", "--bootstrap", "20",
                       "--label", "kind=markov", "--out", out)
        assert code == 0
        table = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert list(table["lag"]) == [1, 2, 3, 4, 5]
        assert {"mi", "ci_low", "ci_high", "baseline", "n_pairs", "estimator"} <= set(table)
        assert (table["kind"] == "markov").all()
        exact = np.log(2) - _binary_entropy((1 + 0.6 ** table["lag"]) / 2)
        assert np.allclose(table["mi"], exact, atol=0.02)


def test_replicates_flow_from_mi_to_fit(tmp_path):
    rng = np.random.default_rng(0)
    data = _save(tmp_path, "x.npy", (rng.random((40, 400)) < 0.5).astype(np.uint8))
    mi, reps, fit = tmp_path / "mi.csv", tmp_path / "reps.parquet", tmp_path / "fit.csv"
    # i.i.d. data has no decay to fit; shift the curve so the fit sees a clean power law
    assert run_cli("mi", data, "--lags", "log:300:20", "--bootstrap", "30",
                   "--replicates-out", reps, "--label", "set=iid", "--out", mi) == 0
    table, replicates = pd.read_csv(mi), pd.read_parquet(reps)
    assert set(replicates.columns) == {"replicate", "lag", "mi", "set"}
    assert len(replicates) == 30 * len(table)
    lag = table.lag.to_numpy()
    table["mi"] = 0.1 * lag**-0.4
    replicates["mi"] = 0.1 * replicates.lag**-0.4 * (1 + replicates.mi)
    table.to_csv(mi, index=False)
    replicates.to_parquet(reps)
    assert run_cli("fit", mi, "--model", "power", "--replicates", reps, "--out", fit) == 0
    fits = pd.read_csv(fit)
    assert set(fits.ci_method) == {"resampling"} and set(fits.n_replicates) == {30}
    gamma = fits[fits.parameter == "gamma"].iloc[0]
    assert gamma.ci_low < 0.4 < gamma.ci_high


def test_mi_reads_ragged_npz_and_text(tmp_path):
    npz = tmp_path / "ragged.npz"
    np.savez(npz, a=np.array([0, 1, 0, 1, 1, 0]), b=np.array([1, 1, 0, 0, 1, 0, 1, 1, 0]))
    assert run_cli("mi", npz, "--lags", "1,2", "--out", tmp_path / "r.csv") == 0
    assert list(pd.read_csv(tmp_path / "r.csv")["n_pairs"]) == [5 + 8, 4 + 7]

    text = tmp_path / "text.txt"
    text.write_text("ab¢ab¢ab¢ab¢", encoding="utf-8")  # a multi-byte character is one symbol
    assert run_cli("mi", text, "--lags", "3", "--estimator", "plugin", "--out",
                   tmp_path / "t.csv") == 0
    table = pd.read_csv(tmp_path / "t.csv")
    assert table["n_pairs"].item() == 9
    assert table["mi"].item() == pytest.approx(np.log(3))


def test_synth_then_fit_roundtrip(tmp_path):
    data = tmp_path / "binary.npy"
    assert run_cli("synth", "binary", "--n-seq", "300", "--length", "64", "--amplitude", "0.1",
                   "--gamma", "0.4", "--seed", "3", "--out", data) == 0
    array = np.load(data)
    assert array.shape == (300, 64) and array.dtype == np.uint8
    assert set(np.unique(array)) <= {0, 1}

    mi = tmp_path / "mi.csv"
    assert run_cli("mi", data, "--lags", "log:63:12", "--out", mi) == 0
    fits = tmp_path / "fits.csv"
    assert run_cli("fit", mi, "--model", "all", "--min-mi", "1.0e-3", "--label", "gamma=0.4",
                   "--out", fits) == 0
    table = pd.read_csv(fits)
    assert {"model", "parameter", "value", "ci_low", "ci_high", "aicc"} <= set(table)
    assert set(table["model"]) == {"exponential", "power", "composite"}
    assert (table["gamma"] == 0.4).all()


# ----------------------------------------------------------------------------- bad input


def _save(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array)
    return path


BAD_MI_INPUTS = {
    "empty": (np.array([], dtype=np.int64), "empty"),
    "float": (np.array([0.0, 1.0, 1.0, 0.0]), "integer"),
    "negative": (np.array([0, 1, -1, 2, 0]), "negative"),
}


@pytest.mark.parametrize("case", sorted(BAD_MI_INPUTS))
def test_mi_rejects_bad_arrays(case, tmp_path, capsys):
    array, message = BAD_MI_INPUTS[case]
    out = tmp_path / "out.csv"
    code = run_cli("mi", _save(tmp_path, "x.npy", array), "--lags", "1", "--out", out)
    assert code == 2
    assert message in capsys.readouterr().err.lower()
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lags", "100"], "sequence length"),
        (["--lags", "0"], "lag"),
        (["--lags", "5:2"], "lag"),
        (["--lags", "every:3"], "lag"),
        (["--lags", "1", "--estimator", "kraskov"], "invalid choice"),
        (["--lags", "1", "--shuffles", "-1"], "non-negative"),
        (["--lags", "1", "--confidence", "1.5"], "between 0 and 1"),
        (["--lags", "1", "--out-format-is-wrong"], "unrecognized"),
        (["--lags", "1", "--shuffle-scope", "rows"], "invalid choice"),
        (["--lags", "1", "--within-shuffles", "-1"], "non-negative"),
        (["--lags", "1", "--shuffles", "2", "--shuffle-scope", "within", "--within-shuffles", "2"],
         "set shuffle_scope='global' or within_shuffles=0"),
        (["--lags", "1", "--replicates-out", "r.csv"], "--bootstrap B with B >= 2"),
        (["--lags", "1", "--bootstrap", "5", "--replicates-out", "r.txt"], ".csv or .parquet"),
    ],
)
def test_mi_rejects_bad_options(args, message, tmp_path, capsys):
    data = _save(tmp_path, "x.npy", np.zeros((3, 50), dtype=np.uint8))
    out = tmp_path / "out.csv"
    code = run_cli("mi", data, *args, "--out", out)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_mi_rejects_missing_unknown_and_unwritable_formats(tmp_path, capsys):
    data = _save(tmp_path, "x.npy", np.zeros(20, dtype=np.uint8))
    assert run_cli("mi", tmp_path / "nope.npy", "--lags", "1", "--out", tmp_path / "o.csv") == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "x.json").write_text("[1, 2]")
    assert run_cli("mi", tmp_path / "x.json", "--lags", "1", "--out", tmp_path / "o.csv") == 2
    assert "unsupported format" in capsys.readouterr().err
    assert run_cli("mi", data, "--lags", "1", "--out", tmp_path / "o.xlsx") == 2
    assert ".csv or .parquet" in capsys.readouterr().err
    (tmp_path / "broken.npy").write_bytes(b"not numpy at all")
    assert run_cli("mi", tmp_path / "broken.npy", "--lags", "1", "--out", tmp_path / "o.csv") == 2
    assert "broken.npy" in capsys.readouterr().err
    assert not list(tmp_path.glob("o.*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n-seq", "0"], "positive integer"),
        (["--amplitude", "0.9"], "amplitude"),
        (["--amplitude", "-0.1"], "amplitude"),
        (["--gamma", "-1"], "gamma"),
        (["--mode", "approximate"], "invalid choice"),
        (["--length", "1"], "length"),
    ],
)
def test_synth_rejects_bad_parameters(args, message, tmp_path, capsys):
    options = {"--n-seq": "10", "--length": "32", "--amplitude": "0.1", "--gamma": "0.4"}
    for flag, value in zip(args[::2], args[1::2]):
        options[flag] = value
    out = tmp_path / "x.npy"
    flat = [item for pair in options.items() for item in pair]
    code = run_cli("synth", "binary", *flat, "--out", out)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_synth_rejects_non_npy_output(tmp_path, capsys):
    out = tmp_path / "x.csv"
    code = run_cli("synth", "binary", "--n-seq", "2", "--length", "8", "--amplitude", "0.1",
                   "--gamma", "0.4", "--out", out)
    assert code == 2 and ".npy" in capsys.readouterr().err
    assert not out.exists()


def test_fit_rejects_bad_tables(tmp_path, capsys):
    out = tmp_path / "fit.csv"
    no_mi = tmp_path / "no_mi.csv"
    pd.DataFrame({"lag": [1, 2, 3]}).to_csv(no_mi, index=False)
    assert run_cli("fit", no_mi, "--out", out) == 2
    assert "mi" in capsys.readouterr().err

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run_cli("fit", empty, "--out", out) == 2
    assert "empty" in capsys.readouterr().err

    few = tmp_path / "few.csv"
    pd.DataFrame({"lag": [1, 2, 3], "mi": [0.1, 0.0005, 0.0001]}).to_csv(few, index=False)
    assert run_cli("fit", few, "--min-mi", "1.0e-3", "--out", out) == 2
    assert "point" in capsys.readouterr().err

    assert run_cli("fit", few, "--model", "gaussian", "--out", out) == 2
    assert "invalid choice" in capsys.readouterr().err

    # --floor-sds needs the table's shuffle floor, and says which file lacks it
    assert run_cli("fit", few, "--floor-sds", "2", "--out", out) == 2
    err = capsys.readouterr().err
    assert "few.csv" in err and "baseline" in err and "--floor-sds" in err
    assert run_cli("fit", few, "--floor-sds", "-1", "--out", out) == 2
    assert "--floor-sds" in capsys.readouterr().err
    assert not out.exists()


def test_figure_rejects_tables_without_labels(tmp_path, capsys):
    table = tmp_path / "mi.csv"
    pd.DataFrame({"lag": [1, 2], "mi": [0.1, 0.05]}).to_csv(table, index=False)
    out = tmp_path / "fig5.pdf"
    assert run_cli("figure", "fig5", "--curves", table, "--fits", table, "--out", out) == 2
    assert "gamma" in capsys.readouterr().err
    assert not list(tmp_path.glob("fig5*"))


def _binary_entropy(p):
    p = np.asarray(p, dtype=float)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


def test_uniformity_and_fig6_from_measured_tables(tmp_path):
    rng = np.random.default_rng(5)
    curves, uniformity = [], []
    for corpus in ("ptb", "text8"):
        for split in ("train", "valid", "test"):
            data = _save(tmp_path, f"{corpus}_{split}.npy", rng.integers(0, 27, 30_000))
            labels = ["--label", f"corpus={corpus}", "--label", f"split={split}"]
            mi, reps = tmp_path / f"{corpus}_{split}.csv", tmp_path / f"{corpus}_{split}.parquet"
            assert run_cli("mi", data, "--lags", "log:1000:15", "--shuffles", "2",
                           "--bootstrap", "20", "--replicates-out", reps, *labels,
                           "--out", mi) == 0
            out = tmp_path / f"u_{corpus}_{split}.csv"
            assert run_cli("uniformity", mi, "--replicates", reps, *labels, "--out", out) == 0
            curves.append(mi)
            uniformity.append(out)
    fig = tmp_path / "figures/fig6.pdf"
    assert run_cli("figure", "fig6", "--curves", *curves, "--uniformity", *uniformity,
                   "--out", fig) == 0
    assert fig.stat().st_size > 0 and fig.with_suffix(".png").stat().st_size > 0
    table = pd.read_csv(tmp_path / "figures/fig6_uniformity.csv")
    assert len(table) == 6 and {"corpus", "split", "gamma", "distinguishable"} <= set(table)
    assert not table["distinguishable"].any()  # i.i.d. symbols: nothing beyond the baseline
    assert len(pd.read_csv(fig.with_suffix(".csv"))) == 6 * 15


def test_uniformity_rejects_a_table_without_baseline(tmp_path, capsys):
    data = _save(tmp_path, "x.npy", np.random.default_rng(0).integers(0, 5, 5000))
    mi, reps, out = tmp_path / "mi.csv", tmp_path / "r.csv", tmp_path / "u.csv"
    assert run_cli("mi", data, "--lags", "log:1000:10", "--bootstrap", "5",
                   "--replicates-out", reps, "--out", mi) == 0
    assert run_cli("uniformity", mi, "--replicates", reps, "--out", out) == 2
    assert "--shuffles" in capsys.readouterr().err
    assert not out.exists()


def test_download_and_prepare_reject_bad_input(tmp_path, capsys):
    assert run_cli("download", "enwik9", "--dest", tmp_path / "d") == 2
    assert "unknown corpus 'enwik9'" in capsys.readouterr().err
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    assert run_cli("download", "ptb", "--dest", tmp_path / "ptb", "--mirror", empty_mirror) == 2
    err = capsys.readouterr().err
    assert "ptb.train.txt" in err and str(empty_mirror) in err
    assert not (tmp_path / "ptb/manifest.json").exists()
    assert run_cli("download", "ptb", "--dest", tmp_path, "--hash", "nohash") == 2
    assert "NAME=ALG:HEX" in capsys.readouterr().err

    bad = tmp_path / "manifest.json"
    bad.write_text('{"corpus": "x"}')
    out = tmp_path / "prepared"
    assert run_cli("prepare", "corpus", bad, "--level", "char", "--out-dir", out) == 2
    assert "not a corpus manifest" in capsys.readouterr().err
    assert run_cli("prepare", "corpus", tmp_path / "nope.json", "--level", "char",
                   "--out-dir", out) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_prepare_steps_from_manifests(tmp_path):
    """text8's code path on a small file of the same format: split, then encode both levels."""
    raw = tmp_path / "raw"
    raw.mkdir()
    text = ("anarchism originated as a term of abuse first used against early working class "
            "radicals ") * 30
    (raw / "text8").write_bytes(text.encode()[:2000])
    (raw / "manifest.json").write_text('{"corpus": "text8", "files": {"all": {"path": "text8"}}}')
    split = tmp_path / "split"
    assert run_cli("prepare", "split-text8", raw / "manifest.json", "--sizes", "1800,100,100",
                   "--out-dir", split) == 0
    assert [(split / f"{s}.txt").stat().st_size for s in ("train", "valid", "test")] == [
        1800, 100, 100]
    for level in ("char", "word"):
        out = tmp_path / f"text8_{level}"
        assert run_cli("prepare", "corpus", split / "manifest.json", "--level", level,
                       "--out-dir", out) == 0
        train = np.load(out / "train.npy")
        assert train.dtype == np.uint8 and train.size > 0
    assert np.load(tmp_path / "text8_char/train.npy").size == 1800
    assert run_cli("prepare", "split-text8", raw / "manifest.json", "--out-dir",
                   tmp_path / "s2") == 2  # 2,000 bytes is not 100 MB


def test_train_select_sample_round_trip(tmp_path, capsys):
    import torch

    threads = torch.get_num_threads()
    rng = np.random.default_rng(0)
    data = _save(tmp_path, "train.npy", (rng.random((40, 32)) < 0.5).astype(np.uint8))
    valid = _save(tmp_path, "valid.npy", (rng.random((10, 32)) < 0.5).astype(np.uint8))
    runs = []
    for seed in (0, 1):
        run = tmp_path / f"seed{seed}"
        assert run_cli("train", "--arch", "rnn", "--width", "4", "--depth", "1",
                       "--embedding-dim", "2", "--train", data, "--valid", valid,
                       "--seed", str(seed), "--max-epochs", "2", "--out-dir", run) == 0
        assert (run / "result.json").is_file()
        runs.append(run)
    selection = tmp_path / "best.json"
    assert run_cli("select", *runs, "--out", selection) == 0
    out = tmp_path / "samples.npy"
    assert run_cli("sample", selection, "--n-sequences", "7", "--length", "20",
                   "--first-symbols", data, "--out", out) == 0
    samples = np.load(out)
    assert samples.shape == (7, 20) and set(np.unique(samples)) <= {0, 1}
    torch.set_num_threads(threads)

    # bad input: a clear message, exit 2, nothing written
    bad = _save(tmp_path, "bad.npy", np.array([[0.5, 1.0]]))
    assert run_cli("train", "--arch", "rnn", "--width", "4", "--depth", "1", "--train", bad,
                   "--valid", valid, "--out-dir", tmp_path / "never") == 2
    assert "integer" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()
    assert run_cli("train", "--arch", "gru", "--width", "4", "--depth", "1", "--train", data,
                   "--valid", valid, "--out-dir", tmp_path / "never") == 2
    assert run_cli("select", tmp_path / "missing", "--out", tmp_path / "s.json") == 2
    assert "has not finished" in capsys.readouterr().err
    assert run_cli("sample", selection, "--n-sequences", "2", "--length", "5",
                   "--out", tmp_path / "s.txt") == 2
    torch.set_num_threads(threads)


def test_list_options_accept_repeated_flags_and_defaults_are_replaced():
    # the rules write lists as repeated flags (--names a --names b): both forms mean the same
    from miscaling.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["text", "excerpts", "--samples", "a.npy", "--samples", "b.npy",
                              "--vocab", "v.json", "--names", "a", "--names", "b", "--out", "x"])
    assert args.samples == ["a.npy", "b.npy"] and args.names == ["a", "b"]
    args = parser.parse_args(["figure", "fig8", "--fits", "a.csv", "b.csv", "--fits", "c.csv",
                              "--reference", "r.csv", "--out", "f.pdf"])
    assert args.fits == ["a.csv", "b.csv", "c.csv"]
    # a list option with a default replaces it rather than extending it
    args = parser.parse_args(["theory", "ising", "--beta", "0.8", "--out-mi", "m.csv",
                              "--out-tv", "t.csv", "--out-checks", "c.csv"])
    assert args.beta == [0.8]
    args = parser.parse_args(["theory", "repetitive", "--p", "0.2", "--out-curves", "c.csv",
                              "--out-checks", "k.csv"])
    assert args.p == [0.2]


def test_max_lag_fraction_keeps_the_lags_within_the_sequences(tmp_path):
    # Transformer samples (context + 1 symbols) are shorter than the corpora's largest lag
    data = tmp_path / "short.npy"
    np.save(data, np.random.default_rng(0).integers(0, 3, size=(50, 40)))
    out = tmp_path / "mi.csv"
    assert run_cli("mi", data, "--lags", "1:100", "--out", out) == 2  # lags beyond the data
    assert not out.exists()
    assert run_cli("mi", data, "--lags", "1:100", "--max-lag-fraction", "0.5",
                   "--out", out) == 0
    assert pd.read_csv(out)["lag"].tolist() == list(range(1, 21))
    assert run_cli("mi", data, "--lags", "1:100", "--max-lag-fraction", "0",
                   "--out", out) == 2
