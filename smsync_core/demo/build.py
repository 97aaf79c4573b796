"""Both demo tables assembled from the story and the bulk, and written to SQLite files or to a server."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from smsync_core.demo.generate import SD, sage_bulk, smsturbo_bulk, word_array
from smsync_core.demo.story import CONTACTS_IN_CLNCNT, OTHER_CONTACTS, SAGE_STORY, SMSTURBO_STORY, STORY_NUMBERS
from smsync_core.errors import UsageError
from smsync_core.outputs import write_csv, write_xlsx
from smsync_core.sources.sage100 import EXTRA_COLUMNS, contacts_table, sage_table, status_table
from smsync_core.targets.smsturbo import smsturbo_table

Array: TypeAlias = npt.NDArray[Any]
Columns: TypeAlias = dict[str, Array]
RecnumType: TypeAlias = Literal["text", "int"]

_SQLITE_BATCH: Final = 20_000
_SQLALCHEMY_BATCH: Final = 5_000


@dataclass(frozen=True)
class DemoPaths:
    """Where :func:`build_demo` wrote the two SQLite databases (and, beside them, the exported client list)."""

    sage: Path
    smsturbo: Path

    @property
    def client_list(self) -> Path:
        """The company's exported client list as CSV (Sage's headings): where the ID rules find something."""
        return self.sage.with_name(CLIENT_LIST + ".csv")

    @property
    def client_list_xlsx(self) -> Path:
        """The same list as an Excel workbook."""
        return self.sage.with_name(CLIENT_LIST + ".xlsx")

    @property
    def sage_url(self) -> str:
        """SQLAlchemy URL of the Sage 100 Contractor demo company."""
        return "sqlite:///" + str(self.sage.resolve())

    @property
    def smsturbo_url(self) -> str:
        """SQLAlchemy URL of the SMSTurbo demo database."""
        return "sqlite:///" + str(self.smsturbo.resolve())


# -- assembling both tables ---------------------------------------------------------------------------------------


def _typed(column: sa.Column[Any], values: Sequence[Any]) -> Array:
    if isinstance(column.type, sa.String):
        return word_array(values)
    if isinstance(column.type, sa.Date):
        return np.array(values, dtype="datetime64[D]")
    if isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Integer):
        return np.array(values, dtype=np.float64)
    return np.array(values, dtype=np.int16 if isinstance(column.type, sa.SmallInteger) else np.int64)


def _table_columns(table: sa.Table, story: Sequence[tuple[Any, ...]], bulk: Columns) -> Columns:
    """The story rows followed by the bulk, one array per column of ``table`` (the Sage audit columns apart)."""
    return {
        column.name: np.concatenate([_typed(column, [row[position] for row in story]), bulk[column.name]])
        for position, column in enumerate(table.columns)
        if column.name not in EXTRA_COLUMNS
    }


#: The company's own client status list: Sage's default six, and one only this company has.
DEMO_STATUSES: Final = (
    (1, "Contact"), (2, "Prospect"), (3, "Current Customer"), (4, "Customer 2-5 Years Ago"),
    (5, "Customer 6-10 Years Ago"), (6, "Do Not Accept Contract Again"), (7, "Collections Hold"),
)


def _real_sage(sage: Columns) -> Columns:
    """The columns a real ``reccln`` has beyond the story's (tax district, ``_idnum``, who and when inserted and
    updated), and legacy right-padding on every 23rd bulk client's city and contact, as data converted from the
    pre-SQL versions has. Whole columns."""
    n = len(sage["recnum"])
    rows = np.arange(n, dtype=np.int64)
    hexes = np.char.zfill(np.char.mod("%x", rows + 0x5A6E0000), 12)
    out = dict(sage)
    out["taxdst"] = np.ones(n, dtype=np.int64)
    out["_idnum"] = np.char.add("6f1c2a3e-0b7d-4c1a-9e2f-", hexes).astype(object)
    stamp = np.datetime64("2019-01-07T08:30:00") + rows.astype("timedelta64[m]")
    out["insdte"], out["upddte"] = stamp, stamp + np.timedelta64(1, "D")
    out["insusr"] = np.full(n, "ADMIN", dtype=object)
    out["updusr"] = np.full(n, "ADMIN", dtype=object)
    padded = (rows >= len(SAGE_STORY)) & (rows % 23 == 5)
    for name, width in (("ctynme", 50), ("contct", 50)):
        values = out[name].copy()
        present = padded & np.array([v is not None for v in values], dtype=bool)
        if present.any():  # a demo of the story alone has no bulk client to pad
            values[present] = np.char.ljust(values[present].astype(str), width).astype(object)
        out[name] = values
    return out


#: ``reccln``'s contact columns and the ``clncnt`` columns that hold the same details.
_CONTACT_COLUMNS: Final = (("contct", "cntnme"), ("phnnum", "phnnum"), ("e_mail", "e_mail"), ("cllphn", "cllphn"))


def _contacts_moved(sage: Columns) -> tuple[Columns, list[dict[str, Any]]]:
    """The company's ``clncnt`` rows; the story clients whose details live only there get blank ``reccln`` contact
    columns (their primary contact holds them), the others keep theirs."""
    rows = {row[1]: position for position, row in enumerate(SAGE_STORY)}
    out = dict(sage)
    contacts: list[dict[str, Any]] = []
    for name in CONTACTS_IN_CLNCNT:
        at = rows[name]
        contacts.append({"_idref": sage["_idnum"][at], "linnum": 1, "jobttl": "Owner",
                         **{theirs: sage[ours][at] for ours, theirs in _CONTACT_COLUMNS}})
    for name, line, *details in OTHER_CONTACTS:
        contacts.append({"_idref": sage["_idnum"][rows[name]], "linnum": line, "jobttl": None,
                         **{theirs: value for (_, theirs), value in zip(_CONTACT_COLUMNS, details, strict=True)}})
    for ours, _ in _CONTACT_COLUMNS:
        values = out[ours].copy()
        values[[rows[name] for name in CONTACTS_IN_CLNCNT]] = None
        out[ours] = values
    for number, contact in enumerate(contacts):
        contact["_idnum"] = f"0c4d1e2f-5a6b-4c7d-8e9f-{number:012x}"
    return out, contacts


def minimum_clients() -> int:
    """The smallest ``clients`` a demo can have: the story's own Sage rows."""
    return len(SAGE_STORY)


def _story(recnum_type: RecnumType) -> tuple[tuple[Any, ...], ...]:
    """The story's Sage rows; in a company with numeric Client Numbers, each with its number."""
    if recnum_type == "text":
        return SAGE_STORY
    return tuple((str(number), *row[1:]) for number, row in zip(STORY_NUMBERS, SAGE_STORY, strict=True))


def _generate(
    clients: int, seed: int, recnum_type: RecnumType = "int"
) -> tuple[Columns, Columns, list[dict[str, Any]]]:
    """Both tables as columns: the story rows first, then the bulk (Sage clients in Client Number order); and the
    company's client contacts (``clncnt`` rows).

    With numeric Client Numbers (a real company's bigint ``recnum``) every client has its number: the bulk's
    lettered, invalid and duplicated IDs are the text variant's (``recnum_type="text"``), kept for tests."""
    if clients < minimum_clients():
        raise UsageError(f"The demo needs at least {minimum_clients()} clients to tell its story; ask for more.")
    if seed < 0:
        raise UsageError("The demo seed must be zero or a positive whole number; choose another seed.")
    metadata = sa.MetaData()
    rng = np.random.Generator(np.random.PCG64([seed, 0x5A6E]))
    bulk, facts = sage_bulk(rng, clients - len(SAGE_STORY), first_number=1021)
    if recnum_type == "int":
        bulk.text["recnum"] = facts["numtext"]  # customers in both systems then carry the number too
    sage, contacts = _contacts_moved(_real_sage(_table_columns(sage_table(metadata), _story(recnum_type),
                                                               bulk.columns())))
    if recnum_type == "int":
        sage["recnum"] = sage["recnum"].astype(SD).astype(np.int64)
    target = _table_columns(smsturbo_table(metadata), SMSTURBO_STORY, smsturbo_bulk(rng, bulk, facts).columns())
    # One row per CustomerID: an ID typed by hand may repeat another one.
    unique = ~pd.Series(target["CustomerID"], dtype=object).duplicated().to_numpy()
    return sage, {name: values[unique] for name, values in target.items()}, contacts


def _frame(table: sa.Table, columns: Columns) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for column in table.columns:
        values = columns[column.name]
        if isinstance(column.type, sa.String):
            data[column.name] = pd.array(values, dtype="string[pyarrow]")
        elif isinstance(column.type, sa.Date):
            data[column.name] = values.astype("datetime64[s]")
        else:
            data[column.name] = values
    return pd.DataFrame(data)


def demo_frames(
    clients: int = 300, seed: int = 100, *, recnum_type: RecnumType = "int"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw rows of both demo tables, with the real column names (``recnum`` int64 unless ``recnum_type="text"``).

    Returns
    -------
    (sage, smsturbo)
        Sage ``reccln`` rows (story rows first) and SMSTurbo ``Customer`` rows (``ZZDEFAULT`` included, sorted
        by ``CustomerID``). Text columns are ``string[pyarrow]`` with ``<NA>`` for NULL.
    """
    sage, target, _ = _generate(clients, seed, recnum_type)
    metadata = sa.MetaData()
    return _frame(sage_table(metadata, recnum_type=recnum_type), sage), _frame(smsturbo_table(metadata), target)


# -- writing ------------------------------------------------------------------------------------------------------


def _batches(table: sa.Table, columns: Columns, size: int, *, iso_dates: bool) -> Iterator[Iterator[tuple[Any, ...]]]:
    """Rows as tuples, ``size`` at a time; dates as ISO text when the driver has no date type."""
    names = [c.name for c in table.columns]
    total = columns[names[0]].shape[0]
    for start in range(0, total, size):
        parts = []
        for name in names:
            values = columns[name][start : start + size]
            if iso_dates and values.dtype == np.dtype("datetime64[D]"):
                values = np.datetime_as_string(values, unit="D")
            elif iso_dates and values.dtype.kind == "M":  # as SQLAlchemy's SQLite DateTime writes it
                values = np.char.replace(np.datetime_as_string(values.astype("datetime64[us]"), unit="us"), "T", " ")
            parts.append(values.tolist())
        yield zip(*parts, strict=True)


def _sqlite_file(path: Path, table: sa.Table, columns: Columns) -> None:
    """Write one table into a fresh SQLite file: journal off during the load, then a normal database."""
    scratch = path.with_name(path.name + ".building")
    scratch.unlink(missing_ok=True)
    names = [c.name for c in table.columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    insert = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    connection = sqlite3.connect(scratch, isolation_level=None)
    try:
        for pragma in ("page_size = 16384", "journal_mode = OFF", "synchronous = OFF", "cache_size = -262144",
                       "locking_mode = EXCLUSIVE"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute(str(CreateTable(table).compile(dialect=sqlite_dialect.dialect())))
        connection.execute("BEGIN")
        for rows in _batches(table, columns, _SQLITE_BATCH, iso_dates=True):
            connection.executemany(insert, rows)
        for index in sorted(table.indexes, key=lambda i: str(i.name)):  # after the rows: one sort, not a tree grown
            connection.execute(str(CreateIndex(index).compile(dialect=sqlite_dialect.dialect())))
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()
    for leftover in ("-journal", "-wal", "-shm"):
        path.with_name(path.name + leftover).unlink(missing_ok=True)
    os.replace(scratch, path)


def build_demo(
    directory: Path,
    clients: int = 300,
    seed: int = 100,
    *,
    overwrite: bool = True,
    recnum_type: RecnumType = "int",
) -> DemoPaths:
    """Write the demo as two SQLite files, ``directory/sage.db`` and ``directory/smsturbo.db``, and the company's
    exported client list beside them (``clients.csv`` and ``clients.xlsx``, Sage's headings, the story's clients
    under the IDs a hand-kept list has: letters, spaces, duplicates, which the ID rules find).

    Parameters
    ----------
    directory
        Created if needed.
    clients, seed
        Number of Sage client rows and the seed; the same pair always gives the same rows.
    overwrite
        Replace existing files; when false an existing file is an error.
    recnum_type
        ``"int"`` (a real company's bigint Client Numbers); ``"text"`` stores the text IDs a real company cannot
        hold (letters, duplicates), for tests of the ID rules on a database.
    """
    directory = Path(directory)
    paths = DemoPaths(directory / "sage.db", directory / "smsturbo.db")
    if not overwrite and (paths.sage.exists() or paths.smsturbo.exists()):
        raise UsageError(f"Demo databases already exist in {directory}; remove them or allow overwriting.")
    sage, target, contacts = _generate(clients, seed, recnum_type)
    directory.mkdir(parents=True, exist_ok=True)
    metadata = sa.MetaData()
    _sqlite_file(paths.sage, sage_table(metadata, recnum_type=recnum_type), sage)
    _sqlite_file(paths.smsturbo, smsturbo_table(metadata), target)
    _add_company_lists(sa.create_engine(f"sqlite:///{paths.sage}"), None, contacts)
    write_client_list(paths.client_list, paths.client_list_xlsx)
    return paths


#: The exported client list's file name (without suffix), beside the demo databases.
CLIENT_LIST: Final = "clients"
#: Sage 100 Contractor's field descriptions, as its export writes them, and the story columns they hold.
_LIST_HEADINGS: Final = (
    ("Client#", 0), ("Long Name", 1), ("Short Name", 2), ("Address 1", 3), ("Address 2", 4), ("City", 5),
    ("State", 6), ("Zip", 7), ("Phone 1", 8), ("Fax 1", 9), ("Cell 1", 10), ("Email 1", 11), ("Contact 1", 12),
    ("Status", 13), ("Inactive", 14),
)


def client_list_frame() -> pd.DataFrame:
    """The demo company's exported client list: the story's clients with the IDs a hand-kept list holds."""
    names = dict(DEMO_STATUSES)
    data: dict[str, list[Any]] = {}
    for heading, position in _LIST_HEADINGS:
        values = [row[position] for row in SAGE_STORY]
        if heading == "Status":
            values = [f"{v}-{names[v]}" for v in values]
        elif heading == "Inactive":
            values = ["Yes" if v else "No" for v in values]
        data[heading] = values
    return pd.DataFrame(data, dtype=object)


def write_client_list(csv_path: Path, xlsx_path: Path) -> None:
    """Write the exported client list as CSV and as Excel (small and constant: the story's rows)."""
    frame = client_list_frame()
    write_csv(frame, csv_path)
    write_xlsx({"Clients": frame}, xlsx_path)


def _add_company_lists(engine: sa.engine.Engine, schema: str | None, contacts: Sequence[Mapping[str, Any]]) -> None:
    """Write the company's ``clnsts`` (its status list, status 7 only this company has) and ``clncnt`` (the
    client contacts)."""
    metadata = sa.MetaData()
    tables = ((status_table(metadata, schema=schema), [{"recnum": n, "stsnme": name} for n, name in DEMO_STATUSES]),
              (contacts_table(metadata, schema=schema), list(contacts)))
    try:
        with engine.begin() as connection:
            for table, rows in tables:
                table.drop(connection, checkfirst=True)
                table.create(connection)
                connection.execute(table.insert(), rows)
    finally:
        engine.dispose()


def _load(url: str, table: sa.Table, columns: Columns, overwrite: bool) -> None:
    engine = sa.create_engine(url)
    names = [c.name for c in table.columns]
    try:
        with engine.begin() as connection:
            if sa.inspect(connection).has_table(table.name, schema=table.schema):
                if not overwrite:
                    raise UsageError(
                        f"Table {table.name} already exists in the database; use another database or allow "
                        "overwriting."
                    )
                table.drop(connection)
            table.create(connection)
            for rows in _batches(table, columns, _SQLALCHEMY_BATCH, iso_dates=False):
                connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
    finally:
        engine.dispose()


def write_demo(
    sage_url: str,
    smsturbo_url: str,
    clients: int = 300,
    seed: int = 100,
    *,
    recnum_type: RecnumType = "int",
    sage_schema: str | None = None,
    smsturbo_schema: str | None = None,
    overwrite: bool = False,
) -> None:
    """Create both demo tables and load them through SQLAlchemy, on any database.

    One transaction per database, rows inserted in batches. The rows are those of :func:`build_demo` with
    the same arguments. An existing ``reccln`` or ``Customer`` table is an error unless ``overwrite`` is true,
    in which case it is dropped first.
    """
    sage, target, contacts = _generate(clients, seed, recnum_type)
    metadata = sa.MetaData()
    _load(sage_url, sage_table(metadata, schema=sage_schema, recnum_type=recnum_type), sage, overwrite)
    _load(smsturbo_url, smsturbo_table(metadata, schema=smsturbo_schema), target, overwrite)
    _add_company_lists(sa.create_engine(sage_url), sage_schema, contacts)


def story_ids(recnum_type: RecnumType = "int") -> Mapping[str, tuple[str, ...]]:
    """The Client Numbers and Customer IDs the story rows use, by role (for tests, docs and screenshots).

    With numeric Client Numbers (the default) the roles ``invalid`` and ``duplicate`` are those of the exported
    client list (``clients.csv``), not of the database; ``renumbered`` are the numbers those clients have there.
    """
    numbers = dict(zip((row[1] for row in SAGE_STORY), map(str, STORY_NUMBERS), strict=True))
    text = recnum_type == "text"
    return {
        "inactive": ("SMITHJ" if text else numbers["Julie Smith"], "1020"),
        "inactive_flag": ("1014",),
        "invalid": ("acme01", "SMITH J", "O'BRIEN", "A&B.PAVING", "MÜLLER", "CONCRETESUPPLY-NORTH", "   "),
        "duplicate": ("HOLLOWAY",),
        "renumbered": () if text else tuple(numbers[row[1]] for row in SAGE_STORY if not row[0].isdigit()),
        "own_status": ("1016",),
        "missing_address": ("1008",),
        "missing_phone": ("1009",),
        "missing_contact": ("1010",),
        "contact_in_clncnt": tuple(numbers[name] for name in CONTACTS_IN_CLNCNT),
        "missing_name": ("1011",),
        "address_too_long": ("1012",),
        "different": ("1002", "1003", "1006", "1018"),
        "whitespace_only": ("1004", "1007"),
        "identical": ("1001", "1015"),
        "smsturbo_only": ("0001005", "ACMEPAVING", "SMITH-01", "WALKIN", "PEAKVIEW-HOA", "GOLDENRENTALS"),
    }
