"""Reconciliation on real SQLite databases: the two panes, exact IDs, compared values, eligibility, JSON shape."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

import smsync_core
from smsync_core.reconcile import Reconciliation
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

Reconciler = Callable[..., Reconciliation]

RIGHT_COLUMNS = ["customer_id", "name", "status", "status_ref", "inactive", "eligible", "has_error", "rules", "kind",
                 "fields"]


@pytest.fixture
def reconciled(tmp_path: Path) -> Reconciler:
    """Build both databases from rows and reconcile them through the public Python API."""
    counter = iter(range(1000))

    def run(
        sage_rows: Sequence[Mapping[str, Any]],
        turbo_rows: Sequence[Mapping[str, Any]],
        *,
        missing_only: bool = True,
        config: Mapping[str, Any] | None = None,
        recnum_type: str = "text",
        lengths: Mapping[str, int] | None = None,
    ) -> Reconciliation:
        n = next(counter)
        sage = make_sage_db(tmp_path / f"sage{n}.db", sage_rows, recnum_type=recnum_type)  # type: ignore[arg-type]
        turbo = make_smsturbo_db(tmp_path / f"turbo{n}.db", turbo_rows, lengths=lengths)
        wb = smsync_core.connect(sage, turbo, config or {})
        try:
            return wb.reconcile(missing_only=missing_only)
        finally:
            wb.close()

    return run


def ids(frame: Any) -> list[Any]:
    return [None if v is None or v != v or str(v) == "<NA>" else v for v in frame["customer_id"].tolist()]


def test_missing_only_lists_each_side_and_no_differences(reconciled: Reconciler) -> None:
    sage = [client("BOTH"), client("SAGE1"), client("SAGE2"), client("CHANGED", name="New name")]
    turbo = [customer("BOTH"), customer("TURBO1"), customer("CHANGED", name="Old name")]
    rec = reconciled(sage, turbo)
    assert rec.mode == "missing-only" and rec.missing_only
    assert ids(rec.sage_only) == ["SAGE1", "SAGE2"]
    assert ids(rec.smsturbo_only) == ["TURBO1"]
    assert rec.different.empty and rec.differences.empty
    assert sorted(ids(rec.matched)) == ["BOTH", "CHANGED"]  # values are not compared when missing only


def test_all_mode_lists_differences_field_by_field_with_both_values(reconciled: Reconciler) -> None:
    sage = [client("SAME"), client("CHANGED", name="Acme Corp", phone="555-0001", city="Dallas"), client("NEW")]
    turbo = [customer("SAME"), customer("CHANGED", name="Acme Corporation", phone="555-0002", city="Dallas"),
             customer("OLD")]
    rec = reconciled(sage, turbo, missing_only=False)
    assert rec.mode == "all"
    assert ids(rec.sage_only) == ["NEW"] and ids(rec.smsturbo_only) == ["OLD"]
    assert ids(rec.different) == ["CHANGED"] and ids(rec.matched) == ["SAME"]
    assert rec.different["fields"].tolist() == [("name", "phone")]
    diffs = rec.differences.values.tolist()
    assert diffs == [["CHANGED", "name", "Acme Corp", "Acme Corporation"], ["CHANGED", "phone", "555-0001", "555-0002"]]
    assert rec.to_dict()["different"] == [
        {
            "customer_id": "CHANGED",
            "fields": {
                "name": {"sage": "Acme Corp", "smsturbo": "Acme Corporation"},
                "phone": {"sage": "555-0001", "smsturbo": "555-0002"},
            },
        }
    ]


EQUAL_VALUES = [(None, ""), ("", None), ("  ", None), (" Dallas ", "Dallas"), ("Dallas", "Dallas\t"), ("\nX", "X")]
DIFFERENT_VALUES = [("Acme", "ACME"), ("Main  St", "Main St"), ("", "x"), (None, "x"), ("Müller", "Muller")]


def test_null_equals_empty_and_surrounding_whitespace_is_ignored(reconciled: Reconciler) -> None:
    sage = [client(f"C{i}", city=ours) for i, (ours, _) in enumerate(EQUAL_VALUES)]
    turbo = [customer(f"C{i}", city=theirs) for i, (_, theirs) in enumerate(EQUAL_VALUES)]
    rec = reconciled(sage, turbo, missing_only=False)
    assert rec.different.empty
    assert ids(rec.matched) == [f"C{i}" for i in range(len(EQUAL_VALUES))]


def test_values_are_otherwise_compared_exactly(reconciled: Reconciler) -> None:
    sage = [client(f"C{i}", address1=ours) for i, (ours, _) in enumerate(DIFFERENT_VALUES)]
    turbo = [customer(f"C{i}", address1=theirs) for i, (_, theirs) in enumerate(DIFFERENT_VALUES)]
    rec = reconciled(sage, turbo, missing_only=False)
    assert ids(rec.different) == [f"C{i}" for i in range(len(DIFFERENT_VALUES))]
    assert rec.different["fields"].tolist() == [("address1",)] * len(DIFFERENT_VALUES)
    got = [entry["fields"]["address1"] for entry in rec.to_dict()["different"]]
    assert got == [{"sage": (ours or "").strip(), "smsturbo": theirs} for ours, theirs in DIFFERENT_VALUES]


def test_ids_match_exactly_or_not_at_all(reconciled: Reconciler) -> None:
    sage_ids = ["acme01", " 1001", "1001 ", "0042", "A-1", "Ab"]
    turbo_ids = ["ACME01", "1001", "42", "A_1", "AB", "ab"]
    rec = reconciled([client(i) for i in sage_ids], [customer(i) for i in turbo_ids], missing_only=False)
    assert sorted(ids(rec.sage_only)) == sorted(sage_ids)
    assert sorted(ids(rec.smsturbo_only)) == sorted(turbo_ids)
    assert rec.matched.empty and rec.different.empty


def test_integer_client_numbers_match_text_customer_ids(reconciled: Reconciler) -> None:
    rec = reconciled([client(1001), client(2002)], [customer("1001"), customer("2002.0")], recnum_type="int")
    assert ids(rec.matched) == ["1001"]
    assert ids(rec.sage_only) == ["2002"] and ids(rec.smsturbo_only) == ["2002.0"]


def test_zzdefault_template_is_never_listed_but_lowercase_is_a_customer(reconciled: Reconciler) -> None:
    rec = reconciled([client("A1")], [customer("A1", name="Different"), customer("zzdefault")], missing_only=False)
    # make_smsturbo_db adds the ZZDEFAULT template row itself
    for frame in (rec.smsturbo_only, rec.different, rec.matched, rec.left_pane(), rec.right_pane()):
        assert "ZZDEFAULT" not in ids(frame)
    assert ids(rec.smsturbo_only) == ["zzdefault"]
    assert "ZZDEFAULT" not in json.dumps(rec.to_dict())


def test_eligibility_errors_and_inactive_are_not_eligible(reconciled: Reconciler) -> None:
    sage = [
        client("GOOD"),
        client("JSMITH", name="Julie Smith", status=6),
        client("FLAGGED", inactive=1),
        client("bad id"),
        client("DUP"),
        client("DUP"),
        client("NOPHONE", phone=None, mobile=None),
        client("TOOLONG", city="C" * 31),
    ]
    rec = reconciled(sage, [], lengths={"city": 30})
    right = rec.right_pane()
    got = {
        (cid, row.rules): (bool(row.eligible), bool(row.inactive), bool(row.has_error), bool(row.selectable))
        for cid, row in zip(right["customer_id"], right.itertuples(index=False), strict=True)
    }
    assert got == {
        ("GOOD", ()): (True, False, False, True),
        ("JSMITH", ("inactive",)): (False, True, False, True),  # can be checked by hand, not by Check All
        ("FLAGGED", ("inactive",)): (False, True, False, True),
        ("bad id", ("id-invalid-chars",)): (False, False, True, False),
        ("DUP", ("id-duplicate",)): (False, False, True, False),
        ("NOPHONE", ("missing-phone",)): (True, False, False, True),  # a warning does not block the import
        ("TOOLONG", ("field-too-long",)): (False, False, True, False),
    }
    assert rec.counts()["eligible"] == 2


def test_status_ref_text(reconciled: Reconciler) -> None:
    sage = [client("S6", status=6), client("S3", status=3), client("SN", status=None), client("S9", status=9)]
    rec = reconciled(sage, [])
    refs = dict(zip(rec.sage_only["customer_id"], rec.sage_only["status_ref"], strict=True))
    assert refs == {"S6": "6 - Do Not Accept Contract Again", "S3": "3 - Current Customer", "SN": "", "S9": "9"}
    renamed = reconciled([client("S6", status=6)], [], config={"status": {"names": {"6": "Inactive"}}})
    assert renamed.sage_only["status_ref"].tolist() == ["6 - Inactive"]


def test_right_and_left_pane_shapes(reconciled: Reconciler) -> None:
    sage = [client("NEW1"), client("NEW2", status=6), client("DIFF", phone="1"), client("SAME")]
    turbo = [customer("DIFF", phone="2"), customer("SAME"), customer("LEFT1")]
    rec = reconciled(sage, turbo, missing_only=False)
    right = rec.right_pane()
    assert list(right.columns)[: len(RIGHT_COLUMNS)] == RIGHT_COLUMNS
    assert "selectable" in right.columns
    assert list(zip(right["customer_id"], right["kind"], strict=True)) == [
        ("NEW1", "new"),
        ("NEW2", "new"),
        ("DIFF", "update"),
    ]
    assert right["fields"].tolist() == [(), (), ("phone",)]
    assert right["phone"].tolist()[2] == "1"  # the right pane shows the Sage side
    left = rec.left_pane()
    assert list(zip(left["customer_id"], left["kind"], strict=True)) == [("LEFT1", "smsturbo-only"),
                                                                         ("DIFF", "different")]
    assert left["phone"].tolist()[1] == "2"  # the left pane shows the SMSTurbo side
    assert not left["selectable"].any()
    only = reconciled(sage, turbo, missing_only=True)
    assert only.right_pane()["kind"].tolist() == ["new", "new"]
    assert only.left_pane()["kind"].tolist() == ["smsturbo-only"]


def test_to_dict_has_the_design_shape_sorted_by_customer_id(reconciled: Reconciler) -> None:
    sage = [client("ZED"), client(None), client("alpha", status=6), client("MID", name=None), client("B2", fax="9")]
    turbo = [customer("Z9"), customer("B2", fax="8"), customer("A0", name=None), customer("M1")]
    data = reconciled(sage, turbo, missing_only=False).to_dict()
    json.dumps(data)  # plain JSON types only
    assert data["mode"] == "all"
    assert [e["customer_id"] for e in data["smsturbo_only"]] == ["A0", "M1", "Z9"]
    assert data["smsturbo_only"][0] == {"customer_id": "A0", "name": None}
    sage_only = data["sage_only"]
    assert [e["customer_id"] for e in sage_only] == [None, "MID", "ZED", "alpha"]  # None first, then by ID
    for entry in sage_only:
        assert set(entry) >= {"customer_id", "name", "status", "status_ref", "inactive", "eligible", "rules"}
        assert isinstance(entry["status"], int) and isinstance(entry["status_ref"], str)
        assert isinstance(entry["inactive"], bool) and isinstance(entry["eligible"], bool)
        assert isinstance(entry["rules"], list)
    by_id = {e["customer_id"]: e for e in sage_only}
    assert by_id[None]["rules"] == ["id-empty"] and by_id[None]["eligible"] is False
    assert by_id["alpha"]["rules"] == ["id-invalid-chars", "inactive"] and by_id["alpha"]["inactive"] is True
    assert by_id["MID"] == {
        "customer_id": "MID",
        "name": None,
        "status": 3,
        "status_ref": "3 - Current Customer",
        "inactive": False,
        "eligible": True,
        "rules": ["missing-name"],
    } | {k: v for k, v in by_id["MID"].items() if k not in {"customer_id", "name", "status", "status_ref", "inactive",
                                                            "eligible", "rules"}}
    assert data["different"] == [{"customer_id": "B2", "fields": {"fax": {"sage": "9", "smsturbo": "8"}}}]
    missing = reconciled(sage, turbo, missing_only=True).to_dict()
    assert missing["mode"] == "missing-only" and missing["different"] == []


def test_different_list_sorted_by_customer_id(reconciled: Reconciler) -> None:
    names = ["Z1", "A1", "M1", "B1"]
    rec = reconciled([client(n, name="x") for n in names], [customer(n, name="y") for n in names], missing_only=False)
    assert [e["customer_id"] for e in rec.to_dict()["different"]] == sorted(names)
    assert ids(rec.different) == sorted(names)


def test_text_that_looks_dangerous_is_compared_verbatim(reconciled: Reconciler) -> None:
    evil = "Robert'); DROP TABLE Customer;-- \U0001f600"
    rec = reconciled([client("X1", name=evil)], [customer("X1", name="Robert")], missing_only=False)
    assert rec.to_dict()["different"][0]["fields"]["name"] == {"sage": evil, "smsturbo": "Robert"}


@pytest.mark.parametrize("missing_only", [True, False])
def test_an_error_of_validation_is_raised_as_it_is(tmp_path: Path, missing_only: bool) -> None:
    """Validation runs in a second thread beside the comparison; its error still reaches the caller unchanged."""
    from smsync_core.errors import SchemaMismatch
    from smsync_core.reconcile import reconcile

    sage = make_sage_db(tmp_path / "sage.db", [client("BOTH"), client("NEW", name="New")])
    turbo = make_smsturbo_db(tmp_path / "turbo.db", [customer("BOTH", name="Other"), customer("OLD")])
    wb = smsync_core.connect(sage, turbo, {})
    try:
        clients, customers, config = wb.sage_clients(), wb.smsturbo_customers(), wb.company_config()
    finally:
        wb.close()

    def failing() -> Any:
        raise SchemaMismatch("The SMSTurbo Customer table has no Name column; check the SMSTurbo database.")

    with pytest.raises(SchemaMismatch, match="no Name column"):
        reconcile(clients, customers, config, failing, missing_only=missing_only)


def test_the_workbench_findings_are_those_of_its_reconciliation(tmp_path: Path) -> None:
    sage = make_sage_db(tmp_path / "sage.db", [client("BOTH"), client("NEW", name=""), client("BAD ID")])
    turbo = make_smsturbo_db(tmp_path / "turbo.db", [customer("BOTH", name="Other")])
    wb = smsync_core.connect(sage, turbo, {})
    try:
        rec = wb.reconcile(missing_only=False)
        assert rec.findings is wb.check()  # validated once, beside the comparison, and kept for the notebooks
        assert not rec.findings.empty and ids(rec.different) == ["BOTH"]
    finally:
        wb.close()


def test_possible_duplicates_are_found_on_first_use_of_sage_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suggestion engine runs when the Sage-only clients are first asked for (panes, diff, Check All), once;
    reconciling alone (the differences, an import of chosen IDs) never pays for it."""
    from smsync_core import reconcile as reconcile_module

    calls: list[int] = []
    engine = reconcile_module._best_matches

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return engine(*args, **kwargs)

    monkeypatch.setattr(reconcile_module, "_best_matches", counted)
    look_alike = {"name": "Mesa Verde Landscaping", "postal_code": "80909", "phone": "(719) 555-0141"}
    sage = make_sage_db(tmp_path / "sage.db", [client("1005", **look_alike), client("1006")])
    turbo = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("0001005", **look_alike)])
    wb = smsync_core.connect(sage, turbo, {})
    rec = wb.reconcile(missing_only=False)
    assert calls == []
    assert ids(rec.unhinted_sage_only) == ["1005", "1006"]
    assert "possible_match" not in rec.unhinted_sage_only.columns
    assert rec.sage_only["possible_match"].tolist()[0] == "0001005" and calls == [1]
    assert rec.counts()["eligible"] == 1 and rec.right_pane()["possible_match"].notna().sum() == 1
    assert calls == [1]  # found once, then kept
    wb.close()


def test_reconciling_imports_no_suggestion_engine() -> None:
    """RapidFuzz is imported only when hints are computed (a reconciliation without unpartnered rows on both sides
    never needs it; ``smsync diff`` starts faster)."""
    import subprocess
    import sys

    code = "import sys, smsync_core.reconcile, smsync_core.workbench; print('rapidfuzz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
