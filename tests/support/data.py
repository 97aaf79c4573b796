"""Small real SQLite databases built from rows, for tests of the core (no mocks of the database).

Rows are dicts keyed by canonical field names (``customer_id``, ``name``, ... ``status``, ``inactive``); the
builders write them under the default Sage 100 Contractor (``reccln``) or SMSTurbo (``Customer``) column names.
Independent of ``smsync_core.demo`` on purpose: the tests must not share the code they check.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pytest

__all__ = [
    "SAGE_COLUMNS",
    "SMSTURBO_COLUMNS",
    "SMSTURBO_LENGTHS",
    "TEMPLATE_EXTRA",
    "client",
    "customer",
    "db_paths",
    "here",
    "make_sage_db",
    "make_smsturbo_db",
    "read_table",
    "sha256",
    "sqlite_url",
]

#: The default Sage 100 Contractor client columns (written out here, not imported from the code under test).
SAGE_COLUMNS: dict[str, str] = {
    "customer_id": "recnum",
    "name": "clnnme",
    "short_name": "shtnme",
    "address1": "addrs1",
    "address2": "addrs2",
    "city": "ctynme",
    "state": "state_",
    "postal_code": "zipcde",
    "phone": "phnnum",
    "fax": "faxnum",
    "mobile": "cllphn",
    "email": "e_mail",
    "contact": "contct",
    "status": "status",
    "inactive": "inactv",
}

SMSTURBO_COLUMNS: dict[str, str] = {
    "customer_id": "CustomerID",
    "name": "CustomerName",
    "address1": "Address1",
    "address2": "Address2",
    "city": "City",
    "state": "State",
    "postal_code": "PostalCode",
    "phone": "Phone",
    "fax": "Fax",
    "mobile": "CellPhone",
    "email": "Email",
    "contact": "Contact",
}

#: Column lengths of the SMSTurbo table (``CustomerID`` is VARCHAR(15) whatever is asked).
SMSTURBO_LENGTHS: dict[str, int] = {
    "customer_id": 15,
    "name": 50,
    "address1": 50,
    "address2": 50,
    "city": 30,
    "state": 2,
    "postal_code": 10,
    "phone": 20,
    "fax": 20,
    "mobile": 20,
    "email": 80,
    "contact": 40,
}

#: Unmapped SMSTurbo columns the ZZDEFAULT template fills for new customers.
TEMPLATE_EXTRA: dict[str, Any] = {"Terms": "NET30", "TaxCode": "TX1", "CreditLimit": 5000}

RecnumType = Literal["text", "int", "real"]


def client(customer_id: str | int | float | bytes | None, **fields: Any) -> dict[str, Any]:
    """A complete Sage client that triggers no finding at all; ``fields`` override or blank parts of it.

    Each Client Number gets its own phone numbers, e-mail and zip (derived from the number), so two clients are
    not look-alikes that the reconciliation would flag as possible duplicates of each other.
    """
    n = zlib.crc32(str(customer_id).encode("utf-8"))
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "name": "Client " + str(customer_id),
        "short_name": "CLIENT",
        "address1": f"{n % 9_000 + 10} Main Street",
        "address2": None,
        "city": "Springfield",
        "state": "IL",
        "postal_code": f"6{n % 10_000:04d}",
        "phone": f"217-{n // 10_000 % 1_000:03d}-{n % 10_000:04d}",
        "fax": None,
        "mobile": f"309-{n // 10_000 % 1_000:03d}-{n % 10_000:04d}",
        "email": f"office{n}@example.com",
        "contact": "Pat Doe",
        "status": 3,
        "inactive": 0,
    }
    row.update(fields)
    return row


def customer(customer_id: str, **fields: Any) -> dict[str, Any]:
    """An SMSTurbo customer with the same values :func:`client` gives the same ID (so the two match)."""
    base = client(customer_id)
    row = {f: base[f] for f in SMSTURBO_COLUMNS}
    row.update(fields)
    return row


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path)}"


def sha256(path: str | Path) -> str:
    """Hash of a file's bytes (to prove a database was not changed)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(con: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    names = ", ".join(_quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", list(rows))


def make_sage_db(
    path: str | Path,
    rows: Iterable[Mapping[str, Any]],
    *,
    recnum_type: RecnumType = "text",
    with_inactv: bool = True,
    table: str = "reccln",
    columns: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
) -> str:
    """A Sage 100 Contractor company as SQLite: table ``reccln`` with the default columns; returns its URL.

    ``recnum_type`` is the type of the Client Number column (Sage itself uses a number; exports and older
    companies text). ``with_inactv=False`` leaves out the ``inactv`` flag column; ``drop`` leaves out other
    canonical fields' columns; ``columns`` renames (canonical field -> column).
    """
    mapping = dict(SAGE_COLUMNS)
    mapping.update(columns or {})
    fields = [f for f in mapping if f not in drop and (with_inactv or f != "inactive")]
    sql_type = {"text": "VARCHAR(40)", "int": "INTEGER", "real": "REAL"}[recnum_type]
    defs = []
    for f in fields:
        if f == "customer_id":
            defs.append(f"{_quote(mapping[f])} {sql_type}")
        elif f in ("status", "inactive"):
            defs.append(f"{_quote(mapping[f])} INTEGER")
        else:
            defs.append(f"{_quote(mapping[f])} VARCHAR(100)")
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE {_quote(table)} ({', '.join(defs)})")
        _insert(con, table, [mapping[f] for f in fields], ([r.get(f) for f in fields] for r in rows))
        con.commit()
    finally:
        con.close()
    return sqlite_url(path)


def make_smsturbo_db(
    path: str | Path,
    rows: Iterable[Mapping[str, Any]],
    *,
    lengths: Mapping[str, int] | None = None,
    template: bool = True,
    table: str = "Customer",
) -> str:
    """An SMSTurbo database as SQLite: table ``Customer`` (VARCHAR columns of ``lengths``), the ``ZZDEFAULT``
    template row when ``template``, and a few unmapped columns with database defaults; returns its URL."""
    sizes = dict(SMSTURBO_LENGTHS)
    sizes.update(lengths or {})
    defs = [f"{_quote(SMSTURBO_COLUMNS['customer_id'])} VARCHAR(15) NOT NULL PRIMARY KEY"]
    defs += [f"{_quote(SMSTURBO_COLUMNS[f])} VARCHAR({sizes[f]})" for f in SMSTURBO_COLUMNS if f != "customer_id"]
    defs += ["\"Terms\" VARCHAR(10) DEFAULT 'COD'", "\"TaxCode\" VARCHAR(5)", '"CreditLimit" INTEGER DEFAULT 0']
    fields = list(SMSTURBO_COLUMNS)
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE {_quote(table)} ({', '.join(defs)})")
        _insert(con, table, [SMSTURBO_COLUMNS[f] for f in fields], ([r.get(f) for f in fields] for r in rows))
        if template:
            values = {"CustomerID": "ZZDEFAULT", "CustomerName": "Template customer", **TEMPLATE_EXTRA}
            _insert(con, table, list(values), [list(values.values())])
        con.commit()
    finally:
        con.close()
    return sqlite_url(path)


def read_table(path: str | Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, in rowid order (straight from sqlite3, not through smsync)."""
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT * FROM {_quote(table)} ORDER BY rowid").fetchall()
    finally:
        con.close()


@pytest.fixture
def db_paths(tmp_path: Path) -> tuple[Path, Path]:
    """Where a test's Sage 100 and SMSTurbo SQLite files go: ``(sage.db, smsturbo.db)`` in ``tmp_path``."""
    return tmp_path / "sage.db", tmp_path / "smsturbo.db"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder, with no connection, config or password taken from the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG", "SMSYNC_HOME", "SMSYNC_SAGE_PASSWORD",
                 "SMSYNC_SMSTURBO_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
