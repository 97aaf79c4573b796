"""The whole flow on MariaDB through pyodbc and MariaDB Connector/ODBC, with the same results as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.flow import assert_same_flow

pytestmark = pytest.mark.server


def test_the_whole_flow_on_mariadb_matches_sqlite(mariadb_odbc_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert_same_flow(mariadb_odbc_url, tmp_path, capsys)
