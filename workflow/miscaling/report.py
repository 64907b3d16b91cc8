"""The reproduction report: one self-contained HTML page (``results/report.html``).

Sections in the paper's order — data (Figure 6, the non-uniformity table, the size-matched
control), the estimator (Figure 5), theory (Figure 4, linear RNN, Ising), binary models
(Figures 1, 3(a), 7, 9), language models (Figures 2, 3(b-d), 8, 10, an Appendix F excerpt),
the formula differences found, and the claims table of :mod:`miscaling.claims`.

Figures are embedded as base64 PNGs, so the page is one file that opens anywhere (mail it,
move it, attach it to an issue) without the results directory beside it.  Figures the run did
not make are listed as such; nothing is drawn here.  Every caption ends with the run's
scale and the sequences × length behind its curves, read from the table drawn beside the
figure (:func:`sizes_note`).  Everything is a pure function of the
tables, captions and PNG files passed in, so the tests build a report from synthetic inputs.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from miscaling.claims import CLAIM_COLUMNS, STATUSES, summary_line
from miscaling.mi.sizes import describe_amount, format_amount
from miscaling.verdicts import Estimate

__all__ = ["FIGURES", "SECTIONS", "Figure", "build_report", "load_captions", "markdown_to_html"]


@dataclass(frozen=True)
class Figure:
    """A figure the pipeline can make: its file stem, the report section and caption file."""

    name: str
    section: str
    title: str
    caption: str  # file name under workflow/report/


#: (key, heading) of the report's sections, in the paper's order.
SECTIONS = (
    ("data", "Data: Figure 6, the non-uniformity of the splits and its size-matched control"),
    ("estimator", "The estimator: Figure 5"),
    ("theory", "Theory: Figure 4, linear RNNs, the Ising chain"),
    ("binary", "Binary sequence models: Figures 1, 3(a), 7, 9"),
    ("language", "Language models: Figures 2, 3(b-d), 8, 10, Appendix F"),
)

#: Every figure the pipeline can make, in the paper's order within each section.
FIGURES = (
    Figure("fig6", "data", "Figure 6", "fig6.rst"),
    Figure("size_matched_control", "data", "Size-matched control", "size_matched_control.rst"),
    Figure("fig5", "estimator", "Figure 5", "fig5.rst"),
    Figure("fig4", "theory", "Figure 4", "fig4.rst"),
    Figure("theory_linear_rnn", "theory", "Linear RNNs", "theory_linear_rnn.rst"),
    Figure("theory_ising", "theory", "Ising chain", "theory_ising.rst"),
    Figure("fig1", "binary", "Figure 1", "models.rst"),
    Figure("fig3", "binary", "Figure 3(a)", "models.rst"),
    Figure("fig7", "binary", "Figure 7", "models.rst"),
    Figure("fig9", "binary", "Figure 9", "models.rst"),
    Figure("fig2", "language", "Figure 2", "text_models.rst"),
    Figure("fig3_text", "language", "Figure 3(b-d)", "text_models.rst"),
    Figure("fig8", "language", "Figure 8", "text_xi.rst"),
    Figure("fig10", "language", "Figure 10", "text_xi.rst"),
)
FIGURE_NAMES = tuple(figure.name for figure in FIGURES)

#: Columns of fig6_uniformity.csv shown in the data section (those present are shown).
UNIFORMITY_COLUMNS = ("corpus", "split", "n_chars", "gamma", "gamma_ci_low", "gamma_ci_high",
                      "excess", "excess_ci_low", "excess_ci_high", "distinguishable")

#: Characters of Appendix F shown (the whole file is beside the report).
APPENDIX_F_CHARS = 3000

_STYLE = """
body { font-family: sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #222; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9rem; color: #444; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr.holds td.status { background: #d9f2d9; } tr.does-not-hold td.status { background: #f8d7d7; }
tr.inconclusive td.status { background: #fff2cc; } tr.not-measured td.status { background: #eee; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: 0.6rem; font-size: 0.85rem; }
.summary { font-weight: bold; }
"""


# --------------------------------------------------------------------------- text


def _inline(text: str) -> str:
    """Escape ``text`` and turn ``code``/`code` and **bold** into HTML."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"``(.+?)``|`(.+?)`", lambda m: f"<code>{m.group(1) or m.group(2)}</code>",
                     escaped)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def markdown_to_html(text: str) -> str:
    """The small Markdown subset of workflow/report/*.md: ``#`` headings (shown one level
    below the report's section headings), paragraphs, ``- `` lists, **bold**, `code`."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        heading = re.match(r"(#+)\s+(.*)", lines[0])
        if heading and len(lines) == 1:
            level = min(len(heading.group(1)) + 2, 6)
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif all(line.startswith(("- ", "  ")) for line in lines):
            items = re.split(r"\n- ", "\n" + "\n".join(lines))[1:]
            blocks.append("<ul>" + "".join(f"<li>{_inline(' '.join(i.split()))}</li>"
                                           for i in items) + "</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(block.split()))}</p>")
    return "\n".join(blocks)


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
            import jinja2

            snakemake = SimpleNamespace(wildcards=SimpleNamespace(figure=figure.name),
                                        config=dict(config or {}))
            # a config without a key the template reads leaves a blank, not an error
            template = jinja2.Environment(undefined=jinja2.ChainableUndefined).from_string(text)
            text = template.render(snakemake=snakemake)
        captions[figure.name] = " ".join(text.split())
    return captions


# --------------------------------------------------------------------------- HTML pieces


def _table(table: pd.DataFrame, row_class: str | None = None, table_id: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = []
    for _, row in table.iterrows():
        cls = f' class="{row[row_class].replace(" ", "-")}"' if row_class else ""
        cells = "".join(
            f'<td class="{html.escape(str(c))}">{html.escape(_cell(row[c]))}</td>'
            for c in table.columns)
        body.append(f"<tr{cls}>{cells}</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return (f"<table{ident}><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


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


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


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


def _figure(figure: Figure, png: Path, caption: str, scale: str = "") -> str:
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    # most captions open with the figure's name already ("Figure 5 of Shen (2019) ...")
    label = "" if caption.startswith(figure.title) else \
        f"<strong>{html.escape(figure.title)}.</strong> "
    measured = _measured_on(png, scale)
    measured = f' <span class="measured-on">{html.escape(measured)}</span>' if measured else ""
    return (f'<figure id="{figure.name}"><img alt="{html.escape(figure.title)}" '
            f'data-figure="{figure.name}" src="data:image/png;base64,{data}">'
            f"<figcaption>{label}{_inline(caption)}{measured}</figcaption></figure>")


def _missing(figures: list[Figure]) -> str:
    if not figures:
        return ""
    names = ", ".join(f"{f.title} ({f.name})" for f in figures)
    return f'<p class="missing">Not made in this run: {html.escape(names)}.</p>'


# --------------------------------------------------------------------------- the page


#: The claims table's columns on the page (the scale is said once, in the summary line).
SHOWN_CLAIM_COLUMNS = [c for c in CLAIM_COLUMNS if c != "scale"]


def _calibration_section(calibration: pd.DataFrame | None) -> str:
    """Each decision rule's error rates on simulated cases (``miscaling calibrate``)."""
    if calibration is None:
        return ("<p>The decision rules were not calibrated in this run (no "
                "<code>--calibration</code> table).</p>")
    from miscaling.calibration import WRONG_CLEAR_GOAL, rule_rates

    rates = rule_rates(calibration)
    shown = pd.DataFrame({
        "rule": rates["rule"], "scale": rates["scale"], "simulated cases": rates["cases"],
        "worst wrong-clear rate": [f"{v:.1%}" for v in rates["worst_wrong_clear"]],
        "median correct-clear rate": [f"{v:.0%}" for v in rates["median_correct_clear"]],
        f"goal: wrong-clear <= {WRONG_CLEAR_GOAL:.0%}": [
            "met" if v <= WRONG_CLEAR_GOAL else "NOT met" for v in rates["worst_wrong_clear"]],
    })
    return ("<p>Each rule run on simulated cases with a known answer, at the lags and noise of "
            "this run's own I(&tau;) tables: how often it calls the truth clearly "
            "(correct-clear), calls the contrary clearly (wrong-clear), or stays "
            "inconclusive. The per-case table is <code>calibration.csv</code>.</p>"
            + _table(shown, table_id="calibration"))


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
    summary = summary_line(claims)
    scale = ", ".join(sorted({str(s) for s in claims["scale"]}))
    parts = [f"<h1>{html.escape(title)}</h1>",
             '<p>Shen (2019), "Mutual Information Scaling and Expressive Power of Sequence '
             'Models", reproduced by this pipeline. Every number below comes from the tables '
             'of this run; the claims table at the end says which of the paper\'s claims hold '
             'at this run\'s scale.</p>',
             f'<p class="summary" id="summary">{html.escape(summary)}.</p>']
    for key, heading in SECTIONS:
        parts.append(f'<section id="section-{key}"><h2>{html.escape(heading)}</h2>')
        present = [f for f in FIGURES if f.section == key and f.name in figures]
        for figure in present:
            parts.append(_figure(figure, Path(figures[figure.name]),
                                 captions.get(figure.name, ""), scale))
        if key == "data" and uniformity is not None:
            shown = [c for c in UNIFORMITY_COLUMNS if c in uniformity.columns]
            parts.append("<h3>Non-uniformity of the splits (fig6_uniformity.csv)</h3>")
            parts.append(_table(_readable(uniformity[shown or list(uniformity.columns)]),
                                table_id="uniformity"))
        if key == "language" and appendix_f:
            excerpt = appendix_f[:APPENDIX_F_CHARS]
            more = " (excerpt; the whole file is appendix_f.txt)" \
                if len(appendix_f) > APPENDIX_F_CHARS else ""
            parts.append(f"<h3>Appendix F: the models' samples{more}</h3>"
                         f'<pre id="appendix-f">{html.escape(excerpt)}</pre>')
        parts.append(_missing([f for f in FIGURES if f.section == key and f not in present]))
        parts.append("</section>")
    parts.append('<section id="section-formulas"><h2>Where the formulas differ from the '
                 "paper</h2>")
    parts.append(markdown_to_html(formula_differences) if formula_differences.strip()
                 else "<p>(no notes given)</p>")
    parts.append("</section>")
    parts.append('<section id="section-claims"><h2>The paper\'s claims, measured</h2>'
                 f'<p class="summary">{html.escape(summary)}. Statuses: '
                 f"{html.escape(', '.join(STATUSES))}; a claim is never counted as held "
                 "without a measurement.</p>")
    parts.append(_table(claims[SHOWN_CLAIM_COLUMNS], row_class="status", table_id="claims"))
    parts.append("</section>")
    parts.append('<section id="section-rules"><h2>How sure the verdicts are: the decision '
                 "rules' error rates</h2>")
    parts.append(_calibration_section(calibration))
    parts.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
            + "\n".join(p for p in parts if p) + "\n</body></html>\n")
