"""Failures that used to be "unexpected ... report it" crashes, each now one sentence saying what to do."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from smsync_core.cli.dispatch import main
from tests.support.data import SMSTURBO_COLUMNS, client, make_sage_db, read_table


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG", "SMSYNC_HOME"):
        monkeypatch.delenv(name, raising=False)
    make_sage_db(tmp_path / "sage.db", [client("1001")])
    return tmp_path


def one_sentence(err: str) -> str:
    assert err.startswith("smsync: ") and err.count("\n") == 1 and "unexpected" not in err, err
    assert "Traceback" not in err
    return err


def test_a_not_null_column_without_a_value_names_the_column_and_what_to_do(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = ", ".join(f'"{c}" VARCHAR(60)' for c in SMSTURBO_COLUMNS.values() if c != "CustomerID")
    with sqlite3.connect(here / "smsturbo.db") as con:  # no ZZDEFAULT row, and a required column without default
        con.execute(f'CREATE TABLE "Customer" ("CustomerID" VARCHAR(15) PRIMARY KEY, {columns}, '
                    '"Region" VARCHAR(10) NOT NULL)')
    code = main(["sync", "--sage", f"sqlite:///{here / 'sage.db'}", "--smsturbo", f"sqlite:///{here / 'smsturbo.db'}",
                 "--select", "1001", "--yes"])
    err = one_sentence(capsys.readouterr().err)
    assert code == 1
    assert "'Region'" in err and "ZZDEFAULT" in err and "network" not in err
    assert read_table(here / "smsturbo.db", "Customer") == []


# An OLE2 compound file's header: what Excel 97-2003 writes as .xls, and what an .xlsx saved with a password is.
OLE2_HEADER = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900") + bytes(488)


@pytest.mark.parametrize(("name", "words"), [
    ("clients.xls", ("Excel 97-2003", ".xlsx", "CSV")),
    ("clients.xlsx", ("password", "remove the password")),
])
def test_an_old_or_password_protected_workbook_is_one_sentence(
    here: Path, name: str, words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    (here / name).write_bytes(OLE2_HEADER)
    code = main(["check", "--sage", str(here / name)])
    err = one_sentence(capsys.readouterr().err)
    assert code == 2
    assert all(w in err for w in words) and "xlrd" not in err and "ImportError" not in err


def test_reports_naming_a_file_is_one_sentence_and_nothing_is_imported(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.data import make_smsturbo_db

    make_smsturbo_db(here / "smsturbo.db", [])
    (here / "afile").write_text("not a folder", encoding="utf-8")
    code = main(["sync", "--sage", f"sqlite:///{here / 'sage.db'}", "--smsturbo", f"sqlite:///{here / 'smsturbo.db'}",
                 "--select", "1001", "--yes", "--reports", str(here / "afile")])
    err = one_sentence(capsys.readouterr().err)
    assert code == 2 and "is a file" in err and "--reports" in err
    assert [r for r in read_table(here / "smsturbo.db", "Customer") if r[0] != "ZZDEFAULT"] == []


def _set_sequence(path: Path, value: object) -> None:
    data = json.loads(path.read_text("utf-8"))
    data["sequence"] = value
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("value", ["x", "2", 1.5, None, True])
def test_a_sequence_that_is_not_a_record_number_is_a_problem_or_a_sentence_not_a_crash(
    here: Path, value: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.data import make_smsturbo_db

    make_smsturbo_db(here / "smsturbo.db", [])
    make_sage_db(here / "sage2.db", [client("1002")])
    sync = ["sync", "--smsturbo", f"sqlite:///{here / 'smsturbo.db'}", "--yes", "--reports", str(here / "reports")]
    assert main([*sync, "--sage", f"sqlite:///{here / 'sage.db'}", "--select", "1001"]) == 0
    (record,) = (p for p in (here / "reports").iterdir() if p.is_dir() and not p.name.startswith("."))
    shutil.copytree(here / "reports", here / "kept")
    capsys.readouterr()

    _set_sequence(record / "manifest.json", value)  # verify: a problem naming the manifest
    code = main(["verify", str(here / "reports")])
    out, err = capsys.readouterr()
    assert code == 1 and one_sentence(err)
    assert f"{record / 'manifest.json'}: its sequence {value!r} is not a record number" in out

    shutil.rmtree(here / "reports")
    shutil.copytree(here / "kept", here / "reports")
    _set_sequence(here / "reports" / "chain.json", value)  # the next import: one sentence, nothing imported
    code = main([*sync, "--sage", f"sqlite:///{here / 'sage2.db'}", "--select", "1002"])
    err = one_sentence(capsys.readouterr().err)
    assert code == 1 and f"{here / 'reports' / 'chain.json'} names record {value!r}" in err and "verify" in err
    assert [r[0] for r in read_table(here / "smsturbo.db", "Customer") if r[0] != "ZZDEFAULT"] == ["1001"]
    assert not any((here / "reports" / ".pending").iterdir())
    code = main(["verify", str(here / "reports")])
    assert code == 1 and "chain.json" in one_sentence(capsys.readouterr().err)


@pytest.fixture
def two_sheets(here: Path) -> Path:
    """A workbook whose first sheet is a summary and whose second holds the clients (as some exports are)."""
    import openpyxl

    book = openpyxl.Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["Report", "Clients exported"])
    summary.append(["Client list", 2])
    clients = book.create_sheet("Clients")
    clients.append(["Client#", "Client Name", "Inactive Record"])
    clients.append(["1001", "Acme Builders", ""])
    clients.append(["1002", "Baker & Sons", ""])
    book.save(here / "clients.xlsx")
    return here / "clients.xlsx"


def test_a_workbook_with_several_sheets_says_which_it_read_and_sheet_chooses(
    two_sheets: Path, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--sage", str(two_sheets), "--format", "json"])  # the first sheet holds no clients
    err = one_sentence(capsys.readouterr().err)
    assert code == 2 and "in its sheet 'Summary'" in err and "--sheet NAME" in err and "'Clients'" in err

    code = main(["check", "--sage", str(two_sheets), "--sheet", "Clients", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["clients"] == 2 and err == ""

    code = main(["check", "--sage", str(two_sheets), "--sheet", "Invoices"])
    err = one_sentence(capsys.readouterr().err)
    assert code == 2 and "no sheet 'Invoices'" in err and "'Summary', 'Clients'" in err

    (here / "smsync.toml").write_text('[sage]\nsheet = "Clients"\n', encoding="utf-8")  # the file chooses too
    code = main(["check", "--sage", str(two_sheets), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["clients"] == 2 and err == ""
    assert main(["setup", "--replace", "phones"]) == 0  # saving the file keeps the choice
    assert 'sheet = "Clients"' in (here / "smsync.toml").read_text("utf-8")


def test_the_first_of_several_sheets_is_read_with_a_note_naming_it(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Clients"
    first.append(["Client#", "Client Name", "Inactive Record"])
    first.append(["1001", "Acme Builders", ""])
    book.create_sheet("Notes").append(["exported by the office"])
    book.save(here / "export.xlsx")
    code = main(["check", "--sage", str(here / "export.xlsx"), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["clients"] == 1
    assert err == ("Note: The client list export.xlsx has 2 sheets ('Clients', 'Notes') and smsync read the first, "
                   "'Clients'; to read another, pass --sheet NAME (or set sage.sheet in smsync.toml).\n")


def test_sheet_with_a_database_or_a_csv_is_a_usage_error(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "clients.csv").write_text("Client#,Client Name\n1001,Acme\n", encoding="utf-8")
    for sage in (f"sqlite:///{here / 'sage.db'}", str(here / "clients.csv")):
        code = main(["check", "--sage", sage, "--sheet", "Clients"])
        err = one_sentence(capsys.readouterr().err)
        assert code == 2 and "--sheet chooses a sheet of an Excel client list" in err
