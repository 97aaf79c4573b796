"""Normalised views of customer records and candidate blocking for :mod:`smsync_core.suggest.engine`.

Everything here works on whole columns. Normalisation never touches the canonical frames: it builds
separate arrays that only the suggestion scoring reads (IDs are matched exactly everywhere else).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


@dataclass(frozen=True)
class Prepared:
    """Normalised columns of one side, aligned with its unpartnered records (position = row number).

    ``id_norm``: upper case, separators dropped, leading zeros of every digit run dropped.
    ``id_letters``: the letters of the ID. ``name``: tokens after abbreviations and legal suffixes.
    ``core``: ``name`` without :data:`GENERIC_WORDS`. ``compact``: ``name`` without spaces, upper case.
    ``street``: address1 normalised.
    ``postal``: 5-digit postal code. ``phones``: the last 10 digits of phone, fax and mobile.
    ``email``: lower-cased e-mail. Missing values are "" in the text arrays; ``*_len`` are string lengths.
    """

    customer_id: npt.NDArray[np.object_]
    raw_name: npt.NDArray[np.object_]
    id_norm: npt.NDArray[np.object_]
    id_letters: npt.NDArray[np.object_]
    name: npt.NDArray[np.object_]
    core: npt.NDArray[np.object_]
    compact: npt.NDArray[np.object_]
    letters_len: npt.NDArray[np.int64]
    compact_len: npt.NDArray[np.int64]
    street: npt.NDArray[np.object_]
    postal: npt.NDArray[np.object_]
    phones: tuple[npt.NDArray[np.object_], ...]
    email: npt.NDArray[np.object_]
    tokens: pd.Series

    def __len__(self) -> int:
        return len(self.customer_id)


def _text(frame: pd.DataFrame, field: str) -> pd.Series:
    """Return ``field`` as a string Series with "" for missing (all "" when the column is absent)."""
    if field not in frame.columns:
        return pd.Series([""] * len(frame), dtype="string")
    return frame[field].astype("string").fillna("").reset_index(drop=True)


def _tokens(text: pd.Series, mapping: Mapping[str, str], drop: frozenset[str]) -> pd.Series:
    """Split ``text`` into lower-case ASCII tokens, indexed by row, with ``mapping`` applied."""
    clean = (
        text.str.normalize("NFKD")
        .str.lower()
        .str.replace("&", " and ", regex=False)
        .str.replace("'", "", regex=False)
        .str.replace(r"[^0-9a-z]+", " ", regex=True)
    )
    tokens = clean.str.split().explode().dropna().astype(object)
    mapped = tokens.map(mapping)
    tokens = mapped.where(mapped.notna(), tokens)
    return tokens[(tokens != "") & ~tokens.isin(drop)]


def _joined(tokens: pd.Series, size: int) -> npt.NDArray[np.object_]:
    """Join tokens back into one string per row ("" for rows without tokens)."""
    rows = tokens.index.to_numpy(dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=size))]).astype(np.int64)
    values = pa.array(tokens.to_numpy(dtype=object)[order], type=pa.string())
    lists = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values)
    return np.asarray(pc.binary_join(lists, " ").to_pylist(), dtype=object)


def _phone(text: pd.Series) -> npt.NDArray[np.object_]:
    """Last 10 digits of a phone number, "" when fewer than 10 digits or one digit repeated."""
    digits = text.str.replace(r"\D+", "", regex=True)
    last10 = digits.str.slice(-10)
    usable = (digits.str.len() >= 10) & ~last10.str.fullmatch("|".join(d * 10 for d in "0123456789"))
    return last10.where(usable, "").fillna("").to_numpy(dtype=object)


def prepare(frame: pd.DataFrame) -> Prepared:
    """Build the normalised columns of ``frame`` (a canonical Sage or SMSTurbo frame)."""
    size = len(frame)
    ids = _text(frame, "customer_id")
    id_upper = ids.str.upper()
    id_norm = id_upper.str.replace(r"(?<![0-9])0+(?=[0-9])", "", regex=True).str.replace(r"[^0-9A-Z]+", "", regex=True)
    name_text = _text(frame, "name")
    name_tokens = _tokens(name_text, NAME_ABBREVIATIONS, NAME_STOPWORDS)
    name = _joined(name_tokens, size)
    street = _joined(_tokens(_text(frame, "address1"), STREET_ABBREVIATIONS, frozenset()), size)
    postal = _text(frame, "postal_code").str.extract(r"^\s*(\d{5})", expand=False).fillna("")
    letters = id_upper.str.replace(r"[^A-Z]+", "", regex=True)
    compact = pd.Series(name, dtype="string").str.replace(" ", "").str.upper()
    email = _text(frame, "email").str.strip().str.lower()
    email = email.where(email.str.contains("@", regex=False), "")
    return Prepared(
        customer_id=ids.to_numpy(dtype=object),
        raw_name=name_text.to_numpy(dtype=object),
        id_norm=id_norm.to_numpy(dtype=object),
        id_letters=letters.to_numpy(dtype=object),
        name=name,
        core=_joined(name_tokens[~name_tokens.isin(GENERIC_WORDS)], size),
        compact=compact.to_numpy(dtype=object),
        letters_len=np.asarray(letters.str.len(), dtype=np.int64),
        compact_len=np.asarray(compact.str.len(), dtype=np.int64),
        street=street,
        postal=postal.to_numpy(dtype=object),
        phones=tuple(_phone(_text(frame, field)) for field in ("phone", "fax", "mobile")),
        email=email.to_numpy(dtype=object),
        tokens=name_tokens,
    )


def _keys(side: Prepared) -> pd.DataFrame:
    """Blocking keys of one side: frame of ``key`` (text, prefixed by kind) and ``pos`` (row)."""
    pos = np.arange(len(side))
    parts: list[pd.DataFrame] = []

    def add(kind: str, values: npt.NDArray[np.object_], rows: npt.NDArray[np.int64], keep: object) -> None:
        mask = np.asarray(keep, dtype=bool)
        parts.append(pd.DataFrame({"key": kind + values[mask].astype(str), "pos": rows[mask]}))

    lengths = pd.Series(side.id_norm, dtype="string").str.len().to_numpy()
    add("i", side.id_norm, pos, lengths >= 2)
    add("p", side.postal, pos, side.postal != "")
    initial = pd.Series(side.compact, dtype="string").str.slice(0, 1).to_numpy(dtype=object)
    add("q", side.postal + initial, pos, (side.postal != "") & (initial != ""))
    for phone in side.phones:
        add("t", phone, pos, phone != "")
    add("e", side.email, pos, side.email != "")
    tokens = side.tokens[side.tokens.str.len() >= 3]
    add("n", tokens.to_numpy(dtype=object), tokens.index.to_numpy(dtype=np.int64), np.ones(len(tokens)))
    for text in (side.compact, side.id_letters):
        head = pd.Series(text, dtype="string").str.slice(0, 4).to_numpy(dtype=object)
        add("f", head, pos, pd.Series(head, dtype="string").str.len().to_numpy() == 4)
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def candidate_pairs(left: Prepared, right: Prepared) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return aligned row numbers ``(i, j)`` of every pair sharing a blocking key, each pair once.

    A key held by more than :data:`MAX_BLOCK` records on either side (a common postal code, a word
    such as "construction") is skipped, so the number of pairs grows with the data, not its square.
    """
    if len(left) == 0 or len(right) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    lkeys, rkeys = _keys(left), _keys(right)
    codes, _ = pd.factorize(pd.concat([lkeys["key"], rkeys["key"]], ignore_index=True))
    lcode, rcode = codes[: len(lkeys)], codes[len(lkeys) :]
    size = int(codes.max()) + 1
    lcount, rcount = np.bincount(lcode, minlength=size), np.bincount(rcode, minlength=size)
    usable = (lcount > 0) & (rcount > 0) & (lcount <= MAX_BLOCK) & (rcount <= MAX_BLOCK)
    lsel = pd.DataFrame({"code": lcode, "i": lkeys["pos"].to_numpy()})[usable[lcode]]
    rsel = pd.DataFrame({"code": rcode, "j": rkeys["pos"].to_numpy()})[usable[rcode]]
    pairs = lsel.merge(rsel, on="code", how="inner")
    pair_id = np.unique(pairs["i"].to_numpy(dtype=np.int64) * len(right) + pairs["j"].to_numpy(dtype=np.int64))
    return pair_id // len(right), pair_id % len(right)
