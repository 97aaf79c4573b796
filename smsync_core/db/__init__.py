"""Databases: engines (read-only on Sage 100), the statement guard, error translation, Arrow and DBAPI reads.

Everything that differs between SQLite, PostgreSQL, MySQL/MariaDB and SQL Server lives here, one class per
engine in ``dialects``; nothing outside this package names an engine or imports a driver.

- ``connect``: engines for each side, the read-only guard, driver errors turned into one sentence.
- ``dialects``: one class per engine (locks, write transactions, parameter limits, race codes...).
- ``reading``: a mapped table read into a frame; ``arrow``: the same read through the engine's Arrow driver.
"""

from smsync_core.db.connect import (
    SIDE_NAMES,
    Side,
    database_errors,
    is_sqlserver,
    parse_url,
    sage_sqlserver_url,
    source_engine,
    target_engine,
    translate_error,
)
from smsync_core.db.dialects import Dialect, dialect_of

__all__ = ["SIDE_NAMES", "Dialect", "Side", "database_errors", "dialect_of", "is_sqlserver", "parse_url",
           "sage_sqlserver_url", "source_engine", "target_engine", "translate_error"]
