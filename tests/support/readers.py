"""Reading the same table through the Arrow driver and through the DBAPI driver, and comparing the frames."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from smsync_core.db import arrow as arrow_read


def read_twice(read: Callable[[], pd.DataFrame],
               monkeypatch: pytest.MonkeyPatch) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(default read, DBAPI read, the reader that served the default read)."""
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    before = arrow_read.READS.copy()
    fast = read()
    used = arrow_read.READS - before
    assert sum(used.values()) == 1, used
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    slow = read()
    monkeypatch.delenv(arrow_read.READER_ENV)
    return fast, slow, next(iter(used))


def assert_same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Exactly the same frame: columns, dtypes, values, NA."""
    assert list(fast.columns) == list(slow.columns)
    assert fast.dtypes.to_dict() == slow.dtypes.to_dict()
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
