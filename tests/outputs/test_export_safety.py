"""What people open holds no live formula and what the terminal shows obeys no control code: clients named like
formulas or holding escape sequences, through every CSV/Excel writer and the check/diff tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import smsync_core
from smsync_core.cli.dispatch import main
from smsync_core.notebooks import cells
from smsync_core.outputs import FORMULA_PREFIXES
from smsync_core.suggest import report
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

FORMULAS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
CONTROLS = "Evil\x1b[2J\x1b]8;;http://x\x07a\x1b]8;;\x07\rB"
CONTROL_ID = "20\x1b[2J\r02"


@pytest.fixture
def urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG", "SMSYNC_HOME"):
        monkeypatch.delenv(name, raising=False)
    sage_rows = [client(f"10{i}", name=name, city=name) for i, name in enumerate(FORMULAS)]
    sage_rows += [client("=1+1", name="Formula Id"), client("2001", name=CONTROLS), client(CONTROL_ID),
                  client("3001", name="Acme Heating"), client("3002", name="Same Co", phone="555-0100")]
    turbo_rows = [customer(f"T{i}", name=name) for i, name in enumerate(FORMULAS)]
    acme = {k: v for k, v in client("3001").items() if k in ("address1", "postal_code", "phone", "email")}
    turbo_rows += [customer("T9", name="Acme Heatin", **acme),  # the same client under another ID: suggested
                   customer("3002", name="Same Co", phone="555-0199")]
    return (make_sage_db(tmp_path / "sage.db", sage_rows), make_smsturbo_db(tmp_path / "smsturbo.db", turbo_rows))


def live_cells(rows: list[list[Any]]) -> list[Any]:
    """Text cells a spreadsheet would run as a formula."""
    return [v for row in rows for v in row if isinstance(v, str) and v.startswith(FORMULA_PREFIXES)]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(path: Path) -> list[list[Any]]:
    """Every cell value of every sheet; a formula cell (data type ``f``) fails the test at once."""
    book = openpyxl.load_workbook(path)
    rows: list[list[Any]] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)  # text, also when edited
            rows.append([cell.value for cell in row if not (isinstance(cell.value, str) and cell.quotePrefix)])
    return rows


@pytest.mark.parametrize("command", [["check"], ["diff", "--all"], ["suggest"]])
def test_csv_output_holds_no_live_formula(urls: tuple[str, str], command: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--sage", urls[0], "--smsturbo", urls[1], "--format", "csv"]) == 0
    rows = csv_rows(capsys.readouterr().out)
    assert len(rows) > 1 and live_cells(rows) == []
    text = "\n".join(",".join(r) for r in rows)
    if command == ["check"]:
        assert "'=1+1" in text  # the formula-like ID is listed, as text
    if command == ["diff", "--all"]:
        assert "'=HYPERLINK" in text


def test_the_housekeeping_worklist_holds_no_live_formula(urls: tuple[str, str], tmp_path: Path) -> None:
    wb = smsync_core.connect(*urls, config={})
    frame = cells.worklist(wb)
    assert "=1+1" in set(frame["customer_id"])
    rows = xlsx_rows(cells.export_worklist(frame, str(tmp_path / "worklist.xlsx")))
    assert live_cells(rows) == []
    values = {c.value for s in openpyxl.load_workbook(tmp_path / "worklist.xlsx").worksheets
              for r in s.iter_rows() for c in r}
    assert "=1+1" in values  # read back exactly, quote prefix as a style, not in the text


def test_the_investigate_worklist_holds_no_live_formula(urls: tuple[str, str], tmp_path: Path) -> None:
    wb = smsync_core.connect(*urls, config={})
    rec = wb.reconcile(missing_only=False)
    suggestions = wb.suggest()
    frame = report.worklist(suggestions, wb.sage_clients(), rec.smsturbo_only)
    assert set(FORMULAS) <= set(frame["smsturbo_name"] if "smsturbo_name" in frame else frame.stack())
    rows = xlsx_rows(report.write_worklist(frame, suggestions, tmp_path / "ids.xlsx"))
    assert live_cells(rows) == []


@pytest.mark.parametrize("command", [["check"], ["diff", "--all"]])
def test_control_characters_in_names_are_printed_escaped(urls: tuple[str, str], command: list[str],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--sage", urls[0], "--smsturbo", urls[1]]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    if command == ["check"]:  # the ID is quoted in its finding
        assert "20\\x1b[2J\\r02" in out
    else:
        assert "Evil\\x1b[2J\\x1b]8;;http://x\\x07a\\x1b]8;;\\x07\\rB" in out
