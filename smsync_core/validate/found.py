"""Whole-column tests the rules share (blank, too long) and the findings they give, as row positions and codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core.frames import TEXT


def _arrow(values: pd.Series) -> pa.Array:
    """The column as one Arrow ``large_string`` array; the readers' single-chunk columns are not copied."""
    data = pa.array(values.astype(TEXT).array)
    if isinstance(data, pa.ChunkedArray):
        data = data.chunk(0) if data.num_chunks == 1 else data.combine_chunks()
    return pc.cast(data, pa.large_string())


def _mask(values: pa.Array | pa.ChunkedArray, null: bool) -> np.ndarray:
    """An Arrow boolean column as a numpy mask, NULL counting as ``null``. ``to_numpy`` unpacks the bits in C;
    ``np.asarray`` on the Arrow array is much slower (measured at 1,000,000 clients: 21 -> 3.6 ms a column)."""
    return np.asarray(pc.fill_null(values, null).to_numpy(zero_copy_only=False), dtype=bool)


def _blank(data: pa.Array) -> np.ndarray:
    """NULL, empty or only whitespace.

    A value whose first byte is printable ASCII other than a space cannot be blank; only the others (NULL, empty,
    starting with whitespace, a control or a non-ASCII character: few) are tested in Arrow, whose Unicode
    whitespace test decodes every value (measured at 1,000,000 names: 13 -> 5 ms).
    """
    offsets = np.frombuffer(data.buffers()[1], dtype=np.int64)[data.offset : data.offset + len(data) + 1]
    text = np.frombuffer(data.buffers()[2] or b"\0", dtype=np.uint8)
    first = text[np.minimum(offsets[:-1], len(text) - 1)]
    plain = (offsets[1:] > offsets[:-1]) & (first > 0x20) & (first < 0x7F)
    if data.null_count:
        plain &= _mask(data.is_valid(), False)
    doubtful = np.flatnonzero(~plain)
    blank = np.zeros(len(data), dtype=bool)
    some = data.take(doubtful)
    blank[doubtful] = _mask(pc.or_kleene(pc.equal(pc.binary_length(some), 0), pc.utf8_is_space(some)), True)
    return blank


def blank(values: pd.Series) -> pd.Series:
    """NULL, empty or only whitespace (tested in Arrow, without building stripped copies of the text)."""
    return pd.Series(_blank(_arrow(values)), index=values.index)


def text_lengths(values: pd.Series) -> np.ndarray:
    """Characters in each value (0 for NULL)."""
    return np.asarray(pc.fill_null(pc.utf8_length(_arrow(values)), 0), dtype="int64")


def _longer_than(data: pa.Array, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values of more than ``limit`` characters, and their lengths in characters.

    A character takes at least one byte, so only the values of more than ``limit`` bytes (usually none) are
    decoded to count their characters.
    """
    candidates = np.flatnonzero(_mask(pc.greater(pc.binary_length(data), limit), False))
    lengths = np.asarray(pc.utf8_length(data.take(candidates)).to_numpy(zero_copy_only=False), dtype="int64")
    longer = lengths > limit
    return candidates[longer], lengths[longer]


def _text(codes: np.ndarray, texts: Sequence[str | None] | pa.Array) -> pd.arrays.ArrowStringArray:
    """A text column from integer codes into ``texts``, taken in Arrow from a ``large_string`` array: the type
    pandas keeps, so no cast follows (``frames.text_from_codes`` decodes ``string`` that pandas then widens;
    measured at 1,000,000 rows: 52 -> 28 ms)."""
    dictionary = texts if isinstance(texts, pa.Array) else pa.array(list(texts), pa.large_string())
    column: pd.arrays.ArrowStringArray = pd.array(dictionary.take(pa.array(codes)), dtype=TEXT)
    return column


def _quoted(ids: pd.Series) -> pd.Series:
    return "'" + ids.fillna("") + "'"


class _Found(NamedTuple):
    """One rule's findings before they are sorted: the Sage positions it picked and each one's message, as a code
    into ``texts``. Most rules have one text, or a few, for all their rows: each text is built once and the rows
    keep a code (measured at 1,000,000 clients: building a message per row took ~0.5 s of ``check``)."""

    positions: np.ndarray
    rule: str
    codes: np.ndarray
    texts: pa.Array
    field: str | None = None


def _same(positions: np.ndarray, rule: str, text: str) -> _Found:
    """Findings that all have one message."""
    return _Found(positions, rule, np.zeros(len(positions), dtype="int64"), pa.array([text], pa.large_string()))


def _coded(positions: np.ndarray, rule: str, codes: np.ndarray, texts: Sequence[str], field: str | None = None
           ) -> _Found:
    """Findings whose message is one of a few ``texts`` (by ``codes``)."""
    return _Found(positions, rule, np.asarray(codes, dtype="int64"), pa.array(list(texts), pa.large_string()), field)


def _each(positions: np.ndarray, rule: str, texts: pd.Series) -> _Found:
    """Findings with a message of their own (those quoting the Client Number; rare)."""
    return _Found(positions, rule, np.arange(len(positions), dtype="int64"), _arrow(texts))
