"""Figure 4: constant mutual information of repetitive sequences (Appendix C, Eq. 52).

(a) Eq. 52 against p, the paper's Figure 4, with the estimator's I(tau >= 2) on simulated
sequences (mean and sd over replicates) and the exact I(1), which Eq. 52 leaves out; (b) the
estimated I(tau) against tau for a few p: flat at Eq. 52 for every tau >= 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.io import require_columns
from miscaling.plots.common import setup_style
from miscaling.theory.repetitive import eq52, exact_mi

SUMMARY_COLUMNS = ["p", "lags", "predicted", "mi_mean", "mi_sd", "replicates"]


def summarize(curves: pd.DataFrame) -> pd.DataFrame:
    """One row per (p, lag group): the replicates' mean and sd of the estimate (each
    replicate's estimate first averaged over its lags >= 2), and the prediction."""
    require_columns(curves, ["p", "replicate", "lag", "mi"], "figure 4 curve table")
    groups = np.where(curves["lag"] >= 2, "tau>=2", "tau=1")
    per_replicate = curves.assign(lags=groups).groupby(["p", "lags", "replicate"])["mi"].mean()
    summary = per_replicate.groupby(["p", "lags"]).agg(
        mi_mean="mean", mi_sd="std", replicates="size").reset_index()
    summary["predicted"] = [float(eq52(p)) if lags == "tau>=2" else exact_mi(p, 1)
                            for p, lags in zip(summary["p"], summary["lags"])]
    return summary[SUMMARY_COLUMNS]


def showcase_probabilities(probabilities, count: int = 4) -> list[float]:
    """Up to ``count`` p in (0, 1/2), evenly spread (Eq. 52 is symmetric about 1/2)."""
    inside = sorted(p for p in set(probabilities) if 0.0 < p < 0.5)
    if len(inside) <= count:
        return inside
    picks = np.unique(np.rint(np.linspace(0, len(inside) - 1, count)).astype(int))
    return [inside[i] for i in picks]


def make_figure(curves: pd.DataFrame, summary: pd.DataFrame):
    """Figure 4 from the repetitive check's curves and their :func:`summarize`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, (ax_p, ax_tau) = plt.subplots(1, 2, figsize=(10, 4.2))
    grid = np.linspace(0.0, 1.0, 401)
    ax_p.plot(grid, eq52(grid), "-", color="C0", lw=1.5, label=r"Eq. 52 ($\tau \geq 2$)")
    ax_p.plot(grid, [exact_mi(p, 1) for p in grid], "--", color="C1", lw=1,
              label=r"exact $I(1)$")
    for lags, marker, color, label in (("tau>=2", "o", "C0", r"estimator, $\tau \geq 2$"),
                                       ("tau=1", "s", "C1", r"estimator, $\tau = 1$")):
        rows = summary[summary["lags"] == lags]
        ax_p.errorbar(rows["p"], rows["mi_mean"], yerr=rows["mi_sd"], fmt=marker, ms=4,
                      mfc="none", color=color, capsize=2, label=label)
    ax_p.set(xlabel=r"$p$ (probability of the block 01)", ylabel=r"$I(\tau)$ (nats)",
             title="(a) Eq. 52 vs. estimator")
    ax_p.legend(frameon=False, fontsize=8)

    shown = showcase_probabilities(curves["p"].unique())
    palette = dict(zip(shown, sns.color_palette("viridis", len(shown))))
    for p in shown:
        mean = curves[curves["p"] == p].groupby("lag")["mi"].mean()
        ax_tau.plot(mean.index, mean.to_numpy(), "o", ms=4, color=palette[p], label=f"{p:g}")
        ax_tau.axhline(float(eq52(p)), color=palette[p], lw=0.8, alpha=0.7)
    ax_tau.set(xscale="log", yscale="log", xlabel=r"$\tau$", ylabel=r"$I(\tau)$ (nats)",
               title=r"(b) no decay with $\tau$ (lines: Eq. 52)")
    ax_tau.legend(title=r"$p$", frameon=False, fontsize=8, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
    sns.despine(fig)
    fig.tight_layout()
    return fig
