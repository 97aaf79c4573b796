"""A client list exported from Sage 100 Contractor (CSV or Excel), for accountants who export instead of connect.

Headings may be the canonical field names, Sage's own words (the field descriptions ``Client#``, ``Long Name``,
``Address 1``, ``Phone 1``, ``Email 1``, ``Contact 1``... or the 3-6 window's ``Client Name``, ``Phone``,
``Cell Phone``, ``Email``, ``Contact``), the Sage column names, or headings mapped in ``smsync.toml``
(``[sage.columns] name = "Customer Long Name"``), which win. A compared field the file does not carry is
*unknown* (listed in the frame's ``attrs["unknown_fields"]``): never a difference, never written to SMSTurbo. A
status cell ``3-Current Customer`` reads as 3 (and names status 3). Files saved by Excel as CSV in the Windows
code page (cp1252) read as such. Values are kept as in the file but for trailing padding.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.errors import InputError
from smsync_core.frames import TEXT
from smsync_core.sources.canonical import canonical_clients

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
#: The client lists that are workbooks, whose sheet ``--sheet`` (``sage.sheet``) chooses.
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

LABELS: dict[str, str] = {
    "clientnumber": "customer_id",
    "client": "customer_id",
    "clientno": "customer_id",
    "clientid": "customer_id",
    "customerid": "customer_id",
    "clientname": "name",
    "longname": "name",
    "address1": "address1",
    "phone1": "phone",
    "fax1": "fax",
    "cell1": "mobile",
    "email1": "email",
    "contact1": "contact",
    "inactiverecord": "inactive",
    "shortname": "short_name",
    "address": "address1",
    "addressline1": "address1",
    "addressline2": "address2",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "postalcode": "postal_code",
    "phonenumber": "phone",
    "faxnumber": "fax",
    "cellphone": "mobile",
    "cell": "mobile",
    "mobilephone": "mobile",
    "emailaddress": "email",
    "contactname": "contact",
    "clientstatus": "status",
    "status": "status",
    "clintstatusref": "status",
    "clientstatusref": "status",
}


def is_client_list(location: str) -> bool:
    """True when a ``--sage`` value names an exported client list rather than a database URL."""
    text = location.removeprefix("file://")
    return "://" not in text and text.lower().endswith(SUFFIXES)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _header_map(headers: list[str], config: Config) -> dict[str, str]:
    lookup = {_key(f): f for f in schema.FIELDS}
    lookup.update(LABELS)
    lookup.update({_key(column): f for f, column in config.sage.columns.items()})  # the user's mapping wins
    found: dict[str, str] = {}
    for header in headers:
        field_name = lookup.get(_key(header))
        if field_name and field_name not in found.values():
            found[header] = field_name
    return found


def _encoding(location: Path) -> str:
    """UTF-8 (with or without its byte order mark), else the Windows code page Excel's plain "CSV" is saved in."""
    try:
        location.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _check_fields(location: Path, encoding: str = "utf-8-sig") -> None:
    """Every record has as many fields as the header (pandas would silently pad short rows, or take an extra
    field as an index column)."""
    with location.open(encoding=encoding, newline="") as handle:
        records = csv.reader(handle)
        header = next(records, [])
        for record in records:
            if record and len(record) != len(header):
                raise InputError(
                    f"The client list {location} has a row with {len(record)} fields where its header has "
                    f"{len(header)} (line {records.line_num}); export it again."
                )


#: The first bytes of an OLE2 compound file: an Excel 97-2003 workbook, or an .xlsx encrypted with a password.
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def _check_workbook(location: Path) -> None:
    """Refuse, in one sentence, the workbooks smsync cannot read: the old .xls format and password-protected ones."""
    with location.open("rb") as handle:
        start = handle.read(len(_OLE2))
    if start != _OLE2:
        return
    if location.suffix.lower() == ".xls":
        raise InputError(
            f"The client list {location} is an Excel 97-2003 workbook (.xls), which smsync does not read; open it "
            "in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8, then run smsync again."
        )
    raise InputError(
        f"The client list {location} is protected with a password, so it cannot be read; open it in Excel, "
        "remove the password (File > Info > Protect Workbook) and save it, or save it as CSV UTF-8."
    )


def _read_workbook(location: Path, sheet: str | None) -> tuple[pd.DataFrame, str | None, tuple[str, str]]:
    """The chosen sheet of a workbook (``sheet``, else the first); when it has several sheets and none was chosen,
    a note saying which one was read; and, when it has several, the words an error about its headings needs. A
    sheet it does not have is an :class:`InputError` listing its own."""
    with pd.ExcelFile(location) as book:
        names = [str(name) for name in book.sheet_names]
        listing = ", ".join(repr(name) for name in names)
        if sheet is not None and sheet not in names:
            same = [name for name in names if name.casefold() == sheet.casefold()]
            if len(same) != 1:
                raise InputError(f"The client list {location} has no sheet {sheet!r} (its sheets: {listing}); "
                                 "name one of them with --sheet (or sage.sheet in smsync.toml).")
            sheet = same[0]
        chosen = names[0] if sheet is None else sheet
        raw = book.parse(chosen, dtype=str, keep_default_na=False, na_values=[""])
    if len(names) == 1:
        return raw, None, ("", "")
    place = (f" in its sheet {chosen!r}",
             f", or pass --sheet NAME if the clients are on another of its sheets ({listing})")
    if sheet is not None:
        return raw, None, place
    return raw, (f"The client list {location.name} has {len(names)} sheets ({listing}) and smsync read the first, "
                 f"{chosen!r}; to read another, pass --sheet NAME (or set sage.sheet in smsync.toml)."), place


def read_clients(path: str | Path, config: Config) -> pd.DataFrame:
    """The exported client list as the canonical Sage frame (of an Excel workbook, the sheet ``config.sage.sheet``
    names, else the first, with a note in ``attrs["notes"]`` when there were others)."""
    location = Path(str(path).removeprefix("file://"))
    if not location.is_file():
        raise InputError(f"The client list {location} does not exist; export it from Sage 100 or fix the path.")
    sheet_note, place = None, ("", "")
    try:
        if location.suffix.lower() in (".csv", ".txt"):
            encoding = _encoding(location)
            _check_fields(location, encoding)
            raw = pd.read_csv(
                location,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                encoding=encoding,
                on_bad_lines="error",
            )
        else:
            _check_workbook(location)
            raw, sheet_note, place = _read_workbook(location, config.sage.sheet)
    except UnicodeDecodeError:
        raise InputError(f"The client list {location} is not text in UTF-8 or the Windows code page; export it "
                         "again from Sage 100 as 'CSV UTF-8'.") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(
            f"The client list {location} has rows with more fields than its header ({exc}); export it again."
        ) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"The client list {location} cannot be read ({exc}); export it again.") from None
    headers = _header_map([str(h) for h in raw.columns], config)
    for needed, words in (("customer_id", "Client Number (Client#)"), ("name", "client name (Client Name/Long Name)")):
        if needed not in headers.values():
            found = ", ".join(repr(str(h)) for h in raw.columns) or "none"
            raise InputError(
                f"The client list {location} has no {words} column{place[0]} (its headings: {found}); include it when "
                f"exporting from Sage 100 or map its heading as sage.columns.{needed} in smsync.toml{place[1]}."
            )
    frame = raw[list(headers)].rename(columns=headers)
    for name in frame.columns:
        frame[name] = frame[name].astype(TEXT)
    names: dict[int, str] = {}
    if "status" in frame:
        parts = frame["status"].str.extract(r"^\s*(\d+)\s*(?:-\s*(.*?)\s*)?$")
        frame["status"] = pd.to_numeric(parts[0], errors="coerce").astype("Int64")
        named = pd.DataFrame({"n": frame["status"], "name": parts[1]}).dropna().drop_duplicates("n")
        names = {int(n): str(name) for n, name in named.itertuples(index=False) if str(name)}
    if "inactive" in frame:
        flags = frame["inactive"].fillna("").str.strip().str.lower()
        frame["inactive"] = flags.isin(["1", "y", "yes", "true", "x", "inactive", "-1"]).astype(bool)
    clients = canonical_clients(frame)
    clients.attrs["unknown_fields"] = tuple(f for f in schema.COMPARED_FIELDS if f not in frame.columns)
    clients.attrs["status_names"] = names
    if "inactive" not in frame:
        clients.attrs["notes"] = (
            f"The client list {location.name} has no Inactive column: only the status can mark clients inactive "
            "here; export the Inactive column too if clients are made inactive with Edit > Inactive Record.",
        )
    if sheet_note:
        clients.attrs["notes"] = (sheet_note, *clients.attrs.get("notes", ()))
    return clients


class ClientListFile:
    """A client list Sage 100 Contractor exported (CSV or Excel), standing in for the database."""

    title = "the exported client list"
    database = False

    def handles(self, location: str) -> bool:
        return is_client_list(location)

    def read_clients(self, location: str, engine: Callable[[], Engine], config: Config) -> pd.DataFrame:
        return read_clients(location, config)

    def status_names(self, location: str, engine: Callable[[], Engine], config: Config) -> dict[int, str]:
        """The names status cells like ``7-Collections Hold`` carry."""
        names: dict[int, str] = read_clients(location, config).attrs.get("status_names", {})
        return names


SOURCE = ClientListFile()
