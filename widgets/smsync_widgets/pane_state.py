"""The state behind one pane, kept in Python: the rows, the order shown, and which rows are checked.

Everything works on whole numpy/pandas columns, so 1,000,000 rows cost one array each, never one object per
row. The browser only ever receives the window of rows it is drawing (:meth:`PaneState.window`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.errors import UsageError
from smsync_widgets import text

#: Columns first in a pane, in this order, when the frame has them; other text fields follow.
LEADING_COLUMNS = ("customer_id", "name", "status_ref", "kind", "rules", "fields")
TRAILING_COLUMNS = (*schema.COMPARED_FIELDS[1:], "short_name")  # address1 ... contact, then short_name
#: Column widths in the browser, in ``em``.
WIDTHS = {"customer_id": 10, "name": 15, "status_ref": 15, "kind": 9, "rules": 12, "fields": 10, "email": 14}
_TUPLE_COLUMNS = frozenset({"rules", "fields"})


def _flag(frame: pd.DataFrame, column: str, default: bool) -> np.ndarray:
    """A boolean column as a numpy array (missing column or NA -> ``default``)."""
    if column not in frame:
        return np.full(len(frame), default, dtype=bool)
    return frame[column].astype("boolean").fillna(default).to_numpy(dtype=bool)


def _joined(value: Any) -> str:
    if isinstance(value, tuple | list | np.ndarray):
        return ", ".join(str(v) for v in value)
    return "" if value is None or value is pd.NA else str(value)


def _as_text(series: pd.Series) -> pd.Series:
    """A column as text for sorting and filtering; tuple columns are comma-joined once per distinct value."""
    if series.dtype == object:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        labels = np.array([_joined(u) for u in uniques] + [""], dtype=object)
        return pd.Series(labels[codes], index=series.index, dtype="string[pyarrow]")
    return series.astype("string[pyarrow]")


def _one_chunk(series: pd.Series) -> pd.Series:
    """An Arrow-backed column as one contiguous chunk: taking a window from a chunked column costs O(rows)."""
    arrow = getattr(series.array, "__arrow_array__", None)
    if arrow is None:
        return series
    chunked = arrow()
    if not isinstance(chunked, pa.ChunkedArray) or chunked.num_chunks <= 1:
        return series
    try:
        array = type(series.array)(pa.chunked_array([chunked.combine_chunks()]))
    except (TypeError, ValueError):
        return series
    return pd.Series(array, index=series.index, name=series.name)


def _cell(value: Any) -> str:
    """How one value reads in a cell: NA blank, tuples comma-joined, numbers without ``.0``."""
    if isinstance(value, tuple | list | np.ndarray):
        return _joined(value)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else ""
    return str(value)


def display_columns(frame: pd.DataFrame) -> list[str]:
    """The pane's columns: identity and status first, then the address and contact fields."""
    kinds = set(frame["kind"].dropna().unique()) if "kind" in frame else set()
    varied = len(kinds) > 1 or bool(kinds & {"update", "different"})
    columns = [c for c in LEADING_COLUMNS if c in frame and (c not in {"kind", "fields"} or varied)]
    return columns + [c for c in TRAILING_COLUMNS if c in frame]


class PaneState:
    """Rows, order (sort + filter as a numpy index into the rows) and the checked flags of one pane.

    Parameters
    ----------
    frame
        ``Reconciliation.right_pane()`` or ``left_pane()``.
    selectable
        False for the left pane: no row can ever be checked.
    start_checked
        Start with the eligible rows checked (inactive and error rows always start unchecked).
    """

    def __init__(self, frame: pd.DataFrame, *, selectable: bool, start_checked: bool = False) -> None:
        frame = frame.loc[:, ~frame.columns.duplicated(keep="last")]  # the row status wins over a raw flag
        self.frame = frame.reset_index(drop=True)
        self.columns = display_columns(self.frame)
        n = len(self.frame)
        self.has_error = _flag(self.frame, "has_error", False)
        self.inactive = _flag(self.frame, "inactive", False)
        allowed = _flag(self.frame, "selectable", True) & ~self.has_error
        self.selectable = allowed if selectable else np.zeros(n, dtype=bool)
        self.eligible = self.selectable & _flag(self.frame, "eligible", True) & ~self.inactive
        self.checked = self.eligible.copy() if start_checked else np.zeros(n, dtype=bool)
        self._permutation = np.arange(n)
        self._mask = np.ones(n, dtype=bool)
        self.order = self._permutation
        self.sort_column: str | None = None
        self.ascending = True
        self.query = ""
        self._hay: pa.Array | None = None
        self._needle = ""
        wanted = [c for c in dict.fromkeys([*self.columns, "rules", "fields", "kind", "why"]) if c in self.frame]
        self._shown = pd.DataFrame({c: _one_chunk(self.frame[c]) for c in wanted})  # what a window reads

    # -- selection -----------------------------------------------------------------------------------
    @property
    def selected(self) -> frozenset[str]:
        """The customer_ids of the checked rows."""
        ids = self.frame["customer_id"].iloc[np.flatnonzero(self.checked)]
        return frozenset(str(v) for v in ids.dropna().tolist())

    @property
    def checked_count(self) -> int:
        return int(self.checked.sum())

    @property
    def shown_count(self) -> int:
        return len(self.order)

    def check_all(self) -> None:
        """Check exactly the eligible rows among those shown (filtered); others keep their state."""
        shown = self.order
        self.checked[shown[self.eligible[shown]]] = True

    def uncheck_all(self) -> None:
        """Uncheck every row, shown or hidden: afterwards nothing is selected."""
        self.checked[:] = False

    def set_row(self, row: int, checked: bool) -> None:
        """Check or uncheck one row by its position in the pane frame."""
        if not 0 <= row < len(self.frame):
            raise UsageError(f"Row {row} is not in this pane; refresh the panes and try again.")
        if checked and not self.selectable[row]:
            raise UsageError(self._refusal(row))
        self.checked[row] = checked

    def toggle(self, row: int) -> None:
        """Flip one row (a click or the space bar in the browser)."""
        self.set_row(row, not bool(self.checked[row]) if 0 <= row < len(self.frame) else True)

    def rows_of(self, customer_id: str) -> np.ndarray:
        """Positions of the rows with this exact customer_id."""
        match = self.frame["customer_id"] == customer_id
        return np.flatnonzero(match.fillna(False).to_numpy(dtype=bool))

    def set_checked(self, customer_id: str, checked: bool) -> None:
        """Check or uncheck the rows of one customer_id; an error row can never be checked."""
        rows = self.rows_of(customer_id)
        if len(rows) == 0:
            raise UsageError(f"Customer {customer_id!r} is not in this pane; check the Client Number.")
        if checked:
            for row in rows:
                if not self.selectable[row]:
                    raise UsageError(self._refusal(int(row)))
        self.checked[rows] = checked

    def _refusal(self, row: int) -> str:
        cid = _cell(self.frame["customer_id"].iloc[row]) or "(no Client Number)"
        if self.has_error[row]:
            rules = _joined(self.frame["rules"].iloc[row]) if "rules" in self.frame else "an error"
            return f"Customer {cid!r} cannot be checked because of {rules}; fix it in Sage 100 first."
        return (
            f"Customer {cid!r} cannot be checked: export of SMSTurbo customers to Sage 100 is not supported, "
            "so enter it in Sage 100 by hand."
        )

    # -- order ---------------------------------------------------------------------------------------
    def _sort_key(self, column: str) -> pd.Series:
        series = self.frame[column]
        core_key = {"status_ref": "status_sort", "customer_id": "id_sort"}.get(column)  # the core's order
        if core_key in self.frame:
            return self.frame[core_key]
        if column in _TUPLE_COLUMNS or series.dtype == object:
            series = _as_text(series)
        if isinstance(series.dtype, pd.StringDtype):
            return series.str.lower()
        return series

    def sort_by(self, column: str, ascending: bool = True) -> None:
        """Order every row by one column (stable: ties keep the pane's own order); the filter still applies."""
        if column not in self.frame:
            raise UsageError(f"There is no column {column!r} to sort by; use one of {', '.join(self.columns)}.")
        key = self._sort_key(column).reset_index(drop=True)
        ordered = key.sort_values(ascending=ascending, kind="stable", na_position="last")
        self._permutation = ordered.index.to_numpy()
        self.sort_column, self.ascending = column, ascending
        self._reorder()

    def _haystack(self) -> pa.Array:
        """Every shown column of a row joined and lower-cased: one string per row, built on the first filter."""
        if self._hay is None:
            parts = []
            for column in self.columns:
                values = pa.array(_as_text(self.frame[column]), type=pa.large_string())
                parts.append(pc.fill_null(values, ""))
            joined = (
                pc.binary_join_element_wise(*parts, pa.scalar("\x1f", pa.large_string()))
                if parts
                else pa.array([""] * len(self.frame))
            )
            self._hay = pc.utf8_lower(joined)
        return self._hay

    def filter(self, query: str) -> None:
        """Show only rows where any shown column contains ``query`` (case-insensitive); "" shows all.

        Typing on (a query containing the previous one) searches only the rows the previous query kept.
        """
        self.query = query
        needle = query.strip().lower()
        if not needle:
            self._mask = np.ones(len(self.frame), dtype=bool)
        elif self._needle and self._needle in needle:
            kept = np.flatnonzero(self._mask)
            hit = pc.match_substring(self._haystack().take(pa.array(kept)), needle)
            mask = np.zeros(len(self.frame), dtype=bool)
            mask[kept[hit.to_numpy(zero_copy_only=False).astype(bool, copy=False)]] = True
            self._mask = mask
        else:
            hit = pc.match_substring(self._haystack(), needle)
            self._mask = hit.to_numpy(zero_copy_only=False).astype(bool, copy=False)
        self._needle = needle
        self._reorder()

    def _reorder(self) -> None:
        perm = self._permutation
        self.order = perm if self._mask.all() else perm[self._mask[perm]]

    # -- what the browser gets -------------------------------------------------------------------------
    def window(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The shown rows ``start:stop`` as the browser draws them (a handful, whatever the pane's size)."""
        start = max(0, int(start))
        stop = max(start, min(int(stop), len(self.order)))
        positions = self.order[start:stop]
        part = self._shown.iloc[positions]
        cells = [[_cell(v) for v in part[c].tolist()] for c in self.columns]
        if "kind" in self.columns:
            at = self.columns.index("kind")
            cells[at] = [text.KIND_LABELS.get(v, v) for v in cells[at]]
        rules = part["rules"].tolist() if "rules" in part else [()] * len(part)
        fields = part["fields"].tolist() if "fields" in part else [()] * len(part)
        kinds = part["kind"].tolist() if "kind" in part else [""] * len(part)
        whys = [_cell(v) for v in part["why"].tolist()] if "why" in part else [""] * len(part)
        out = []
        for i, row in enumerate(positions.tolist()):
            why = [str(r) for r in (rules[i] if isinstance(rules[i], tuple | list | np.ndarray) else ())]
            out.append(
                {
                    "row": row,
                    "index": start + i,
                    "id": cells[0][i] if self.columns and self.columns[0] == "customer_id" else "",
                    "cells": [col[i] for col in cells],
                    "checked": bool(self.checked[row]),
                    "selectable": bool(self.selectable[row]),
                    "eligible": bool(self.eligible[row]),
                    "inactive": bool(self.inactive[row]),
                    "error": bool(self.has_error[row]),
                    "kind": _cell(kinds[i]),
                    "diff": [str(f) for f in (fields[i] if isinstance(fields[i], tuple | list | np.ndarray) else ())],
                    "why": whys[i] or " ".join(why),  # the core's advice of the row's rules
                }
            )
        return out

    def column_specs(self) -> list[dict[str, Any]]:
        """Header keys, labels and widths for the browser."""
        return [{"key": c, "label": text.label(c), "width": WIDTHS.get(c, 9)} for c in self.columns]
