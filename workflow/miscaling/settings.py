"""Frozen, validated settings that travel with what they made.

Every component that turns data into numbers takes its options as one frozen dataclass inheriting
:class:`Settings`: validated in ``__post_init__`` (one error listing every bad field), converted
to and from plain JSON data (:meth:`Settings.to_dict`; :meth:`Settings.from_dict` refuses unknown
fields) and written into a tidy table as constant columns (:meth:`Settings.as_columns`,
:meth:`Settings.from_table`), so a CSV says which settings made it.  A field added later goes
into ``ADDED_LATER`` with the value older tables were made with, so that they still read back.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral, Real
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

S = TypeVar("S", bound="Settings")


class Settings:
    """Mixin for frozen dataclasses of options (see the module docstring).

    Each field declares what it accepts with :func:`integer`, :func:`number`, :func:`flag`,
    :func:`choice` or :func:`numbers`; ``__post_init__`` checks every field against that
    declaration, stores it as a plain Python value (so that a config equals its round trip
    through a table or JSON), then asks :meth:`conflicts` about rules between fields, and
    raises one ValueError naming every problem.

    ``COLUMN_NAMES`` maps a field to its column name where the two differ (e.g. the estimator's
    ``name`` is the table column ``estimator``).  ``ADDED_LATER`` maps a field added after
    records were already written to the value such a record was made with (the behaviour
    before the field existed): a table column or a dict key that is missing reads as it
    (:meth:`from_table`, :meth:`from_dict`), and :meth:`to_dict` leaves the field out while it
    holds it, so a record of a run that does not use the field is what it was before.
    """

    COLUMN_NAMES: Mapping[str, str] = {}
    ADDED_LATER: ClassVar[dict[str, Any]] = {}

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        problems = []
        for field in dataclasses.fields(self):
            rule = field.metadata.get(_RULE)
            if rule is None:
                continue
            value = getattr(self, field.name)
            plain = rule.plain(value)
            if plain is _INVALID:
                problems.append(f"{field.name} must be {rule.expected()}, got {value!r}")
            else:
                object.__setattr__(self, field.name, plain)
        if not problems:
            problems = list(self.conflicts())
        if problems:
            raise ValueError(f"invalid {type(self).__name__}: " + "; ".join(problems))

    def conflicts(self) -> list[str]:
        """Problems between fields, each field already valid and plain (none by default)."""
        return []

    @classmethod
    def given(cls: type[S], config: S | None) -> S:
        """A function's ``config`` argument: checked to be a ``cls``; None is ``cls()``."""
        if config is None:
            return cls()
        if not isinstance(config, cls):
            raise TypeError(f"config must be an instance of {cls.__name__}, got "
                            f"{type(config).__name__}")
        return config

    # ------------------------------------------------------------------ plain data
    @classmethod
    def added_later(cls) -> dict[str, Any]:
        """``ADDED_LATER``, checked to name fields (a typo would silently fill nothing)."""
        stray = set(cls.ADDED_LATER) - {field.name for field in dataclasses.fields(cls)}
        if stray:
            raise TypeError(f"{cls.__name__}.ADDED_LATER names no field: "
                            f"{', '.join(sorted(stray))}")
        return dict(cls.ADDED_LATER)

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON data, without those ``ADDED_LATER`` that hold their old value."""
        old, data = self.added_later(), {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name not in old or value != old[field.name]:
                data[field.name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any]) -> S:
        """The settings of :meth:`to_dict`'s data; a missing ``ADDED_LATER`` field takes its
        old value, any other missing one its default; an unknown field is refused."""
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}; "
                             f"expected some of {', '.join(sorted(names))}")
        return cls(**{**cls.added_later(), **data})

    def replace(self: S, **changes: Any) -> S:
        return dataclasses.replace(self, **changes)

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

        The column of a field in ``ADDED_LATER`` may be missing (a table written before the
        field existed): the field then takes the value recorded there.  An empty cell of a
        :func:`choice` that offers ``"nan"`` reads as ``"nan"`` (a CSV reader's missing value).
        """
        columns = cls.column_names()
        old = cls.added_later()
        missing = [column for field, column in columns.items()
                   if column not in table.columns and field not in old]
        if missing:
            raise ValueError(f"{source} does not record the {cls.__name__} (missing column(s) "
                             f"{', '.join(missing)})")
        if len(table) == 0:
            raise ValueError(f"{source} is empty: no {cls.__name__} to read back")
        rules = {field.name: field.metadata.get(_RULE) for field in dataclasses.fields(cls)}
        data = {}
        for field, column in columns.items():
            if column not in table.columns:  # written before the field existed
                continue
            values = table[column].tolist()
            first = _plain(values[0])
            if any(_plain(v) != first for v in values[1:]):
                raise ValueError(f"{source}: column {column!r} is not constant; it mixes "
                                 f"several {cls.__name__}s")
            if first is None and rules[field] is not None and rules[field].offers("nan"):
                first = "nan"
            data[field] = first
        return cls.from_dict(data)


# ---------------------------------------------------------------------- declaring fields
_RULE = "miscaling.settings.rule"
_INVALID = object()


@dataclasses.dataclass(frozen=True)
class Rule:
    """What one field accepts (made by :func:`integer`, :func:`number` and their siblings).

    ``kind``: ``"integer"``, ``"number"`` (finite), ``"flag"``, ``"choice"``, or a list of
    them, ``"integers"``/``"numbers"`` (any iterable, one number, or the comma-separated text
    of a table cell; stored as a tuple).  ``ge``/``gt``/``le``/``lt`` bound the value (each
    element of a list); ``optional`` also accepts None; ``choices`` a tuple or a function
    returning one (read when first checked); ``length`` a list's exact length; ``sort`` keeps
    a list sorted without repeats.
    """

    kind: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    optional: bool = False
    choices: tuple[str, ...] | Callable[[], Iterable[str]] | None = None
    length: int | None = None
    sort: bool = False

    def offers(self, value: Any) -> bool:
        return self.kind == "choice" and value in self._choices()

    def _choices(self) -> tuple[str, ...]:
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def expected(self) -> str:
        """What the field must be, as the end of ``"<field> must be ..."``."""
        if self.kind == "flag":
            what = "true or false"
        elif self.kind == "choice":
            what = "one of " + ", ".join(map(str, self._choices()))
        else:
            listed = self.kind in ("integers", "numbers")
            noun = "integer" if self.kind.startswith("integer") else "number"
            bounds = self._bounds()
            if noun == "number" and " in " not in bounds:
                noun = "finite number"
            if not listed:
                what = ("an " if noun[0] in "aeiou" else "a ") + noun + bounds
            elif self.length is not None:
                what = f"a list of {self.length} {noun}s{bounds}"
            else:
                what = f"a non-empty list of {noun}s{bounds}"
        return f"None or {what}" if self.optional else what

    def _bounds(self) -> str:
        low = ("[", self.ge) if self.ge is not None else ("(", self.gt) if self.gt is not None \
            else None
        high = (self.le, "]") if self.le is not None else (self.lt, ")") if self.lt is not None \
            else None
        if low and high:
            return f" in {low[0]}{_text(low[1])}, {_text(high[0])}{high[1]}"
        if low:
            return f" {'>=' if low[0] == '[' else '>'} {_text(low[1])}"
        if high:
            return f" {'<=' if high[1] == ']' else '<'} {_text(high[0])}"
        return ""

    def plain(self, value: Any) -> Any:
        """``value`` as a plain Python value of this kind, or ``_INVALID``."""
        if value is None and self.optional:
            return None
        if self.kind == "flag":
            return bool(value) if isinstance(value, (bool, np.bool_)) else _INVALID
        if self.kind == "choice":
            found = [choice for choice in self._choices() if value == choice]
            return found[0] if isinstance(value, str) and found else _INVALID
        if self.kind in ("integer", "number"):
            return self._scalar(value, self.kind)
        items = _items(value)
        if items is None or not items or (self.length is not None and len(items) != self.length):
            return _INVALID
        kind = self.kind[:-1]
        items = [self._scalar(_parsed(item, kind), kind) for item in items]
        if any(item is _INVALID for item in items):
            return _INVALID
        return tuple(sorted(set(items))) if self.sort else tuple(items)

    def _scalar(self, value: Any, kind: str) -> Any:
        if kind == "integer":
            if isinstance(value, bool) or not isinstance(value, Integral):
                return _INVALID
            value = int(value)
        else:
            if isinstance(value, bool) or not isinstance(value, Real) \
                    or not math.isfinite(value):
                return _INVALID
            value = float(value)
        if (self.ge is not None and not value >= self.ge) \
                or (self.gt is not None and not value > self.gt) \
                or (self.le is not None and not value <= self.le) \
                or (self.lt is not None and not value < self.lt):
            return _INVALID
        return value


def _text(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _items(value: Any) -> list | None:
    """A list field's value as a list: text is split at commas (a table cell), one number is
    a list of one (a one-element list read back from a CSV cell); None when not a list."""
    if isinstance(value, str):
        return [item for item in value.split(",") if item.strip()]
    if isinstance(value, Real) and not isinstance(value, bool):
        return [value]
    try:
        return list(value)
    except TypeError:
        return None


def _parsed(item: Any, kind: str) -> Any:
    """A list element read back from text or a float column, as a number where it is one."""
    if isinstance(item, str):
        try:
            item = float(item)
        except ValueError:
            return item
    if kind == "integer" and isinstance(item, (float, np.floating)) and math.isfinite(item) \
            and float(item).is_integer():
        return int(item)
    return item


def _field(rule: Rule, default: Any) -> Any:
    return dataclasses.field(default=default, metadata={_RULE: rule})


def integer(default: Any = dataclasses.MISSING, *, ge: int | None = None,
            le: int | None = None, optional: bool = False) -> Any:
    """A dataclass field holding an integer (not a bool) with bounds ``ge``/``le``."""
    return _field(Rule("integer", ge=ge, le=le, optional=optional), default)


def number(default: Any = dataclasses.MISSING, *, ge: float | None = None,
           gt: float | None = None, le: float | None = None, lt: float | None = None,
           optional: bool = False) -> Any:
    """A dataclass field holding a finite real number (stored as float) within the bounds."""
    return _field(Rule("number", ge=ge, gt=gt, le=le, lt=lt, optional=optional), default)


def flag(default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field holding True or False."""
    return _field(Rule("flag"), default)


def choice(default: Any, choices: tuple[str, ...] | Callable[[], Iterable[str]]) -> Any:
    """A dataclass field holding one of ``choices`` (or a function that returns them)."""
    return _field(Rule("choice", choices=choices), default)


def numbers(default: Any, *, integers: bool = False, ge: float | None = None,
            gt: float | None = None, le: float | None = None, lt: float | None = None,
            length: int | None = None, sort: bool = False) -> Any:
    """A dataclass field holding a non-empty tuple of numbers (``integers``: of integers)."""
    return _field(Rule("integers" if integers else "numbers", ge=ge, gt=gt, le=le, lt=lt,
                       length=length, sort=sort), default)


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
    """Raise one ValueError listing every problem found in a function's arguments (the
    :class:`Settings` dataclasses declare their fields instead)."""
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
