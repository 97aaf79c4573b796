"""SQLite: the embedded default. Files opened read-only by URI; the write lock taken at ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL

from smsync_core.db.dialects.base import Dialect
from smsync_core.errors import ConnectionFailed

#: How long a SQLite writer waits for another writer before giving up (milliseconds).
BUSY_MS = 120_000


def _is_file_path(database: str) -> bool:
    return database not in ("", ":memory:") and not database.startswith("file:")


class SQLite(Dialect):
    backends: ClassVar[tuple[str, ...]] = ("sqlite",)
    select_chunk: ClassVar[int] = 20_000 if sqlite3.sqlite_version_info >= (3, 32) else 500
    statement_parameters: ClassVar[int] = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999

    def source_url(self, url: URL) -> URL:
        database = url.database or ""
        if not _is_file_path(database):
            return url
        path = Path(database)
        if not path.is_file():
            raise ConnectionFailed(
                f"The Sage 100 database file {path} does not exist; check the path in the connection URL."
            )
        return url.set(database=f"file:{quote(str(path.resolve()))}?mode=ro").update_query_dict({"uri": "true"})

    def target_options(self, url: URL) -> dict[str, Any]:
        database = url.database or ""
        if _is_file_path(database) and not Path(database).is_file():
            raise ConnectionFailed(
                f"The SMSTurbo database file {database} does not exist; check the path in the connection URL."
            )
        return {"connect_args": {"timeout": 30}}

    def identity(self, url: URL) -> str:
        if url.database in (None, "", ":memory:"):
            return super().identity(url)
        return f"sqlite:{Path(str(url.database)).resolve()}"

    @contextmanager
    def write_transaction(self, engine: sa.Engine) -> Iterator[sa.Connection]:
        """The write lock is taken at the start, so the conflict check and the writes see the same database."""
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_MS}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                with suppress(sa.exc.DBAPIError):  # SQLite may already have rolled back (a failed COMMIT)
                    connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")

    def lock(self, stmt: sa.Select[Any], table: sa.Table) -> sa.Select[Any]:
        return stmt  # BEGIN IMMEDIATE already holds the write lock

    def stored_keys_sql(self, connection: sa.Connection, table: sa.Table, key: sa.Column[Any],
                        count: int) -> tuple[str, bool] | None:
        quote_ = connection.dialect.identifier_preparer
        column = quote_.quote(key.name)
        return (f"SELECT {column} FROM {quote_.format_table(table)} WHERE {column} IN ({', '.join('?' * count)})",
                False)
