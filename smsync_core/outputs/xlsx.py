"""Excel workbooks for people: one sheet per list, readable headings, and no cell that is a live formula.

Each sheet has a bold, frozen heading row with an autofilter, columns as wide as their content (capped), missing
values blank, numbers as numbers. Every text cell is written as text (``data_type "s"``): openpyxl would
otherwise store a value beginning with ``=`` as a formula. A text that a spreadsheet would read as a formula
(``=``, ``+``, ``-``, ``@``, tab, CR first) also carries Excel's quote prefix, so it stays text when someone edits
the cell, and reads back exactly as written (but for a carriage return, which XML itself reads back as a line
feed). Characters an XLSX file cannot hold (C0 controls other than tab,
LF and CR) are shown escaped (``\\x1b``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from smsync_core.outputs.cells import formula_mask
from smsync_core.outputs.csv import join_lists

if TYPE_CHECKING:  # openpyxl itself is imported when a workbook is written (~50 ms a process otherwise)
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: The widest a column is made, in characters.
MAX_WIDTH = 60
_MIN_WIDTH = 8
#: Words shown in capitals (or their own spelling) in headings.
HEADING_WORDS: dict[str, str] = {"id": "ID", "ids": "IDs", "url": "URL", "smsturbo": "SMSTurbo", "sms": "SMS",
                                 "ref": "Ref", "db": "DB", "os": "OS"}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def heading(name: Any, headings: Mapping[str, str] | None = None) -> str:
    """The heading people read for a column: ``customer_id`` -> ``Customer ID`` (``headings`` overrides)."""
    text = str(name)
    if headings and text in headings:
        return headings[text]
    if "_" not in text:
        return text[:1].upper() + text[1:]
    words = [w for w in text.split("_") if w]
    return " ".join(HEADING_WORDS.get(w.lower(), w[:1].upper() + w[1:]) for w in words)


def blank_ids(values: pd.Series[Any]) -> pd.Series[Any]:
    """IDs as people read them in a worklist: an empty or all-space ID is a blank cell, not one holding spaces."""
    text = values.astype("string")
    return text.where(text.str.strip() != "")


def sheet_title(name: str) -> str:
    """A valid Excel sheet name for ``name`` (at most 31 characters, none of ``[]:*?/\\``)."""
    title = _SHEET_FORBIDDEN.sub("-", name).strip("'")[:31]
    return title or "Sheet"


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    target: str | Path | IO[bytes],
    *,
    headings: Mapping[str, str] | None = None,
) -> Path | None:
    """Write one sheet per frame of ``sheets`` (in order) to an ``.xlsx`` file or binary stream.

    Returns the path written (its folder is created), or None for a stream. Two sheet names that become the same
    Excel name are a ``ValueError``.
    """
    from openpyxl import Workbook

    titles = [sheet_title(name) for name in sheets]
    for i, title in enumerate(titles):
        if title.lower() in (t.lower() for t in titles[:i]):
            raise ValueError(f"Two sheets would both be named '{title}' in Excel; name them apart.")
    book = Workbook(write_only=True)
    for title, frame in zip(titles, sheets.values(), strict=True):
        _write_sheet(book.create_sheet(title), frame, headings)
    if not sheets:
        book.create_sheet("Sheet")
    if isinstance(target, str | Path):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
        return path
    book.save(target)
    return None


def _write_sheet(sheet: WriteOnlyWorksheet, frame: pd.DataFrame, headings: Mapping[str, str] | None) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    titles = [heading(c, headings) for c in frame.columns]
    columns = [_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    quoted = [formula_mask(values).tolist() for values, _ in columns]
    cells = [values.tolist() for values, _ in columns]
    for i, title in enumerate(titles, start=1):
        width = max(len(title), columns[i - 1][1]) + 2
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width, _MIN_WIDTH), MAX_WIDTH)
    if titles:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(titles))}{len(frame) + 1}"
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, t, quote=False, font=bold) for t in titles])
    for row in range(len(frame)):
        sheet.append([_cell(sheet, cells[c][row], quoted[c][row]) for c in range(len(cells))])


def _column(column: pd.Series[Any]) -> tuple[pd.Series[Any], int]:
    """The column as values openpyxl can write (NA -> None, lists joined, tz-aware times as ISO text, characters
    an XLSX cannot hold escaped), and the length of its longest value."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.map(lambda v: v.isoformat(), na_action="ignore")
    column = join_lists(column)
    try:
        text = column.str.replace(_ILLEGAL, lambda m: f"\\x{ord(m.group()):02x}", regex=True)
    except AttributeError:  # no text in the column
        pass
    else:
        column = text.where(text.notna(), column)  # the accessor gives NA for a number among text
    values = column.astype(object).where(column.notna(), None)
    lengths = values.astype(str).str.len()  # a missing value has no length (NaN), and a column may be all missing
    width = int(lengths.max()) if lengths.notna().any() else 0
    return values, width


def _cell(sheet: WriteOnlyWorksheet, value: Any, quote: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _text_cell(sheet, value, quote=quote)
    if isinstance(value, bool | int | float | Decimal | dt.datetime | dt.date | dt.time | dt.timedelta):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return _text_cell(sheet, str(value), quote=False)


def _text_cell(sheet: WriteOnlyWorksheet, text: str, *, quote: bool, font: Font | None = None) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl takes a text beginning with "=" for a formula
    if quote:
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell
