"""Excel for people: no cell is a live formula, headings readable, numbers numbers, read back with openpyxl."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from smsync_core.outputs import heading, write_xlsx
from smsync_core.outputs.xlsx import MAX_WIDTH
from tests.outputs.test_cells import PAYLOADS


def _book(sheets: dict[str, pd.DataFrame], **kwargs: object) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer, **kwargs)  # type: ignore[arg-type]
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_no_cell_is_a_formula_and_each_reads_back_as_its_text() -> None:
    frame = pd.DataFrame({"customer_id": ["=1+1"] + ["1001"] * (len(PAYLOADS) - 1), "name": PAYLOADS})
    sheet = _book({"worklist": frame})["worklist"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    read = [sheet.cell(row=r, column=2).value for r in range(2, len(PAYLOADS) + 2)]
    assert read[:-1] == PAYLOADS[:-1]
    assert read[-1] == "\n=1+1"  # XML reads a carriage return back as a line feed; still text, not a formula
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert all(sheet.cell(row=r, column=2).quotePrefix for r in range(2, len(PAYLOADS) + 2))
    assert not sheet["A3"].quotePrefix


def test_numbers_stay_numbers_and_missing_values_are_blank() -> None:
    frame = pd.DataFrame({
        "balance": [-5.25, None],
        "count": pd.Series([-3, None], dtype="Int64"),
        "name": pd.Series(["Julie", None], dtype="string"),
        "reasons": [["=x", "postcode"], None],
    })
    sheet = _book({"clients": frame})["clients"]
    assert sheet["A2"].value == -5.25 and sheet["A2"].data_type == "n"
    assert sheet["B2"].value == -3 and sheet["B2"].data_type == "n"
    assert sheet["D2"].value == "=x;postcode" and sheet["D2"].data_type == "s"
    assert [sheet.cell(row=3, column=c).value for c in range(1, 5)] == [None] * 4


def test_headings_are_bold_frozen_filtered_and_readable() -> None:
    frame = pd.DataFrame({"customer_id": ["1001"], "smsturbo_name": ["x" * 200], "what to fix": ["y"]})
    book = _book({"Fix in Sage 100": frame, "second": frame}, headings={"what to fix": "To do"})
    assert book.sheetnames == ["Fix in Sage 100", "second"]
    sheet = book["Fix in Sage 100"]
    assert [c.value for c in sheet[1]] == ["Customer ID", "SMSTurbo Name", "To do"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C2"
    assert sheet.column_dimensions["A"].width >= len("Customer ID")
    assert sheet.column_dimensions["B"].width == MAX_WIDTH


def test_heading_words() -> None:
    assert heading("customer_id") == "Customer ID"
    assert heading("sage_id") == "Sage ID"
    assert heading("status_ref") == "Status Ref"
    assert heading("what to fix") == "What to fix"
    assert heading("name", {"name": "Client name"}) == "Client name"


def test_control_characters_are_escaped_not_a_crash(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["Evil\x1b[2J", "tab\there", "ok"]})
    path = write_xlsx({"names": frame}, tmp_path / "sub" / "out.xlsx")
    assert path is not None and path.is_file()
    sheet = openpyxl.load_workbook(path)["names"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == ["Evil\\x1b[2J", "tab\there", "ok"]


def test_sheet_names_that_collide_in_excel_are_refused() -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match="named"):
        write_xlsx({"a/b": frame, "a:b": frame}, io.BytesIO())


def test_a_column_with_no_value_at_all_is_written_blank() -> None:
    frame = pd.DataFrame({"customer_id": ["1001", "1002"], "possible_match": pd.Series([None, None], dtype="string"),
                          "reasons": pd.Series([None, None], dtype=object)})
    sheet = _book({"panes": frame})["panes"]
    assert [c.value for c in sheet[1]] == ["Customer ID", "Possible Match", "Reasons"]
    assert [sheet.cell(row=r, column=c).value for r in (2, 3) for c in (2, 3)] == [None] * 4
