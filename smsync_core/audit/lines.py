"""``changes.jsonl``: a run's changes as JSON Lines, one change per line, and back.

Each line is exactly what one call of the stdlib's JSON encoder writes for
``{"customer_id": ..., "action": ..., "before": ..., "after": ...}`` (compact separators, no ASCII escaping,
values tagged by :func:`~smsync_core.audit.changes.encode_value` where JSON has no type for them). Runs of
same-shaped changes (an import's inserts) are written column by column instead, most of it in Arrow: text that
needs no escaping is quoted by Arrow kernels, a column holding one value throughout (the columns copied from
the ``ZZDEFAULT`` template) is encoded once, and the lines are joined without a Python call per row. The bytes
are the same either way, so every record, old or new, reads back with :func:`decode_changes`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core.audit.changes import ACTIONS, PLAIN_TYPES, Change, Inserts, decode_value, encode_value

__all__ = ["decode_changes", "encode_changes", "encode_run"]


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
    """One change as one call of the JSON encoder writes it: the reference every faster path matches."""
    item = {"customer_id": change.customer_id, "action": change.action, "before": change.before,
            "after": change.after}
    try:  # the C encoder, calling _tag only for decimals, dates, bytes...
        return _ENCODER.encode(item) + "\n"
    except ValueError:  # a NaN or infinite float: tag every value the slow way
        item["before"], item["after"] = _encode_row(change.before), _encode_row(change.after)
        return _ENCODER.encode(item) + "\n"


#: The columns of one side of a run of changes: None (JSON null), or (column, values row by row) pairs.
Side = Sequence[tuple[str, Sequence[Any]]] | None
#: Types whose equal values have the same JSON text (unlike 0.0 and -0.0, or Decimal 1.0 and 1.00).
_SAME_TEXT_WHEN_EQUAL = frozenset({str, int, bool, type(None)})


def _constant(values: Sequence[Any]) -> bool:
    """Whether every value is written as the same JSON text (a column copied from the template)."""
    first = values[0]
    if values.count(first) != len(values):  # identical objects count without comparing
        return False
    if type(first) in _SAME_TEXT_WHEN_EQUAL:
        return set(map(type, values)) == {type(first)}
    return all(value is first for value in values)


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


def _json_texts(values: Sequence[Any]) -> str | pa.Array:
    """One column's values as their JSON texts: one text for a constant column, else an Arrow string array.

    Text that needs no escaping (the usual case) is quoted in Arrow, without a Python call per value; so are
    decimals (their text never needs escaping) and columns of NULLs.
    """
    if _constant(values):
        return _value(values[0])
    types = set(map(type, values))
    if str in types and types <= {str, type(None)}:
        try:
            text = pa.array(values, type=pa.string())
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate: left to the JSON encoder
            text = None
        if text is not None and _plain_text(text):
            quoted = pc.binary_join_element_wise('"', text, '"', "")
            return pc.fill_null(quoted, "null") if text.null_count else quoted
    elif types == {Decimal}:
        return pc.binary_join_element_wise('{"$decimal":"', pa.array(list(map(str, values)), type=pa.string()),
                                           '"}', "")
    return pa.array(_column(values), type=pa.string())


def _object_parts(side: Side, texts: Callable[[Sequence[Any]], str | pa.Array]) -> list[str | pa.Array]:
    if side is None:
        return ["null"]
    if not side:
        return ["{}"]
    parts: list[str | pa.Array] = []
    for i, (key, values) in enumerate(side):
        parts += [("{" if i == 0 else ",") + _STRING(key) + ":", texts(values)]
    return [*parts, "}"]


def _columns_bytes(action: str, ids: Sequence[str], before: Side, after: Side) -> bytes:
    """The lines of a run of same-shaped changes from its columns: the same bytes as :func:`_line` per change."""
    encoded: dict[int, str | pa.Array] = {}

    def texts(values: Sequence[Any]) -> str | pa.Array:  # a column given twice (the key) is encoded once
        if id(values) not in encoded:
            encoded[id(values)] = _json_texts(values)
        return encoded[id(values)]

    parts = ['{"customer_id":', texts(ids), ',"action":' + _STRING(action) + ',"before":',
             *_object_parts(before, texts), ',"after":', *_object_parts(after, texts), "}\n"]
    merged: list[str | pa.Array] = []
    for part in parts:  # adjacent literals (constant columns included) as one
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if all(isinstance(part, str) for part in merged):  # every line the same
        return "".join(map(str, merged)).encode("utf-8") * len(ids)
    lines = pc.binary_join_element_wise(*merged, "")
    _validity, offsets, data = lines.buffers()  # no nulls: every line is text; the lines lie end to end in data
    bounds = np.frombuffer(offsets, dtype=np.int32)[[lines.offset, lines.offset + len(lines)]]
    return data[int(bounds[0]):int(bounds[1])].to_pybytes()  # type: ignore[no-any-return]


#: Changes of one shape (action, before columns, after columns) share one line template.
Shape = tuple[str, tuple[str, ...] | None, tuple[str, ...] | None]


def _shape(change: Change) -> Shape:
    return (change.action, None if change.before is None else tuple(change.before),
            None if change.after is None else tuple(change.after))


def _side(keys: tuple[str, ...] | None, rows: Sequence[Mapping[str, Any] | None]) -> Side:
    # one shape: every row has these columns, in this order (and is None exactly when keys is)
    present = cast(Sequence[Mapping[str, Any]], rows)
    return None if keys is None else [(key, list(map(itemgetter(key), present))) for key in keys]


def _lines_bytes(shape: Shape, changes: Sequence[Change]) -> bytes:
    action, before, after = shape
    if len(changes) >= 8 and all(type(k) is str for k in (*(before or ()), *(after or ()))):
        try:
            return _columns_bytes(action, [change.customer_id for change in changes],
                                  _side(before, [change.before for change in changes]),
                                  _side(after, [change.after for change in changes]))
        except (pa.ArrowException, UnicodeError, OverflowError):  # e.g. more than 2 GB of text
            pass
    return "".join(_line(change) for change in changes).encode("utf-8")


def _inserts_bytes(inserts: Inserts) -> bytes:
    if len(inserts) >= 8 and all(type(k) is str for k in inserts.columns):
        try:
            return _columns_bytes("insert", inserts.ids, None, list(zip(inserts.columns, inserts.values,
                                                                         strict=True)))
        except (pa.ArrowException, UnicodeError, OverflowError):
            pass
    return "".join(_line(change) for change in inserts.changes()).encode("utf-8")


def encode_run(inserts: Inserts | None, changes: Iterable[Change]) -> bytes:
    """A run's changes as JSON Lines (UTF-8, one change per line, keys in a fixed order): ``inserts`` first.

    The bytes are those of one JSON encoder call per change; runs of changes with the same columns (the
    inserts of an import) are written column by column, most of it in Arrow, many times faster.
    """
    head = b"" if inserts is None or not len(inserts) else _inserts_bytes(inserts)
    return head + b"".join(_lines_bytes(shape, list(run)) for shape, run in itertools.groupby(changes, key=_shape))


def encode_changes(changes: Iterable[Change]) -> bytes:
    """The changes as JSON Lines (see :func:`encode_run`)."""
    return encode_run(None, changes)


def _decode_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {column: decode_value(v) for column, v in row.items()}


def decode_changes(data: bytes | str) -> list[Change]:
    """Read back what :func:`encode_run` wrote."""
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

