"""What the server tests share: running the CLI, reading a server table straight, comparing with SQLite."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from smsync_core.cli.dispatch import main
from smsync_core.sources.sage100 import sage_table
from smsync_core.targets.smsturbo import smsturbo_table

#: Keys of the sync JSON that differ on every run by construction (new ids, paths).
RUN_KEYS = ("run_id", "record_dir")


@dataclass(frozen=True)
class Ran:
    """One ``smsync`` command: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    @property
    def data(self) -> Any:
        """stdout as JSON."""
        return json.loads(self.out)

    def one_error_line(self) -> str:
        """The single stderr line of a failed command (asserting there is exactly one, and no traceback)."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("smsync: "), self.err
        assert "Traceback" not in self.err
        return lines[0]


def smsync(capsys: pytest.CaptureFixture[str], *argv: str) -> Ran:
    """Run ``smsync argv...`` in this process, as a user would, and capture what it prints."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return Ran(code, out, err)


def without_run_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """A sync/undo JSON result without the keys that differ on every run."""
    return {k: v for k, v in data.items() if k not in RUN_KEYS}


def plain_value(value: Any) -> Any:
    """A value as any backend gives it back, made comparable: Decimal and float as float, bytes as text."""
    if isinstance(value, Decimal | float):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    return value


def table_rows(url: str, table: str = "Customer", key: str = "CustomerID") -> dict[str, dict[str, Any]]:
    """Every row of ``table`` read straight through SQLAlchemy (not through smsync): key -> row."""
    engine = sa.create_engine(url)
    try:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            found = connection.execute(sa.select(reflected)).mappings().all()
    finally:
        engine.dispose()
    return {str(r[key]): {c: plain_value(v) for c, v in r.items()} for r in found}


def count_rows(url: str, table: str) -> int:
    """Rows in ``table`` (0 when it does not exist)."""
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(table):
            return 0
        reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(reflected)).scalar_one())
    finally:
        engine.dispose()


def execute(url: str, *statements: str, params: Mapping[str, Any] | None = None) -> None:
    """Run statements as the administrator (test setup only), in one transaction."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement), dict(params or {}))
    finally:
        engine.dispose()


def quote(url: str, name: str) -> str:
    """``name`` quoted for the server behind ``url`` (case preserved)."""
    return sa.create_engine(url).dialect.identifier_preparer.quote_identifier(name)


def reports(tmp_path: Path, name: str = "reports") -> str:
    """A reports directory under ``tmp_path`` (as text for the command line)."""
    return str(tmp_path / name)


# --- scratch databases and sessions, for module-scoped setups (the shared fixtures are per test) ---------------

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
MARIADB_ADMIN_URL = ("mysql+pyodbc://root@127.0.0.1/{database}?driver=MariaDB+Unicode&port=3306"
                     "&charset=utf8mb4")


def _admin(kind: str) -> sa.Engine:
    url = (PG_ADMIN_URL if kind == "postgresql" else MARIADB_ADMIN_URL).format(
        database="postgres" if kind == "postgresql" else "mysql")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A fresh database on ``kind`` ("postgresql" or "mariadb"), dropped afterwards: its admin URL."""
    name = f"smsync_srv_{secrets.token_hex(5)}"
    engine = _admin(kind)
    with engine.connect() as connection:
        if kind == "postgresql":
            connection.exec_driver_sql(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
        else:
            connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    try:
        yield (PG_ADMIN_URL if kind == "postgresql" else MARIADB_ADMIN_URL).format(database=name)
    finally:
        with engine.connect() as connection:
            if kind == "postgresql":
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                kill_sessions(kind, name, by="database")
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        engine.dispose()


@contextmanager
def mariadb_login(database_url: str, name: str) -> Iterator[str]:
    """A MariaDB login with SELECT, INSERT, UPDATE, DELETE on the whole database (no DDL): its URL."""
    database = sa.make_url(database_url).database
    user, password = f"{name}_{secrets.token_hex(4)}", secrets.token_hex(8)
    engine = _admin("mariadb")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        connection.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO '{user}'@'%'")
    try:
        yield sa.make_url(database_url).set(username=user, password=password).render_as_string(hide_password=False)
    finally:
        kill_sessions("mariadb", user, by="user")
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%'")
        engine.dispose()


def sessions(kind: str, value: str, *, by: str) -> list[int]:
    """Server sessions of an application name (PostgreSQL), a user or a database (MariaDB)."""
    engine = _admin(kind)
    try:
        with engine.connect() as connection:
            if kind == "postgresql":
                column = {"application": "application_name", "database": "datname", "user": "usename"}[by]
                query = (f"SELECT pid FROM pg_stat_activity WHERE {column} = :v AND pid <> pg_backend_pid()")
            else:
                column = {"database": "DB", "user": "USER"}[by]
                query = f"SELECT ID FROM information_schema.PROCESSLIST WHERE {column} = :v AND ID <> CONNECTION_ID()"
            return [int(r[0]) for r in connection.execute(sa.text(query), {"v": value})]
    finally:
        engine.dispose()


def kill_sessions(kind: str, value: str, *, by: str) -> int:
    """End those sessions from a second connection, as a DBA would; returns how many were ended."""
    found = sessions(kind, value, by=by)
    engine = _admin(kind)
    try:
        with engine.connect() as connection:
            for session in found:
                try:
                    if kind == "postgresql":
                        connection.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": session})
                    else:
                        connection.exec_driver_sql(f"KILL CONNECTION {session}")
                except sa.exc.DBAPIError:  # it ended on its own meanwhile
                    pass
    finally:
        engine.dispose()
    return len(found)


def wait_until_gone(kind: str, value: str, *, by: str, timeout: float = 30.0) -> None:
    """Wait until the server has finished every session of ``value`` (rolled back or committed)."""
    deadline = time.monotonic() + timeout
    while sessions(kind, value, by=by):
        if time.monotonic() > deadline:
            raise AssertionError(f"sessions of {value} still open after {timeout}s")
        time.sleep(0.05)


def sage_row(cid: str, name: str = "Client") -> dict[str, Any]:
    """A complete, valid Sage client under the demo's column names."""
    return {"recnum": cid, "clnnme": name, "addrs1": "1 Main St", "ctynme": "Denver", "state_": "CO",
            "zipcde": "80202", "phnnum": "303-555-0100", "contct": "Pat", "status": 3, "inactv": 0}


def load(url: str, clients: list[dict[str, Any]], customers: list[dict[str, Any]]) -> None:
    """The demo tables on ``url`` with these rows (plus the ZZDEFAULT template)."""
    metadata = sa.MetaData()
    sage, target = sage_table(metadata), smsturbo_table(metadata)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            metadata.create_all(connection)
            if clients:
                connection.execute(sage.insert(), clients)
            template = {"CustomerID": "ZZDEFAULT", "CustomerName": "Template", "Terms": "Net 30"}
            connection.execute(target.insert(), [template])
            for row in customers:
                connection.execute(target.insert(), [row])
    finally:
        engine.dispose()
