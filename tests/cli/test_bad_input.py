"""The bad input corpus: every case ends with its exit code and one clear sentence, and writes nothing.

Mostly SQLite, so it is fast; the few cases that need a real server (a wrong password, an unknown database) are
marked ``server``. For each rejected case: the exit code, a fragment of the message, exactly one line on stderr
starting ``smsync:`` with no traceback, and both database files byte for byte unchanged (SHA-256). Cases smsync
accepts without writing (an unknown ID in a selection, a client with an error finding) say why on stdout. Cases
it accepts and writes (emoji, quotes, NUL...) must store the text verbatim.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.servers.helpers import Ran, smsync
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db, sha256

CLIENTS = (client("1001"), client("1002"), client("1003"))
CUSTOMERS = (customer("1001"),)
TEN_MB = "x" * (10 * 1024 * 1024)
SYNC = ("sync", "--sage", "{sage}", "--smsturbo", "{target}", "--yes")
CHECK = ("check", "--sage", "{sage}", "--smsturbo", "{target}")
DIFF = ("diff", "--sage", "{sage}", "--smsturbo", "{target}")


@dataclass(frozen=True)
class Case:
    """One bad input: the command (``{sage}``, ``{target}``, ``{tmp}`` filled in), what must come out."""

    argv: tuple[str, ...]
    code: int
    fragment: str
    clients: Sequence[Mapping[str, Any]] = CLIENTS
    customers: Sequence[Mapping[str, Any]] = CUSTOMERS
    sage_options: Mapping[str, Any] = field(default_factory=dict)
    target_options: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    sage_url: str | None = None  # instead of the SQLite company (a client list, a broken URL...)
    target_url: str | None = None


def case(id_: str, *argv: str, code: int, fragment: str, marks: Any = (), **options: Any) -> Any:
    """A parametrised case with a readable id."""
    return pytest.param(Case(tuple(argv), code, fragment, **options), id=id_, marks=marks)


def toml(text: str) -> Mapping[str, bytes]:
    """A ./smsync.toml with ``text``."""
    return {"smsync.toml": text.encode("utf-8")}


REJECTED = [
    # --- connection URLs -------------------------------------------------------------------------------------
    case("url-not-a-url", "check", "--sage", "not a url", code=2, fragment="is not a database URL"),
    case("url-missing-colon", *DIFF, code=2, fragment="is not a database URL", target_url="sqlite//x.db"),
    case("url-unknown-dialect", "check", "--sage", "frobdb://u@h/db", code=2, fragment="cannot load"),
    case("url-unknown-driver", "check", "--sage", "postgresql+nosuchdriver://u@h/db", code=2,
         fragment="cannot load"),
    case("url-bad-port", "check", "--sage", "postgresql+psycopg://u@127.0.0.1:notaport/db", code=2,
         fragment="is not a database URL"),
    case("sage-file-missing", "check", "--sage", "sqlite:///{tmp}/nowhere.db", code=1, fragment="does not exist"),
    case("target-file-missing", *DIFF, code=1, fragment="does not exist", target_url="sqlite:///{tmp}/no.db"),
    case("no-sage-given", "check", code=2, fragment="No Sage 100 connection"),
    case("no-target-given", "sync", "--sage", "{sage}", "--all-eligible", "--yes", code=2,
         fragment="No SMSTurbo connection"),
    case("unknown-host", "check", "--sage", "postgresql+psycopg://u:S3cretPW@no-such-host.invalid/db", code=1,
         fragment="check the server"),
    case("closed-port", "check", "--sage", "postgresql+psycopg://u:S3cretPW@127.0.0.1:1/db", code=1,
         fragment="check the server"),
    # --- smsync.toml -------------------------------------------------------------------------------------------
    case("toml-malformed", *CHECK, code=2, fragment="is not valid TOML", files=toml("[sage\ntable = 'x'\n")),
    case("toml-unknown-section", *CHECK, code=2, fragment="unknown section [colours]",
         files=toml("[colours]\nred = 1\n")),
    case("toml-unknown-key", *CHECK, code=2, fragment="[sage] has unknown key tabel",
         files=toml("[sage]\ntabel = 'reccln'\n")),
    case("toml-not-a-field", *CHECK, code=2, fragment="sage.columns.nickname is not a customer field",
         files=toml("[sage.columns]\nnickname = 'nick'\n")),
    case("toml-id-unmapped", *CHECK, code=2, fragment="customer_id must name",
         files=toml("[sage.columns]\ncustomer_id = ''\n")),
    case("toml-inactive-not-list", *CHECK, code=2, fragment="status.inactive must be a list",
         files=toml("[status]\ninactive = 6\n")),
    case("toml-unknown-replace-group", *CHECK, code=2, fragment="unknown Replace Options group colour",
         files=toml("[replace]\ngroups = ['colour']\n")),
    case("toml-binary-garbage", *CHECK, code=2, fragment="is not valid TOML",
         files={"smsync.toml": b"\xff\xfe\x00garbage"}),
    case("config-path-missing", *CHECK, "--config", "{tmp}/missing.toml", code=2, fragment="does not exist"),
    case("config-env-missing", *CHECK, code=2, fragment="SMSYNC_CONFIG names",
         env={"SMSYNC_CONFIG": "/nonexistent/smsync.toml"}),
    # --- the mapping against the databases -------------------------------------------------------------------
    case("sage-table-missing", *CHECK, code=2, fragment="has no table clients",
         files=toml("[sage]\ntable = 'clients'\n")),
    case("sage-column-missing", *CHECK, code=2, fragment="has no column clname",
         files=toml("[sage.columns]\nname = 'clname'\n")),
    case("target-table-missing", *DIFF, code=2, fragment="has no table Customers",
         files=toml("[smsturbo]\ntable = 'Customers'\n")),
    case("target-column-missing", *DIFF, code=2, fragment="has no column EMail",
         files=toml("[smsturbo.columns]\nemail = 'EMail'\n")),
    case("sage-status-column-gone", *CHECK, code=2, fragment="has no column status",
         sage_options={"drop": ["status"]}),
    case("status-not-a-number", *CHECK, code=2, fragment="not a whole number",
         clients=(client("1001"), client("1002", status="Current Customer"))),
    # --- the command line -------------------------------------------------------------------------------------
    case("select-and-all-eligible", *SYNC, "--select", "1002", "--all-eligible", code=2,
         fragment="not allowed with argument --select"),
    case("select-and-select-file", *SYNC, "--select", "1002", "--select-file", "{tmp}/ids.txt", code=2,
         fragment="not allowed with argument --select", files={"ids.txt": b"1002\n"}),
    case("no-selection", *SYNC, code=2,
         fragment="One of the arguments --select --select-file --all-eligible is required"),
    case("unknown-replace-group", *SYNC, "--all-eligible", "--replace", "phones,colour", code=2,
         fragment="unknown Replace Options group colour"),
    case("empty-selection", *SYNC, "--select", " , ,", code=2, fragment="The selection is empty"),
    case("unknown-format", "check", "--sage", "{sage}", "--format", "xml", code=2, fragment="invalid choice: 'xml'"),
    case("unknown-command", "frobnicate", code=2, fragment="invalid choice: 'frobnicate'"),
    case("not-confirmed", "sync", "--sage", "{sage}", "--smsturbo", "{target}", "--all-eligible", code=1,
         fragment="not confirmed"),
    case("undo-unknown-run", "undo", "20260101T000000Z-deadbeef", "--smsturbo", "{target}", "--yes", code=2,
         fragment="has no committed run"),
    case("verify-no-reports", "verify", "{tmp}/no-reports", code=1, fragment="no such record"),
    # --- selection files and client lists ----------------------------------------------------------------------
    case("select-file-missing", *SYNC, "--select-file", "{tmp}/nope.txt", code=2,
         fragment="Cannot read the selection file"),
    case("select-file-not-utf8", *SYNC, "--select-file", "{tmp}/ids.txt", code=2, fragment="is not UTF-8",
         files={"ids.txt": "1002\nMÜLLER\n".encode("latin-1")}),
    case("select-file-only-comments", *SYNC, "--select-file", "{tmp}/ids.txt", code=2,
         fragment="The selection is empty", files={"ids.txt": b"# nothing chosen\n\n   \n"}),
    # cp1252 (Excel's plain "CSV") reads as such; bytes that are neither it nor UTF-8 are refused
    case("csv-not-text", *DIFF, code=2, fragment="is not text in UTF-8 or the Windows code page",
         sage_url="{tmp}/clients.csv", files={"clients.csv": b"Client Number,Client Name\n1002,M\x81\x8dller\n"}),
    case("csv-ragged", *DIFF, code=2, fragment="has a row with 4 fields", sage_url="{tmp}/clients.csv",
         files={"clients.csv": b"Client Number,Client Name\n1002,A,extra,more\n"}),
    case("csv-no-id-column", *DIFF, code=2, fragment="has no Client Number (Client#) column",
         sage_url="{tmp}/clients.csv",
         files={"clients.csv": b"Client Name,City\nAcme,Denver\n"}),
    case("csv-empty-file", *DIFF, code=2, fragment="cannot be read", sage_url="{tmp}/clients.csv",
         files={"clients.csv": b""}),
    case("csv-missing", *DIFF, code=2, fragment="does not exist", sage_url="{tmp}/gone.csv"),
    # --- the target refuses -----------------------------------------------------------------------------------
    case("target-read-only", *SYNC, "--select", "1002", code=1, fragment="read-only",
         target_url="sqlite:///file:{tmp}/smsturbo.db?mode=ro&uri=true"),
    case("target-read-only-json", *SYNC, "--select", "1002", "--format", "json", code=1, fragment="read-only",
         target_url="sqlite:///file:{tmp}/smsturbo.db?mode=ro&uri=true"),
    # --- passwords never leak, servers refuse -------------------------------------------------------------------
    case("password-not-echoed", "check", "--sage", "postgresql+psycopg://clerk:Pa55-Canary@127.0.0.1:1/x",
         code=1, fragment="clerk:***@"),
    case("pg-unknown-login", "check", "--sage", "postgresql+psycopg://no_such_login:pw@127.0.0.1:5432/postgres",
         code=1, fragment="refused the login for user 'no_such_login'", marks=pytest.mark.server),
    case("pg-unknown-database", "check", "--sage", "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db_x",
         code=1, fragment="does not exist", marks=pytest.mark.server),
    case("mariadb-wrong-password",
         "check", "--sage", "mysql+pyodbc://root:wrong-password@127.0.0.1/mysql?driver=MariaDB+Unicode&port=3306",
         code=1, fragment="refused the login for user 'root'", marks=pytest.mark.server),
    case("mariadb-unknown-database",
         "check", "--sage", "mysql+pyodbc://root@127.0.0.1/no_such_db_x?driver=MariaDB+Unicode&port=3306",
         code=1, fragment="does not exist", marks=pytest.mark.server),
]

#: The skip reasons in words (no rule codes), as sync prints them.
BAD_CHARS = "Client Number has characters SMSTurbo does not accept"
USED_TWICE = "Client Number used by more than one client"
TOO_LONG = "A value is too long for SMSTurbo"

#: Accepted, but nothing is written: the reason is on stdout.
NOTHING_WRITTEN = [
    case("select-unknown-ids", *SYNC, "--select", "9999,NOPE", code=0, fragment="not in Sage 100"),
    case("select-file-unknown-ids", *SYNC, "--select-file", "{tmp}/ids.txt", code=0, fragment="not in Sage 100",
         files={"ids.txt": b"customer_id\n9999\n\xef\xbb\xbfNOPE\n"}),
    case("select-lookalike-cyrillic", *SYNC, "--select", "АСМЕ01", code=0, fragment="not in Sage 100",
         clients=(client("ACME01"),)),
    case("source-lookalike-id", *SYNC, "--select", "АСМЕ01", code=0, fragment=BAD_CHARS,
         clients=(client("АСМЕ01"), client("1002"))),
    case("source-duplicate-ids", *SYNC, "--select", "1002", code=0, fragment=USED_TWICE,
         clients=(client("1002"), client("1002", name="Other"))),
    case("source-nul-in-id", *SYNC, "--select", "10\x0002", code=0, fragment=BAD_CHARS,
         clients=(client("10\x0002"),)),
    case("source-injection-id", *SYNC, "--select", "X'; DROP TABLE Customer; --", code=0,
         fragment=BAD_CHARS, clients=(client("X'; DROP TABLE Customer; --"),)),
    case("field-of-10-mb", *SYNC, "--select", "1002", code=0, fragment=TOO_LONG,
         clients=(client("1002", address1=TEN_MB),)),
    case("target-column-shorter", *SYNC, "--select", "1002", code=0, fragment=TOO_LONG,
         target_options={"lengths": {"city": 5}}),
    case("selected-already-there", *SYNC, "--select", "1001", code=0, fragment="already in SMSTurbo"),
    case("inactive-not-in-check-all", *SYNC, "--all-eligible", code=0, fragment="Nothing to import",
         clients=(client("1001"), client("1002", status=6))),
    case("empty-source-check", *CHECK, code=0, fragment="Sage 100 clients: 0", clients=()),
    case("empty-source-sync", *SYNC, "--all-eligible", code=0, fragment="Nothing to import", clients=()),
    case("dry-run", *SYNC, "--all-eligible", "--dry-run", code=0, fragment="nothing was written"),
    case("replace-with-nothing-different", *SYNC, "--select", "1001", "--all", "--replace", "phones", code=0,
         fragment="already in SMSTurbo and identical"),
]


def build(item: Case, tmp: Path) -> tuple[str, str]:
    """The two SQLite files and the case's files; returns (sage, target) as the command line gets them."""
    make_sage_db(tmp / "sage.db", item.clients, **item.sage_options)
    make_smsturbo_db(tmp / "smsturbo.db", item.customers, **item.target_options)
    for name, data in item.files.items():
        (tmp / name).write_bytes(data)
    sage = item.sage_url or f"sqlite:///{tmp / 'sage.db'}"
    target = item.target_url or f"sqlite:///{tmp / 'smsturbo.db'}"
    return sage.replace("{tmp}", str(tmp)), target.replace("{tmp}", str(tmp))


def run_case(item: Case, tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             before_run: Callable[[], None] | None = None) -> Ran:
    """Run the case in ``tmp`` (its working directory) and check that neither database changed."""
    sage, target = build(item, tmp)
    monkeypatch.chdir(tmp)
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in item.env.items():
        monkeypatch.setenv(name, value)
    files = [tmp / "sage.db", tmp / "smsturbo.db"]
    hashes = [sha256(f) for f in files]
    argv = [a.replace("{sage}", sage).replace("{target}", target).replace("{tmp}", str(tmp)) for a in item.argv]
    if before_run is not None:
        before_run()
    ran = smsync(capsys, *argv)
    assert [sha256(f) for f in files] == hashes, "a database file changed"
    committed = [m for m in (tmp / "reports").glob("*/manifest.json")
                 if json.loads(m.read_text("utf-8")).get("outcome") == "committed"]
    assert not committed
    return ran


@pytest.mark.parametrize("item", REJECTED)
def test_bad_input_is_rejected_in_one_sentence_and_nothing_is_written(
        item: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ran = run_case(item, tmp_path, monkeypatch, capsys)
    assert ran.code == item.code, (ran.code, ran.err)
    line = ran.one_error_line()
    assert item.fragment in line, line
    assert "S3cretPW" not in ran.err + ran.out and "Pa55-Canary" not in ran.err + ran.out


@pytest.mark.parametrize("item", NOTHING_WRITTEN)
def test_input_accepted_without_writing_says_why(
        item: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ran = run_case(item, tmp_path, monkeypatch, capsys)
    assert ran.code == 0, ran.err
    assert ran.err == ""
    assert item.fragment in ran.out, ran.out[-2000:]


def test_a_locked_target_is_reported_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Another program holds SMSTurbo's write lock for the whole run (smsync gives up after its busy wait)."""
    monkeypatch.setattr("smsync_core.db.dialects.sqlite.BUSY_MS", 300)
    holder: list[sqlite3.Connection] = []

    def lock() -> None:
        connection = sqlite3.connect(tmp_path / "smsturbo.db", isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO Customer (CustomerID) VALUES ('HELD')")  # uncommitted, never seen
        holder.append(connection)

    try:
        ran = run_case(Case((*SYNC, "--select", "1002"), 1, ""), tmp_path, monkeypatch, capsys, before_run=lock)
    finally:
        for connection in holder:
            connection.rollback()
            connection.close()
    assert ran.code == 1
    line = ran.one_error_line()
    assert "locked by another program" in line and "nothing was written" in line


VERBATIM = {
    "emoji": "Café 🚀 Ünïcödé 😀👍🏽",
    "quotes": "O'Brien \"Quotes\" & Sons",
    "injection": "x'; DROP TABLE Customer; --",
    "nul": "NUL\x00inside",
    "cyrillic-lookalike": "АСМЕ Раving",
    "right-to-left": "شركة البناء",
    "combining": "Cafe\u0301 Zoe\u0308",
    "leading-spaces": "  padded",  # trailing spaces are padding (removed on read); leading ones are data
    "tab-newline": "line1\nline2\tend",
    "percent-format": "%s %(name)s {0} ? :1",
}


@pytest.mark.parametrize("value", list(VERBATIM.values()), ids=list(VERBATIM))
def test_text_smsync_accepts_is_stored_verbatim(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sage = make_sage_db(tmp_path / "sage.db", [client("NEW1", name=value, contact=value)])
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [])
    monkeypatch.chdir(tmp_path)
    ran = smsync(capsys, "sync", "--sage", sage, "--smsturbo", target, "--select", "NEW1", "--yes",
                 "--format", "json")
    assert ran.code == 0 and ran.data["outcome"] == "committed", ran.err
    connection = sqlite3.connect(tmp_path / "smsturbo.db")
    try:
        stored = connection.execute(
            "SELECT CustomerName, Contact, Terms FROM Customer WHERE CustomerID = 'NEW1'").fetchone()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()
    assert stored == (value, value, "NET30")  # Terms copied from ZZDEFAULT
    assert tables == {"Customer", "smsync_runs"}
    assert smsync(capsys, "verify", "reports", "--smsturbo", target).code == 0


def test_an_empty_target_and_one_without_zzdefault_take_new_customers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, template in (("empty", True), ("no-template", False)):
        directory = tmp_path / name
        directory.mkdir()
        sage = make_sage_db(directory / "sage.db", [client("1002")])
        target = make_smsturbo_db(directory / "smsturbo.db", [], template=template)
        ran = smsync(capsys, "sync", "--sage", sage, "--smsturbo", target, "--all-eligible", "--yes",
                     "--reports", str(directory / "reports"), "--format", "json")
        assert ran.code == 0 and ran.data["inserted"] == ["1002"], ran.err
        connection = sqlite3.connect(directory / "smsturbo.db")
        terms = connection.execute("SELECT Terms FROM Customer WHERE CustomerID = '1002'").fetchone()[0]
        connection.close()
        assert terms == ("NET30" if template else "COD")  # ZZDEFAULT's, else the database default
