"""SMSTurbo: the ``Customer`` table (read, column lengths, the ``ZZDEFAULT`` template row)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from smsync_core import schema
from smsync_core.audit.changes import same_value
from smsync_core.config import Config
from smsync_core.db import reading
from smsync_core.db.dialects import dialect_of
from smsync_core.schema import SMSTURBO_TABLE

TARGET_FIELDS = ("customer_id", *schema.COMPARED_FIELDS)


def reflect_table(engine: Engine, config: Config) -> sa.Table:
    """The SMSTurbo customer table as the database describes it."""
    return reading.reflect_table(engine, config.smsturbo, "smsturbo")


def read_customers(engine: Engine, config: Config) -> pd.DataFrame:
    """Every SMSTurbo customer but the ``ZZDEFAULT`` template, with the mapped fields."""
    fields = [f for f in TARGET_FIELDS if f in config.smsturbo.columns]
    frame = reading.read_mapped(engine, config.smsturbo, "smsturbo", fields)
    return _without_template(frame)


def _without_template(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the ``ZZDEFAULT`` rows (nor rows without a Customer ID), index 0..n-1.

    The template is usually the first row (or the last): a slice of the frame then, not a copy of every column
    (measured at 1,000,000 clients: 0.16 -> 0.004 s CPU).
    """
    keep = (frame["customer_id"] != schema.TEMPLATE_ID).fillna(False).to_numpy(dtype=bool)
    dropped = np.flatnonzero(~keep)
    kept = len(keep) - len(dropped)
    if len(dropped) == 0 or (dropped == np.arange(len(dropped))).all():
        sliced = frame.iloc[len(dropped):]  # what is dropped is a first run of rows
    elif (dropped == np.arange(kept, len(keep))).all():
        sliced = frame.iloc[:kept]  # a last run
    else:
        sliced = frame[keep]
    return sliced.reset_index(drop=True)


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


@dataclass(frozen=True)
class Shape:
    """What a plan relies on in SMSTurbo: the columns it writes, and the ``ZZDEFAULT`` row its new customers copy.

    ``template`` is the row as the plan read it (None: there was none); it is checked only when ``copies``
    (the plan inserts new customers). ``mapped`` are the columns filled from Sage, which the template does not
    decide.
    """

    columns: tuple[str, ...]
    template: Mapping[str, Any] | None
    copies: bool
    mapped: frozenset[str] = frozenset()


def shape_changes(connection: Connection, table: sa.Table, id_column: str, shape: Shape) -> list[dict[str, Any]]:
    """What changed in the target since the plan, read under the write lock; conflict rows, empty when nothing did.

    The template row is read locked first (on servers the lock also keeps the table's columns from changing
    until the transaction ends), then the table's columns as they are now.
    """
    key = table.c[id_column]
    locked = dialect_of(connection).lock(sa.select(key).where(key == schema.TEMPLATE_ID), table)
    has_template = any(v == schema.TEMPLATE_ID for (v,) in connection.execute(locked))
    now = [c["name"] for c in sa.inspect(connection).get_columns(table.name, schema=table.schema)]
    conflicts = [_changed(None, column, None, None, f"column {column} is no longer in SMSTurbo's {table.name} "
                          "table (removed after the plan was made)")
                 for column in dict.fromkeys(shape.columns) if column not in now]
    if conflicts or not shape.copies:
        return conflicts
    current = _template_now(connection, table, key, now) if has_template else None
    if shape.template is None and current is not None:
        return [_changed(schema.TEMPLATE_ID, None, None, None, f"the template customer {schema.TEMPLATE_ID} was "
                         "added after the plan was made, so new customers would not copy its values")]
    if shape.template is not None and current is None:
        return [_changed(schema.TEMPLATE_ID, None, None, None, f"the template customer {schema.TEMPLATE_ID}, whose "
                         "values new customers copy, was deleted after the plan was made")]
    return [_changed(schema.TEMPLATE_ID, column, (shape.template or {}).get(column), (current or {}).get(column),
                     f"the template customer {schema.TEMPLATE_ID} changed after the plan was made")
            for column in _copied(shape, current, id_column)
            if not same_value((shape.template or {}).get(column), (current or {}).get(column))]


def _copied(shape: Shape, current: Mapping[str, Any] | None, id_column: str) -> list[str]:
    skip: Collection[str] = {*shape.mapped, id_column}
    return [c for c in dict.fromkeys([*(shape.template or {}), *(current or {})]) if c not in skip]


def _template_now(connection: Connection, table: sa.Table, key: sa.Column[Any], columns: list[str]) -> dict[str, Any]:
    now = sa.table(table.name, *(sa.column(c) for c in columns), schema=table.schema)  # the columns as they are now
    rows = [dict(r) for r in connection.execute(sa.select(now).where(now.c[key.name] == schema.TEMPLATE_ID)).mappings()]
    exact = [r for r in rows if r.get(key.name) == schema.TEMPLATE_ID]
    return exact[0] if exact else {}


def _changed(cid: str | None, column: str | None, planned: Any, current: Any, reason: str) -> dict[str, Any]:
    return {"customer_id": cid, "field": column, "planned_before": planned, "current": current, "reason": reason}


def smsturbo_table(metadata: sa.MetaData, *, schema: str | None = None) -> sa.Table:
    """SMSTurbo's ``Customer`` table: the mapped columns and the ones new customers copy from ``ZZDEFAULT``."""
    return sa.Table(
        SMSTURBO_TABLE,
        metadata,
        sa.Column("CustomerID", sa.String(15), primary_key=True),
        sa.Column("CustomerName", sa.String(500)),  # 500 wide, as SMSTurbo's help says
        sa.Column("Address1", sa.String(40)),
        sa.Column("Address2", sa.String(40)),
        sa.Column("City", sa.String(30)),
        sa.Column("State", sa.String(2)),
        sa.Column("PostalCode", sa.String(10)),
        sa.Column("Phone", sa.String(14)),
        sa.Column("Fax", sa.String(14)),
        sa.Column("CellPhone", sa.String(14)),
        sa.Column("Email", sa.String(60)),
        sa.Column("Contact", sa.String(40)),
        sa.Column("TaxCode", sa.String(10)),
        sa.Column("PriceLevel", sa.Integer),
        sa.Column("CreditLimit", sa.Numeric(12, 2)),
        sa.Column("Terms", sa.String(20)),
        sa.Column("Active", sa.SmallInteger, nullable=False, server_default=sa.text("1")),
        sa.Column("Notes", sa.String(255)),
        schema=schema,
    )
