"""Every figure the pipeline makes, once: its file, report section, caption and when it is made.

The figure CLI (one subcommand per entry), the rules (which figures a run makes), the report
(sections and captions) and the targets all read :data:`FIGURES`; a new figure is one entry
here, its drawing in :mod:`miscaling.plots`, its runner in :mod:`miscaling.cli.figures` and
the rule that feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLAIMS_TABLES", "FIGURES", "SECTIONS", "ClaimsTable", "Figure", "figure"]

#: (key, heading) of the report's sections, in the paper's order.
SECTIONS = (
    ("data", "Data: Figure 6, the non-uniformity of the splits and its size-matched control"),
    ("estimator", "The estimator: Figure 5"),
    ("theory", "Theory: Figure 4, linear RNNs, the Ising chain"),
    ("binary", "Binary sequence models: Figures 1, 3(a), 7, 9"),
    ("language", "Language models: Figures 2, 3(b-d), 8, 10, Appendix F"),
    ("beyond", "Beyond the paper: a selective state-space model and bipartite MI (L2M)"),
)


@dataclass(frozen=True)
class Figure:
    """A figure: ``results/figures/<name>.{pdf,png}`` (and ``.csv``, the table it draws).

    ``made_for`` says when a run makes it: ``always``, ``corpora`` (some corpus is measured),
    ``control`` (the size-matched control is configured), ``binary`` / ``text`` (a binary or
    language model of one of ``archs`` is configured), ``bipartite`` (config bipartite enabled
    and some model trained).
    """

    name: str
    label: str  # the paper's name for it, as the report heads it
    title: str  # one line: what it shows (the CLI's help)
    section: str  # a key of SECTIONS
    caption: str  # caption file under workflow/report/
    made_for: str = "always"
    archs: tuple[str, ...] = ()
    table: bool = True
    command: str = "figure"  # the CLI command that draws it: `miscaling figure <name>` or other

    @property
    def extensions(self) -> tuple[str, ...]:
        return ("pdf", "png", "csv") if self.table else ("pdf", "png")


#: Every figure, in the report's order within each section.
FIGURES = (
    Figure("fig6", "Figure 6", "Figure 6: character-level I(tau) of natural-language corpora, "
           "train/valid/test (App. D.2).", "data", "fig6.rst", "corpora"),
    Figure("size_matched_control", "Size-matched control", "Each validation and test split "
           "among same-size chunks of its training split (Figure 6's non-uniformity).", "data",
           "size_matched_control.rst", "control", command="control size-matched"),
    Figure("fig5", "Figure 5", "Figure 5: the estimator recovers power-law mutual information "
           "(Appendix D.1).", "estimator", "fig5.rst"),
    Figure("fig4", "Figure 4", "Figure 4: constant mutual information of repetitive sequences "
           "(Appendix C, Eq. 52).", "theory", "fig4.rst"),
    Figure("theory_linear_rnn", "Linear RNNs", "Linear RNN (App. A): exact I(x_0; x_t), Monte "
           "Carlo, decay rate from the poles of Eq. 35", "theory", "theory_linear_rnn.rst",
           table=False),
    Figure("theory_ising", "Ising chain", "Ising chain (App. G): Eq. 62 sampling vs Boltzmann "
           "(TV), MI decay vs transfer matrix", "theory", "theory_ising.rst", table=False),
    Figure("fig1", "Figure 1", "Figure 1: RNN and LSTM sample I(tau) and correlation length vs "
           "width and depth", "binary", "models.rst", "binary", ("rnn", "lstm")),
    Figure("fig3", "Figure 3(a)", "Figure 3(a): Transformer sample I(tau) on the binary data",
           "binary", "models.rst", "binary", ("transformer",)),
    Figure("fig7", "Figure 7", "Figure 7: LSTM correlation length vs depth for several widths",
           "binary", "models.rst", "binary", ("lstm",)),
    Figure("fig9", "Figure 9", "Figure 9: Transformer correlation length vs width and depth",
           "binary", "models.rst", "binary", ("transformer",)),
    Figure("fig_ssm", "SSM figure", "Beyond the paper: selective SSM sample I(tau) by width, and "
           "correlation length vs state size beside the RNN and LSTM", "beyond", "ssm.rst",
           "binary", ("ssm",)),
    Figure("bipartite", "L2M figure", "Beyond the paper (L2M): bipartite MI against the block "
           "length for the data and every model, its growth against the memory size, and the "
           "loss by position", "beyond", "bipartite.rst", "bipartite",
           command="bipartite-summary"),
    Figure("fig2", "Figure 2", "Figure 2: character- and word-level LSTM sample I(tau) on "
           "WikiText-2 by width", "language", "text_models.rst", "text", ("lstm",)),
    Figure("fig3_text", "Figure 3(b-d)", "Figure 3(b-d): character- and word-level Transformer "
           "and GPT-2 sample I(tau)", "language", "text_models.rst", "text", ("transformer",)),
    Figure("fig8", "Figure 8", "Figure 8: LSTM correlation length vs width and depth on "
           "WikiText-2", "language", "text_xi.rst", "text", ("lstm",)),
    Figure("fig10", "Figure 10", "Figure 10: Transformer correlation length vs width and depth "
           "on WikiText-2", "language", "text_xi.rst", "text", ("transformer",)),
)

_BY_NAME = {entry.name: entry for entry in FIGURES}


def figure(name: str) -> Figure:
    """The registered figure ``name``; ValueError naming the known ones otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise ValueError(f"unknown figure {name!r}; expected one of {known}") from None


@dataclass(frozen=True)
class ClaimsTable:
    """A table the claims read (``source``: a key of miscaling.claims.SOURCES), under results/,
    and the output of the same rule whose presence in a run says the table is made."""

    source: str
    table: str
    made_with: str


CLAIMS_TABLES = (
    ClaimsTable("size_matched_control", "figures/size_matched_control_summary.csv",
                "figures/size_matched_control.pdf"),
    ClaimsTable("fig5_gamma", "figures/fig5_gamma.csv", "figures/fig5.pdf"),
    ClaimsTable("theory_linear_rnn", "theory/linear_rnn/checks.csv",
                "figures/theory_linear_rnn.pdf"),
    ClaimsTable("theory_repetitive", "theory/repetitive/checks.csv", "figures/fig4.pdf"),
    ClaimsTable("theory_ising", "theory/ising/checks.csv", "figures/theory_ising.pdf"),
    ClaimsTable("corpus_trends", "figures/corpus_trends.csv", "figures/fig6.pdf"),
    ClaimsTable("binary_trends", "figures/binary_trends.csv", "figures/binary_trends.csv"),
    ClaimsTable("text_trends", "figures/text_trends.csv", "figures/text_trends.csv"),
    ClaimsTable("bipartite_trends", "figures/bipartite_trends.csv", "figures/bipartite.pdf"),
)
