"""``frames.to_frame``: the columns of a read become the frame's without copying what is already contiguous;
``frames.arrow_column``: a driver's text is taken only when its offsets are sound and it is UTF-8."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from smsync_core.frames import TEXT, arrow_column, to_frame


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


def _text_chunk(offsets: list[int], data: bytes, arrow_type: pa.DataType | None = None) -> pa.ChunkedArray:
    """A text chunk built from raw buffers, as a driver hands them over (nothing checked yet)."""
    arrow_type = arrow_type or pa.string()
    width = "int64" if arrow_type == pa.large_string() else "int32"
    buffers = [None, pa.py_buffer(np.array(offsets, dtype=width).tobytes()), pa.py_buffer(data)]
    return pa.chunked_array([pa.Array.from_buffers(arrow_type, len(offsets) - 1, buffers)])


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()])
def test_text_from_a_driver_is_taken_when_it_is_utf8(arrow_type: pa.DataType) -> None:
    ascii_text = arrow_column(_text_chunk([0, 4, 4, 9], b"Acme Corp", arrow_type), "text")
    assert ascii_text.to_pylist() == ["Acme", "", " Corp"] and ascii_text.type == pa.large_string()
    accented = arrow_column(_text_chunk([0, 2, 7], "Üüber".encode(), arrow_type), "text")
    assert accented.to_pylist() == ["Ü", "über"]
    sliced = arrow_column(pa.chunked_array([pa.array(["x", "abc", None, "d"], arrow_type).slice(1)]), "text")
    assert sliced.to_pylist() == ["abc", None, "d"]


@pytest.mark.parametrize(("offsets", "data"), [
    ([0, 2, 5], b"Ac\xffme"),  # not UTF-8
    ([0, 2, 5], b"Ac\xc3"),  # offsets past the data
    ([0, 3, 1], b"Acme"),  # offsets going back
    ([0, 1, 3], b"A\xc3\xa9" + b"\xff"),  # UTF-8 where it is read, a stray byte beyond
])
def test_text_from_a_driver_that_is_not_sound_is_refused(offsets: list[int], data: bytes) -> None:
    if offsets == [0, 1, 3]:  # the stray byte is not part of any value: the column is sound
        assert arrow_column(_text_chunk(offsets, data), "text").to_pylist() == ["A", "é"]
        return
    with pytest.raises(pa.ArrowInvalid):
        arrow_column(_text_chunk(offsets, data), "text")


def test_large_blocks_go_back_to_the_system_when_freed() -> None:
    """With smsync's allocator settings (glibc), a freed column's buffers leave the process at once, even after
    glibc has seen such a block freed (its moving threshold would keep the next ones in a heap)."""
    import subprocess
    import sys

    code = """
import ctypes, pyarrow as pa
import smsync_core.frames
def rss():
    return next(int(line.split()[1]) // 1024 for line in open('/proc/self/status') if line.startswith('VmRSS'))
first = pa.allocate_buffer(16 << 20)
del first
kept = []
for _ in range(20):
    block = pa.allocate_buffer(16 << 20)
    ctypes.memset(block.address, 1, block.size)
    kept += [block, pa.allocate_buffer(1024)]  # a small block after each: the heap cannot shrink from its top
before = rss()
del kept[0::2]
print(before - rss())
"""
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("MALLOC_", "ARROW_DEFAULT"))}
    freed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert int(freed.stdout) >= 250  # of the 320 MiB freed
