"""The ``smsync check`` and ``smsync diff`` commands: outputs, JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from smsync_core import schema
from smsync_core.cli.dispatch import main
from tests.support.data import SAGE_COLUMNS, client, customer, make_sage_db, make_smsturbo_db, sha256

SMSYNC = Path(sys.executable).with_name("smsync")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG", "SMSYNC_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./smsync.toml from elsewhere


@pytest.fixture
def dbs(tmp_path: Path) -> tuple[str, str]:
    """A small Sage company and SMSTurbo database telling the seed's story."""
    sage = make_sage_db(
        tmp_path / "sage.db",
        [
            client("ACME", name="Acme Corp", phone="555-0100"),
            client("JSMITH", name="Julie Smith", status=6),
            client("NEW-1", name="New Client"),
            client("bad id", name="Bad Id"),
            client("SAME", name="Same Co"),
        ],
    )
    turbo = make_smsturbo_db(
        tmp_path / "turbo.db",
        [
            customer("ACME", name="Acme Corp", phone="555-0199"),
            customer("SAME", name="Same Co"),
            customer("TURBO-ONLY", name="Only In Turbo"),
        ],
        lengths={"name": 9},
    )
    return sage, turbo


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def assert_one_line_error(err: str, *phrases: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("smsync: "), err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in lines[0], err


# --- check --------------------------------------------------------------------------------------------------------


def test_check_json_has_the_design_shape(run: Run, dbs: tuple[str, str]) -> None:
    sage, turbo = dbs
    code, out, err = run("check", "--sage", sage, "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    findings = data["findings"]
    for finding in findings:
        assert set(finding) >= {"customer_id", "rule", "severity", "field", "message"}
        assert finding["severity"] in ("error", "warning")
    got = {(f["customer_id"], f["rule"], f["severity"]) for f in findings}
    assert got == {("JSMITH", "inactive", "warning"), ("bad id", "id-invalid-chars", "error")}
    assert [f["customer_id"] for f in findings] == sorted(f["customer_id"] for f in findings)
    assert all(f["field"] is None for f in findings)
    # with SMSTurbo given, values longer than its columns are found too, naming the field
    code, out, _ = run("check", "--sage", sage, "--smsturbo", turbo, "--format", "json")
    too_long = [f for f in json.loads(out)["findings"] if f["rule"] == "field-too-long"]
    assert {(f["customer_id"], f["field"]) for f in too_long} == {("JSMITH", "name"), ("NEW-1", "name")}


def test_check_table_and_csv(run: Run, dbs: tuple[str, str]) -> None:
    sage, _ = dbs
    code, out, err = run("check", "--sage", sage)
    assert code == 0 and err == ""
    assert "Sage 100 clients: 5" in out
    assert "id-invalid-chars" in out and "inactive" in out and "bad id" in out
    code, out, err = run("check", "--sage", sage, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["customer_id"], r["rule"]) for r in rows} == {("JSMITH", "inactive"), ("bad id", "id-invalid-chars")}


def test_check_a_client_list_export(run: Run, tmp_path: Path) -> None:
    export = tmp_path / "clients.csv"
    export.write_text("Client Number,Client Name\nA1,Acme\nb2,Beta\n", encoding="utf-8")
    code, out, _ = run("check", "--sage", str(export), "--format", "json")
    assert code == 0
    assert ("b2", "id-invalid-chars") in {(f["customer_id"], f["rule"]) for f in json.loads(out)["findings"]}


def test_check_reads_the_environment_url(run: Run, dbs: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSYNC_SAGE_URL", dbs[0])
    code, out, _ = run("check", "--format", "json")
    assert code == 0 and json.loads(out)["findings"]


def test_check_never_changes_the_sage_file(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    before = sha256(tmp_path / "sage.db")
    run("check", "--sage", dbs[0], "--smsturbo", dbs[1])
    run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all")
    assert sha256(tmp_path / "sage.db") == before


# --- diff ---------------------------------------------------------------------------------------------------------


def test_diff_json_missing_only(run: Run, dbs: tuple[str, str]) -> None:
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["mode"] == "missing-only"
    assert data["smsturbo_only"] == [{"customer_id": "TURBO-ONLY", "name": "Only In Turbo"}]
    assert [e["customer_id"] for e in data["sage_only"]] == ["JSMITH", "NEW-1", "bad id"]
    julie = data["sage_only"][0]
    assert julie["status"] == 6 and julie["status_ref"] == "6 - Do Not Accept Contract Again"
    assert julie["inactive"] is True and julie["eligible"] is False
    assert "inactive" in julie["rules"] and "field-too-long" in julie["rules"]  # lengths from --smsturbo
    bad = data["sage_only"][2]
    assert bad["eligible"] is False and "id-invalid-chars" in bad["rules"]
    assert data["different"] == []


def test_diff_all_exits_zero_with_differences(run: Run, dbs: tuple[str, str]) -> None:
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["mode"] == "all"
    assert data["different"] == [
        {"customer_id": "ACME", "fields": {"phone": {"sage": "555-0100", "smsturbo": "555-0199"}}}
    ]


def test_diff_table_shows_both_panes(run: Run, dbs: tuple[str, str]) -> None:
    code, out, _ = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all")
    assert code == 0
    left, right = out.index("Left pane"), out.index("Right pane")
    assert "NOT supported" in out
    assert left < out.index("TURBO-ONLY") < right
    assert out.index("NEW-1") > right
    assert "6 - Do Not Accept Contract Again" in out
    assert "555-0199" in out  # the field-level difference


def test_diff_csv(run: Run, dbs: tuple[str, str]) -> None:
    code, out, _ = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    got = {(r["pane"], r["customer_id"]) for r in rows}
    assert got == {
        ("smsturbo_only", "TURBO-ONLY"),
        ("smsturbo_only", "ACME"),  # the SMSTurbo side of a difference is shown on the left too
        ("sage_only", "JSMITH"),
        ("sage_only", "NEW-1"),
        ("sage_only", "bad id"),
        ("different", "ACME"),
    }


# --- errors -------------------------------------------------------------------------------------------------------


def test_bad_url_exits_2(run: Run) -> None:
    code, out, err = run("check", "--sage", "not a database url")
    assert code == 2 and out == ""
    assert_one_line_error(err, "Sage 100", "URL")


def test_unknown_driver_exits_2(run: Run, dbs: tuple[str, str]) -> None:
    code, _, err = run("diff", "--sage", dbs[0], "--smsturbo", "oracle+nosuchdriver://u:Pw123@h/db")
    assert code == 2
    assert_one_line_error(err, "SMSTurbo")
    assert "Pw123" not in err


def test_malformed_config_exits_2(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[sage\ntable = 'x'\n", encoding="utf-8")
    code, _, err = run("check", "--sage", dbs[0], "--config", str(config))
    assert code == 2
    assert_one_line_error(err, "TOML")
    config.write_text("[sqlserver]\ndrvier = 'FreeTDS'\n", encoding="utf-8")
    code, _, err = run("check", "--sage", dbs[0], "--config", str(config))
    assert code == 2
    assert_one_line_error(err, "drvier")


def test_diff_without_smsturbo_exits_2(run: Run, dbs: tuple[str, str]) -> None:
    code, out, err = run("diff", "--sage", dbs[0])
    assert code == 2 and out == ""
    assert_one_line_error(err, "--smsturbo")


def test_no_sage_connection_exits_2(run: Run) -> None:
    code, _, err = run("check")
    assert code == 2
    assert_one_line_error(err, "--sage")


def test_missing_database_file_exits_1(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    code, out, err = run("check", "--sage", f"sqlite:///{tmp_path / 'nope.db'}")
    assert code == 1 and out == ""
    assert_one_line_error(err, "does not exist")
    code, _, err = run("diff", "--sage", dbs[0], "--smsturbo", f"sqlite:///{tmp_path / 'nope.db'}")
    assert code == 1
    assert_one_line_error(err, "SMSTurbo", "does not exist")
    assert not (tmp_path / "nope.db").exists()


def test_missing_table_exits_2(run: Run, tmp_path: Path) -> None:
    sage = make_sage_db(tmp_path / "other.db", [client("A1")], table="clients")
    code, _, err = run("check", "--sage", sage)
    assert code == 2
    assert_one_line_error(err, "reccln", "smsync.toml")


def test_diff_needs_only_read_access_to_smsturbo(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    before = sha256(tmp_path / "turbo.db")
    read_only = f"sqlite:///file:{tmp_path / 'turbo.db'}?mode=ro&uri=true"
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", read_only, "--all", "--format", "json")
    assert code == 0, err
    assert [e["customer_id"] for e in json.loads(out)["different"]] == ["ACME"]
    assert sha256(tmp_path / "turbo.db") == before


def test_diff_with_a_client_list_export(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    export = tmp_path / "clients.csv"
    export.write_text("Client Number,Client Name\nACME,Acme Corp\nNEW-2,New Two\n", encoding="utf-8")
    code, out, _ = run("diff", "--sage", str(export), "--smsturbo", dbs[1], "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [e["customer_id"] for e in data["sage_only"]] == ["NEW-2"]
    assert [e["customer_id"] for e in data["smsturbo_only"]] == ["SAME", "TURBO-ONLY"]


def test_a_usage_error_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--format", "xml"]) == 2
    assert_one_line_error(capsys.readouterr().err, "--format")


@pytest.fixture
def locked_turbo(dbs: tuple[str, str], tmp_path: Path) -> Iterator[str]:
    holder = sqlite3.connect(tmp_path / "turbo.db", timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    yield dbs[1]
    holder.rollback()
    holder.close()


@pytest.mark.slow  # SQLite waits 30 s for the lock before giving up
def test_locked_smsturbo_exits_1(run: Run, dbs: tuple[str, str], locked_turbo: str) -> None:
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", locked_turbo)
    assert code == 1 and out == ""
    assert_one_line_error(err, "locked", "close it")


@pytest.mark.server
def test_access_denied_exits_1(run: Run, pg_url: str, pg_role: Callable[..., str]) -> None:
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        columns = ", ".join(f"{c} varchar(50)" for c in SAGE_COLUMNS.values())
        conn.exec_driver_sql(f"CREATE TABLE reccln ({columns})")
        conn.exec_driver_sql("CREATE TABLE unrelated (x int)")
    admin.dispose()
    reader = pg_role(pg_url, "clerk", {"unrelated": ["SELECT"]})
    password = sa.make_url(reader).password
    assert password
    code, out, err = run("check", "--sage", reader)
    assert code == 1 and out == "", err
    assert_one_line_error(err, "authority level")
    assert password not in err


# --- the installed command ----------------------------------------------------------------------------------------


def _smsync(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSYNC_")}
    return subprocess.run([str(SMSYNC), *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
                          check=False)


def test_the_installed_command(dbs: tuple[str, str], tmp_path: Path) -> None:
    done = _smsync("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["mode"] == "all" and [e["customer_id"] for e in data["different"]] == ["ACME"]
    done = _smsync("diff", "--sage", dbs[0], cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert_one_line_error(done.stderr, "--smsturbo")


def test_diff_table_when_smsturbo_has_fewer_mapped_columns(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    config = tmp_path / "smsync.toml"
    config.write_text('[smsturbo.columns]\ncity = ""\nphone = ""\n', encoding="utf-8")
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all", "--config", str(config))
    assert code == 0, err
    assert "TURBO-ONLY" in out and "Right pane" in out
    assert "555-0199" not in out  # phone is not compared when SMSTurbo does not map it


# --- Excel (--format xlsx --output FILE) ----------------------------------------------------------------------------


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet of the workbook as rows of values; each has a bold frozen heading row and a filter over it all."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=len(rows[0])).column_letter}{len(rows)}"
        assert all(cell.font.bold for cell in sheet[1])
        sheets[sheet.title] = rows
    return sheets


def test_diff_writes_the_two_panes_as_excel_sheets(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--format", "xlsx", "--output", "panes.xlsx")
    assert code == 0 and err == "" and "panes.xlsx" in out
    sheets = _sheets(tmp_path / "panes.xlsx")
    assert list(sheets) == ["To enter in Sage 100 by hand", "Sage 100 clients to bring over"]
    left, right = sheets.values()
    assert left[0][:3] == ("Customer ID", "Name", "Address 1")
    assert [r[:2] for r in left[1:]] == [("TURBO-ONLY", "Only In Turbo")]
    assert right[0][:5] == ("Customer ID", "Name", "Status", "Eligible to import", "Why not")
    by_id = {r[0]: r for r in right[1:]}
    assert list(by_id) == ["JSMITH", "NEW-1", "bad id"]
    assert by_id["JSMITH"][2:4] == ("6 - Do Not Accept Contract Again", "no")
    assert by_id["NEW-1"][3] == "no" and "Shorten" in str(by_id["NEW-1"][4])  # its name: SMSTurbo's is 9 long
    # all differences: a third sheet, field by field
    code, _, _ = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--all", "--format=xlsx", "--output=all.xlsx")
    assert code == 0
    sheets = _sheets(tmp_path / "all.xlsx")
    assert sheets["Differences field by field"] == [("Customer ID", "Field", "In Sage 100", "In SMSTurbo"),
                                                    ("ACME", "phone", "555-0100", "555-0199")]


def test_check_and_suggest_write_excel_with_headings_in_words(run: Run, tmp_path: Path) -> None:
    sage = make_sage_db(tmp_path / "s.db", [
        client("1001", name='=HYPERLINK("http://evil.example","Pay")'),
        client("   ", name="No Number Yet", phone="303-555-0142"),
        client("1002", name="Julie Smith", status=6),
    ])
    turbo = make_smsturbo_db(tmp_path / "t.db", [customer("ACME", name="No Number Yet", phone="303-555-0142")])
    code, _, err = run("check", "--sage", sage, "--format", "xlsx", "--output", "check.xlsx")
    assert code == 0 and err == ""
    findings, by_rule = _sheets(tmp_path / "check.xlsx").values()
    # rules in words (the code last, for analysts); an empty Client Number is blank, not "   "
    assert findings[0] == ("Customer ID", "Name", "Rule", "Severity", "Field", "Message", "Rule code")
    assert (None, "No Number Yet", "No Client Number", "error") in {r[:4] for r in findings[1:]}
    assert {r[2] for r in findings[1:]} >= {"No Client Number", "Inactive client"} and findings[1][-1] in schema.RULES
    assert by_rule[0] == ("Severity", "Rule", "Clients", "Rule code")
    assert ("error", "No Client Number", 1, "id-empty") in by_rule
    code, _, err = run("diff", "--sage", sage, "--smsturbo", turbo, "--format", "xlsx", "--output", "d.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "d.xlsx")["Sage 100 clients to bring over"]
    formula = next(c for c in sheet["B"] if c.value == '=HYPERLINK("http://evil.example","Pay")')
    assert formula.data_type == "s" and formula.quotePrefix  # text, never a live formula
    code, _, err = run("suggest", "--sage", sage, "--smsturbo", turbo, "--format", "xlsx", "--output", "s.xlsx")
    assert code == 0 and err == ""
    sheets = _sheets(tmp_path / "s.xlsx")
    assert list(sheets) == ["For SMSTurbo-only customers", "For Sage 100-only clients"]
    to_sage = sheets["For SMSTurbo-only customers"]
    assert to_sage[0] == ("SMSTurbo customer", "Sage 100 client", "Score", "Rank", "Reasons")
    assert to_sage[1][:2] == ("ACME", None) and to_sage[1][3] == 1 and "phone" in str(to_sage[1][4])


def test_excel_needs_an_output_file(run: Run, dbs: tuple[str, str], tmp_path: Path) -> None:
    code, out, err = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--format", "xlsx")
    assert code == 2 and out == ""
    assert_one_line_error(err, "--output FILE")
    code, out, err = run("check", "--sage", dbs[0], "--output", "x.xlsx")
    assert code == 2 and out == ""
    assert_one_line_error(err, "--format xlsx")
    assert not list(tmp_path.glob("*.xlsx"))


def test_check_table_names_each_client(run: Run, tmp_path: Path) -> None:
    sage = make_sage_db(tmp_path / "s.db", [client("", name="Nameless Number"), client("  ", name="Spaces Only")])
    code, out, _ = run("check", "--sage", sage)
    assert code == 0
    findings = out[out.index("\nFindings\n"):]
    assert findings.splitlines()[2].split()[:2] == ["customer_id", "name"]
    assert "Nameless Number" in findings and "Spaces Only" in findings
    code, out, _ = run("check", "--sage", sage, "--format", "csv")
    assert {r["name"] for r in csv.DictReader(io.StringIO(out))} == {"Nameless Number", "Spaces Only"}


class _Terminal(io.StringIO):
    """A stderr that is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_long_read_is_announced_on_a_terminal(run: Run, dbs: tuple[str, str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, out, _ = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--format", "json")  # reads take < 0.5 s
    assert code == 0 and json.loads(out)["mode"] == "missing-only"
    assert terminal.getvalue() == ""  # a short read says nothing
    monkeypatch.setattr("smsync_core.cli._common.READ_NOTICE_AFTER", 0)  # every read counts as long
    code, out, _ = run("diff", "--sage", dbs[0], "--smsturbo", dbs[1], "--format", "json")
    lines = terminal.getvalue().splitlines()
    assert code == 0 and json.loads(out)["mode"] == "missing-only"  # stdout stays the JSON alone
    assert {"Reading the Sage 100 clients…", "Reading the SMSTurbo customers…"} <= set(lines)
    assert any(line.startswith("Read 5 Sage 100 clients in ") for line in lines)
    assert any(line.startswith("Read 3 SMSTurbo customers in ") for line in lines)
    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)  # not a terminal (a log, a pipe): never announced
    code, _, _ = run("check", "--sage", dbs[0])
    assert code == 0 and plain.getvalue() == ""
