"""``miscaling bipartite``: bipartite MI I(X_{1:ℓ}; Y_{ℓ+1:L}) of sequences under a model (§10)."""

from __future__ import annotations

import argparse
import time

from miscaling.cli.common import (
    InputError,
    add_labels,
    confidence,
    log,
    non_negative_int,
    number,
    positive_int,
    with_labels,
)


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    bip = commands.add_parser(
        "bipartite", help="bipartite MI from a model's log-probabilities (direct and vCLUB)")
    bip.add_argument("model", nargs="+",
                     help="a `select` .json or a `train` run folder: q; several `select` .json: "
                          "the one with the lowest validation loss (the best of a grid)")
    bip.add_argument("--sequences", required=True,
                     help=".npy [N, T], a 1-D .npy stream (cut into windows of the largest L) or "
                          ".npz (one 1-D array per key, each at least L long)")
    bip.add_argument("--first-symbols", required=True,
                     help="training data whose first-symbol frequencies score a block's first "
                          "symbol (as `sample` draws it)")
    bip.add_argument("--block-lengths", required=True,
                     help="ℓ: '8,16,32', '1:64' or 'log:256:8'")
    bip.add_argument("--ratio", type=number, nargs="+", action="extend",
                     help="L / ℓ (> 1, default 2; '--ratio 2 3' or '--ratio 2 --ratio 3'); "
                          "several give one set of rows (and fits) per ratio, "
                          "each within the smallest ratio's longest L (its ℓ with ratio·ℓ ≤ "
                          "that L; L²M: 2 3 4)")
    bip.add_argument("--pairs", type=positive_int, default=1,
                     help="vCLUB: other sequences' x per sequence (shifts 1 … pairs)")
    bip.add_argument("--confidence", type=confidence, default=0.95)
    bip.add_argument("--batch-size", type=positive_int, default=256)
    bip.add_argument("--seed", type=non_negative_int, default=0,
                     help="shuffles the sequences before the vCLUB pairing (and --max-sequences)")
    bip.add_argument("--cut-rows", action="store_true",
                     help="cut every row of a 2-D array into windows of the largest L (a few "
                          "long streams, e.g. an LSTM's samples), not only its start")
    bip.add_argument("--max-sequences", type=positive_int, default=None,
                     help="score at most this many sequences (windows), drawn by --seed")
    bip.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                     help="auto: CUDA when torch sees a GPU (as `sample`)")
    bip.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads")
    bip.add_argument("--out", required=True, help="estimates (.csv or .parquet)")
    bip.add_argument("--positions-out", default=None,
                     help="loss at every position of the sequences (.csv or .parquet)")
    bip.add_argument("--fit-out", default=None,
                     help="power law L^β per estimator and ratio (.csv or .parquet)")
    add_labels(bip)
    bip.set_defaults(func=run_bipartite)

    summary = commands.add_parser(
        "bipartite-summary", help="the bipartite tables stacked, their growth, the L²M claims "
                                  "and their figure")
    summary.add_argument("--tables", nargs="+", action="extend", required=True,
                         help="`miscaling bipartite --out` tables, labelled level, family, "
                              "source")
    summary.add_argument("--positions", nargs="+", action="extend", default=[],
                         help="their `--positions-out` tables, labelled alike")
    summary.add_argument("--margin", type=number, default=None,
                         help="slope of ln I on ln L between saturation and growth (default: "
                              "verdicts.SLOPE_MARGIN)")
    summary.add_argument("--out", required=True,
                         help="results/figures/bipartite.pdf: the figure, .png, .csv (the "
                              "estimates drawn) and _growth.csv, _trends.csv, _positions.csv "
                              "beside it")
    summary.set_defaults(func=run_bipartite_summary)


def _sequences(path: str, length: int, cut_rows: bool = False):
    """[N, length] int64 from ``path``: a 2-D .npy or an .npz of 1-D arrays cut to ``length``
    (a 1-D stream, and with ``cut_rows`` every row, into consecutive windows of ``length``)."""
    import numpy as np

    from miscaling.io import load_sequences

    data = load_sequences(path)
    if isinstance(data, np.ndarray) and data.ndim == 1:  # one stream (a corpus): windows of L
        data = data[:len(data) // length * length].reshape(-1, length)
    rows = list(data)
    longest_row = max((len(row) for row in rows), default=0)
    if cut_rows and rows and longest_row < length:
        raise InputError(f"--sequences {path!r}: its longest row has {longest_row} symbols, "
                         f"fewer than the largest L = {length}: no window to cut")
    if cut_rows:
        rows = [window for row in rows
                for window in np.asarray(row)[:len(row) // length * length].reshape(-1, length)]
    short = [i for i, row in enumerate(rows) if len(row) < length]
    if short:
        raise InputError(f"--sequences {path!r}: sequence {short[0]} has {len(rows[short[0]])} "
                         f"symbols, fewer than the largest L = {length}")
    if len(rows) < 2:
        raise InputError(f"--sequences {path!r}: need at least 2 sequences, got {len(rows)}")
    array = np.stack([np.asarray(row)[:length] for row in rows])
    if not np.issubdtype(array.dtype, np.integer) or array.min() < 0:
        raise InputError(f"--sequences {path!r} must hold non-negative integer symbols")
    return array.astype(np.int64)


def _best_selection(paths: list[str]) -> str:
    """The `select` .json of ``paths`` with the lowest validation loss (``best_val_loss``)."""
    import json

    if len(paths) == 1:
        return paths[0]
    losses = {}
    for path in paths:
        try:
            with open(path) as handle:
                losses[path] = float(json.load(handle)["best_val_loss"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"model {path!r}: several models must each be a `select` .json "
                             f"with best_val_loss ({err})") from None
    return min(paths, key=lambda path: (losses[path], path))


def run_bipartite(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from miscaling.bipartite import bipartite_mi, fit_power, position_loss
    from miscaling.checkpoint import load_best_model
    from miscaling.choices import memory_values
    from miscaling.cli.models import _load_symbols
    from miscaling.device import resolve_device
    from miscaling.io import check_table_suffix, write_table
    from miscaling.mi.lags import parse_lags, ratio_block_lengths, short_ratios
    from miscaling.sample import first_symbol_distribution
    from miscaling.selection import resolve_run_dir

    for flag in ("out", "positions_out", "fit_out"):
        if getattr(args, flag) is not None:
            try:
                check_table_suffix(getattr(args, flag))
            except ValueError as err:
                raise InputError(f"--{flag.replace('_', '-')}: {err}") from None
    args.ratio = args.ratio or [2.0]
    bad = [ratio for ratio in args.ratio if not ratio > 1]
    if bad:
        raise InputError(f"--ratio {bad[0]:g} must be > 1 (L = ratio·ℓ > ℓ)")
    try:
        ells = parse_lags(args.block_lengths)
    except ValueError as err:
        raise InputError(f"--block-lengths: {err}") from None
    # every ratio within the window of the smallest: L = round(min ratio x max l)
    longest, grids = ratio_block_lengths(ells, args.ratio)
    needed, short = short_ratios(grids, len(ells))
    if short:
        raise InputError(f"--ratio {short[0]:g}: only {len(grids[short[0]])} of the block "
                         f"lengths give L = ratio x l <= {longest} (the smallest ratio's longest "
                         f"L); a power-law fit needs {needed}")
    torch.set_num_threads(args.threads)
    run_dir = resolve_run_dir(_best_selection(args.model))
    device = resolve_device(args.device)
    model, _ = load_best_model(run_dir, device=device)
    vocab = model.config["vocab_size"]
    sequences = _sequences(args.sequences, longest, args.cut_rows)
    if sequences.max() >= vocab:
        raise InputError(f"--sequences {args.sequences!r}: symbol {sequences.max()} is not an id "
                         f"of the model's vocabulary 0 … {vocab - 1}")
    limit = model.context_limit
    if limit is not None and longest - 1 > limit:
        raise InputError(f"--block-lengths: L = {longest} needs {longest - 1} positions but the "
                         f"model's max_len is {limit}")
    first = first_symbol_distribution(_load_symbols(args.first_symbols, "--first-symbols"), vocab)
    order = np.random.default_rng(args.seed).permutation(len(sequences))
    sequences = sequences[order][:args.max_sequences]
    if args.pairs >= len(sequences):
        raise InputError(f"--pairs {args.pairs} must be below the number of sequences "
                         f"{len(sequences)}")
    start = time.perf_counter()
    import pandas as pd

    table = pd.concat([bipartite_mi(model, sequences, kept, first, ratio=ratio,
                                    pairs=args.pairs, confidence=args.confidence,
                                    batch_size=args.batch_size, device=device)
                       for ratio, kept in grids.items()], ignore_index=True)
    memory, kind = memory_values(model.config)
    settings = {"model": str(run_dir), "arch": model.config["arch"],
                "width": model.config["width"], "depth": model.config["depth"],
                "memory_values": memory, "memory_kind": kind,
                "sequences": str(args.sequences), "seed": args.seed}
    for key, value in settings.items():
        table[key] = value
    log.info("bipartite MI at %d block lengths x %d ratios of %d sequences in %.1f s",
             len(ells), len(grids), len(sequences), time.perf_counter() - start)
    write_table(with_labels(table, args.labels), args.out)
    if args.fit_out is not None:
        fits = []
        for (name, ratio), rows in table.groupby(["estimator", "ratio"], sort=True):
            fits.append({"estimator": name, "ratio": ratio, **settings,
                         **fit_power(rows["L"], rows["estimate"], rows["ci_low"],
                                     rows["ci_high"], confidence=args.confidence)})
        write_table(with_labels(pd.DataFrame(fits), args.labels), args.fit_out)
    if args.positions_out is not None:
        positions = position_loss(model, sequences[:, :longest], first,
                                  confidence=args.confidence, batch_size=args.batch_size,
                                  device=device)
        for key, value in settings.items():
            positions[key] = value
        write_table(with_labels(positions, args.labels), args.positions_out)


def run_bipartite_summary(args: argparse.Namespace) -> None:
    """The stacked tables, the growth per curve, the claims' trends and the figure."""
    import pandas as pd

    from miscaling.bipartite_summary import collect, growth_table, trend_rows
    from miscaling.io import read_table
    from miscaling.plots.bipartite import make_fig_bipartite
    from miscaling.plots.common import figure_paths, save_figure
    from miscaling.verdicts import SLOPE_MARGIN

    figure_paths(args.out)
    margin = SLOPE_MARGIN if args.margin is None else args.margin
    try:
        estimates = collect([read_table(path) for path in args.tables])
        positions = (pd.concat([read_table(path) for path in args.positions], ignore_index=True)
                     if args.positions else pd.DataFrame(
                         columns=["position", "loss", "level", "source", "arch", "width",
                                  "depth"]))
        growth = growth_table(estimates)
        trends = trend_rows(growth, margin=margin)
    except ValueError as err:
        raise InputError(str(err)) from None
    fig = make_fig_bipartite(estimates, growth, positions, margin=margin)
    save_figure(fig, args.out, estimates,
                {"growth": growth, "trends": trends, "positions": positions})
    log.info("bipartite summary of %d curves from %d tables", len(growth), len(args.tables))
