"""SQL Server (Sage 100 Contractor's home): read-only intent, the application name, ``UPDLOCK`` row locks."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import URL

from smsync_core.db.dialects.base import Dialect


class SQLServer(Dialect):
    backends: ClassVar[tuple[str, ...]] = ("mssql",)

    def source_url(self, url: URL) -> URL:
        return url.update_query_dict({"ApplicationIntent": "ReadOnly"})

    def target_options(self, url: URL) -> dict[str, Any]:
        return {"fast_executemany": True}

    def with_app_name(self, url: URL, app_name: str) -> URL:
        """Sage 100 Contractor's logon trigger is server-wide: the name matters for every connection."""
        if "odbc_connect" in url.query or any(key.upper() in ("APP", "APPLICATION NAME") for key in url.query):
            return url
        return url.update_query_dict({"APP": app_name})

    def with_trusted_certificate(self, url: URL) -> URL:
        """``TrustServerCertificate=yes`` for Microsoft's driver, unless the URL already says (FreeTDS has no such
        keyword and checks no certificate unless told to)."""
        keys = {key.upper() for key in url.query}
        driver = str(url.query.get("driver", ""))
        if "ODBC_CONNECT" in keys or "TRUSTSERVERCERTIFICATE" in keys or "freetds" in driver.lower():
            return url
        return url.update_query_dict({"TrustServerCertificate": "yes"})

    def lock(self, stmt: sa.Select[Any], table: sa.Table) -> sa.Select[Any]:
        return stmt.with_hint(table, "WITH (UPDLOCK, HOLDLOCK)", "mssql")
