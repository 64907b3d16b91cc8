"""`miscaling train` on 1-D texts: --data char|word picks the paper's model options, explicit
flags win, and the text flags reach the training config (issue 11)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("one_torch_thread")



@pytest.fixture()
def text_dir(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 3000), ("valid", 800)):
        symbols = (np.arange(n) % 7 + (rng.random(n) < 0.1)).astype(np.uint8)
        np.save(tmp_path / f"{split}.npy", symbols)
    (tmp_path / "vocab.json").write_text(json.dumps({"level": "char", "vocab_size": 11}))
    return tmp_path


def train_run(text_dir, out, *flags) -> tuple[int, dict]:
    code = run_cli("train", "--train", text_dir / "train.npy", "--valid", text_dir / "valid.npy",
                   "--max-epochs", "1", "--out-dir", out, *flags)
    result = out / "result.json"
    return code, json.loads(result.read_text()) if result.exists() else {}


def test_char_lstm_takes_the_papers_options_and_explicit_flags_win(text_dir, tmp_path):
    code, result = train_run(text_dir, tmp_path / "a", "--arch", "lstm", "--width", "8",
                             "--depth", "1", "--data", "char", "--batch-size", "4",
                             "--bptt", "20", "--train-symbols", "2000", "--valid-symbols",
                             "500")
    assert code == 0
    model, config = result["model_config"], result["train_config"]
    assert (model["embedding_dim"], model["embedding_init"], model["vocab_size"],
            model["max_len"]) == (200, "orthogonal", 11, 20)
    assert (config["stateful"], config["reset_probability"], config["shuffle"],
            config["bptt"], config["optimizer"]) == (True, 0.01, False, 20, "rmsprop")
    assert result["data"]["train"]["shape"] == [2000]
    assert result["data"]["valid"]["shape"] == [500]

    code, result = train_run(text_dir, tmp_path / "b", "--arch", "lstm", "--width", "8",
                             "--depth", "1", "--data", "char", "--batch-size", "4",
                             "--bptt", "20", "--embedding-dim", "8", "--embedding-init",
                             "keras", "--no-stateful", "--dropout", "0.1", "--clip", "1")
    assert code == 0
    assert result["model_config"]["embedding_dim"] == 8
    assert "embedding_init" not in result["model_config"]  # keras: the default, not written
    assert result["model_config"]["dropout"] == 0.1 and result["train_config"]["clip"] == 1
    assert "stateful" not in result["train_config"] and result["train_config"]["shuffle"]


def test_word_models_and_bad_flags(text_dir, tmp_path):
    code, result = train_run(text_dir, tmp_path / "lstm", "--arch", "lstm", "--width", "8",
                             "--depth", "2", "--data", "word", "--bptt", "10")
    assert code == 0
    model, config = result["model_config"], result["train_config"]
    assert (model["tie_weights"], model["dropout"], model["output_dropout"],
            model["embedding_dim"]) == (True, 0.4, True, 8)
    assert (config["optimizer"], config["schedule"], config["batch_size"]) == (
        "sgd", "plateau", 20)

    code, result = train_run(text_dir, tmp_path / "tf", "--arch", "transformer", "--width",
                             "16", "--depth", "1", "--data", "word", "--batch-size", "8",
                             "--bptt", "16", "--no-tie-weights", "--mixed-precision")
    assert code == 0
    model, config = result["model_config"], result["train_config"]
    assert (model["heads"], model["tie_weights"], model["dropout"], model["max_len"]) == (
        8, False, 0.1, 16)
    # bf16 and TF32 act on CUDA only: a CPU run records them off (their old values, left out)
    assert config["embedding_l2"] == 0.01 and "mixed_precision" not in config

    two_d = tmp_path / "rows.npy"
    np.save(two_d, np.zeros((4, 10), dtype=np.uint8))
    assert run_cli("train", "--arch", "lstm", "--width", "4", "--depth", "1", "--train", two_d,
                   "--valid", two_d, "--train-symbols", "5", "--out-dir", tmp_path / "x") == 2
    assert run_cli("train", "--arch", "lstm", "--width", "4", "--depth", "1", "--train", two_d,
                   "--valid", two_d, "--reset-probability", "1.5", "--out-dir",
                   tmp_path / "y") == 2
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_numerics_flags_reach_the_training_settings():
    from miscaling.cli import build_parser
    from miscaling.cli.models import _train_overrides
    from miscaling.recipes import paper_config

    def settings(*flags):
        args = build_parser().parse_args(["train", "--arch", "transformer", "--width", "8",
                                          "--depth", "1", "--train", "t.npy", "--valid", "v.npy",
                                          "--data", "char", "--out-dir", "o", *flags])
        return paper_config("transformer", "char", **_train_overrides(args))

    assert (settings().tf32, settings().mixed_precision) == (True, True)  # the recipe's
    assert (settings("--no-tf32").tf32, settings("--no-mixed-precision").mixed_precision) == (
        False, False)
