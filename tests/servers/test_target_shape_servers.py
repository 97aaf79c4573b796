"""PostgreSQL: the target's shape is checked under the import's lock, and stays put until the commit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

import smsync_core
from smsync_core.apply.run import ApplyResult, apply_plan
from smsync_core.audit.context import RunContext
from smsync_core.plan import Plan
from smsync_core.targets.smsturbo import smsturbo_table
from smsync_core.workbench import Workbench
from tests.servers.helpers import count_rows, execute, table_rows
from tests.support.data import client, make_sage_db

pytestmark = pytest.mark.server


def target(url: str) -> None:
    """SMSTurbo on the server: the Customer table with its ZZDEFAULT template row."""
    engine = sa.create_engine(url)
    try:
        table = smsturbo_table(sa.MetaData())
        with engine.begin() as connection:
            table.create(connection)
            connection.execute(table.insert(), [{"CustomerID": "ZZDEFAULT", "Terms": "NET30", "Active": 1}])
    finally:
        engine.dispose()


def open_pair(tmp_path: Path, url: str) -> Workbench:
    target(url)
    return smsync_core.connect(make_sage_db(tmp_path / "sage.db", [client("1001"), client("1002")]), url, {})


def run(wb: Workbench, plan: Plan, reports: Path, hook: Callable[[str], None] | None = None) -> ApplyResult:
    context = RunContext.create(str(wb.smsturbo_url), wb.sage_url, wb.config)
    return apply_plan(plan, wb.smsturbo_engine, wb.config, context=context, reports_dir=reports, hook=hook)


@pytest.mark.parametrize(("statement", "expected"), [
    ('ALTER TABLE "Customer" DROP COLUMN "Email"', "column Email is no longer"),
    ("DELETE FROM \"Customer\" WHERE \"CustomerID\" = 'ZZDEFAULT'", "was deleted"),
    ("UPDATE \"Customer\" SET \"Terms\" = 'NET60' WHERE \"CustomerID\" = 'ZZDEFAULT'", "ZZDEFAULT changed"),
], ids=["mapped-column-dropped", "template-deleted", "template-changed"])
def test_postgresql_a_changed_target_is_a_conflict(pg_url: str, tmp_path: Path, statement: str,
                                                   expected: str) -> None:
    wb = open_pair(tmp_path, pg_url)
    plan = wb.plan(["1001", "1002"])
    execute(pg_url, statement)
    result = run(wb, plan, tmp_path / "reports")
    assert result.outcome == "conflict"
    assert expected in " ".join(result.conflicts["reason"])
    assert set(table_rows(pg_url)) <= {"ZZDEFAULT"} and count_rows(pg_url, "smsync_runs") == 0
    wb.smsturbo_engine.dispose()


def test_postgresql_the_columns_cannot_change_while_the_import_runs(pg_url: str, tmp_path: Path) -> None:
    wb = open_pair(tmp_path, pg_url)
    plan = wb.plan(["1001", "1002"])
    refused: list[str] = []

    def hook(step: str) -> None:
        if step == "insert":  # another session tries to drop a mapped column in the middle of the import
            engine = sa.create_engine(pg_url)
            try:
                with engine.begin() as connection:
                    connection.execute(sa.text("SET lock_timeout = '300ms'"))
                    connection.execute(sa.text('ALTER TABLE "Customer" DROP COLUMN "Email"'))
            except sa.exc.OperationalError as exc:
                refused.append(str(exc.orig))
            finally:
                engine.dispose()

    result = run(wb, plan, tmp_path / "reports", hook=hook)
    assert refused and "lock timeout" in refused[0]
    assert result.outcome == "committed"
    assert table_rows(pg_url)["1001"]["Email"] == client("1001")["email"]
    wb.smsturbo_engine.dispose()
