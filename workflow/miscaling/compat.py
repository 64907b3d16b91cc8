"""Settings fields added after results were stored: written only when they differ from defaults.

A frozen :class:`~miscaling.settings.Settings` dataclass lists such fields in
``OPTIONAL_FIELDS``; :func:`compact_dict` is its ``to_dict`` without those that hold their
defaults, so files written by runs that do not use the new options keep exactly their earlier
content, and :func:`optional_defaults` says what a stored config lacking them means (compared
field by field in :func:`miscaling.checkpoint.check_same_run`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from miscaling.settings import Settings


def compact_dict(settings: Settings, optional: Iterable[str]) -> dict[str, Any]:
    """``Settings.to_dict`` without the ``optional`` fields that hold their defaults."""
    data = Settings.to_dict(settings)
    defaults = optional_defaults(type(settings), optional)
    for name, default in defaults.items():
        if data[name] == default:
            del data[name]
    return data


def optional_defaults(cls: type, optional: Iterable[str]) -> dict[str, Any]:
    """``{field: default}`` for the ``optional`` fields of dataclass ``cls``."""
    defaults = {field.name: field.default for field in dataclasses.fields(cls)}
    return {name: defaults[name] for name in optional}
