"""MySQL and MariaDB: the session made read-only by a statement; DDL commits, so smsync's table is made apart."""

from __future__ import annotations

from typing import ClassVar

import sqlalchemy as sa

from smsync_core.db.dialects.base import Dialect


class MySQL(Dialect):
    backends: ClassVar[tuple[str, ...]] = ("mysql", "mariadb")
    ddl_commits: ClassVar[bool] = True

    def source_session_statement(self) -> str | None:
        return "SET SESSION TRANSACTION READ ONLY"

    def long_text(self) -> sa.types.TypeEngine[str]:
        from sqlalchemy.dialects import mysql  # imported for MySQL alone (~50 ms of every command's start-up)

        return mysql.LONGTEXT()  # TEXT stops at 64 KB, a few hundred customers
