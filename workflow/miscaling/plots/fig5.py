"""Figure 5: the estimator recovers power-law mutual information (Appendix D.1).

(a) estimated I(tau) of binary sequences with I = A tau^-gamma for several gamma, log-log, with
the target lines and each data set's two floors (global shuffle dotted, within-sequence shuffle
dash-dotted, where the tables have them; a floor orders of magnitude below the estimates is
left below the axis, and the legend says so); (b) fitted gamma-hat against gamma with 95%
confidence intervals and the identity.
"""

from __future__ import annotations

import pandas as pd

from miscaling.io import require_columns
from miscaling.plots.common import (
    OPTIONAL_CURVE_COLUMNS,
    clip_below_floors,
    floors_key,
    has_within_floor,
    setup_style,
    stack_tables,
)

CURVE_COLUMNS = ["gamma", "amplitude", "lag", "mi", "ci_low", "ci_high", "baseline",
                 "baseline_within", "n_pairs", "target_mi"]


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate labelled I(tau) tables and add the target A tau^-gamma."""
    curves = stack_tables(tables, ["gamma", "amplitude", "lag", "mi"], "figure 5 curve table",
                          OPTIONAL_CURVE_COLUMNS)
    curves["target_mi"] = curves["amplitude"] * curves["lag"].astype(float) ** (-curves["gamma"])
    return curves[CURVE_COLUMNS].sort_values(["gamma", "lag"], ignore_index=True)


def collect_gamma_fits(tables: list[pd.DataFrame], tolerance: float) -> pd.DataFrame:
    """One row per true gamma: the power-law exponent gamma-hat with its CI and the error."""
    fits = pd.concat(tables, ignore_index=True)
    require_columns(fits, ["gamma", "model", "parameter", "value", "ci_low", "ci_high"],
                    "figure 5 fit table")
    rows = fits[(fits["model"] == "power") & (fits["parameter"] == "gamma")]
    if rows.empty:
        raise ValueError("figure 5 fit tables hold no power-law gamma (fit with --model power|all)")
    summary = rows.rename(columns={"value": "gamma_hat"})[
        ["gamma", "gamma_hat", "ci_low", "ci_high"]
        + [c for c in ("n_points", "lag_min", "lag_max", "min_mi", "selection", "ci_method")
           if c in rows]
    ].sort_values("gamma", ignore_index=True)
    summary["abs_error"] = (summary["gamma_hat"] - summary["gamma"]).abs()
    summary["ci_covers_gamma"] = (summary["ci_low"] <= summary["gamma"]) & (
        summary["gamma"] <= summary["ci_high"]
    )
    summary["tolerance"] = tolerance
    summary["within_tolerance"] = summary["abs_error"] <= tolerance
    return summary


def make_figure(curves: pd.DataFrame, gamma_fits: pd.DataFrame):
    """Figure 5 from :func:`collect_curves` and :func:`collect_gamma_fits`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, (ax_curves, ax_gamma) = plt.subplots(1, 2, figsize=(10, 4.2))
    gammas = sorted(curves["gamma"].unique())
    palette = dict(zip(gammas, sns.color_palette("viridis", len(gammas))))
    for gamma, group in curves.groupby("gamma"):
        shown = group[group["mi"] > 0]
        ax_curves.plot(shown["lag"], shown["mi"], "o", ms=2.5, color=palette[gamma],
                       label=f"{gamma:g}")
        ax_curves.plot(group["lag"], group["target_mi"], "-", lw=0.8, color=palette[gamma],
                       alpha=0.7)
        floors = [("baseline", ":", True), ("baseline_within", "-.", has_within_floor(group))]
        for column, style, drawn in floors:
            floor = group[column].where(group[column] > 0)
            if drawn and floor.notna().any():
                ax_curves.plot(group["lag"], floor, style, lw=0.6, color=palette[gamma], alpha=0.6)
    ax_curves.set(xscale="log", yscale="log", xlabel=r"$\tau$", ylabel=r"$I(\tau)$ (nats)",
                  title="(a) estimated (dots) vs. target (lines)")
    # The axis spans the estimates, the targets and the floors near them: the global floors of
    # sequences this long lie orders of magnitude below (~1e-7), and would take most of it.
    groups = [group for _, group in curves.groupby("gamma")]
    axis = clip_below_floors(ax_curves, groups, extra=[curves["target_mi"]])
    key = floors_key(groups, axis=axis)
    ax_curves.legend(title=rf"$\gamma$ ({key})", fontsize=7, title_fontsize=6, ncols=2,
                     loc="lower left", frameon=False)

    lo, hi = gamma_fits["gamma"].min(), gamma_fits["gamma"].max()
    pad = 0.05 * max(hi - lo, 0.1)
    ax_gamma.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "--", color="0.5", lw=1,
                  label="identity")
    ax_gamma.errorbar(
        gamma_fits["gamma"], gamma_fits["gamma_hat"],
        yerr=[gamma_fits["gamma_hat"] - gamma_fits["ci_low"],
              gamma_fits["ci_high"] - gamma_fits["gamma_hat"]],
        fmt="o", ms=4, capsize=3, label=r"$\hat\gamma$ (95% CI)",
    )
    ax_gamma.set(xlabel=r"$\gamma$", ylabel=r"$\hat\gamma$", title=r"(b) fitted power $\hat\gamma$")
    ax_gamma.legend(frameon=False)
    sns.despine(fig)
    fig.tight_layout()
    return fig
