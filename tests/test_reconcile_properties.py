"""Properties of reconciliation for any pair of tables (hypothesis).

IDs come from a small alphabet so that collisions, near-misses (case, surrounding spaces) and duplicates happen;
values mix None, empty, whitespace and case variants. The expected result is computed here independently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsync_core.config import load_config
from smsync_core.reconcile import Reconciliation, reconcile
from smsync_core.sources.canonical import canonical_clients

CONFIG = load_config({})
COMPARED = ("name", "address1", "address2", "city", "state", "postal_code", "phone", "fax", "mobile", "email",
            "contact")
TEXT = pd.StringDtype("pyarrow")

ID_ALPHABET = ["A", "a", "B", "b", " A", "A ", "AB", "A-1", "1001", "01001"]
VALUES = st.sampled_from([None, "", " ", "\t", "x", "X", " x", "x ", "\u00a0x\n", "x y", "x  y", "y", "Ü"])

Row = dict[str, Any]


@st.composite
def rows(draw: st.DrawFn, ids: st.SearchStrategy[str | None]) -> Row:
    row: Row = {"customer_id": draw(ids)}
    for field in COMPARED:
        row[field] = draw(VALUES)
    return row


sage_rows = st.lists(rows(st.one_of(st.none(), st.sampled_from(ID_ALPHABET))), max_size=8)
unique_sage_rows = st.lists(rows(st.sampled_from(ID_ALPHABET)), max_size=8, unique_by=lambda r: r["customer_id"])
# the SMSTurbo key is a primary key: one row per ID
turbo_rows = st.lists(rows(st.sampled_from(ID_ALPHABET)), max_size=8, unique_by=lambda r: r["customer_id"])


def sage_frame(data: Sequence[Row]) -> pd.DataFrame:
    frame = pd.DataFrame({f: pd.array([r[f] for r in data], dtype=TEXT) for f in ("customer_id", *COMPARED)})
    frame["status"] = pd.array([3] * len(data), dtype="Int64")
    return canonical_clients(frame)


def turbo_frame(data: Sequence[Row]) -> pd.DataFrame:
    return pd.DataFrame({f: pd.array([r[f] for r in data], dtype=TEXT) for f in ("customer_id", *COMPARED)})


def norm(value: str | None) -> str:
    return (value or "").strip()


def ids_of(frame: pd.DataFrame) -> list[str | None]:
    return [None if v is pd.NA else v for v in frame["customer_id"].tolist()]


def diff_set(rec: Reconciliation) -> set[tuple[str, str, str, str]]:
    return {tuple(r) for r in rec.differences[["customer_id", "field", "sage", "smsturbo"]].values.tolist()}


def summary(rec: Reconciliation) -> dict[str, Any]:
    """What a user sees, independent of source row order."""
    return {
        "sage_only": Counter(ids_of(rec.sage_only)),
        "smsturbo_only": sorted(ids_of(rec.smsturbo_only)),  # type: ignore[type-var]
        "different": sorted(ids_of(rec.different)),  # type: ignore[type-var]
        "matched": sorted(ids_of(rec.matched)),  # type: ignore[type-var]
        "fields": sorted(zip(ids_of(rec.different), rec.different["fields"].tolist(), strict=True)),
    }


# A reconciliation costs a few tenths of a second whatever its size (pandas overhead), so the default suite tries
# a few examples per property and the ``slow`` variants try many.
FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def every_id_lands_in_exactly_one_group(sage: list[Row], turbo: list[Row], missing_only: bool) -> None:
    rec = reconcile(sage_frame(sage), turbo_frame(turbo), CONFIG, missing_only=missing_only)
    groups = {
        "matched": set(ids_of(rec.matched)),
        "different": set(ids_of(rec.different)),
        "sage_only": set(ids_of(rec.sage_only)),
        "smsturbo_only": set(ids_of(rec.smsturbo_only)),
    }
    sage_ids = {r["customer_id"] for r in sage}
    turbo_ids = {r["customer_id"] for r in turbo}
    for cid in sage_ids | turbo_ids:
        homes = [name for name, members in groups.items() if cid in members]
        assert len(homes) == 1, (cid, homes)
    assert set().union(*groups.values()) == sage_ids | turbo_ids
    assert groups["sage_only"] == sage_ids - turbo_ids
    assert groups["smsturbo_only"] == turbo_ids - sage_ids
    assert groups["matched"] | groups["different"] == sage_ids & turbo_ids
    # every Sage row without a partner is in the right pane, duplicates and missing IDs included
    assert len(rec.sage_only) == sum(r["customer_id"] not in turbo_ids for r in sage)
    if missing_only:
        assert not groups["different"] and rec.differences.empty


def client_number_order(cid: str) -> tuple[bool, int, str]:
    numeric = cid.isascii() and cid.isdigit() and len(cid) <= 18
    return (not numeric, int(cid) if numeric else 0, cid)


def result_does_not_depend_on_row_order(sage: list[Row], turbo: list[Row], data: st.DataObject) -> None:
    shuffled_sage = data.draw(st.permutations(sage))
    shuffled_turbo = data.draw(st.permutations(turbo))
    for missing_only in (True, False):
        one = reconcile(sage_frame(sage), turbo_frame(turbo), CONFIG, missing_only=missing_only)
        two = reconcile(sage_frame(shuffled_sage), turbo_frame(shuffled_turbo), CONFIG, missing_only=missing_only)
        assert summary(one) == summary(two)
        assert one.to_dict()["smsturbo_only"] == two.to_dict()["smsturbo_only"]
        # differences of IDs used once in Sage are fully determined (duplicated IDs are errors in any case)
        once = {cid for cid, n in Counter(r["customer_id"] for r in sage).items() if n == 1}
        assert {d for d in diff_set(one) if d[0] in once} == {d for d in diff_set(two) if d[0] in once}
        # the JSON lists are in Client Number order whatever the input order: numbers by value, then text
        for key in ("smsturbo_only", "different"):
            listed = [e["customer_id"] for e in two.to_dict()[key]]
            assert listed == sorted(listed, key=client_number_order)


def differences_are_the_normalised_comparison(sage: list[Row], turbo: list[Row]) -> None:
    rec = reconcile(sage_frame(sage), turbo_frame(turbo), CONFIG, missing_only=False)
    theirs = {r["customer_id"]: r for r in turbo}
    expected = {
        (r["customer_id"], f, norm(r[f]), norm(theirs[r["customer_id"]][f]))
        for r in sage
        if r["customer_id"] in theirs
        for f in COMPARED
        if norm(r[f]) != norm(theirs[r["customer_id"]][f])
    }
    assert diff_set(rec) == expected
    assert set(ids_of(rec.different)) == {d[0] for d in expected}
    for cid, fields in zip(ids_of(rec.different), rec.different["fields"].tolist(), strict=True):
        assert list(fields) == [f for f in COMPARED if (cid, f) in {(d[0], d[1]) for d in expected}]


def differences_are_symmetric(sage: list[Row], turbo: list[Row]) -> None:
    forward = reconcile(sage_frame(sage), turbo_frame(turbo), CONFIG, missing_only=False)
    backward = reconcile(sage_frame(turbo), turbo_frame(sage), CONFIG, missing_only=False)
    assert {(c, f, a, b) for c, f, b, a in diff_set(backward)} == diff_set(forward)
    assert sorted(ids_of(forward.matched)) == sorted(ids_of(backward.matched))  # type: ignore[type-var]
    assert set(ids_of(forward.sage_only)) == set(ids_of(backward.smsturbo_only))


PROPERTIES = [
    (every_id_lands_in_exactly_one_group, {"sage": sage_rows, "turbo": turbo_rows, "missing_only": st.booleans()}),
    (result_does_not_depend_on_row_order, {"sage": sage_rows, "turbo": turbo_rows, "data": st.data()}),
    (differences_are_the_normalised_comparison, {"sage": unique_sage_rows, "turbo": turbo_rows}),
    (differences_are_symmetric, {"sage": unique_sage_rows, "turbo": turbo_rows}),
]


@pytest.mark.parametrize("prop", [p for p, _ in PROPERTIES], ids=[p.__name__ for p, _ in PROPERTIES])
def test_property(prop: Callable[..., None]) -> None:
    strategies = dict(PROPERTIES)[prop]
    FAST(given(**strategies)(prop))()


@pytest.mark.slow
@pytest.mark.parametrize("prop", [p for p, _ in PROPERTIES], ids=[p.__name__ for p, _ in PROPERTIES])
def test_property_thoroughly(prop: Callable[..., None]) -> None:
    strategies = dict(PROPERTIES)[prop]
    THOROUGH(given(**strategies)(prop))()
