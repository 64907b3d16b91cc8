"""miscaling.settings: fields declared with their rules, one validation, one way to read
records (tables and dicts) written before a field existed."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from miscaling.fit import FitConfig
from miscaling.io import read_table
from miscaling.models import ModelConfig
from miscaling.recipes import TrainConfig, paper_config
from miscaling.settings import Settings, choice, flag, integer, number, numbers
from miscaling.train import IDENTITY_DEFAULTS


@dataclasses.dataclass(frozen=True)
class Example(Settings):
    ADDED_LATER: ClassVar[dict[str, Any]] = {"rate": 0.5}  # older records used 0.5

    count: int = integer(3, ge=1)
    limit: int | None = integer(None, ge=0, le=9, optional=True)
    level: float = number(0.9, gt=0, lt=1)
    scale: float = number(1.0, ge=0)
    mode: str = choice("a", ("a", "b"))
    on: bool = flag(True)
    sizes: tuple[int, ...] = numbers((2, 1), integers=True, ge=1, sort=True)
    pair: tuple[float, float] = numbers((0.1, 0.2), length=2)
    rate: float = number(1.0, ge=0)  # the default changed when the field was added

    def conflicts(self) -> list[str]:
        return [] if self.count > self.sizes[0] else [f"count ({self.count}) must exceed the "
                                                       f"smallest size ({self.sizes[0]})"]


def test_fields_are_checked_against_their_declaration_and_stored_plain():
    config = Example(count=np.int64(4), level=np.float32(0.5), on=np.bool_(False),
                     sizes="3,1,3", pair=[1, 2])
    assert (type(config.count), type(config.level), type(config.on)) == (int, float, bool)
    assert config.sizes == (1, 3) and config.pair == (1.0, 2.0)
    with pytest.raises(ValueError) as error:
        Example(count=0, limit=10, level=1, scale=float("inf"), mode="c", on=1, sizes=(),
                pair=(1,))
    message = str(error.value)
    assert message.startswith("invalid Example: count must be an integer >= 1, got 0; ")
    for part in ("limit must be None or an integer in [0, 9], got 10",
                 "level must be a number in (0, 1), got 1",
                 "scale must be a finite number >= 0, got inf",
                 "mode must be one of a, b, got 'c'", "on must be true or false, got 1",
                 "sizes must be a non-empty list of integers >= 1, got ()",
                 "pair must be a list of 2 finite numbers, got (1,)"):
        assert part in message
    assert "count (" not in message  # rules between fields wait for valid fields
    with pytest.raises(ValueError, match=r"invalid Example: count \(1\) must exceed"):
        Example(count=1)
    with pytest.raises(ValueError, match="count must be an integer >= 1, got True"):
        Example(count=True)


def test_a_field_added_later_reads_old_records_and_writes_them_unchanged():
    assert Example().to_dict() == {"count": 3, "limit": None, "level": 0.9, "scale": 1.0,
                                   "mode": "a", "on": True, "sizes": [1, 2],
                                   "pair": [0.1, 0.2], "rate": 1.0}
    old = Example(rate=0.5)
    assert "rate" not in old.to_dict()  # as it was written before the field existed
    assert Example.from_dict(old.to_dict()) == old  # a missing key is the old value
    table = old.as_columns(pd.DataFrame({"x": [1, 2]}))
    assert Example.from_table(table.drop(columns="rate")) == old  # so is a missing column
    assert Example.from_table(Example().as_columns(table[["x"]])) == Example()
    with pytest.raises(ValueError, match=r"missing column\(s\) mode"):
        Example.from_table(table.drop(columns=["rate", "mode"]))

    @dataclasses.dataclass(frozen=True)
    class Misnamed(Example):
        ADDED_LATER = {"rates": 0.5}

    for read in (lambda: Misnamed.from_dict({}), lambda: Misnamed().to_dict(),
                 lambda: Misnamed.from_table(table)):
        with pytest.raises(TypeError, match="Misnamed.ADDED_LATER names no field: rates"):
            read()


def test_fit_tables_from_before_floor_sds_read_back(tmp_path):
    """Was FitConfig.OPTIONAL_FIELDS: a fit table written before floor_sds lacks its column."""
    chain = tmp_path / "chain.npy"
    np.save(chain, (np.random.default_rng(1).random((20, 300)) < 0.2).cumsum(1) % 2)
    mi, out = tmp_path / "mi.csv", tmp_path / "fit.csv"
    assert run_cli("mi", chain, "--lags", "1:12", "--out", mi) == 0
    assert run_cli("fit", mi, "--model", "exponential", "--min-mi", "1e-4", "--too-few", "nan",
                   "--out", out) == 0
    old = tmp_path / "old.csv"
    read_table(out).drop(columns="fit_floor_sds").to_csv(old, index=False)
    assert FitConfig.from_table(read_table(old)) == FitConfig(min_mi=1e-4, too_few="nan")
    assert FitConfig.ADDED_LATER == {"floor_sds": None}


def test_stored_training_configs_from_before_the_text_fields_read_back():
    """Was compat.OPTIONAL_FIELDS: result.json / checkpoints of binary runs lack the fields
    added for the text models, and a binary run still writes exactly those files."""
    config = paper_config("lstm", batch_size=10).on_device("cpu")  # what a CPU run records
    stored = json.loads(json.dumps(config.to_dict()))
    assert set(TrainConfig.ADDED_LATER) & set(stored) == set()
    assert TrainConfig.from_dict(stored) == config
    text = paper_config("lstm", "char")
    assert TrainConfig.from_dict(text.to_dict()) == text and "stateful" in text.to_dict()
    model = ModelConfig("lstm", 2, 4, 1, embedding_dim=2)
    assert set(ModelConfig.ADDED_LATER) & set(model.to_dict()) == set()
    assert ModelConfig.from_dict(model.to_dict()) == model
    # what a stored config that lacks them means when a run is compared with it
    assert IDENTITY_DEFAULTS == {"train_config": TrainConfig.ADDED_LATER,
                                 "model_config": ModelConfig.ADDED_LATER}
