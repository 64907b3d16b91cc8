"""The summary path: the training runs it reads as typed records, refused where they disagree
with their samples, and one per-model table for binary and text models alike."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from miscaling.fit import FitConfig, fit_decay
from miscaling.model_summary import summarize_binary
from miscaling.summary import MODEL_KEYS, SPREAD_COLUMNS, TEXT_KEYS, model_table
from miscaling.text_summary import summarize_text, training_table, with_training
from miscaling.trained import TrainedModel, read_trained_model


def _result(arch, width, depth):
    return {"best_val_loss": 1.5, "num_parameters": 100, "total_seconds": 1.0, "epochs_run": 2,
            "model_config": {"arch": arch, "width": width, "depth": depth}}


def _selection(tmp_path, folder, arch, width, depth):
    model = tmp_path / "models" / "wikitext2_char" / folder
    run = model / "seed0"
    run.mkdir(parents=True)
    (run / "result.json").write_text(json.dumps(_result(arch, width, depth)))
    (model / "selection.json").write_text(json.dumps({"best_dir": str(run)}))
    return str(model / "selection.json")


def test_a_run_of_the_model_its_folder_names_is_read(tmp_path):
    model = read_trained_model("char", _selection(tmp_path, "lstm_w64_d1", "lstm", 64, 1))
    assert model == TrainedModel("char", "lstm", 64, 1, 1.5, 100, 1.0, 2)


def test_a_width_that_disagrees_between_path_and_result_names_both(tmp_path):
    selection = _selection(tmp_path, "lstm_w64_d1", "lstm", 128, 1)
    with pytest.raises(ValueError, match=r"trained lstm width 128 depth 1, but its folder "
                                         r".*lstm_w64_d1.* names 'lstm_w64_d1'"):
        read_trained_model("char", selection)


def test_a_result_without_the_training_numbers_is_refused():
    with pytest.raises(ValueError, match=r"lacks \['num_parameters'\]"):
        TrainedModel.from_result("char", {k: v for k, v in _result("lstm", 8, 1).items()
                                          if k != "num_parameters"})
    with pytest.raises(ValueError, match="level must be one of"):
        TrainedModel.from_result("bpe", _result("lstm", 8, 1))


def test_the_loss_reads_as_bits_per_character_or_perplexity_by_level():
    table = training_table([TrainedModel("char", "lstm", 8, 1, 2.0, 10, 3.0),
                            TrainedModel("word", "lstm", 8, 1, 2.0, 10, 3.0, 4)])
    assert table["val_bpc"].iloc[0] == pytest.approx(2.0 / np.log(2))
    assert table["val_perplexity"].iloc[1] == pytest.approx(np.exp(2.0))
    assert np.isnan(table["val_perplexity"].iloc[0]) and np.isnan(table["val_bpc"].iloc[1])
    assert np.isnan(table["epochs_run"].iloc[0]) and table["epochs_run"].iloc[1] == 4


def test_samples_and_training_runs_of_different_models_are_an_error():
    table = pd.DataFrame([["char", "lstm", 64, 1]], columns=TEXT_KEYS).assign(xi=3.0)
    training = [TrainedModel.from_result("char", _result("lstm", 128, 1))]
    with pytest.raises(ValueError, match="samples without a training run: char lstm width 64 "
                                         "depth 1; a training run without samples: char lstm "
                                         "width 128 depth 1"):
        with_training(table, training)


# ------------------------------------------------------------------ binary and text alike

LAGS = np.unique(np.geomspace(1, 400, 40).round())
FLOOR = 1e-4


def _curve(signal, seed, **labels):
    noisy = signal * np.exp(np.random.default_rng(seed).normal(0, 0.02, LAGS.size))
    return pd.DataFrame({"lag": LAGS, "mi": noisy + FLOOR, "baseline": FLOOR,
                         "baseline_sd": 0.1 * FLOOR, "n_pairs": 20_000 * (512 - LAGS),
                         **labels})


def _fit(curve, **labels):
    fit = fit_decay(curve.lag, curve.mi, config=FitConfig(min_mi=1e-3, too_few="nan"))
    return fit.assign(**labels)


@pytest.fixture
def binary_inputs():
    """Three binary models (two restarts each, ξ 4% apart) and their training data."""
    curves, fits, restarts = [], [], []
    for i, (arch, width) in enumerate((("rnn", 8), ("lstm", 8), ("transformer", 8))):
        labels = {"arch": arch, "width": width, "depth": 1}
        signal = 0.1 * LAGS ** -0.4 if arch == "transformer" else \
            0.1 * np.exp(-LAGS / (5.0 * width * (i + 1)))
        curves.append(_curve(signal, i, **labels))
        fits.append(_fit(curves[-1], **labels))
        for restart, factor in enumerate((0.98, 1.02)):
            moved = fits[-1].copy()
            xi = (moved.model == "exponential") & (moved.parameter == "xi")
            moved.loc[xi, ["value", "ci_low", "ci_high"]] *= factor
            restarts.append(moved.assign(restart=restart))
    data = _curve(0.1 * np.exp(-LAGS / 100.0) + 0.01 * LAGS ** -0.3, 9)
    return (pd.concat(fits, ignore_index=True), _fit(data), pd.concat(curves, ignore_index=True),
            data, pd.concat(restarts, ignore_index=True))


def test_binary_and_text_models_go_one_path(binary_inputs):
    """The same samples summarized as binary models and as character-level models: the same
    per-model numbers, the same pooled seed spread (named after each family), the same data
    row; the text family adds its own columns (the data curve standing in for size-matched
    references, which are not given)."""
    fits, reference, curves, data, restarts = binary_inputs
    binary, _ = summarize_binary(fits, reference, curves, data, restart_fits=restarts)
    text, _ = summarize_text(fits.assign(level="char"), reference, curves.assign(level="char"),
                             data, restart_fits=restarts.assign(level="char"))
    assert list(text["arch"]) == list(binary["arch"][:-1]) + ["data"]
    assert binary["xi_seed_sd_source"].iloc[0] == "this run's binary models"
    assert text["xi_seed_sd_source"].iloc[0] == "this run's char-level models"
    assert binary["xi_seed_sd"].iloc[0] == pytest.approx(0.02 * np.sqrt(2))
    # the shared path's columns: the per-model table and the seed spread
    shared = [c for c in (*model_table(fits, curves).columns, *SPREAD_COLUMNS)
              if c not in (*MODEL_KEYS, "xi_seed_sd_source")]
    assert {"xi", "verdict_log_lags", "lags_above_floor", "log_lags_requested",
            "xi_seed_sd_measured"} <= set(shared)
    pd.testing.assert_frame_equal(binary[shared], text[shared], check_dtype=False)
    assert {"verdict_mid", "reference_mid_mi", "mid_lag_min"} <= set(text.columns)
