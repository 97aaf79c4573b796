"""PostgreSQL through psycopg: the whole flow as on SQLite, and what only PostgreSQL does (no NUL in text).

The cross-engine behaviour (text, case, faults, permissions, concurrency, the Arrow read) is tested in this
folder's other files for both servers at once; what only PostgreSQL does is here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.flow import assert_same_flow
from tests.servers.helpers import count_rows, load, smsync, table_rows
from tests.support.data import make_sage_db

pytestmark = pytest.mark.server


def test_the_whole_flow_on_postgresql_matches_sqlite(pg_url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert_same_flow(pg_url, tmp_path, capsys)


def test_a_nul_is_rejected_clearly_by_postgresql_and_nothing_is_written(pg_url: str, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    sage = make_sage_db(tmp_path / "sage.db", [
        {"customer_id": cid, "name": name, "address1": "1 Main", "city": "Denver", "state": "CO",
         "postal_code": "80202", "phone": "1", "contact": "Pat", "status": 3, "inactive": 0}
        for cid, name in (("GOOD1", "Fine"), ("NUL1", "A\x00B"))])
    load(pg_url, [], [])
    before = table_rows(pg_url)
    ran = smsync(capsys, "sync", "--sage", sage, "--smsturbo", pg_url, "--all-eligible", "--yes",
                 "--reports", str(tmp_path / "reports"))
    assert ran.code == 1
    line = ran.one_error_line()
    assert "NUL" in line and "nothing was written" in line
    assert table_rows(pg_url) == before  # not even GOOD1: all or nothing
    assert count_rows(pg_url, "smsync_runs") == 0
    assert smsync(capsys, "verify", str(tmp_path / "reports"), "--smsturbo", pg_url).code == 0
