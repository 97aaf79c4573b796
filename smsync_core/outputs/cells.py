"""Cells people open in a spreadsheet: no text may start a live formula.

A spreadsheet reads a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``, ``@SUM(1)``). As OWASP advises, such a text cell is written as
text: prefixed with a single quote ``'``. Only text is touched; numbers stay numbers (``-5`` in a numeric column
is not text), and missing values stay missing. Works on whole columns.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: The first characters that make a spreadsheet read a text cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: What is put before such a cell so that it reads as text.
TEXT_PREFIX = "'"


def formula_mask(column: pd.Series[Any]) -> pd.Series[bool]:
    """True for each text cell of ``column`` that would start a formula (numbers and missing values: False)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_datetime64_any_dtype(column.dtype):
        return pd.Series(False, index=column.index, dtype=bool)
    try:
        starts = column.str.startswith(FORMULA_PREFIXES)
    except AttributeError:  # no text in the column at all
        return pd.Series(False, index=column.index, dtype=bool)
    return starts.fillna(False).astype(bool)


def neutralise_formula_column(column: pd.Series[Any]) -> pd.Series[Any]:
    """``column`` with every text cell that would start a formula prefixed with ``'``; anything else as it was."""
    mask = formula_mask(column)
    if not mask.any():
        return column
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    return column.mask(mask, TEXT_PREFIX + column.where(mask, ""))


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot start a formula."""
    neutral = pd.DataFrame({i: neutralise_formula_column(frame.iloc[:, i]) for i in range(frame.shape[1])},
                           index=frame.index)
    neutral.columns = pd.Index([neutralise_formula_cell(c) for c in frame.columns])
    return neutral


def neutralise_formula_cell(value: Any) -> Any:
    """One value: text that would start a formula prefixed with ``'``; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return TEXT_PREFIX + value
    return value
