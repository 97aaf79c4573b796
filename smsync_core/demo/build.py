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
from sqlalchemy.schema import CreateTable

from smsync_core.demo.generate import SD, sage_bulk, smsturbo_bulk, word_array
from smsync_core.demo.story import SAGE_STORY, SMSTURBO_STORY
from smsync_core.errors import UsageError
from smsync_core.sources.sage100 import EXTRA_COLUMNS, sage_table, status_table
from smsync_core.targets.smsturbo import smsturbo_table

Array: TypeAlias = npt.NDArray[Any]
Columns: TypeAlias = dict[str, Array]
RecnumType: TypeAlias = Literal["text", "int"]

_SQLITE_BATCH: Final = 20_000
_SQLALCHEMY_BATCH: Final = 5_000


@dataclass(frozen=True)
class DemoPaths:
    """Where :func:`build_demo` wrote the two SQLite databases."""

    sage: Path
    smsturbo: Path

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
        values[present] = np.char.ljust(values[present].astype(str), width).astype(object)
        out[name] = values
    return out


def minimum_clients() -> int:
    """The smallest ``clients`` a demo can have: the story's own Sage rows."""
    return len(SAGE_STORY)


def _generate(clients: int, seed: int) -> tuple[Columns, Columns]:
    """Both tables as columns: the story rows first, then the bulk (Sage clients in Client Number order)."""
    if clients < minimum_clients():
        raise UsageError(f"The demo needs at least {minimum_clients()} clients to tell its story; ask for more.")
    if seed < 0:
        raise UsageError("The demo seed must be zero or a positive whole number; choose another seed.")
    metadata = sa.MetaData()
    rng = np.random.Generator(np.random.PCG64([seed, 0x5A6E]))
    bulk, facts = sage_bulk(rng, clients - len(SAGE_STORY), first_number=1021)
    sage = _real_sage(_table_columns(sage_table(metadata), SAGE_STORY, bulk.columns()))
    target = _table_columns(smsturbo_table(metadata), SMSTURBO_STORY, smsturbo_bulk(rng, bulk, facts).columns())
    # One row per CustomerID: an ID typed by hand may repeat another one.
    unique = ~pd.Series(target["CustomerID"], dtype=object).duplicated().to_numpy()
    return sage, {name: values[unique] for name, values in target.items()}


def _with_int_recnum(sage: Columns) -> Columns:
    """Only the clients whose Client Number is a plain number, with ``recnum`` as integers."""
    recnum = sage["recnum"].astype(SD)
    keep = (np.strings.str_len(recnum) > 0) & (np.strings.lstrip(recnum, "0123456789") == "")
    out = {name: values[keep] for name, values in sage.items()}
    out["recnum"] = recnum[keep].astype(np.int64)
    return out


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


def demo_frames(clients: int = 300, seed: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw rows of both demo tables, with the real column names.

    Returns
    -------
    (sage, smsturbo)
        Sage ``reccln`` rows (story rows first) and SMSTurbo ``Customer`` rows (``ZZDEFAULT`` included, sorted
        by ``CustomerID``). Text columns are ``string[pyarrow]`` with ``<NA>`` for NULL.
    """
    sage, target = _generate(clients, seed)
    metadata = sa.MetaData()
    return _frame(sage_table(metadata), sage), _frame(smsturbo_table(metadata), target)


# -- writing ------------------------------------------------------------------------------------------------------


def _batches(table: sa.Table, columns: Columns, size: int, *, iso_dates: bool) -> Iterator[Iterator[tuple[Any, ...]]]:
    """Rows as tuples, ``size`` at a time; dates as ISO text when the driver has no date type."""
    names = [c.name for c in table.columns]
    total = columns[names[0]].shape[0]
    for start in range(0, total, size):
        parts = []
        for name in names:
            values = columns[name][start : start + size]
            if iso_dates and values.dtype.kind == "M":
                values = np.datetime_as_string(values, unit="D")
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
    recnum_type: RecnumType = "text",
) -> DemoPaths:
    """Write the demo as two SQLite files, ``directory/sage.db`` and ``directory/smsturbo.db``.

    Parameters
    ----------
    directory
        Created if needed.
    clients, seed
        Number of Sage client rows and the seed; the same pair always gives the same rows.
    overwrite
        Replace existing files; when false an existing file is an error.
    recnum_type
        ``"int"`` writes a numeric Client Number column and leaves out the clients whose number is not one.
    """
    directory = Path(directory)
    paths = DemoPaths(directory / "sage.db", directory / "smsturbo.db")
    if not overwrite and (paths.sage.exists() or paths.smsturbo.exists()):
        raise UsageError(f"Demo databases already exist in {directory}; remove them or allow overwriting.")
    sage, target = _generate(clients, seed)
    if recnum_type == "int":
        sage = _with_int_recnum(sage)
    directory.mkdir(parents=True, exist_ok=True)
    metadata = sa.MetaData()
    _sqlite_file(paths.sage, sage_table(metadata, recnum_type=recnum_type), sage)
    _sqlite_file(paths.smsturbo, smsturbo_table(metadata), target)
    _add_statuses(sa.create_engine(f"sqlite:///{paths.sage}"), None)
    return paths


def _add_statuses(engine: sa.engine.Engine, schema: str | None) -> None:
    """Write the company's ``clnsts`` (its status list, status 7 only this company has)."""
    table = status_table(sa.MetaData(), schema=schema)
    try:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
            table.create(connection)
            connection.execute(table.insert(), [{"recnum": n, "stsnme": name} for n, name in DEMO_STATUSES])
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
    recnum_type: RecnumType = "text",
    sage_schema: str | None = None,
    smsturbo_schema: str | None = None,
    overwrite: bool = False,
) -> None:
    """Create both demo tables and load them through SQLAlchemy, on any database.

    One transaction per database, rows inserted in batches. The rows are those of :func:`build_demo` with
    the same arguments. An existing ``reccln`` or ``Customer`` table is an error unless ``overwrite`` is true,
    in which case it is dropped first.
    """
    sage, target = _generate(clients, seed)
    if recnum_type == "int":
        sage = _with_int_recnum(sage)
    metadata = sa.MetaData()
    _load(sage_url, sage_table(metadata, schema=sage_schema, recnum_type=recnum_type), sage, overwrite)
    _load(smsturbo_url, smsturbo_table(metadata, schema=smsturbo_schema), target, overwrite)
    _add_statuses(sa.create_engine(sage_url), sage_schema)


def story_ids() -> Mapping[str, tuple[str, ...]]:
    """The Client Numbers and Customer IDs the story rows use, by role (for tests, docs and screenshots)."""
    return {
        "inactive": ("SMITHJ", "1020"),
        "inactive_flag": ("1014",),
        "invalid": ("acme01", "SMITH J", "O'BRIEN", "A&B.PAVING", "MÜLLER", "CONCRETESUPPLY-NORTH", "   "),
        "duplicate": ("HOLLOWAY",),
        "missing_address": ("1008",),
        "missing_phone": ("1009",),
        "missing_contact": ("1010",),
        "missing_name": ("1011",),
        "name_too_long": ("1012",),
        "different": ("1002", "1003", "1006", "1018"),
        "whitespace_only": ("1004", "1007"),
        "identical": ("1001", "1015"),
        "smsturbo_only": ("0001005", "ACMEPAVING", "SMITH-01", "WALKIN", "PEAKVIEW-HOA", "GOLDENRENTALS"),
    }
