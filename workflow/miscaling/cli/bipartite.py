"""``miscaling bipartite``: bipartite MI I(X_{1:ℓ}; Y_{ℓ+1:L}) of sequences under a model (§10)."""

from __future__ import annotations

import argparse
import time

from miscaling.cli.common import (
    InputError,
    confidence,
    log,
    non_negative_int,
    number,
    positive_int,
)


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    bip = commands.add_parser(
        "bipartite", help="bipartite MI from a model's log-probabilities (direct and vCLUB)")
    bip.add_argument("model", help="a `select` .json or a `train` run folder: q")
    bip.add_argument("--sequences", required=True,
                     help=".npy [N, T], a 1-D .npy stream (cut into windows of the largest L) or "
                          ".npz (one 1-D array per key, each at least L long)")
    bip.add_argument("--first-symbols", required=True,
                     help="training data whose first-symbol frequencies score a block's first "
                          "symbol (as `sample` draws it)")
    bip.add_argument("--block-lengths", required=True,
                     help="ℓ: '8,16,32', '1:64' or 'log:256:8'")
    bip.add_argument("--ratio", type=number, default=2.0, help="L / ℓ (> 1)")
    bip.add_argument("--pairs", type=positive_int, default=1,
                     help="vCLUB: other sequences' x per sequence (shifts 1 … pairs)")
    bip.add_argument("--confidence", type=confidence, default=0.95)
    bip.add_argument("--batch-size", type=positive_int, default=256)
    bip.add_argument("--seed", type=non_negative_int, default=0,
                     help="shuffles the sequences before the vCLUB pairing")
    bip.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    bip.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads")
    bip.add_argument("--out", required=True, help="estimates (.csv or .parquet)")
    bip.add_argument("--positions-out", default=None,
                     help="loss at every position of the sequences (.csv or .parquet)")
    bip.add_argument("--fit-out", default=None,
                     help="power law L^β per estimator (.csv or .parquet)")
    bip.set_defaults(func=run_bipartite)


def _sequences(path: str, length: int):
    """[N, length] int64 from ``path``: a 2-D .npy or an .npz of 1-D arrays cut to ``length``."""
    import numpy as np

    from miscaling.io import load_sequences

    data = load_sequences(path)
    if isinstance(data, np.ndarray) and data.ndim == 1:  # one stream (a corpus): windows of L
        data = data[:len(data) // length * length].reshape(-1, length)
    rows = list(data)
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


def run_bipartite(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from miscaling.bipartite import bipartite_mi, fit_power, position_loss
    from miscaling.checkpoint import load_best_model
    from miscaling.cli.models import _load_symbols
    from miscaling.device import resolve_device
    from miscaling.io import check_table_suffix, write_table
    from miscaling.mi.lags import parse_lags
    from miscaling.sample import first_symbol_distribution
    from miscaling.selection import resolve_run_dir

    for flag in ("out", "positions_out", "fit_out"):
        if getattr(args, flag) is not None:
            try:
                check_table_suffix(getattr(args, flag))
            except ValueError as err:
                raise InputError(f"--{flag.replace('_', '-')}: {err}") from None
    if not args.ratio > 1:
        raise InputError(f"--ratio {args.ratio} must be > 1 (L = ratio·ℓ > ℓ)")
    try:
        ells = parse_lags(args.block_lengths)
    except ValueError as err:
        raise InputError(f"--block-lengths: {err}") from None
    longest = int(round(args.ratio * ells.max()))
    torch.set_num_threads(args.threads)
    run_dir = resolve_run_dir(args.model)
    device = resolve_device(args.device)
    model, _ = load_best_model(run_dir, device=device)
    vocab = model.config["vocab_size"]
    sequences = _sequences(args.sequences, longest)
    if sequences.max() >= vocab:
        raise InputError(f"--sequences {args.sequences!r}: symbol {sequences.max()} is not an id "
                         f"of the model's vocabulary 0 … {vocab - 1}")
    if args.pairs >= len(sequences):
        raise InputError(f"--pairs {args.pairs} must be below the number of sequences "
                         f"{len(sequences)}")
    limit = model.context_limit
    if limit is not None and longest - 1 > limit:
        raise InputError(f"--block-lengths: L = {longest} needs {longest - 1} positions but the "
                         f"model's max_len is {limit}")
    first = first_symbol_distribution(_load_symbols(args.first_symbols, "--first-symbols"), vocab)
    order = np.random.default_rng(args.seed).permutation(len(sequences))
    sequences = sequences[order]
    start = time.perf_counter()
    table = bipartite_mi(model, sequences, ells, first, ratio=args.ratio, pairs=args.pairs,
                         confidence=args.confidence, batch_size=args.batch_size,
                         device=device)
    settings = {"model": str(run_dir), "sequences": str(args.sequences), "seed": args.seed}
    for key, value in settings.items():
        table[key] = value
    log.info("bipartite MI at %d block lengths of %d sequences in %.1f s", len(ells),
             len(sequences), time.perf_counter() - start)
    write_table(table, args.out)
    if args.fit_out is not None:
        fits = []
        for name, rows in table.groupby("estimator", sort=True):
            fits.append({"estimator": name, "ratio": args.ratio, **settings,
                         **fit_power(rows["L"], rows["estimate"], rows["ci_low"],
                                     rows["ci_high"], confidence=args.confidence)})
        import pandas as pd

        write_table(pd.DataFrame(fits), args.fit_out)
    if args.positions_out is not None:
        positions = position_loss(model, sequences[:, :longest], first,
                                  confidence=args.confidence, batch_size=args.batch_size,
                         device=device)
        for key, value in settings.items():
            positions[key] = value
        write_table(positions, args.positions_out)
