"""``miscaling control chunks | size-matched``: the size-matched control of Figure 6.

``chunks`` cuts contiguous, non-overlapping chunks of a training split, each as long as another
split; they are measured like any data set (``miscaling mi``, ``miscaling uniformity``), and
``size-matched`` places each split among its chunks (table, verdicts and figure).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from miscaling.cli.common import (
    InputError,
    add_labels,
    confidence,
    log,
    non_negative_int,
    require_suffix,
)


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    control = commands.add_parser(
        "control", help="size-matched control: training chunks the size of another split")
    steps = control.add_subparsers(dest="kind", required=True, metavar="STEP")

    chunks = steps.add_parser(
        "chunks", help="non-overlapping contiguous chunks of a training split, each as long as "
                       "another split, spread over the text (one per equal stratum)")
    chunks.add_argument("train", help="training split (.npy, 1-D symbol ids)")
    chunks.add_argument("--size-of", required=True,
                        help="the split whose length each chunk takes (.npy, 1-D)")
    chunks.add_argument("--seed", type=non_negative_int, default=0,
                        help="draws each chunk's position in its stratum (default: %(default)s)")
    chunks.add_argument("--out", nargs="+", action="extend", required=True,
                        help="one .npy per chunk, in text order (their number is the number "
                             "of chunks)")
    chunks.add_argument("--manifest", required=True,
                        help="JSON with every chunk's name (file stem), offset and length, the "
                             "inputs, the seed and the labels")
    add_labels(chunks)
    chunks.set_defaults(func=run_chunks)

    matched = steps.add_parser(
        "size-matched", help="each split among its same-size training chunks: table, verdicts "
                             "and figure")
    matched.add_argument("--curves", nargs="+", action="extend", required=True,
                         help="I(tau) tables of the splits, their chunks and (drawn for "
                              "reference) the training split; labels corpus and split (a chunk's "
                              "split label is its name, e.g. train_chunk0_valid)")
    matched.add_argument("--uniformity", nargs="+", action="extend", required=True,
                         help="`miscaling uniformity` tables of the splits and their chunks, "
                              "labelled like the curves")
    matched.add_argument("--manifests", nargs="+", action="extend", default=[],
                         help="`control chunks` manifests: the chunks' offsets in the table")
    matched.add_argument("--confidence", type=confidence, default=0.95,
                         help="level of the chunks' prediction interval (default: %(default)s)")
    matched.add_argument("--out", required=True,
                         help="figure .pdf; beside it .png, .csv (the curves drawn), "
                              "_uniformity.csv (one row per split and chunk) and _summary.csv "
                              "(one row per split and quantity, with the verdict)")
    matched.set_defaults(func=run_size_matched)


def _require_file(path: str, flag: str) -> None:
    if not Path(path).is_file():
        raise InputError(f"{flag} {path!r} does not exist")


def _stream(path: str, flag: str):
    """A 1-D array of non-negative integer ids, memory-mapped (only the chunks are read)."""
    import numpy as np

    require_suffix(path, ".npy", flag=flag)
    _require_file(path, flag)
    array = np.load(path, mmap_mode="r")
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer) or array.size == 0:
        raise InputError(f"{flag} {path!r} must be one non-empty 1-D stream of integer ids, "
                         f"got {array.dtype} of shape {array.shape}")
    return array


def run_chunks(args: argparse.Namespace) -> None:
    import numpy as np

    from miscaling.controls import cut_chunks
    from miscaling.io import atomic_path

    for path in args.out:
        require_suffix(path, ".npy")
    if len(set(map(str, map(Path, args.out)))) != len(args.out):
        raise InputError(f"--out: every chunk needs its own file, got {args.out}")
    require_suffix(args.manifest, ".json", flag="--manifest")
    train = _stream(args.train, "train")
    size = _stream(args.size_of, "--size-of").size
    # raises before anything is written when the chunks do not fit
    pieces = cut_chunks(train, size, len(args.out), args.seed)
    entries = []
    for path, (offset, chunk) in zip(args.out, pieces):
        with atomic_path(path) as tmp:
            np.save(tmp, chunk)
        entries.append({"name": Path(path).stem, "path": str(path), "offset": offset,
                        "length": int(chunk.size)})
    manifest = {"train": args.train, "train_length": int(train.size), "size_of": args.size_of,
                "size": int(size), "seed": args.seed, "labels": dict(args.labels),
                "chunks": entries}
    with atomic_path(args.manifest) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    log.info("%d chunks of %s symbols from %s (%s symbols) at offsets %s", len(entries),
             f"{size:,}", args.train, f"{train.size:,}", [e["offset"] for e in entries])


def _read_all(paths: list[str], flag: str):
    from miscaling.io import read_table

    for path in paths:
        _require_file(path, flag)
    return [read_table(path) for path in paths]


def run_size_matched(args: argparse.Namespace) -> None:
    import pandas as pd

    from miscaling.controls import compare_to_chunks, size_matched_table
    from miscaling.plots import controls
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    for path in args.manifests:
        require_suffix(path, ".json", flag="--manifests")
        _require_file(path, "--manifests")
    manifests = [json.loads(Path(path).read_text()) for path in args.manifests]
    curve_tables = _read_all(args.curves, "--curves")
    uniformity = pd.concat(_read_all(args.uniformity, "--uniformity"), ignore_index=True)
    curves = controls.collect_curves(curve_tables)
    table = size_matched_table(uniformity, pd.concat(curve_tables, ignore_index=True),
                               manifests)
    summary = compare_to_chunks(table, args.confidence)
    save_figure(controls.make_figure(curves, table, summary), args.out, curves,
                {"uniformity": table, "summary": summary})
    for row in summary.itertuples():
        log.info("%s %s %s: %.4g [%.4g, %.4g] vs chunks [%.4g, %.4g] -> %s", row.corpus,
                 row.target, row.quantity, row.value, row.ci_low, row.ci_high, row.chunk_min,
                 row.chunk_max, row.verdict)
