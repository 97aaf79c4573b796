"""Apply: one transaction on a real SQLite SMSTurbo file, with its record; conflicts change nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import smsync_core
from smsync_core.apply.run import apply_plan, dry_run_result
from smsync_core.audit.context import RunContext
from smsync_core.audit.verify import verify
from smsync_core.workbench import Workbench
from tests.support.data import client, customer, make_sage_db, sha256
from tests.support.runs import TRICKY, apply, manifest, open_pair, rows, runs


@pytest.fixture
def story(tmp_path: Path) -> Workbench:
    """Sage: two new eligible clients, one inactive, one with a bad ID, one that differs, one identical."""
    clients = [
        client("1001"), client("1002", name="Second"), client("JS-1", name="Julie Smith", status=6),
        client("bad id"), client("2000", phone="555-NEW", city="New City", email="new@example.com"),
        client("3000"),
    ]
    customers = [customer("2000"), customer("3000"), customer("9999", name="Only in SMSTurbo")]
    return open_pair(tmp_path, clients, customers)


def test_dry_run_changes_nothing(story: Workbench, tmp_path: Path) -> None:
    before = sha256(tmp_path / "smsturbo.db")
    plan = story.plan("all-eligible")
    result = dry_run_result(plan)
    assert result.outcome == "dry-run" and result.to_dict()["dry_run"] is True
    assert set(result.inserted) == {"1001", "1002"}
    assert sha256(tmp_path / "smsturbo.db") == before
    assert not (tmp_path / "reports").exists()


def test_all_eligible_inserts_exactly_the_eligible_clients(story: Workbench, tmp_path: Path) -> None:
    result = apply(story, story.plan("all-eligible"), tmp_path / "reports")
    assert result.outcome == "committed"
    assert set(rows(tmp_path / "smsturbo.db")) == {"1001", "1002", "2000", "3000", "9999", "ZZDEFAULT"}
    assert result.message().startswith("Import completed: 2 inserted, 0 updated; record in ")
    assert manifest(result.record_dir or Path())["outcome"] == "committed"
    assert [r["run_id"] for r in runs(tmp_path / "smsturbo.db")] == [result.run_id]


def test_inactive_client_can_be_selected_by_id(story: Workbench, tmp_path: Path) -> None:
    plan = story.plan(["JS-1", "bad id", "3000", "nope", "ZZDEFAULT"])
    assert plan.insert_ids == ("JS-1",)
    reasons = dict(zip(plan.skipped["customer_id"], plan.skipped["reason"], strict=True))
    assert reasons["bad id"] == "Client Number has characters SMSTurbo does not accept"  # in words, no code
    assert reasons["3000"].startswith("already in SMSTurbo")
    assert reasons["nope"].startswith("not in Sage 100")
    assert "template" in reasons["ZZDEFAULT"]
    result = apply(story, plan, tmp_path / "reports")
    assert result.inserted == ("JS-1",)
    assert rows(tmp_path / "smsturbo.db")["JS-1"]["CustomerName"] == "Julie Smith"


def test_values_are_stored_verbatim(tmp_path: Path) -> None:
    clients = [client(f"T{i}", name=value, contact=value) for i, value in enumerate(TRICKY)]
    wb = open_pair(tmp_path, clients, [])
    result = apply(wb, wb.plan([f"T{i}" for i in range(len(TRICKY))]), tmp_path / "reports")
    assert result.outcome == "committed", result.error
    stored = rows(tmp_path / "smsturbo.db")
    for i, value in enumerate(TRICKY):
        assert stored[f"T{i}"]["CustomerName"] == value
        assert stored[f"T{i}"]["Contact"] == value
    assert "ZZDEFAULT" in stored  # the table survived its name in a value


def test_new_customers_copy_zzdefault(story: Workbench, tmp_path: Path) -> None:
    apply(story, story.plan(["1001"]), tmp_path / "reports")
    row = rows(tmp_path / "smsturbo.db")["1001"]
    assert (row["Terms"], row["TaxCode"], row["CreditLimit"]) == ("NET30", "TX1", 5000)
    assert row["CustomerName"] == "Client 1001"  # mapped fields come from Sage, not the template


def test_database_defaults_apply_without_a_template(tmp_path: Path) -> None:
    wb = open_pair(tmp_path, [client("1001")], [], template=False)
    plan = wb.plan(["1001"])
    assert "Terms" not in plan.inserts.columns
    apply(wb, plan, tmp_path / "reports")
    row = rows(tmp_path / "smsturbo.db")["1001"]
    assert (row["Terms"], row["TaxCode"], row["CreditLimit"]) == ("COD", None, 0)


def test_replace_groups_touch_only_their_fields(story: Workbench, tmp_path: Path) -> None:
    plan = story.plan(["2000"], replace=("phones",))
    assert list(plan.updates["field"]) == ["phone"]
    result = apply(story, plan, tmp_path / "reports")
    assert result.updated == ("2000",)
    row = rows(tmp_path / "smsturbo.db")["2000"]
    assert row["Phone"] == "555-NEW"
    assert (row["City"], row["Email"]) == ("Springfield", client("2000")["email"])  # outside the groups


def test_nothing_to_replace_is_skipped(story: Workbench) -> None:
    plan = story.plan(["2000"], replace=("name",), missing_only=False)
    assert plan.empty
    assert plan.skipped["reason"].iloc[0].startswith("nothing to replace")


def test_rerun_is_a_no_op(story: Workbench, tmp_path: Path) -> None:
    plan = story.plan("all-eligible", replace=("phones", "address"))
    first = apply(story, plan, tmp_path / "reports")
    assert first.outcome == "committed" and first.updated == ("2000",)
    after_first = sha256(tmp_path / "smsturbo.db")
    again = apply(story, plan, tmp_path / "reports")
    assert again.outcome == "nothing-to-do" and again.record_dir is None
    story.refresh()
    assert story.plan("all-eligible", replace=("phones", "address")).empty
    assert sha256(tmp_path / "smsturbo.db") == after_first
    assert len(runs(tmp_path / "smsturbo.db")) == 1


def test_conflict_on_planned_insert_changes_nothing(story: Workbench, tmp_path: Path) -> None:
    plan = story.plan("all-eligible")
    con = sqlite3.connect(tmp_path / "smsturbo.db")
    con.execute("INSERT INTO Customer (CustomerID, CustomerName) VALUES ('1002', 'Typed by hand')")
    con.commit()
    con.close()
    story.smsturbo_engine.dispose()
    before = rows(tmp_path / "smsturbo.db")
    result = apply(story, plan, tmp_path / "reports")
    assert result.outcome == "conflict" and not result.ok
    assert list(result.conflicts["customer_id"]) == ["1002"]
    assert rows(tmp_path / "smsturbo.db") == before
    assert runs(tmp_path / "smsturbo.db") == []
    assert manifest(result.record_dir or Path())["outcome"] == "conflict"


def test_conflict_on_changed_before_value(story: Workbench, tmp_path: Path) -> None:
    plan = story.plan(["2000"], replace=("phones",))
    con = sqlite3.connect(tmp_path / "smsturbo.db")
    con.execute("UPDATE Customer SET Phone = 'edited since' WHERE CustomerID = '2000'")
    con.commit()
    con.close()
    before = sha256(tmp_path / "smsturbo.db")
    result = apply(story, plan, tmp_path / "reports")
    assert result.outcome == "conflict"
    conflict = result.conflicts.iloc[0]
    assert (conflict["field"], conflict["planned_before"], conflict["current"]) == (
        "phone", client("2000")["phone"], "edited since")
    assert rows(tmp_path / "smsturbo.db")["2000"]["Phone"] == "edited since"
    assert runs(tmp_path / "smsturbo.db") == []
    assert sha256(tmp_path / "smsturbo.db") == before


def test_a_plan_partly_written_by_another_run_is_a_conflict(story: Workbench, tmp_path: Path) -> None:
    both = story.plan("all-eligible")
    assert apply(story, story.plan(["1001"]), tmp_path / "reports").outcome == "committed"
    before = sha256(tmp_path / "smsturbo.db")
    stale = apply(story, both, tmp_path / "reports")
    assert stale.outcome == "conflict" and list(stale.conflicts["customer_id"]) == ["1001"]
    assert "since the plan was made" in stale.conflicts["reason"].iloc[0]
    assert sha256(tmp_path / "smsturbo.db") == before
    story.refresh()
    assert apply(story, story.plan("all-eligible"), tmp_path / "reports").inserted == ("1002",)


def test_progress_is_reported(story: Workbench, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    apply(story, story.plan("all-eligible"), tmp_path / "reports", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (2, 2)


def test_canary_password_appears_in_no_record(story: Workbench, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    canaries = ["CanaryPw1x", "CanaryOdbc2y", "CanaryEnv3z"]
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", canaries[2])
    config = story.config.replace(smsturbo_url=f"postgresql+psycopg://app:{canaries[0]}@db/turbo")
    context = RunContext.create(
        f"postgresql+psycopg://app:{canaries[0]}@db/turbo",
        f"mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BODBC%7D%3BUID%3Dsa%3BPWD%3D{canaries[1]}",
        config,
    )
    reports = tmp_path / "reports"
    plan = story.plan("all-eligible", replace=("phones",))
    result = apply_plan(plan, story.smsturbo_engine, story.config, context=context, reports_dir=reports)
    assert result.outcome == "committed"
    assert context.target_user == "app" and "***" in context.target_url
    texts = [p.read_bytes() for p in reports.rglob("*") if p.is_file()]
    texts.append(json.dumps(runs(tmp_path / "smsturbo.db")).encode())
    assert len(texts) >= 4
    for canary in canaries:
        assert not any(canary.encode() in t for t in texts), canary
    assert verify([reports], engine=story.smsturbo_engine).ok


@pytest.mark.server
@pytest.mark.parametrize("server", ["pg_url", "mariadb_odbc_url"])
def test_import_conflict_rerun_and_undo_on_a_server(tmp_path: Path, request: pytest.FixtureRequest,
                                                    server: str) -> None:
    import sqlalchemy as sa

    from smsync_core.apply.undo import undo_run
    from smsync_core.targets.smsturbo import smsturbo_table

    url = request.getfixturevalue(server)
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = smsturbo_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"CustomerID": "ZZDEFAULT", "CustomerName": "Template", "Terms": "Net 30",
                                             "CreditLimit": 5000, "Active": 1}])
        connection.execute(table.insert(), [{"CustomerID": "2000", "CustomerName": "Client 2000", "Phone": "old"}])
    engine.dispose()
    sage = make_sage_db(tmp_path / "sage.db", [client("1001", name=TRICKY[1]), client("1002", name=TRICKY[2]),
                                               client("2000", phone="new")])
    wb = smsync_core.connect(sage, url, {})
    context = RunContext.create(url, sage, wb.config)
    plan = wb.plan("all-eligible", replace=("phones",))
    phone = sa.update(table).where(table.c.CustomerID == "2000")
    with wb.smsturbo_engine.begin() as connection:
        connection.execute(phone.values(Phone="edited"))
    conflict = apply_plan(plan, wb.smsturbo_engine, wb.config, context=context, reports_dir=tmp_path / "reports")
    assert conflict.outcome == "conflict" and list(conflict.conflicts["current"]) == ["edited"]
    with wb.smsturbo_engine.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 2
        connection.execute(phone.values(Phone="old"))
    result = apply_plan(plan, wb.smsturbo_engine, wb.config, context=context, reports_dir=tmp_path / "reports")
    assert result.outcome == "committed", result.error
    with wb.smsturbo_engine.connect() as connection:
        stored = dict(connection.execute(sa.select(table.c.CustomerID, table.c.CustomerName)).all())
    assert stored["1001"] == TRICKY[1] and stored["1002"] == TRICKY[2]
    again = apply_plan(plan, wb.smsturbo_engine, wb.config, context=context, reports_dir=tmp_path / "reports")
    assert again.outcome == "nothing-to-do"
    undone = undo_run(result.run_id, wb.smsturbo_engine, wb.config, context=context, reports_dir=tmp_path / "reports")
    assert undone.outcome == "committed" and set(undone.deleted) == {"1001", "1002"}
    assert verify([tmp_path / "reports"], engine=wb.smsturbo_engine).ok
    wb.close()


@pytest.mark.server
def test_an_id_the_collation_treats_as_equal_is_a_conflict(tmp_path: Path, mariadb_odbc_url: str) -> None:
    import sqlalchemy as sa

    from smsync_core.targets.smsturbo import smsturbo_table

    engine = sa.create_engine(mariadb_odbc_url)
    metadata = sa.MetaData()
    table = smsturbo_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:  # typed by hand in SMSTurbo, in lower case
        connection.execute(table.insert(), [{"CustomerID": "abc1", "CustomerName": "By hand", "Active": 1}])
    engine.dispose()
    sage = make_sage_db(tmp_path / "sage.db", [client("ABC1"), client("NEW1")])
    wb = smsync_core.connect(sage, mariadb_odbc_url, {})
    assert wb.plan("all-eligible").insert_ids == ("NEW1",)  # ABC1 is probably abc1: a possible duplicate
    plan = wb.plan(["ABC1", "NEW1"])  # checked by hand
    assert set(plan.insert_ids) == {"ABC1", "NEW1"}  # exact matching: ABC1 is not abc1
    result = apply(wb, plan, tmp_path / "reports")
    assert result.outcome == "conflict", result.error
    assert list(result.conflicts["current"]) == ["abc1"]
    with wb.smsturbo_engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1
    wb.close()


@pytest.mark.parametrize("server", ["sqlite", pytest.param("pg_url", marks=pytest.mark.server)])
def test_batches_of_multi_row_inserts_store_every_row_once(tmp_path: Path, request: pytest.FixtureRequest,
                                                           monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    import sqlalchemy as sa

    from smsync_core.apply import sql as apply_sql
    from smsync_core.targets.smsturbo import smsturbo_table

    monkeypatch.setattr(apply_sql, "BATCH_ROWS", 7)  # 20 rows: batches of 7, 7, 6
    monkeypatch.setattr(apply_sql, "ROWS_PER_STATEMENT", 3)  # statements of 3, 3, 1 | 3, 3, 1 | 3, 3 rows
    names = [TRICKY[i % 4] + f" {i}" for i in range(20)]
    clients = [client(f"M{i:02d}", name=name, phone=None if i % 3 else f"555-{i:04d}") for i, name in enumerate(names)]
    if server == "sqlite":
        wb = open_pair(tmp_path, clients, [])
    else:
        url = request.getfixturevalue(server)
        engine = sa.create_engine(url)
        table = smsturbo_table(sa.MetaData())
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(table.insert(), [{"CustomerID": "ZZDEFAULT", "CustomerName": "Template",
                                                 "CreditLimit": 5000, "Active": 1}])
        engine.dispose()
        wb = smsync_core.connect(make_sage_db(tmp_path / "sage.db", clients), url, {})
    seen: list[str] = []
    progress: list[int] = []
    result = apply(wb, wb.plan("all-eligible"), tmp_path / "reports", hook=seen.append,
                   progress=lambda done, _total: progress.append(done))
    assert result.outcome == "committed", result.error
    assert seen.count("insert") == 3 and progress == [7, 14, 20]
    table = sa.Table("Customer", sa.MetaData(), autoload_with=wb.smsturbo_engine)
    with wb.smsturbo_engine.connect() as connection:
        stored = {r.CustomerID: r for r in connection.execute(sa.select(table))}
    assert len(stored) == 21
    for i, name in enumerate(names):
        row = stored[f"M{i:02d}"]
        assert (row.CustomerName, row.Phone, int(row.CreditLimit)) == (name, None if i % 3 else f"555-{i:04d}", 5000)
    assert verify([tmp_path / "reports"], engine=wb.smsturbo_engine).ok
    wb.close()
