"""One change to one SMSTurbo customer, and its exact, lossless JSON form for the run record.

A run (sync or undo) is a list of :class:`Change` rows keyed by target column names. The record stores
them as JSON Lines so that undo can restore the exact prior values: types JSON cannot hold (decimals,
dates, bytes, non-finite floats) are written as tagged objects and read back as the same Python values.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def _decode_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {column: decode_value(v) for column, v in row.items()}


def _tag(value: Any) -> Any:
    """``default`` hook of the JSON encoder: tag what JSON has no type for."""
    encoded = encode_value(value)
    if encoded is value:
        raise TypeError(f"cannot record a value of type {type(value).__name__}")
    return encoded


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_tag, separators=(",", ":"))
#: The string encoder the JSON encoder above uses (C, for ``ensure_ascii=False``).
_STRING: Callable[[str], str] = encode_basestring


def _tagged(value: Any) -> str:
    return _ENCODER.encode(encode_value(value))


def _number(value: float) -> str:
    return float.__repr__(value) if math.isfinite(value) else _tagged(value)


#: Exact types written without the general encoder, exactly as it writes them.
_FAST: dict[type, Callable[[Any], str]] = {
    str: _STRING,
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda _value: "null",
    float: _number,
    Decimal: lambda value: '{"$decimal":' + _STRING(str(value)) + "}",
}


def _value(value: Any) -> str:
    """One value as the encoder writes it (a NaN or infinite float tagged like :func:`encode_value`)."""
    fast = _FAST.get(type(value))
    if fast is not None:
        return fast(value)
    try:
        return _ENCODER.encode(value)
    except ValueError:
        return _tagged(value)


def _column(values: Sequence[Any]) -> list[str]:
    """Encode one column of values; a column of one type (or text with NULLs) in one pass."""
    types = set(map(type, values))
    if types <= {str, type(None)} and str in types:
        if len(types) == 1:
            return list(map(_STRING, values))
        string = _STRING
        return [string(v) if v is not None else "null" for v in values]
    fast = _FAST.get(next(iter(types))) if len(types) == 1 else None
    return list(map(fast or _value, values))


def _encode_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {column: v if type(v) in PLAIN_TYPES else encode_value(v) for column, v in row.items()}


def _line(change: Change) -> str:
    item = {"customer_id": change.customer_id, "action": change.action, "before": change.before,
            "after": change.after}
    try:  # the C encoder, calling _tag only for decimals, dates, bytes...
        return _ENCODER.encode(item) + "\n"
    except ValueError:  # a NaN or infinite float: tag every value the slow way
        item["before"], item["after"] = _encode_row(change.before), _encode_row(change.after)
        return _ENCODER.encode(item) + "\n"


Shape = tuple[str, tuple[str, ...] | None, tuple[str, ...] | None]


def _shape(change: Change) -> Shape:
    """Changes of one shape (action, before columns, after columns) share one line template."""
    return (change.action, None if change.before is None else tuple(change.before),
            None if change.after is None else tuple(change.after))


def _plain_text(text: pa.Array) -> bool:
    """Whether no value needs JSON escaping: no ``"``, ``\\`` or control character (bytes below 0x20).

    Checked on the UTF-8 bytes themselves: those bytes never occur inside a multi-byte character.
    """
    _validity, offsets, data = text.buffers()
    if data is None:
        return True
    bounds = np.frombuffer(offsets, dtype=np.int32)[[text.offset, text.offset + len(text)]]
    raw = np.frombuffer(data, dtype=np.uint8)[int(bounds[0]):int(bounds[1])]
    return not bool(((raw < 0x20) | (raw == 0x22) | (raw == 0x5C)).any())


def _json_texts(values: Sequence[Any]) -> pa.Array:
    """One column's values as their JSON texts, in an Arrow string array.

    Text that needs no escaping (the usual case) is quoted in Arrow, without a Python call per value; so are
    decimals (their text never needs escaping) and columns of NULLs.
    """
    types = set(map(type, values))
    if str in types and types <= {str, type(None)}:
        try:
            text = pa.array(values, type=pa.string())
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate: left to the JSON encoder
            text = None
        if text is not None and _plain_text(text):
            quoted = pc.binary_join_element_wise('"', text, '"', "")
            return pc.fill_null(quoted, "null") if text.null_count else quoted
    elif types == {type(None)}:
        return pa.array(["null"] * len(values), type=pa.string())
    elif types == {Decimal}:
        return pc.binary_join_element_wise('{"$decimal":"', pa.array(list(map(str, values)), type=pa.string()),
                                           '"}', "")
    return pa.array(_column(values), type=pa.string())


def _object_parts(keys: tuple[str, ...] | None, columns: Iterator[pa.Array]) -> list[str | pa.Array]:
    if keys is None:
        return ["null"]
    if not keys:
        return ["{}"]
    parts: list[str | pa.Array] = []
    for i, key in enumerate(keys):
        parts += [("{" if i == 0 else ",") + _STRING(key) + ":", next(columns)]
    return [*parts, "}"]


def _run_bytes(shape: Shape, changes: Sequence[Change]) -> bytes:
    """The lines of changes of one shape, built column by column in Arrow: the same bytes as :func:`_line`."""
    action, before, after = shape
    columns = [_json_texts([change.customer_id for change in changes])]
    for keys, side in ((before, "before"), (after, "after")):
        rows: list[Mapping[str, Any]] = [getattr(change, side) for change in changes] if keys else []
        for key in keys or ():  # one shape: every row has these columns, in this order
            columns.append(_json_texts(list(map(itemgetter(key), rows))))
    texts = iter(columns)
    parts: list[str | pa.Array] = ['{"customer_id":', next(texts), ',"action":' + _STRING(action) + ',"before":',
                                   *_object_parts(before, texts), ',"after":', *_object_parts(after, texts), "}\n"]
    merged: list[str | pa.Array] = []
    for part in parts:  # adjacent literals as one
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    lines = pc.binary_join_element_wise(*merged, "")
    _validity, offsets, data = lines.buffers()  # no nulls: every line is text; the lines lie end to end in data
    bounds = np.frombuffer(offsets, dtype=np.int32)[[lines.offset, lines.offset + len(lines)]]
    return data[int(bounds[0]):int(bounds[1])].to_pybytes()  # type: ignore[no-any-return]


def _lines_bytes(shape: Shape, changes: Sequence[Change]) -> bytes:
    _action, before, after = shape
    if len(changes) >= 8 and all(type(k) is str for k in (*(before or ()), *(after or ()))):
        try:
            return _run_bytes(shape, changes)
        except (pa.ArrowException, UnicodeError, OverflowError):  # e.g. more than 2 GB of text
            pass
    return "".join(_line(change) for change in changes).encode("utf-8")


def encode_changes(changes: Iterable[Change]) -> bytes:
    """The changes as JSON Lines (UTF-8, one change per line, keys in a fixed order).

    The bytes are those of one JSON encoder call per change; runs of changes with the same columns (the
    inserts of an import) are written column by column, most of it in Arrow, several times faster.
    """
    return b"".join(_lines_bytes(shape, list(run)) for shape, run in itertools.groupby(changes, key=_shape))


def decode_changes(data: bytes | str) -> list[Change]:
    """Read back what :func:`encode_changes` wrote."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    changes = []
    for line in text.split("\n"):  # not splitlines(): text holds U+0085, U+2028 and U+2029 unescaped
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
