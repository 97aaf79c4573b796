"""Sage 100 Contractor: the client table ``dbo.reccln`` read into the canonical record (read only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.db.reading import read_mapped
from smsync_core.schema import SAGE_TABLE
from smsync_core.sources.canonical import canonical_clients

RecnumType: TypeAlias = Literal["text", "int"]


def read_clients(engine: Engine, config: Config) -> pd.DataFrame:
    """All clients of the open Sage 100 company, in source order, as the canonical Sage frame.

    The ``inactv`` flag is optional (older companies do not have it); any other mapped column must exist.
    """
    frame = read_mapped(engine, config.sage, "sage", schema.FIELDS, optional=("inactive", "short_name"))
    return canonical_clients(frame)


class Sage100Company:
    """The company database, through a read-only engine."""

    title = "the Sage 100 company"
    database = True

    def handles(self, location: str) -> bool:
        return True  # any URL no other source claims

    def read_clients(self, location: str, engine: Callable[[], Engine], config: Config) -> pd.DataFrame:
        return read_clients(engine(), config)


SOURCE = Sage100Company()


def sage_table(
    metadata: sa.MetaData, *, schema: str | None = None, recnum_type: RecnumType = "text"
) -> sa.Table:
    """Sage 100 Contractor's client table ``reccln`` (the columns smsync reads and a few it ignores).

    ``recnum`` (the Client Number) is text by default so that invalid and duplicated Client Numbers can be
    stored; ``recnum_type="int"`` gives the numeric column of a stock company. No unique constraint.
    """
    recnum: sa.types.TypeEngine[Any] = sa.String(20) if recnum_type == "text" else sa.BigInteger()
    return sa.Table(
        SAGE_TABLE,
        metadata,
        sa.Column("recnum", recnum),
        sa.Column("clnnme", sa.String(50)),
        sa.Column("shtnme", sa.String(15)),
        sa.Column("addrs1", sa.String(50)),
        sa.Column("addrs2", sa.String(50)),
        sa.Column("ctynme", sa.String(50)),
        sa.Column("state_", sa.String(10)),
        sa.Column("zipcde", sa.String(10)),
        sa.Column("phnnum", sa.String(14)),
        sa.Column("faxnum", sa.String(14)),
        sa.Column("cllphn", sa.String(14)),
        sa.Column("e_mail", sa.String(75)),
        sa.Column("contct", sa.String(50)),
        sa.Column("status", sa.Integer),
        sa.Column("inactv", sa.SmallInteger),
        sa.Column("clntyp", sa.Integer),
        sa.Column("dteopn", sa.Date),
        sa.Column("ntetxt", sa.Text),
        schema=schema,
    )
