"""Normalised views of customer records and candidate blocking for :mod:`smsync_core.suggest.engine`.

Everything here works on whole Arrow columns (``pyarrow.compute``: RE2 regular expressions, so ``\\d`` and
``\\s`` are ASCII's), their bytes (:mod:`smsync_core.suggest.textbytes`) and numpy integer arrays; no Python
loop runs per row. Normalisation never touches the canonical frames: it builds separate arrays that only the
suggestion scoring reads (IDs are matched exactly everywhere else).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core.suggest.textbytes import (
    ALNUM,
    LETTERS,
    WORD_APOSTROPHE_BYTES,
    from_bytes,
    heads,
    kept,
    leading_zeros,
    mapped,
    phone_digits,
    postal_code,
    text_bytes,
)

#: Words that say nothing about which client a name is: legal forms, "and"/"&", articles.
NAME_STOPWORDS: Final = frozenset(
    {
        "inc", "incorporated", "llc", "co", "company", "corp", "corporation", "ltd", "limited",
        "lp", "llp", "pc", "pllc", "plc", "and", "the", "of", "dba",
    }
)  # fmt: skip

#: Abbreviations hand-typed names use, mapped to the spelled-out word.
NAME_ABBREVIATIONS: Final = {
    "bros": "brothers", "bro": "brothers", "const": "construction", "constr": "construction",
    "cnstr": "construction", "constrn": "construction", "contr": "contractors", "contrs": "contractors",
    "elec": "electric", "elect": "electric", "plbg": "plumbing", "plmb": "plumbing", "plmbg": "plumbing",
    "htg": "heating", "mech": "mechanical", "dev": "development", "devel": "development",
    "mgmt": "management", "mgt": "management", "prop": "properties", "props": "properties",
    "ent": "enterprises", "ents": "enterprises", "entp": "enterprises", "grp": "group", "ctr": "center",
    "intl": "international", "natl": "national", "amer": "american", "assoc": "associates",
    "assocs": "associates", "assn": "association", "svc": "services", "svcs": "services",
    "serv": "services", "service": "services", "bldg": "building", "bldrs": "builders", "bldr": "builders",
    "builder": "builders", "eng": "engineering", "engr": "engineering", "engrg": "engineering",
    "ldscp": "landscaping", "lndscp": "landscaping", "landscape": "landscaping", "rfg": "roofing",
    "exc": "excavating", "excav": "excavating", "excavation": "excavating", "pvg": "paving",
    "mtn": "mountain", "mtns": "mountains", "mt": "mount", "hts": "heights", "sys": "systems",
    "tech": "technologies", "mfg": "manufacturing", "dist": "distributing", "concr": "concrete",
    "restor": "restoration", "hvac": "hvac", "sch": "school", "dept": "department", "univ": "university",
    "hosp": "hospital", "twp": "township", "cty": "county", "apts": "apartments", "apt": "apartments",
}  # fmt: skip

#: Trade and organisation words many clients share; two names that differ in every other word are
#: different clients however alike these words make them look.
GENERIC_WORDS: Final = frozenset(
    {
        "construction", "contractors", "contracting", "builders", "building", "homes", "custom", "homeowners",
        "association", "hoa", "apartments", "condominiums", "condos", "services", "plumbing", "heating",
        "electric", "roofing", "paving", "excavating", "concrete", "masonry", "landscaping", "painting",
        "drywall", "flooring", "church", "dental", "dentistry", "school", "district", "group", "management",
        "properties", "property", "realty", "center", "clinic", "hospital", "farms", "farm", "supply",
        "enterprises", "associates", "partners", "family", "trust", "insurance", "agency", "auto", "repair",
        "mechanical", "engineering", "glass", "fence", "tree", "storage", "lumber", "fitness",
    }
)  # fmt: skip

#: Street words reduced to the postal abbreviation, so "Street" and "St." agree.
STREET_ABBREVIATIONS: Final = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
    "lane": "ln", "court": "ct", "suite": "ste", "highway": "hwy", "parkway": "pkwy", "place": "pl",
    "circle": "cir", "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne",
    "northwest": "nw", "southeast": "se", "southwest": "sw", "terrace": "ter", "square": "sq",
    "trail": "trl", "way": "way", "unit": "ste", "number": "", "no": "",
}  # fmt: skip

#: Text fields the suggestion reads; a frame without one of them is read as all missing.
SIGNAL_FIELDS: Final = ("customer_id", "name", "address1", "postal_code", "phone", "fax", "mobile", "email")

#: Largest number of records one blocking key may hold on either side; larger blocks are skipped
#: (postal codes fall back to postal code + first letter of the name).
MAX_BLOCK: Final = 40

#: Rows from which :func:`keys` works on two threads.
PARALLEL_ROWS: Final = 100_000

_GENERIC: Final = pa.array(sorted(GENERIC_WORDS), pa.large_string())
_SPACE: Final = pa.scalar(" ", pa.large_string())
_NOTHING: Final = pa.scalar("", pa.large_string())

_Text: TypeAlias = pa.LargeStringArray


_Rows: TypeAlias = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Keys:
    """What blocking reads of one side, aligned with its unpartnered records (position = row number).

    ``id_norm``: upper case, separators dropped, leading zeros of every digit run dropped.
    ``id_letters``: the letters of the ID. ``tokens`` / ``token_rows``: the name's words after abbreviations
    and legal suffixes, with the row of each. ``compact``: those words run together, upper case. ``postal``:
    5-digit postal code. ``phones``: the last 10 digits of phone, fax and mobile. ``email``:
    lower-cased e-mail. Missing values are "" in the text arrays (Arrow ``large_string``, no nulls).
    """

    id_norm: _Text
    id_letters: _Text
    compact: _Text
    postal: _Text
    phones: tuple[_Text, ...]
    email: _Text
    tokens: _Text
    token_rows: _Rows

    def __len__(self) -> int:
        return len(self.id_norm)

    def take(self, rows: _Rows) -> Keys:
        """The keys of these rows (ascending), renumbered from 0."""
        at = pa.array(rows)
        chosen = np.zeros(len(self), dtype=bool)
        chosen[rows] = True
        picked = chosen[self.token_rows]
        return Keys(
            **{name: getattr(self, name).take(at) for name in ("id_norm", "id_letters", "compact", "postal")},
            phones=tuple(phone.take(at) for phone in self.phones),
            email=self.email.take(at),
            tokens=self.tokens.filter(pa.array(picked)),
            token_rows=np.searchsorted(rows, self.token_rows[picked]).astype(np.int64),
        )


@dataclass(frozen=True)
class Prepared(Keys):
    """:class:`Keys` and what scoring reads besides: the ID and name as given, ``name`` (the tokens joined by
    spaces), ``core`` (``name`` without
    :data:`GENERIC_WORDS`), ``street`` (address1 normalised) and the lengths of ``id_letters`` and ``compact``.
    ``*_sorted``: ``name``, ``core``, ``street`` with their words in order (what RapidFuzz's token_sort_ratio
    compares, sorted once per record instead of once per pair).
    """

    customer_id: _Text
    raw_name: _Text
    name: _Text
    core: _Text
    street: _Text
    name_sorted: _Text
    core_sorted: _Text
    street_sorted: _Text
    letters_len: npt.NDArray[np.int64]
    compact_len: npt.NDArray[np.int64]


def _text(frame: pd.DataFrame, field: str) -> _Text:
    """``field`` as an Arrow string array with "" for missing (all "" when the column is absent)."""
    if field not in frame.columns:
        return pc.fill_null(pa.nulls(len(frame), pa.large_string()), "")
    values = pa.array(frame[field].astype("string").array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.large_string())
    return _nulls_empty(values) if values.null_count else values


def _nulls_empty(values: _Text) -> _Text:
    """``values`` with its nulls read as "". Arrow usually leaves a null no bytes, and then only the validity
    bitmap goes (no copy; measured on the 466,155 Sage-only rows of the 1,000,000-client demo, the eight
    fields read: 44 -> 33 ms CPU against ``fill_null``); otherwise ``fill_null``."""
    _, offsets, data = values.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    nulls = np.asarray(values.is_null(), dtype=bool)
    if (bounds[1:][nulls] == bounds[:-1][nulls]).all():
        bare: _Text = pa.LargeStringArray.from_buffers(
            len(values), offsets, data, null_count=0, offset=values.offset
        )
        return bare
    filled: _Text = pc.fill_null(values, "")
    return filled


def _lengths(text: _Text) -> npt.NDArray[np.int64]:
    """Characters per string, as int64."""
    return np.asarray(pc.utf8_length(text), dtype=np.int64)


def _where(text: _Text, rows: npt.NDArray[np.bool_], change: Callable[[_Text], _Text]) -> _Text:
    """``text`` with ``change`` applied to the marked rows only (the others are not copied through it)."""
    if not rows.any():
        return text
    mask = pa.array(rows)
    changed: _Text = pc.replace_with_mask(text, mask, change(text.filter(mask)))
    return changed


def _tokens(text: _Text, mapping: Mapping[str, str], drop: frozenset[str]) -> tuple[_Text, _Rows]:
    """Lower-case ASCII tokens of ``text`` with ``mapping`` applied, and the row of each (ascending).

    Accents are dropped (NFKD, then the combining marks) and every character but a-z and 0-9 separates
    words, except "'" (dropped: O'Brien is obrien) and "&" (the word "and"). After NFKD only A-Z lower-case
    to a-z, so ASCII's case mapping is Unicode's here. Mapping and dropping work on the distinct words.
    """
    # only the rows that need it: outside ASCII (NFKD, accents dropped, not made separators: "Élan" is elan),
    # with "&" (where "and" is dropped, "&" is only a separator)
    clean = _where(
        text,
        ~np.asarray(pc.string_is_ascii(text), dtype=bool),
        lambda some: pc.replace_substring_regex(pc.utf8_normalize(some, form="NFKD"), r"\p{Mn}+", ""),
    )
    if "and" not in drop:
        clean = _where(clean, np.asarray(pc.match_substring(clean, "&"), dtype=bool),
                       lambda some: pc.replace_substring(some, "&", " and "))  # fmt: skip
    lists = pc.split_pattern(mapped(clean, WORD_APOSTROPHE_BYTES), " ")  # apostrophes left out
    coded = pc.dictionary_encode(pc.list_flatten(lists))
    rows = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    words = coded.dictionary
    found = pc.index_in(words, value_set=pa.array(list(mapping), pa.large_string()))
    words = pc.coalesce(pa.array(list(mapping.values()), pa.large_string()).take(found), words)
    dropped = np.asarray(pc.is_in(words, value_set=pa.array(sorted(drop | {""}), pa.large_string())), dtype=bool)
    at = np.asarray(coded.indices, dtype=np.int64)
    keep = ~dropped[at]
    return words.take(pa.array(at[keep])), rows[keep]


def _starts(rows: _Rows, size: int) -> _Rows:
    """Where each row's tokens start among the tokens (``size + 1`` bounds); ``rows`` ascending."""
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=offsets[1:])
    return offsets


def _joined(tokens: _Text, rows: _Rows, size: int) -> _Text:
    """Join tokens back into one string per row ("" for rows without tokens); ``rows`` ascending."""
    offsets = _starts(rows, size).astype(np.int32)
    joined: _Text = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), tokens), _SPACE)
    return joined


def _compact(tokens: _Text, rows: _Rows, size: int) -> _Text:
    """Each row's tokens upper-cased and run together (tokens are [0-9a-z]; ``rows`` ascending): a row's tokens
    lie one after the other in the bytes of ``tokens``, so only the bounds are new. The same text as
    ``ascii_upper`` of the joined name with its spaces dropped (measured at 466,155 Sage-only rows of the
    1,000,000-client demo: 0.33 -> 0.03 s CPU in a fresh process)."""
    raw, bounds = text_bytes(tokens)
    # a-z are the bytes from "a" on: 32 less is A-Z (measured on the same rows: 20 -> 6 ms CPU against a lookup
    # in UPPER_BYTES, which numpy makes per byte with a widened index)
    upper = raw - ((raw >= np.uint8(ord("a"))).view(np.uint8) << np.uint8(5))
    return from_bytes(upper, bounds[_starts(rows, size)])


def keys(frame: pd.DataFrame) -> Keys:
    """The blocking columns of ``frame`` (a canonical Sage or SMSTurbo frame).

    From :data:`PARALLEL_ROWS` rows on, the two halves are made on two threads (Arrow's kernels and numpy's
    release the GIL) and put together: the same arrays, row by row.
    """
    if len(frame) < PARALLEL_ROWS:
        return _keys(frame)
    half = len(frame) // 2
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(_keys, (frame.iloc[:half], frame.iloc[half:]))
    return Keys(
        **{
            name: pa.concat_arrays([getattr(first, name), getattr(second, name)])
            for name in ("id_norm", "id_letters", "compact", "postal", "email", "tokens")
        },
        phones=tuple(pa.concat_arrays(pair) for pair in zip(first.phones, second.phones, strict=True)),
        token_rows=np.concatenate([first.token_rows, second.token_rows + half]),
    )


def _keys(frame: pd.DataFrame) -> Keys:
    """:func:`keys` on one thread."""
    id_upper = pc.utf8_upper(_text(frame, "customer_id"))
    id_norm = _where(id_upper, leading_zeros(id_upper),  # the leading zeros of every digit run dropped
                     lambda some: pc.replace_substring_regex(some, "(^|[^0-9])0+([0-9])", r"\1\2"))  # fmt: skip
    tokens, token_rows = _tokens(_text(frame, "name"), NAME_ABBREVIATIONS, NAME_STOPWORDS)
    email = pc.utf8_lower(pc.utf8_trim_whitespace(_text(frame, "email")))
    return Keys(
        id_norm=kept(id_norm, ALNUM),
        id_letters=kept(id_upper, LETTERS),
        compact=_compact(tokens, token_rows, len(frame)),
        postal=postal_code(_text(frame, "postal_code")),
        phones=tuple(phone_digits(_text(frame, field)) for field in ("phone", "fax", "mobile")),
        email=pc.if_else(pc.match_substring(email, "@"), email, ""),
        tokens=tokens,
        token_rows=token_rows,
    )


def prepare(frame: pd.DataFrame, blocking: Keys | None = None) -> Prepared:
    """Build the normalised columns of ``frame`` (a canonical Sage or SMSTurbo frame) for scoring; ``blocking``:
    its :func:`keys` when already made."""
    blocking = keys(frame) if blocking is None else blocking
    size = len(frame)
    tokens, rows = blocking.tokens, blocking.token_rows
    specific = ~np.asarray(pc.is_in(tokens, value_set=_GENERIC), dtype=bool)
    core_tokens, core_rows = tokens.filter(pa.array(specific)), rows[specific]
    street_tokens, street_rows = _tokens(_text(frame, "address1"), STREET_ABBREVIATIONS, frozenset())
    return Prepared(
        **vars(blocking),
        customer_id=_text(frame, "customer_id"),
        raw_name=_text(frame, "name"),
        name=_joined(tokens, rows, size),  # only for the records in some pair: blocking reads the tokens
        core=_joined(core_tokens, core_rows, size),
        street=_joined(street_tokens, street_rows, size),
        name_sorted=_sorted_words(tokens, rows, size),
        core_sorted=_sorted_words(core_tokens, core_rows, size),
        street_sorted=_sorted_words(street_tokens, street_rows, size),
        letters_len=_lengths(blocking.id_letters),
        compact_len=_lengths(blocking.compact),
    )


def _sorted_words(tokens: _Text, rows: _Rows, size: int) -> _Text:
    """Each row's tokens in sorted order (by code point, as Python and RapidFuzz sort), joined by spaces."""
    coded = pc.dictionary_encode(tokens)
    rank = np.empty(len(coded.dictionary), dtype=np.int64)
    rank[np.asarray(pc.array_sort_indices(coded.dictionary), dtype=np.int64)] = np.arange(len(rank))
    order = np.argsort(rows * max(len(rank), 1) + rank[np.asarray(coded.indices, dtype=np.int64)], kind="stable")
    return _joined(tokens.take(pa.array(order)), rows[order], size)


#: One kind of blocking key of one side: its values, the row of each, and which of them are keys at all.
_Entry: TypeAlias = tuple[_Text, _Rows, npt.NDArray[np.bool_]]


#: The kinds of blocking key, in the order their codes are numbered (:func:`_shared`).
_KINDS: Final = ("i", "p", "q", "t", "e", "n", "f")


def _entries(side: Keys, kind: str) -> list[_Entry]:
    """Blocking keys of one kind of one side; keys of the same kind are compared. Nothing is copied out yet:
    most keys of the larger side meet nothing on the other and are dropped by :func:`_shared` first."""
    pos = np.arange(len(side), dtype=np.int64)

    def filled(values: _Text, least: int = 1) -> npt.NDArray[np.bool_]:  # the key texts are ASCII
        return np.asarray(pc.greater_equal(pc.binary_length(values), least), dtype=bool)

    if kind == "i":
        return [(side.id_norm, pos, filled(side.id_norm, 2))]
    if kind == "p":
        return [(side.postal, pos, filled(side.postal))]
    if kind == "q":
        return [_heads([side.postal, side.compact], [5, 1])]  # postal code and the name's initial
    if kind == "t":
        return [(phone, pos, filled(phone)) for phone in side.phones]
    if kind == "e":
        return [(side.email, pos, filled(side.email))]
    if kind == "n":
        return [(side.tokens, side.token_rows, filled(side.tokens, 3))]
    return [_heads([text], [4]) for text in (side.compact, side.id_letters)]  # the first four characters of either


def _heads(texts: list[_Text], sizes: list[int]) -> _Entry:
    """For each row, the first ``sizes[k]`` bytes of ``texts[k]`` one after the other, usable where every text
    has that many (ASCII texts: bytes are characters); cut out of the bytes as rows of a matrix."""
    size = len(texts[0])
    usable = np.ones(size, dtype=bool)
    parts = []
    for text, width in zip(texts, sizes, strict=True):
        raw, bounds = text_bytes(text)
        usable &= bounds[1:] - bounds[:-1] >= width
        parts.append((raw, bounds, width))
    rows = np.flatnonzero(usable)
    block = np.concatenate([heads(raw, bounds[rows], width) for raw, bounds, width in parts], axis=1)
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.where(usable, sum(sizes), 0), out=offsets[1:])
    return from_bytes(np.ascontiguousarray(block).reshape(-1), offsets), np.arange(size, dtype=np.int64), usable


def _kept_keys(parts: list[_Entry]) -> tuple[_Text, _Rows]:
    """The keys of ``parts`` and their rows."""
    values = [part_values.filter(pa.array(usable)) for part_values, _, usable in parts]
    return pa.concat_arrays(values), np.concatenate([part_rows[usable] for _, part_rows, usable in parts])


def distinct(values: _Rows) -> _Rows:
    """The distinct values, ascending (sorting: numpy's hashing ``unique`` is several times slower here)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _blocks(codes: _Rows, rows: _Rows, size: int, kinds: int) -> tuple[_Rows, _Rows, npt.NDArray[np.bool_]]:
    """Each (code, row) once, ordered by code then row, without the codes more than :data:`MAX_BLOCK` rows hold
    (they pair nothing, see :func:`candidate_pairs`); and which of the ``kinds`` codes are not too common."""
    flat = distinct(codes * size + rows)
    codes = flat // size
    small = np.bincount(codes, minlength=kinds) <= MAX_BLOCK
    keep = small[codes]
    return codes[keep], flat[keep] % size, small


def _shared(left: Keys, right: Keys) -> tuple[_Rows, _Rows, _Rows, _Rows]:
    """The blocking keys the two sides share, as integer codes: (left codes, left rows, right codes, right rows).

    Each (code, row) appears once per side, ordered by code then row; equal codes are equal keys of the same
    kind. Only keys both sides may pair on are kept: a key more than :data:`MAX_BLOCK` rows of either side hold
    pairs nothing (:func:`candidate_pairs`), nor does a key only one side holds.

    Per kind, the smaller side's keys are numbered (its dictionary) and the too common ones dropped first; the
    larger side's keys are then looked up in that dictionary (Arrow's ``index_in`` hashes only the smaller side's
    distinct keys), and only the keys found are sorted. Measured on the hints at 1,000,000 clients (466,155
    Sage-only x 15,060 SMSTurbo-only rows): a postal code or a name word common among the SMSTurbo-only customers
    no longer brings along the ~450,000 Sage rows that share it, and the larger side's keys are never put into
    one array with the smaller's; _shared + candidate_pairs 0.45 -> 0.2 s CPU.

    The kinds are independent: from :data:`PARALLEL_ROWS` rows on (both sides), they are worked on two threads
    (Arrow's kernels and numpy's release the GIL), and put together in kind order: the same codes.
    """
    if len(left) + len(right) < PARALLEL_ROWS:
        found = [_shared_kind(left, right, kind) for kind in _KINDS]
    else:
        with ThreadPoolExecutor(2) as pool:  # measured at 1,000,000 clients: 0.28 -> 0.17 s wall
            found = list(pool.map(lambda kind: _shared_kind(left, right, kind), _KINDS))
    out: list[list[_Rows]] = [[], [], [], []]
    offset = 0
    for codes, size in found:
        for at in range(4):
            out[at].append(codes[at] + offset if at % 2 == 0 else codes[at])
        offset += size
    # kinds have codes of their own, in order, and each kind is ordered by code then row: so is the whole
    return (np.concatenate(out[0]), np.concatenate(out[1]), np.concatenate(out[2]), np.concatenate(out[3]))


def _shared_kind(left: Keys, right: Keys, kind: str) -> tuple[tuple[_Rows, _Rows, _Rows, _Rows], int]:
    """:func:`_shared` for one kind of key, its codes numbered from 0; and how many codes the kind has."""
    lparts, rparts = _entries(left, kind), _entries(right, kind)
    left_larger = sum(int(usable.sum()) for _, _, usable in lparts) > sum(int(usable.sum()) for _, _, usable in rparts)
    if left_larger:
        small_parts, small_size, large_parts, large_size = rparts, len(right), lparts, len(left)
    else:
        small_parts, small_size, large_parts, large_size = lparts, len(left), rparts, len(right)
    small_values, small_rows = _kept_keys(small_parts)
    encoded = pc.dictionary_encode(small_values)
    size = len(encoded.dictionary)
    small_codes, small_rows, usable_code = _blocks(
        np.asarray(encoded.indices, dtype=np.int64), small_rows, small_size, size
    )
    large_codes, large_rows = [], []
    for values, rows, usable in large_parts:
        found = np.asarray(pc.fill_null(pc.index_in(values, value_set=encoded.dictionary), -1), dtype=np.int64)
        keep = usable & (found >= 0)
        keep[keep] = usable_code[found[keep]]
        large_codes.append(found[keep])
        large_rows.append(rows[keep])
    codes, rows, _ = _blocks(np.concatenate(large_codes), np.concatenate(large_rows), large_size, size)
    large, small = (codes, rows), (small_codes, small_rows)
    (lcodes, lrows), (rcodes, rrows) = (large, small) if left_larger else (small, large)
    return (lcodes, lrows, rcodes, rrows), size


def candidate_pairs(left: Keys, right: Keys) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return aligned row numbers ``(i, j)`` of every pair sharing a blocking key, each pair once, in order.

    A key held by more than :data:`MAX_BLOCK` records on either side (a common postal code, a word
    such as "construction") is skipped, so the number of pairs grows with the data, not its square.
    """
    if len(left) == 0 or len(right) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    lcode, lrow, rcode, rrow = _shared(left, right)
    size = int(max(lcode.max(initial=-1), rcode.max(initial=-1))) + 1
    lcount, rcount = np.bincount(lcode, minlength=size), np.bincount(rcode, minlength=size)
    usable = (lcount <= MAX_BLOCK) & (rcount <= MAX_BLOCK)  # a code on one side only meets no run below
    lkeep, rkeep = usable[lcode], usable[rcode]
    lcode, lrow, rcode, rrow = lcode[lkeep], lrow[lkeep], rcode[rkeep], rrow[rkeep]
    # rcode is ascending: each left key meets the run of right rows with its code
    first = np.searchsorted(rcode, lcode, side="left")
    run = rcount[lcode]
    i = np.repeat(lrow, run)
    j = rrow[np.repeat(first - np.cumsum(run) + run, run) + np.arange(int(run.sum()))]
    pair_id = distinct(i * len(right) + j)
    return pair_id // len(right), pair_id % len(right)
