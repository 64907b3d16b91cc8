"""The reproduction report: one self-contained HTML page (``results/report.html``).

Data preparation for one template, ``templates/report.html.j2`` (Jinja, autoescaped): sections
in the paper's order, every figure embedded as a base64 PNG with its caption and the sizes
behind its curves (:func:`sizes_note`), captions and notes rendered from Markdown (raw HTML in
them escaped), tables by pandas.  A pure function of the tables, captions and PNG files passed
in, so the tests build a report from synthetic inputs.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import jinja2
import markdown
import pandas as pd
from markdown.extensions.toc import slugify
from markupsafe import Markup
from pandas.io.formats.style import Styler

from miscaling.claims import CLAIM_COLUMNS, STATUSES, summary_line
from miscaling.mi.sizes import describe_amount, format_amount
from miscaling.plan.figures import FIGURES, SECTIONS, Figure
from miscaling.verdicts import Estimate

__all__ = ["FIGURES", "SECTIONS", "Figure", "build_report", "load_captions", "render_markdown",
           "sizes_note"]

#: The page's template (package data of miscaling: workflow/miscaling/templates/).
TEMPLATE = "report.html.j2"
_PAGES = jinja2.Environment(loader=jinja2.PackageLoader("miscaling", "templates"),
                            autoescape=True, undefined=jinja2.StrictUndefined,
                            trim_blocks=True, lstrip_blocks=True)


FIGURE_NAMES = tuple(figure.name for figure in FIGURES)

#: Columns of fig6_uniformity.csv shown in the data section (those present are shown).
UNIFORMITY_COLUMNS = ("corpus", "split", "n_chars", "gamma", "gamma_ci_low", "gamma_ci_high",
                      "excess", "excess_ci_low", "excess_ci_high", "distinguishable")

#: Characters of Appendix F shown (the whole file is beside the report).
APPENDIX_F_CHARS = 3000

# --------------------------------------------------------------------------- text


def render_markdown(text: str, *, inline: bool = False) -> Markup:
    """``text`` as HTML by Python-Markdown.  The captions' reST reads the same (``code``,
    **bold**, *emphasis*); raw HTML in ``text`` is escaped, not passed through; ``#`` headings
    come one level below the report's section headings (h3 and down); ``inline``: the paragraph
    around a one-paragraph text is left off (a caption)."""
    md = markdown.Markdown(extensions=["toc"], extension_configs={"toc": {
        "baselevel": 3, "slugify": lambda value, sep: "notes-" + slugify(value, sep)}})
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    out = md.convert(text)
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[len("<p>"):-len("</p>")]
    return Markup(out)


def load_captions(report_dir: str | Path, config: Mapping | None = None) -> dict[str, str]:
    """Every figure's caption text from ``report_dir`` (workflow/report), by figure name.

    Captions written as Snakemake report templates (Jinja: ``{{ ... }}``, ``{% ... %}``) are
    rendered as Snakemake would, with ``snakemake.wildcards.figure`` and ``snakemake.config``
    (keys missing from ``config`` render empty).  A caption file that does not exist gives an
    empty caption.
    """
    captions = {}
    for figure in FIGURES:
        path = Path(report_dir) / figure.caption
        text = path.read_text() if path.is_file() else ""
        if "{{" in text or "{%" in text:
            snakemake = SimpleNamespace(wildcards=SimpleNamespace(figure=figure.name),
                                        config=dict(config or {}))
            # a config without a key the template reads leaves a blank, not an error
            template = jinja2.Environment(undefined=jinja2.ChainableUndefined).from_string(text)
            text = template.render(snakemake=snakemake)
        captions[figure.name] = " ".join(text.split())
    return captions


# --------------------------------------------------------------------------- tables


def _table(table: pd.DataFrame, table_id: str) -> Markup:
    """``table`` as pandas writes it, every value escaped."""
    return Markup(table.to_html(index=False, table_id=table_id, na_rep="", border=0,
                                escape=True))


#: The claims table's columns on the page (the scale is said once, in the summary line).
SHOWN_CLAIM_COLUMNS = [c for c in CLAIM_COLUMNS if c != "scale"]


def _claims_table(claims: pd.DataFrame) -> Markup:
    """The claims table, escaped, each status cell classed by its status (its colour)."""
    shown = claims[SHOWN_CLAIM_COLUMNS].reset_index(drop=True)
    classes = pd.DataFrame("", index=shown.index, columns=shown.columns)
    classes["status"] = "status " + shown["status"].astype(str).str.replace(" ", "-")
    styler = (Styler(shown, uuid="claims", cell_ids=False).hide(axis="index")
              .format(escape="html", na_rep="").format_index(escape="html", axis=1)
              .set_td_classes(classes))
    return Markup(styler.to_html())


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """A numbers table for a reader: each value with its CI in one cell (``x [lo, hi]``, three
    significant digits) and words for column names."""
    out = {}
    for column in table.columns:
        if column.endswith(("_ci_low", "_ci_high")):
            continue
        values = table[column]
        if f"{column}_ci_low" in table and f"{column}_ci_high" in table:
            values = [Estimate(float(v), float(lo), float(hi)).text() for v, lo, hi in
                      zip(values, table[f"{column}_ci_low"], table[f"{column}_ci_high"])]
            column = f"{column} [95% CI]"
        elif pd.api.types.is_float_dtype(values):
            values = [f"{v:.3g}" if pd.notna(v) else "" for v in values]
        out[column.replace("_", " ")] = list(values)
    return pd.DataFrame(out)


#: The columns that tell the curves of a figure's CSV apart (those present are used), and
#: those that say what a curve is (the first present names it in the sizes note).
CURVE_KEYS = ("panel", "role", "level", "arch", "width", "depth", "sample_set", "corpus",
              "split", "target", "source", "chunk", "gamma")
CURVE_KINDS = ("role", "source", "split")


def sizes_note(table: pd.DataFrame) -> str:
    """What the curves of a figure rest on, from the table behind it (``figN.csv``): per kind
    of curve (its corpus and its role, source or split), the distinct sequences × length,
    read from the I(τ) pair counts (``n_pairs``) or from a model table's ``n_sequences`` /
    ``n_symbols``; empty when the table cannot say."""
    kind = next((c for c in CURVE_KINDS if c in table), None)
    found: dict[str, list[str]] = {}
    if "n_pairs" in table and "lag" in table:
        keys = [c for c in CURVE_KEYS if c in table]
        groups = table.groupby(keys, dropna=False) if keys else [((), table)]
        for _, curve in groups:
            amount = describe_amount(curve)
            name = " ".join(str(curve[c].iloc[0]).replace("_", " ")
                            for c in ("corpus", kind) if c and c in curve) or "curves"
            if amount and amount not in found.setdefault(name, []):
                found[name].append(amount)
    elif {"n_sequences", "n_symbols"} <= set(table.columns):
        for n, symbols in zip(table["n_sequences"].astype(float),
                              table["n_symbols"].astype(float)):
            # a model table keeps only the totals: equal lengths when they divide evenly
            amount = format_amount(n, symbols, equal_lengths=n >= 1 and symbols % n == 0)
            if amount and amount not in found.setdefault("per model", []):
                found["per model"].append(amount)
    parts = [f"{name} {' / '.join(amounts)}" for name, amounts in found.items() if amounts]
    if not parts:
        return ""
    return ("Sequences × length behind the curves (from the I(τ) tables' pair counts): "
            + "; ".join(parts) + ".")


def _measured_on(png: Path, scale: str) -> str:
    """The caption's last line: the run's scale and :func:`sizes_note` of the figure's CSV
    (``figN.csv`` beside ``figN.png``, when there is one)."""
    table_path = Path(png).with_suffix(".csv")
    note = sizes_note(pd.read_csv(table_path)) if table_path.is_file() else ""
    return " ".join(part for part in (f"Scale: {scale}." if scale else "", note) if part)


def _figure(figure: Figure, png: Path, caption: str, scale: str) -> dict:
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    # most captions open with the figure's name already ("Figure 5 of Shen (2019) ...")
    return {"name": figure.name, "title": figure.label, "src": f"data:image/png;base64,{data}",
            "label": not caption.startswith(figure.label),
            "caption": render_markdown(caption, inline=True),
            "measured": _measured_on(png, scale)}


# --------------------------------------------------------------------------- the page


def _calibration_table(calibration: pd.DataFrame) -> Markup:
    """Each decision rule's error rates on simulated cases (``miscaling calibrate``)."""
    from miscaling.calibration import WRONG_CLEAR_GOAL, rule_rates

    rates = rule_rates(calibration)
    return _table(pd.DataFrame({
        "rule": rates["rule"], "scale": rates["scale"], "simulated cases": rates["cases"],
        "worst wrong-clear rate": [f"{v:.1%}" for v in rates["worst_wrong_clear"]],
        "median correct-clear rate": [f"{v:.0%}" for v in rates["median_correct_clear"]],
        f"goal: wrong-clear <= {WRONG_CLEAR_GOAL:.0%}": [
            "met" if v <= WRONG_CLEAR_GOAL else "NOT met" for v in rates["worst_wrong_clear"]],
    }), "calibration")


def build_report(claims: pd.DataFrame, figures: Mapping[str, str | Path],
                 captions: Mapping[str, str], *, formula_differences: str = "",
                 uniformity: pd.DataFrame | None = None, appendix_f: str | None = None,
                 calibration: pd.DataFrame | None = None,
                 title: str = "MI-Scaling: reproduction report") -> str:
    """The report as one HTML string.

    ``claims``: :func:`miscaling.claims.build_claims`'s table (one table row per claim).
    ``figures``: figure name (a :data:`FIGURES` name) -> PNG file; every one is embedded, and
    the figures of :data:`FIGURES` not given are listed as not made in this run.
    ``captions``: figure name -> caption (:func:`load_captions`).  ``formula_differences``:
    Markdown (workflow/report/formula_differences.md).  ``uniformity``: fig6_uniformity.csv;
    ``appendix_f``: the text of appendix_f.txt (its first :data:`APPENDIX_F_CHARS` shown).
    """
    unknown = sorted(set(figures) - set(FIGURE_NAMES))
    if unknown:
        raise ValueError(f"unknown figures {unknown}; expected names among {list(FIGURE_NAMES)}")
    missing_files = [str(path) for path in figures.values() if not Path(path).is_file()]
    if missing_files:
        raise FileNotFoundError(f"figure file(s) {missing_files} do not exist")
    missing_columns = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing_columns:
        raise ValueError(f"claims table lacks the column(s) {missing_columns}")
    scale = ", ".join(sorted({str(s) for s in claims["scale"]}))
    sections = [{
        "key": key, "heading": heading,
        "figures": [_figure(f, Path(figures[f.name]), captions.get(f.name, ""), scale)
                    for f in FIGURES if f.section == key and f.name in figures],
        "missing": ", ".join(f"{f.label} ({f.name})" for f in FIGURES
                             if f.section == key and f.name not in figures),
    } for key, heading in SECTIONS]
    uniformity_table = None
    if uniformity is not None:
        shown = [c for c in UNIFORMITY_COLUMNS if c in uniformity.columns]
        uniformity_table = _table(_readable(uniformity[shown or list(uniformity.columns)]),
                                  "uniformity")
    return _PAGES.get_template(TEMPLATE).render(
        title=title, summary=summary_line(claims), statuses=STATUSES, sections=sections,
        uniformity=uniformity_table, appendix_f=(appendix_f or "")[:APPENDIX_F_CHARS],
        appendix_f_cut=len(appendix_f or "") > APPENDIX_F_CHARS,
        formula_differences=render_markdown(formula_differences)
        if formula_differences.strip() else "",
        claims=_claims_table(claims),
        calibration=None if calibration is None else _calibration_table(calibration))
