"""The read-only guard judges the statement, not the names in it: a Sage table or columns named like SQL verbs
(``copy``, ``lock``, ``call``, ``merge``, ``global``, ``execute``) read fine, and real writes are still refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from smsync_core.db.connect import is_read_statement, source_engine
from smsync_core.errors import ReadOnlyViolation
from smsync_core.workbench import connect
from tests.support.data import client, make_sage_db, make_smsturbo_db, read_table, sha256

VERB_NAMES = ("copy", "lock", "call", "merge", "global", "execute")
# canonical field -> a column named like a verb
VERB_COLUMNS = {"name": "copy", "city": "lock", "phone": "call", "email": "merge", "contact": "global",
                "short_name": "execute"}


@pytest.mark.parametrize("table", VERB_NAMES)
def test_a_sage_table_and_columns_named_like_verbs_read_through_the_mapping(tmp_path: Path, table: str) -> None:
    sage = tmp_path / "sage.db"
    make_sage_db(sage, [client("A1", name="Acme", city="Austin"), client("B2", name="Bolt")], table=table,
                 columns=VERB_COLUMNS)
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [])
    config = {"sage": {"table": table, "columns": VERB_COLUMNS}}
    before = sha256(sage)
    wb = connect(f"sqlite:///{sage}", target, config)
    try:
        clients = wb.sage_clients()
        assert list(clients["customer_id"]) == ["A1", "B2"]
        assert list(clients["name"]) == ["Acme", "Bolt"]
        assert clients["city"].iloc[0] == "Austin"
        assert len(wb.reconcile().sage_only) == 2
    finally:
        wb.close()
    assert sha256(sage) == before


@pytest.mark.parametrize("table", VERB_NAMES)
def test_writes_to_a_table_named_like_a_verb_are_still_refused(tmp_path: Path, table: str) -> None:
    sage = tmp_path / "sage.db"
    make_sage_db(sage, [client("A1")], table=table, columns=VERB_COLUMNS)
    before = sha256(sage)
    engine = source_engine(f"sqlite:///{sage}")
    writes = [
        f"UPDATE {table} SET copy = 'x'",
        f"INSERT INTO {table} (recnum) VALUES ('N1')",
        f"DELETE FROM {table}",
        f"DROP TABLE {table}",
        f"SELECT * INTO other FROM {table}",
        f"WITH c AS (SELECT 1) DELETE FROM {table}",
        f"SELECT copy FROM {table}; DELETE FROM {table}",
        f"EXPLAIN ANALYZE DELETE FROM {table}",
    ]
    try:
        for statement in writes:
            with pytest.raises(ReadOnlyViolation), engine.begin() as conn:
                conn.execute(sa.text(statement))
        with engine.connect() as conn:  # unquoted, unqualified verb names read
            names = ", ".join(VERB_COLUMNS.values())
            rows = conn.execute(sa.text(f"SELECT {names} FROM {table}")).all()
        assert len(rows) == 1
    finally:
        engine.dispose()
    assert sha256(sage) == before
    assert [r[0] for r in read_table(sage, table)] == ["A1"]


@pytest.mark.parametrize("statement", [
    "COPY reccln TO STDOUT", "LOCK TABLE reccln", "CALL purge()", "EXECUTE purge", "EXEC purge",
    "MERGE INTO reccln USING other ON 1 = 1 WHEN MATCHED THEN DELETE", "SET GLOBAL read_only = 0",
    "SET PERSIST max_connections = 1", "SELECT set_config('default_transaction_read_only', 'off', false)",
    "EXPLAIN EXECUTE purge(1)", "SELECT * FROM reccln FOR UPDATE", "SELECT * FROM reccln LOCK IN SHARE MODE",
])
def test_verbs_used_as_verbs_are_writes(statement: str) -> None:
    assert not is_read_statement(statement)


@pytest.mark.parametrize("statement", [
    "SELECT copy, lock, call, merge, global, execute FROM reccln",
    'SELECT "copy"."lock" FROM "copy"',
    "SELECT t.execute FROM merge AS t WHERE t.global IN (1, 2)",
    "WITH copy AS (SELECT 1 AS lock) SELECT lock FROM copy",
    "EXPLAIN QUERY PLAN SELECT call FROM merge",
    "SHOW CREATE TABLE copy", "DESCRIBE lock", "PRAGMA table_info(execute)",
    "DESCRIBE `smsync_test`.`clnsts`", "DESCRIBE `clnsts` `stsnme`",  # MySQL's has_table
])
def test_verb_names_in_reads_are_reads(statement: str) -> None:
    assert is_read_statement(statement)
