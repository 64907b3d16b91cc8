"""The README's results, quoted from a committed snapshot of a run's tables, never typed by hand.

``miscaling snapshot`` copies the tables a reader is quoted from (the claims, the rules' error
rates, the binary and language models' numbers) from a run's ``results/`` into
``docs/snapshot/`` and rewrites the README's marked blocks (``<!-- snapshot:NAME -->`` …
``<!-- /snapshot:NAME -->``) from them; ``tests/test_snapshot.py`` checks that the README holds
exactly those blocks, so a README number that no run produced fails the tests.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from miscaling.io import require_columns
from miscaling.verdicts import STATUSES, Estimate

__all__ = ["BLOCKS", "SNAPSHOT_TABLES", "render_blocks", "take_snapshot", "update_readme"]

#: File in the snapshot folder -> its path under a run's results folder.
SNAPSHOT_TABLES = {
    "claims.csv": "claims.csv",
    "calibration.csv": "calibration.csv",
    "binary_models.csv": "figures/binary_models.csv",
    "binary_restarts.csv": "figures/binary_restarts.csv",
    "text_models.csv": "figures/text_models.csv",
    "fig6_uniformity.csv": "figures/fig6_uniformity.csv",
    "bipartite_growth.csv": "figures/bipartite_growth.csv",
}
META = "snapshot.json"
#: Per rule of the run: its jobs and their summed wall and CPU seconds (Snakemake benchmarks).
STEPS = "steps.csv"
#: How the run-time block groups the rules.
STEP_GROUPS = (("training", ("train_",)), ("sampling", ("sample_",)), ("I(tau)", ("mi_",)),
               ("fits", ("fit_",)))

_BLOCK = re.compile(r"(<!-- snapshot:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /snapshot:"
                    r"(?P=name) -->)", re.S)


def step_times(benchmarks: Path) -> pd.DataFrame:
    """Per rule: jobs, summed wall seconds and CPU seconds of a run's benchmark files
    (``results/benchmarks/<rule>/**.tsv``, one per job)."""
    rows = []
    for folder in sorted(p for p in benchmarks.iterdir() if p.is_dir()) \
            if benchmarks.is_dir() else []:
        files = sorted(folder.rglob("*.tsv"))
        tables = [pd.read_csv(f, sep="\t") for f in files]
        tables = [t for t in tables if len(t)]
        if not tables:
            continue
        rows.append({"rule": folder.name, "jobs": len(tables),
                     "wall_seconds": round(sum(float(t["s"].iloc[-1]) for t in tables), 1),
                     "cpu_seconds": round(sum(float(t["cpu_time"].iloc[-1]) for t in tables
                                              if "cpu_time" in t), 1)})
    return pd.DataFrame(rows, columns=["rule", "jobs", "wall_seconds", "cpu_seconds"])


def take_snapshot(results: str | Path, snapshot: str | Path, *, note: str,
                  wall_seconds: float | None = None, cores: int | None = None) -> list[str]:
    """Copy :data:`SNAPSHOT_TABLES` from ``results`` into ``snapshot`` (those the run made),
    sum its benchmark files per rule into :data:`STEPS` and write ``snapshot.json`` with
    ``note`` (when, which command, which machine) and the run's measured wall time."""
    results, snapshot = Path(results), Path(snapshot)
    if not (results / "claims.csv").is_file():
        raise FileNotFoundError(f"{results / 'claims.csv'} does not exist: is {results} the "
                                f"results folder of a finished run?")
    snapshot.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, relative in SNAPSHOT_TABLES.items():
        source = results / relative
        if source.is_file():
            shutil.copyfile(source, snapshot / name)
            copied.append(name)
        elif (snapshot / name).exists():
            (snapshot / name).unlink()
    step_times(results / "benchmarks").to_csv(snapshot / STEPS, index=False)
    meta = {"note": note, "tables": copied, "wall_seconds": wall_seconds, "cores": cores}
    (snapshot / META).write_text(json.dumps(meta, indent=1) + "\n")
    return copied


def _read(snapshot: Path, name: str) -> pd.DataFrame | None:
    path = snapshot / name
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() else None


def _claims_summary(snapshot: Path) -> str:
    from miscaling.claims import summary_line

    claims = _read(snapshot, "claims.csv")
    note = json.loads((snapshot / META).read_text())["note"]
    lines = [f"**{summary_line(claims)}** ({note}; `docs/snapshot/claims.csv`).", ""]
    for status in STATUSES:
        rows = claims[claims["status"] == status]
        if rows.empty:
            continue
        ids = ", ".join(f"`{i}`" + (f" ×{n}" if n > 1 else "")
                        for i, n in rows.groupby("id", sort=False).size().items())
        lines.append(f"- *{status}* ({len(rows)}): {ids}")
    return "\n".join(lines) + "\n"


def _calibration(snapshot: Path) -> str:
    from miscaling.calibration import WRONG_CLEAR_GOAL, rule_rates

    table = _read(snapshot, "calibration.csv")
    if table is None:
        return "(no calibration table in the snapshot)\n"
    lines = ["| rule | simulated cases | worst wrong-clear | median correct-clear |",
             "|---|---|---|---|"]
    for row in rule_rates(table).itertuples():
        flag = "" if row.worst_wrong_clear <= WRONG_CLEAR_GOAL else " (above the goal)"
        lines.append(f"| `{row.rule}` | {int(row.cases)} | {row.worst_wrong_clear:.1%}{flag} "
                     f"| {row.median_correct_clear:.0%} |")
    return "\n".join(lines) + "\n"


def _models(name: str, keys: list[str],
            decays: dict[str, tuple[str, str]]) -> Callable[[Path], str]:
    """A table's models: ξ and γ with their intervals and the window rule's ``decays``
    (header -> (verdict column, ΔAIC column))."""
    def render(snapshot: Path) -> str:
        table = _read(snapshot, name)
        if table is None:
            return f"(no {name} in the snapshot)\n"
        shown = {h: cols for h, cols in decays.items() if cols[0] in table}
        lines = [f"| {' | '.join(keys)} | xi [95% CI] | gamma [95% CI] | "
                 + " | ".join(shown) + " |", "|" + "---|" * (len(keys) + 2 + len(shown))]
        for _, row in table.iterrows():
            cells = [str(row[k]) for k in keys]
            cells += [Estimate.from_row(row, "xi").text(), Estimate.from_row(row, "gamma").text()]
            cells += [str(row[verdict]) + (f", {float(row[delta]):+.1f}"
                                           if pd.notna(row.get(delta)) else "")
                      for verdict, delta in shown.values()]
            lines.append(f"| {' | '.join(cells)} |")
        return "\n".join(lines) + "\n"
    return render


def _run_time(snapshot: Path) -> str:
    meta = json.loads((snapshot / META).read_text())
    steps = _read(snapshot, STEPS)
    if steps is None or steps.empty:
        return "(no benchmark files in the snapshot)\n"
    wall = meta.get("wall_seconds")
    head = (f"The run took **{int(wall // 60)} min {int(wall % 60)} s** of wall time on "
            f"{meta.get('cores')} cores" if wall is not None else
            "The snapshot does not record the run's wall time")
    groups = []
    left = steps
    for title, prefixes in STEP_GROUPS:
        pick = left["rule"].str.startswith(prefixes)
        groups.append(f"{title} {left.loc[pick, 'wall_seconds'].sum() / 60:.1f}")
        left = left[~pick]
    groups.append(f"everything else {left['wall_seconds'].sum() / 60:.1f}")
    return (f"{head}; its {int(steps['jobs'].sum())} jobs' wall times add up to "
            f"{steps['wall_seconds'].sum() / 60:.1f} min ({', '.join(groups)}; CPU time "
            f"{steps['cpu_seconds'].sum() / 60:.1f} min; `docs/snapshot/{STEPS}`).\n")


def _seed_spread(snapshot: Path) -> str:
    restarts, models = _read(snapshot, "binary_restarts.csv"), _read(snapshot, "binary_models.csv")
    if restarts is None or restarts.empty or models is None or "xi_seed_sd" not in models:
        return "(the snapshot's run sampled one restart per model)\n"
    require_columns(restarts, ["arch", "width", "depth", "xi"], "the snapshot's "
                                                                 "binary_restarts.csv")
    lines = ["| arch | width | depth | xi of each restart | sd / mean |", "|---|---|---|---|---|"]
    for (arch, width, depth), group in restarts.groupby(["arch", "width", "depth"], sort=True):
        xi = group["xi"].to_numpy(float)
        spread = f"{xi.std(ddof=1) / xi.mean():.2f}" if len(xi) > 1 and all(xi > 0) else "–"
        shown = ", ".join(f"{v:.3g}" if v == v else "undetermined" for v in xi)
        lines.append(f"| {arch} | {width} | {depth} | {shown} | {spread} |")
    spread = models.dropna(subset=["xi_seed_sd"]).iloc[0]
    measured = str(spread["xi_seed_sd_measured"]) == "True"
    lines += ["", f"Pooled (root mean square of sd / mean): **{float(spread['xi_seed_sd']):.2f}**"
                  f" over {int(spread['xi_seed_sd_models'])} models"
                  f" ({'measured in this run' if measured else 'not measured: a stand-in'})."]
    return "\n".join(lines) + "\n"


def _corpora(snapshot: Path) -> str:
    table = _read(snapshot, "fig6_uniformity.csv")
    if table is None:
        return "(no corpus in the snapshot's run)\n"
    require_columns(table, ["corpus", "split", "mi_mean", "baseline_mean", "excess", "gamma",
                            "gamma_excess"], "the snapshot's fig6_uniformity.csv")
    lines = ["| corpus | split | mean I | its floor | I - floor [95% CI] | gamma of I [95% CI] "
             "| gamma of I - floor [95% CI] |", "|---|---|---|---|---|---|---|"]
    for _, row in table.iterrows():
        cells = [str(row["corpus"]), str(row["split"]), f"{float(row['mi_mean']):.3g}",
                 f"{float(row['baseline_mean']):.3g}"]
        cells += [Estimate.from_row(row, c).text() for c in ("excess", "gamma", "gamma_excess")]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _bipartite(snapshot: Path) -> str:
    """Per curve at the smallest ratio: β of I ~ L^β by both estimators and the upper slope
    the L²M claims read (vCLUB), each with its interval, beside the model's memory."""
    table = _read(snapshot, "bipartite_growth.csv")
    if table is None:
        return "(no bipartite MI in the snapshot's run)\n"
    keys = ["level", "source", "arch", "width", "depth", "memory_values", "estimator", "ratio"]
    require_columns(table, keys + ["beta", "upper_slope"], "the snapshot's bipartite_growth.csv")
    ratio = float(table["ratio"].min())
    table = table[table["ratio"] == ratio]
    vclub = table[table["estimator"] == "vclub"].set_index(keys[:6])
    direct = table[table["estimator"] == "direct"].set_index(keys[:6])
    lines = ["| level | scored | model | memory | beta, vCLUB [95% CI] | upper slope, vCLUB "
             "[95% CI] | beta, direct [95% CI] |", "|---|---|---|---|---|---|---|"]
    for index, row in vclub.iterrows():
        level, source, arch, width, depth, memory = index
        model = f"{arch} {width}x{depth}" + ("" if source == "samples" else ", the best")
        other = (Estimate.from_row(direct.loc[index], "beta").text()
                 if index in direct.index else "–")
        lines.append(f"| {level} | {'own samples' if source == 'samples' else 'held-out data'} "
                     f"| {model} | {memory} | {Estimate.from_row(row, 'beta').text()} | "
                     f"{Estimate.from_row(row, 'upper_slope').text()} | {other} |")
    lines += ["", f"L = {ratio:g} l; the data rows are scored by the best model of each "
                  f"architecture (`docs/snapshot/bipartite_growth.csv`)."]
    return "\n".join(lines) + "\n"


#: README block name -> how it is rendered from the snapshot folder.
BLOCKS: dict[str, Callable[[Path], str]] = {
    "claims-summary": _claims_summary,
    "calibration": _calibration,
    "run-time": _run_time,
    "seed-spread": _seed_spread,
    "corpora": _corpora,
    "bipartite": _bipartite,
    "binary-models": _models("binary_models.csv", ["arch", "width", "depth"], {
        "decay, every lag (dAIC)": ("verdict_window", "delta_aic_window"),
        "decay, log-spaced lags (dAIC)": ("verdict_window_log", "delta_aic_window_log")}),
    "text-models": _models("text_models.csv", ["level", "arch", "width", "depth"], {
        "decay, lags 10..100 (dAIC)": ("verdict_mid", "delta_aicc_mid"),
        "decay, lags 50..500 (dAIC)": ("verdict_long", "delta_aicc_long")}),
}


def render_blocks(snapshot: str | Path) -> dict[str, str]:
    """Every :data:`BLOCKS` entry rendered from ``snapshot``."""
    snapshot = Path(snapshot)
    if not (snapshot / META).is_file():
        raise FileNotFoundError(f"{snapshot / META} does not exist: take a snapshot first "
                                f"(miscaling snapshot)")
    return {name: render(snapshot) for name, render in BLOCKS.items()}


def update_readme(text: str, blocks: dict[str, str]) -> str:
    """``text`` with every marked block replaced by ``blocks[name]``; a marked block whose
    name is not in ``blocks`` is an error."""
    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in blocks:
            raise ValueError(f"README block 'snapshot:{name}' has no renderer; expected one of "
                             f"{sorted(blocks)}")
        return match.group(1) + blocks[name] + match.group(4)
    return _BLOCK.sub(replace, text)


def readme_blocks(text: str) -> dict[str, str]:
    """The marked blocks of a README, by name."""
    return {m.group("name"): m.group("body") for m in _BLOCK.finditer(text)}
