"""One change to one SMSTurbo customer, and its exact, lossless JSON form for the run record.

A run (sync or undo) is a list of :class:`Change` rows keyed by target column names. The record stores
them as JSON Lines so that undo can restore the exact prior values: types JSON cannot hold (decimals,
dates, bytes, non-finite floats) are written as tagged objects and read back as the same Python values.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
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


def _encode_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {column: v if type(v) in PLAIN_TYPES else encode_value(v) for column, v in row.items()}


def _decode_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {column: decode_value(v) for column, v in row.items()}


def _tag(value: Any) -> Any:
    """``default`` hook of the JSON encoder: tag what JSON has no type for."""
    encoded = encode_value(value)
    if encoded is value:
        raise TypeError(f"cannot record a value of type {type(value).__name__}")
    return encoded


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_tag, separators=(",", ":"))


def _line(change: Change) -> str:
    item = {"customer_id": change.customer_id, "action": change.action, "before": change.before,
            "after": change.after}
    try:  # fast path: the C encoder, calling _tag only for decimals, dates, bytes...
        return _ENCODER.encode(item)
    except ValueError:  # a NaN or infinite float: tag every value the slow way
        item["before"], item["after"] = _encode_row(change.before), _encode_row(change.after)
        return _ENCODER.encode(item)


def encode_changes(changes: Iterable[Change]) -> bytes:
    """The changes as JSON Lines (UTF-8, one change per line, keys in a fixed order)."""
    return "".join(_line(change) + "\n" for change in changes).encode("utf-8")


def decode_changes(data: bytes | str) -> list[Change]:
    """Read back what :func:`encode_changes` wrote."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    changes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if item["action"] not in ACTIONS:
            raise ValueError(f"unknown action {item['action']!r} in a run record")
        changes.append(
            Change(str(item["customer_id"]), item["action"], _decode_row(item["before"]),
                   _decode_row(item["after"]))
        )
    return changes


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
