"""The claims table (miscaling.claims) and the HTML report (miscaling.report, `miscaling report`),
built from small synthetic tables and figures rather than a pipeline run."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from miscaling.calibration import calibrate
from miscaling.claims import (
    CLAIM_COLUMNS,
    STATUSES,
    build_claims,
    summary_counts,
    summary_line,
)
from miscaling.paper_claims import CLAIMS
from miscaling.report import (
    FIGURE_NAMES,
    build_report,
    load_captions,
    render_markdown,
    sizes_note,
)
from miscaling.verdicts import FAILS, HOLDS, INCONCLUSIVE, NOT_MEASURED

REPORT_DIR = Path(__file__).resolve().parents[1] / "workflow" / "report"


# --------------------------------------------------------------------------- synthetic inputs


def trends_table() -> pd.DataFrame:
    """binary_trends.csv as model_summary writes it: the outcome of each rule, typed."""
    rows = [
        ("xi_rnn_below_lstm_same_width", HOLDS, True, "xi: rnn 70 [65, 80] vs lstm 100 [90, 110]",
         ""),
        ("transformer_samples_algebraic", INCONCLUSIVE, True,
         "transformer w8d1: algebraic (dAIC +3.0)",
         "more sample symbols, until every |dAIC| >= 10."),
        ("xi_lstm_grows_with_width", NOT_MEASURED, None,
         "not measured: two depth-1 LSTM widths <= 8", "a run whose configuration includes "
         "two depth-1 LSTM widths <= 8."),
        ("rnn_samples_exponential", FAILS, False, "rnn w2d1: algebraic (dAIC +40.0)",
         "refuted clearly at this run's scale."),
    ]
    table = pd.DataFrame(rows, columns=["claim", "status", "lean", "evidence", "settle"])
    table["rule"] = "ordered"
    table["comparison_width"] = 8  # a settings column, as the real table has
    return table


def write(table: pd.DataFrame, path: Path) -> Path:
    table.to_csv(path, index=False)
    return path


def gamma_table() -> pd.DataFrame:
    return pd.DataFrame({
        "gamma": [0.2, 0.6, 1.0], "gamma_hat": [0.21, 0.62, 1.3],
        "ci_low": [0.19, 0.45, 1.2], "ci_high": [0.23, 0.75, 1.4],
        "tolerance": 0.1, "within_tolerance": [True, True, False],
    })


def theory_table() -> pd.DataFrame:
    return pd.DataFrame({
        "topic": "repetitive", "check": ["eq52_vs_estimator"] * 2 + ["lag1_exact"] * 2,
        "case": ["p=0.1", "p=0.3", "p=0.1", "p=0.3"], "predicted": 0.1, "measured": 0.1,
        "abs_error": [0.01, 0.02, 0.01, 0.5], "tolerance": 0.05,
        "passed": [True, True, True, False], "note": "mean over lags",
    })


def control_table() -> pd.DataFrame:
    """Four splits among chunks in [0.25, 0.35] (prediction interval [0.2, 0.4]): valid's
    gamma far below (the paper's way), test's gamma far above (the other way), test's excess
    missing, ptb valid's excess inside, precisely."""
    return pd.DataFrame({
        "corpus": ["wikitext2", "wikitext2", "wikitext2", "ptb"],
        "target": ["valid", "test", "test", "valid"],
        "quantity": ["gamma", "gamma", "excess", "excess"], "value": [0.05, 0.6, np.nan, 0.3],
        "ci_low": [0.0, 0.5, 0.1, 0.28], "ci_high": [0.1, 0.7, 0.2, 0.32], "n_chunks": 4,
        "chunk_min": 0.25, "chunk_max": 0.35, "interval_low": 0.2, "interval_high": 0.4,
        "verdict": ["differs", "differs", "undetermined", "within"],
    })


def all_tables(folder: Path) -> dict[str, Path]:
    return {
        "binary_trends": write(trends_table(), folder / "binary_trends.csv"),
        "fig5_gamma": write(gamma_table(), folder / "fig5_gamma.csv"),
        "theory_repetitive": write(theory_table(), folder / "checks.csv"),
        "size_matched_control": write(control_table(), folder / "summary.csv"),
        "text_trends": folder / "text_trends.csv",  # not made: must read as not measured
    }


def make_pngs(folder: Path, names) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {}
    for index, name in enumerate(names):
        fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
        ax.plot([0, 1, 2], [0, index, 1])
        paths[name] = folder / f"{name}.png"
        fig.savefig(paths[name])
        plt.close(fig)
    return paths


def rows_of(claims: pd.DataFrame, claim_id: str) -> pd.DataFrame:
    return claims[claims["id"] == claim_id]


def one(claims: pd.DataFrame, claim_id: str) -> pd.Series:
    rows = rows_of(claims, claim_id)
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- claims


def test_every_registered_claim_has_a_row_and_its_status_is_the_rules(tmp_path):
    claims = build_claims({"binary_trends": write(trends_table(), tmp_path / "t.csv")}, "smoke")
    assert list(claims.columns) == CLAIM_COLUMNS
    assert set(claims["id"]) == {c.id for c in CLAIMS}
    assert one(claims, "xi_rnn_below_lstm_same_width")["status"] == HOLDS
    assert one(claims, "xi_rnn_below_lstm_same_width")["what_would_settle_it"] == ""
    unclear = one(claims, "transformer_samples_algebraic")
    assert unclear["status"] == INCONCLUSIVE and unclear["what_would_settle_it"]
    assert unclear["section"] == "5.1" and "Fig. 3(a)" in unclear["figure"]
    assert one(claims, "rnn_samples_exponential")["status"] == FAILS
    assert one(claims, "xi_lstm_grows_with_width")["status"] == NOT_MEASURED
    # a decided claim the summary did not write: not measured, and said why
    missing = one(claims, "xi_rnn_grows_with_depth")
    assert missing["status"] == NOT_MEASURED and "has no row" in missing["measurement"]
    # a registered claim without a rule yet: listed, not measured, said so
    undecided = one(claims, "text_quality_tracks_mi_range")
    assert undecided["status"] == NOT_MEASURED and "a reading" in undecided["measurement"]
    # one the pipeline cannot measure says why
    assert "no published checksum" in one(claims, "gpt2_117m_algebraic")["measurement"]
    assert (claims["scale"] == "smoke").all()
    open_rows = claims[claims["status"] != HOLDS]
    assert open_rows["what_would_settle_it"].str.len().gt(20).all()


def test_the_status_is_read_never_parsed_from_the_words(tmp_path):
    words = trends_table()
    # rewording every sentence changes no status
    reworded = words.assign(evidence="reworded: holds clearly, disjoint, |dAICc| >= 10",
                            settle="anything")
    a = build_claims({"binary_trends": write(words, tmp_path / "a.csv")}, "q")
    b = build_claims({"binary_trends": write(reworded, tmp_path / "b.csv")}, "q")
    assert list(a["status"]) == list(b["status"])
    bad = words.assign(status="maybe")
    with pytest.raises(ValueError, match="status must be one of"):
        build_claims({"binary_trends": write(bad, tmp_path / "c.csv")}, "q")


def test_a_missing_table_is_not_measured_never_held(tmp_path):
    claims = build_claims({"binary_trends": tmp_path / "absent.csv"}, "quick")
    assert len(claims) == len(CLAIMS)  # one row per claim, each not measured
    assert set(claims["status"]) == {NOT_MEASURED}
    assert claims["what_would_settle_it"].str.len().gt(0).all()
    assert summary_counts(claims)[HOLDS] == 0


def test_every_source_becomes_claims(tmp_path):
    claims = build_claims(all_tables(tmp_path), "quick")
    gammas = rows_of(claims, "estimator_recovers_gamma").set_index("claim")["status"]
    assert list(gammas) == [HOLDS, INCONCLUSIVE, FAILS]  # CI [0.45, 0.75] leaves 0.6 ± 0.1
    assert "1.3 [1.2, 1.4]" in rows_of(claims, "estimator_recovers_gamma").iloc[2]["measurement"]
    theory = rows_of(claims, "theory_repetitive")
    assert list(theory["status"]) == [HOLDS, FAILS]
    assert "failed: p=0.3" in theory.iloc[1]["measurement"]
    assert one(claims, "theory_ising")["status"] == NOT_MEASURED  # its table not given
    assert one(claims, "theory_ising")["rule_error_rates"].startswith("exact")
    # the control, direction-aware: gamma far below the chunks (the paper's way) holds; far
    # above refutes it; a split inside its chunks is open (it may differ by less)
    decay = rows_of(claims, "nonuniformity_split_decay_missing")
    assert list(decay["status"]) == [HOLDS, FAILS]
    assert "expected below" in decay.iloc[0]["claim"]
    larger = rows_of(claims, "nonuniformity_split_mi_larger")
    assert list(larger["status"]) == [INCONCLUSIVE, INCONCLUSIVE]
    assert "within, precisely" in larger.iloc[1]["measurement"]
    assert one(claims, "char_lstm_samples_exponential_mid")["status"] == NOT_MEASURED
    assert summary_line(claims).startswith(f"{len(claims)} claims at scale quick: ")


def test_text8_is_expected_uniform(tmp_path):
    text8 = control_table().assign(corpus="text8")
    claims = build_claims({"size_matched_control": write(text8, tmp_path / "c.csv")}, "q")
    rows = claims[claims["id"].str.startswith("nonuniformity")]
    assert rows["claim"].str.contains("expected within").all()
    # valid's and test's gamma differ from the chunks: text8 not uniform, clearly
    decay = rows_of(claims, "nonuniformity_split_decay_missing")
    assert list(decay["status"]) == [FAILS, FAILS]
    assert rows_of(claims, "nonuniformity_split_mi_larger").iloc[1]["status"] == HOLDS


def test_claims_reject_unknown_sources(tmp_path):
    with pytest.raises(ValueError, match="unknown claims sources \\['fig99'\\]"):
        build_claims({"fig99": tmp_path / "x.csv"}, "quick")
    with pytest.raises(ValueError, match="scale must name"):
        build_claims({}, " ")
    bad = control_table().assign(quantity="slope")
    with pytest.raises(ValueError, match="quantity must be one of.*'slope'"):
        build_claims({"size_matched_control": write(bad, tmp_path / "c.csv")}, "quick")


def test_claims_show_each_rules_calibrated_error_rates(tmp_path):
    calibration = calibrate([], [], replicates=30, scale="quick")
    claims = build_claims(all_tables(tmp_path), "quick", calibration=calibration)
    rates = one(claims, "xi_rnn_below_lstm_same_width")["rule_error_rates"]
    assert rates.startswith("quick: wrong-clear <= ") and "correct-clear" in rates
    # the window rule was not simulated here: said so, never blank
    assert "no simulated cases" in one(claims, "rnn_samples_exponential")["rule_error_rates"]


# --------------------------------------------------------------------------- HTML

#: The claims table's id on the page (pandas' Styler writes it: "T_" + its uuid, "claims").
CLAIMS_TABLE_ID = "T_claims"


class _Page(HTMLParser):
    """The page's <img> figures, claims-table rows and the text of the 'not made' notes."""

    def __init__(self):
        super().__init__()
        self.figures, self.claim_rows, self.missing, self._where = [], 0, "", []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.figures.append(attrs.get("data-figure"))
            assert attrs["src"].startswith("data:image/png;base64,")
        if tag == "table":
            self._where.append(attrs.get("id"))
        if tag == "tbody" and self._where and self._where[-1] == CLAIMS_TABLE_ID:
            self._where.append("claims-body")
        if tag == "tr" and self._where and self._where[-1] == "claims-body":
            self.claim_rows += 1
        if tag == "p" and attrs.get("class") == "missing":
            self._where.append("missing")

    def handle_endtag(self, tag):
        if tag in ("table", "tbody", "p") and self._where and (
                tag != "p" or self._where[-1] == "missing"):
            self._where.pop()

    def handle_data(self, data):
        if self._where and self._where[-1] == "missing":
            self.missing += data


def test_report_holds_every_figure_given_and_one_row_per_claim(tmp_path):
    claims = build_claims(all_tables(tmp_path), "smoke")
    given = ["fig5", "fig1", "theory_ising"]
    figures = make_pngs(tmp_path, given)
    config = {"binary_models": {"n_samples": 123}, "binary": {"fit": {"min_mi": 0.001}}}
    captions = load_captions(REPORT_DIR, config)
    page = build_report(claims, figures, captions, formula_differences="**Eq. 47** is off.",
                        uniformity=pd.DataFrame({"corpus": ["w"], "split": ["valid"],
                                                 "gamma": [0.3], "other": [1]}),
                        appendix_f="== model ==\nhello <world>")
    parsed = _Page()
    parsed.feed(page)
    assert sorted(parsed.figures) == sorted(given)
    assert parsed.claim_rows == len(claims)
    for name in set(FIGURE_NAMES) - set(given):
        assert f"({name})" in parsed.missing
    # the sections come in the paper's order
    order = [page.index(f'id="section-{key}"') for key in
             ("data", "estimator", "theory", "binary", "language", "formulas", "claims")]
    assert order == sorted(order)
    assert order[1] < page.index('id="fig5"') < order[2]
    # Figure 1's caption is a Snakemake template: rendered with this figure and config
    assert "Figure 1: the estimated I(τ)" in page and "123 unconditionally" in page
    assert "<strong>Eq. 47</strong>" in page
    assert "hello &lt;world&gt;" in page  # the samples are text, not markup
    assert summary_line(claims) in page


def _pairs(n, length, lags=(1, 2, 3)):
    return [n * (length - lag) for lag in lags]


def test_sizes_note_reads_what_each_kind_of_curve_rests_on():
    curves = pd.concat([
        pd.DataFrame({"role": "samples", "width": w, "lag": [1, 2, 3],
                      "n_pairs": _pairs(n, length)})
        for w, n, length in ((16, 20, 1000), (32, 20, 1000), (64, 7, 513))
    ] + [pd.DataFrame({"role": "training_data", "width": np.nan, "lag": [1, 2, 3],
                       "n_pairs": _pairs(1, 50_000)})])
    assert sizes_note(curves) == (
        "Sequences × length behind the curves (from the I(τ) tables' pair counts): "
        "samples 20 × 1,000 / 7 × 513; training data 1 × 50,000.")
    # a ξ figure's table: the model table's own counts, ragged ones as sequences and symbols
    models = pd.DataFrame({"xi": [1.0, 2.0], "n_sequences": [20, 3],
                           "n_symbols": [20_000, 60]})
    assert sizes_note(models).endswith("per model 20 × 1,000 / 3 × 20.")
    assert sizes_note(models.assign(n_symbols=[20_000, 61])).endswith(
        "per model 20 × 1,000 / 3 sequences, 61 symbols.")
    assert sizes_note(pd.DataFrame({"xi": [1.0]})) == ""  # the table cannot say
    # corpus splits (Figure 6): named by corpus and split, one stream each
    splits = pd.concat([pd.DataFrame({"corpus": corpus, "split": "valid", "lag": [1, 2],
                                      "n_pairs": _pairs(1, length, (1, 2))})
                        for corpus, length in (("ptb", 400), ("wikitext2", 1000))])
    assert sizes_note(splits).endswith("ptb valid 1 × 400; wikitext2 valid 1 × 1,000.")


def test_every_caption_says_the_scale_and_the_sizes_behind_its_curves(tmp_path):
    claims = build_claims(all_tables(tmp_path), "quick")
    figures = make_pngs(tmp_path, ["fig5", "fig7"])
    pd.DataFrame({"gamma": 0.4, "lag": [1, 2, 3], "n_pairs": _pairs(2000, 1000)}).to_csv(
        tmp_path / "fig5.csv", index=False)  # fig7 has no table beside it: the scale only
    page = build_report(claims, figures, load_captions(REPORT_DIR, {}))
    notes = re.findall(r'<span class="measured-on">(.*?)</span>', page)
    assert notes == ["Scale: quick. Sequences × length behind the curves (from the I(τ) "
                     "tables&#39; pair counts): curves 2,000 × 1,000.", "Scale: quick."]


def test_report_rejects_unknown_or_absent_figures(tmp_path):
    claims = build_claims({}, "quick")
    with pytest.raises(ValueError, match="unknown figures \\['fig99'\\]"):
        build_report(claims, {"fig99": tmp_path / "fig99.png"}, {})
    with pytest.raises(FileNotFoundError, match="fig5.png"):
        build_report(claims, {"fig5": tmp_path / "fig5.png"}, {})


def test_the_page_is_the_packaged_template_filled_in(tmp_path, monkeypatch):
    """build_report writes no page HTML of its own: it fills templates/report.html.j2, which
    ships inside the package (package data in pyproject.toml); a changed template changes the
    page."""
    from importlib import resources

    import jinja2
    from miscaling import report

    template = resources.files("miscaling") / "templates" / report.TEMPLATE
    assert template.is_file()
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((REPORT_DIR.parents[1] / "pyproject.toml").read_text())
    assert "templates/*.j2" in pyproject["tool"]["setuptools"]["package-data"]["miscaling"]
    assert any(d.startswith("markdown") for d in pyproject["project"]["dependencies"])
    (tmp_path / report.TEMPLATE).write_text(
        template.read_text().replace("<body>", '<body>\n<p id="marker">a test template</p>'))
    monkeypatch.setattr(report._PAGES, "loader", jinja2.FileSystemLoader(tmp_path))
    page = build_report(build_claims({}, "quick"), {}, {})
    assert '<p id="marker">a test template</p>' in page and 'id="section-claims"' in page


def test_every_text_on_the_page_is_escaped(tmp_path):
    """Claims, captions, notes, tables, samples and the title are text: a < or & in them is
    shown, never read as markup."""
    claims = build_claims({}, "quick")
    claims.loc[0, "claim"] = "I(1) < I(2) & <script>alert(1)</script>"
    claims.loc[1, "what_would_settle_it"] = 'a "quoted" <em>tag</em>'
    page = build_report(claims, make_pngs(tmp_path, ["fig5"]),
                        {"fig5": "Figure 5: a <b>raw</b> tag & I(1) < I(2)"},
                        formula_differences="Notes with <script>x</script> & a < b.",
                        uniformity=pd.DataFrame({"corpus": ["<ptb>"], "gamma": [0.3]}),
                        appendix_f="<eos> & more", title="MI <scaling> & co")
    assert "<script>" not in page and "<b>" not in page and "<em>tag" not in page
    assert "I(1) &lt; I(2) &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Figure 5: a &lt;b&gt;raw&lt;/b&gt; tag &amp; I(1) &lt; I(2)" in page
    assert "Notes with &lt;script&gt;x&lt;/script&gt; &amp; a &lt; b." in page
    assert "<td>&lt;ptb&gt;</td>" in page and "&lt;eos&gt; &amp; more</pre>" in page
    assert "<title>MI &lt;scaling&gt; &amp; co</title>" in page
    # read back by an HTML parser, every cell is the text it was given
    cells = re.findall(r'<td class="data row(\d+) col(\d+)[^"]*" >(.*?)</td>', page)
    shown = pd.DataFrame([(int(r), int(c), html.unescape(t)) for r, c, t in cells],
                         columns=["row", "col", "text"])
    table = claims[[c for c in CLAIM_COLUMNS if c != "scale"]]
    assert shown.pivot(index="row", columns="col", values="text").values.tolist() == \
        table.values.tolist()


def test_status_cells_carry_their_status_colour(tmp_path):
    claims = build_claims(all_tables(tmp_path), "quick")
    page = build_report(claims, {}, {})
    statuses = re.findall(r'<td class="data row\d+ col\d+ status ([a-z-]+)" >([^<]*)</td>', page)
    assert [text for _, text in statuses] == list(claims["status"])
    assert all(cls == text.replace(" ", "-") for cls, text in statuses)
    for status in STATUSES:  # each status has its colour in the page's style
        assert f"td.status.{status.replace(' ', '-')} {{ background:" in page


def test_notes_and_captions_are_rendered_as_markdown(tmp_path):
    notes = ("# Notes\n\nSome *emphasis*, a [link](https://example.org/?a=1&b=2) and "
             "`code`.\n\n- first item\n- second **bold** item\n\nThen:\n\n1. one\n2. two\n")
    caption = "Figure 5: *emphasis*, ``literal`` and a [link](https://example.org)."
    page = build_report(build_claims({}, "quick"), make_pngs(tmp_path, ["fig5"]),
                        {"fig5": caption}, formula_differences=notes)
    formulas = page[page.index('id="section-formulas"'):page.index('id="section-claims"')]
    assert '<h3 id="notes-notes">Notes</h3>' in formulas  # one level below the section's h2
    assert "<em>emphasis</em>" in formulas and "<code>code</code>" in formulas
    assert '<a href="https://example.org/?a=1&amp;b=2">link</a>' in formulas
    assert "<ul>\n<li>first item</li>\n<li>second <strong>bold</strong> item</li>\n</ul>" \
        in formulas
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in formulas
    # a caption is inline: no paragraph inside <figcaption>, its reST literal a code span
    shown = re.search(r"<figcaption>(.*?)</figcaption>", page, re.S).group(1)
    assert shown.startswith('Figure 5: <em>emphasis</em>, <code>literal</code> and a '
                            '<a href="https://example.org">link</a>.')
    assert "<p>" not in shown
    # the pipeline's own notes: every `code` span and **bold** lead becomes markup
    real = (REPORT_DIR / "formula_differences.md").read_text()
    shown = render_markdown(real)
    assert shown.count("<code>") == real.count("`") // 2 > 0
    assert shown.count("<strong>") == real.count("**") // 2 > 0
    assert build_report(build_claims({}, "quick"), {}, {}).count("(no notes given)") == 1


def test_report_cli_writes_claims_and_page(tmp_path):
    tables = all_tables(tmp_path)
    figures = make_pngs(tmp_path, ["fig4", "fig6"])
    out, claims_out = tmp_path / "out" / "report.html", tmp_path / "out" / "claims.csv"
    code = run_cli(
        "report", *[arg for key, path in tables.items()
                    for arg in ("--claims-table", f"{key}={path}")],
        "--figures", *figures.values(), "--scale", "smoke", "--captions", REPORT_DIR,
        "--formula-differences", REPORT_DIR / "formula_differences.md",
        "--config-json", json.dumps({"seed": 0}), "--claims-out", claims_out, "--out", out)
    assert code == 0
    claims = pd.read_csv(claims_out, keep_default_na=False)
    assert list(claims.columns) == CLAIM_COLUMNS and set(claims["status"]) <= set(STATUSES)
    page = out.read_text()
    assert page.count("<img ") == 2 and "Eq. 57" in page


@pytest.mark.parametrize("args, message", [
    (["--claims-table", "fig99=x.csv"], "source 'fig99' is not one of"),
    (["--claims-table", "fig5_gamma"], "must be SOURCE=PATH"),
    (["--figures", "fig5.pdf"], "--figures 'fig5.pdf' must end in .png"),
    (["--figures", "fig99.png"], "'fig99' is not a figure of the report"),
    (["--config-json", "[1]"], "--config-json must be a JSON object"),
])
def test_report_cli_rejects_bad_input(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = run_cli("report", "--scale", "quick", "--captions", REPORT_DIR, *args,
                   "--claims-out", "c.csv", "--out", "r.html")
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "c.csv").exists()


# --------------------------------------------------------------------------- in a browser

#: Appended to a copy of the page: after loading, write what the browser sees into the DOM.
_PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images).map(img => ({
    figure: img.dataset.figure, complete: img.complete, width: img.naturalWidth}));
  const rows = document.querySelectorAll("#T_claims tbody tr").length;
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = "PROBE" + JSON.stringify({images, rows}) + "END";
  document.body.appendChild(probe);
});
</script>"""


def _chromium() -> str:
    """The Chromium binary; installed from Debian when missing and this process may (root)."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not on PATH and cannot be installed here (needs root and "
                    "apt-get)")
    install = ["apt-get", "install", "-y", "chromium"]
    done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode != 0:  # a stale package list: update it once and try again
        subprocess.run(["apt-get", "update"], capture_output=True, text=True)
        done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode != 0 or not shutil.which("chromium"):
        pytest.skip(f"apt-get install chromium failed: {done.stderr.strip()[-300:]}")
    return shutil.which("chromium")


def _headless(chromium: str, *args) -> subprocess.CompletedProcess:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--hide-scrollbars", *args]
    try:
        # generous: a cold start on a loaded machine is slow, and slowness is not a failure
        return subprocess.run(command, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("headless Chromium did not finish within 300 s on this machine")


def _probe(chromium: str, page: str, folder: Path) -> dict:
    """What Chromium saw on ``page``: every image (figure, loaded, natural width) and the
    number of claims-table rows."""
    probed = folder / "probed.html"
    probed.write_text(page.replace("</body>", _PROBE + "</body>"))
    dumped = _headless(chromium, "--virtual-time-budget=10000", "--dump-dom", probed.as_uri())
    found = re.search(r'<pre id="probe">PROBE(.*?)END</pre>', dumped.stdout, re.S)
    assert found, f"no probe in Chromium's DOM (exit {dumped.returncode}): " \
                  f"{dumped.stderr.strip()[-500:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path):
    chromium = _chromium()
    claims = build_claims(all_tables(tmp_path), "smoke")
    given = ["fig6", "fig5", "fig4", "fig1"]
    page = build_report(claims, make_pngs(tmp_path, given), load_captions(REPORT_DIR, {}),
                        formula_differences=(REPORT_DIR / "formula_differences.md").read_text())
    report = tmp_path / "report.html"
    report.write_text(page)
    seen = _probe(chromium, page, tmp_path)
    assert sorted(image["figure"] for image in seen["images"]) == sorted(given)
    assert all(image["complete"] and image["width"] > 0 for image in seen["images"]), seen
    assert seen["rows"] == len(claims)

    screenshot = tmp_path / "report.png"
    _headless(chromium, f"--screenshot={screenshot}", "--window-size=1280,2400",
              report.as_uri())
    assert screenshot.is_file() and screenshot.stat().st_size > 0
    artifacts = os.environ.get("MISCALING_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(artifacts) / "report_screenshot.png")
        shutil.copy(report, Path(artifacts) / "report.html")


@pytest.mark.skipif(not os.environ.get("MISCALING_REPORT"),
                    reason="checks a run's own report: set MISCALING_REPORT=results/report.html")
def test_the_runs_report_renders_in_headless_chromium(tmp_path):
    """A real run's report (``MISCALING_REPORT``, with its claims.csv beside it): every figure
    the run made loads in Chromium, and the claims table has one row per claim."""
    report = Path(os.environ["MISCALING_REPORT"]).resolve()
    claims = pd.read_csv(report.with_name("claims.csv"))
    seen = _probe(_chromium(), report.read_text(), tmp_path)
    figures = report.parent / "figures"
    made = {f for f in FIGURE_NAMES if (figures / f"{f}.png").is_file()}
    assert {image["figure"] for image in seen["images"]} == made
    assert all(image["complete"] and image["width"] > 0 for image in seen["images"]), seen
    assert seen["rows"] == len(claims)
