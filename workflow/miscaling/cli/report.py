"""``miscaling report``: the claims table (results/claims.csv) and the HTML reproduction report
(results/report.html) from the tables and figures a run made (:mod:`miscaling.claims`,
:mod:`miscaling.report`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from miscaling.cli.common import InputError, log, non_negative_number, positive_int, require_suffix


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
    report.add_argument("--calibration",
                        help="the decision rules' simulated error rates (miscaling calibrate); "
                             "each claim's row then shows its rule's rates")
    report.add_argument("--claims-out", required=True, help="claims table (.csv)")
    report.add_argument("--out", required=True, help="the report (.html)")
    report.set_defaults(func=run_report)

    calibrate = commands.add_parser(
        "calibrate", help="error rates of the claims' decision rules on simulated cases with a "
                          "known answer, at the noise of this run's I(tau) tables")
    calibrate.add_argument("--curves", nargs="+", action="extend", default=[],
                           help="I(tau) tables whose lags and per-lag noise (interval, floor "
                                "sd) the window rule is simulated with")
    calibrate.add_argument("--windows", nargs="+", default=["1:max", "10:100", "50:500"],
                           metavar="LOW:HIGH",
                           help="lag windows of the window rule ('max': a curve's last lag; "
                                "default: 1:max 10:100 50:500); a window with fewer than 4 "
                                "lags of a curve is left out for it")
    calibrate.add_argument("--log-lags", type=int, default=0, metavar="N",
                           help="also simulate each curve thinned to N log-spaced lags (the "
                                "binary claims' second reading of every window); 0: not")
    calibrate.add_argument("--replicates", type=int, default=200,
                           help="simulated replicates per case (default 200)")
    calibrate.add_argument("--seed", type=int, default=0)
    calibrate.add_argument("--scale", default="",
                           help="the run's scale written on every row (e.g. quick)")
    calibrate.add_argument("--out", required=True, help="calibration table (.csv)")
    calibrate.set_defaults(func=run_calibrate)

    snapshot = commands.add_parser(
        "snapshot", help="copy a finished run's claims and model tables into docs/snapshot and "
                         "rewrite the README's marked result blocks from them")
    snapshot.add_argument("--results", default="results", help="the run's results folder")
    snapshot.add_argument("--snapshot", default="docs/snapshot",
                          help="the committed snapshot folder (default docs/snapshot)")
    snapshot.add_argument("--readme", default="README.md")
    snapshot.add_argument("--note", required=True,
                          help="what run this is, e.g. 'default run, 2 idle cores, 2026-12-04'")
    snapshot.add_argument("--wall-seconds", type=non_negative_number,
                          help="the run's measured wall time (e.g. from /usr/bin/time)")
    snapshot.add_argument("--cores", type=positive_int, help="the cores the run was given")
    snapshot.set_defaults(func=run_snapshot)


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

    calibration = None
    if args.calibration:
        if not Path(args.calibration).is_file():
            raise InputError(f"--calibration {args.calibration!r} does not exist")
        calibration = read_table(args.calibration)
    claims = build_claims(tables, args.scale, calibration=calibration)
    page = build_report(claims, figures, load_captions(args.captions, config),
                        formula_differences=formulas, uniformity=uniformity,
                        appendix_f=appendix_f, calibration=calibration)
    write_table(claims, args.claims_out)
    with atomic_path(args.out) as tmp:
        tmp.write_text(page)
    log.info("%s; report with %d figure(s) -> %s", summary_line(claims), len(figures), args.out)


def _windows(items: list[str]) -> list[tuple[str, str]]:
    windows = []
    for item in items:
        low, sep, high = item.partition(":")
        ok = sep and low.isdigit() and (high.isdigit() or high == "max")
        if not ok or (high != "max" and int(high) <= int(low)) or int(low or 0) < 1:
            raise InputError(f"--windows {item!r} must be LOW:HIGH with 1 <= LOW < HIGH "
                             f"(HIGH may be 'max')")
        windows.append((low, high))
    return windows


def run_calibrate(args: argparse.Namespace) -> None:
    import numpy as np

    from miscaling.calibration import NoiseProfile, calibrate, noise_profile, rule_rates
    from miscaling.io import read_table, write_table
    from miscaling.model_summary import log_spaced

    require_suffix(args.out, ".csv", flag="--out")
    if args.replicates < 10:
        raise InputError(f"--replicates must be >= 10, got {args.replicates}")
    if args.log_lags < 0 or args.log_lags == 1:
        raise InputError(f"--log-lags must be 0 or >= 2, got {args.log_lags}")
    windows = _windows(args.windows)
    profiles, per_profile = [], []
    for path in args.curves:
        if not Path(path).is_file():
            raise InputError(f"--curves {path!r} does not exist")
        name = f"{Path(path).parent.name}/{Path(path).stem}"
        try:
            profile = noise_profile(read_table(path), name)
        except ValueError as err:
            raise InputError(f"--curves {path!r}: {err}") from None
        last = float(profile.lags.max())
        spans = [(float(low), last if high == "max" else float(high)) for low, high in windows]
        profiles.append(profile)
        per_profile.append(spans)
        if args.log_lags:
            keep = np.isin(profile.lags, log_spaced(last, args.log_lags))
            profiles.append(NoiseProfile(f"{name} (log-spaced lags)", profile.lags[keep],
                                         profile.sigma[keep]))
            per_profile.append(spans)
    import pandas as pd

    parts = [calibrate([profile], spans, replicates=args.replicates, seed=args.seed + i,
                       scale=args.scale, others=i == 0)
             for i, (profile, spans) in enumerate(zip(profiles, per_profile))] or \
        [calibrate([], [], replicates=args.replicates, seed=args.seed, scale=args.scale)]
    table = pd.concat(parts, ignore_index=True)
    write_table(table, args.out)
    for row in rule_rates(table).itertuples():
        log.info("%s: wrong-clear <= %.1f%%, correct-clear %.0f%% (median of %d cases)",
                 row.rule, 100 * row.worst_wrong_clear, 100 * row.median_correct_clear,
                 row.cases)


def run_snapshot(args: argparse.Namespace) -> None:
    import shutil
    import tempfile

    from miscaling.io import atomic_path
    from miscaling.snapshot import render_blocks, take_snapshot, update_readme

    if not Path(args.readme).is_file():
        raise InputError(f"--readme {args.readme!r} does not exist")
    with tempfile.TemporaryDirectory() as staging:
        # taken and rendered aside first: a table that cannot be rendered leaves the
        # committed snapshot and the README as they were
        try:
            copied = take_snapshot(args.results, staging, note=args.note,
                                   wall_seconds=args.wall_seconds, cores=args.cores)
        except FileNotFoundError as err:
            raise InputError(str(err)) from None
        text = update_readme(Path(args.readme).read_text(), render_blocks(staging))
        target = Path(args.snapshot)
        target.mkdir(parents=True, exist_ok=True)
        for old in target.iterdir():
            if old.is_file():
                old.unlink()
        for new in Path(staging).iterdir():
            shutil.copyfile(new, target / new.name)
    with atomic_path(args.readme) as tmp:
        tmp.write_text(text)
    log.info("snapshot of %s -> %s; %s rewritten", ", ".join(copied), args.snapshot,
             args.readme)
