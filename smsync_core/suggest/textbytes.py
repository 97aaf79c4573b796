"""String columns worked on as their UTF-8 bytes with numpy: byte tables and masks instead of regular
expressions or per-row slicing, for the normalisation in :mod:`smsync_core.suggest.normalise`.

Every array here is an Arrow ``large_string`` array without nulls; what is kept or mapped is ASCII (a character
outside ASCII is several bytes, all treated alike), so characters stay whole.
"""

from __future__ import annotations

from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from numpy.lib.stride_tricks import sliding_window_view

_Text: TypeAlias = pa.LargeStringArray
_Rows: TypeAlias = npt.NDArray[np.int64]
#: A set of bytes as inclusive ranges (low, high).
ByteRanges: TypeAlias = tuple[tuple[int, int], ...]


def byte_set(chars: bytes) -> npt.NDArray[np.bool_]:
    """Byte -> whether it is one of ``chars``."""
    members = np.zeros(256, dtype=bool)
    members[list(chars)] = True
    return members


_DIGIT_CHARS: Final = b"0123456789"
_UPPER_CHARS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_CHARS: Final = _UPPER_CHARS.lower()
#: Byte -> itself for ASCII digits and lower-case letters, A-Z -> a-z, anything else a space.
WORD_BYTES: Final = np.full(256, ord(" "), dtype=np.uint8)
WORD_BYTES[list(_DIGIT_CHARS + _LOWER_CHARS + _UPPER_CHARS)] = list(_DIGIT_CHARS + _LOWER_CHARS + _LOWER_CHARS)
#: :data:`WORD_BYTES`, except "'" -> 0, which :func:`mapped` leaves out (O'Brien is obrien).
WORD_APOSTROPHE_BYTES: Final = WORD_BYTES.copy()
WORD_APOSTROPHE_BYTES[ord("'")] = 0
#: Byte -> itself, except a-z -> A-Z (ASCII's upper case).
UPPER_BYTES: Final = np.arange(256, dtype=np.uint8)
UPPER_BYTES[list(_LOWER_CHARS)] = list(_UPPER_CHARS)
DIGITS: Final[ByteRanges] = ((ord("0"), ord("9")),)
LETTERS: Final[ByteRanges] = ((ord("A"), ord("Z")),)
ALNUM: Final[ByteRanges] = DIGITS + LETTERS
_SPACES: Final = byte_set(b" \t\n\r\x0b\x0c")


def text_bytes(text: _Text) -> tuple[npt.NDArray[np.uint8], _Rows]:
    """The UTF-8 bytes of a string array without nulls, and where each string starts (``len + 1`` bounds)."""
    _, offsets, data = text.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, dtype=np.uint8)
    return raw[bounds[0] : bounds[-1]], bounds - bounds[0]


def from_bytes(raw: npt.NDArray[np.uint8], bounds: _Rows) -> _Text:
    """The string array of these bytes and bounds (no nulls)."""
    built: _Text = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), pa.py_buffer(raw))
    return built


def mapped(text: _Text, table: npt.NDArray[np.uint8]) -> _Text:
    """``text`` with every byte replaced by its entry in ``table`` (ASCII bytes to ASCII bytes); a byte mapped to
    0 is left out (one pass instead of removing it first: measured on the 466,155 Sage-only names of the
    1,000,000-client demo, apostrophes removed and bytes mapped: 78 -> 54 ms CPU against Arrow's match and
    replace first)."""
    raw, bounds = text_bytes(text)
    out = table[raw]
    wanted = out != 0
    return from_bytes(out, bounds) if wanted.all() else _only(out, bounds, wanted)


def members(raw: npt.NDArray[np.uint8], ranges: ByteRanges) -> npt.NDArray[np.bool_]:
    """Which bytes lie in one of ``ranges``: one unsigned subtraction and comparison per range, not a lookup in a
    256-entry table (measured on the 5.8 MB of the phone numbers of the 466,155 Sage-only rows of the
    1,000,000-client demo: 15 -> 1 ms CPU)."""
    inside = np.zeros(len(raw), dtype=bool)
    for low, high in ranges:
        inside |= (raw - np.uint8(low)) <= np.uint8(high - low)  # below low wraps around to above high - low
    return inside


def heads(raw: npt.NDArray[np.uint8], at: _Rows, width: int) -> npt.NDArray[np.uint8]:
    """The ``width`` bytes from each position ``at`` (each has that many), as the rows of a new matrix: rows of a
    sliding window over the bytes, one index per row (measured on the 466,155 Sage-only phone numbers of the
    1,000,000-client demo: 18 -> 6 ms CPU against a matrix of ``width`` indexes per row)."""
    if len(at) == 0:
        return np.empty((0, width), dtype=np.uint8)
    return sliding_window_view(raw, width)[at]


def kept(text: _Text, keep: ByteRanges) -> _Text:
    """``text`` with only the bytes in ``keep`` (ASCII ranges: a character outside ASCII is dropped whole)."""
    raw, bounds = text_bytes(text)
    wanted = members(raw, keep)
    return text if wanted.all() else _only(raw, bounds, wanted)


def _only(raw: npt.NDArray[np.uint8], bounds: _Rows, wanted: npt.NDArray[np.bool_]) -> _Text:
    """The strings of these bytes and bounds with only the ``wanted`` bytes.

    Each string's new end is the running count of kept bytes at its old end, counted in int32 while the bytes
    fit (measured on the 5.8 MB of the phone numbers of the 466,155 Sage-only rows of the 1,000,000-client
    demo: 18 -> 8 ms CPU against int64)."""
    running = np.zeros(len(raw) + 1, dtype=np.int32 if len(raw) < 2**31 else np.int64)
    np.cumsum(wanted.view(np.uint8), dtype=running.dtype, out=running[1:])
    return from_bytes(raw[wanted], running[bounds].astype(np.int64))


def postal_code(text: _Text) -> _Text:
    """The 5-digit postal code a value starts with (after spaces), else "": five digits read off the bytes, a
    regular expression only for the values that start with a space."""
    raw, bounds = text_bytes(text)
    starts = bounds[:-1]
    long = np.flatnonzero(bounds[1:] - starts >= 5)
    head = heads(raw, starts[long], 5)
    five = members(head.reshape(-1), DIGITS).reshape(head.shape).all(axis=1)
    lengths = np.zeros(len(text), dtype=np.int64)
    lengths[long[five]] = 5
    offsets = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    postal = from_bytes(head[five].reshape(-1), offsets)
    spaced = np.zeros(len(text), dtype=bool)
    nonempty = np.flatnonzero(bounds[1:] > starts)
    spaced[nonempty] = _SPACES[raw[starts[nonempty]]]
    if spaced.any():
        postal = pc.replace_with_mask(postal, pa.array(spaced), _regex_postal(text.filter(pa.array(spaced))))
    return postal


def _regex_postal(text: _Text) -> _Text:
    """:func:`postal_code` by a regular expression."""
    found: _Text = pc.fill_null(pc.struct_field(pc.extract_regex(text, r"^\s*(?P<z>\d{5})"), 0), "")
    return found


def phone_digits(text: _Text) -> _Text:
    """Last 10 digits of a phone number, "" when fewer than 10 digits or one digit repeated.

    On the bytes: the digits kept, then each usable number's last ten read as one row of a sliding window over
    the bytes (one index per number, not ten).
    """
    raw, bounds = text_bytes(kept(text, DIGITS))
    ends = bounds[1:]
    usable = ends - bounds[:-1] >= 10
    last10 = heads(raw, ends[usable] - 10, 10)
    same = (last10 == last10[:, :1]).all(axis=1)  # "0000000000": a placeholder
    usable[usable] = ~same
    lengths = np.where(usable, 10, 0)
    offsets = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return from_bytes(last10[~same].reshape(-1), offsets)


def leading_zeros(text: _Text) -> npt.NDArray[np.bool_]:
    """Which strings have a digit run that starts with 0 and goes on (read off the bytes)."""
    raw, bounds = text_bytes(text)
    digit = members(raw, DIGITS)
    opens = (raw[:-1] == ord("0")) & digit[1:]  # a 0 followed by a digit...
    opens[1:] &= ~digit[:-2]  # ...that no digit precedes...
    first = bounds[:-1][bounds[1:] - bounds[:-1] >= 2]
    opens[first] = (raw[first] == ord("0")) & digit[first + 1]  # ...or that starts its string
    last = bounds[1:][bounds[1:] > bounds[:-1]] - 1
    opens[last[last < len(opens)]] = False  # the next byte is the next string's
    where = np.zeros(len(text), dtype=bool)
    where[np.searchsorted(bounds, np.flatnonzero(opens), side="right") - 1] = True
    return where
