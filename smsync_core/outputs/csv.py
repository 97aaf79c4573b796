"""CSV for people: header row, missing values blank, lists joined, and no cell that starts a formula."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal, TextIO

import pandas as pd

from smsync_core.outputs.cells import neutralise_formulas

#: What joins the items of a list or tuple cell (the reasons of a suggestion, say).
LIST_SEPARATOR = ";"
_PLAIN_TYPES = frozenset({"string", "empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean",
                          "datetime", "datetime64", "date", "time", "timedelta", "timedelta64", "period", "bytes"})


def join_lists(column: pd.Series[Any], separator: str = LIST_SEPARATOR) -> pd.Series[Any]:
    """``column`` with each list or tuple cell joined into one text (a column without any is returned as is)."""
    if column.dtype != object or pd.api.types.infer_dtype(column, skipna=True) in _PLAIN_TYPES:
        return column
    return column.map(
        lambda v: separator.join("" if x is None else str(x) for x in v) if isinstance(v, list | tuple) else v
    )


def write_csv(frame: pd.DataFrame, target: str | Path | TextIO | None = None) -> None:
    """Write ``frame`` as CSV (no index, ``\\n`` line ends, UTF-8 for a path) to a path, an open text stream, or
    ``sys.stdout`` as it is at call time; text that would start a formula is written as text (``'`` prefix)."""
    joined = pd.DataFrame({i: join_lists(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index)
    joined.columns = frame.columns
    safe = neutralise_formulas(joined)
    # The csv module quotes a field holding "\n" but not one holding a bare "\r" when lines end with "\n"; a
    # spreadsheet would start a new row there (and read what follows as a new first cell): quote all text then.
    quoting: Literal[0, 2] = 2 if _any_carriage_return(safe) else 0  # csv.QUOTE_NONNUMERIC, csv.QUOTE_MINIMAL
    out: str | Path | TextIO = sys.stdout if target is None else target
    if isinstance(out, str | Path):
        safe.to_csv(out, index=False, lineterminator="\n", quoting=quoting, encoding="utf-8")
    else:
        safe.to_csv(out, index=False, lineterminator="\n", quoting=quoting)


def _any_carriage_return(frame: pd.DataFrame) -> bool:
    for i in range(frame.shape[1]):
        try:
            if frame.iloc[:, i].str.contains("\r", regex=False).fillna(False).astype(bool).any():
                return True
        except AttributeError:  # no text in the column
            continue
    return any("\r" in str(c) for c in frame.columns)
