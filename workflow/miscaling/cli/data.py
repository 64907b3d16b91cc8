"""``miscaling synth | download | prepare``: the data every measurement starts from."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from miscaling.cli.common import (
    InputError,
    log,
    non_negative_int,
    number,
    positive_int,
    require_suffix,
)


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    synth = commands.add_parser("synth", help="generate synthetic sequences")
    kinds = synth.add_subparsers(dest="kind", required=True, metavar="KIND")
    binary = kinds.add_parser(
        "binary", help="binary sequences with I(tau) = A tau^-gamma (Appendix B)"
    )
    binary.add_argument("--n-seq", type=positive_int, required=True)
    binary.add_argument("--length", type=positive_int, required=True)
    binary.add_argument("--amplitude", type=number, required=True, help="A in nats")
    binary.add_argument("--gamma", type=number, required=True)
    binary.add_argument("--mode", default="exact", choices=("exact", "asymptotic", "literal"))
    binary.add_argument("--seed", type=non_negative_int, default=0)
    binary.add_argument("--out", required=True, help="output .npy (uint8, one row per sequence)")
    binary.set_defaults(func=run_synth_binary)

    download = commands.add_parser(
        "download", help="fetch and verify a corpus (network or a local mirror)"
    )
    download.add_argument("corpus", help="ptb, wikitext2, wikitext103, text8, gpt2 or gpt2_117m")
    download.add_argument("--dest", required=True, help="folder for the corpus' files")
    download.add_argument("--mirror", default=None,
                          help="local folder or URL base laid out as the README's 'Data sets "
                               "and mirrors' shows (default: $MISCALING_MIRROR; none = the "
                               "canonical URLs)")
    download.add_argument("--retries", type=non_negative_int, default=3)
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


def run_synth_binary(args: argparse.Namespace) -> None:
    from miscaling.io import save_array
    from miscaling.synth import binary_power_law_sequences

    require_suffix(args.out, ".npy")
    start = time.perf_counter()
    sequences = binary_power_law_sequences(
        args.n_seq, args.length, args.amplitude, args.gamma, mode=args.mode, seed=args.seed
    )
    log.info("%d x %d binary sequences in %.2f s", *sequences.shape, time.perf_counter() - start)
    save_array(sequences, args.out)


def _hash_pin(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or ":" not in value:
        raise argparse.ArgumentTypeError(f"expected NAME=ALG:HEX (e.g. x.jsonl=sha256:ab12...), "
                                         f"got {text!r}")
    return name, value


def run_download(args: argparse.Namespace) -> None:
    from miscaling.data.manifest import download_corpus
    from miscaling.data.registry import DownloadError

    try:
        _, verified = download_corpus(args.corpus, args.dest, manifest=args.manifest,
                                      mirror=args.mirror, retries=args.retries,
                                      hashes=dict(args.hash))
    except DownloadError as error:
        raise DownloadError(f"{error}\n{without_corpus(args.corpus)}") from error
    log.info("%s: %d verified file(s) in %s", args.corpus, len(verified), Path(args.dest))


def without_corpus(corpus: str) -> str:
    """How a pipeline run goes on without a corpus it cannot have (the way out of a failed
    download)."""
    from miscaling.plan.names import TEXT_CORPORA

    if corpus not in TEXT_CORPORA:
        return (f"The pipeline runs without the {corpus} samples with "
                "--config 'corpora={gpt2: false}' (Figure 3(d) then has no GPT-2 curve).")
    others = ", ".join(name for name in TEXT_CORPORA if name != corpus)
    return (f"The pipeline measures the corpora of the config key corpora.names; to run without "
            f"{corpus}, leave it out, e.g. --config 'corpora={{names: [{others}]}}' (README, "
            "'Data sets and mirrors').")


def _sizes(text: str) -> tuple[int, int, int]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != 3 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected three positive byte counts A,B,C, got {text!r}")
    return sizes


def run_prepare_corpus(args: argparse.Namespace) -> None:
    from miscaling.data.manifest import read_manifest, select_splits
    from miscaling.data.prepare import encode_corpus

    files, manifest = read_manifest(args.manifest)
    splits = select_splits(files, args.splits.split(","), args.manifest)
    summary = encode_corpus(splits, args.level, args.out_dir)
    log.info("%s %s level: vocabulary %d, lengths %s", manifest.get("corpus", "?"), args.level,
             summary["vocab_size"], summary["lengths"])


def run_prepare_split_text8(args: argparse.Namespace) -> None:
    from miscaling.data.manifest import read_manifest, write_manifest
    from miscaling.data.prepare import split_text8

    files, _ = read_manifest(args.manifest)
    if len(files) != 1:
        raise InputError(f"manifest {args.manifest!r} should list the one text8 file, "
                         f"lists {sorted(files)}")
    out_dir = Path(args.out_dir)
    paths = split_text8(next(iter(files.values())), out_dir, args.sizes)
    write_manifest(out_dir, "text8", paths)


def run_prepare_gpt2(args: argparse.Namespace) -> None:
    from miscaling.data.manifest import read_manifest, single_file
    from miscaling.data.prepare import gpt2_samples

    files, _ = read_manifest(args.manifest)
    source = single_file(files, args.split, args.manifest, hint="pick one with --split")
    summary = gpt2_samples(source, args.out_dir)
    log.info("GPT-2 samples: %s", {k: v for k, v in summary.items() if k != "sources"})
