"""Frozen, validated settings that travel with what they made.

Every component that turns data into numbers (the estimator, the fits, a model, its training,
the theory checks) takes its options as one frozen dataclass that inherits :class:`Settings`.
The dataclass validates itself in ``__post_init__`` (one error listing every bad field), converts
to and from plain JSON data (:meth:`Settings.to_dict`, :meth:`Settings.from_dict`, which refuses
unknown fields), and can be written into a tidy table as constant columns
(:meth:`Settings.as_columns`) and rebuilt from such a table (:meth:`Settings.from_table`), so
a CSV on disk says which settings made it.  A field added after tables were already written
goes into ``ADDED_LATER`` with the value those older tables were made with, so that they still
read back.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

S = TypeVar("S", bound="Settings")


class Settings:
    """Mixin for frozen dataclasses of options (see the module docstring).

    ``COLUMN_NAMES`` maps a field to its column name where the two differ (e.g. the estimator's
    ``name`` is the table column ``estimator``).  ``ADDED_LATER`` maps a field that tables
    written before it existed lack to the value such a table was made with (the behaviour
    before the field existed); :meth:`from_table` fills the missing column with it.
    """

    COLUMN_NAMES: Mapping[str, str] = {}
    ADDED_LATER: ClassVar[dict[str, Any]] = {}

    # ------------------------------------------------------------------ plain data
    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in data.items()}

    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any]) -> S:
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}; "
                             f"expected some of {', '.join(sorted(names))}")
        return cls(**data)

    def replace(self: S, **changes: Any) -> S:
        return dataclasses.replace(self, **changes)

    @classmethod
    def resolve(cls: type[S], config: S | None, keywords: Mapping[str, Any]) -> S:
        """How a function takes its settings either way: ``config`` when one is given (every
        keyword then left at its default), else ``cls(**keywords)``."""
        if config is None:
            return cls(**keywords)
        if not isinstance(config, cls):
            raise ValueError(f"config must be an instance of {cls.__name__}, got "
                             f"{type(config).__name__}")
        defaults = cls()
        given = [name for name, value in keywords.items()
                 if not (value is getattr(defaults, name) or value == getattr(defaults, name))]
        if given:
            raise ValueError(f"pass the {cls.__name__} settings either as config= or as "
                             f"keywords, not both: config= was given with {', '.join(given)}")
        return config

    # ------------------------------------------------------------------ table columns
    @classmethod
    def column_names(cls) -> dict[str, str]:
        """Field name -> column name, in field order."""
        return {field.name: cls.COLUMN_NAMES.get(field.name, field.name)
                for field in dataclasses.fields(cls)}

    def as_columns(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with one constant column per field (a copy); refuses to overwrite."""
        table = table.copy()
        for field, column in self.column_names().items():
            if column in table.columns:
                raise ValueError(f"the table already has a column {column!r}; cannot record "
                                 f"{type(self).__name__}.{field} in it")
            value = getattr(self, field)
            table[column] = _cell(value)
        return table

    @classmethod
    def from_table(cls: type[S], table: pd.DataFrame, source: str = "table") -> S:
        """Rebuild the settings recorded by :meth:`as_columns` (every row must agree).

        A column of a field in ``ADDED_LATER`` may be missing (a table written before the
        field existed): the field then takes the value recorded there.
        """
        columns = cls.column_names()
        stray = set(cls.ADDED_LATER) - set(columns)
        if stray:  # a typo here would silently stop filling the field it meant
            raise TypeError(f"{cls.__name__}.ADDED_LATER names no field: "
                            f"{', '.join(sorted(stray))}")
        missing = [column for field, column in columns.items()
                   if column not in table.columns and field not in cls.ADDED_LATER]
        if missing:
            raise ValueError(f"{source} does not record the {cls.__name__} (missing column(s) "
                             f"{', '.join(missing)})")
        if len(table) == 0:
            raise ValueError(f"{source} is empty: no {cls.__name__} to read back")
        data = {}
        for field, column in columns.items():
            if column not in table.columns:  # written before the field existed
                data[field] = cls.ADDED_LATER[field]
                continue
            values = table[column].tolist()
            first = _plain(values[0])
            if any(_plain(v) != first for v in values[1:]):
                raise ValueError(f"{source}: column {column!r} is not constant; it mixes "
                                 f"several {cls.__name__}s")
            data[field] = first
        return cls.from_dict(data)


def _cell(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return ",".join(str(item) for item in value)
    return value


def _plain(value: Any) -> Any:
    """A CSV cell back as a Python value (NaN -> None, numpy scalars -> Python)."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def problems_error(cls_name: str, problems: Iterable[str]) -> None:
    """Raise one ValueError listing every problem found by a ``__post_init__``."""
    problems = list(problems)
    if problems:
        raise ValueError(f"invalid {cls_name}: " + "; ".join(problems))


def check_int(name: str, value: Any, minimum: int | None = None, *, optional: bool = False
              ) -> list[str]:
    """[] when ``value`` is an integer (not a bool) >= ``minimum``; else one message.

    ``optional`` also accepts ``None``.
    """
    if value is None and optional:
        return []
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        kind = "an integer" + (" or None" if optional else "")
        return [f"{name} must be {kind}, got {value!r}"]
    if minimum is not None and value < minimum:
        return [f"{name} must be >= {minimum}, got {value}"]
    return []


def check_choice(name: str, value: Any, choices: Iterable[str]) -> list[str]:
    choices = tuple(choices)
    if value not in choices:
        return [f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}"]
    return []
