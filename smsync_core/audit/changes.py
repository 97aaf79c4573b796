"""One change to one SMSTurbo customer, and the exact, lossless JSON form of its values.

A run (sync or undo) is a list of :class:`Change` rows keyed by target column names; an import's new customers
can also be held column by column (:class:`Inserts`). The record stores them as JSON Lines
(:mod:`smsync_core.audit.lines`) so that undo can restore the exact prior values: types JSON cannot hold
(decimals, dates, bytes, non-finite floats) are written as tagged objects and read back as the same Python values.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

Action = Literal["insert", "update", "delete"]
ACTIONS: tuple[Action, ...] = ("insert", "update", "delete")


@dataclass(frozen=True)
class Change:
    """One row change: ``before``/``after`` map target column names to values (None for absent rows).

    An insert has ``before=None`` and the whole new row in ``after``; an update carries only the changed
    columns on both sides; a delete (undo only, a sync never deletes) has the whole row in ``before``.
    """

    customer_id: str
    action: Action
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    def columns(self) -> tuple[str, ...]:
        """The target columns this change writes or compares."""
        return tuple((self.after if self.after is not None else self.before) or {})

    def reversed(self) -> Change:
        """The change that undoes this one."""
        action: Action = {"insert": "delete", "delete": "insert", "update": "update"}[self.action]  # type: ignore[assignment]
        return Change(self.customer_id, action, self.after, self.before)


@dataclass(frozen=True)
class Inserts:
    """Insert changes of one shape held column by column: an import's new customers.

    The same changes as one insert :class:`Change` per row (``customer_id`` the ``key`` column's value as text,
    ``after`` the whole row), held as one list of plain Python values per column so that a large import builds
    no object per row: its record is encoded, and its rows are written, from the columns.
    """

    columns: tuple[str, ...]
    values: tuple[list[Any], ...]
    key: str

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.values) or self.key not in self.columns:
            raise ValueError("inserts need one list of values per column, the key column among them")
        if len({len(values) for values in self.values}) > 1:
            raise ValueError("every column of the inserts needs a value for every row")

    def __len__(self) -> int:
        return len(self.values[0])

    def column(self, name: str) -> list[Any]:
        """The values of one column, row by row."""
        return self.values[self.columns.index(name)]

    @cached_property
    def ids(self) -> list[str]:
        """The customer IDs, row by row (the key column itself when it holds text only)."""
        key = self.column(self.key)
        return key if set(map(type, key)) <= {str} else [str(value) for value in key]

    def changes(self) -> list[Change]:
        """One insert :class:`Change` per row (what the column form stands for)."""
        return [Change(cid, "insert", None, dict(zip(self.columns, row, strict=True)))
                for cid, row in zip(self.ids, zip(*self.values, strict=True), strict=True)]


#: Types that need no conversion at all (checked by exact type: the common case, kept fast).
PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def python_value(value: Any) -> Any:
    """Turn a pandas/numpy cell into a plain Python value a DBAPI driver binds (missing -> None)."""
    if type(value) in PLAIN_TYPES:
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and math.isnan(item) else item
    return value


def encode_value(value: Any) -> Any:
    """JSON-ready form of a database value; non-JSON types become ``{"$type": text}``."""
    value = python_value(value)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


def decode_value(value: Any) -> Any:
    """Inverse of :func:`encode_value`."""
    if not isinstance(value, dict):
        return value
    ((tag, text),) = value.items()
    decoders: dict[str, Any] = {
        "$float": float,
        "$decimal": Decimal,
        "$datetime": dt.datetime.fromisoformat,
        "$date": dt.date.fromisoformat,
        "$time": dt.time.fromisoformat,
        "$bytes": base64.b64decode,
    }
    return decoders[tag](text)


def same_value(a: Any, b: Any) -> bool:
    """Exact equality of two database values (None equals only None)."""
    a, b = python_value(a), python_value(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, bytearray | memoryview):
        a = bytes(a)
    if isinstance(b, bytearray | memoryview):
        b = bytes(b)
    return bool(a == b)


def loose_value(value: Any) -> str:
    """The comparison form of the reconciliation: NULL -> "" and surrounding whitespace stripped."""
    value = python_value(value)
    return "" if value is None else str(value).strip()
