"""Training loop: learning, early stopping, schedule, optimizer constants, and exact resume.

The models here are tiny stand-ins (embedding + GRU + linear) defined in this file, so the
tests depend only on the interface that training needs, not on miscaling.models.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from miscaling.batches import inputs_and_targets, make_examples
from miscaling.checkpoint import (
    LOG_COLUMNS,
    TIMING_COLUMNS,
    CheckpointError,
    load_best_model,
    read_log,
)
from miscaling.selection import select_best
from miscaling.settings import Settings
from miscaling.train import (
    TrainConfig,
    TrainingDiverged,
    learning_rate_at,
    make_optimizer,
    paper_config,
    train,
)
from torch import nn

TESTS_DIR = Path(__file__).resolve().parent


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class TinyRecurrentModel(nn.Module):
    """Embedding (with a BOS row) + GRU + linear decoder: the interface models.py provides."""

    def __init__(self, vocab_size: int, width: int = 8, dropout: float = 0.0, bos_row: bool = True):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "width": width, "dropout": dropout,
                       "bos_row": bos_row}
        self.embedding = nn.Embedding(vocab_size + int(bos_row), width)
        self.rnn = nn.GRU(width, width, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(width, vocab_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.rnn(self.dropout(self.embedding(x)))
        return self.decoder(self.dropout(hidden))


class NaNAfterSteps(TinyRecurrentModel):
    """Produces NaN logits from the ``nan_at``-th training forward pass on."""

    def __init__(self, vocab_size: int, nan_at: int, in_validation: bool = False):
        super().__init__(vocab_size)
        self.config["nan_at"] = nan_at
        self.nan_at, self.in_validation, self.calls = nan_at, in_validation, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = super().forward(x)
        if self.training != self.in_validation:
            self.calls += 1
            if self.calls >= self.nan_at:
                return logits * float("nan")
        return logits


def periodic_data(n: int, length: int, vocab: int, seed: int, noise: float = 0.0) -> np.ndarray:
    """Rows counting up modulo ``vocab`` from a random offset; ``noise`` of symbols random."""
    rng = np.random.default_rng(seed)
    rows = (rng.integers(0, vocab, size=(n, 1)) + np.arange(length)) % vocab
    flip = rng.random(rows.shape) < noise
    rows[flip] = rng.integers(0, vocab, size=int(flip.sum()))
    return rows.astype(np.int64)


def tiny_config(**overrides) -> TrainConfig:
    settings = dict(optimizer="adam", lr=0.02, batch_size=16, clip=1.0, max_epochs=4,
                    patience=2, schedule="constant", seed=0, device="cpu")
    settings.update(overrides)
    return TrainConfig(**settings)


TRAIN = periodic_data(64, 32, vocab=3, seed=1, noise=0.1)
VALID = periodic_data(32, 32, vocab=3, seed=2, noise=0.1)


def factory(**kwargs):
    return lambda: TinyRecurrentModel(3, **kwargs)


# --------------------------------------------------------------------------------------------
# Data handling


def test_bos_makes_every_symbol_a_target():
    batch = torch.tensor([[5, 6, 7]])
    inputs, targets = inputs_and_targets(batch, bos_id=9)
    assert inputs.tolist() == [[9, 5, 6]] and targets.tolist() == [[5, 6, 7]]
    inputs, targets = inputs_and_targets(batch, bos_id=None)
    assert inputs.tolist() == [[5, 6]] and targets.tolist() == [[6, 7]]


def test_bptt_windows_cover_each_symbol_once():
    row = np.arange(10)[np.newaxis]
    assert make_examples(row, None, bos=True).tolist() == [list(range(10))]
    # with BOS each window is predicted from the start token: 3 windows of 3, tail dropped
    assert make_examples(row, 3, bos=True).tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    # without BOS a window carries the symbol before its first target
    assert make_examples(row, 3, bos=False).tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


# --------------------------------------------------------------------------------------------
# Optimisation


def test_loss_decreases_on_a_learnable_sequence(tmp_path):
    train_data = periodic_data(64, 32, vocab=4, seed=1)
    valid_data = periodic_data(32, 32, vocab=4, seed=2)
    config = tiny_config(max_epochs=8, patience=None, bos=True)
    result = train(lambda: TinyRecurrentModel(4, width=16), train_data, valid_data, config,
                   tmp_path)
    rows = read_log(tmp_path / "log.csv")
    assert [row["epoch"] for row in rows] == list(range(1, 9))
    assert rows[0]["train_loss"] > math.log(4) * 0.5  # the first epoch starts near chance
    assert rows[-1]["val_loss"] < rows[0]["val_loss"] / 3
    # only the first symbol (from BOS) is random: ln 4 / 32 = 0.043 nats per symbol
    assert result.best_val_loss < 0.15
    assert result.best_val_loss == min(row["val_loss"] for row in rows)
    assert set(rows[0]) == set(LOG_COLUMNS)


def test_early_stopping_after_patience_epochs_without_improvement(tmp_path):
    # lr = 0 leaves the weights, hence the validation loss, unchanged: never a strict improvement
    result = train(factory(), TRAIN, VALID, tiny_config(lr=0.0, patience=3, max_epochs=50),
                   tmp_path)
    assert result.stopped_early
    assert result.best_epoch == 1 and result.epochs_run == 1 + 3
    rows = read_log(tmp_path / "log.csv")
    assert len({row["val_loss"] for row in rows}) == 1


def test_cosine_schedule_endpoints(tmp_path):
    config = tiny_config(schedule="cosine", lr=0.01, max_epochs=3, patience=None)
    total = 40
    assert learning_rate_at(0, config, total) == 0.01
    assert learning_rate_at(total - 1, config, total) == pytest.approx(0.01 / 32, rel=1e-12)
    assert learning_rate_at(total + 5, config, total) == pytest.approx(0.01 / 32, rel=1e-12)
    halfway = learning_rate_at((total - 1) / 2, config, total)
    assert halfway == pytest.approx((0.01 + 0.01 / 32) / 2)
    rates = [learning_rate_at(step, config, total) for step in range(total)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert learning_rate_at(7, tiny_config(lr=0.01), total) == 0.01

    result = train(factory(), TRAIN, VALID, config, tmp_path)
    rows = read_log(tmp_path / "log.csv")
    assert not result.stopped_early and result.epochs_run == 3
    # the logged rate is the last step's: 4 steps per epoch, 12 steps in all
    assert rows[0]["lr"] == pytest.approx(learning_rate_at(3, config, 12))
    assert rows[-1]["lr"] == pytest.approx(0.01 / 32, rel=1e-12)


def test_rmsprop_uses_keras_constants_and_update():
    config = paper_config("lstm")
    parameter = nn.Parameter(torch.tensor([1.0, -2.0]))
    optimizer = make_optimizer([parameter], config)
    group = optimizer.param_groups[0]
    assert isinstance(optimizer, torch.optim.RMSprop)
    assert (group["alpha"], group["eps"], group["lr"]) == (0.9, 1e-7, 5e-3)
    assert group["momentum"] == 0 and not group["centered"]
    # Keras 2: a = rho * a + (1 - rho) * g^2; p -= lr * g / (sqrt(a) + epsilon), a starts at 0
    gradient = torch.tensor([0.3, -0.01])
    parameter.grad = gradient.clone()
    optimizer.step()
    accumulator = 0.1 * gradient**2
    expected = torch.tensor([1.0, -2.0]) - 5e-3 * gradient / (accumulator.sqrt() + 1e-7)
    torch.testing.assert_close(parameter.detach(), expected, rtol=0, atol=1e-7)


def test_paper_presets():
    rnn, lstm, transformer = (paper_config(arch) for arch in ("rnn", "lstm", "transformer"))
    assert (rnn.optimizer, rnn.lr, rnn.batch_size, rnn.clip) == ("rmsprop", 1e-3, 50, 0.25)
    assert (lstm.optimizer, lstm.lr, lstm.schedule) == ("rmsprop", 5e-3, "constant")
    assert (transformer.optimizer, transformer.lr, transformer.clip) == ("adam", 2e-4, 5.0)
    assert transformer.betas == (0.9, 0.999) and transformer.eps == 1e-7
    assert transformer.schedule == "cosine" and transformer.min_lr_ratio == 1 / 32
    assert all(c.max_epochs == 200 and c.patience == 5 and c.bptt is None and not c.bos
               for c in (rnn, lstm, transformer))
    assert paper_config("lstm", "char").bptt == 100
    assert paper_config("transformer", seed=4).seed == 4
    assert paper_config("lstm", "word").optimizer == "sgd"  # the text presets: test_stateful.py
    assert TrainConfig.from_dict(json.loads(json.dumps(lstm.to_dict()))) == lstm
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="adagrad")


def test_train_config_is_frozen_settings_listing_every_problem():
    config = paper_config("transformer")
    assert isinstance(config, Settings) and config.to_dict()["betas"] == [0.9, 0.999]
    assert config.replace(seed=7).seed == 7 and config.seed == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1
    with pytest.raises(ValueError, match=r"invalid TrainConfig: .*batch_size must be an integer "
                                         r">= 1, got 0.*patience.*bptt must be None or an integer"):
        TrainConfig(batch_size=0, patience=0, bptt=2.5)
    with pytest.raises(ValueError, match="unknown TrainConfig field.*lerning_rate"):
        TrainConfig.from_dict({"lerning_rate": 0.1})
    with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda"):
        TrainConfig(device="tpu")


# --------------------------------------------------------------------------------------------
# Files, resume and failure


def test_model_config_dict_with_builder_and_best_model_reload(tmp_path):
    model_config = {"vocab_size": 3, "width": 8, "dropout": 0.0, "bos_row": True}
    result = train(model_config, TRAIN, VALID, tiny_config(max_epochs=2, patience=None),
                   tmp_path, builder=TinyRecurrentModel)
    assert result.model_config == model_config
    stored = json.loads((tmp_path / "result.json").read_text())
    assert stored["best_val_loss"] == result.best_val_loss and stored["torch_version"]
    model, info = load_best_model(tmp_path, builder=TinyRecurrentModel)
    assert info["epoch"] == result.best_epoch and info["val_loss"] == result.best_val_loss
    with torch.no_grad():
        inputs, targets = inputs_and_targets(torch.from_numpy(VALID), bos_id=None)
        loss = nn.functional.cross_entropy(model(inputs).reshape(-1, 3), targets.reshape(-1))
    assert loss.item() == pytest.approx(result.best_val_loss, rel=1e-5)


def test_same_seed_same_result_other_seed_other_result(tmp_path):
    config = tiny_config(max_epochs=2, patience=None)
    first = train(factory(dropout=0.2), TRAIN, VALID, config, tmp_path / "a")
    again = train(factory(dropout=0.2), TRAIN, VALID, config, tmp_path / "b")
    other = train(factory(dropout=0.2), TRAIN, VALID, tiny_config(max_epochs=2, patience=None,
                                                                  seed=1), tmp_path / "c")
    assert first.best_val_loss == again.best_val_loss != other.best_val_loss
    a, b = (torch.load(tmp_path / d / "best.pt", weights_only=True) for d in "ab")
    assert all(torch.equal(a["model_state"][k], b["model_state"][k]) for k in a["model_state"])


@pytest.mark.parametrize("arch", ["rnn", "lstm", "transformer", "ssm"])
def test_trains_the_project_models(tmp_path, arch):
    models = pytest.importorskip("miscaling.models")
    model_config = {"arch": arch, "vocab_size": 3, "width": 8, "depth": 1,
                    "heads": 2 if arch == "transformer" else None, "max_len": 32}
    config = paper_config(arch, batch_size=16, max_epochs=2, device="cpu")
    result = train(model_config, TRAIN, VALID, config, tmp_path)
    assert result.epochs_run == 2 and math.isfinite(result.best_val_loss)
    network = models.build_model(models.ModelConfig.from_dict(model_config))
    assert result.num_parameters == models.count_parameters(network)
    model, info = load_best_model(tmp_path)
    assert model.config == result.model_config and info["epoch"] == result.best_epoch


def test_finished_run_is_returned_not_retrained(tmp_path):
    first = train(factory(), TRAIN, VALID, tiny_config(max_epochs=2), tmp_path)
    log_before = (tmp_path / "log.csv").read_text()
    again = train(factory(), TRAIN, VALID, tiny_config(max_epochs=2), tmp_path)
    assert again.best_val_loss == first.best_val_loss and again.wall_seconds == 0
    assert (tmp_path / "log.csv").read_text() == log_before


def test_resume_refuses_a_changed_config_model_or_data(tmp_path):
    train(factory(), TRAIN, VALID, tiny_config(max_epochs=2), tmp_path)
    with pytest.raises(CheckpointError, match=r"training config \(lr: 0.02 -> 0.01\)"):
        train(factory(), TRAIN, VALID, tiny_config(max_epochs=2, lr=0.01), tmp_path)
    (tmp_path / "result.json").unlink()  # as if killed before the end: only the checkpoint
    with pytest.raises(CheckpointError, match=r"max_epochs: 2 -> 3.*seed: 0 -> 1"):
        train(factory(), TRAIN, VALID, tiny_config(max_epochs=3, seed=1), tmp_path)
    with pytest.raises(CheckpointError, match=r"model config \(width: 8 -> 16\)"):
        train(factory(width=16), TRAIN, VALID, tiny_config(max_epochs=2), tmp_path)
    with pytest.raises(CheckpointError, match=r"differing data \(train:"):
        train(factory(), TRAIN[::-1], VALID, tiny_config(max_epochs=2), tmp_path)
    assert not (tmp_path / "result.json").exists()


def test_a_changed_config_can_replace_the_old_run_and_equals_a_fresh_one(tmp_path, caplog):
    # what the workflow does when a job reruns because its settings changed: the old run's
    # checkpoint (Snakemake has already deleted result.json, the declared output) is replaced
    train(factory(), TRAIN, VALID, tiny_config(max_epochs=2), tmp_path / "run")
    (tmp_path / "run" / "result.json").unlink()
    changed = tiny_config(max_epochs=3, lr=0.01)
    with caplog.at_level("WARNING"):
        replaced = train(factory(), TRAIN, VALID, changed, tmp_path / "run",
                         replace_other_run=True)
    assert "starting over" in caplog.text and "lr: 0.02 -> 0.01" in caplog.text
    fresh = train(factory(), TRAIN, VALID, changed, tmp_path / "fresh")
    assert replaced.best_val_loss == fresh.best_val_loss and replaced.epochs_run == 3
    logs = [pd.read_csv(tmp_path / run / "log.csv")[["train_loss", "val_loss"]]
            for run in ("run", "fresh")]
    pd.testing.assert_frame_equal(*logs)  # every epoch as a fresh run's, none of the old run's
    # a run of the same settings is resumed, not replaced: here it is finished and returned
    caplog.clear()
    again = train(factory(), TRAIN, VALID, changed, tmp_path / "run", replace_other_run=True)
    assert again.wall_seconds == 0 and "starting over" not in caplog.text


def test_unreadable_checkpoint_is_an_error(tmp_path):
    train(factory(), TRAIN, VALID, tiny_config(max_epochs=1), tmp_path)
    (tmp_path / "result.json").unlink()
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="unreadable"):
        train(factory(), TRAIN, VALID, tiny_config(max_epochs=1), tmp_path)


@pytest.mark.parametrize("in_validation", [False, True])
def test_nan_loss_stops_with_a_clear_error_and_no_result(tmp_path, in_validation):
    def model():
        return NaNAfterSteps(3, nan_at=1 if in_validation else 3, in_validation=in_validation)

    expected = "validation loss is nan after epoch 1" if in_validation else "epoch 1, step 3/4"
    with pytest.raises(TrainingDiverged, match=expected):
        train(model, TRAIN, VALID, tiny_config(), tmp_path)
    assert not (tmp_path / "result.json").exists()


class WrongShape(TinyRecurrentModel):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x)[:, :, :2]


def test_bad_models_and_data_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"logits of shape \(1, 31, 2\).*\(1, 31, 3\)"):
        train(lambda: WrongShape(3), TRAIN, VALID, tiny_config(), tmp_path)
    with pytest.raises(ValueError, match="first embedding has only 3 rows"):
        train(factory(bos_row=False), TRAIN, VALID, tiny_config(bos=True), tmp_path)
    train(factory(bos_row=False), TRAIN, VALID, tiny_config(max_epochs=1), tmp_path)
    with pytest.raises(ValueError, match=r"outside the model's \[0, 2\]"):
        train(factory(), TRAIN + 1, VALID, tiny_config(), tmp_path / "other")


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the machine without a GPU")
def test_cuda_without_a_gpu_is_an_error_before_any_file(tmp_path):
    with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
        train(factory(), TRAIN, VALID, tiny_config(device="cuda"), tmp_path / "run")
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


def test_select_best_picks_lowest_loss_then_lowest_seed(tmp_path):
    base = json.loads(json.dumps(train(factory(), TRAIN, VALID, tiny_config(max_epochs=1),
                                       tmp_path / "real").to_dict()))
    dirs = []
    for seed, loss in [(4, 0.5), (3, 0.4), (2, 0.4), (7, 0.6)]:
        directory = tmp_path / f"seed{seed}"
        directory.mkdir()
        result = dict(base, seed=seed, best_val_loss=loss,
                      train_config=dict(base["train_config"], seed=seed))
        (directory / "result.json").write_text(json.dumps(result))
        dirs.append(directory)
    choice = select_best(dirs)
    assert choice["seed"] == 2 and choice["best_val_loss"] == 0.4
    assert choice["best_dir"] == str(tmp_path / "seed2")
    assert choice["best_checkpoint"] == str(tmp_path / "seed2" / "best.pt")
    assert [row["seed"] for row in choice["table"]] == [4, 3, 2, 7]
    assert [row["selected"] for row in choice["table"]] == [False, False, True, False]

    odd = json.loads((dirs[0] / "result.json").read_text())
    odd["model_config"]["width"] = 99
    (dirs[0] / "result.json").write_text(json.dumps(odd))
    with pytest.raises(ValueError, match="not comparable.*width"):
        select_best(dirs)
    with pytest.raises(FileNotFoundError, match="has not finished"):
        select_best([tmp_path / "missing"])


# --------------------------------------------------------------------------------------------
# kill -9 at any moment, rerun, and the result is bit-for-bit that of an uninterrupted run

# One driver process imports torch once, then forks a child per run: each child is a real
# process that SIGKILLs itself at the planned moment, and starting it costs milliseconds
# instead of a fresh interpreter's seconds.
DRIVER = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {tests_dir!r})
    import test_train as t
    from miscaling.train import TrainConfig, train

    config = TrainConfig(**json.loads(sys.argv[1]))
    runs = json.loads(sys.argv[2])  # [[out_dir, plan], ...] in order

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def child(out_dir, plan):
        for name in plan.get("remove_first", []):
            (Path(out_dir) / name).unlink()  # as a workflow manager does with declared outputs
        if plan.get("replace"):
            # die between writing a complete (or, with truncate, half) temporary file and
            # renaming it onto its final name
            real_replace, seen = os.replace, {{"n": 0}}
            def replace(src, dst):
                if Path(dst).name == plan["replace"]:
                    seen["n"] += 1
                    if seen["n"] == plan["occurrence"]:
                        if plan.get("truncate"):
                            os.truncate(src, os.path.getsize(src) // 2)
                        die()
                return real_replace(src, dst)
            os.replace = replace

        def make_model():
            model = t.TinyRecurrentModel(3, width=8, dropout=0.2)
            if plan.get("forward"):
                calls = {{"n": 0}}
                def count(module, args):
                    calls["n"] += 1
                    if calls["n"] == plan["forward"]:
                        die()
                model.register_forward_pre_hook(count)
            return model

        train(make_model, t.TRAIN, t.VALID, config, out_dir)

    # warm up (the first optimizer step imports torch._dynamo) so that children start warm
    train(lambda: t.TinyRecurrentModel(3), t.TRAIN, t.VALID,
          TrainConfig(max_epochs=1, device="cpu"), Path(runs[0][0]).parent / "warm-up")
    outcomes = []
    for out_dir, plan in runs:
        pid = os.fork()
        if pid == 0:
            try:
                child(out_dir, plan)
            except BaseException as err:
                print(repr(err), file=sys.stderr)
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        outcomes.append(-os.WTERMSIG(status) if os.WIFSIGNALED(status)
                        else os.WEXITSTATUS(status))
    print(json.dumps(outcomes))
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_kill9_at_any_moment_then_rerun_gives_the_uninterrupted_result(tmp_path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests_dir=str(TESTS_DIR)))
    # cosine schedule, dropout and shuffling: the step counter, the torch RNG and the data-order
    # generator all have to be restored for the rerun to match
    config = tiny_config(max_epochs=6, patience=3, schedule="cosine", seed=3, lr=0.03)
    interrupted, reference = tmp_path / "interrupted", tmp_path / "reference"
    # forward passes: 1 check of the model's output shape, then per epoch 4 training batches
    # and 2 validation batches
    plans = [
        {"forward": 9},  # in epoch 2's training, after epoch 1's checkpoint
        {"replace": "checkpoint.pt", "occurrence": 1, "truncate": True},  # half-written
        {"replace": "log.csv", "occurrence": 2},  # checkpoint complete, log one epoch behind
        {"forward": 6},  # in validation
        {"replace": "best.pt", "occurrence": 1},  # just before renaming a new best.pt
        {"replace": "checkpoint.pt", "occurrence": 1},  # best.pt newer than the checkpoint
        {"replace": "result.json", "occurrence": 1},  # everything but the result
        {"remove_first": ["best.pt", "log.csv"]},  # to completion, rebuilding these two
        {},  # a finished run is returned, not retrained
    ]
    runs = [[str(interrupted), plan] for plan in plans] + [[str(reference), {}]]
    # CPU only: on a GPU machine autograd starts per-device threads at the parent's first
    # backward pass, after which a forked child cannot run autograd at all
    process = subprocess.run(
        [sys.executable, str(driver), json.dumps(config.to_dict()), json.dumps(runs)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    assert process.returncode == 0, process.stderr
    outcomes = json.loads(process.stdout.strip().splitlines()[-1])
    kills = len(plans) - 2
    assert outcomes == [-signal.SIGKILL] * kills + [0, 0, 0], process.stderr

    resumed = json.loads((interrupted / "result.json").read_text())
    uninterrupted = json.loads((reference / "result.json").read_text())
    assert resumed["resumed_from_epoch"] >= 5 and uninterrupted["resumed_from_epoch"] == 0
    for key in ("best_val_loss", "best_epoch", "epochs_run", "stopped_early",
                "final_train_loss", "final_val_loss"):
        assert resumed[key] == uninterrupted[key], key

    def weights(path):
        return torch.load(path, weights_only=True)["model_state"]

    for name in ("best.pt", "checkpoint.pt"):
        a, b = weights(interrupted / name), weights(reference / name)
        assert a.keys() == b.keys()
        assert all(torch.equal(a[key], b[key]) for key in a), name

    def exact_columns(out_dir):
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS}
                for row in read_log(out_dir / "log.csv")]

    assert exact_columns(interrupted) == exact_columns(reference)
    assert len(exact_columns(reference)) == uninterrupted["epochs_run"]
    assert sorted(p.name for p in interrupted.iterdir()) == [
        "best.pt", "checkpoint.pt", "log.csv", "result.json"
    ]
