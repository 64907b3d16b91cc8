"""Command-line interface: one subcommand per pipeline step.

Every Snakemake rule calls one of these with explicit arguments, so each step also runs (and is
tested) without Snakemake::

    miscaling synth binary --n-seq 10000 --length 512 --amplitude 0.1 --gamma 0.4 --out train.npy
    miscaling mi train.npy --lags log:511:60 --shuffles 2 --bootstrap 200 --out mi.csv
    miscaling fit mi.csv --model all --min-mi 1.0e-3 --out fit.csv
    miscaling figure fig5 --curves mi_*.csv --fits fit_*.csv --out results/figures/fig5.pdf

Bad input (missing or malformed files, impossible parameters) is reported as one line naming
the value and what was expected, with exit status 2, before any expensive work and without
leaving an output file behind.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("miscaling")

EXIT_BAD_INPUT = 2


class InputError(ValueError):
    """An argument or input file that cannot be used; reported without a traceback."""


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None


def _confidence(text: str) -> float:
    value = _float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text!r}")
    return value


def _label(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE with KEY an identifier, got {text!r}")
    try:
        return key, float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        return key, value


def _add_labels(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--label",
        dest="labels",
        type=_label,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="constant column added to the output table (repeatable), e.g. --label gamma=0.4",
    )


def _with_labels(table, labels: list[tuple[str, object]]):
    for key, value in labels:
        if key in table.columns:
            raise InputError(f"--label {key}=...: the table already has a column {key!r}")
        table[key] = value
    return table


# --------------------------------------------------------------------------- subcommands


def run_mi(args: argparse.Namespace) -> None:
    from miscaling.io import check_table_suffix, load_sequences, write_table
    from miscaling.mi import mutual_information, parse_lags

    check_table_suffix(args.out)
    if args.replicates_out is not None:
        check_table_suffix(args.replicates_out)
        if args.bootstrap < 2:
            raise InputError("--replicates-out needs --bootstrap B with B >= 2")
    lags = parse_lags(args.lags)
    sequences = load_sequences(args.input)
    start = time.perf_counter()
    table, replicates = mutual_information(
        sequences,
        lags,
        estimator=args.estimator,
        shuffles=args.shuffles,
        bootstrap=args.bootstrap,
        confidence=args.confidence,
        block_length=args.block_length,
        seed=args.seed,
        backend=args.backend,
        threads=args.threads,
        resampling=args.resampling,
        shuffle_scope=args.shuffle_scope,
        return_replicates=True,
    )
    log.info("I(tau) at %d lags in %.2f s", len(table), time.perf_counter() - start)
    if args.replicates_out is not None:
        write_table(_with_labels(replicates, args.labels), args.replicates_out)
    write_table(_with_labels(table, args.labels), args.out)


def run_synth_binary(args: argparse.Namespace) -> None:
    from miscaling.io import save_array
    from miscaling.synth import binary_power_law_sequences

    if Path(args.out).suffix.lower() != ".npy":
        raise InputError(f"--out {args.out!r} must end in .npy")
    start = time.perf_counter()
    sequences = binary_power_law_sequences(
        args.n_seq, args.length, args.amplitude, args.gamma, mode=args.mode, seed=args.seed
    )
    log.info("%d x %d binary sequences in %.2f s", *sequences.shape, time.perf_counter() - start)
    save_array(sequences, args.out)


def run_fit(args: argparse.Namespace) -> None:
    from miscaling.fit import MODELS, fit_table
    from miscaling.io import check_table_suffix, read_table, write_table

    check_table_suffix(args.out)
    table = read_table(args.table)
    missing = {"lag", "mi"} - set(table.columns)
    if missing:
        raise InputError(f"input table {args.table!r} lacks the column(s) {sorted(missing)}")
    replicates = None if args.replicates is None else read_table(args.replicates)
    models = MODELS if args.model == "all" else (args.model,)
    fits = fit_table(
        table,
        models=models,
        replicates=replicates,
        min_mi=args.min_mi,
        min_lag=args.min_lag,
        max_lag=args.max_lag,
        confidence=args.confidence,
        selection=args.selection,
        too_few=args.too_few,
    )
    write_table(_with_labels(fits, args.labels), args.out)


def run_uniformity(args: argparse.Namespace) -> None:
    import pandas as pd

    from miscaling.io import check_table_suffix, read_table, write_table
    from miscaling.uniformity import long_range_summary

    check_table_suffix(args.out)
    if args.min_lag > args.max_lag:
        raise InputError(f"--min-lag {args.min_lag} exceeds --max-lag {args.max_lag}")
    row = long_range_summary(read_table(args.table), read_table(args.replicates),
                             min_lag=args.min_lag, max_lag=args.max_lag,
                             confidence=args.confidence)
    write_table(_with_labels(pd.DataFrame([row]), args.labels), args.out)


def _hash_pin(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or ":" not in value:
        raise argparse.ArgumentTypeError(f"expected NAME=ALG:HEX (e.g. x.jsonl=sha256:ab12...), "
                                         f"got {text!r}")
    return name, value


def run_download(args: argparse.Namespace) -> None:
    import json

    from miscaling.data.download import CORPORA, fetch_corpus, verify_file
    from miscaling.io import atomic_path

    if args.corpus not in CORPORA:
        raise InputError(f"unknown corpus {args.corpus!r}; expected one of {', '.join(CORPORA)}")
    dest = Path(args.dest)
    hashes = dict(args.hash)
    paths = fetch_corpus(args.corpus, dest, mirror=args.mirror, retries=args.retries,
                         hashes=hashes)
    files = {file.split: file for file in CORPORA[args.corpus].files}
    manifest = {
        "corpus": args.corpus,
        "files": {
            split: {"path": path.name, "hash": hashes.get(files[split].name,
                                                          files[split].content_hash)}
            for split, path in paths.items()
        },
    }
    for split, entry in manifest["files"].items():  # the manifest only vouches for what it checked
        if not verify_file(dest / entry["path"], entry["hash"]):
            raise RuntimeError(f"{dest / entry['path']} changed after verification")
    out = Path(args.manifest) if args.manifest else dest / "manifest.json"
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    log.info("%s: %d verified file(s) in %s", args.corpus, len(paths), dest)


def _read_manifest(path: str) -> tuple[dict[str, Path], dict]:
    """Split -> file path (relative paths are relative to the manifest's folder)."""
    import json

    manifest_path = Path(path)
    if not manifest_path.is_file():
        raise FileNotFoundError(f"manifest {path!r} does not exist")
    try:
        manifest = json.loads(manifest_path.read_text())
        files = {split: manifest_path.parent / entry["path"]
                 for split, entry in manifest["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"manifest {path!r} is not a corpus manifest "
                         f"(expected {{'files': {{split: {{'path': ...}}}}}}): {err}") from None
    return files, manifest


def _write_manifest(out_dir: Path, corpus: str, paths: dict[str, Path]) -> None:
    import json

    from miscaling.io import atomic_path

    manifest = {"corpus": corpus,
                "files": {split: {"path": Path(p).name} for split, p in paths.items()}}
    with atomic_path(out_dir / "manifest.json") as tmp:
        tmp.write_text(json.dumps(manifest, indent=1) + "\n")


def _sizes(text: str) -> tuple[int, int, int]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != 3 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected three positive byte counts A,B,C, got {text!r}")
    return sizes


def run_prepare_corpus(args: argparse.Namespace) -> None:
    from miscaling.data.prepare import encode_corpus

    files, manifest = _read_manifest(args.manifest)
    splits = {split: files[split] for split in args.splits.split(",") if split}
    unknown = [split for split in args.splits.split(",") if split not in files]
    if unknown:
        raise InputError(f"manifest {args.manifest!r} has no split(s) {unknown}; it lists "
                         f"{sorted(files)}")
    summary = encode_corpus(splits, args.level, args.out_dir)
    log.info("%s %s level: vocabulary %d, lengths %s", manifest.get("corpus", "?"), args.level,
             summary["vocab_size"], summary["lengths"])


def run_prepare_split_text8(args: argparse.Namespace) -> None:
    from miscaling.data.prepare import split_text8

    files, _ = _read_manifest(args.manifest)
    if len(files) != 1:
        raise InputError(f"manifest {args.manifest!r} should list the one text8 file, "
                         f"lists {sorted(files)}")
    out_dir = Path(args.out_dir)
    paths = split_text8(next(iter(files.values())), out_dir, args.sizes)
    _write_manifest(out_dir, "text8", paths)


def run_prepare_gpt2(args: argparse.Namespace) -> None:
    from miscaling.data.prepare import gpt2_samples

    files, _ = _read_manifest(args.manifest)
    if args.split is None and len(files) != 1:
        raise InputError(f"manifest {args.manifest!r} lists {sorted(files)}; pick one with "
                         "--split")
    if args.split is not None and args.split not in files:
        raise InputError(f"manifest {args.manifest!r} has no split {args.split!r}; it lists "
                         f"{sorted(files)}")
    source = files[args.split] if args.split else next(iter(files.values()))
    summary = gpt2_samples(source, args.out_dir)
    log.info("GPT-2 samples: %s", {k: v for k, v in summary.items() if k != "sources"})


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

    from miscaling.train import paper_config, train

    torch.set_num_threads(args.threads)  # small recurrent models are slower with more threads
    train_data = _load_symbols(args.train, "--train")
    valid_data = _load_symbols(args.valid, "--valid")
    if args.train_sequences is not None:
        train_data = train_data[: args.train_sequences]
    vocab_size = args.vocab_size or int(max(train_data.max(), valid_data.max())) + 1
    model_config = {
        "arch": args.arch, "vocab_size": vocab_size, "width": args.width, "depth": args.depth,
        "embedding_dim": args.embedding_dim, "heads": args.heads,
        "max_len": args.max_len or int(train_data.shape[-1]),
    }
    overrides = {key: value for key, value in {
        "seed": args.seed, "max_epochs": args.max_epochs, "patience": args.patience,
        "batch_size": args.batch_size, "lr": args.lr, "device": args.device,
    }.items() if value is not None}
    config = paper_config(args.arch, args.data, **overrides)
    result = train(model_config, train_data, valid_data, config, args.out_dir)
    log.info("best val loss %.5f nats at epoch %d of %d", result.best_val_loss,
             result.best_epoch, result.epochs_run)


def run_select(args: argparse.Namespace) -> None:
    import json

    from miscaling.io import atomic_path
    from miscaling.train import select_best

    best = select_best(args.runs)
    with atomic_path(args.out) as tmp:
        tmp.write_text(json.dumps(best, indent=1) + "\n")
    log.info("selected %s (val loss %.5f)", best["best_dir"], best["best_val_loss"])


def run_sample(args: argparse.Namespace) -> None:
    import json

    import torch

    from miscaling.io import save_array
    from miscaling.sample import generate, symbol_frequencies
    from miscaling.train import load_best_model

    torch.set_num_threads(args.threads)
    if not args.out.endswith(".npy"):
        raise InputError(f"--out {args.out!r} must end in .npy")
    selection = Path(args.model)
    run_dir = Path(json.loads(selection.read_text())["best_dir"]) if selection.is_file() \
        else selection
    model, info = load_best_model(run_dir, device="cpu")
    first = None
    if args.first_symbols is not None:
        starts = _load_symbols(args.first_symbols, "--first-symbols")
        first = symbol_frequencies(starts[:, 0] if starts.ndim == 2 else starts[:1],
                                   model.config["vocab_size"])
    start = time.perf_counter()
    samples = generate(model, args.n_sequences, args.length, batch_size=args.batch_size,
                       seed=args.seed, device=None if args.device == "auto" else args.device,
                       first_token=first)
    log.info("%d x %d samples from %s (epoch %d) in %.1f s", *samples.shape, run_dir,
             info["epoch"], time.perf_counter() - start)
    save_array(samples, args.out)


def run_figure(args: argparse.Namespace) -> None:
    from miscaling.plots import FIGURES

    FIGURES[args.figure](args)


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="miscaling",
        description="Auto-mutual information of sequences and sequence models (Shen 2019).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    mi = commands.add_parser("mi", help="estimate I(tau) of symbol sequences")
    mi.add_argument("input", help=".npy (1-D or 2-D ints), .npz (ragged 1-D arrays) or UTF-8 text")
    mi.add_argument(
        "--lags", required=True, help="'1,2,5', '1:1000' (inclusive) or 'log:1000:60'"
    )
    mi.add_argument(
        "--estimator",
        default="grassberger",
        choices=("grassberger", "grassberger2003", "plugin", "miller_madow"),
    )
    mi.add_argument("--shuffles", type=_non_negative_int, default=0, help="shuffle baselines")
    mi.add_argument(
        "--shuffle-scope",
        default="global",
        choices=("global", "within"),
        help="permute across all sequences (noise floor) or within each (keeps composition)",
    )
    mi.add_argument("--bootstrap", type=_non_negative_int, default=0, help="bootstrap replicates")
    mi.add_argument(
        "--resampling",
        default="half",
        choices=("half", "replacement"),
        help="half-sample (delete-d jackknife, default) or with-replacement bootstrap",
    )
    mi.add_argument(
        "--replicates-out",
        default=None,
        help="also write the replicate curves (replicate, lag, mi) for `fit --replicates`",
    )
    mi.add_argument("--confidence", type=_confidence, default=0.95)
    mi.add_argument(
        "--block-length",
        type=_positive_int,
        default=None,
        help="bootstrap block length for a single long sequence (default: automatic)",
    )
    mi.add_argument("--seed", type=_non_negative_int, default=0)
    mi.add_argument("--backend", default="numpy", choices=("numpy", "torch", "auto"))
    mi.add_argument("--threads", type=_positive_int, default=1)
    mi.add_argument("--out", required=True, help="output table (.csv or .parquet)")
    _add_labels(mi)
    mi.set_defaults(func=run_mi)

    synth = commands.add_parser("synth", help="generate synthetic sequences")
    kinds = synth.add_subparsers(dest="kind", required=True, metavar="KIND")
    binary = kinds.add_parser(
        "binary", help="binary sequences with I(tau) = A tau^-gamma (Appendix B)"
    )
    binary.add_argument("--n-seq", type=_positive_int, required=True)
    binary.add_argument("--length", type=_positive_int, required=True)
    binary.add_argument("--amplitude", type=_float, required=True, help="A in nats")
    binary.add_argument("--gamma", type=_float, required=True)
    binary.add_argument("--mode", default="exact", choices=("exact", "asymptotic", "literal"))
    binary.add_argument("--seed", type=_non_negative_int, default=0)
    binary.add_argument("--out", required=True, help="output .npy (uint8, one row per sequence)")
    binary.set_defaults(func=run_synth_binary)

    fit = commands.add_parser("fit", help="fit exponential / power-law decay to an I(tau) table")
    fit.add_argument("table", help="table with columns lag, mi (.csv or .parquet)")
    fit.add_argument(
        "--model", default="all", choices=("exponential", "power", "composite", "all")
    )
    fit.add_argument("--min-mi", type=_float, default=0.0, help="use only points with mi > X")
    fit.add_argument("--min-lag", type=_positive_int, default=None)
    fit.add_argument("--max-lag", type=_positive_int, default=None)
    fit.add_argument(
        "--selection",
        default="contiguous",
        choices=("contiguous", "all"),
        help="points up to the first one at or below --min-mi (default), or every point above it",
    )
    fit.add_argument("--confidence", type=_confidence, default=0.95)
    fit.add_argument(
        "--too-few",
        default="raise",
        choices=("raise", "nan"),
        help="a model with too few points above the threshold: error (default) or NaN rows",
    )
    fit.add_argument(
        "--replicates",
        default=None,
        help="replicate curves from `mi --replicates-out`: resampling intervals instead of t",
    )
    fit.add_argument("--out", required=True, help="output table (.csv or .parquet)")
    _add_labels(fit)
    fit.set_defaults(func=run_fit)

    download = commands.add_parser(
        "download", help="fetch and verify a corpus (network or a local mirror)"
    )
    download.add_argument("corpus", help="ptb, wikitext2, wikitext103, text8, gpt2 or gpt2_117m")
    download.add_argument("--dest", required=True, help="folder for the corpus' files")
    download.add_argument("--mirror", default=None,
                          help="local folder or URL base laid out like shared/data "
                               "(default: $MISCALING_MIRROR; none = the canonical URLs)")
    download.add_argument("--retries", type=_non_negative_int, default=3)
    download.add_argument("--hash", type=_hash_pin, action="append", default=[],
                          metavar="NAME=ALG:HEX",
                          help="pin a file's hash (required for files without a published one)")
    download.add_argument("--manifest", default=None,
                          help="where to write the manifest (default: DEST/manifest.json)")
    download.set_defaults(func=run_download)

    prepare = commands.add_parser("prepare", help="turn downloaded text into integer arrays")
    steps = prepare.add_subparsers(dest="kind", required=True, metavar="STEP")
    corpus = steps.add_parser("corpus", help="encode a corpus' splits with one vocabulary")
    corpus.add_argument("manifest", help="manifest.json written by `download` or `split-text8`")
    corpus.add_argument("--level", required=True, choices=("char", "word"))
    corpus.add_argument("--splits", default="train,valid,test",
                        help="comma-separated splits, in vocabulary order (default: %(default)s)")
    corpus.add_argument("--out-dir", required=True, help="receives <split>.npy and vocab.json")
    corpus.set_defaults(func=run_prepare_corpus)
    text8 = steps.add_parser("split-text8", help="consecutive 90/5/5 MB train/valid/test")
    text8.add_argument("manifest", help="manifest.json of the text8 download")
    text8.add_argument("--sizes", type=_sizes, default=(90_000_000, 5_000_000, 5_000_000),
                       help="bytes of train,valid,test (default: 90,000,000,5,000,000,5,000,000)")
    text8.add_argument("--out-dir", required=True, help="receives {train,valid,test}.txt "
                       "and manifest.json")
    text8.set_defaults(func=run_prepare_split_text8)
    gpt2 = steps.add_parser("gpt2", help="GPT-2 samples, one character sequence per sample")
    gpt2.add_argument("manifest", help="manifest.json of the gpt2 (or gpt2_117m) download")
    gpt2.add_argument("--split", default=None,
                      help="which file of the manifest (needed when it lists several)")
    gpt2.add_argument("--out-dir", required=True, help="receives samples.npz and vocab.json")
    gpt2.set_defaults(func=run_prepare_gpt2)

    train = commands.add_parser("train", help="train one sequence model (one restart)")
    train.add_argument("--arch", required=True, choices=("rnn", "lstm", "transformer"))
    train.add_argument("--width", type=_positive_int, required=True)
    train.add_argument("--depth", type=_positive_int, required=True)
    train.add_argument("--train", required=True, help="training sequences (.npy, [N, L] ints)")
    train.add_argument("--valid", required=True, help="validation sequences (.npy)")
    train.add_argument("--data", default="binary", choices=("binary", "char", "word"),
                       help="which of the paper's hyperparameter sets (Appendix E)")
    train.add_argument("--seed", type=_non_negative_int, default=0)
    train.add_argument("--vocab-size", type=_positive_int, default=None,
                       help="default: largest symbol + 1")
    train.add_argument("--embedding-dim", type=_positive_int, default=None,
                       help="RNN/LSTM embedding size (paper: 2 on binary data)")
    train.add_argument("--heads", type=_positive_int, default=None,
                       help="Transformer heads (paper: 4 binary, 8 text)")
    train.add_argument("--max-len", type=_positive_int, default=None,
                       help="Transformer context (default: the sequence length)")
    train.add_argument("--train-sequences", type=_positive_int, default=None,
                       help="use only the first N training sequences")
    train.add_argument("--max-epochs", type=_positive_int, default=None)
    train.add_argument("--patience", type=_positive_int, default=None)
    train.add_argument("--batch-size", type=_positive_int, default=None)
    train.add_argument("--lr", type=_float, default=None)
    train.add_argument("--device", default=None, choices=("auto", "cpu", "cuda"))
    train.add_argument("--threads", type=_positive_int, default=1, help="torch CPU threads")
    train.add_argument("--out-dir", required=True,
                       help="run folder: checkpoint.pt, best.pt, log.csv, result.json (last)")
    train.set_defaults(func=run_train)

    select = commands.add_parser("select", help="pick the restart with the lowest val loss")
    select.add_argument("runs", nargs="+", help="run folders written by `train`")
    select.add_argument("--out", required=True, help="selection (.json)")
    select.set_defaults(func=run_select)

    sample = commands.add_parser("sample", help="unconditional samples from a trained model")
    sample.add_argument("model", help="a `select` .json or a `train` run folder")
    sample.add_argument("--n-sequences", type=_positive_int, required=True)
    sample.add_argument("--length", type=_positive_int, required=True)
    sample.add_argument("--first-symbols", default=None,
                        help="training data whose first-symbol frequencies start each sample "
                             "(default: uniform)")
    sample.add_argument("--batch-size", type=_positive_int, default=500)
    sample.add_argument("--seed", type=_non_negative_int, default=0)
    sample.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    sample.add_argument("--threads", type=_positive_int, default=1)
    sample.add_argument("--out", required=True, help="samples (.npy, [N, L])")
    sample.set_defaults(func=run_sample)

    uniformity = commands.add_parser(
        "uniformity", help="long-range I(tau) against the shuffle baseline (non-uniformity)"
    )
    uniformity.add_argument("table", help="I(tau) table with a baseline (mi --shuffles K)")
    uniformity.add_argument("--replicates", required=True,
                            help="its replicate curves (mi --replicates-out)")
    uniformity.add_argument("--min-lag", type=_positive_int, default=50)
    uniformity.add_argument("--max-lag", type=_positive_int, default=1000)
    uniformity.add_argument("--confidence", type=_confidence, default=0.95)
    uniformity.add_argument("--out", required=True, help="one-row table (.csv or .parquet)")
    _add_labels(uniformity)
    uniformity.set_defaults(func=run_uniformity)

    from miscaling.theory.commands import add_theory_parsers, run_theory

    theory = commands.add_parser("theory", help="analytical checks of the paper's appendices")
    add_theory_parsers(theory)
    theory.set_defaults(func=run_theory)

    from miscaling import model_summary

    summary = commands.add_parser(
        "model-summary", help="per-model xi/gamma/verdict table and the paper's trend checks")
    model_summary.add_parser(summary)
    summary.set_defaults(func=model_summary.run)

    from miscaling.plots import add_figure_parsers

    figure = commands.add_parser("figure", help="assemble one of the paper's figures")
    add_figure_parsers(figure)
    figure.set_defaults(func=run_figure)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    command = " ".join(filter(None, [args.command, getattr(args, "kind", None)]))
    try:
        args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"miscaling {command}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
