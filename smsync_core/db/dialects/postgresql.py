"""PostgreSQL: a read-only session by option; through psycopg, lists bind as one array parameter."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from smsync_core.db.dialects.base import Dialect


class PostgreSQL(Dialect):
    backends: ClassVar[tuple[str, ...]] = ("postgresql",)
    refuses_nul: ClassVar[bool] = True

    def __init__(self, driver: str = "") -> None:
        super().__init__(driver)
        self.arrays = driver in ("psycopg", "psycopg2")
        if self.arrays:  # one array parameter per chunk; whole rows of existing IDs stay below 65535 parameters
            self.select_chunk = 20_000  # type: ignore[misc]
            self.statement_parameters = 65_535  # type: ignore[misc]

    def source_options(self) -> dict[str, Any]:
        return {"connect_args": {"options": "-c default_transaction_read_only=on"}}

    def stored_keys_sql(self, connection: sa.Connection, table: sa.Table, key: sa.Column[Any],
                        count: int) -> tuple[str, bool] | None:
        if not self.arrays:
            return None
        quote = connection.dialect.identifier_preparer
        name, where = quote.quote(key.name).replace("%", "%%"), quote.format_table(table).replace("%", "%%")
        return f"SELECT {name} FROM {where} WHERE {name} = ANY(%s) FOR UPDATE", True
