"""The bulk of the demo clients, drawn with numpy whole columns at a time, in the same proportions at every size."""

from __future__ import annotations

import operator
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Final, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt
from numpy.dtypes import StringDType

from smsync_core.schema import ID_PATTERN

Array: TypeAlias = npt.NDArray[Any]
Columns: TypeAlias = dict[str, Array]
RecnumType: TypeAlias = Literal["text", "int"]

_SQLITE_BATCH: Final = 20_000
_SQLALCHEMY_BATCH: Final = 5_000


# -- word lists for the bulk ----------------------------------------------------------------------------------

_SURNAMES: Final = (
    "Anderson", "Baker", "Barnes", "Becker", "Bennett", "Brooks", "Bryant", "Campbell", "Carter", "Castillo",
    "Chavez", "Clark", "Coleman", "Collins", "Cooper", "Cruz", "Davis", "Diaz", "Dixon", "Duncan", "Edwards",
    "Ellis", "Evans", "Fischer", "Fisher", "Flores", "Ford", "Foster", "Garcia", "Gibson", "Gomez",
    "Gonzalez", "Graham", "Grant", "Gray", "Green", "Griffin", "Hall", "Hamilton", "Hansen", "Harris",
    "Hayes", "Henderson", "Hernandez", "Hill", "Holmes", "Howard", "Hughes", "Hunt", "Jackson", "James",
    "Jenkins", "Jensen", "Johnson", "Jones", "Kelly", "Kennedy", "Kim", "King", "Klein", "Knight", "Kowalski",
    "Larsen", "Lee", "Lewis", "Long", "Lopez", "Marshall", "Martin", "Martinez", "Mason", "Meyer", "Miller",
    "Mitchell", "Moore", "Morales", "Morgan", "Morris", "Murphy", "Murray", "Nelson", "Nguyen", "Olson",
    "Ortiz", "Owens", "Parker", "Patel", "Perez", "Perry", "Peterson", "Phillips", "Porter", "Powell",
    "Price", "Ramirez", "Reed", "Reyes", "Reynolds", "Richardson", "Rivera", "Roberts", "Robinson",
    "Rodriguez", "Rogers", "Ross", "Russell", "Sanchez", "Sanders", "Schmidt", "Scott", "Shaw", "Simmons",
    "Snyder", "Stewart", "Sullivan", "Taylor", "Thompson", "Torres", "Tucker", "Turner", "Vargas", "Wagner",
    "Walker", "Wallace", "Ward", "Warren", "Watson", "Weber", "Wells", "West", "White", "Williams", "Wilson",
    "Wood", "Wright", "Young", "Zimmerman", "Peña", "Muñoz", "Núñez", "Müller", "O'Connor",
)
_FIRST_NAMES: Final = (
    "Aaron", "Adam", "Alex", "Amanda", "Amy", "Andrew", "Angela", "Anna", "Anthony", "Ben", "Beth", "Brandon",
    "Brian", "Carlos", "Carol", "Chris", "Cindy", "Dan", "Dave", "Deb", "Dennis", "Diana", "Doug", "Ed",
    "Elena", "Eric", "Frank", "Gary", "Greg", "Heather", "Jake", "James", "Jason", "Jeff", "Jen", "Jim",
    "Joe", "John", "Jose", "Juan", "Julie", "Karen", "Kate", "Keith", "Kelly", "Ken", "Kevin", "Kim", "Kyle",
    "Laura", "Linda", "Lisa", "Luis", "Maria", "Mark", "Matt", "Megan", "Mike", "Nancy", "Nick", "Pam", "Pat",
    "Paul", "Ray", "Rick", "Rob", "Ron", "Rosa", "Ryan", "Sam", "Sandra", "Sarah", "Scott", "Sean", "Steve",
    "Sue", "Susan", "Terry", "Tim", "Todd", "Tom", "Tony", "Tyler", "Victor", "Will",
)
_TRADES: Final = (
    "Excavating", "Concrete", "Roofing", "Plumbing", "Electric", "Landscaping", "Drywall", "Masonry", "Paving",
    "Framing", "Painting", "Heating & Air", "Construction", "Builders", "Homes", "Fencing", "Tile & Stone",
    "Glass", "Insulation", "Steel", "Welding", "Demolition", "Flooring", "Cabinets", "Remodeling", "Grading",
    "Septic", "Irrigation", "Gutters", "Siding", "Mechanical", "Restoration",
)
_PLACES: Final = (
    "Front Range", "Rocky Mountain", "Summit", "Pikes Peak", "Foothills", "High Plains", "Mile High", "Canyon",
    "Aspen", "Blue Spruce", "Cherry Creek", "Red Rocks", "Timberline", "Continental", "Western Slope", "Prairie",
    "Eagle", "Silver State", "Cornerstone", "Keystone", "Pinnacle", "Heritage", "Premier", "Alpine", "Granite",
    "Columbine", "Bluebird", "Centennial", "Platte River", "Bear Creek",
)
_SUFFIXES: Final = (" LLC", " Inc.", " Co.", " Company", " Corp.", "", " Ltd.", " LLC")
_STREETS: Final = (
    "Colfax", "Broadway", "Federal", "Wadsworth", "Main", "Oak", "Pine", "Elm", "Cedar", "Maple", "Aspen",
    "Juniper", "Spruce", "Mountain View", "Ridge", "Canyon", "Lincoln", "Washington", "Jefferson", "Kipling",
    "Sheridan", "Union", "Alameda", "Evans", "Hampden", "Arapahoe", "Dry Creek", "Quebec", "Havana", "Yosemite",
    "Tower", "Chambers", "Simms", "Youngfield", "Ward", "Garrison", "Pecos", "Zuni", "Lowell", "Tejon",
    "Academy", "College", "Harmony", "Prospect", "Horsetooth", "Baseline", "Belleview", "Valmont", "Pearl",
    "Walnut",
)
_STREET_TYPES: Final = ("St", "Ave", "Blvd", "Dr", "Rd", "Way", "Ct", "Ln", "Pkwy", "Cir", "Pl")
_DIRECTIONS: Final = ("", "", "", "W ", "E ", "N ", "S ")
#: (city, state, lowest ZIP, highest ZIP, area codes, weight)
_CITIES: Final = (
    ("Denver", "CO", 80202, 80239, ("303", "720"), 18), ("Aurora", "CO", 80010, 80019, ("303", "720"), 8),
    ("Lakewood", "CO", 80214, 80235, ("303", "720"), 6), ("Littleton", "CO", 80120, 80130, ("303", "720"), 5),
    ("Arvada", "CO", 80002, 80007, ("303", "720"), 4), ("Westminster", "CO", 80030, 80031, ("303", "720"), 3),
    ("Thornton", "CO", 80229, 80241, ("303", "720"), 3), ("Englewood", "CO", 80110, 80113, ("303",), 3),
    ("Centennial", "CO", 80111, 80122, ("303", "720"), 3), ("Boulder", "CO", 80301, 80305, ("303",), 4),
    ("Longmont", "CO", 80501, 80504, ("303", "720"), 3), ("Broomfield", "CO", 80020, 80023, ("303", "720"), 2),
    ("Golden", "CO", 80401, 80403, ("303",), 2), ("Parker", "CO", 80134, 80138, ("303", "720"), 3),
    ("Castle Rock", "CO", 80104, 80109, ("303", "720"), 3), ("Brighton", "CO", 80601, 80603, ("303",), 2),
    ("Wheat Ridge", "CO", 80033, 80034, ("303",), 1), ("Commerce City", "CO", 80022, 80022, ("303",), 1),
    ("Evergreen", "CO", 80439, 80439, ("303",), 1), ("Colorado Springs", "CO", 80903, 80925, ("719",), 8),
    ("Pueblo", "CO", 81001, 81008, ("719",), 2), ("Fort Collins", "CO", 80521, 80528, ("970",), 4),
    ("Loveland", "CO", 80537, 80538, ("970",), 2), ("Greeley", "CO", 80631, 80634, ("970",), 2),
    ("Grand Junction", "CO", 81501, 81507, ("970",), 2), ("Cheyenne", "WY", 82001, 82009, ("307",), 1),
    ("Laramie", "WY", 82070, 82072, ("307",), 1), ("Albuquerque", "NM", 87101, 87123, ("505",), 1),
    ("Santa Fe", "NM", 87501, 87508, ("505",), 1), ("Salt Lake City", "UT", 84101, 84121, ("801", "385"), 1),
    ("Omaha", "NE", 68102, 68164, ("402",), 1), ("Wichita", "KS", 67202, 67230, ("316",), 1),
)
_FREE_MAIL: Final = ("gmail.com", "yahoo.com", "outlook.com", "comcast.net", "icloud.com", "hotmail.com")
_OFFICE_MAIL: Final = ("office", "info", "billing", "estimating", "admin")
_NOTES: Final = (
    "Gate code 4471.", "Prefers invoices by e-mail.", "Tax exempt certificate on file.", "Call before delivery.",
    "Retainage 10% on commercial jobs.", "Lien waiver required with each draw.", "Net 30 approved by owner.",
    "Send statements to the PO box.",
)
_TERMS: Final = ("Net 30", "Net 15", "Net 45", "COD", "Due on Receipt")

#: Company name shapes: (share of companies, name, short name, e-mail domain, Client Number code word).
_COMPANY_FORMS: Final = (
    (0.35, "{S} {T}{X}", "{S} {T}", "{s}{t}.com", "{SC}"),
    (0.10, "{S} & Sons {T}", "{S} & Sons", "{s}andsons.com", "{SC}"),
    (0.30, "{P} {T}{X}", "{P} {T}", "{p}{t}.com", "{PC}"),
    (0.05, "{S} Brothers {T}", "{S} Bros {T}", "{s}bros.com", "{SC}"),
    (0.10, "{S} & {S2} {T}", "{S} & {S2}", "{s}{s2}.com", "{SC}"),
    (0.10, "{S} {T}", "{S} {T}", "{s}{t}.com", "{SC}"),
)
#: Homeowners and other private clients.
_PERSON_FORM: Final = (0.0, "{F} {S}", "{S}, {F}", "{M}", "{SC}")

SD: Final = StringDType()


def _slug(text: str) -> str:
    """Lowercase ASCII letters and digits only: the shape of an e-mail domain or local part."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def word_array(values: Iterable[Any]) -> Array:
    """A vocabulary as an object array: gathering from it shares the same Python strings."""
    return np.array(list(values), dtype=object)


_W: Final = {
    "S": word_array(_SURNAMES), "s": word_array(map(_slug, _SURNAMES)),
    "SC": word_array(s.upper()[:6] for s in _SURNAMES), "SU": word_array(s.upper() for s in _SURNAMES),
    "F": word_array(_FIRST_NAMES), "f": word_array(map(_slug, _FIRST_NAMES)),
    "i": word_array(_slug(s)[0] for s in _FIRST_NAMES), "T": word_array(_TRADES), "t": word_array(map(_slug, _TRADES)),
    "TU": word_array(_slug(s).upper() for s in _TRADES), "P": word_array(_PLACES), "p": word_array(map(_slug, _PLACES)),
    "PC": word_array(_slug(s).upper()[:6] for s in _PLACES), "X": word_array(_SUFFIXES), "M": word_array(_FREE_MAIL),
}
_SURNAME_CODE_OK: Final = np.array([re.fullmatch(ID_PATTERN, s.upper()[:6]) is not None for s in _SURNAMES])
_CITY_NAME: Final = word_array(c[0] for c in _CITIES)
_CITY_STATE: Final = word_array(c[1] for c in _CITIES)
_CITY_WEIGHT: Final = np.array([c[5] for c in _CITIES], dtype=float) / sum(c[5] for c in _CITIES)
_ZIP_LOW: Final = np.array([c[2] for c in _CITIES])
_ZIP_SPAN: Final = np.array([c[3] - c[2] + 1 for c in _CITIES])
_AREA: Final = np.array([[int(c[4][0]), int(c[4][-1])] for c in _CITIES])


def _cat(*parts: Array | str) -> Array:
    """Concatenate text columns (and constants) element-wise."""
    return cast(Array, reduce(operator.add, parts))


def _render(template: str, parts: Mapping[str, Array]) -> Array:
    """Fill a ``{field}`` template from columns of words, element-wise."""
    pieces: list[Array | str] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if field:
            pieces.append(parts[field])
    return _cat(*pieces)


def _strings(function: Callable[..., Array], values: Array, *args: Any) -> Array:
    """Apply a ``numpy.strings`` function to a text column without NULLs."""
    return function(values.astype(SD), *args).astype(object)


def _digit_codes(values: Array, width: int) -> Array:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + ord("0")).astype(np.uint32)


def _digits(values: Array, width: int) -> Array:
    """Non-negative whole numbers as text of exactly ``width`` digits."""
    return _digit_codes(values, width).view(f"<U{width}")[:, 0].astype(object)


def _decimal(values: Array) -> Array:
    """Whole numbers as plain decimal text (``1001``)."""
    return np.asarray(values).astype(np.str_).astype(object)


def _pick(rng: np.random.Generator, words: Sequence[str], size: int, p: Sequence[float] | None = None) -> Array:
    return word_array(words)[rng.choice(len(words), size=size, p=p)]


def _phones(rng: np.random.Generator, area: Array) -> Array:
    """Phone numbers like ``(303) 284-0142`` (the 555 exchange is left to the story rows)."""
    n = len(area)
    exchange = rng.integers(201, 990, n)
    exchange[exchange == 555] = 556
    codes = np.empty((n, 14), dtype=np.uint32)
    codes[:, [0, 4, 5, 9]] = [ord("("), ord(")"), ord(" "), ord("-")]
    codes[:, 1:4] = _digit_codes(area, 3)
    codes[:, 6:9] = _digit_codes(exchange, 3)
    codes[:, 10:14] = _digit_codes(rng.integers(0, 10_000, n), 4)
    return codes.view("<U14")[:, 0].astype(object)


def _address(rng: np.random.Generator, n: int) -> Array:
    number = _decimal(np.where(rng.random(n) < 0.7, rng.integers(100, 9999, n), rng.integers(10, 19_999, n)))
    return _cat(number, " ", _pick(rng, _DIRECTIONS, n), _pick(rng, _STREETS, n), " ",
                _pick(rng, _STREET_TYPES, n))


def _clients(rng: np.random.Generator, n: int) -> Columns:
    """Names, addresses, phones, e-mails and contacts of ``n`` clients, plus a code word for an ID.

    Every bulk value fits SMSTurbo's columns by construction (names at most 37 characters, addresses 26).
    """
    person = rng.random(n) < 0.22
    shares = [form[0] for form in _COMPANY_FORMS]
    form = np.where(person, len(_COMPANY_FORMS), rng.choice(len(_COMPANY_FORMS), size=n, p=shares))
    index = {
        "S": rng.integers(0, len(_SURNAMES), n), "S2": rng.integers(0, len(_SURNAMES), n),
        "T": rng.integers(0, len(_TRADES), n), "P": rng.integers(0, len(_PLACES), n),
        "F": rng.integers(0, len(_FIRST_NAMES), n), "X": rng.integers(0, len(_SUFFIXES), n),
        "M": rng.integers(0, len(_FREE_MAIL), n),
    }
    fields = {  # template field -> (vocabulary, which index)
        "S": ("S", "S"), "s": ("s", "S"), "SC": ("SC", "S"), "S2": ("S", "S2"), "s2": ("s", "S2"),
        "T": ("T", "T"), "t": ("t", "T"), "P": ("P", "P"), "p": ("p", "P"), "PC": ("PC", "P"),
        "F": ("F", "F"), "X": ("X", "X"), "M": ("M", "M"),
    }
    name, short, domain, code = (np.empty(n, dtype=object) for _ in range(4))
    for k, (_, *templates) in enumerate((*_COMPANY_FORMS, _PERSON_FORM)):
        rows = np.flatnonzero(form == k)
        parts = {field: _W[vocabulary][index[which][rows]] for field, (vocabulary, which) in fields.items()}
        for column, template in zip((name, short, domain, code), templates, strict=True):
            column[rows] = _render(template, parts)
    short = _strings(lambda v: np.strings.rstrip(np.strings.slice(v, 0, 15)), short)

    # The contact: family businesses are often run by someone with the company's surname.
    c_first = np.where(person, index["F"], rng.integers(0, len(_FIRST_NAMES), n))
    c_sur = np.where(person | (rng.random(n) < 0.45), index["S"], rng.integers(0, len(_SURNAMES), n))
    local = _pick(rng, _OFFICE_MAIL, n)
    own = np.flatnonzero(person | (rng.random(n) < 0.55))
    local[own] = _cat(np.where(person[own], _W["f"][c_first[own]] + ".", _W["i"][c_first[own]]),
                      _W["s"][c_sur[own]])

    city = rng.choice(len(_CITIES), size=n, p=_CITY_WEIGHT)
    area = _AREA[city, (rng.random(n) < 0.5).astype(np.int64)]
    has_address2 = rng.random(n) < 0.15
    address2 = np.full(n, "", dtype=object)
    rows = np.flatnonzero(has_address2)
    m = rows.shape[0]
    address2[rows] = np.where(rng.random(m) < 0.6, _cat("Suite ", _decimal(rng.integers(1, 46, m) * 10)),
                              _cat("Unit ", _decimal(rng.integers(1, 40, m)), _pick(rng, ("", "A", "B"), m)))
    return {
        "person": person, "name": name, "short": short, "code": code,
        "code_ok": np.where(form == 2, True, _SURNAME_CODE_OK[index["S"]]),
        "contact": _cat(_W["F"][c_first], " ", _W["S"][c_sur]), "email": _cat(local, "@", domain),
        "address1": _address(rng, n), "address2": address2, "has_address2": has_address2,
        "city": _CITY_NAME[city], "state": _CITY_STATE[city],
        "zip": _digits(_ZIP_LOW[city] + (rng.random(n) * _ZIP_SPAN[city]).astype(np.int64), 5),
        "area": area, "phone": _phones(rng, area), "fax": _phones(rng, area), "mobile": _phones(rng, area),
        "surname_upper": _W["SU"][index["S"]], "trade_upper": _W["TU"][index["T"]],
    }


@dataclass
class _Bulk:
    """Generated rows before NULLs are applied: text ("" where missing), missing masks, other columns."""

    text: dict[str, Array]
    missing: dict[str, Array]
    other: Columns

    def columns(self) -> Columns:
        out = {name: values.copy() for name, values in self.text.items()}
        for name, missing in self.missing.items():
            out[name][missing] = None
        return out | self.other


def _invalid_ids(rng: np.random.Generator, c: Columns, number: Array) -> Array:
    """Client Numbers SMSTurbo cannot take: lowercase, a space, punctuation, too long, blank."""
    n = number.shape[0]
    code, kind = c["code"], rng.choice(5, size=n, p=[0.3, 0.2, 0.25, 0.2, 0.05])
    too_long = _cat(c["surname_upper"], c["trade_upper"], "-", number, "-",
                    _pick(rng, ("NORTH", "SOUTH", "EAST", "WEST"), n))  # at least 19 characters
    variants = (
        _strings(np.strings.lower, _cat(code, number)),
        _cat(code, " ", number),
        _cat(code, _pick(rng, (".", "&", "/", "'", "#"), n), number),
        _strings(np.strings.slice, too_long, 0, 20),
        _pick(rng, (" ", "  "), n),
    )
    out = np.empty(n, dtype=object)
    for k, values in enumerate(variants):
        out[kind == k] = values[kind == k]
    return out


def sage_bulk(rng: np.random.Generator, n: int, first_number: int) -> tuple[_Bulk, Columns]:
    """The generated Sage clients, and what the SMSTurbo side needs to know about them."""
    c = _clients(rng, n)
    number = first_number - 1 + np.cumsum(1 + (rng.random(n) < 0.08) * rng.integers(1, 4, n))
    numtext = _decimal(number)
    alpha = rng.random(n) < 0.12
    recnum = numtext.copy()
    recnum[alpha] = _cat(c["code"][alpha], numtext[alpha])
    invalid = np.flatnonzero(rng.random(n) < 0.006)
    recnum[invalid] = _invalid_ids(rng, {k: v[invalid] for k, v in c.items()}, numtext[invalid])
    dup = rng.random(n) < 0.003  # entered twice under the same Client Number
    dup &= ~np.roll(dup, 1)
    dup[:1] = False
    recnum[dup] = recnum[np.flatnonzero(dup) - 1]
    valid = np.where(alpha, c["code_ok"], True) & ~dup & ~np.roll(dup, -1)
    valid[invalid] = False

    person = c["person"]
    status = rng.choice(np.arange(1, 7), size=n, p=[0.05, 0.07, 0.62, 0.13, 0.08, 0.05])
    no_address = rng.random(n) < 0.03
    no_phone = rng.random(n) < 0.03
    office_missing = person & (rng.random(n) < 0.4)
    mobile_missing = rng.random(n) >= np.where(person, 0.85, 0.55)
    no_fax = person | (rng.random(n) >= 0.2) | no_phone
    blank = rng.random(n) < 0.1  # an empty string rather than NULL, as some entry screens leave it
    no_name = rng.random(n) < 0.002
    notes = np.full(n, "", dtype=object)
    noted = np.flatnonzero(rng.random(n) < 0.08)
    notes[noted] = _pick(rng, _NOTES, noted.shape[0])
    text = {
        "recnum": recnum, "clnnme": c["name"], "shtnme": c["short"], "addrs1": c["address1"],
        "addrs2": c["address2"], "ctynme": c["city"], "state_": c["state"], "zipcde": c["zip"],
        "phnnum": c["phone"], "faxnum": c["fax"], "cllphn": c["mobile"], "e_mail": c["email"],
        "contct": c["contact"], "ntetxt": notes,
    }
    missing = {
        "clnnme": no_name, "shtnme": no_name, "addrs1": no_address & (rng.random(n) < 0.4),
        "addrs2": ~c["has_address2"] & ~blank, "ctynme": no_address, "state_": no_address, "zipcde": no_address,
        "phnnum": no_phone | office_missing, "cllphn": no_phone | (mobile_missing & ~office_missing),
        "faxnum": no_fax & ~blank, "e_mail": rng.random(n) < 0.07,
        "contct": rng.random(n) < np.where(person, 0.3, 0.05), "ntetxt": notes == "",
    }
    text["faxnum"] = np.where(no_fax & blank, "", text["faxnum"])
    start, end = np.datetime64("1998-01-05", "D"), np.datetime64("2026-10-30", "D")
    other: Columns = {
        "status": status.astype(np.int64),
        "inactv": (rng.random(n) < np.where((status == 4) | (status == 5), 0.08, 0.008)).astype(np.int16),
        "clntyp": np.where(person, 2, rng.choice([1, 3, 4, 5], size=n, p=[0.6, 0.05, 0.25, 0.1])).astype(np.int64),
        "dteopn": start + rng.integers(0, int((end - start).astype(np.int64)), n).astype("timedelta64[D]"),
    }
    facts = {"valid": valid, "status": status, "numeric": ~alpha, "numtext": numtext, "code": c["code"],
             "area": c["area"]}
    return _Bulk(text, missing, other), facts


#: SMSTurbo column <- Sage column, for the mapped fields.
_TARGET_FROM_SAGE: Final = {
    "CustomerName": "clnnme", "Address1": "addrs1", "Address2": "addrs2", "City": "ctynme", "State": "state_",
    "PostalCode": "zipcde", "Phone": "phnnum", "Fax": "faxnum", "CellPhone": "cllphn", "Email": "e_mail",
    "Contact": "contct",
}


def _copy_of_sage(sage: _Bulk, rows: Array) -> tuple[dict[str, Array], dict[str, Array]]:
    text = {target: sage.text[source][rows] for target, source in _TARGET_FROM_SAGE.items()}
    missing = {target: sage.missing[source][rows] for target, source in _TARGET_FROM_SAGE.items()}
    return text, missing


def _drift(rng: np.random.Generator, text: dict[str, Array], missing: dict[str, Array], area: Array) -> None:
    """What happened to customers in both systems: most identical, some changed in Sage since, some cosmetic."""
    n = len(area)
    kind: Array = rng.choice(6, size=n, p=[0.78, 0.07, 0.06, 0.02, 0.06, 0.01])

    def change(column: str, rows: Array, values: Array) -> None:
        text[column][rows] = values[rows]
        missing[column][rows] = False

    change("Address1", kind == 1, _address(rng, n))  # SMSTurbo still has the old address
    missing["Address2"][kind == 1] = True
    change("Phone", kind == 2, _phones(rng, area))  # ... or the old phone number
    change("Contact", kind == 3, _cat(_pick(rng, _FIRST_NAMES, n), " ", _pick(rng, _SURNAMES, n)))
    # Only whitespace, or NULL against empty: not a difference once values are normalised.
    how = np.where(kind == 4, rng.integers(0, 3, n), -1)
    pad_name = (how == 0) & ~missing["CustomerName"]
    pad_address = (how == 1) & ~missing["Address1"]
    text["CustomerName"][pad_name] = _cat(text["CustomerName"][pad_name], " ")
    text["Address1"][pad_address] = _cat(" ", text["Address1"][pad_address])
    rows = np.flatnonzero((how >= 0) & ~pad_name & ~pad_address)
    text["Address2"][rows] = np.where(missing["Address2"][rows], "", _cat(text["Address2"][rows], " "))
    missing["Address2"][rows] = False
    # Only letter case: a difference (the comparison is case-sensitive).
    shout = np.flatnonzero((kind == 5) & ~missing["CustomerName"])
    text["CustomerName"][shout] = _strings(np.strings.upper, text["CustomerName"][shout])


def smsturbo_bulk(rng: np.random.Generator, sage: _Bulk, facts: Columns) -> _Bulk:
    """Customers already in SMSTurbo: copies of Sage clients, hand-typed near-matches and strangers."""
    status, valid = facts["status"], facts["valid"]
    n = status.shape[0]
    shared = valid & (rng.random(n) < np.array([0.0, 0.05, 0.1, 0.7, 0.55, 0.25, 0.15])[status])
    near = valid & ~shared & ((status == 3) | (status == 4)) & ~sage.missing["clnnme"] & (rng.random(n) < 0.04)
    s_rows, n_rows = np.flatnonzero(shared), np.flatnonzero(near)

    s_text, s_missing = _copy_of_sage(sage, s_rows)
    _drift(rng, s_text, s_missing, facts["area"][s_rows])
    s_text["CustomerID"] = sage.text["recnum"][s_rows]

    # Typed in by hand before the migration, under another ID: a zero-padded number or a name code.
    m = n_rows.shape[0]
    n_text, n_missing = _copy_of_sage(sage, n_rows)
    shout = np.flatnonzero(rng.random(m) < 0.5)
    n_text["CustomerName"][shout] = _strings(np.strings.upper, n_text["CustomerName"][shout])
    n_missing["Email"] |= rng.random(m) < 0.3
    n_text["CustomerID"] = np.where(facts["numeric"][n_rows] & (rng.random(m) < 0.5),
                                    _cat("000", facts["numtext"][n_rows]),
                                    _cat(facts["code"][n_rows], "-", _digits(rng.integers(1, 100, m), 2)))

    # Customers with no counterpart in Sage at all (their code word is always a valid ID).
    c = _clients(rng, max(1, n // 80))
    keep = np.flatnonzero(c["code_ok"])
    k = keep.shape[0]
    o_text = {target: c[source][keep] for target, source in (
        ("CustomerName", "name"), ("Address1", "address1"), ("Address2", "address2"), ("City", "city"),
        ("State", "state"), ("PostalCode", "zip"), ("Phone", "phone"), ("Fax", "fax"),
        ("CellPhone", "mobile"), ("Email", "email"), ("Contact", "contact"))}
    o_text["CustomerID"] = _cat(c["code"][keep], "-", _digits(rng.integers(1, 100, k), 2))
    o_missing = {"Address2": ~c["has_address2"][keep], "Fax": rng.random(k) < 0.8,
                 "CellPhone": rng.random(k) < 0.4, "Email": rng.random(k) < 0.2, "Contact": c["person"][keep]}

    hand = "Entered by hand before the migration."
    parts = (
        (s_text, s_missing, np.full(s_rows.shape[0], "", dtype=object),
         rng.random(s_rows.shape[0]) >= np.where(status[s_rows] >= 4, 0.3, 0.01)),
        (n_text, n_missing, np.full(m, hand, dtype=object), np.ones(m, dtype=bool)),
        (o_text, o_missing, _pick(rng, ("", hand), k), np.ones(k, dtype=bool)),
    )
    text: dict[str, Array] = {}
    missing: dict[str, Array] = {}
    for name in ("CustomerID", *_TARGET_FROM_SAGE):
        text[name] = np.concatenate([part[0][name] for part in parts])
        missing[name] = np.concatenate([part[1].get(name, np.zeros(part[2].shape[0], dtype=bool))
                                        for part in parts])
    text["Notes"] = np.concatenate([part[2] for part in parts])
    missing["Notes"] = text["Notes"] == ""
    total = text["Notes"].shape[0]
    text["TaxCode"] = _pick(rng, ("CO-STD", "CO-DEN", "EXEMPT", "CO-BLD"), total, p=[0.7, 0.15, 0.05, 0.1])
    text["Terms"] = _pick(rng, _TERMS, total, p=[0.6, 0.15, 0.1, 0.05, 0.1])
    other: Columns = {
        "PriceLevel": rng.choice([1, 2, 3], size=total, p=[0.2, 0.6, 0.2]).astype(np.int64),
        "CreditLimit": rng.choice([2500.0, 5000.0, 10000.0, 25000.0, 50000.0], size=total,
                                  p=[0.2, 0.4, 0.25, 0.1, 0.05]),
        "Active": np.concatenate([part[3] for part in parts]).astype(np.int16),
    }
    return _Bulk(text, missing, other)


