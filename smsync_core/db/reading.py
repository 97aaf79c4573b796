"""Reading a mapped customer table: reflect it, check the mapping, select the mapped columns in batches.

Both adapters (Sage 100 clients and SMSTurbo customers) read through here, so the same checks and the same fast
column building apply on either side. The rows come through the database's Arrow driver where there is one
(:mod:`smsync_core.db.arrow`), else in batches from the DBAPI cursor; both give the same frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from smsync_core.config import TableMapping
from smsync_core.db.arrow import READS, read_columns
from smsync_core.db.connect import SIDE_NAMES, Side, database_errors
from smsync_core.errors import SchemaMismatch
from smsync_core.frames import COLUMN_TYPES, rows_to_columns, to_frame

BATCH_ROWS = 50_000

#: How each canonical field is typed when read.
FIELD_KINDS: dict[str, str] = {"status": "int", "inactive": "flag"}


def reflect_table(engine: Engine, mapping: TableMapping, side: Side) -> sa.Table:
    """The mapped table as the database describes it (names exactly as stored, lengths from the database)."""
    with database_errors(side, engine.url):
        try:
            return sa.Table(mapping.table, sa.MetaData(), schema=mapping.schema, autoload_with=engine)
        except sa.exc.NoSuchTableError:
            where = f"{mapping.schema}.{mapping.table}" if mapping.schema else mapping.table
            raise SchemaMismatch(
                f"The {SIDE_NAMES[side]} database has no table {where}; "
                f"set [{side}] table in smsync.toml to the customer table."
            ) from None


def mapped_columns(
    table: sa.Table, mapping: TableMapping, side: Side, optional: Sequence[str] = ()
) -> dict[str, sa.Column[Any]]:
    """Canonical field -> table column; a mapped column that does not exist is a :class:`SchemaMismatch`."""
    found: dict[str, sa.Column[Any]] = {}
    for field_name, column_name in mapping.columns.items():
        if column_name in table.c:
            found[field_name] = table.c[column_name]
        elif field_name not in optional:
            raise SchemaMismatch(
                f"The {SIDE_NAMES[side]} table {table.name} has no column {column_name} (mapped to "
                f"{field_name}); fix {side}.columns.{field_name} in smsync.toml."
            )
    return found


def _batches(result: sa.CursorResult[Any], driver_error: type[Exception]) -> Iterator[Sequence[Sequence[Any]]]:
    cursor = result.cursor  # the driver's own rows: no per-row SQLAlchemy objects on the hot path
    while True:
        try:
            rows = cursor.fetchmany(BATCH_ROWS)
        except driver_error as exc:  # raised past SQLAlchemy, which would have wrapped it for database_errors
            raise sa.exc.DBAPIError.instance(None, None, exc, driver_error) from exc
        if not rows:
            return
        yield rows


def read_mapped(
    engine: Engine, mapping: TableMapping, side: Side, fields: Sequence[str], optional: Sequence[str] = ()
) -> pd.DataFrame:
    """Read ``fields`` of the mapped table into a DataFrame; optional fields missing from the table are NA."""
    table = reflect_table(engine, mapping, side)
    columns = mapped_columns(table, mapping, side, optional)
    present = [f for f in fields if f in columns]
    kinds = [FIELD_KINDS.get(f, "text") for f in present]
    stmt = sa.select(*(columns[f].label(f) for f in present))
    fast = read_columns(engine, stmt, kinds) if present else None
    if fast is not None:
        read = dict(zip(present, fast, strict=True))
        del fast  # to_frame lets each column's chunks go as it combines them
        return to_frame(read)
    READS["dbapi"] += 1
    with database_errors(side, engine.url), engine.connect() as conn:
        result = conn.execute(stmt)
        try:
            chunks = rows_to_columns(_batches(result, conn.dialect.loaded_dbapi.Error), kinds)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:  # e.g. text in SQLite's status column
            numeric = ", ".join(mapping.columns[f] for f, k in zip(present, kinds, strict=True) if k != "text")
            raise SchemaMismatch(
                f"The {SIDE_NAMES[side]} table {table.name} holds a value that is not a whole number in a "
                f"number column ({numeric}): {exc}; correct the value in {SIDE_NAMES[side]} or the mapping "
                "in smsync.toml."
            ) from None
    arrays: dict[str, pa.ChunkedArray] = {}
    for i, f in enumerate(present):
        arrays[f] = pa.chunked_array(chunks[i], type=COLUMN_TYPES[kinds[i]])
    frame = to_frame(arrays) if arrays else pd.DataFrame()
    return frame
