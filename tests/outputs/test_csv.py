"""CSV written for people: a cell that would start a formula comes back as text, numbers as numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from smsync_core.outputs import write_csv
from tests.outputs.test_cells import PAYLOADS


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_formula_payloads_are_written_as_text() -> None:
    frame = pd.DataFrame({"customer_id": ["=1+1", "1002"] + ["x"] * (len(PAYLOADS) - 2), "name": PAYLOADS})
    out = io.StringIO()
    write_csv(frame, out)
    rows = _rows(out.getvalue())
    assert rows[0] == ["customer_id", "name"]
    assert [r[1] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert rows[1][0] == "'=1+1" and rows[2][0] == "1002"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_a_carriage_return_inside_a_cell_cannot_start_a_new_row() -> None:
    out = io.StringIO()
    write_csv(pd.DataFrame({"name": ["Julie\r=1+1", "Bob"], "balance": [-1.5, 2.0]}), out)
    assert _rows(out.getvalue()) == [["name", "balance"], ["Julie\r=1+1", "-1.5"], ["Bob", "2.0"]]
    assert "\r=1+1" not in out.getvalue().replace('"Julie\r=1+1"', "")


def test_numbers_lists_and_missing_values(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "balance": [-5.25, 10.0],
        "count": pd.Series([-3, None], dtype="Int64"),
        "reasons": [["=same name", "postcode"], None],
    })
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    rows = _rows(path.read_text("utf-8"))
    assert rows[1] == ["-5.25", "-3", "'=same name;postcode"]
    assert rows[2] == ["10.0", "", ""]


def test_default_target_is_stdout(capsys: object) -> None:
    write_csv(pd.DataFrame({"name": ["@SUM(1)"]}))
    assert capsys.readouterr().out == "name\n'@SUM(1)\n"  # type: ignore[attr-defined]
