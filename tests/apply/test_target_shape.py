"""The target's shape is checked again under the import's lock: a mapped column or the ZZDEFAULT template that
changed between the plan and the apply is a conflict, and nothing is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from smsync_core.audit.verify import verify
from smsync_core.workbench import Workbench
from tests.support.data import client, customer, sha256
from tests.support.runs import apply, manifest, open_pair, rows, runs


@pytest.fixture
def wb(tmp_path: Path) -> Workbench:
    """Two new clients to insert, one that differs in its phone (to update with Replace Options)."""
    return open_pair(tmp_path, [client("1001"), client("1002"), client("2000", phone="555-0000")],
                     [customer("2000")])


def alter(path: Path, *statements: str) -> None:
    """Change SMSTurbo behind smsync's back (another program, a DBA)."""
    con = sqlite3.connect(path)
    try:
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


@pytest.mark.parametrize(("statements", "expected"), [
    (['ALTER TABLE "Customer" DROP COLUMN "Email"'], "column Email is no longer"),
    (["DELETE FROM \"Customer\" WHERE \"CustomerID\" = 'ZZDEFAULT'"], "ZZDEFAULT, whose values new customers copy, "
                                                                      "was deleted"),
    (["UPDATE \"Customer\" SET \"Terms\" = 'NET60' WHERE \"CustomerID\" = 'ZZDEFAULT'"], "ZZDEFAULT changed"),
], ids=["mapped-column-dropped", "template-deleted", "template-changed"])
def test_a_changed_target_between_plan_and_apply_is_a_conflict(wb: Workbench, tmp_path: Path,
                                                              statements: list[str], expected: str) -> None:
    path = tmp_path / "smsturbo.db"
    plan = wb.plan(["1001", "1002"])
    assert plan.insert_ids == ("1001", "1002")
    alter(path, *statements)
    before = sha256(path)
    result = apply(wb, plan, tmp_path / "reports")
    assert result.outcome == "conflict" and not result.ok
    reasons = " ".join(result.conflicts["reason"])
    assert expected in reasons, reasons
    assert sha256(path) == before and "1001" not in rows(path) and runs(path) == []
    assert manifest(result.record_dir or Path())["outcome"] == "conflict"
    assert "SMSTurbo changed since the plan was made" in result.message()
    assert verify([tmp_path / "reports"], engine=wb.smsturbo_engine).ok


def test_a_template_added_after_the_plan_is_a_conflict(tmp_path: Path) -> None:
    wb = open_pair(tmp_path, [client("1001")], [], template=False)
    plan = wb.plan(["1001"])
    alter(tmp_path / "smsturbo.db",
          "INSERT INTO \"Customer\" (\"CustomerID\", \"Terms\") VALUES ('ZZDEFAULT', 'NET15')")
    result = apply(wb, plan, tmp_path / "reports")
    assert result.outcome == "conflict" and "was added after the plan" in " ".join(result.conflicts["reason"])
    assert "1001" not in rows(tmp_path / "smsturbo.db")


def test_an_updated_column_dropped_after_the_plan_is_a_conflict(wb: Workbench, tmp_path: Path) -> None:
    path = tmp_path / "smsturbo.db"
    plan = wb.plan(["2000"], replace=("phones",))
    assert plan.update_ids == ("2000",)
    alter(path, 'ALTER TABLE "Customer" DROP COLUMN "Phone"')
    result = apply(wb, plan, tmp_path / "reports")
    assert result.outcome == "conflict"
    assert list(result.conflicts["field"]) == ["Phone"]
    assert runs(path) == []


def test_an_unchanged_target_still_imports_with_the_template_values(wb: Workbench, tmp_path: Path) -> None:
    plan = wb.plan(["1001"])
    alter(tmp_path / "smsturbo.db",
          "UPDATE \"Customer\" SET \"CustomerName\" = 'Renamed' WHERE \"CustomerID\" = '2000'")
    result = apply(wb, plan, tmp_path / "reports")
    assert result.outcome == "committed", result.conflicts
    assert rows(tmp_path / "smsturbo.db")["1001"]["Terms"] == "NET30"
