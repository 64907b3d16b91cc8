"""Figures of the theory checks: ``theory_linear_rnn`` (Appendix A) and ``theory_ising`` (G).

:func:`make_linear_rnn_figure` and :func:`make_ising_figure` draw the tables written by
``miscaling theory linear-rnn|ising``; beside each figure go the table behind it (``<stem>.csv``:
the decay rates, or the Ising MI curves) and the checks (``<stem>_checks.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.io import require_columns
from miscaling.plots.common import setup_style
from miscaling.theory.ising import correlation_length

LINEAR_RNN_COLUMNS = {
    "curves": ["network", "lag", "mi_exact", "mi_monte_carlo", "mi_monte_carlo_sd",
               "mi_monte_carlo_tolerance", "in_fit_window"],
    "poles": ["network", "real", "imag", "modulus", "is_pole", "is_leading"],
    "checks": ["check", "case", "predicted", "measured"],
}
ISING_COLUMNS = {
    "mi": ["beta", "coupling", "lag", "mi_enumerated", "mi_transfer_matrix", "mi_estimated",
           "in_fit_window"],
    "tv": ["beta", "n_samples", "tv_measured", "tv_expected", "tv_pairs_counted_twice"],
}


# --------------------------------------------------------------------------- linear RNN


def check_linear_rnn_tables(curves: pd.DataFrame, poles: pd.DataFrame,
                            checks: pd.DataFrame) -> None:
    """Fail, naming the table and column, when a linear-RNN table lacks what the figure reads."""
    for name, table in (("curves", curves), ("poles", poles), ("checks", checks)):
        require_columns(table, LINEAR_RNN_COLUMNS[name], f"linear-RNN {name} table")


def decay_rates(checks: pd.DataFrame) -> pd.DataFrame:
    """Predicted (2 ln|z_0|) and fitted decay rate per network, from the checks table (the
    table behind the figure)."""
    rows = checks[checks["check"] == "decay_rate"]
    return rows.rename(columns={"case": "network", "predicted": "predicted_rate",
                                "measured": "fitted_rate"})[
        ["network", "predicted_rate", "fitted_rate", "tolerance", "passed"]
    ].reset_index(drop=True)


def make_linear_rnn_figure(curves: pd.DataFrame, poles: pd.DataFrame,
                           rates: pd.DataFrame):
    """Four panels: exact I and the pole prediction, Monte Carlo, fitted vs predicted rate,
    the singularities of Eq. 35 (``rates``: :func:`decay_rates`)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, axes = plt.subplots(2, 2, figsize=(11, 9))
    (ax_mi, ax_mc), (ax_rate, ax_poles) = axes
    networks = list(dict.fromkeys(curves["network"]))
    palette = dict(zip(networks, sns.color_palette("tab10", len(networks))))
    rate_of = rates.set_index("network")
    for name, group in curves.groupby("network", sort=False):
        color = palette[name]
        ax_mi.plot(group["lag"], group["mi_exact"], "-", color=color, lw=1.3, label=name)
        window = group[group["in_fit_window"]]
        if name in rate_of.index and len(window):
            middle = window.iloc[len(window) // 2]
            line = middle["mi_exact"] * np.exp(
                -rate_of.loc[name, "predicted_rate"] * (window["lag"] - middle["lag"]))
            ax_mi.plot(window["lag"], line, ":", color="black", lw=1.4)
        # Monte Carlo only where it rises above its own noise level
        early = group[group["mi_exact"] > group["mi_monte_carlo_tolerance"]]
        ax_mc.plot(early["lag"], early["mi_exact"], "-", color=color, lw=1.2, label=name)
        ax_mc.errorbar(early["lag"], early["mi_monte_carlo"], yerr=early["mi_monte_carlo_sd"],
                       fmt="o", ms=3, mfc="none", color=color, elinewidth=0.7)
    ax_mi.plot([], [], ":", color="black", label=r"pole: $\propto e^{-2t\ln|z_0|}$")
    ax_mi.set(yscale="log", xlabel=r"$t$", ylabel=r"$I(x_0; x_t)$ (nats)",
              ylim=(max(curves["mi_exact"].min(), 1e-30), 3 * curves["mi_exact"].max()),
              title="(a) exact I (Eq. 41 log-det) and the pole prediction")
    ax_mi.legend(frameon=False, fontsize=7, ncols=2)
    # zoom on the lags where the decaying networks are still above the Monte Carlo noise
    above_noise = curves[curves["mi_exact"] > curves["mi_monte_carlo_tolerance"]]
    decaying = above_noise[above_noise["network"].isin(rates.loc[rates["predicted_rate"] > 0,
                                                                   "network"])]
    zoom = int(decaying["lag"].max()) if len(decaying) else int(curves["lag"].max())
    ax_mc.set(yscale="log", xlabel=r"$t$", ylabel=r"$I(x_0; x_t)$ (nats)",
              xlim=(0, 1.3 * zoom + 1),
              title="(b) Monte Carlo (circles, ±1 jackknife sd) vs exact")
    top = 1.1 * max(rates["predicted_rate"].max(), rates["fitted_rate"].max())
    ax_rate.plot([0, top], [0, top], "--", color="0.5", lw=1, label="identity")
    for row in rates.itertuples():
        ax_rate.plot(row.predicted_rate, row.fitted_rate, "o", ms=6, color=palette[row.network])
        ax_rate.annotate(row.network, (row.predicted_rate, row.fitted_rate), fontsize=7,
                         xytext=(4, -10), textcoords="offset points")
    ax_rate.set(xlabel=r"predicted rate $2\ln|z_0|$ (Eq. 35)",
                ylabel=r"fitted rate $-\,d\ln I/dt$", title="(c) decay rate: fitted vs predicted")

    theta = np.linspace(0, 2 * np.pi, 400)
    ax_poles.plot(np.cos(theta), np.sin(theta), "-", color="0.6", lw=0.8, label="unit circle")
    near = poles[poles["modulus"] <= 3.0]
    for name, group in near.groupby("network", sort=False):
        real = group[group["is_pole"]]
        ax_poles.plot(real["real"], real["imag"], "x", ms=6, color=palette[name])
        leading = group[group["is_leading"]]
        ax_poles.plot(leading["real"], leading["imag"], "o", ms=11, mfc="none",
                      color=palette[name])
    removable = near[~near["is_pole"]]
    ax_poles.plot(removable["real"], removable["imag"], ".", ms=5, color="0.4",
                  label=r"$1/\lambda(U_h)$, cancels")
    ax_poles.plot([], [], "x", color="0.2", label=r"pole of $\Sigma(z)$")
    ax_poles.plot([], [], "o", mfc="none", color="0.2", label="nearest pole $z_0$")
    ax_poles.set(xlabel=r"Re $z$", ylabel=r"Im $z$", aspect="equal", xlim=(-3, 3), ylim=(-3, 3),
                 title=r"(d) singularities of $\Sigma(z)$, Eq. 35")
    ax_poles.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    sns.despine(fig)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- Ising chain


def check_ising_tables(mi: pd.DataFrame, tv: pd.DataFrame) -> None:
    """Fail, naming the table and column, when an Ising table lacks what the figure reads."""
    for name, table in (("MI", mi), ("TV", tv)):
        require_columns(table, ISING_COLUMNS[name.lower()], f"Ising {name} table")


def make_ising_figure(mi: pd.DataFrame, tv: pd.DataFrame):
    """(a) I(r): transfer matrix, enumeration, estimator; (b) TV distance vs samples."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, (ax_mi, ax_tv) = plt.subplots(1, 2, figsize=(10.5, 4.4))
    temperatures = sorted(mi["beta"].unique())
    palette = dict(zip(temperatures, sns.color_palette("viridis", len(temperatures))))
    for (beta, coupling), group in mi.groupby(["beta", "coupling"]):
        color = palette[beta]
        xi = correlation_length(beta, coupling)
        ax_mi.plot(group["lag"], group["mi_transfer_matrix"], "-", color=color, lw=1.2,
                   label=rf"$\beta={beta:g}$, $\xi={xi:.3g}$")
        ax_mi.plot(group["lag"], group["mi_enumerated"], "s", ms=4, color=color)
        estimated = group[group["mi_estimated"] > 0]
        fitted = estimated["in_fit_window"].astype(bool)
        ax_mi.plot(estimated.loc[fitted, "lag"], estimated.loc[fitted, "mi_estimated"], "o",
                   ms=4, mfc="none", color=color)
        # below the fit threshold the estimate is noise; keep it visible but faint
        ax_mi.plot(estimated.loc[~fitted, "lag"], estimated.loc[~fitted, "mi_estimated"], "o",
                   ms=3, mfc="none", color=color, alpha=0.25)
    ax_mi.plot([], [], "-", color="0.3", label=r"transfer matrix $I(c^r)$")
    ax_mi.plot([], [], "s", color="0.3", label="enumeration")
    ax_mi.plot([], [], "o", mfc="none", color="0.3", label="estimator on Eq. 62 chains")
    floor = np.nanmin(mi["mi_enumerated"].to_numpy())
    ax_mi.set(yscale="log", ylim=(0.3 * floor, 2 * mi["mi_transfer_matrix"].max()),
              xlabel=r"$r$",
              ylabel=r"$I(s_i; s_{i+r})$ (nats)", title=r"(a) $I(r) \propto e^{-2r/\xi}$")
    ax_mi.legend(frameon=False, fontsize=7)

    for beta, group in tv.groupby("beta"):
        color = palette.get(beta, "0.3")
        ax_tv.plot(group["n_samples"], group["tv_measured"], "o", color=color,
                   label=rf"$\beta={beta:g}$")
        ax_tv.plot(group["n_samples"], group["tv_expected"], "-", color=color, lw=1)
        ax_tv.axhline(group["tv_pairs_counted_twice"].iloc[0], ls="--", lw=0.8, color=color)
    ax_tv.plot([], [], "-", color="0.3", label="expected for exact samples")
    ax_tv.plot([], [], "--", color="0.3", label="Eq. 57 read literally (2β)")
    ax_tv.set(xscale="log", yscale="log", xlabel="samples drawn with Eq. 62",
              ylabel="TV distance to Boltzmann",
              title="(b) conditional sampling vs. enumeration")
    ax_tv.legend(frameon=False, fontsize=7)
    sns.despine(fig)
    fig.tight_layout()
    return fig
