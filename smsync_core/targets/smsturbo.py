"""SMSTurbo: the ``Customer`` table (read, column lengths, the ``ZZDEFAULT`` template row)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from smsync_core import reading, schema
from smsync_core.config import Config

TARGET_FIELDS = ("customer_id", *schema.COMPARED_FIELDS)


def reflect_table(engine: Engine, config: Config) -> sa.Table:
    """The SMSTurbo customer table as the database describes it."""
    return reading.reflect_table(engine, config.smsturbo, "smsturbo")


def read_customers(engine: Engine, config: Config) -> pd.DataFrame:
    """Every SMSTurbo customer but the ``ZZDEFAULT`` template, with the mapped fields."""
    fields = [f for f in TARGET_FIELDS if f in config.smsturbo.columns]
    frame = reading.read_mapped(engine, config.smsturbo, "smsturbo", fields)
    frame = frame[frame["customer_id"] != schema.TEMPLATE_ID].reset_index(drop=True)
    return frame


def column_lengths(engine: Engine, config: Config) -> dict[str, int | None]:
    """Canonical field -> the target column's maximum length as the database reports it (None: unbounded)."""
    table = reflect_table(engine, config)
    columns = reading.mapped_columns(table, config.smsturbo, "smsturbo")
    return {f: getattr(column.type, "length", None) for f, column in columns.items()}


def template_row(connection: Connection, config: Config, table: sa.Table | None = None) -> dict[str, Any] | None:
    """The ``ZZDEFAULT`` row (column name -> value), or None when SMSTurbo has no template customer."""
    table = table if table is not None else reading.reflect_table(connection.engine, config.smsturbo, "smsturbo")
    key = table.c[config.smsturbo.columns["customer_id"]]
    rows = connection.execute(sa.select(table).where(key == schema.TEMPLATE_ID)).mappings().all()
    exact = [dict(r) for r in rows if r[key.name] == schema.TEMPLATE_ID]  # exact even on case-blind collations
    return exact[0] if exact else None
