"""The whole flow on PostgreSQL through psycopg, with the same results as the same demo on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.flow import assert_same_flow

pytestmark = pytest.mark.server


def test_the_whole_flow_on_postgresql_matches_sqlite(pg_url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert_same_flow(pg_url, tmp_path, capsys)
