"""Text reaches the servers verbatim or is rejected clearly; exact IDs on MariaDB's case-blind collation.

MariaDB test databases use ``utf8mb4_general_ci``: ``acme01`` and ``ACME01`` are the same key to the server,
two different customers to smsync (the match is EXACT). smsync must then refuse clearly and write nothing.
PostgreSQL cannot hold NUL in text at all (psycopg refuses it); MariaDB stores it as given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.helpers import count_rows, load, sage_row, smsync, table_rows

pytestmark = pytest.mark.server

TRICKY = {
    "QUOTES": "O'Brien \"Quotes\" & Sons",
    "INJECT": "x'; DROP TABLE Customer; --",
    "EMOJI": "Café 🚀 Ünïcödé 😀",
    "CYRILLIC": "АСМЕ Paving (Cyrillic А)",
    "BACKSLASH": "C:\\path\\to\\nowhere %s %(x)s ?",
}


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> str:
    """Each server's fresh database URL."""
    return str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "mariadb_odbc_url"))


def test_quotes_injection_emoji_and_look_alikes_are_stored_verbatim(server: str, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    load(server, [sage_row(cid, name) for cid, name in TRICKY.items()], [])
    ran = smsync(capsys, "sync", "--sage", server, "--smsturbo", server, "--all-eligible", "--yes",
                 "--reports", str(tmp_path / "reports"), "--format", "json")
    assert ran.code == 0 and ran.data["outcome"] == "committed", ran.err
    stored = table_rows(server)
    assert {cid: stored[cid]["CustomerName"] for cid in TRICKY} == TRICKY
    assert stored["EMOJI"]["Terms"] == "Net 30"  # copied from ZZDEFAULT
    assert smsync(capsys, "verify", str(tmp_path / "reports"), "--smsturbo", server).code == 0


def test_exact_ids_on_a_case_blind_collation(server: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``ACME01`` in Sage and ``acme01`` typed by hand in SMSTurbo are different customers to smsync.

    PostgreSQL compares exactly and takes both. MariaDB's utf8mb4_general_ci key says they are one: the import
    stops with a conflict naming the stored look-alike, and nothing is written.
    """
    load(server, [sage_row("ACME01", "Acme Paving"), sage_row("1001", "Benson")],
         [{"CustomerID": "acme01", "CustomerName": "Acme (typed by hand)"}])
    diff = smsync(capsys, "diff", "--sage", server, "--smsturbo", server, "--format", "json").data
    assert [r["customer_id"] for r in diff["smsturbo_only"]] == ["acme01"]
    assert [r["customer_id"] for r in diff["sage_only"]] == ["1001", "ACME01"]
    before = table_rows(server)
    reports = str(tmp_path / "reports")
    ran = smsync(capsys, "sync", "--sage", server, "--smsturbo", server, "--select", "ACME01,1001", "--yes",
                 "--reports", reports)
    if server.startswith("postgresql"):
        assert ran.code == 0, ran.err
        assert set(table_rows(server)) == {"ZZDEFAULT", "acme01", "ACME01", "1001"}
    else:
        assert ran.code == 1
        line = ran.one_error_line()
        assert "nothing was written" in line
        conflicts = ran.out  # the conflict table: which ID, what SMSTurbo holds, why
        assert "ACME01" in conflicts and "acme01" in conflicts and "another case" in conflicts
        assert table_rows(server) == before  # 1001 was not written either: one transaction
        assert count_rows(server, "smsync_runs") == 0
        # the same selection without the clash goes through
        assert smsync(capsys, "sync", "--sage", server, "--smsturbo", server, "--select", "1001", "--yes",
                      "--reports", reports).code == 0
        assert set(table_rows(server)) == {"ZZDEFAULT", "acme01", "1001"}
    assert smsync(capsys, "verify", reports, "--smsturbo", server).code == 0
