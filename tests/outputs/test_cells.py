"""Text that a spreadsheet would read as a formula is marked as text; numbers and missing values are not touched."""

from __future__ import annotations

import pandas as pd
import pytest

from smsync_core.outputs import (
    FORMULA_PREFIXES,
    formula_mask,
    neutralise_formula_cell,
    neutralise_formula_column,
    neutralise_formulas,
)

PAYLOADS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1", "=1+1", "\t=1+1", "\r=1+1"]
HARMLESS = ["Julie Smith", "1001", "a=b", " =1", "O'Brien", ""]


@pytest.mark.parametrize("dtype", [object, "string", "str", "category"])
def test_each_formula_prefix_is_written_as_text(dtype: object) -> None:
    column = pd.Series(PAYLOADS + HARMLESS, dtype=dtype)  # type: ignore[call-overload]
    neutral = neutralise_formula_column(column)
    assert list(neutral[: len(PAYLOADS)]) == ["'" + p for p in PAYLOADS]
    assert list(neutral[len(PAYLOADS):]) == HARMLESS
    assert formula_mask(column).tolist() == [True] * len(PAYLOADS) + [False] * len(HARMLESS)


def test_every_listed_prefix_counts() -> None:
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}
    assert all(neutralise_formula_cell(p + "x") == "'" + p + "x" for p in FORMULA_PREFIXES)


def test_numbers_stay_numbers_and_missing_stays_missing() -> None:
    frame = pd.DataFrame({
        "balance": [-5.25, 3.0, None],
        "count": pd.Series([-1, 2, None], dtype="Int64"),
        "mixed": pd.Series([-7, "-7", None], dtype=object),
        "name": pd.Series(["=1+1", None, "ok"], dtype="string"),
    })
    neutral = neutralise_formulas(frame)
    pd.testing.assert_series_equal(neutral["balance"], frame["balance"])
    pd.testing.assert_series_equal(neutral["count"], frame["count"])
    assert neutral["mixed"].tolist()[:2] == [-7, "'-7"] and neutral["mixed"].isna().iloc[2]
    assert neutral["name"].tolist()[0] == "'=1+1" and neutral["name"].isna().iloc[1]
    assert neutral.index.equals(frame.index)


def test_column_names_are_neutralised_too() -> None:
    frame = pd.DataFrame({"=cmd": ["x"], "name": ["y"]})
    assert list(neutralise_formulas(frame).columns) == ["'=cmd", "name"]
    assert list(frame.columns) == ["=cmd", "name"]  # the caller's frame is not changed


def test_a_cell_that_is_not_text_is_left_alone() -> None:
    assert neutralise_formula_cell(-1) == -1
    assert neutralise_formula_cell(None) is None
