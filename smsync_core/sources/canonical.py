"""The shape every source adapter returns: ``row`` then every canonical field, typed.

Every source (the company database through either read path, an exported client list) passes through
:func:`canonical_clients`, so the rule "padding is not data" holds in one place: trailing spaces of text fields
(CHAR(n) columns, right-padded data converted from the pre-SQL versions) are removed, and a value of only spaces
is blank (NA, so NULL when inserted). The Client Number is never touched: IDs match exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.frames import TEXT


def canonical_clients(frame: pd.DataFrame) -> pd.DataFrame:
    """Complete and order a frame of Sage clients: missing text fields are NA, ``inactive`` False, ``status`` NA."""
    n = len(frame)
    out = pd.DataFrame({"row": np.arange(n, dtype="int64")}, index=pd.RangeIndex(n))
    for name in schema.FIELDS:
        if name in frame.columns:
            values = frame[name].reset_index(drop=True)
        elif name == "inactive":
            values = pd.Series(np.zeros(n, dtype=bool))
        elif name == "status":
            values = pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
        else:
            values = pd.Series(pd.array([pd.NA] * n, dtype=TEXT))
        if name == "inactive":
            values = values.astype(bool)
        elif name == "status":
            values = values.astype("Int64")
        else:
            values = values.astype(TEXT)
            if name != "customer_id":
                values = unpadded(values)
        out[name] = values.to_numpy() if name == "inactive" else values.array
    return out


def unpadded(values: pd.Series) -> pd.Series:
    """Text without trailing spaces (whole column, in Arrow); a value that was only spaces becomes NA."""
    data = pa.array(values.array)
    if len(data) == 0 or not pc.any(pc.ends_with(data, " ")).as_py():
        return values  # nothing padded: the column as read
    trimmed = pc.utf8_rtrim(data, characters=" ")
    only_spaces = pc.and_(pc.equal(pc.utf8_length(trimmed), 0), pc.greater(pc.utf8_length(data), 0))
    cleaned = pc.if_else(only_spaces, pa.scalar(None, trimmed.type), trimmed)
    return pd.Series(pd.array(cleaned, dtype=TEXT), index=values.index, name=values.name)
