"""The shape behind an I(tau) table: recorded by `miscaling mi`, read back for older tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from miscaling.mi.sizes import SHAPE_COLUMNS, sample_shape, sample_size, shape_columns


def _curve(n, length, lags=(1, 2, 3)):
    return pd.DataFrame({"lag": lags, "mi": 0.1, "n_pairs": [n * (length - t) for t in lags]})


def test_shape_columns_of_arrays_rows_and_ragged_lists():
    assert shape_columns(np.zeros(100, np.uint8)) == {
        "n_sequences": 1, "n_symbols": 100, "min_length": 100, "max_length": 100}
    assert shape_columns(np.zeros((20, 64), np.uint8))["n_symbols"] == 1280
    ragged = [np.zeros(5), np.zeros(0), np.zeros(9)]
    assert shape_columns(ragged) == {"n_sequences": 2, "n_symbols": 14, "min_length": 5,
                                     "max_length": 9}
    with pytest.raises(ValueError, match="no symbols"):
        shape_columns([np.zeros(0)])


def test_a_recorded_shape_is_read_not_inferred():
    curve = _curve(20, 64)
    assert sample_shape(curve) == (20, 64)  # an older table: from the pair counts
    # pair counts of lags beyond the shortest sequence say nothing; the record says it all
    recorded = curve.assign(n_pairs=np.nan, **shape_columns([np.zeros(64)] * 19 + [np.zeros(99)]))
    assert sample_size(recorded) == (20, 19 * 64 + 99)
    assert sample_shape(recorded) is None  # lengths differ
    equal = curve.assign(n_pairs=np.nan, **shape_columns(np.zeros((3, 10))))
    assert sample_shape(equal) == (3, 10) and set(SHAPE_COLUMNS) <= set(equal)
