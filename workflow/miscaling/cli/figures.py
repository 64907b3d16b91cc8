"""``miscaling figure NAME``: assemble one of the paper's figures from the pipeline's tables.

Every figure runs the same way: check the output path, read the input tables, build the tidy
tables the figure draws (which checks their columns), ``make_figure`` them, and write the PDF,
the PNG and the CSV behind it with :func:`miscaling.plots.common.save_figure`.
"""

from __future__ import annotations

import argparse
import functools

from miscaling.cli.common import InputError, number, positive_int
from miscaling.recipes import DEPTH_SWEEP_WIDTHS


def register(commands) -> None:
    """Add ``figure`` and one subcommand per figure to ``commands`` (argparse subparsers)."""
    from miscaling.plan.figures import FIGURES

    figure = commands.add_parser("figure", help="assemble one of the paper's figures")
    figures = figure.add_subparsers(dest="figure", required=True, metavar="FIGURE")
    adders = {"fig4": _add_fig4, "fig5": _add_fig5, "fig6": _add_fig6,
              "theory_linear_rnn": _add_theory_linear_rnn, "theory_ising": _add_theory_ising,
              **{name: functools.partial(_add_text_curves, name=name)
                 for name in ("fig2", "fig3_text")},
              **{name: functools.partial(_add_text_xi, name=name) for name in ("fig8", "fig10")},
              **{entry.name: functools.partial(_add_model_figure, name=entry.name)
                 for entry in FIGURES if entry.made_for == "binary"}}
    runners = {"fig4": run_fig4, "fig5": run_fig5, "fig6": run_fig6,
               "theory_linear_rnn": run_theory_linear_rnn, "theory_ising": run_theory_ising,
               "fig2": run_text_curves, "fig3_text": run_text_curves,
               "fig8": run_text_xi, "fig10": run_text_xi}
    for entry in FIGURES:
        if entry.command == "figure":
            parser = figures.add_parser(entry.name, help=entry.title)
            adders[entry.name](parser)
            parser.set_defaults(func=runners.get(entry.name, run_model_figure))


# --------------------------------------------------------------------------- flags


def _add_out(parser: argparse.ArgumentParser, example: str) -> None:
    parser.add_argument("--out", required=True, help=f"{example} (.png beside it)")


def _add_fig4(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curves", required=True,
                        help="table of `miscaling theory repetitive --out-curves`")
    parser.add_argument("--checks", help="its checks table, copied beside the figure")
    _add_out(parser, "results/figures/fig4.pdf")


def _add_fig5(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--curves", nargs="+", action="extend", required=True,
        help="I(tau) tables of the generated sequences, each with label columns gamma, amplitude",
    )
    parser.add_argument("--fits", nargs="+", action="extend", required=True,
                        help="power-law fit tables, each with label column gamma")
    parser.add_argument("--tolerance", type=number, default=0.03,
                        help="acceptance: |gamma-hat - gamma| <= tolerance (paper scale)")
    _add_out(parser, "results/figures/fig5.pdf")


def _add_fig6(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curves", nargs="+", action="extend", required=True,
                        help="I(tau) tables, each with label columns corpus and split")
    parser.add_argument("--uniformity", nargs="+", action="extend", required=True,
                        help="`miscaling uniformity` tables, each with labels corpus and split")
    _add_out(parser, "results/figures/fig6.pdf")


def _add_inset_lags(parser: argparse.ArgumentParser, default: tuple[int, int]) -> None:
    parser.add_argument("--inset-lags", nargs=2, type=positive_int, default=list(default),
                        metavar=("LOW", "HIGH"),
                        help=f"lags of the semi-log inset of panel (a) (default: {default[0]} "
                             f"{default[1]})")


def _inset_lags(args: argparse.Namespace) -> tuple[int, int] | None:
    """``--inset-lags`` as (low, high), checked; None for a figure without the flag."""
    lags = getattr(args, "inset_lags", None)
    if lags and lags[0] >= lags[1]:
        raise InputError(f"--inset-lags LOW must be < HIGH, got {lags}")
    return tuple(lags) if lags else None


def _add_model_figure(parser: argparse.ArgumentParser, name: str) -> None:
    """Figures 1, 3(a), 7 and 9: the binary models' sample I(tau) and fits."""
    from miscaling.plots.models import INSET_LAGS

    parser.add_argument("--curves", nargs="+", action="extend", required=True,
                        help="I(tau) tables of the samples, labels arch, width, depth")
    parser.add_argument("--fits", nargs="+", action="extend", required=True,
                        help="fit tables of the samples, labels arch, width, depth")
    parser.add_argument("--reference", required=True,
                        help="fit table of the training data (dashed line and band)")
    parser.add_argument("--data-curve", required=True,
                        help="I(tau) table of the training data (binary train): the black "
                             "reference curve, and the data size noted in the legends")
    if name == "fig1":
        _add_inset_lags(parser, INSET_LAGS)
    _add_out(parser, f"results/figures/{name}.pdf")


TEXT_LABELS = "labels corpus, level (char|word), arch, width, depth"


def _add_text_curves(parser: argparse.ArgumentParser, name: str) -> None:
    """Figures 2 and 3(b-d): I(tau) tables of the text samples, references and data."""
    from miscaling.plots.text import INSET_LAGS

    parser.add_argument("--curves", nargs="+", action="extend", required=True,
                        help=f"I(tau) tables of the samples at character level, {TEXT_LABELS}; "
                             "baseline = the sample set's own shuffle floor")
    parser.add_argument("--references", nargs="+", action="extend",
                        help="I(tau) tables of the size-matched data references, labelled "
                             "like the samples they match")
    parser.add_argument("--data-curve", required=True,
                        help="I(tau) table of the training text (wikitext2_char train)")
    if name == "fig3_text":
        parser.add_argument("--gpt2", nargs="+", action="extend",
                            help="I(tau) tables of GPT-2 samples, panel (d) (label model_size "
                                 "names each)")
    else:
        _add_inset_lags(parser, INSET_LAGS)
    _add_out(parser, f"results/figures/{name}.pdf")


def _add_text_xi(parser: argparse.ArgumentParser, name: str) -> None:
    """Figures 8 and 10: xi of the text models against width and depth."""
    parser.add_argument("--fits", nargs="+", action="extend", required=True,
                        help=f"fit tables of the samples, {TEXT_LABELS}")
    parser.add_argument("--reference", required=True,
                        help="fit table of the training text (dashed line and band)")
    parser.add_argument("--curves", nargs="+", action="extend", default=None,
                        help="the samples' I(tau) tables (optional): the figure's table then "
                             "gives the sequences and symbols behind each model")
    for level in ("char", "word"):
        width = DEPTH_SWEEP_WIDTHS[level]
        parser.add_argument(f"--{level}-width", type=positive_int, default=width,
                            help=f"width of the {level}-level depth sweep (default: {width}, "
                                 "the paper's)")
    _add_out(parser, f"results/figures/{name}.pdf")


def _add_theory_linear_rnn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curves", required=True, help="`theory linear-rnn --out-curves` table")
    parser.add_argument("--poles", required=True, help="`theory linear-rnn --out-poles` table")
    parser.add_argument("--checks", required=True, help="`theory linear-rnn --out-checks` table")
    _add_out(parser, "results/figures/theory_linear_rnn.pdf")


def _add_theory_ising(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mi", required=True, help="`theory ising --out-mi` table")
    parser.add_argument("--tv", required=True, help="`theory ising --out-tv` table")
    parser.add_argument("--checks", required=True, help="`theory ising --out-checks` table")
    _add_out(parser, "results/figures/theory_ising.pdf")


# --------------------------------------------------------------------------- runs


def _read_all(paths: list[str]) -> list:
    from miscaling.io import read_table

    return [read_table(path) for path in paths]


def run_fig4(args: argparse.Namespace) -> None:
    from miscaling.io import read_table
    from miscaling.plots import fig4
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    curves = read_table(args.curves)
    checks = read_table(args.checks) if args.checks else None
    summary = fig4.summarize(curves)
    fig = fig4.make_figure(curves, summary)
    save_figure(fig, args.out, summary, {} if checks is None else {"checks": checks})


def run_fig5(args: argparse.Namespace) -> None:
    from miscaling.plots import fig5
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    curves = fig5.collect_curves(_read_all(args.curves))
    gamma_fits = fig5.collect_gamma_fits(_read_all(args.fits), args.tolerance)
    save_figure(fig5.make_figure(curves, gamma_fits), args.out, curves, {"gamma": gamma_fits})


def run_fig6(args: argparse.Namespace) -> None:
    from miscaling.plots import fig6
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    curves = fig6.collect_curves(_read_all(args.curves))
    uniformity = fig6.collect_uniformity(_read_all(args.uniformity))
    save_figure(fig6.make_figure(curves), args.out, curves, {"uniformity": uniformity})


def run_model_figure(args: argparse.Namespace) -> None:
    """Figures 1, 3, 7 and 9 (``args.figure``): the binary models' samples."""
    from miscaling.io import read_table
    from miscaling.model_summary import reference_xi
    from miscaling.plots import models
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    inset = _inset_lags(args)
    curves = models.collect_curves(_read_all(args.curves))
    table = models.collect_fits(_read_all(args.fits))
    reference = reference_xi(read_table(args.reference))
    data = models.data_curve(read_table(args.data_curve))
    fig = models.make_figure(args.figure, curves, table, reference, data, inset=inset)
    save_figure(fig, args.out, models.drawn_points(args.figure, curves, table, data))


def run_text_curves(args: argparse.Namespace) -> None:
    """Figures 2 and 3(b-d) (``args.figure``): the text models' sample curves."""
    from miscaling.io import read_table
    from miscaling.plots import text
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    inset = _inset_lags(args)
    curves = text.collect_curves(_read_all(args.curves))
    references = text.collect_references(_read_all(args.references)) if args.references \
        else None
    data = text.data_curve(read_table(args.data_curve))
    gpt2 = text.collect_gpt2(_read_all(args.gpt2)) if getattr(args, "gpt2", None) else None
    fig = text.make_curve_figure(args.figure, curves, references, data, gpt2, inset=inset)
    save_figure(fig, args.out, text.drawn_curves(args.figure, curves, references, data, gpt2))


def run_text_xi(args: argparse.Namespace) -> None:
    """Figures 8 and 10 (``args.figure``): the text models' xi vs width and depth."""
    from miscaling.io import read_table
    from miscaling.model_summary import reference_xi
    from miscaling.plots import text
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    table = text.collect_fits(_read_all(args.fits))
    reference = reference_xi(read_table(args.reference))
    widths = {"char_width": args.char_width, "word_width": args.word_width}
    fig = text.make_xi_figure(args.figure, table, reference, **widths)
    curves = text.collect_curves(_read_all(args.curves)) if args.curves else None
    save_figure(fig, args.out, text.drawn_xi(args.figure, table, curves=curves, **widths))


def run_theory_linear_rnn(args: argparse.Namespace) -> None:
    from miscaling.io import read_table
    from miscaling.plots import theory
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    curves, poles, checks = (read_table(p) for p in (args.curves, args.poles, args.checks))
    theory.check_linear_rnn_tables(curves, poles, checks)
    rates = theory.decay_rates(checks)
    fig = theory.make_linear_rnn_figure(curves, poles, rates)
    save_figure(fig, args.out, rates, {"checks": checks})


def run_theory_ising(args: argparse.Namespace) -> None:
    from miscaling.io import read_table
    from miscaling.plots import theory
    from miscaling.plots.common import figure_paths, save_figure

    figure_paths(args.out)
    mi, tv, checks = (read_table(p) for p in (args.mi, args.tv, args.checks))
    theory.check_ising_tables(mi, tv)
    save_figure(theory.make_ising_figure(mi, tv), args.out, mi, {"checks": checks})
