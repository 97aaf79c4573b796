"""The shape every source adapter returns: ``row`` then every canonical field, typed."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
        out[name] = values.to_numpy() if name == "inactive" else values.array
    return out
