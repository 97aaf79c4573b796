"""The shape every source adapter returns: ``row`` then every canonical field, typed.

Every source (the company database through either read path, an exported client list) passes through
:func:`canonical_clients`, so the rule "padding is not data" holds in one place: trailing spaces of text fields
(CHAR(n) columns, right-padded data converted from the pre-SQL versions) are removed, and a value of only spaces
is blank (NA, so NULL when inserted). The Client Number is never touched: IDs match exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.frames import TEXT


def canonical_clients(frame: pd.DataFrame) -> pd.DataFrame:
    """Complete and order a frame of Sage clients: missing text fields are NA, ``inactive`` False, ``status`` NA.

    The columns are built first and the frame once, instead of set one by one into a frame (measured at
    1,000,000 clients: CPU unchanged, 0.22-0.23 s -> 0.23-0.26 s; with the contacts fill, the read's peak memory
    913 -> 807 MiB).
    """
    n = len(frame)
    columns: dict[str, Any] = {"row": np.arange(n, dtype="int64")}
    for name in schema.FIELDS:
        columns[name] = _canonical_column(frame, name, n)
    return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)


def _canonical_column(frame: pd.DataFrame, name: str, n: int) -> Any:
    """One canonical column as the frame takes it: a numpy bool array, an Int64 or a string[pyarrow] array."""
    if name in frame.columns:
        values: Any = frame[name].array  # the column's own values; the frame's index does not matter
    elif name == "inactive":
        values = np.zeros(n, dtype=bool)
    elif name == "status":
        values = pd.array([pd.NA] * n, dtype="Int64")
    else:
        values = pd.array([pd.NA] * n, dtype=TEXT)
    if name == "inactive":
        return np.asarray(pd.Series(values).astype(bool).to_numpy(), dtype=bool)
    if name == "status":
        return pd.Series(values).astype("Int64").array
    text = pd.Series(values).astype(TEXT).array
    return text if name == "customer_id" else unpadded_text(text)


def unpadded(values: pd.Series) -> pd.Series:
    """Text without trailing spaces (whole column, in Arrow); a value that was only spaces becomes NA."""
    cleaned = unpadded_text(values.array)
    if cleaned is values.array:
        return values  # nothing padded: the column as read
    return pd.Series(cleaned, index=values.index, name=values.name)


def unpadded_text(values: Any) -> Any:
    """A string[pyarrow] array without trailing spaces; a value that was only spaces becomes NA.

    ``values`` itself when nothing is padded. Only the padded values are trimmed, then put back in one pass
    (trimming every value and then blanking the empty ones were two passes over the whole column).
    """
    data = arrow_text(values)
    if len(data) == 0:
        return values
    padded = pc.fill_null(pc.ends_with(data, " "), False)
    if not pc.any(padded).as_py():
        return values  # nothing padded: the column as read
    # a space is one byte in UTF-8 and never part of another character, so ASCII trimming is exact here
    trimmed = pc.ascii_rtrim(pc.filter(data, padded), characters=" ")
    trimmed = pc.if_else(pc.equal(pc.binary_length(trimmed), 0), pa.scalar(None, trimmed.type), trimmed)
    return pd.array(pc.replace_with_mask(data, padded, trimmed), dtype=TEXT)


def arrow_text(values: Any) -> pa.Array:
    """The Arrow array of a string[pyarrow] array, in one piece (taken as it is when it already is one)."""
    data = pa.array(values)
    if isinstance(data, pa.ChunkedArray):
        return data.chunk(0) if data.num_chunks == 1 else data.combine_chunks()
    return data
