"""Permissions as a DBA sets them, on PostgreSQL and MariaDB.

A source login with SELECT on the client table alone does everything smsync needs; one without it, or a target
login without INSERT, gets the authorization message ("the user's authority level needs to be edited"): exit 1,
one line on stderr, no traceback, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from smsync_core.demo import write_demo
from tests.servers.helpers import Ran, count_rows, smsync, table_rows

pytestmark = pytest.mark.server

Login = Callable[[str, str, Mapping[str, Iterable[str]]], str]
AUTHORITY = "authority level needs to be edited"


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> tuple[str, Login]:
    """(admin URL of a fresh database holding the demo, factory of restricted logins on it)."""
    if request.param == "postgresql":
        url, login = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_role")
    else:
        url, login = request.getfixturevalue("mariadb_odbc_url"), request.getfixturevalue("mariadb_user")
    write_demo(url, url, clients=60, seed=7)
    return str(url), login


def denied(ran: Ran) -> str:
    """The authorization message of a refused command (exit 1, one line, no traceback)."""
    assert ran.code == 1, (ran.code, ran.err)
    line = ran.one_error_line()
    assert AUTHORITY in line, line
    return line


def test_a_source_login_with_select_on_the_client_table_only_does_everything(
        server: tuple[str, Login], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin, login = server
    reader = login(admin, "reader", {"reccln": ["SELECT"]})
    reports = str(tmp_path / "reports")
    for argv in (("check", "--sage", reader, "--smsturbo", admin, "--format", "json"),
                 ("diff", "--sage", reader, "--smsturbo", admin, "--format", "json"),
                 ("diff", "--sage", reader, "--smsturbo", admin, "--all", "--format", "json"),
                 ("suggest", "--sage", reader, "--smsturbo", admin, "--format", "json"),
                 ("sync", "--sage", reader, "--smsturbo", admin, "--all-eligible", "--dry-run"),
                 ("sync", "--sage", reader, "--smsturbo", admin, "--all-eligible", "--yes", "--reports", reports)):
        ran = smsync(capsys, *argv)
        assert ran.code == 0, (argv[0], ran.err)
    assert count_rows(admin, "smsync_runs") == 1
    assert smsync(capsys, "verify", reports, "--smsturbo", admin).code == 0


@pytest.mark.parametrize("command", ["check", "diff", "sync"])
def test_a_source_login_without_select_on_the_client_table_is_told_to_fix_its_authority(
        server: tuple[str, Login], command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin, login = server
    stranger = login(admin, "nosel", {"Customer": ["SELECT"]})
    before = table_rows(admin)
    extra = ("--all-eligible", "--yes", "--reports", str(tmp_path / "reports")) if command == "sync" else ()
    line = denied(smsync(capsys, command, "--sage", stranger, "--smsturbo", admin, *extra))
    assert "Sage 100" in line and "SELECT" in line
    assert "nosel_" in line  # names the login whose authority is missing
    assert table_rows(admin) == before
    assert count_rows(admin, "smsync_runs") == 0
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").glob("2*"))


def test_a_target_login_without_insert_is_told_to_fix_its_authority_and_nothing_is_written(
        server: tuple[str, Login], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin, login = server
    reports = str(tmp_path / "reports")
    first = smsync(capsys, "sync", "--sage", admin, "--smsturbo", admin, "--select", "1005", "--yes",
                   "--reports", reports)  # the administrator's first run creates smsync_runs
    assert first.code == 0, first.err
    clerk = login(admin, "noins", {"Customer": ["SELECT", "UPDATE"], "smsync_runs": ["SELECT", "INSERT"]})
    reader = login(admin, "reader", {"reccln": ["SELECT"]})
    before, runs_before = table_rows(admin), count_rows(admin, "smsync_runs")
    line = denied(smsync(capsys, "sync", "--sage", reader, "--smsturbo", clerk, "--all-eligible", "--yes",
                         "--reports", reports))
    assert "SMSTurbo" in line and "INSERT" in line and "nothing was written" in line
    assert table_rows(admin) == before
    assert count_rows(admin, "smsync_runs") == runs_before
    assert smsync(capsys, "verify", reports, "--smsturbo", admin).code == 0  # the failed run's record agrees


def test_a_target_login_without_update_cannot_apply_replace_options(
        server: tuple[str, Login], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin, login = server
    reports = str(tmp_path / "reports")
    assert smsync(capsys, "sync", "--sage", admin, "--smsturbo", admin, "--select", "1005", "--yes",
                  "--reports", reports).code == 0
    clerk = login(admin, "noupd", {"Customer": ["SELECT", "INSERT"], "smsync_runs": ["SELECT", "INSERT"]})
    before = table_rows(admin)
    line = denied(smsync(capsys, "sync", "--sage", admin, "--smsturbo", clerk, "--select", "1002,1003", "--all",
                         "--replace", "phones,address", "--yes", "--reports", reports))
    assert "nothing was written" in line
    assert table_rows(admin) == before


def test_the_recommended_target_grants_are_enough(server: tuple[str, Login], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """SELECT, INSERT, UPDATE on the customer table and SELECT, INSERT on smsync_runs (made by a first run)."""
    admin, login = server
    reports = str(tmp_path / "reports")
    assert smsync(capsys, "sync", "--sage", admin, "--smsturbo", admin, "--select", "1005", "--yes",
                  "--reports", reports).code == 0
    clerk = login(admin, "clerk", {"Customer": ["SELECT", "INSERT", "UPDATE"],
                                   "smsync_runs": ["SELECT", "INSERT"]})
    reader = login(admin, "reader", {"reccln": ["SELECT"]})
    ran = smsync(capsys, "sync", "--sage", reader, "--smsturbo", clerk, "--all-eligible", "--all",
                 "--replace", "phones", "--yes", "--reports", reports, "--format", "json")
    assert ran.code == 0 and ran.data["outcome"] == "committed", ran.err
    assert ran.data["inserted"] and ran.data["updated"]
    assert smsync(capsys, "verify", reports, "--smsturbo", clerk).code == 0
