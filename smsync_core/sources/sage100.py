"""Sage 100 Contractor: the client table ``dbo.reccln`` read into the canonical record (read only)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeAlias

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from smsync_core import schema
from smsync_core.config import CONTACTS_TABLE, Config
from smsync_core.db.connect import database_errors
from smsync_core.db.reading import read_mapped
from smsync_core.schema import SAGE_TABLE
from smsync_core.sources.canonical import canonical_clients
from smsync_core.sources.sage_contacts import fill_from_contacts, read_primary_contacts

RecnumType: TypeAlias = Literal["text", "int"]


def read_clients(engine: Engine, config: Config) -> pd.DataFrame:
    """All clients of the open Sage 100 company, in source order, as the canonical Sage frame.

    The ``inactv`` flag is optional (older companies do not have it); any other mapped column must exist. Where
    the company keeps contacts in ``clncnt``, a client's blank contact fields come from its primary contact, and
    ``attrs["notes"]`` says for how many clients.
    """
    # the primary contacts are their own SELECT (never an error: None when unreadable), read beside the clients
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smsync-contacts") as pool:
        contacts_read = pool.submit(read_primary_contacts, engine, config)
        frame = read_mapped(engine, config.sage, "sage", schema.FIELDS, optional=("inactive", "short_name"))
        clients = canonical_clients(frame)
        contacts = contacts_read.result()
    if contacts is None:
        return clients
    clients = fill_from_contacts(clients, contacts)
    used = clients.attrs["contacts_used"]
    if used:
        words = [CONTACT_WORDS.get(f, f) for f in config.contacts.columns]
        fields = " or ".join(filter(None, (", ".join(words[:-1]), words[-1])))
        clients.attrs["notes"] = (
            *clients.attrs.get("notes", ()),
            f"Contact from {config.contacts.table} for {used} client{'s' if used != 1 else ''}: where the client "
            f"record's {fields} was blank, its primary contact's is used (set [sage] contacts_table = \"\" in "
            "smsync.toml to use the client records alone).",
        )
    return clients


#: The contact fields in Sage 100 Contractor's words.
CONTACT_WORDS = {"contact": "contact", "phone": "phone", "email": "e-mail", "mobile": "cell phone"}


#: The company's own client status list: ``clnsts.recnum`` is the status number, ``stsnme`` its name.
STATUS_TABLE = "clnsts"


def read_status_names(engine: Engine, config: Config) -> dict[int, str]:
    """The company's client status names from ``clnsts`` (trailing padding removed); empty where the table does
    not exist or cannot be read (an older company, a login without access to it): the default list then applies.
    """
    where = config.sage.schema
    try:
        with database_errors("sage", engine.url):
            if not sa.inspect(engine).has_table(STATUS_TABLE, schema=where):
                return {}
            table = sa.Table(STATUS_TABLE, sa.MetaData(), schema=where, autoload_with=engine)
            if not {"recnum", "stsnme"} <= set(table.c.keys()):
                return {}
            with engine.connect() as conn:
                rows = conn.execute(sa.select(table.c.recnum, table.c.stsnme)).all()
    except Exception:  # an unreadable status list: fall back, never fail the run over names
        return {}
    names: dict[int, str] = {}
    for number, name in rows:
        try:
            key = int(number)
        except (TypeError, ValueError):
            continue
        if name is not None and str(name).strip():
            names[key] = str(name).rstrip(" ")
    return names


class Sage100Company:
    """The company database, through a read-only engine."""

    title = "the Sage 100 company"
    database = True

    def handles(self, location: str) -> bool:
        return True  # any URL no other source claims

    def read_clients(self, location: str, engine: Callable[[], Engine], config: Config) -> pd.DataFrame:
        return read_clients(engine(), config)

    def status_names(self, location: str, engine: Callable[[], Engine], config: Config) -> dict[int, str]:
        return read_status_names(engine(), config)


SOURCE = Sage100Company()


def sage_table(
    metadata: sa.MetaData, *, schema: str | None = None, recnum_type: RecnumType = "text", char: bool = False
) -> sa.Table:
    """Sage 100 Contractor's client table ``reccln``: the columns smsync reads and a few it ignores, with the
    real types and (most likely) lengths: ``recnum`` bigint, ``clnnme`` 75, ``shtnme`` 30, ``addrs1``/``addrs2``
    50, ``ctynme`` 50, ``state_`` 2, ``zipcde`` 10, ``phnnum``/``faxnum``/``cllphn`` 14, ``e_mail`` 75, ``contct``
    50; whole-number ``status``/``clntyp``/``taxdst``; a nullable ``inactv`` flag; ``_idnum`` (uniqueidentifier,
    kept as its 36-character text) and the audit columns ``insdte``/``insusr``/``upddte``/``updusr``.

    ``recnum`` is text by default so that tests can store Client Numbers a real company cannot hold (letters,
    duplicates); ``recnum_type="int"`` gives the bigint of a real company. ``char=True`` makes the text columns
    fixed-width CHAR(n) (padded with spaces, as converted FoxPro data is). No unique constraint; ``_idnum`` is
    indexed.
    """
    recnum: sa.types.TypeEngine[Any] = sa.String(20) if recnum_type == "text" else sa.BigInteger()
    text = sa.CHAR if char else sa.String
    return sa.Table(
        SAGE_TABLE,
        metadata,
        sa.Column("recnum", recnum),
        sa.Column("clnnme", text(75)),
        sa.Column("shtnme", text(30)),
        sa.Column("addrs1", text(50)),
        sa.Column("addrs2", text(50)),
        sa.Column("ctynme", text(50)),
        sa.Column("state_", text(2)),
        sa.Column("zipcde", text(10)),
        sa.Column("phnnum", text(14)),
        sa.Column("faxnum", text(14)),
        sa.Column("cllphn", text(14)),
        sa.Column("e_mail", text(75)),
        sa.Column("contct", text(50)),
        sa.Column("status", sa.Integer),
        sa.Column("inactv", sa.SmallInteger, nullable=True),
        sa.Column("clntyp", sa.Integer),
        sa.Column("dteopn", sa.Date),
        sa.Column("ntetxt", sa.Text),
        sa.Column("taxdst", sa.Integer),
        sa.Column("_idnum", sa.String(36)),
        sa.Column("insdte", sa.DateTime),
        sa.Column("insusr", sa.String(50)),
        sa.Column("upddte", sa.DateTime),
        sa.Column("updusr", sa.String(50)),
        # the row's own key, which the company's other tables (clncnt) refer to: indexed, as in a company
        # database, so that joining the primary contacts looks clients up instead of indexing 1,000,000 rows first
        # (measured at 1,000,000 clients: the contacts' SELECT 0.97 s -> 0.01 s of CPU on SQLite)
        sa.Index(f"ix_{SAGE_TABLE}__idnum", "_idnum"),
        schema=schema,
    )


#: Columns of ``reccln`` beyond the story's (demo rows and tests fill them with :func:`sage_extra_values`).
EXTRA_COLUMNS = ("taxdst", "_idnum", "insdte", "insusr", "upddte", "updusr")


def contacts_table(metadata: sa.MetaData, *, schema: str | None = None) -> sa.Table:
    """The company's client contacts ``clncnt``: ``_idref`` is the client's ``reccln._idnum``, ``linnum`` the
    contact's line (1: the primary contact), ``cntnme``/``jobttl``/``phnnum``/``e_mail``/``cllphn`` the contact."""
    return sa.Table(
        CONTACTS_TABLE,
        metadata,
        sa.Column("_idnum", sa.String(36)),
        sa.Column("_idref", sa.String(36)),
        sa.Column("linnum", sa.Integer),
        sa.Column("cntnme", sa.String(50)),
        sa.Column("jobttl", sa.String(50)),
        sa.Column("phnnum", sa.String(14)),
        sa.Column("e_mail", sa.String(75)),
        sa.Column("cllphn", sa.String(14)),
        schema=schema,
    )


def status_table(metadata: sa.MetaData, *, schema: str | None = None) -> sa.Table:
    """The company's client status list ``clnsts``: ``recnum`` the status number, ``stsnme`` its name."""
    return sa.Table(
        STATUS_TABLE, metadata, sa.Column("recnum", sa.Integer), sa.Column("stsnme", sa.String(50)), schema=schema
    )
