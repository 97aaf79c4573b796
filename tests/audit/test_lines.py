"""changes.jsonl: the bytes of every record are those of one stdlib JSON encoder call per change, however built.

The column-by-column encoder (an import's new customers, held as :class:`Inserts`) must write exactly what the
original encoder wrote, so records written before and after read back, verify and undo the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsync_core.audit.changes import Change, Inserts, encode_value
from smsync_core.audit.lines import decode_changes, encode_changes, encode_run


def original_encoder(changes: list[Change]) -> bytes:
    """How records were written before the column encoder: one ``json`` call per change (the reference)."""
    def tag(value: Any) -> Any:
        encoded = encode_value(value)
        if encoded is value:
            raise TypeError(type(value).__name__)
        return encoded

    lines = []
    for change in changes:
        item = {"customer_id": change.customer_id, "action": change.action, "before": change.before,
                "after": change.after}
        try:
            line = json.dumps(item, ensure_ascii=False, allow_nan=False, default=tag, separators=(",", ":"))
        except ValueError:  # NaN / infinity: every value tagged
            for side in ("before", "after"):
                row = item[side]
                item[side] = None if row is None else {k: encode_value(v) for k, v in row.items()}
            line = json.dumps(item, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        lines.append(line + "\n")
    return "".join(lines).encode("utf-8")


#: A record of three changes as the original encoder wrote it (a change of format must keep reading this).
RECORDED = (
    '{"customer_id":"A\\"1","action":"insert","before":null,"after":{"CustomerID":"A\\"1","CustomerName":'
    '"Café 🚀 \\u0000\\n","CreditLimit":{"$decimal":"5000.00"},"Active":1,"Rate":{"$float":"inf"}}}\n'
    '{"customer_id":"B1","action":"update","before":{"Phone":"1"},"after":{"Phone":null}}\n'
    '{"customer_id":"C1","action":"delete","before":{"CustomerID":"C1","Opened":{"$date":"2026-01-02"}},'
    '"after":null}\n'
).encode()
RECORDED_CHANGES = [
    Change('A"1', "insert", None, {"CustomerID": 'A"1', "CustomerName": "Café 🚀 \x00\n",
                                   "CreditLimit": Decimal("5000.00"), "Active": 1, "Rate": math.inf}),
    Change("B1", "update", {"Phone": "1"}, {"Phone": None}),
    Change("C1", "delete", {"CustomerID": "C1", "Opened": dt.date(2026, 1, 2)}, None),
]


def test_a_recorded_file_reads_back_and_is_written_again_byte_for_byte() -> None:
    back = decode_changes(RECORDED)
    assert back == RECORDED_CHANGES
    assert encode_changes(RECORDED_CHANGES) == RECORDED == original_encoder(RECORDED_CHANGES)
    many = [Change(f"N{i}", "insert", None, {"CustomerID": f"N{i}", "Name": 'O"Brien\t', "Active": 1})
            for i in range(20)]
    assert encode_changes(many) == original_encoder(many)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # no lone surrogates: not UTF-8
VALUES = st.one_of(
    st.none(), TEXT, st.sampled_from(['say "hi"', "back\\slash", "tab\there", "\x00", "\x1f", "🚀", "é"]),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2), st.sampled_from([Decimal("1.0"), Decimal("1.00")]),
    st.dates(), st.datetimes(), st.binary(max_size=6),
)


@st.composite
def columns(draw: st.DrawFn, rows: int) -> list[Any]:
    """One column: random values, one value throughout (the template's), or equal values written differently."""
    kind = draw(st.sampled_from(["random", "constant", "equal-but-different", "text"]))
    if kind == "constant":
        return [draw(VALUES)] * rows
    if kind == "equal-but-different":
        pair = draw(st.sampled_from([(0.0, -0.0), (Decimal("1.0"), Decimal("1.00")), (1, True), (0, False),
                                     ("x", "x"), (None, None)]))
        return [pair[draw(st.integers(0, 1))] for _ in range(rows)]
    if kind == "text":
        return [draw(st.one_of(st.none(), TEXT)) for _ in range(rows)]
    return [draw(VALUES) for _ in range(rows)]


@st.composite
def inserts(draw: st.DrawFn) -> Inserts:
    rows = draw(st.integers(min_value=1, max_value=30))
    names = draw(st.lists(st.sampled_from(["Name", "Phone", "Rate", "Limit", "Active", "Notes", "Opened"]),
                          unique=True, max_size=5))
    ids = [f"C{i}" for i in range(rows)] if draw(st.booleans()) else [f'"{i}\\' for i in range(rows)]
    return Inserts(("CustomerID", *names), (ids, *(draw(columns(rows)) for _ in names)), "CustomerID")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inserts(), st.lists(st.builds(Change, st.just("U1"), st.just("update"),
                                     st.fixed_dictionaries({"Phone": VALUES}),
                                     st.fixed_dictionaries({"Phone": VALUES})), max_size=10))
def test_column_encoder_writes_the_bytes_of_the_original_encoder(new: Inserts, updates: list[Change]) -> None:
    expected = original_encoder([*new.changes(), *updates])
    assert encode_run(new, updates) == expected
    assert encode_changes([*new.changes(), *updates]) == expected
    assert encode_changes(decode_changes(expected)) == expected  # what is read back is written the same


def test_text_that_is_not_unicode_is_refused_either_way() -> None:
    new = Inserts(("CustomerID", "Name"), ([f"C{i}" for i in range(10)], ["ok"] * 9 + ["\ud800"]), "CustomerID")
    with pytest.raises(UnicodeError):
        encode_run(new, [])
    with pytest.raises(UnicodeError):
        original_encoder(new.changes())


def test_inserts_stand_for_one_insert_change_per_row() -> None:
    new = Inserts(("CustomerID", "Active"), ([1001, "A2"], [1, None]), "CustomerID")
    assert new.ids == ["1001", "A2"] and len(new) == 2
    assert new.changes() == [Change("1001", "insert", None, {"CustomerID": 1001, "Active": 1}),
                             Change("A2", "insert", None, {"CustomerID": "A2", "Active": None})]
    with pytest.raises(ValueError, match="every column"):
        Inserts(("CustomerID", "Active"), (["A"], [1, 2]), "CustomerID")
    with pytest.raises(ValueError, match="key column"):
        Inserts(("Active",), ([1],), "CustomerID")

