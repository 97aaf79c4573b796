"""The database engines smsync knows, one class each, found by the SQLAlchemy backend name.

``dialect_of(engine_or_connection_or_url)`` answers with the class for that engine (the defaults of
:class:`Dialect` for any other SQLAlchemy dialect).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

from smsync_core.db.dialects.base import Dialect, positional
from smsync_core.db.dialects.mysql import MySQL
from smsync_core.db.dialects.postgresql import PostgreSQL
from smsync_core.db.dialects.sqlite import SQLite
from smsync_core.db.dialects.sqlserver import SQLServer

REGISTRY: dict[str, type[Dialect]] = {backend: kind for kind in (SQLite, PostgreSQL, MySQL, SQLServer)
                                      for backend in kind.backends}


def dialect_of(target: sa.Engine | sa.Connection | sa.Dialect | URL | Any) -> Dialect:
    """The engine class for an engine, a connection, a SQLAlchemy dialect or a URL."""
    if isinstance(target, URL):
        name, _, driver = target.drivername.partition("+")  # without loading the dialect: it may not exist
    else:
        dialect = target if isinstance(target, sa.Dialect) else target.dialect
        name, driver = dialect.name, dialect.driver
    return REGISTRY.get(name, Dialect)(driver)


__all__ = ["REGISTRY", "Dialect", "MySQL", "PostgreSQL", "SQLServer", "SQLite", "dialect_of", "positional"]
