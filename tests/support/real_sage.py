"""A Sage 100 Contractor company built to the real schema (``reccln``, ``clnsts``) and an SMSTurbo beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from smsync_core.sources.sage100 import sage_table, status_table
from smsync_core.targets.smsturbo import smsturbo_table

COLUMNS = {"customer_id": "recnum", "name": "clnnme", "address1": "addrs1", "address2": "addrs2", "city": "ctynme",
           "state": "state_", "postal_code": "zipcde", "phone": "phnnum", "fax": "faxnum", "mobile": "cllphn",
           "email": "e_mail", "contact": "contct", "status": "status", "inactive": "inactv", "short_name": "shtnme"}
TURBO = {"customer_id": "CustomerID", "name": "CustomerName", "address1": "Address1", "address2": "Address2",
         "city": "City", "state": "State", "postal_code": "PostalCode", "phone": "Phone", "fax": "Fax",
         "mobile": "CellPhone", "email": "Email", "contact": "Contact"}


def real_company(url: str, rows: Sequence[Mapping[str, Any]], *, char: bool = False,
                 statuses: Sequence[tuple[int, str]] | None = None) -> str:
    """A Sage company with the real ``reccln`` (bigint ``recnum``) and optionally its ``clnsts``."""
    metadata = sa.MetaData()
    table = sage_table(metadata, recnum_type="int", char=char)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{COLUMNS[f]: v for f, v in r.items() if f in COLUMNS} for r in rows])
        if statuses is not None:
            st = status_table(metadata)
            st.create(conn)
            conn.execute(st.insert(), [{"recnum": n, "stsnme": name} for n, name in statuses])
    engine.dispose()
    return url


def real_smsturbo(url: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """SMSTurbo's ``Customer`` (CustomerName 500 wide as its help says, City 30) with ``ZZDEFAULT``."""
    table = smsturbo_table(sa.MetaData())
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{"CustomerID": "ZZDEFAULT", "CustomerName": "Template", "Terms": "COD"}])
        if rows:
            conn.execute(table.insert(), [{TURBO[f]: v for f, v in r.items() if f in TURBO} for r in rows])
    engine.dispose()
    return url
