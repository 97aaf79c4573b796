"""MariaDB through its ODBC driver: the whole flow as on SQLite, and what only MariaDB does (NUL kept).

The cross-engine behaviour (text, case, faults, permissions, concurrency, the Arrow read) is tested in this
folder's other files for both servers at once; what only MariaDB does is here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.flow import assert_same_flow
from tests.servers.helpers import load, smsync, table_rows
from tests.support.data import make_sage_db

pytestmark = pytest.mark.server


def test_the_whole_flow_on_mariadb_matches_sqlite(mariadb_odbc_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert_same_flow(mariadb_odbc_url, tmp_path, capsys)


def test_a_nul_is_stored_verbatim_on_mariadb(mariadb_odbc_url: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sage = make_sage_db(tmp_path / "sage.db", [{"customer_id": "NUL1", "name": "A\x00B", "address1": "1 Main",
                                                "city": "Denver", "state": "CO", "postal_code": "80202",
                                                "phone": "1", "contact": "Pat", "status": 3, "inactive": 0}])
    load(mariadb_odbc_url, [], [])
    ran = smsync(capsys, "sync", "--sage", sage, "--smsturbo", mariadb_odbc_url, "--select", "NUL1", "--yes",
                 "--reports", str(tmp_path / "reports"))
    assert ran.code == 0, ran.err
    assert table_rows(mariadb_odbc_url)["NUL1"]["CustomerName"] == "A\x00B"
