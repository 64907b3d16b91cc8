"""``miscaling train | select | sample``: sequence models, their restarts and their samples."""

from __future__ import annotations

import argparse
import time

from miscaling.choices import ARCHS
from miscaling.cli.common import (
    InputError,
    log,
    non_negative_int,
    non_negative_number,
    number,
    positive_int,
    probability,
    require_suffix,
)


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    train = commands.add_parser("train", help="train one sequence model (one restart)")
    train.add_argument("--arch", required=True, choices=ARCHS)
    train.add_argument("--width", type=positive_int, required=True)
    train.add_argument("--depth", type=positive_int, required=True)
    train.add_argument("--train", required=True, help="training sequences (.npy, [N, L] ints)")
    train.add_argument("--valid", required=True, help="validation sequences (.npy)")
    train.add_argument("--data", default="binary", choices=("binary", "char", "word"),
                       help="which of the paper's hyperparameter sets (Appendix E); char and "
                            "word also set the paper's model options (explicit flags win)")
    train.add_argument("--seed", type=non_negative_int, default=0)
    train.add_argument("--vocab-size", type=positive_int, default=None,
                       help="default: largest symbol + 1")
    train.add_argument("--embedding-dim", type=positive_int, default=None,
                       help="RNN/LSTM embedding size (paper: 2 on binary data)")
    train.add_argument("--heads", type=positive_int, default=None,
                       help="Transformer heads (paper: 4 binary, 8 text)")
    train.add_argument("--max-len", type=positive_int, default=None,
                       help="Transformer context (default: the sequence length)")
    train.add_argument("--train-sequences", type=positive_int, default=None,
                       help="use only the first N training sequences")
    train.add_argument("--max-epochs", type=positive_int, default=None)
    train.add_argument("--patience", type=positive_int, default=None)
    train.add_argument("--batch-size", type=positive_int, default=None)
    train.add_argument("--lr", type=number, default=None)
    train.add_argument("--device", default=None, choices=("auto", "cpu", "cuda"))
    train.add_argument("--tf32", action=argparse.BooleanOptionalAction, default=None,
                       help="TF32 matmuls and cuDNN on CUDA (default on; no effect on CPU)")
    _add_text_flags(train)
    train.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads")
    train.add_argument("--out-dir", required=True,
                       help="run folder: checkpoint.pt, best.pt, log.csv, result.json (last)")
    train.add_argument("--replace-other-run", action="store_true",
                       help="delete the files of a different run (other settings or data) "
                            "found in --out-dir and start over, instead of refusing; the "
                            "workflow passes it, so that a changed configuration retrains")
    train.set_defaults(func=run_train)

    select = commands.add_parser("select", help="pick the restart with the lowest val loss")
    select.add_argument("runs", nargs="+", help="run folders written by `train`")
    select.add_argument("--out", required=True, help="selection (.json)")
    select.set_defaults(func=run_select)

    sample = commands.add_parser("sample", help="unconditional samples from a trained model")
    sample.add_argument("model", help="a `select` .json or a `train` run folder")
    sample.add_argument("--n-sequences", type=positive_int, required=True)
    sample.add_argument("--length", type=positive_int, required=True)
    sample.add_argument("--first-symbols", default=None,
                        help="training data whose first-symbol frequencies start each sample "
                             "(a 1-D text stream: its unigram frequencies; default: uniform)")
    sample.add_argument("--batch-size", type=positive_int, default=500)
    sample.add_argument("--seed", type=non_negative_int, default=0)
    sample.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    sample.add_argument("--threads", type=positive_int, default=1)
    sample.add_argument("--out", required=True, help="samples (.npy, [N, L])")
    sample.set_defaults(func=run_sample)


def _add_text_flags(train: argparse.ArgumentParser) -> None:
    """Overrides of the options the text recipes added (default: the --data preset's)."""
    onoff = argparse.BooleanOptionalAction
    train.add_argument("--train-symbols", type=positive_int, default=None,
                       help="use only the first N symbols of a 1-D training text")
    train.add_argument("--valid-symbols", type=positive_int, default=None,
                       help="use only the first N symbols of a 1-D validation text")
    train.add_argument("--bptt", type=positive_int, default=None,
                       help="window length in target symbols (char: 100 LSTM, 512 Transformer)")
    train.add_argument("--stateful", action=onoff, default=None,
                       help="stateful truncated BPTT over contiguous streams (text LSTMs)")
    train.add_argument("--reset-probability", type=probability, default=None,
                       help="per-batch probability of zeroing the carried state (char: 0.01)")
    train.add_argument("--clip", type=non_negative_number, default=None,
                       help="maximum global gradient norm (0: no clipping)")
    train.add_argument("--embedding-l2", type=non_negative_number, default=None,
                       help="L2 penalty on the embedding matrix (word Transformer: 0.01)")
    train.add_argument("--mixed-precision", action=onoff, default=None,
                       help="bf16 autocast on CUDA (no effect on CPU; default: the recipe's, "
                            "on for the Transformers on text)")
    train.add_argument("--dropout", type=probability, default=None)
    train.add_argument("--tie-weights", action=onoff, default=None,
                       help="share the embedding with the output layer")
    train.add_argument("--embedding-init", default=None, choices=("keras", "orthogonal"))
    train.add_argument("--output-dropout", action=onoff, default=None,
                       help="RNN/LSTM: dropout after the last layer too (word LSTM)")
    train.add_argument("--init", default=None, choices=("keras", "word_language_model"),
                       help="initialisation scheme (word LSTM: word_language_model, PyTorch's "
                            "example; otherwise keras)")


def _load_symbols(path: str, what: str):
    """A 2-D (or 1-D) non-negative integer array from ``.npy`` for training or sampling."""
    import numpy as np

    from miscaling.io import load_sequences

    data = load_sequences(path)
    if not isinstance(data, np.ndarray) or data.ndim not in (1, 2):
        raise InputError(f"{what} {path!r} must be a 1-D or 2-D integer .npy array")
    if data.size == 0:
        raise InputError(f"{what} {path!r} is empty")
    if not np.issubdtype(data.dtype, np.integer) or data.min() < 0:
        raise InputError(f"{what} {path!r} must hold non-negative integer symbols")
    return data


def run_train(args: argparse.Namespace) -> None:
    import torch

    from miscaling.models import ModelConfig
    from miscaling.train import paper_config, paper_model_options, train

    torch.set_num_threads(args.threads)  # small recurrent models are slower with more threads
    train_data = _load_symbols(args.train, "--train")
    valid_data = _load_symbols(args.valid, "--valid")
    if args.train_sequences is not None:
        train_data = train_data[: args.train_sequences]
    if args.train_symbols is not None:
        if train_data.ndim != 1:
            raise InputError(f"--train-symbols takes the first N symbols of a 1-D text; --train "
                             f"has shape {train_data.shape} (use --train-sequences)")
        train_data = train_data[: args.train_symbols]
    if args.valid_symbols is not None:
        if valid_data.ndim != 1:
            raise InputError(f"--valid-symbols takes the first N symbols of a 1-D text; --valid "
                             f"has shape {valid_data.shape}")
        valid_data = valid_data[: args.valid_symbols]
    config = paper_config(args.arch, args.data, **_train_overrides(args))
    options = paper_model_options(args.arch, args.data) if args.data != "binary" else {}
    options.update({key: value for key, value in {
        "embedding_dim": args.embedding_dim, "heads": args.heads, "dropout": args.dropout,
        "tie_weights": args.tie_weights, "embedding_init": args.embedding_init,
        "output_dropout": args.output_dropout, "init": args.init,
    }.items() if value is not None})
    max_len = args.max_len
    if max_len is None and train_data.ndim == 1 and config.bptt is not None:
        max_len = config.bptt  # the context of one window, not the whole text
    vocab_size = args.vocab_size
    if vocab_size is None and args.data != "binary":
        vocab_size = _vocab_size_beside(args.train)
    model_config = ModelConfig.for_data(
        args.arch, args.width, args.depth, train_data, valid_data, vocab_size=vocab_size,
        max_len=max_len, **options)
    result = train(model_config, train_data, valid_data, config, args.out_dir,
                   replace_other_run=args.replace_other_run)
    log.info("best val loss %.5f nats at epoch %d of %d", result.best_val_loss,
             result.best_epoch, result.epochs_run)


def _train_overrides(args: argparse.Namespace) -> dict:
    overrides = {key: value for key, value in {
        "seed": args.seed, "max_epochs": args.max_epochs, "patience": args.patience,
        "batch_size": args.batch_size, "lr": args.lr, "device": args.device,
        "bptt": args.bptt, "stateful": args.stateful,
        "reset_probability": args.reset_probability, "clip": args.clip,
        "embedding_l2": args.embedding_l2, "mixed_precision": args.mixed_precision,
        "tf32": args.tf32,
    }.items() if value is not None}
    if args.stateful is not None:  # streams are never shuffled; windows are
        overrides["shuffle"] = not args.stateful
        if not args.stateful:
            overrides.setdefault("reset_probability", 0.0)
    return overrides


def _vocab_size_beside(train_path: str) -> int | None:
    """``vocab_size`` of the vocab.json next to a text's .npy (None when there is none)."""
    import json
    from pathlib import Path

    path = Path(train_path).with_name("vocab.json")
    if not path.is_file():
        return None
    vocab = json.loads(path.read_text())
    size = vocab.get("vocab_size") if isinstance(vocab, dict) else None
    if not isinstance(size, int) or size < 1:
        raise InputError(f"{str(path)!r} has no positive integer 'vocab_size'")
    log.info("vocab_size %d from %s", size, path)
    return size


def run_select(args: argparse.Namespace) -> None:
    from miscaling.io import write_json
    from miscaling.selection import select_best

    best = select_best(args.runs)
    write_json(args.out, best)
    log.info("selected %s (val loss %.5f)", best["best_dir"], best["best_val_loss"])


def run_sample(args: argparse.Namespace) -> None:
    import torch

    from miscaling.checkpoint import load_best_model
    from miscaling.io import save_array
    from miscaling.sample import first_symbol_distribution, generate
    from miscaling.selection import resolve_run_dir

    torch.set_num_threads(args.threads)
    require_suffix(args.out, ".npy")
    run_dir = resolve_run_dir(args.model)
    model, info = load_best_model(run_dir, device="cpu")
    first = None
    if args.first_symbols is not None:
        starts = _load_symbols(args.first_symbols, "--first-symbols")
        first = first_symbol_distribution(starts, model.config["vocab_size"])
    start = time.perf_counter()
    samples = generate(model, args.n_sequences, args.length, batch_size=args.batch_size,
                       seed=args.seed, device=args.device,
                       first_token=first)
    log.info("%d x %d samples from %s (epoch %d) in %.1f s", *samples.shape, run_dir,
             info["epoch"], time.perf_counter() - start)
    save_array(samples, args.out)
