"""The paper's claims about the corpora themselves (Appendix D.2), from their splits' I(τ).

:func:`corpus_decays`: per corpus and split, the window rule's verdict
(:func:`miscaling.verdicts.window_decay`) on the long range, 50 ≲ τ ≲ 1000;
:func:`corpus_trend_checks`: the claims of :func:`miscaling.paper_claims.claims_of`
``corpus_trends`` decided on them, one row each (``miscaling corpus-summary``).
"""

from __future__ import annotations

import pandas as pd

from miscaling.io import require_columns
from miscaling.model_summary import TREND_COLUMNS, outcome_row
from miscaling.paper_claims import claims_of
from miscaling.verdicts import every_decay, not_measured, window_decay

__all__ = ["CORPUS_WINDOW", "corpus_decays", "corpus_trend_checks"]

#: The long range of the corpora's power law (Section 4.2.2: 50 ≲ τ ≲ 1000).
CORPUS_WINDOW = (50, 1000)


def corpus_decays(curves: pd.DataFrame, window=CORPUS_WINDOW) -> pd.DataFrame:
    """One row per corpus and split: the window verdict, its ΔAIC and the lags behind it."""
    require_columns(curves, ["corpus", "split", "lag", "mi"], "corpus I(tau) table")
    rows = []
    for (corpus, split), curve in curves.groupby(["corpus", "split"], sort=True):
        decay = window_decay(curve, *window)
        rows.append({"corpus": corpus, "split": split, "verdict": decay.verdict,
                     "delta_aic": decay.delta_aic, "n_lags": decay.n_lags,
                     "n_above": decay.n_above, "gamma": decay.gamma})
    return pd.DataFrame(rows)


def corpus_trend_checks(curves: pd.DataFrame, window=CORPUS_WINDOW) -> pd.DataFrame:
    """The corpora's claims, each decided by its rule (:data:`TREND_COLUMNS`)."""
    decays = corpus_decays(curves, window)
    train = decays[decays["split"] == "train"]
    outcomes = {
        "training_sets_power_law": every_decay(
            [(f"{r.corpus} train ({r.n_lags} lags, gamma {r.gamma:.2g})", r.verdict,
              r.delta_aic) for r in train.itertuples()], "algebraic")
        if len(train) else not_measured("a corpus' training split", "every_decay"),
    }
    rows = [outcome_row(c.id, outcomes[c.id]) for c in claims_of("corpus_trends")
            if c.id in outcomes]
    table = pd.DataFrame(rows, columns=TREND_COLUMNS)
    table["window_low"], table["window_high"] = window
    return table
