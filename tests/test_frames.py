"""``frames.to_frame``: the columns of a read become the frame's without copying what is already contiguous."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from smsync_core.frames import TEXT, to_frame


def _data_address(series: pd.Series) -> int:
    chunks = pa.chunked_array(series.array._pa_array).chunks  # the Arrow storage of a string[pyarrow] column
    assert len(chunks) == 1
    return int(chunks[0].buffers()[2].address)


def test_one_chunk_is_taken_without_a_copy() -> None:
    text = pa.array(["1001", None, "Acme Corp", "Ü"], type=pa.large_string())
    frame = to_frame({"customer_id": pa.chunked_array([text]), "status": pa.array([1, None, 3, 4])})
    assert frame["customer_id"].dtype == TEXT
    assert frame["customer_id"].tolist() == ["1001", pd.NA, "Acme Corp", "Ü"]
    assert frame["status"].tolist() == [1, pd.NA, 3, 4]
    assert _data_address(frame["customer_id"]) == text.buffers()[2].address


def test_many_chunks_become_one() -> None:
    first, second = (pa.array(values, type=pa.large_string()) for values in (["a", "b"], [None, "c"]))
    frame = to_frame({"name": pa.chunked_array([first, second])})
    assert frame["name"].tolist() == ["a", "b", pd.NA, "c"]
    _data_address(frame["name"])  # one chunk
