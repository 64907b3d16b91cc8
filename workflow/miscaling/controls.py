"""Size-matched control of the non-uniformity claim (paper Sec. 4.2.2, App. D.2, Figure 6).

Contiguous chunks of the training text, each as long as a validation or test split, measured like
the split: if the split is the same kind of text, its numbers fall among its chunks'.
:func:`chunk_offsets` / :func:`cut_chunks` place the chunks, :func:`chunk_name` names them,
:func:`size_matched_table` gathers their rows and :func:`compare_to_chunks` places each split.
Placement and prediction interval: docs/METHODS.md §4.4, Eq. (M33).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from miscaling.io import require_columns

__all__ = [
    "QUANTITIES", "TABLE_COLUMNS", "SUMMARY_COLUMNS", "chunk_name", "parse_chunk_name",
    "chunk_offsets", "cut_chunks", "size_matched_table", "compare_to_chunks", "criterion",
]

#: The long-range numbers compared (columns of a ``miscaling uniformity`` table, each with
#: ``<name>_ci_low`` / ``<name>_ci_high``): the power law of Î(τ), that of the bias-corrected
#: Î(τ) − floor(τ), and the mean excess over the shuffled-text floor.
QUANTITIES = ("gamma", "gamma_excess", "excess")

#: One row per corpus, target split and source (the split itself or one of its chunks).
TABLE_COLUMNS = [
    "corpus", "target", "source", "chunk", "offset", "n_chars", "lag_min", "lag_max",
    "mi_mean", "baseline_mean",
    *(f"{q}{suffix}" for q in QUANTITIES for suffix in ("", "_ci_low", "_ci_high")),
    "distinguishable", "confidence",
]

#: One row per corpus, target split and quantity.
SUMMARY_COLUMNS = [
    "corpus", "target", "quantity", "value", "ci_low", "ci_high", "n_chunks", "chunk_min",
    "chunk_max", "chunk_mean", "chunk_sd", "interval_low", "interval_high", "rank",
    "ci_overlaps_chunks", "direction", "verdict", "criterion",
]

_CHUNK_NAME = re.compile(r"train_chunk(?P<index>\d+)_(?P<target>\w+)")


def chunk_name(target: str, index: int | str) -> str:
    """The data-set name of training chunk ``index`` of the size of split ``target``.

    ``chunk_name("valid", 3) == "train_chunk3_valid"``; the rules also pass ``"{target}"`` as
    ``target`` to get the wildcard pattern of the chunk files.
    """
    return f"train_chunk{index}_{target}"


def parse_chunk_name(name: str) -> tuple[str, int] | None:
    """``"train_chunk3_valid"`` -> ``("valid", 3)``; None for a name that is no chunk's."""
    match = _CHUNK_NAME.fullmatch(str(name))
    return None if match is None else (match["target"], int(match["index"]))


# --------------------------------------------------------------------------- cutting


def chunk_offsets(total: int, size: int, count: int, seed: int = 0) -> np.ndarray:
    """Start offsets of ``count`` non-overlapping chunks of ``size`` symbols in ``total``.

    The text is cut into ``count`` strata of (nearly) equal length; chunk k starts at a
    position drawn uniformly (``numpy.random.default_rng(seed)``) among those that keep it
    inside stratum k.  The chunks are therefore disjoint, in text order, spread over the whole
    text, and the same arguments give the same offsets.  A stratum is at least
    ``total // count`` long, so placement is possible exactly when ``count * size <= total``.
    """
    for label, value, least in (("total", total, 1), ("size", size, 1), ("count", count, 1),
                                ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{label} must be an integer >= {least}, got {value!r}")
    if count * size > total:
        raise ValueError(f"{count} non-overlapping chunks of {size:,} symbols need "
                         f"{count * size:,} symbols; the training text holds {total:,} (at "
                         f"most {total // size} chunks of this size fit)")
    bounds = (np.arange(count + 1, dtype=np.int64) * total) // count
    slack = bounds[1:] - bounds[:-1] - size  # >= 0: every stratum holds a chunk
    rng = np.random.default_rng(seed)
    return bounds[:-1] + rng.integers(0, slack + 1)


def cut_chunks(train: np.ndarray, size: int, count: int,
               seed: int = 0) -> list[tuple[int, np.ndarray]]:
    """``count`` contiguous chunks of ``size`` symbols of the 1-D ``train``, as
    ``(offset, chunk)`` pairs in text order (placement: :func:`chunk_offsets`).

    The chunks are copies, so ``train`` may be a memory map of a large file.
    """
    if np.ndim(train) != 1:
        raise ValueError(f"the training text must be one 1-D stream of symbols, got shape "
                         f"{np.shape(train)}")
    offsets = chunk_offsets(len(train), size, count, seed)
    return [(int(offset), np.array(train[offset:offset + size])) for offset in offsets]


# --------------------------------------------------------------------------- the table


def _chars_per_table(curves: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(corpus, split) -> symbols of the text, from the pairs at its smallest lag (one stream
    of n symbols has n - tau pairs at lag tau)."""
    require_columns(curves, ("corpus", "split", "lag", "n_pairs"), "an I(tau) table")
    first = curves.sort_values("lag").groupby(["corpus", "split"], sort=False).head(1)
    return {(row.corpus, row.split): int(row.n_pairs + row.lag) for row in first.itertuples()}


def size_matched_table(uniformity: pd.DataFrame, curves: pd.DataFrame | None = None,
                       manifests: Iterable[Mapping] = ()) -> pd.DataFrame:
    """The ``miscaling uniformity`` rows of the splits and their training chunks, tidy.

    ``uniformity`` holds one row per measured text with the labels ``corpus`` and ``split``
    (a split, e.g. ``valid``, or a chunk name, :func:`chunk_name`).  ``curves`` (their I(τ)
    tables) give ``n_chars``; ``manifests`` (written by ``miscaling control chunks``) the
    chunks' offsets in the training text.  Every split must have chunks and every chunk its
    split.  Rows: corpus, target, source (``split`` | ``chunk``), chunk index, ...
    (:data:`TABLE_COLUMNS`), splits before their chunks.
    """
    require_columns(uniformity, ["corpus", "split", "lag_min", "lag_max", "mi_mean",
                                 "baseline_mean", "distinguishable", "confidence",
                                 *(f"{q}{s}" for q in QUANTITIES
                                   for s in ("", "_ci_low", "_ci_high"))],
                    "a uniformity table")
    duplicated = uniformity.duplicated(["corpus", "split"])
    if duplicated.any():
        first = uniformity[duplicated].iloc[0]
        raise ValueError(f"two uniformity rows for corpus {first['corpus']!r} split "
                         f"{first['split']!r}")
    parsed = [parse_chunk_name(name) for name in uniformity["split"]]
    table = uniformity.assign(
        target=[p[0] if p else s for p, s in zip(parsed, uniformity["split"])],
        source=["chunk" if p else "split" for p in parsed],
        chunk=pd.array([p[1] if p else None for p in parsed], dtype="Int64"),
    )
    pairs = table.groupby(["corpus", "target"])["source"].agg(set)
    for (corpus, target), sources in pairs.items():
        if sources != {"split", "chunk"}:
            missing = "its training chunks" if "chunk" not in sources else "the split itself"
            raise ValueError(f"corpus {corpus!r} split {target!r}: the uniformity tables lack "
                             f"{missing}")
    offsets = {}
    for manifest in manifests:
        corpus = manifest.get("labels", {}).get("corpus")
        for entry in manifest["chunks"]:
            offsets[corpus, entry["name"]] = entry["offset"]
    table["offset"] = pd.array([offsets.get((c, s)) if kind == "chunk" else None for c, s, kind
                                in zip(table["corpus"], table["split"], table["source"])],
                               dtype="Int64")
    chars = {}
    if curves is not None:
        chars = _chars_per_table(curves)
        missing = sorted(set(zip(table["corpus"], table["split"])) - set(chars))
        if missing:
            raise ValueError(f"no I(tau) table for (corpus, split) {missing[:3]}")
    table["n_chars"] = pd.array([chars.get((c, s)) for c, s in
                                 zip(table["corpus"], table["split"])], dtype="Int64")
    order = table.assign(_split_first=table["source"] != "split")
    order = order.sort_values(["corpus", "target", "_split_first", "chunk"], ignore_index=True)
    return order[TABLE_COLUMNS]


# --------------------------------------------------------------------------- the verdict


def criterion(confidence: float) -> str:
    """The rule :func:`compare_to_chunks` applies, in words (its ``criterion`` column)."""
    level = f"{confidence:.0%}"
    return (f"differs: the split's value lies outside the chunks' {level} prediction interval "
            f"(mean ± t·sd·sqrt(1 + 1/n), n chunks) and its own {level} CI misses the chunks' "
            f"range [min, max]; within: otherwise; undetermined: the split's value or fewer "
            f"than 2 chunk values are missing (NaN)")


def _compare(split: pd.Series, chunks: pd.DataFrame, quantity: str, confidence: float,
             rule: str) -> dict:
    from scipy import stats

    value = float(split[quantity])
    low, high = float(split[f"{quantity}_ci_low"]), float(split[f"{quantity}_ci_high"])
    values = chunks[quantity].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    n = values.size
    row = {"quantity": quantity, "value": value, "ci_low": low, "ci_high": high, "n_chunks": n,
           "chunk_min": np.nan, "chunk_max": np.nan, "chunk_mean": np.nan, "chunk_sd": np.nan,
           "interval_low": np.nan, "interval_high": np.nan, "rank": pd.NA,
           "ci_overlaps_chunks": pd.NA, "direction": "", "verdict": "undetermined",
           "criterion": rule}
    if n < 2 or not np.isfinite(value):
        return row
    mean, sd = values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.5 * (1 + confidence), n - 1) * sd * np.sqrt(1 + 1 / n)
    # a missing interval (too few points for the replicate fits) cannot miss the range
    overlaps = not (np.isfinite(low) and np.isfinite(high)) or \
        (low <= values.max() and high >= values.min())
    outside = abs(value - mean) > half
    row.update(chunk_min=values.min(), chunk_max=values.max(), chunk_mean=mean, chunk_sd=sd,
               interval_low=mean - half, interval_high=mean + half,
               rank=int(np.sum(values < value)) + 1, ci_overlaps_chunks=overlaps,
               direction="above" if value > mean else "below",
               verdict="differs" if outside and not overlaps else "within")
    return row


def compare_to_chunks(table: pd.DataFrame, confidence: float = 0.95,
                      quantities: Iterable[str] = QUANTITIES) -> pd.DataFrame:
    """Where each split lies among its same-size training chunks, per quantity.

    ``table`` is :func:`size_matched_table`'s.  For each corpus, target split and quantity:
    the split's value and CI; the chunks' n, range, mean and sd; the split's ``rank`` among
    the chunks (1 = below all, n + 1 = above all); the chunks' prediction interval at
    ``confidence`` for one more chunk (docs/METHODS.md, Eq. (M33)); whether the split's CI
    overlaps the chunks' range; and the verdict of :func:`criterion` ("differs": outside the
    prediction interval and the CI misses the chunks' range).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    quantities = list(quantities)
    unknown = sorted(set(quantities) - set(QUANTITIES))
    if unknown:
        raise ValueError(f"unknown quantities {unknown}; expected some of {list(QUANTITIES)}")
    require_columns(table, ["corpus", "target", "source"], "a size-matched table")
    rule = criterion(confidence)
    rows = []
    for (corpus, target), group in table.groupby(["corpus", "target"], sort=True):
        splits = group[group["source"] == "split"]
        if len(splits) != 1:
            raise ValueError(f"corpus {corpus!r} split {target!r}: expected one row of the split "
                             f"itself, got {len(splits)}")
        chunks = group[group["source"] == "chunk"]
        for quantity in quantities:
            rows.append({"corpus": corpus, "target": target,
                         **_compare(splits.iloc[0], chunks, quantity, confidence, rule)})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
