"""Database connections: a read-only Sage 100 engine, an SMSTurbo engine, safe URL rendering, error translation.

The Sage engine is read-only by construction, in two layers: every statement passes a guard that refuses
anything but a read *before* it reaches the server (:class:`ReadOnlyViolation`), and the session itself is opened
read-only where the database supports it (SQLite ``mode=ro``, PostgreSQL ``default_transaction_read_only``,
MySQL/MariaDB ``SET SESSION TRANSACTION READ ONLY``, SQL Server ``ApplicationIntent=ReadOnly``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, NoSuchTableError

from smsync_core.config import Config, SqlServerOptions, secrets_in_play
from smsync_core.db.dialects import SQLServer, dialect_of
from smsync_core.errors import (
    AccessDenied,
    ConfigurationError,
    ConflictError,
    ConnectionFailed,
    ImportFailed,
    ReadOnlyViolation,
    SchemaMismatch,
    SmsyncError,
)
from smsync_core.redact import PASSWORD_ENV, redact_url

Side = Literal["sage", "smsturbo"]
SIDE_NAMES: dict[str, str] = {"sage": "Sage 100", "smsturbo": "SMSTurbo"}

_READ_VERBS = frozenset({"SELECT", "WITH", "SHOW", "EXPLAIN", "DESCRIBE", "DESC", "PRAGMA", "SET", "VALUES"})
# Keywords that make a statement begun with a read verb write (SELECT ... INTO, a data-modifying CTE, FOR UPDATE,
# EXPLAIN ANALYZE of a write). Each is reserved in every engine, so a table or column of that name is quoted and
# blanked before the search. Words such as COPY, LOCK, CALL, MERGE, GLOBAL or EXECUTE are not reserved everywhere
# (a Sage column may be named so): they write only as a statement's verb, which must be a read verb anyway.
_WRITE_WORDS = re.compile(
    r"\b(INSERT|UPDATE|DELETE|INTO|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE)\b|\bLOCK\s+IN\s+SHARE\s+MODE\b",
    re.IGNORECASE,
)
# In a SET statement: server-wide or persisted settings, and the session's read-only switch.
_SET_WRITE = re.compile(r"(?i)\b(GLOBAL|PERSIST|PERSIST_ONLY)\b|read_?only|read\s+write")
# PostgreSQL's set_config() could switch the session's read-only setting off from inside a SELECT.
_SET_CONFIG = re.compile(r"(?i)\bset_config\s*\(")
# A word joined to a dot is a name (schema.table, table.column), never a keyword.
_QUALIFIED = re.compile(r"\w+(?:\s*\.\s*\w+)+")
# Comments and quoted text in ONE left-to-right pass, as the server lexes them: done separately, a quote inside a
# comment ("-- it's") could swallow the statement that follows it, and a "--" inside a string could hide the rest.
_QUOTED_OR_COMMENT = re.compile(
    r"(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$",
    re.DOTALL,
)
# A name as DESCRIBE takes it once quoted parts are blanked: table, `db`.`table` (MySQL's has_table asks that way).
_NAME = re.compile(r"(?:\w+|'')(?:\.(?:\w+|''))*")
# What EXPLAIN (or MySQL's DESCRIBE used as EXPLAIN) may say before the statement it explains.
_EXPLAIN_OPTIONS = re.compile(
    r"(?i)^(?:\s*(?:ANALYZE|ANALYSE|VERBOSE|EXTENDED|PARTITIONS|QUERY\s+PLAN|FORMAT\s*=\s*\w+|\([^)]*\)))*\s*"
)


def _blank_quoted(match: re.Match[str]) -> str:
    return " " if match.group("comment") is not None else "''"


def is_read_statement(statement: str) -> bool:
    """True when ``statement`` only reads: one statement whose verb reads and that holds no write clause.

    The statement is judged, not the words of its names: quoted identifiers, literals and comments are blanked,
    and a table or column named ``copy``, ``lock``, ``call``, ``merge``, ``global`` or ``execute`` reads fine.
    """
    text = _QUOTED_OR_COMMENT.sub(_blank_quoted, statement).strip().rstrip(";").strip()
    if not text or ";" in text or _SET_CONFIG.search(text):
        return False
    text = _QUALIFIED.sub("x", text)
    verb = text.lstrip("(").split(None, 1)[0].upper()
    if verb not in _READ_VERBS:
        return False
    if verb == "SHOW":  # reads the server's catalogue (SHOW CREATE TABLE, SHOW GRANTS...): nothing it says writes
        return True
    if verb == "PRAGMA":
        return "=" not in text
    if verb == "SET":  # e.g. SET default_transaction_read_only = off, SET GLOBAL ...
        return _SET_WRITE.search(text) is None
    if verb in ("EXPLAIN", "DESCRIBE", "DESC"):
        explained = _EXPLAIN_OPTIONS.sub("", text.split(None, 1)[1] if " " in text else "")
        words = explained.split()
        if len(words) <= 2 and all(_NAME.fullmatch(w) for w in words):  # EXPLAIN table [column] (MySQL)
            return True
        return is_read_statement(explained)
    return _WRITE_WORDS.search(text) is None


def _guard(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    if executemany or not is_read_statement(statement):
        first = " ".join(statement.split())[:60]
        raise ReadOnlyViolation(
            f"Refused to run '{first}' on the Sage 100 connection, which is read-only; smsync never writes to Sage."
        )


def parse_url(url: str | URL, side: Side) -> URL:
    """Parse a SQLAlchemy URL, or raise a :class:`ConfigurationError` that names the side."""
    try:
        return make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        raise ConfigurationError(
            f"The {SIDE_NAMES[side]} connection '{redact_url(url)}' is not a database URL; "
            "write it like sqlite:///path.db or mssql+pyodbc://user@server/database?driver=..."
        ) from None


def is_sqlserver(url: URL) -> bool:
    """Whether a URL points at SQL Server (where Sage 100 Contractor keeps its companies)."""
    return isinstance(dialect_of(url), SQLServer)


def sage_sqlserver_url(
    server: str,
    database: str,
    *,
    instance: str | None = "SAGE100CON",
    username: str | None = None,
    password: str | None = None,
    port: int | None = None,
    options: SqlServerOptions | None = None,
) -> URL:
    """Build the ``mssql+pyodbc`` URL of a Sage 100 Contractor company database.

    Sage 100 Contractor keeps one database per company on the named instance ``SAGE100CON``. Its logon trigger
    rejects unknown applications, so the application name sent (``APP``) comes from ``options.app_name``.
    Works with Microsoft's ODBC Driver 17/18 and with FreeTDS.
    """
    opts = options or SqlServerOptions()
    host = f"{server}\\{instance}" if instance and port is None else server
    query: dict[str, str] = {"driver": opts.driver, "APP": opts.app_name}
    if "freetds" in opts.driver.lower():
        query["TDS_Version"] = "7.4"
        query["Encryption"] = "require" if opts.encrypt else "off"
    else:
        query["Encrypt"] = "yes" if opts.encrypt else "no"
        if opts.trust_server_certificate:
            query["TrustServerCertificate"] = "yes"
    if opts.trusted_connection:
        query["Trusted_Connection"] = "yes"
        username = password = None
    return URL.create(
        "mssql+pyodbc",
        username=username,
        password=password,
        host=host,
        port=port,
        database=database,
        query=query,
    )


def _with_env_password(url: URL, side: Side) -> URL:
    secret = os.environ.get(PASSWORD_ENV[side])
    if url.username and url.password is None and secret:
        return url.set(password=secret)
    return url


def _with_app_name(url: URL, config: Config | None) -> URL:
    """The configured application name (``sqlserver.app_name``) where the engine sends one and the URL names none,
    and ``sqlserver.trust_server_certificate`` where it is set (a self-signed SAGE100CON certificate)."""
    options = config.sqlserver if config is not None else SqlServerOptions()
    dialect = dialect_of(url)
    named = dialect.with_app_name(url, options.app_name)
    return dialect.with_trusted_certificate(named) if options.trust_server_certificate else named


def _create(url: URL, side: Side, **kwargs: Any) -> Engine:
    try:
        return sa.create_engine(url, **kwargs)
    except NoSuchModuleError:
        raise ConfigurationError(
            f"The {SIDE_NAMES[side]} connection uses '{url.drivername}', which smsync cannot load; "
            "use sqlite, mssql+pyodbc, postgresql+psycopg or mysql+pyodbc."
        ) from None
    except (ArgumentError, ImportError, ValueError) as exc:
        raise ConfigurationError(
            f"The {SIDE_NAMES[side]} connection '{redact_url(url)}' cannot be used ({exc}); fix the URL."
        ) from None


def source_engine(url: str | URL, config: Config | None = None) -> Engine:
    """An engine on the Sage 100 company that can only read: a read-only session, and the statement guard."""
    parsed = _with_app_name(_with_env_password(parse_url(url, "sage"), "sage"), config)
    dialect = dialect_of(parsed)
    engine = _create(dialect.source_url(parsed), "sage", **dialect.source_options())
    statement = dialect.source_session_statement()
    if statement is not None:

        @event.listens_for(engine, "connect")
        def _session_read_only(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()

    event.listen(engine, "before_cursor_execute", _guard)
    return engine


def target_engine(url: str | URL, config: Config | None = None) -> Engine:
    """An engine on the SMSTurbo database (the only side smsync ever writes)."""
    parsed = _with_app_name(_with_env_password(parse_url(url, "smsturbo"), "smsturbo"), config)
    return _create(parsed, "smsturbo", **dialect_of(parsed).target_options(parsed))


# --- error translation -----------------------------------------------------------------------------------------

_ACCESS_CODES = frozenset(
    {"229", "230", "262", "297", "300", "916", "1044", "1045", "1142", "1143", "1227", "1370", "18456", "42501",
     "28P01", "28000"}
)
_LOGIN_CODES = frozenset({"18456", "28P01", "1045"})
_MISSING_TABLE = re.compile(
    r"no such table|\b(42P01|1146|208)\b|Table '[^']*' doesn't exist|"
    r"relation \"[^\"]*\" does not exist|Invalid object name"
)
_MISSING_DATABASE = re.compile(r"\b(3D000|1049|4060)\b|Unknown database|database \"[^\"]*\" does not exist")
# NUL in text: psycopg refuses it before sending, PostgreSQL itself names the 0x00 byte.
_NUL_REFUSED = re.compile(r"cannot contain NUL|0x00\b")
# Unique key violations: MySQL/MariaDB 1062, PostgreSQL 23505, SQL Server 2627/2601, SQLite's own words.
_DUPLICATE_KEY = re.compile(
    r"\((1062|2627|2601)\)|\b23505\b|Duplicate entry|duplicate key|UNIQUE constraint failed|"
    r"Violation of (PRIMARY|UNIQUE) KEY"
)
# NOT NULL violations, naming the column: SQLite, PostgreSQL (23502), MySQL/MariaDB (1048, 1364), SQL Server (515).
_NOT_NULL = re.compile(
    r"NOT NULL constraint failed: (?:[^.\s]+\.)?(\S+)|null value in column \"([^\"]+)\"[^\n]*violates not-null|"
    r"Column '([^']+)' cannot be null|Field '([^']+)' doesn't have a default value|"
    r"Cannot insert the value NULL into column '([^']+)'"
)
_MISSING_COLUMN = re.compile(r"no such column|\b(42703|1054|207)\b|Unknown column|Invalid column name")


def _codes(exc: DBAPIError) -> str:
    orig = exc.orig
    parts = [str(orig)]
    for attr in ("sqlstate", "pgcode"):
        value = getattr(orig, attr, None)
        if value:
            parts.append(str(value))
    args = getattr(orig, "args", ())
    parts.extend(str(a) for a in args[:2])
    return " ".join(parts)


def _error_codes(exc: DBAPIError) -> frozenset[str]:
    """The error's codes only (SQLSTATE, driver number; ODBC's "(229)"), never numbers quoted from the data."""
    orig = exc.orig
    codes = {str(getattr(orig, a)) for a in ("sqlstate", "pgcode") if getattr(orig, a, None)}
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    codes.update(str(a) for a in args[:1] if isinstance(a, int) or (isinstance(a, str) and re.fullmatch(r"\w{5}", a)))
    codes.update(re.findall(r"\((\d+)\) \(SQL\w+\)", str(orig)))  # pyodbc: "... (229) (SQLExecDirectW)"
    return frozenset(codes)


def translate_error(exc: DBAPIError | NoSuchTableError, side: Side, url: str | URL | None = None) -> SmsyncError:
    """Turn a database error into one sentence that says what to do; no secret of ``url``, of the environment's
    connections or of the configuration file survives in it, whatever the driver's own text quoted."""
    error = _translate(exc, side, url)
    scrubber = secrets_in_play(None if url is None else str(url))
    clean = scrubber.scrub(str(error))
    return error if clean == str(error) else type(error)(clean)


def _translate(exc: DBAPIError | NoSuchTableError, side: Side, url: str | URL | None) -> SmsyncError:
    where = SIDE_NAMES[side]
    if isinstance(exc, NoSuchTableError):
        return SchemaMismatch(
            f"The {where} database has no table {exc}; set [{side}] table in smsync.toml to the customer table."
        )
    text = _codes(exc)
    user = make_url(url).username if isinstance(url, str | URL) and "://" in str(url) else None
    who = f" for user '{user}'" if user else ""
    at = f" at {redact_url(url)}" if url else ""  # a caller without the URL gets no empty "at  ("
    named = f" named in {redact_url(url)}" if url else ""
    # first: these messages quote the data, and a customer ID such as 1045 must not read as an error code
    if _NUL_REFUSED.search(text):
        return ImportFailed(
            f"The {where} database cannot store a NUL character (\\0) in text ({_first_line(exc)}); "
            "remove it from that client in Sage 100 and run smsync again."
        )
    required = _NOT_NULL.search(text)
    if required:
        column = next(c for c in required.groups() if c)
        return ImportFailed(
            f"The {where} database requires a value in column '{column}', and a customer to be written has none "
            f"there; give {column} a value in the ZZDEFAULT template customer (or a default in the database), or "
            f"map a Sage 100 field to it in [{side}.columns] of smsync.toml, then run smsync again."
        )
    if _DUPLICATE_KEY.search(text):
        return ConflictError(
            f"The {where} database refused a customer ID as a duplicate of one it already holds "
            f"({_first_line(exc)}): another program may have added it meanwhile, or the database treats IDs that "
            "differ only in letter case or trailing spaces as the same; review the differences and run smsync again."
        )
    if "17892" in text or "50004" in text:
        return AccessDenied(
            f"Sage 100 Contractor's logon trigger SageApplicationsOnly refused the login{who} (SQL Server error "
            "17892; the server's log says SAGE ERROR 50004): it admits only sysadmin logins and application names "
            "starting 'Sage.100.Contractor.' or 'Sage100Contractor\u00a6', so ask the administrator for one of the "
            "two (a login the trigger admits, or an application name it admits, which you then set as app_name "
            "under [sqlserver] in smsync.toml); smsync never changes the trigger, and a Sage update may reset it."
        )
    if _UNTRUSTED_CERTIFICATE.search(text):
        return ConnectionFailed(
            f"The {where} server{at} presented a certificate this computer does not trust (usual for a SAGE100CON "
            "instance, whose certificate is self-signed); set trust_server_certificate = true under [sqlserver] in "
            "smsync.toml (or TrustServerCertificate=yes in the URL), or install the server's certificate on this "
            "computer, then try again."
        )
    if _MISSING_DRIVER.search(text):
        return ConnectionFailed(
            f"The ODBC driver of the {where} connection is not installed ({_first_line(exc)}); install it, or name "
            "one that is (odbcinst -q -d lists them) in driver= of the URL or in sqlserver.driver."
        )
    codes = _error_codes(exc)
    if codes & _LOGIN_CODES or _LOGIN_REFUSED.search(text):
        return AccessDenied(
            f"The {where} database refused the login{who}; check the user name and password, "
            "or ask the administrator to enable this login."
        )
    if codes & _ACCESS_CODES or "permission denied" in text.lower() or "command denied" in text.lower():
        need = "read access (db_datareader / SELECT)" if side == "sage" else "SELECT, INSERT and UPDATE"
        return AccessDenied(
            f"The {where} database denied access{who}: the user's authority level needs to be edited; "
            f"ask the administrator to grant {need} on the customer table."
        )
    if "readonly database" in text or "read-only" in text.lower():
        return AccessDenied(
            f"The {where} database file is read-only for this user; "
            "the user's authority level needs to be edited to allow writing to it."
        )
    if codes & _CONCURRENCY_CODES or _CONCURRENCY.search(text):
        return ConflictError(
            f"The {where} database stopped this statement because another program was changing the same rows at "
            f"the same moment ({_first_line(exc)}); nothing of this transaction was kept, so run smsync again."
        )
    if "database is locked" in text:
        return ConnectionFailed(
            f"The {where} database is locked by another program; close it there and run smsync again."
        )
    if _MISSING_DATABASE.search(text):
        return ConnectionFailed(
            f"The {where} database{named} does not exist; check the database name in the URL."
        )
    if _MISSING_COLUMN.search(text):
        return SchemaMismatch(
            f"A mapped column does not exist in the {where} database ({_first_line(exc)}); "
            f"fix [{side}.columns] in smsync.toml."
        )
    if _MISSING_TABLE.search(text):
        return SchemaMismatch(
            f"The {where} customer table does not exist ({_first_line(exc)}); set [{side}] table in smsync.toml."
        )
    return ConnectionFailed(
        f"Could not use the {where} database{at} ({_first_line(exc)}); "
        "check the server, database name and network, then try again."
    )


_LOGIN_REFUSED = re.compile(
    r"password authentication failed|role \"[^\"]*\" does not exist|no pg_hba\.conf entry|"
    r"Login failed for user"
)
# Deadlocks and serialization failures: MySQL/MariaDB 1213 (and 1684, DDL meanwhile), SQL Server 1205, PostgreSQL
# 40P01/40001; the database rolled the transaction back.
_CONCURRENCY_CODES = frozenset({"1213", "1684", "1205", "40001", "40P01"})
_CONCURRENCY = re.compile(r"(?i)deadlock|could not serialize access")
# A server certificate the client does not trust: Microsoft's ODBC Driver 18 on Linux (OpenSSL's words) and on
# Windows (SChannel's), FreeTDS (GnuTLS/OpenSSL).
_UNTRUSTED_CERTIFICATE = re.compile(
    r"(?i)certificate verify failed|self[- ]signed certificate|certificate chain was issued by an authority that "
    r"is not trusted|TLS error[^\n]*certificate|certificate is not trusted|unable to get local issuer certificate"
)
_MISSING_DRIVER = re.compile(r"\bIM002\b|Can't open lib|Data source name not found")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if len(args) == 2 and all(isinstance(a, str) for a in args):  # pyodbc: (SQLSTATE, message)
        orig = args[1]
    return str(orig).strip().splitlines()[0][:200] if str(orig).strip() else type(orig).__name__


@contextmanager
def database_errors(side: Side, url: str | URL | None = None) -> Iterator[None]:
    """Translate database errors raised inside the block into smsync errors for ``side``."""
    try:
        yield
    except (DBAPIError, NoSuchTableError) as exc:
        raise translate_error(exc, side, url) from exc
