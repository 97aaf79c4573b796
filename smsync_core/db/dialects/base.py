"""What every database engine smsync talks to has in common, and the defaults the engines differ from.

One class per engine (``sqlite.py``, ``postgresql.py``, ``mysql.py``, ``sqlserver.py``) states its differences
as class attributes and small overrides, as sqlglot does dialects; the rest of smsync asks :func:`dialect_of`
and never branches on an engine's name.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import URL

#: A unique key another run took first, a deadlock or serialization failure, a lock wait given up, a table
#: created by another run at the same moment: the codes every engine's driver may put in such an error.
_RACE = re.compile(r"\b(40001|40P01|42P07|1213|1684|23505)\b|\((1062|1205|2627|2601)\)|deadlock", re.IGNORECASE)


class Dialect:
    """The defaults: a server that locks rows read ``FOR UPDATE`` and binds a few hundred parameters safely."""

    #: SQLAlchemy backend names this class answers for.
    backends: ClassVar[tuple[str, ...]] = ()
    #: IDs per ``IN (...)`` when reading current rows (below every engine's parameter limit).
    select_chunk: ClassVar[int] = 500
    #: Parameters one statement may carry, where a multi-row INSERT pays; 0 = one row per statement.
    statement_parameters: ClassVar[int] = 0
    #: DDL commits the open transaction (so smsync's own table is created in a transaction of its own).
    ddl_commits: ClassVar[bool] = False
    #: Text holding NUL characters cannot be stored verbatim.
    refuses_nul: ClassVar[bool] = False

    def __init__(self, driver: str = "") -> None:
        self.driver = driver

    # --- connecting ----------------------------------------------------------------------------------------
    def source_url(self, url: URL) -> URL:
        """The URL of a read-only session on the Sage 100 company (what the URL alone can say)."""
        return url

    def source_options(self) -> dict[str, Any]:
        """``create_engine`` keyword arguments of the read-only source engine."""
        return {}

    def source_session_statement(self) -> str | None:
        """A statement run on each new source connection to make its session read-only, if the URL cannot."""
        return None

    def target_options(self, url: URL) -> dict[str, Any]:
        """``create_engine`` keyword arguments of the SMSTurbo engine (checks the URL where the engine can)."""
        return {}

    def with_app_name(self, url: URL, app_name: str) -> URL:
        """The URL with the application name the server is to see (only SQL Server logs and checks one)."""
        return url

    def with_trusted_certificate(self, url: URL) -> URL:
        """The URL telling the driver to trust the server's certificate (``[sqlserver] trust_server_certificate``)."""
        return url

    def identity(self, url: URL) -> str:
        """Which database the URL is about, without any secret (a record names the target it ran against)."""
        return url.set(password=None, query={}).render_as_string(hide_password=True)

    # --- writing -------------------------------------------------------------------------------------------
    @contextmanager
    def write_transaction(self, engine: sa.Engine) -> Iterator[sa.Connection]:
        """One transaction that commits only when the block ends without an exception."""
        with engine.begin() as connection:
            yield connection

    def lock(self, stmt: sa.Select[Any], table: sa.Table) -> sa.Select[Any]:
        """Lock the rows ``stmt`` reads against other writers until commit."""
        return stmt.with_for_update()

    def stored_keys_sql(self, connection: sa.Connection, table: sa.Table, key: sa.Column[Any],
                        count: int) -> tuple[str, bool] | None:
        """A driver-level query for the stored keys among ``count`` IDs, and whether the IDs go as one array.

        None: build it through SQLAlchemy (slower per ID, right everywhere).
        """
        return None

    def rows_per_statement(self, columns: int, most: int) -> int:
        """How many rows one INSERT carries, bounded by the parameters a statement may hold."""
        if not self.statement_parameters:
            return 1
        return max(1, min(most, self.statement_parameters // max(columns, 1)))

    def long_text(self) -> sa.types.TypeEngine[str]:
        """A text column type that holds a run's whole changes."""
        return sa.UnicodeText()

    def lost_a_race(self, exc: BaseException) -> bool:
        """Whether a write failed only because another writer got there first (worth another attempt)."""
        if not isinstance(exc, sa.exc.DBAPIError):
            return False
        text = f"{exc.orig} {getattr(exc.orig, 'sqlstate', None) or ''}"  # psycopg keeps the SQLSTATE apart
        return bool(_RACE.search(text))


def positional(dialect: sa.Dialect) -> sa.Dialect:
    """The dialect to compile a bulk insert with: positional placeholders wherever the driver takes them.

    Drivers of the ``pyformat`` style (psycopg, PyMySQL) take ``%s`` as well, and binding a row given as a
    tuple costs them less than reordering a dict per row.
    """
    if dialect.paramstyle != "pyformat":
        return dialect
    same = copy.copy(dialect)
    same.paramstyle, same.positional = "format", True
    return same
