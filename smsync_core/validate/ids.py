"""The Client Number rules: missing, duplicated, characters SMSTurbo does not take, too long (whole columns)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.frames import TEXT
from smsync_core.validate.found import _blank, _each, _Found, _longer_than, _mask, _quoted, _same

#: Digit-only Client Numbers of at most this many digits are keyed as one int64, length * 10**17 + value, so that
#: ``0042`` and ``42`` stay apart (17 * 10**17 + 10**17 - 1 fits an int64).
_KEYED_DIGITS = 17


def _shared_counts(ids: pa.Array, present: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """How many clients have each row's Client Number where more than one has it; 0 elsewhere.

    Hashing the text is the slow part, so digit-only IDs (every ID of a real company) are compared as int64 keys
    and only the others as text (measured at 1,000,000 clients: factorize over the text 290 ms -> 40 ms).
    """
    counts = np.zeros(len(ids), dtype="int64")
    length = np.asarray(pc.fill_null(pc.binary_length(ids), 0).to_numpy(zero_copy_only=False), dtype="int64")
    keyed = present & digits & (length <= _KEYED_DIGITS)
    as_number = np.flatnonzero(keyed)
    numbers = np.asarray(pc.cast(ids.take(as_number), pa.int64()).to_numpy(zero_copy_only=False), dtype="int64")
    _count_shared(counts, as_number, length[as_number] * 10**_KEYED_DIGITS + numbers)
    as_text = np.flatnonzero(present & ~keyed)
    if len(as_text):
        codes = pc.dictionary_encode(ids.take(as_text)).indices
        _count_shared(counts, as_text, np.asarray(codes.to_numpy(zero_copy_only=False), dtype="int64"))
    return counts


def _count_shared(counts: np.ndarray, positions: np.ndarray, keys: np.ndarray) -> None:
    """Write into ``counts`` at ``positions`` how many of ``keys`` equal each key, for keys found more than once.

    A sort finds the repeated keys whatever their spread (pandas' hash table degrades on keys with equal low
    bits; measured at 1,000,000 keys: sort 20 ms, duplicated 23 to 380 ms); usually there are none.
    """
    ordered = np.sort(keys)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if len(repeated):
        shared = np.isin(keys, repeated)
        _, codes, sizes = np.unique(keys[shared], return_inverse=True, return_counts=True)
        counts[positions[shared]] = sizes[codes]


def _valid_chars(ids: pa.Array, digits: np.ndarray) -> np.ndarray:
    """Whether each ID is made of SMSTurbo's characters (``schema.ID_PATTERN``, as pandas' ``str.fullmatch``).
    Digit-only IDs always are, so the regex runs on the others only (none in a company of numbers; measured at
    1,000,000 clients: 75 -> 4 ms)."""
    valid = digits.copy()
    rest = np.flatnonzero(~digits)
    if len(rest):
        matched = pc.match_substring_regex(ids.take(rest), f"^({schema.ID_PATTERN})$")
        valid[rest] = _mask(matched, False)
    return valid


class _IdProblems(NamedTuple):
    """The Sage positions each Client Number rule picked (``lengths``: of the too-long IDs, ``counts``: clients
    sharing each duplicated ID)."""

    empty: np.ndarray
    too_long: np.ndarray
    lengths: np.ndarray
    invalid: np.ndarray
    duplicate: np.ndarray
    counts: np.ndarray
    reserved: np.ndarray


def _id_problems(ids: pa.Array) -> _IdProblems:
    """The rows each Client Number rule picks; a missing ID is only ``id-empty``."""
    empty = _blank(ids)
    present = ~empty
    digits = _mask(pc.ascii_is_decimal(ids), False)  # ^[0-9]+$
    too_long, lengths = _longer_than(ids, schema.ID_MAX_LENGTH)
    keep = present[too_long]
    counts = _shared_counts(ids, present, digits)
    duplicate = np.flatnonzero(counts > 1)
    return _IdProblems(
        empty=np.flatnonzero(empty),
        too_long=too_long[keep],
        lengths=lengths[keep],
        invalid=np.flatnonzero(present & ~_valid_chars(ids, digits)),
        duplicate=duplicate,
        counts=counts[duplicate],
        reserved=np.flatnonzero(present & _mask(pc.equal(ids, schema.TEMPLATE_ID), False)),
    )


def _id_findings(ids: pa.Array, problems: _IdProblems, advice: Mapping[str, str]) -> list[_Found]:
    """The findings of the Client Number rules; those quoting the ID have a message each (they are rare)."""
    too_long = pd.Series(pd.array(ids.take(problems.too_long), dtype=TEXT))
    invalid = pd.Series(pd.array(ids.take(problems.invalid), dtype=TEXT))
    duplicate = pd.Series(pd.array(ids.take(problems.duplicate), dtype=TEXT))
    return [
        _same(problems.empty, "id-empty", "Client has no Client Number. " + advice["id-empty"]),
        _each(
            problems.too_long,
            "id-too-long",
            "Client Number "
            + _quoted(too_long)
            + " has "
            + pd.Series(problems.lengths).astype(str)
            + f" characters, more than SMSTurbo's {schema.ID_MAX_LENGTH}. "
            + advice["id-too-long"],
        ),
        _each(
            problems.invalid,
            "id-invalid-chars",
            "Client Number "
            + _quoted(invalid)
            + " contains "
            + invalid.str.replace(r"[A-Z0-9_-]", "", regex=True).map(_describe_chars).astype(str)
            + " which SMSTurbo does not allow. "
            + advice["id-invalid-chars"],
        ),
        _each(
            problems.duplicate,
            "id-duplicate",
            "Client Number "
            + _quoted(duplicate)
            + " is used by "
            + pd.Series(problems.counts).astype(str)
            + " clients in Sage 100. "
            + advice["id-duplicate"],
        ),
        _same(
            problems.reserved,
            "id-reserved",
            f"Client Number '{schema.TEMPLATE_ID}' can never be imported. " + advice["id-reserved"],
        ),
    ]


def _describe_chars(chars: str) -> str:
    seen = list(dict.fromkeys(chars))
    names = [("a space" if c == " " else repr(c)) for c in seen[:5]]
    return ", ".join(names) + (" and more" if len(seen) > 5 else "")
