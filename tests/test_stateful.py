"""The text recipes: stateful truncated BPTT, the plateau schedule, the presets, bf16, and the
compatibility of binary runs stored before the text options existed (issue 11)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from miscaling.batches import next_symbol_loss
from miscaling.checkpoint import read_log
from miscaling.models import ModelConfig, build_model
from miscaling.stateful import StreamFeeder, evaluate_streams, make_streams
from miscaling.train import (
    TrainConfig,
    learning_rate_at,
    paper_config,
    paper_model_options,
    plateau_divisions,
    precision_context,
    train,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def text(n: int, vocab: int, seed: int) -> np.ndarray:
    """A noisy counting text: predictable from the previous symbol, with 10% random symbols."""
    rng = np.random.default_rng(seed)
    symbols = np.arange(n) % vocab
    noise = rng.random(n) < 0.1
    symbols[noise] = rng.integers(0, vocab, int(noise.sum()))
    return symbols.astype(np.uint8)


TEXT, VALID_TEXT = text(2400, 5, 1), text(600, 5, 2)


def lstm(vocab: int = 5, **options) -> dict:
    return ModelConfig("lstm", vocab, 8, 2, embedding_dim=6, **options).to_dict()


def stateful_config(**overrides) -> TrainConfig:
    settings = dict(paper_config("lstm", "char").to_dict(), batch_size=4, bptt=10, max_epochs=3,
                    device="cpu", lr=0.01, reset_probability=0.3)
    settings.update(overrides)
    return TrainConfig(**settings)


# --------------------------------------------------------------------------------------------
# Streams and the carried state


def test_streams_are_contiguous_slices_of_the_text():
    streams = make_streams(np.arange(23), 4, "text")
    assert streams.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14],
                                [15, 16, 17, 18, 19]]
    with pytest.raises(ValueError, match="text must be 1-D"):
        make_streams(np.zeros((2, 8), dtype=int), 2, "text")
    with pytest.raises(ValueError, match="too few for 4 streams"):
        make_streams(np.arange(7), 4, "text")


def test_windows_cover_every_target_once_in_order():
    streams = torch.from_numpy(make_streams(np.arange(26), 2, "text"))  # 2 streams of 13
    feeder = StreamFeeder(None, streams, bptt=5, reset_probability=0.0, seed=0)
    windows = list(feeder.windows())
    assert [w[0].shape[1] for w in windows] == [5, 5, 2]  # the last window is shorter
    assert torch.cat([t for _, t in windows], dim=1).tolist() == [list(range(1, 13)),
                                                                   list(range(14, 26))]
    assert feeder.position == 0 and feeder.hidden is None  # ready for the next epoch


@pytest.mark.parametrize("arch", ["rnn", "lstm", "ssm"])
def test_stateful_windows_reproduce_the_full_sequence_loss(arch):
    torch.manual_seed(0)
    # float64: the comparison is about the carried state, not about rounding
    embedding_dim = 8 if arch == "ssm" else 6  # the ssm embeds in width dimensions
    model = build_model(ModelConfig(arch, 5, 8, 2, embedding_dim=embedding_dim)).double().eval()
    with torch.no_grad():  # larger weights: logits that depend on the state
        for parameter in model.parameters():
            parameter.mul_(4)
    streams = torch.from_numpy(make_streams(VALID_TEXT, 3, "valid"))
    with torch.no_grad():
        whole = next_symbol_loss(model(streams[:, :-1]), streams[:, 1:]).item()
    for bptt in (1, 7, 50, 10_000):
        windowed = evaluate_streams(model, streams, bptt, contextlib.nullcontext)
        assert windowed == pytest.approx(whole, rel=1e-12), bptt
    # without the carried state, each window would start from zero: a different loss
    fresh = np.mean([next_symbol_loss(model(streams[:, s:s + 7]), streams[:, s + 1:s + 8]).item()
                     for s in range(0, streams.shape[1] - 8, 7)])
    assert abs(fresh - whole) > 1e-3


def test_resets_happen_at_about_the_reset_probability():
    streams = torch.zeros((2, 4001), dtype=torch.long)
    feeder = StreamFeeder(None, streams, bptt=1, reset_probability=0.2, seed=0)
    for _ in feeder.windows():
        feeder.hidden = "carried"  # stands for a state: a reset sets it back to None
    assert abs(feeder.resets - 800) < 4 * np.sqrt(4000 * 0.2 * 0.8)
    again = StreamFeeder(None, streams, bptt=1, reset_probability=0.2, seed=0)
    counted = 0
    for step, _ in enumerate(again.windows()):
        # the state is zero exactly when a reset was drawn for this batch (or at the start)
        assert (again.hidden is None) == (step == 0 or again.resets > counted)
        counted = again.resets
        again.hidden = "carried"
    assert again.resets == feeder.resets  # seeded
    never = StreamFeeder(None, streams, bptt=1, reset_probability=0.0, seed=0)
    assert sum(1 for _ in never.windows()) == 4000 and never.resets == 0


def test_stateful_training_learns_and_refuses_what_it_cannot_do(tmp_path):
    result = train(lstm(), TEXT, VALID_TEXT, stateful_config(max_epochs=4), tmp_path / "ok")
    rows = read_log(tmp_path / "ok" / "log.csv")
    assert rows[-1]["val_loss"] < rows[0]["val_loss"] and result.best_val_loss < 1.2
    assert result.train_config["stateful"] and result.train_config["reset_probability"] == 0.3
    checkpoint = torch.load(tmp_path / "ok" / "checkpoint.pt", weights_only=True)
    assert checkpoint["stream"]["position"] == 0 and "reset_rng" in checkpoint["stream"]

    transformer = ModelConfig("transformer", 5, 8, 1, heads=2, max_len=10).to_dict()
    with pytest.raises(ValueError, match="stateful training needs a recurrent model"):
        train(transformer, TEXT, VALID_TEXT, stateful_config(), tmp_path / "t")
    with pytest.raises(ValueError, match="train_data must be 1-D"):
        train(lstm(), TEXT.reshape(24, 100), VALID_TEXT, stateful_config(), tmp_path / "2d")
    with pytest.raises(ValueError, match="shuffle must be false.*"):
        stateful_config(shuffle=True)
    with pytest.raises(ValueError, match="bos must be false.*shuffle"):
        stateful_config(bos=True, shuffle=True)
    with pytest.raises(ValueError, match="reset_probability only applies with stateful"):
        TrainConfig(reset_probability=0.1)
    with pytest.raises(ValueError, match=r"reset_probability must be a number in \[0, 1\]"):
        stateful_config(reset_probability=1.5)


# --------------------------------------------------------------------------------------------
# Schedule, presets, precision, L2


def test_plateau_divides_the_rate_by_four_exactly_after_epochs_without_improvement(tmp_path):
    config = paper_config("lstm", "word", batch_size=4, max_epochs=1, device="cpu")
    rows = [{"val_loss": v} for v in (5.0, 4.0, 4.0, 4.5, 3.0, 3.5, 2.0)]
    # not improving: 4.0 (equal is no improvement), 4.5, 3.5
    assert [plateau_divisions(rows[:n]) for n in range(8)] == [0, 0, 0, 1, 2, 2, 3, 3]
    assert learning_rate_at(0, config, 10, divisions=2) == 20 / 16
    assert learning_rate_at(99, config, 10) == 20

    # a real run with SGD at a rate too high to improve every epoch
    config = paper_config("lstm", "word", batch_size=4, bptt=10, max_epochs=8, device="cpu",
                          lr=40.0)
    train(lstm(tie_weights=False), TEXT, VALID_TEXT, config, tmp_path)
    log = read_log(tmp_path / "log.csv")
    best = np.inf
    for previous, row in zip(log, log[1:]):
        improved = previous["val_loss"] < best
        best = min(best, previous["val_loss"])
        assert row["lr"] == (previous["lr"] if improved else previous["lr"] / 4)
    assert log[0]["lr"] == 40.0 and log[-1]["lr"] < 40.0  # it did anneal at least once


def test_presets_match_appendix_e():
    char_lstm, word_lstm = paper_config("lstm", "char"), paper_config("lstm", "word")
    char_tf, word_tf = paper_config("transformer", "char"), paper_config("transformer", "word")
    assert (char_lstm.optimizer, char_lstm.lr, char_lstm.clip, char_lstm.batch_size,
            char_lstm.bptt, char_lstm.stateful, char_lstm.reset_probability,
            char_lstm.shuffle, char_lstm.patience, char_lstm.max_epochs) == (
        "rmsprop", 5e-3, 0.25, 128, 100, True, 0.01, False, 5, 200)
    assert (word_lstm.optimizer, word_lstm.lr, word_lstm.schedule, word_lstm.anneal_factor,
            word_lstm.clip, word_lstm.batch_size, word_lstm.bptt, word_lstm.stateful,
            word_lstm.reset_probability, word_lstm.max_epochs, word_lstm.patience) == (
        "sgd", 20.0, "plateau", 4.0, 0.25, 20, 50, True, 0.0, 60, None)
    assert (char_tf.optimizer, char_tf.lr, char_tf.clip, char_tf.schedule, char_tf.min_lr_ratio,
            char_tf.batch_size, char_tf.bptt, char_tf.shuffle, char_tf.stateful,
            char_tf.patience, char_tf.max_epochs) == (
        "adam", 2e-4, 5.0, "cosine", 1 / 32, 64, 512, True, False, 5, 200)
    assert (word_tf.optimizer, word_tf.lr, word_tf.batch_size, word_tf.bptt, word_tf.patience,
            word_tf.embedding_l2, word_tf.shuffle, word_tf.clip) == (
        "adam", 2.5e-4, 32, 128, 10, 0.01, True, 5.0)
    # numerics on CUDA (METHODS §7.10): TF32 everywhere, bf16 for the Transformers on text
    assert [c.mixed_precision for c in (char_lstm, word_lstm, char_tf, word_tf)] == [
        False, False, True, True]
    assert all(paper_config(arch, data).tf32 for arch in ("rnn", "lstm", "transformer", "ssm")
               for data in ("binary", "char", "word"))
    assert not any(paper_config(arch, "binary").mixed_precision
                   for arch in ("rnn", "lstm", "transformer", "ssm"))
    assert paper_model_options("lstm", "char") == {"embedding_dim": 200,
                                                   "embedding_init": "orthogonal"}
    assert paper_model_options("lstm", "word") == {"tie_weights": True, "dropout": 0.4,
                                                   "output_dropout": True,
                                                   "init": "word_language_model"}
    assert "init" not in paper_model_options("rnn", "word")  # Keras init, as before
    assert paper_model_options("transformer", "char") == {"heads": 8}
    assert paper_model_options("transformer", "word") == {"heads": 8, "tie_weights": True,
                                                          "dropout": 0.1}
    assert paper_model_options("lstm", "binary") == {"embedding_dim": 2}
    for arch in ("rnn", "lstm", "transformer"):  # every option set builds a model
        for data in ("char", "word"):
            build_model(ModelConfig(arch, 50, 16, 2, max_len=8, **paper_model_options(arch, data)))
    with pytest.raises(ValueError, match="data must be one of"):
        paper_model_options("lstm", "bytes")


def test_mixed_precision_is_off_on_cpu(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="miscaling.train"):
        assert precision_context(torch.device("cpu"), True) is contextlib.nullcontext
    assert "mixed_precision is off on cpu" in caplog.text
    config = stateful_config(max_epochs=1)
    plain = train(lstm(), TEXT, VALID_TEXT, config, tmp_path / "fp32")
    mixed = train(lstm(), TEXT, VALID_TEXT, config.replace(mixed_precision=True),
                  tmp_path / "bf16")
    assert mixed.best_val_loss == plain.best_val_loss
    # a CPU run records what ran: no bf16, no TF32 (the old records' values, left out)
    assert not {"mixed_precision", "tf32"} & (set(mixed.train_config) | set(plain.train_config))
    assert config.tf32 and config.on_device("cpu") == config.replace(tf32=False)
    assert config.replace(mixed_precision=True).on_device("cuda").mixed_precision


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_mixed_precision_autocasts_on_cuda():
    with precision_context(torch.device("cuda"), True)():
        product = torch.ones(4, 4, device="cuda") @ torch.ones(4, 4, device="cuda")
    assert product.dtype == torch.bfloat16


def test_embedding_l2_shrinks_the_embedding(tmp_path):
    config = paper_config("transformer", "word", batch_size=8, bptt=16, max_epochs=1,
                          device="cpu", lr=1e-3)
    model = ModelConfig("transformer", 5, 8, 1, heads=2, max_len=16, tie_weights=True).to_dict()
    norms = {}
    for l2 in (0.0, 1.0):
        out = tmp_path / str(l2)
        result = train(model, TEXT, VALID_TEXT, config.replace(embedding_l2=l2), out)
        state = torch.load(out / "checkpoint.pt", weights_only=True)["model_state"]
        norms[l2] = state["embedding.weight"].norm().item()
        assert result.final_train_loss > 0.5  # the logged loss is the cross-entropy alone
    assert norms[1.0] < 0.9 * norms[0.0]


# --------------------------------------------------------------------------------------------
# Files: resume after kill -9, binary runs stored before the text options


DRIVER = textwrap.dedent(
    """
    import json, os, signal, sys
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {tests_dir!r})
    import test_stateful as t
    import miscaling.train as training

    config = training.TrainConfig(**json.loads(sys.argv[1]))
    out_dir, kill_at = sys.argv[2], int(sys.argv[3])
    if kill_at:
        real, calls = training.write_log, {{"n": 0}}
        def write_log(*args):  # call 1 rewrites the log at the start, then one per epoch
            calls["n"] += 1
            if calls["n"] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)  # checkpoint saved, log not yet
            real(*args)
        training.write_log = write_log
    training.train(t.lstm(dropout=0.3), t.TEXT, t.VALID_TEXT, config, out_dir)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_stateful_run_killed_between_epochs_resumes_bit_for_bit(tmp_path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests_dir=os.path.dirname(__file__)))
    # resets, dropout and the optimizer moments all have to come back from the checkpoint
    config = json.dumps(stateful_config(max_epochs=4, patience=None).to_dict())
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}

    def run(out_dir, kill_at):
        return subprocess.run([sys.executable, str(driver), config, str(out_dir), str(kill_at)],
                              capture_output=True, text=True, timeout=300, env=env)

    killed = run(tmp_path / "interrupted", 3)  # after epoch 2's checkpoint
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert run(tmp_path / "interrupted", 0).returncode == 0
    assert run(tmp_path / "reference", 0).returncode == 0
    resumed, reference = (json.loads((tmp_path / d / "result.json").read_text())
                          for d in ("interrupted", "reference"))
    assert resumed["resumed_from_epoch"] == 2 and reference["resumed_from_epoch"] == 0
    for key in ("best_val_loss", "final_train_loss", "final_val_loss", "best_epoch"):
        assert resumed[key] == reference[key], key
    a, b = (torch.load(tmp_path / d / "checkpoint.pt", weights_only=True)
            for d in ("interrupted", "reference"))
    assert all(torch.equal(a["model_state"][k], b["model_state"][k]) for k in a["model_state"])
    assert a["stream"]["reset_rng"] == b["stream"]["reset_rng"]


# the TrainConfig and ModelConfig fields of the runs stored before issue 11
OLD_TRAIN_FIELDS = ["optimizer", "lr", "betas", "rmsprop_rho", "eps", "batch_size", "clip",
                    "max_epochs", "patience", "schedule", "min_lr_ratio", "bptt", "bos",
                    "shuffle", "seed", "device"]
OLD_MODEL_FIELDS = ["arch", "vocab_size", "width", "depth", "embedding_dim", "heads", "max_len",
                    "dropout", "tie_weights"]


def test_binary_runs_write_what_they_wrote_before_and_old_runs_are_accepted(tmp_path):
    data = (np.random.default_rng(0).random((40, 17)) < 0.5).astype(np.uint8)
    model = ModelConfig("lstm", 2, 4, 1, embedding_dim=2, max_len=17).to_dict()
    config = paper_config("lstm", batch_size=10, max_epochs=2, device="cpu")
    first = train(model, data, data[:10], config, tmp_path)
    stored = json.loads((tmp_path / "result.json").read_text())
    assert list(stored["train_config"]) == OLD_TRAIN_FIELDS
    assert list(stored["model_config"]) == OLD_MODEL_FIELDS
    checkpoint = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert "stream" not in checkpoint and list(checkpoint["train_config"]) == OLD_TRAIN_FIELDS
    best = torch.load(tmp_path / "best.pt", weights_only=True)
    assert list(best["model_config"]) == OLD_MODEL_FIELDS

    # a stored result that spells the new fields out at their defaults is the same run
    spelled = dict(stored, train_config=dict(stored["train_config"], **TrainConfig.ADDED_LATER),
                   model_config=dict(stored["model_config"], **ModelConfig.ADDED_LATER))
    (tmp_path / "result.json").write_text(json.dumps(spelled))
    again = train(model, data, data[:10], config, tmp_path)
    assert again.wall_seconds == 0 and again.best_val_loss == first.best_val_loss
    # and so is a checkpoint (the job killed before its result) that spells them out
    (tmp_path / "result.json").unlink()
    checkpoint["train_config"] = dict(checkpoint["train_config"], stateful=False)
    torch.save(checkpoint, tmp_path / "checkpoint.pt")
    resumed = train(model, data, data[:10], config, tmp_path)
    assert resumed.resumed_from_epoch == 2 and resumed.best_val_loss == first.best_val_loss
    assert json.loads((tmp_path / "result.json").read_text())["train_config"] == \
        stored["train_config"]
    # a real difference in a new field is still refused
    (tmp_path / "result.json").unlink()
    with pytest.raises(Exception, match=r"anneal_factor: 4.0 -> 2.0"):
        train(model, data, data[:10], config.replace(anneal_factor=2.0), tmp_path)
