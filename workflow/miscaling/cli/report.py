"""``miscaling report``: the claims table (results/claims.csv) and the HTML reproduction report
(results/report.html) from the tables and figures a run made (:mod:`miscaling.claims`,
:mod:`miscaling.report`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from miscaling.cli.common import InputError, log, require_suffix


def register(commands) -> None:
    """Add ``report`` to ``commands`` (an argparse subparsers action)."""
    from miscaling.claims import SOURCES

    report = commands.add_parser(
        "report", help="the claims table and the self-contained HTML reproduction report")
    report.add_argument("--claims-table", nargs="+", action="extend", default=[],
                        metavar="SOURCE=PATH",
                        help=f"a claims source and its table; sources: {', '.join(SOURCES)}. "
                             "A source not given, or whose file does not exist, is reported "
                             "as not measured")
    report.add_argument("--figures", nargs="+", action="extend", default=[],
                        help="figure PNGs, named <figure>.png (e.g. fig5.png); figures not "
                             "given are listed as not made in this run")
    report.add_argument("--scale", required=True,
                        help="the run's scale written on every claim (e.g. smoke, quick, paper)")
    report.add_argument("--captions", required=True,
                        help="folder of the figure captions (workflow/report)")
    report.add_argument("--formula-differences",
                        help="Markdown notes on the paper's formulas "
                             "(workflow/report/formula_differences.md)")
    report.add_argument("--uniformity", help="fig6_uniformity.csv: the non-uniformity table")
    report.add_argument("--appendix-f", help="appendix_f.txt: the language models' samples")
    report.add_argument("--config-json", default="{}",
                        help="the run's configuration as JSON (captions that are Snakemake "
                             "report templates read it)")
    report.add_argument("--claims-out", required=True, help="claims table (.csv)")
    report.add_argument("--out", required=True, help="the report (.html)")
    report.set_defaults(func=run_report)


def _claims_tables(items: list[str]) -> dict[str, str]:
    from miscaling.claims import SOURCES

    tables = {}
    for item in items:
        key, sep, path = item.partition("=")
        if not sep or not path:
            raise InputError(f"--claims-table must be SOURCE=PATH, got {item!r}")
        if key not in SOURCES:
            raise InputError(f"--claims-table source {key!r} is not one of {list(SOURCES)}")
        if key in tables:
            raise InputError(f"--claims-table source {key!r} given twice")
        tables[key] = path
    return tables


def _figures(paths: list[str]) -> dict[str, str]:
    from miscaling.report import FIGURE_NAMES

    figures = {}
    for path in paths:
        require_suffix(path, ".png", flag="--figures")
        name = Path(path).stem
        if name not in FIGURE_NAMES:
            raise InputError(f"--figures {path!r}: {name!r} is not a figure of the report; "
                             f"expected one of {list(FIGURE_NAMES)}")
        if not Path(path).is_file():
            raise InputError(f"--figures {path!r} does not exist")
        figures[name] = path
    return figures


def _optional_text(path: str | None, flag: str) -> str | None:
    if path is None:
        return None
    if not Path(path).is_file():
        raise InputError(f"{flag} {path!r} does not exist")
    return Path(path).read_text()


def run_report(args: argparse.Namespace) -> None:
    from miscaling.claims import build_claims, summary_line
    from miscaling.io import atomic_path, read_table, write_table
    from miscaling.report import build_report, load_captions

    require_suffix(args.claims_out, ".csv", flag="--claims-out")
    require_suffix(args.out, ".html", flag="--out")
    try:
        config = json.loads(args.config_json)
    except json.JSONDecodeError as err:
        raise InputError(f"--config-json is not valid JSON: {err}") from None
    if not isinstance(config, dict):
        raise InputError(f"--config-json must be a JSON object, got {type(config).__name__}")
    if not Path(args.captions).is_dir():
        raise InputError(f"--captions {args.captions!r} is not a folder")
    tables, figures = _claims_tables(args.claims_table), _figures(args.figures)
    formulas = _optional_text(args.formula_differences, "--formula-differences") or ""
    appendix_f = _optional_text(args.appendix_f, "--appendix-f")
    uniformity = read_table(args.uniformity) if args.uniformity else None

    claims = build_claims(tables, args.scale)
    page = build_report(claims, figures, load_captions(args.captions, config),
                        formula_differences=formulas, uniformity=uniformity,
                        appendix_f=appendix_f)
    write_table(claims, args.claims_out)
    with atomic_path(args.out) as tmp:
        tmp.write_text(page)
    log.info("%s; report with %d figure(s) -> %s", summary_line(claims), len(figures), args.out)
