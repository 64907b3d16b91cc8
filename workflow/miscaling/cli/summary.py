"""``miscaling model-summary`` / ``text-model-summary``: the per-model table and the paper's
trend checks, for the binary models and for the language models."""

from __future__ import annotations

import argparse

from miscaling.cli.common import non_negative_number, positive_int


def register(commands) -> None:
    """Add ``model-summary`` to ``commands`` (an argparse subparsers action)."""
    summary = commands.add_parser(
        "model-summary", help="per-model xi/gamma/verdict table and the paper's trend checks")
    summary.add_argument("--fits", nargs="+", action="extend", required=True,
                         help="fit tables of the samples, labelled arch, width, depth")
    summary.add_argument("--curves", nargs="+", action="extend",
                         help="the samples' I(tau) tables, labelled like the fits: adds the "
                              "verdict on log-spaced lags")
    summary.add_argument("--reference", required=True, help="fit table of the training data")
    summary.add_argument("--reference-curve", help="I(tau) table of the training data")
    summary.add_argument("--width", type=positive_int, default=8,
                         help="width of the RNN/LSTM comparison and the largest 'small' width")
    _add_restart_flags(summary, "arch, width, depth")
    summary.add_argument("--models-out", required=True,
                         help="per-model table (.csv/.parquet), training data as arch 'data'")
    summary.add_argument("--trends-out", required=True, help="checks table (.csv/.parquet)")
    summary.set_defaults(func=run_model_summary)
    _register_text(commands)
    corpus = commands.add_parser(
        "corpus-summary", help="the paper's claims about the corpora (a power law in every "
                               "training set), from their splits' I(tau)")
    corpus.add_argument("--curves", nargs="+", action="extend", required=True,
                        help="the corpora's I(tau) tables, labelled corpus and split")
    corpus.add_argument("--out", required=True, help="claims table (.csv/.parquet)")
    corpus.set_defaults(func=run_corpus_summary)


def _register_text(commands) -> None:
    text = commands.add_parser(
        "text-model-summary",
        help="the language models' xi/gamma/verdict/loss table and the paper's claims")
    labels = "labelled corpus, level (char|word), arch, width, depth"
    text.add_argument("--fits", nargs="+", action="extend", required=True,
                      help=f"fit tables of the samples, {labels}")
    text.add_argument("--curves", nargs="+", action="extend",
                      help="the samples' I(tau) tables, labelled like the fits: adds the window "
                           "verdicts, mid-range MI, distance to the data, log-spaced-lag verdict")
    text.add_argument("--reference", required=True, help="fit table of the training text")
    text.add_argument("--reference-curve", help="I(tau) table of the training text")
    text.add_argument("--size-matched-curves", nargs="+", action="extend",
                      help="I(tau) tables of the size-matched references (labels of the samples "
                           "+ reference=size_matched); default: distances to --reference-curve")
    text.add_argument("--size-matched-fits", nargs="+", action="extend",
                      help="their fit tables: adds reference_xi* to each model")
    text.add_argument("--gpt2-fits", help="fit table of the GPT-2 samples (row arch 'gpt2')")
    text.add_argument("--gpt2-curve", help="I(tau) table of the GPT-2 samples")
    text.add_argument("--char-training", nargs="+", action="extend", default=[],
                      metavar="SELECTION",
                      help="selection.json (or run folder) of each character-level model")
    text.add_argument("--word-training", nargs="+", action="extend", default=[],
                      metavar="SELECTION",
                      help="selection.json (or run folder) of each word-level model")
    text.add_argument("--mid-lags", nargs=2, type=positive_int, default=[10, 100],
                      metavar=("LOW", "HIGH"), help="intermediate window (default: 10 100)")
    text.add_argument("--long-lags", nargs=2, type=positive_int, default=[50, 500],
                      metavar=("LOW", "HIGH"), help="long range of the algebraic-tail "
                                                    "verdicts (default: 50 500)")
    text.add_argument("--floor-sds", type=non_negative_number, default=2.0,
                      help="window fits use lags where I - floor > this many floor sd "
                           "(default: 2)")
    text.add_argument("--char-width", type=positive_int, default=128,
                      help="width of the character-level depth sweep (default: 128)")
    text.add_argument("--word-width", type=positive_int, default=512,
                      help="width of the word-level depth sweep (default: 512)")
    _add_restart_flags(text, "corpus, level, arch, width, depth")
    text.add_argument("--binary-models", metavar="TABLE",
                      help="binary_models table of this run: its measured seed spread stands in "
                           "for a level whose restarts were not sampled")
    text.add_argument("--models-out", required=True,
                      help="text_models table (.csv/.parquet); training text as arch 'data'")
    text.add_argument("--trends-out", required=True, help="text_trends table (.csv/.parquet)")
    text.set_defaults(func=run_text_model_summary)


def _add_restart_flags(parser: argparse.ArgumentParser, labels: str) -> None:
    parser.add_argument("--restart-fits", nargs="+", action="extend",
                        help=f"fit tables of every restart's samples, labelled {labels}, "
                             f"restart: their pooled spread widens the models' xi")
    parser.add_argument("--restarts-out",
                        help="per model and restart: xi with its interval (.csv/.parquet; "
                             "empty without --restart-fits)")


def _check_restarts(args: argparse.Namespace) -> None:
    from miscaling.io import check_table_suffix

    if args.restarts_out is not None:
        check_table_suffix(args.restarts_out)


def _restart_fits(args: argparse.Namespace):
    from miscaling.model_summary import read_tables

    return read_tables(args.restart_fits) if args.restart_fits else None


def _write_restarts(path: str | None, fits, keys: list[str]) -> None:
    """Per model and restart its ξ (``fits``: the restarts' fit tables, read once; None: no
    model sampled more than one restart, and the table is empty)."""
    import pandas as pd

    from miscaling.io import write_table
    from miscaling.seed_spread import RESTART_COLUMNS, restart_xi

    if path is None:
        return
    if fits is None:
        write_table(pd.DataFrame(columns=[*keys, *RESTART_COLUMNS]), path)
        return
    write_table(restart_xi(fits, [k for k in ("corpus", *keys) if k in fits]), path)


def run_model_summary(args: argparse.Namespace) -> None:
    from miscaling.io import check_table_suffix, read_table, write_table
    from miscaling.model_summary import MODEL_KEYS, TrendSettings, read_tables, summarize

    for path in (args.models_out, args.trends_out):
        check_table_suffix(path)
    _check_restarts(args)
    restart_fits = _restart_fits(args)
    models, trends = summarize(
        read_tables(args.fits), read_table(args.reference),
        curves=read_tables(args.curves) if args.curves else None,
        reference_curve=read_table(args.reference_curve) if args.reference_curve else None,
        settings=TrendSettings(width=args.width),
        restart_fits=restart_fits)
    write_table(models, args.models_out)
    write_table(trends, args.trends_out)
    _write_restarts(args.restarts_out, restart_fits, MODEL_KEYS)


def run_text_model_summary(args: argparse.Namespace) -> None:
    import pandas as pd

    from miscaling.io import check_table_suffix, read_table, write_table
    from miscaling.model_summary import TEXT_KEYS, read_tables, stand_in_spread
    from miscaling.text_summary import TextSettings, summarize_text, training_from_selection

    for path in (args.models_out, args.trends_out):
        check_table_suffix(path)
    _check_restarts(args)
    restart_fits = _restart_fits(args)
    settings = TextSettings(
        mid_lag_min=args.mid_lags[0], mid_lag_max=args.mid_lags[1],
        long_lag_min=args.long_lags[0], long_lag_max=args.long_lags[1],
        floor_sds=args.floor_sds, char_width=args.char_width, word_width=args.word_width)
    runs = [training_from_selection(level, path)
            for level, paths in (("char", args.char_training), ("word", args.word_training))
            for path in paths]

    def optional(path):
        return read_table(path) if path else None

    models, trends = summarize_text(
        read_tables(args.fits), read_table(args.reference),
        curves=read_tables(args.curves) if args.curves else None,
        reference_curve=optional(args.reference_curve),
        references=read_tables(args.size_matched_curves) if args.size_matched_curves else None,
        reference_fits=read_tables(args.size_matched_fits) if args.size_matched_fits else None,
        gpt2_fits=optional(args.gpt2_fits), gpt2_curve=optional(args.gpt2_curve),
        training=pd.DataFrame(runs) if runs else None, settings=settings,
        restart_fits=restart_fits,
        fallback=stand_in_spread(optional(args.binary_models)))
    write_table(models, args.models_out)
    write_table(trends, args.trends_out)
    _write_restarts(args.restarts_out, restart_fits, TEXT_KEYS)


def run_corpus_summary(args: argparse.Namespace) -> None:
    from miscaling.corpus_summary import corpus_trend_checks
    from miscaling.io import check_table_suffix, write_table
    from miscaling.model_summary import read_tables

    check_table_suffix(args.out)
    write_table(corpus_trend_checks(read_tables(args.curves)), args.out)
