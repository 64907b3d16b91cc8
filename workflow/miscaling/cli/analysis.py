"""``miscaling mi | fit | uniformity``: measure I(tau) and turn it into numbers."""

from __future__ import annotations

import argparse
import time

from miscaling.cli.common import (
    InputError,
    add_labels,
    confidence,
    fraction,
    log,
    non_negative_int,
    non_negative_number,
    number,
    positive_int,
    with_labels,
)


def register(commands) -> None:
    """Add this family's subcommands to ``commands`` (an argparse subparsers action)."""
    mi = commands.add_parser("mi", help="estimate I(tau) of symbol sequences")
    mi.add_argument("input", help=".npy (1-D or 2-D ints), .npz (ragged 1-D arrays) or UTF-8 text")
    mi.add_argument(
        "--lags", required=True, help="'1,2,5', '1:1000' (inclusive) or 'log:1000:60'"
    )
    mi.add_argument(
        "--max-lag-fraction", type=fraction, default=None, metavar="F",
        help="measure only the lags up to F x the longest sequence's length (0 < F <= 1): for "
             "sample sets whose length is known only when they exist, e.g. Transformer "
             "samples of context + 1 symbols (default: every lag; a lag the data cannot have "
             "is an error)",
    )
    mi.add_argument(
        "--estimator",
        default="grassberger",
        choices=("grassberger", "grassberger2003", "plugin", "miller_madow"),
    )
    mi.add_argument("--shuffles", type=non_negative_int, default=0, help="shuffle baselines")
    mi.add_argument(
        "--shuffle-scope",
        default="global",
        choices=("global", "within"),
        help="permute across all sequences (noise floor) or within each (keeps composition)",
    )
    mi.add_argument(
        "--within-shuffles", type=non_negative_int, default=0, metavar="K",
        help="a second floor beside the global one: K copies shuffled inside each sequence "
             "(keeps each sequence's composition; columns baseline_within, baseline_within_sd)",
    )
    mi.add_argument("--bootstrap", type=non_negative_int, default=0, help="bootstrap replicates")
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
    mi.add_argument("--confidence", type=confidence, default=0.95)
    mi.add_argument(
        "--block-length",
        type=positive_int,
        default=None,
        help="bootstrap block length for a single long sequence (default: automatic)",
    )
    mi.add_argument("--seed", type=non_negative_int, default=0)
    mi.add_argument("--backend", default="numpy", choices=("numpy", "torch", "auto"))
    mi.add_argument("--threads", type=positive_int, default=1)
    mi.add_argument("--out", required=True, help="output table (.csv or .parquet)")
    add_labels(mi)
    mi.set_defaults(func=run_mi)

    fit = commands.add_parser("fit", help="fit exponential / power-law decay to an I(tau) table")
    fit.add_argument("table", help="table with columns lag, mi (.csv or .parquet)")
    fit.add_argument(
        "--model", default="all", choices=("exponential", "power", "composite", "all")
    )
    fit.add_argument("--min-mi", type=number, default=0.0, help="use only points with mi > X")
    fit.add_argument("--min-lag", type=positive_int, default=None)
    fit.add_argument("--max-lag", type=positive_int, default=None)
    fit.add_argument(
        "--selection",
        default="contiguous",
        choices=("contiguous", "all"),
        help="points up to the first one at or below --min-mi (default), or every point above it",
    )
    fit.add_argument(
        "--floor-sds",
        type=non_negative_number,
        default=None,
        help="also require mi > baseline + X * baseline_sd (the table's own shuffle floor); "
        "default: the fixed --min-mi only",
    )
    fit.add_argument("--confidence", type=confidence, default=0.95)
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
    add_labels(fit)
    fit.set_defaults(func=run_fit)

    uniformity = commands.add_parser(
        "uniformity", help="long-range I(tau) against the shuffle baseline (non-uniformity)"
    )
    uniformity.add_argument("table", help="I(tau) table with a baseline (mi --shuffles K)")
    uniformity.add_argument("--replicates", required=True,
                            help="its replicate curves (mi --replicates-out)")
    uniformity.add_argument("--min-lag", type=positive_int, default=50)
    uniformity.add_argument("--max-lag", type=positive_int, default=1000)
    uniformity.add_argument("--confidence", type=confidence, default=0.95)
    uniformity.add_argument("--out", required=True, help="one-row table (.csv or .parquet)")
    add_labels(uniformity)
    uniformity.set_defaults(func=run_uniformity)


def run_mi(args: argparse.Namespace) -> None:
    from miscaling.io import check_table_suffix, load_sequences, write_table
    from miscaling.mi import EstimatorConfig, mutual_information, parse_lags
    from miscaling.mi.sizes import shape_columns

    check_table_suffix(args.out)
    if args.replicates_out is not None:
        check_table_suffix(args.replicates_out)
        if args.bootstrap < 2:
            raise InputError("--replicates-out needs --bootstrap B with B >= 2")
    config = EstimatorConfig(
        estimator=args.estimator,
        shuffles=args.shuffles,
        shuffle_scope=args.shuffle_scope,
        within_shuffles=args.within_shuffles,
        bootstrap=args.bootstrap,
        resampling=args.resampling,
        confidence=args.confidence,
        block_length=args.block_length,
        seed=args.seed,
        backend=args.backend,
    )
    lags = parse_lags(args.lags)
    sequences = load_sequences(args.input)
    if args.max_lag_fraction is not None:
        lags = _lags_within(lags, sequences, args.max_lag_fraction, args.input)
    start = time.perf_counter()
    table, replicates = mutual_information(
        sequences, lags, config=config, threads=args.threads, return_replicates=True
    )
    log.info("I(tau) at %d lags in %.2f s", len(table), time.perf_counter() - start)
    table = table.assign(**shape_columns(sequences))  # what the curve rests on
    if args.replicates_out is not None:
        write_table(with_labels(replicates, args.labels), args.replicates_out)
    write_table(with_labels(table, args.labels), args.out)  # the settings are columns already


def _lags_within(lags, sequences, fraction_: float, source: str):
    """The lags up to ``fraction_`` x the longest sequence's length (at least lag 1 must stay)."""
    longest = max(len(seq) for seq in sequences) if isinstance(sequences, list) \
        else sequences.shape[-1]
    limit = fraction_ * longest
    kept = lags[lags <= limit]
    if kept.size == 0:
        raise InputError(f"{source}: no lag is within --max-lag-fraction {fraction_} of the "
                         f"longest sequence ({longest} symbols)")
    if kept.size < lags.size:
        log.info("%d of %d lags kept: up to %g x %d symbols", kept.size, lags.size, fraction_,
                 longest)
    return kept


def run_fit(args: argparse.Namespace) -> None:
    from miscaling.fit import MODELS, FitConfig, fit_table
    from miscaling.io import check_table_suffix, read_table, require_columns, write_table

    check_table_suffix(args.out)
    config = FitConfig(
        min_mi=args.min_mi,
        min_lag=args.min_lag,
        max_lag=args.max_lag,
        confidence=args.confidence,
        selection=args.selection,
        too_few=args.too_few,
        floor_sds=args.floor_sds,
    )
    table = read_table(args.table)
    require_columns(table, ("lag", "mi"), f"input table {args.table!r}")
    if config.floor_sds is not None:
        require_columns(table, ("baseline", "baseline_sd"),
                        f"input table {args.table!r} (--floor-sds needs its shuffle floor)")
    replicates = None if args.replicates is None else read_table(args.replicates)
    models = MODELS if args.model == "all" else (args.model,)
    fits = fit_table(table, models=models, replicates=replicates, config=config)
    write_table(with_labels(config.as_columns(fits), args.labels), args.out)


def run_uniformity(args: argparse.Namespace) -> None:
    import pandas as pd

    from miscaling.io import check_table_suffix, read_table, write_table
    from miscaling.uniformity import UniformityConfig, long_range_summary

    check_table_suffix(args.out)
    if args.min_lag > args.max_lag:
        raise InputError(f"--min-lag {args.min_lag} exceeds --max-lag {args.max_lag}")
    config = UniformityConfig(min_lag=args.min_lag, max_lag=args.max_lag,
                              confidence=args.confidence)
    row = long_range_summary(read_table(args.table), read_table(args.replicates), config=config)
    write_table(with_labels(config.as_columns(pd.DataFrame([row])), args.labels), args.out)
