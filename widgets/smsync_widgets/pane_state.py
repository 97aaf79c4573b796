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

#: Columns first in a pane, in this order, when the frame has them; other text fields follow. ``reason``,
#: ``duplicate_of`` and ``differs`` are the words of ``rules``, ``possible_match`` and ``fields`` (see
#: :func:`with_words`).
LEADING_COLUMNS = ("customer_id", "name", "reason", "duplicate_of", "status_ref", "kind", "differs")
TRAILING_COLUMNS = (*schema.COMPARED_FIELDS[1:], "short_name")  # address1 ... contact, then short_name
#: Column widths in the browser, in ``em``: at least these, wider where the words need it (up to MAX_WIDTH).
WIDTHS = {"customer_id": 8, "name": 15, "status_ref": 12, "kind": 7, "reason": 12, "differs": 10, "email": 14,
          "duplicate_of": 14}
MAX_WIDTH = 34
MAX_WIDTHS = {"name": 20, "address1": 18, "email": 20}  # long names show whole in their tooltip
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


def _words_of(series: pd.Series, words: Any, sep: str = "; ") -> pd.Series:
    """A tuple column (rule codes, field names) as words, worked out once per distinct tuple."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    labels = np.empty(len(uniques) + 1, dtype=object)
    labels[:-1] = [sep.join(words(v) for v in u) if isinstance(u, tuple | list | np.ndarray) else "" for u in uniques]
    labels[-1] = ""
    return pd.Series(labels[codes], index=series.index, dtype="string[pyarrow]")


def with_words(frame: pd.DataFrame) -> pd.DataFrame:
    """The pane frame with what the accountant reads: ``reason`` (the rules in words), ``duplicate_of``
    ("probably SMSTurbo 0001005") and ``differs`` (the differing fields by their headers)."""
    extra: dict[str, pd.Series] = {}
    if "rules" in frame:
        extra["reason"] = _words_of(frame["rules"], lambda r: schema.RULE_TITLES.get(str(r), str(r)))
    if "possible_match" in frame and frame["possible_match"].notna().any():
        hint = text.PROBABLY + " " + frame["possible_match"].astype("string[pyarrow]")
        extra["duplicate_of"] = hint
        if "reason" in extra:  # the Why column says it first, where it is seen without scrolling
            reason = extra["reason"]
            extra["reason"] = hint.where(reason == "", hint + "; " + reason).fillna(reason)
    if "fields" in frame:
        extra["differs"] = _words_of(frame["fields"], lambda f: text.label(str(f)), ", ")
    return frame.assign(**extra) if extra else frame


def display_columns(frame: pd.DataFrame) -> list[str]:
    """The pane's columns: identity and status first, then the address and contact fields."""
    kinds = set(frame["kind"].dropna().unique()) if "kind" in frame else set()
    varied = len(kinds) > 1 or bool(kinds & {"update", "different"})
    columns = [c for c in LEADING_COLUMNS if c in frame and (c not in {"kind", "differs"} or varied)]
    if "reason" in columns and not frame["reason"].fillna("").astype(bool).any():
        columns.remove("reason")  # no client has a finding: no empty Why column
    return columns + [c for c in TRAILING_COLUMNS if c in frame]


def _width(frame: pd.DataFrame, column: str) -> int:
    """A column's width in ``em``: its header and its longest value fit (capped), at least :data:`WIDTHS`."""
    longest = len(text.label(column)) * 0.68 + 3  # the header is bold, with room for the sort arrow
    if len(frame) and column in frame:
        lengths = pc.utf8_length(pa.array(_as_text(frame[column]), type=pa.large_string()))
        longest = max(longest, int(pc.max(lengths).as_py() or 0) * 0.55 + 2)
    return int(min(MAX_WIDTHS.get(column, MAX_WIDTH), max(WIDTHS.get(column, 8), round(longest))))


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
        self.frame = with_words(frame.reset_index(drop=True))
        self.columns = display_columns(self.frame)
        n = len(self.frame)
        self.has_error = _flag(self.frame, "has_error", False)
        self.inactive = _flag(self.frame, "inactive", False)
        allowed = _flag(self.frame, "selectable", True) & ~self.has_error
        self.selectable = allowed if selectable else np.zeros(n, dtype=bool)
        # eligible is the core's (no error, not inactive, no possible duplicate): Check All takes exactly these
        self.eligible = self.selectable & _flag(self.frame, "eligible", True)
        self.duplicate = self.frame["possible_match"].notna().to_numpy(dtype=bool) \
            if "possible_match" in self.frame else np.zeros(n, dtype=bool)
        self.checked = self.eligible.copy() if start_checked else np.zeros(n, dtype=bool)
        self._permutation = np.arange(n)
        self._mask = np.ones(n, dtype=bool)
        self.order = self._permutation
        self.sort_column: str | None = None
        self.ascending = True
        self.query = ""
        self._hay: pa.Array | None = None
        self._needle = ""
        wanted = [c for c in dict.fromkeys([*self.columns, "rules", "fields", "kind", "why", "possible_match",
                                            "possible_match_reasons"]) if c in self.frame]
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

    @property
    def hidden_checked_count(self) -> int:
        """Checked rows the filter hides (they stay checked and are imported)."""
        return self.checked_count - int(self.checked[self.order].sum())

    def check_all(self) -> None:
        """Check exactly the eligible rows among those shown (filtered); others keep their state."""
        shown = self.order
        self.checked[shown[self.eligible[shown]]] = True

    def uncheck_all(self) -> None:
        """Uncheck the rows shown (filtered), as Check All checks them; rows the filter hides keep their state."""
        self.checked[self.order] = False

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
        if column == "duplicate_of":
            return self.frame["possible_match"].astype("string[pyarrow]").str.lower()
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
        matches = part["possible_match"].tolist() if "possible_match" in part else [None] * len(part)
        reasons = part["possible_match_reasons"].tolist() if "possible_match_reasons" in part else [()] * len(part)
        fields = part["fields"].tolist() if "fields" in part else [()] * len(part)
        kinds = part["kind"].tolist() if "kind" in part else [""] * len(part)
        whys = [_cell(v) for v in part["why"].tolist()] if "why" in part else [""] * len(part)
        out = []
        for i, row in enumerate(positions.tolist()):
            why = [str(r) for r in (rules[i] if isinstance(rules[i], tuple | list | np.ndarray) else ())]
            told = whys[i] or " ".join(schema.RULE_TITLES.get(r, r) + "." for r in why)
            if _cell(matches[i]):
                told = (f"{text.PROBABLY} {_cell(matches[i])}: {_joined(reasons[i])}. {text.DUPLICATE_ADVICE} "
                        + told).strip()
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
                    "duplicate": bool(self.duplicate[row]),
                    "error": bool(self.has_error[row]),
                    "kind": _cell(kinds[i]),
                    "diff": [str(f) for f in (fields[i] if isinstance(fields[i], tuple | list | np.ndarray) else ())],
                    "why": told,
                }
            )
        return out

    def column_specs(self) -> list[dict[str, Any]]:
        """Header keys, labels and widths for the browser."""
        return [{"key": c, "label": text.label(c), "width": _width(self.frame, c)} for c in self.columns]

    def export_frame(self) -> pd.DataFrame:
        """The rows shown (filter and sort as on screen) with the shown columns, headed as on screen: what the
        pane's Excel, CSV and printable view hold."""
        part = self.frame.iloc[self.order]
        out = pd.DataFrame({text.label(c): _as_text(part[c]).fillna("").to_numpy(dtype=object) for c in self.columns})
        if self.selectable.any():
            out.insert(0, "Checked", np.where(self.checked[self.order], "Yes", ""))
        return out
