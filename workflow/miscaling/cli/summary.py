"""``miscaling model-summary`` / ``text-model-summary``: the per-model table and the paper's
trend checks, for the binary models and for the language models."""

from __future__ import annotations

import argparse

from miscaling.cli.common import non_negative_number, positive_int
from miscaling.recipes import DEPTH_SWEEP_WIDTHS


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
    for level, width in DEPTH_SWEEP_WIDTHS.items():
        text.add_argument(f"--{level}-width", type=positive_int, default=width,
                          help=f"width of the {level}-level depth sweep (default: {width}, "
                               "the paper's)")
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


def _run(args: argparse.Namespace, family, summarize) -> None:
    """Check the output names, read the restarts' fits once, write the models and trends that
    ``summarize(restart_fits)`` makes and the restarts' ξ per model of ``family`` (a
    :class:`~miscaling.summary.Family`; empty without restart fits)."""
    from miscaling.io import check_table_suffix, write_table
    from miscaling.seed_spread import restart_table
    from miscaling.summary import read_tables

    for path in (args.models_out, args.trends_out, args.restarts_out):
        if path is not None:
            check_table_suffix(path)
    restart_fits = read_tables(args.restart_fits) if args.restart_fits else None
    models, trends = summarize(restart_fits)
    write_table(models, args.models_out)
    write_table(trends, args.trends_out)
    if args.restarts_out is not None:
        write_table(restart_table(restart_fits, list(family.keys)), args.restarts_out)


def _tables(paths: str | list[str] | None):
    """The table at a path, the tables at a list of paths stacked, or None."""
    from miscaling.io import read_table
    from miscaling.summary import read_tables

    if not paths:
        return None
    return read_table(paths) if isinstance(paths, str) else read_tables(paths)


def run_model_summary(args: argparse.Namespace) -> None:
    from miscaling.model_summary import TrendSettings, summarize_binary
    from miscaling.summary import BINARY

    _run(args, BINARY, lambda restart_fits: summarize_binary(
        _tables(args.fits), _tables(args.reference), curves=_tables(args.curves),
        reference_curve=_tables(args.reference_curve),
        settings=TrendSettings(width=args.width), restart_fits=restart_fits))


def run_text_model_summary(args: argparse.Namespace) -> None:
    from miscaling.summary import TEXT, stand_in_spread
    from miscaling.text_summary import TextSettings, summarize_text
    from miscaling.trained import read_trained_model

    settings = TextSettings(
        mid_lag_min=args.mid_lags[0], mid_lag_max=args.mid_lags[1],
        long_lag_min=args.long_lags[0], long_lag_max=args.long_lags[1],
        floor_sds=args.floor_sds, char_width=args.char_width, word_width=args.word_width)

    def summarize(restart_fits):
        training = [read_trained_model(level, path) for level, paths in
                    (("char", args.char_training), ("word", args.word_training))
                    for path in paths]
        return summarize_text(
            _tables(args.fits), _tables(args.reference), curves=_tables(args.curves),
            reference_curve=_tables(args.reference_curve),
            references=_tables(args.size_matched_curves),
            reference_fits=_tables(args.size_matched_fits),
            gpt2_fits=_tables(args.gpt2_fits), gpt2_curve=_tables(args.gpt2_curve),
            training=training, settings=settings, restart_fits=restart_fits,
            fallback=stand_in_spread(_tables(args.binary_models)))

    _run(args, TEXT, summarize)


def run_corpus_summary(args: argparse.Namespace) -> None:
    from miscaling.corpus_summary import corpus_trend_checks
    from miscaling.io import check_table_suffix, write_table
    from miscaling.summary import read_tables

    check_table_suffix(args.out)
    write_table(corpus_trend_checks(read_tables(args.curves)), args.out)
