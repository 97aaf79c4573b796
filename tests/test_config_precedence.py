"""Where connections come from: the command line, then the environment, then ``smsync.toml``; and ``setup``
writes only what it was given, never a URL taken from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from smsync_core.cli.dispatch import main
from tests.support.data import client, make_sage_db, make_smsturbo_db, read_table, sqlite_url


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A company, a test and a production SMSTurbo database; the working directory is ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG", "SMSYNC_HOME"):
        monkeypatch.delenv(name, raising=False)
    make_sage_db(tmp_path / "sage.db", [client("1001")])
    make_smsturbo_db(tmp_path / "test.db", [])
    make_smsturbo_db(tmp_path / "prod.db", [])
    return tmp_path


def ids(path: Path) -> list[str]:
    return [r[0] for r in read_table(path, "Customer") if r[0] != "ZZDEFAULT"]


def test_setup_does_not_copy_the_environment_url_and_a_later_environment_wins(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", sqlite_url(place / "test.db"))
    assert main(["setup", "--replace", "address"]) == 0
    saved = (place / "smsync.toml").read_text(encoding="utf-8")
    assert "test.db" not in saved and "address" in saved
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", sqlite_url(place / "prod.db"))
    assert main(["sync", "--sage", sqlite_url(place / "sage.db"), "--select", "1001", "--yes"]) == 0
    assert ids(place / "prod.db") == ["1001"] and ids(place / "test.db") == []


def test_the_environment_wins_over_the_file_and_the_command_line_over_both(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (place / "smsync.toml").write_text(f'[connections]\nsmsturbo = "{sqlite_url(place / "test.db")}"\n',
                                       encoding="utf-8")
    monkeypatch.setenv("SMSYNC_SAGE_URL", sqlite_url(place / "sage.db"))
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", sqlite_url(place / "prod.db"))
    assert main(["sync", "--select", "1001", "--yes"]) == 0
    assert ids(place / "prod.db") == ["1001"] and ids(place / "test.db") == []
    make_smsturbo_db(place / "other.db", [])
    assert main(["sync", "--smsturbo", sqlite_url(place / "other.db"), "--select", "1001", "--yes"]) == 0
    assert ids(place / "other.db") == ["1001"] and ids(place / "test.db") == []
    monkeypatch.delenv("SMSYNC_SMSTURBO_URL")
    make_smsturbo_db(place / "third.db", [])
    assert main(["sync", "--select", "1001", "--yes"]) == 0  # the file, when nothing else names a target
    assert ids(place / "test.db") == ["1001"]
