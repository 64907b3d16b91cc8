"""The size-matched control of Figure 6 (miscaling.controls, `miscaling control`, controls.smk):
the chunk cutter, the verdict on synthetic tables, the CLI's checks, the DAG, and one run on the
corpus mirror (skipped without it)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from matplotlib.legend import Legend
from miscaling.controls import (
    QUANTITIES,
    SUMMARY_COLUMNS,
    TABLE_COLUMNS,
    chunk_name,
    chunk_offsets,
    compare_to_chunks,
    cut_chunks,
    parse_chunk_name,
    size_matched_table,
)
from test_workflow import ROOT, job_counts, snakemake, write_config

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data"

# --------------------------------------------------------------------------- cutting


@pytest.mark.parametrize("total, size, count", [(1000, 90, 10), (1000, 100, 10), (997, 3, 7),
                                                (5_101_618, 399_782, 12)])
def test_chunks_are_disjoint_one_per_stratum_and_seeded(total, size, count):
    offsets = chunk_offsets(total, size, count, seed=3)
    assert offsets.shape == (count,)
    bounds = np.arange(count + 1) * total // count
    # chunk k lies inside stratum k: disjoint, in text order, spread over the whole text
    assert np.all(offsets >= bounds[:-1]) and np.all(offsets + size <= bounds[1:])
    assert np.all(np.diff(offsets) >= size)
    np.testing.assert_array_equal(offsets, chunk_offsets(total, size, count, seed=3))
    if total - count * size >= count:  # room to move: another seed moves some chunk
        assert not np.array_equal(offsets, chunk_offsets(total, size, count, seed=4))


def test_chunks_are_contiguous_copies_of_the_training_text(tmp_path):
    np.save(tmp_path / "train.npy", np.arange(10_000, dtype=np.uint16))
    train = np.load(tmp_path / "train.npy", mmap_mode="r")  # as the CLI reads it
    pieces = cut_chunks(train, 700, 5, seed=0)
    assert [offset for offset, _ in pieces] == list(chunk_offsets(10_000, 700, 5, seed=0))
    for offset, chunk in pieces:
        assert chunk.dtype == np.uint16 and chunk.shape == (700,)
        np.testing.assert_array_equal(chunk, np.arange(offset, offset + 700))
        assert not isinstance(chunk, np.memmap)


def test_a_training_text_too_short_for_the_chunks_is_a_clear_error():
    # exactly full is fine: the chunks tile the text
    np.testing.assert_array_equal(chunk_offsets(1000, 100, 10), np.arange(0, 1000, 100))
    with pytest.raises(ValueError, match=r"11 non-overlapping chunks of 100 symbols need 1,100 "
                                         r"symbols; the training text holds 1,000 \(at most 10"):
        chunk_offsets(1000, 100, 11)
    with pytest.raises(ValueError, match="size must be an integer >= 1, got 0"):
        chunk_offsets(1000, 0, 3)
    with pytest.raises(ValueError, match="count must be an integer >= 1"):
        chunk_offsets(1000, 10, 0)
    with pytest.raises(ValueError, match="1-D stream"):
        cut_chunks(np.zeros((10, 10), dtype=np.uint8), 5, 2)


def test_chunk_names_round_trip():
    assert chunk_name("valid", 3) == "train_chunk3_valid"
    assert parse_chunk_name("train_chunk3_valid") == ("valid", 3)
    assert parse_chunk_name(chunk_name("test", 12)) == ("test", 12)
    for name in ("valid", "train", "train_chunkx_valid", "train_chunk3_"):
        assert parse_chunk_name(name) is None


# --------------------------------------------------------------------------- the verdict


def uniformity_row(corpus: str, split: str, **values) -> dict:
    """A `miscaling uniformity` row; each quantity given as (value, ci_low, ci_high)."""
    row = {"corpus": corpus, "level": "char", "split": split, "lag_min": 52, "lag_max": 1000,
           "n_lags": 33, "mi_mean": 2e-3, "baseline_mean": 1e-3, "distinguishable": True,
           "confidence": 0.95}
    for quantity in QUANTITIES:
        value, low, high = values.get(quantity, (np.nan, np.nan, np.nan))
        row.update({quantity: value, f"{quantity}_ci_low": low, f"{quantity}_ci_high": high})
    return row


def curve_rows(corpus: str, split: str, n: int) -> list[dict]:
    return [{"corpus": corpus, "split": split, "lag": lag, "mi": 1e-2 / lag, "baseline": 1e-3,
             "n_pairs": n - lag} for lag in (1, 10, 100, 1000)]


def synthetic_tables(split_values: dict, n_chunks: int = 8, seed: int = 0,
                     corpus: str = "ptb", target: str = "valid"):
    """Chunks whose numbers scatter around gamma 0.30, gamma_excess 0.50, excess 1e-3 (each
    with its CI), and one split with ``split_values``: uniformity and curve tables."""
    rng = np.random.default_rng(seed)
    centres = {"gamma": (0.30, 0.02), "gamma_excess": (0.50, 0.04), "excess": (1e-3, 1e-4)}
    rows = [uniformity_row(corpus, target, **split_values)]
    curves = curve_rows(corpus, target, 400_000)
    for index in range(n_chunks):
        values = {}
        for quantity, (centre, spread) in centres.items():
            value = centre + spread * rng.standard_normal()
            values[quantity] = (value, value - spread, value + spread)
        rows.append(uniformity_row(corpus, chunk_name(target, index), **values))
        curves += curve_rows(corpus, chunk_name(target, index), 400_000)
    return pd.DataFrame(rows), pd.DataFrame(curves)


def verdicts(split_values: dict, **kw) -> pd.DataFrame:
    uniformity, curves = synthetic_tables(split_values, **kw)
    summary = compare_to_chunks(size_matched_table(uniformity, curves))
    assert list(summary.columns) == SUMMARY_COLUMNS
    return summary.set_index("quantity")


def test_a_split_from_another_law_differs_and_one_like_the_chunks_is_within():
    # no power law and no excess: the paper's reading of the validation split
    other = verdicts({"gamma": (0.05, 0.03, 0.07), "gamma_excess": (0.10, 0.0, 0.2),
                      "excess": (1e-5, -1e-5, 3e-5)})
    assert list(other["verdict"]) == ["differs"] * 3
    assert list(other["rank"]) == [1] * 3 and list(other["direction"]) == ["below"] * 3
    assert not other["ci_overlaps_chunks"].any()
    assert (other["n_chunks"] == 8).all()
    assert other["criterion"].iloc[0].startswith("differs: the split's value lies outside the "
                                                 "chunks' 95% prediction interval")

    # a split drawn like the chunks (a ninth chunk of the same text)
    alike = verdicts({"gamma": (0.31, 0.29, 0.33), "gamma_excess": (0.48, 0.44, 0.52),
                      "excess": (1.05e-3, 0.95e-3, 1.15e-3)})
    assert list(alike["verdict"]) == ["within"] * 3
    assert alike["ci_overlaps_chunks"].all()
    assert ((alike["interval_low"] < alike["value"]) & (alike["value"] < alike["interval_high"])
            ).all()
    assert all(1 <= rank <= 9 for rank in alike["rank"])


def test_both_conditions_are_needed_for_differs():
    # far outside the chunks, but its own interval reaches them: its uncertainty covers them
    wide = verdicts({"gamma": (0.05, -0.1, 0.4), "excess": (5e-3, 4.9e-3, 5.1e-3)})
    assert wide.loc["gamma", "verdict"] == "within"
    assert wide.loc["gamma", "value"] < wide.loc["gamma", "interval_low"]
    assert wide.loc["excess", "verdict"] == "differs"
    assert wide.loc["excess", "direction"] == "above" and wide.loc["excess", "rank"] == 9
    # a missing value (no power law could be fitted) decides nothing
    assert wide.loc["gamma_excess", "verdict"] == "undetermined"


def test_few_chunks_decide_less():
    # the same split and the same spread of chunks (0.28, 0.32): two chunks leave a prediction
    # interval of mean ± 12.7 sd (t with one degree of freedom), thirty of mean ± 2.1 sd
    def summary(n_chunks):
        rows = [uniformity_row("ptb", "valid", gamma=(0.22, 0.21, 0.23))]
        curves = curve_rows("ptb", "valid", 1000)
        for index in range(n_chunks):
            gamma = 0.28 if index % 2 else 0.32
            rows.append(uniformity_row("ptb", chunk_name("valid", index),
                                       gamma=(gamma, gamma - 0.01, gamma + 0.01)))
            curves += curve_rows("ptb", chunk_name("valid", index), 1000)
        table = size_matched_table(pd.DataFrame(rows), pd.DataFrame(curves))
        return compare_to_chunks(table, quantities=["gamma"]).iloc[0]

    few, many = summary(2), summary(30)
    assert few["verdict"] == "within" and not few["ci_overlaps_chunks"]
    assert few["interval_low"] < 0.22
    assert many["verdict"] == "differs" and many["interval_low"] > 0.23


def test_the_table_is_tidy_and_complete():
    uniformity, curves = synthetic_tables({"gamma": (0.1, 0.05, 0.15)}, n_chunks=3)
    manifest = {"labels": {"corpus": "ptb"},
                "chunks": [{"name": chunk_name("valid", k), "offset": 1000 * k} for k in range(3)]}
    table = size_matched_table(uniformity, curves, [manifest])
    assert list(table.columns) == TABLE_COLUMNS
    assert list(table["source"]) == ["split", "chunk", "chunk", "chunk"]
    assert list(table["chunk"].astype("object").fillna(-1)) == [-1, 0, 1, 2]
    assert list(table["offset"].astype("object").fillna(-1)) == [-1, 0, 1000, 2000]
    assert (table["n_chars"] == 400_000).all() and (table["target"] == "valid").all()

    with pytest.raises(ValueError, match="'ptb' split 'valid': the uniformity tables lack its "
                                         "training chunks"):
        size_matched_table(uniformity.iloc[:1], curves)
    with pytest.raises(ValueError, match="lack the split itself"):
        size_matched_table(uniformity.iloc[1:], curves)
    with pytest.raises(ValueError, match="two uniformity rows for corpus 'ptb' split 'valid'"):
        size_matched_table(pd.concat([uniformity, uniformity.iloc[:1]]), curves)
    with pytest.raises(ValueError, match=r"no I\(tau\) table for \(corpus, split\) "
                                         r"\[\('ptb', 'train_chunk2_valid'\)\]"):
        size_matched_table(uniformity, curves[curves["split"] != "train_chunk2_valid"])
    with pytest.raises(ValueError, match="confidence must lie strictly between 0 and 1"):
        compare_to_chunks(table, confidence=1.0)


# --------------------------------------------------------------------------- the CLI


@pytest.fixture()
def corpus_dir(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "train.npy", rng.integers(0, 30, 20_000).astype(np.uint8))
    np.save(tmp_path / "valid.npy", rng.integers(0, 30, 3_000).astype(np.uint8))
    return tmp_path


def chunk_args(corpus_dir: Path, count: int = 3, *extra) -> list:
    outs = [corpus_dir / f"{chunk_name('valid', k)}.npy" for k in range(count)]
    return ["control", "chunks", corpus_dir / "train.npy", "--size-of", corpus_dir / "valid.npy",
            "--seed", "1", "--out", *outs, "--manifest", corpus_dir / "chunks.json",
            "--label", "corpus=ptb", *extra]


def test_cli_cuts_chunks_and_records_them(corpus_dir):
    assert run_cli(*chunk_args(corpus_dir)) == 0
    manifest = json.loads((corpus_dir / "chunks.json").read_text())
    assert manifest["labels"] == {"corpus": "ptb"} and manifest["size"] == 3_000
    assert manifest["train_length"] == 20_000 and manifest["seed"] == 1
    train = np.load(corpus_dir / "train.npy")
    offsets = [entry["offset"] for entry in manifest["chunks"]]
    assert offsets == list(chunk_offsets(20_000, 3_000, 3, seed=1))
    for index, entry in enumerate(manifest["chunks"]):
        assert entry["name"] == chunk_name("valid", index) and entry["length"] == 3_000
        np.testing.assert_array_equal(np.load(entry["path"]),
                                      train[entry["offset"]:entry["offset"] + 3_000])


@pytest.mark.parametrize("change, message", [
    (lambda args, d: args + ["--out", d / "x.csv"], "must end in .npy"),
    (lambda args, d: [d / "y.txt" if a == d / "chunks.json" else a for a in args],
     "--manifest"),
    (lambda args, d: args[:2] + [d / "missing.npy"] + args[3:], "does not exist"),
    (lambda args, d: args + ["--out", d / f"{chunk_name('valid', 0)}.npy"],
     "every chunk needs its own file"),
])
def test_cli_rejects_bad_chunk_input_before_writing(corpus_dir, capsys, change, message):
    assert run_cli(*change(chunk_args(corpus_dir), corpus_dir)) == 2
    assert message in capsys.readouterr().err
    assert not list(corpus_dir.glob("train_chunk*")) and not (corpus_dir / "chunks.json").exists()


def test_cli_refuses_more_chunks_than_the_training_text_holds(corpus_dir, capsys):
    assert run_cli(*chunk_args(corpus_dir, count=7)) == 2
    assert ("7 non-overlapping chunks of 3,000 symbols need 21,000 symbols; the training text "
            "holds 20,000 (at most 6") in capsys.readouterr().err
    assert not list(corpus_dir.glob("train_chunk*")) and not (corpus_dir / "chunks.json").exists()
    np.save(corpus_dir / "train.npy", np.zeros((200, 100), dtype=np.uint8))
    assert run_cli(*chunk_args(corpus_dir)) == 2
    assert "one non-empty 1-D stream" in capsys.readouterr().err


def test_cli_size_matched_writes_figure_tables_and_verdicts(tmp_path, capsys):
    uniformity, curves = synthetic_tables({"gamma": (0.05, 0.03, 0.07),
                                           "excess": (1e-5, -1e-5, 3e-5)}, n_chunks=4)
    paths = {"curves": [], "uniformity": []}
    for split, rows in uniformity.groupby("split"):
        paths["uniformity"].append(tmp_path / f"u_{split}.csv")
        rows.to_csv(paths["uniformity"][-1], index=False)
        paths["curves"].append(tmp_path / f"c_{split}.csv")
        curves[curves["split"] == split].to_csv(paths["curves"][-1], index=False)
    out = tmp_path / "fig/size_matched_control.pdf"
    args = ["control", "size-matched", "--curves", *paths["curves"], "--uniformity",
            *paths["uniformity"], "--out", out]

    assert run_cli(*args[:-1], tmp_path / "fig/control.png") == 2
    assert "must end in .pdf" in capsys.readouterr().err
    assert run_cli(*args, "--confidence", "1.5") == 2
    assert "strictly between 0 and 1" in capsys.readouterr().err
    assert run_cli(*args[:4], *args[5:]) == 2  # one chunk's curve missing
    assert "no I(tau) table" in capsys.readouterr().err
    assert not out.parent.exists() or not list(out.parent.iterdir())

    assert run_cli(*args) == 0
    for suffix in (".pdf", ".png", ".csv", "_uniformity.csv", "_summary.csv"):
        assert (tmp_path / f"fig/size_matched_control{suffix}").stat().st_size > 0
    summary = pd.read_csv(tmp_path / "fig/size_matched_control_summary.csv")
    assert dict(zip(summary["quantity"], summary["verdict"])) == {
        "gamma": "differs", "gamma_excess": "undetermined", "excess": "differs"}
    drawn = pd.read_csv(tmp_path / "fig/size_matched_control.csv")
    assert set(drawn["source"]) == {"split", "chunk"} and set(drawn["target"]) == {"valid"}


# --------------------------------------------------------------------------- the workflow


def test_control_jobs_appear_with_corpora_and_chunks_only(tmp_path):
    smoke = "presets/smoke.yaml"
    corpora = {"names": ["ptb"], "gpt2": False, "mirror": "/nonexistent/mirror",
               "lags": "log:1000:12", "long_range": {"min_lag": 50, "max_lag": 1000},
               "fit": {"min_mi": 2.0e-3}, "size_matched_chunks": 2}
    configs = {
        "none": ROOT / smoke,  # no corpora: no control, whatever size_matched_chunks says
        "on": write_config(tmp_path / "on.yaml", smoke, corpora=corpora),
        "off": write_config(tmp_path / "off.yaml", smoke,
                            corpora={**corpora, "size_matched_chunks": 0}),
    }
    outputs = {}
    for name, config in configs.items():
        result = snakemake("-n", "-p", "--configfile", str(config), workdir=tmp_path / name)
        outputs[name] = result.stdout + result.stderr
    counts = {name: job_counts(output) for name, output in outputs.items()}
    control = {"size_matched_chunks", "size_matched_control"}
    assert not control & set(counts["none"]) and not control & set(counts["off"])
    assert counts["on"]["size_matched_chunks"] == 2 and counts["on"]["size_matched_control"] == 1
    # 2 chunks for each of valid and test: measured and summarised like the splits
    for rule in ("mi_data", "uniformity_data"):
        assert counts["on"][rule] == counts["off"][rule] + 4
    assert counts["on"]["fit_data"] == counts["off"]["fit_data"]

    commands = [line for line in outputs["on"].splitlines() if " -m miscaling mi " in line]
    split = next(c for c in commands if "ptb_char/valid.npy" in c)
    chunk = next(c for c in commands if "ptb_char/train_chunk1_valid.npy" in c)
    # the same estimator, lags, replicates and seed: only the data, paths and label differ
    assert chunk.replace("train_chunk1_valid", "valid") == split
    assert "--lags log:1000:12 " in chunk and "--bootstrap 20 " in chunk


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.skipif(not (MIRROR / "ptb").is_dir(), reason=f"no corpus mirror at {MIRROR}")
def test_size_matched_control_on_the_mirror(tmp_path):
    corpora = {"names": ["ptb"], "gpt2": False, "mirror": str(MIRROR), "lags": "log:1000:12",
               "long_range": {"min_lag": 50, "max_lag": 1000}, "fit": {"min_mi": 2.0e-3},
               "size_matched_chunks": 3}
    config = write_config(tmp_path / "ptb.yaml", "presets/smoke.yaml", corpora=corpora)
    snakemake("results/figures/size_matched_control.pdf", "--cores", "2", "--configfile",
              str(config), workdir=tmp_path)
    results = tmp_path / "results"
    table = pd.read_csv(results / "figures/size_matched_control_uniformity.csv")
    assert sorted(table["target"].unique()) == ["test", "valid"]
    train = np.load(results / "data/ptb_char/train.npy")
    for target, rows in table.groupby("target"):
        split = np.load(results / f"data/ptb_char/{target}.npy")
        chunks = rows[rows["source"] == "chunk"].astype({"chunk": int, "offset": int})
        chunks = chunks.sort_values("chunk")
        assert len(chunks) == 3 and (rows["n_chars"] == split.size).all()
        offsets = chunks["offset"].to_numpy()
        assert np.all(np.diff(offsets) >= split.size) and offsets[-1] + split.size <= train.size
        for row in chunks.itertuples():
            cut = np.load(results / f"data/ptb_char/{chunk_name(target, row.chunk)}.npy")
            np.testing.assert_array_equal(cut, train[row.offset:row.offset + split.size])
        # measured exactly like the split: the same lags, pairs per lag and estimator settings
        settings = ["lag", "n_pairs", "estimator", "shuffles", "bootstrap", "resampling", "seed"]
        measured = pd.read_csv(results / f"mi/data/ptb_char/{target}.csv")[settings]
        for index in chunks["chunk"]:
            chunk_curve = pd.read_csv(results / f"mi/data/ptb_char/{chunk_name(target, index)}.csv")
            pd.testing.assert_frame_equal(chunk_curve[settings], measured)
    summary = pd.read_csv(results / "figures/size_matched_control_summary.csv")
    assert len(summary) == 2 * len(QUANTITIES)
    assert set(summary["verdict"]) <= {"differs", "within", "undetermined"}
    assert (summary["n_chunks"] <= 3).all() and summary["criterion"].str.len().min() > 50
    for suffix in (".pdf", ".png", ".csv"):
        assert (results / f"figures/size_matched_control{suffix}").stat().st_size > 0


# --------------------------------------------------------------------------- the figure


def test_the_control_figure_explains_every_mark_and_covers_no_data():
    from miscaling.plots import controls
    from test_figure_output import data_under

    uniformity, curves = synthetic_tables({"gamma": (0.05, 0.03, 0.07),
                                           "excess": (1e-5, -1e-5, 3e-5)}, n_chunks=4)
    # as PTB's: Î − floor positive over the window for one chunk only, and not for the split
    unfitted = uniformity["split"].isin([chunk_name("valid", i) for i in (1, 2, 3)])
    uniformity.loc[unfitted, ["gamma_excess", "gamma_excess_ci_low",
                              "gamma_excess_ci_high"]] = np.nan
    table = size_matched_table(uniformity, curves)
    fig = controls.make_figure(controls.collect_curves([curves]), table,
                               compare_to_chunks(table))
    assert fig.get_figwidth() <= 12  # three panels to a row: readable at a report's width
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert not any(ax.get_legend() for ax in panels)  # no legend over any panel's data
    assert data_under(fig, fig.axes) == []
    key = [ax for ax in fig.axes if ax.get_visible() and not ax.axison]
    assert len(key) == 1
    entries = [text.get_text() for legend in key[0].get_children()
               if isinstance(legend, Legend) for text in legend.get_texts()]
    assert any("training chunk's value" in entry for entry in entries)  # the grey points
    assert any("prediction interval" in entry for entry in entries)
    by_quantity = {ax.get_ylabel(): ax for ax in panels if ax.get_xscale() == "linear"}
    excess = by_quantity[controls.QUANTITY_LABELS["gamma_excess"]]
    fig.canvas.draw()
    assert [t.get_text() for t in excess.get_xticklabels()] == ["valid\n1 of 4 chunks"]
    assert [t.get_text() for t in by_quantity[controls.QUANTITY_LABELS["gamma"]]
            .get_xticklabels()] == ["valid"]  # every chunk has a value: nothing to say
    missing = [t for t in excess.texts if t.get_gid() == controls.NO_VALUE_GID]
    assert len(missing) == 1 and "valid: no value (undetermined)" == missing[0].get_text()
    plt.close(fig)
