"""``miscaling model-summary``: the per-model table and the paper's trend checks."""

from __future__ import annotations

import argparse

from miscaling.cli.common import positive_int


def register(commands) -> None:
    """Add ``model-summary`` to ``commands`` (an argparse subparsers action)."""
    summary = commands.add_parser(
        "model-summary", help="per-model xi/gamma/verdict table and the paper's trend checks")
    summary.add_argument("--fits", nargs="+", required=True,
                         help="fit tables of the samples, labelled arch, width, depth")
    summary.add_argument("--curves", nargs="+",
                         help="the samples' I(tau) tables, labelled like the fits: adds the "
                              "verdict on log-spaced lags")
    summary.add_argument("--reference", required=True, help="fit table of the training data")
    summary.add_argument("--reference-curve", help="I(tau) table of the training data")
    summary.add_argument("--width", type=positive_int, default=8,
                         help="width of the RNN/LSTM comparison and the largest 'small' width")
    summary.add_argument("--models-out", required=True,
                         help="per-model table (.csv/.parquet), training data as arch 'data'")
    summary.add_argument("--trends-out", required=True, help="checks table (.csv/.parquet)")
    summary.set_defaults(func=run_model_summary)


def run_model_summary(args: argparse.Namespace) -> None:
    from miscaling.io import check_table_suffix, read_table, write_table
    from miscaling.model_summary import TrendSettings, read_tables, summarize

    for path in (args.models_out, args.trends_out):
        check_table_suffix(path)
    models, trends = summarize(
        read_tables(args.fits), read_table(args.reference),
        curves=read_tables(args.curves) if args.curves else None,
        reference_curve=read_table(args.reference_curve) if args.reference_curve else None,
        settings=TrendSettings(width=args.width))
    write_table(models, args.models_out)
    write_table(trends, args.trends_out)
