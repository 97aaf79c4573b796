"""Fixtures for the real PostgreSQL and MariaDB servers, reached through their real drivers.

Every database fixture creates a fresh, uniquely named database and drops it after the test, so tests never
see each other's tables (nor those of another engineer's test run on the same servers).

URL forms (checked on Debian 12, unixODBC, MariaDB Connector/ODBC 3.1, psqlODBC):

* ``pg_url``: ``postgresql+psycopg://postgres@127.0.0.1:5432/<db>``.
* ``mariadb_odbc_url``: ``mysql+pyodbc://root@127.0.0.1/<db>?driver=MariaDB+Unicode&port=3306&charset=utf8mb4``.
  The port goes in the query: SQLAlchemy's pyodbc connector turns ``host:port`` into the SQL Server form
  ``Server=host,port``, which MariaDB's driver ignores, silently connecting to its default port instead.
* ``pg_odbc_connstr``: a raw pyodbc connection string through Debian's ``PostgreSQL Unicode`` driver, for the
  same database as ``pg_url``. SQLAlchemy has no ``postgresql+pyodbc`` dialect (``NoSuchModuleError``).

Mark tests that use them ``@pytest.mark.server``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, suppress

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from tests.support import unavailable
from tests.support.native import loaded, pyodbc  # imported on first use: it needs libodbc.so.2

__all__ = [
    "MARIADB_START",
    "PG_START",
    "mariadb_error_code",
    "mariadb_odbc_driver",
    "mariadb_odbc_url",
    "mariadb_server",
    "mariadb_user",
    "pg_odbc_connstr",
    "pg_odbc_driver",
    "pg_role",
    "pg_server",
    "pg_sqlstate",
    "pg_url",
]

HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN = "postgres"
MARIADB_PORT = 3306
MARIADB_ADMIN = "root"
MARIADB_COLLATION = "utf8mb4_general_ci"  # the server's own default; IDs compare case-insensitively in SQL
PG_ODBC_DRIVER = "PostgreSQL Unicode"

PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
MARIADB_START = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"

PRIVILEGES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
ALL_TABLES = "*"
_LOGIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")

#: A restricted-login factory: ``(db, name, grants) -> URL``. ``db`` is the database's URL (or its name);
#: ``grants`` maps a table name (or ``"*"`` for every table) to privileges, e.g. ``{"Customer": ["SELECT"]}``.
LoginFactory = Callable[[str, str, Mapping[str, Iterable[str]]], str]


def _unique(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(5)}"


def _database_name(db: str) -> str:
    return (make_url(db).database or "") if "://" in db else db


def _privileges(grants: Mapping[str, Iterable[str]]) -> list[tuple[str, list[str]]]:
    checked = []
    for table, privileges in grants.items():
        wanted = sorted({p.upper() for p in privileges})
        if not wanted or not set(wanted) <= PRIVILEGES:
            raise ValueError(f"grants for {table!r} must be some of {sorted(PRIVILEGES)}, not {wanted}")
        checked.append((table, wanted))
    return checked


def _login_name(name: str) -> str:
    if not _LOGIN_NAME.fullmatch(name):
        raise ValueError(f"login name {name!r} must be lowercase letters, digits and _, at most 31 long")
    return _unique(name)


# --------------------------------------------------------------------------------------------- PostgreSQL


def _pg_admin(database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=HOST, port=PG_PORT, user=PG_ADMIN, dbname=database,
                           autocommit=True, connect_timeout=5)


def _pg_url(database: str, user: str = PG_ADMIN, password: str | None = None) -> str:
    url = URL.create("postgresql+psycopg", username=user, password=password, host=HOST, port=PG_PORT,
                     database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server() -> None:
    """PostgreSQL answers on 127.0.0.1:5432 as ``postgres`` (checked once per session)."""
    try:
        with closing(_pg_admin()) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        unavailable(f"PostgreSQL is not answering on {HOST}:{PG_PORT} as {PG_ADMIN} ({error}); "
                    f"start it with: {PG_START}")


@pytest.fixture
def pg_url(pg_server: None) -> Iterator[str]:
    """A fresh UTF-8 PostgreSQL database, dropped afterwards: its ``postgresql+psycopg://`` URL."""
    database = _unique("smsync_test")
    with closing(_pg_admin()) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
                      .format(sql.Identifier(database)))
    try:
        yield _pg_url(database)
    finally:
        with closing(_pg_admin()) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


@pytest.fixture(scope="session")
def pg_odbc_driver(pg_server: None) -> str:
    """The name of Debian's psqlODBC Unicode driver, as registered with unixODBC."""
    if PG_ODBC_DRIVER not in pyodbc.drivers():
        unavailable(f"the ODBC driver {PG_ODBC_DRIVER!r} is not registered with unixODBC "
                    f"(registered: {pyodbc.drivers()}); install it: apt-get install odbc-postgresql")
    return PG_ODBC_DRIVER


@pytest.fixture
def pg_odbc_connstr(pg_url: str, pg_odbc_driver: str) -> str:
    """A raw pyodbc connection string to the same fresh database as ``pg_url``, through psqlODBC.

    SQLAlchemy has no ``postgresql+pyodbc`` dialect, so this is for ``pyodbc.connect`` directly.
    """
    database = make_url(pg_url).database
    return f"DRIVER={{{pg_odbc_driver}}};SERVER={HOST};PORT={PG_PORT};DATABASE={database};UID={PG_ADMIN};"


@pytest.fixture
def pg_role(pg_server: None) -> Iterator[LoginFactory]:
    """Make PostgreSQL logins holding only the given table privileges; each is dropped afterwards.

    ``pg_role(pg_url, "reader", {"Customer": ["SELECT"]})`` returns a ``postgresql+psycopg://`` URL for a
    new login (named ``reader_<random>``) in that database. ``"*"`` as the table grants on every table that
    exists at that moment in schema ``public``.
    """
    made: list[tuple[str, str]] = []

    def make(db: str, name: str, grants: Mapping[str, Iterable[str]]) -> str:
        database, role, password = _database_name(db), _login_name(name), secrets.token_hex(8)
        privileges = _privileges(grants)
        with closing(_pg_admin()) as admin:
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
                          .format(sql.Identifier(role), sql.Literal(password)))
        made.append((database, role))
        with closing(_pg_admin(database)) as admin:
            for table, wanted in privileges:
                target = (sql.SQL("ALL TABLES IN SCHEMA public") if table == ALL_TABLES
                          else sql.SQL("TABLE {}").format(sql.Identifier(table)))
                admin.execute(sql.SQL("GRANT {} ON {} TO {}").format(
                    sql.SQL(", ").join(sql.SQL(p) for p in wanted), target, sql.Identifier(role)))
        return _pg_url(database, role, password)

    yield make
    for database, role in reversed(made):
        with closing(_pg_admin()) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                          (role,))
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists:
            with closing(_pg_admin(database)) as admin:
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with closing(_pg_admin()) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def pg_sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a PostgreSQL error raised through psycopg, pyodbc or SQLAlchemy (``42501``...)."""
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, psycopg.Error):
        return cause.sqlstate
    odbc = loaded("pyodbc")  # an error cannot come from pyodbc unless it was imported
    if odbc is not None and isinstance(cause, odbc.Error) and cause.args:
        return str(cause.args[0])
    return None


# ----------------------------------------------------------------------------------------------- MariaDB


@pytest.fixture(scope="session")
def mariadb_odbc_driver() -> str:
    """The name MariaDB Connector/ODBC is registered under with unixODBC (Debian: ``MariaDB Unicode``)."""
    names: list[str] = [name for name in pyodbc.drivers() if "mariadb" in name.lower()]
    if not names:
        unavailable("MariaDB Connector/ODBC is not registered with unixODBC "
                    f"(registered: {pyodbc.drivers()}); install it: apt-get install odbc-mariadb")
    return sorted(names, key=lambda name: "unicode" not in name.lower())[0]


def _mariadb_admin(driver: str) -> pyodbc.Connection:
    return pyodbc.connect(f"DRIVER={{{driver}}};SERVER={HOST};PORT={MARIADB_PORT};UID={MARIADB_ADMIN};",
                          autocommit=True, timeout=5)


def _mariadb_url(driver: str, database: str, user: str = MARIADB_ADMIN, password: str | None = None) -> str:
    url = URL.create("mysql+pyodbc", username=user, password=password, host=HOST, database=database,
                     query={"driver": driver, "port": str(MARIADB_PORT), "charset": "utf8mb4"})
    return url.render_as_string(hide_password=False)


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _kill(admin: pyodbc.Connection, where: str, value: str) -> None:
    """End other sessions on a database or of a user, so that DROP never waits on their locks."""
    cursor = admin.cursor()
    ids = [row[0] for row in cursor.execute(
        f"SELECT ID FROM information_schema.PROCESSLIST WHERE {where} = ? AND ID <> CONNECTION_ID()", value)]
    for session in ids:
        with suppress(pyodbc.Error):  # it may have ended on its own meanwhile
            cursor.execute(f"KILL CONNECTION {int(session)}")


@pytest.fixture(scope="session")
def mariadb_server(mariadb_odbc_driver: str) -> str:
    """MariaDB answers on 127.0.0.1:3306 as root with no password; returns the ODBC driver name."""
    try:
        with closing(_mariadb_admin(mariadb_odbc_driver)) as admin:
            admin.cursor().execute("SELECT 1")
    except pyodbc.Error as error:
        unavailable(f"MariaDB is not answering on {HOST}:{MARIADB_PORT} as {MARIADB_ADMIN} ({error}); "
                    f"start it with: {MARIADB_START}")
    return mariadb_odbc_driver


@pytest.fixture
def mariadb_odbc_url(mariadb_server: str) -> Iterator[str]:
    """A fresh utf8mb4 MariaDB database, dropped afterwards: its ``mysql+pyodbc://`` URL."""
    database = _unique("smsync_test")
    with closing(_mariadb_admin(mariadb_server)) as admin:
        admin.cursor().execute(
            f"CREATE DATABASE {_quote(database)} CHARACTER SET utf8mb4 COLLATE {MARIADB_COLLATION}")
    try:
        yield _mariadb_url(mariadb_server, database)
    finally:
        with closing(_mariadb_admin(mariadb_server)) as admin:
            _kill(admin, "DB", database)
            admin.cursor().execute(f"DROP DATABASE IF EXISTS {_quote(database)}")


@pytest.fixture
def mariadb_user(mariadb_server: str) -> Iterator[LoginFactory]:
    """Make MariaDB logins holding only the given table privileges; each is dropped afterwards.

    ``mariadb_user(mariadb_odbc_url, "reader", {"Customer": ["SELECT"]})`` returns a ``mysql+pyodbc://`` URL
    for a new login (``reader_<random>``@``%``); ``"*"`` as the table grants on the whole database.
    """
    made: list[str] = []

    def make(db: str, name: str, grants: Mapping[str, Iterable[str]]) -> str:
        database, user, password = _database_name(db), _login_name(name), secrets.token_hex(8)
        privileges = _privileges(grants)
        account = f"{_quote(user)}@'%'"
        with closing(_mariadb_admin(mariadb_server)) as admin:
            cursor = admin.cursor()
            cursor.execute(f"CREATE USER {account} IDENTIFIED BY '{password}'")
            made.append(user)
            for table, wanted in privileges:
                target = "*" if table == ALL_TABLES else _quote(table)
                cursor.execute(f"GRANT {', '.join(wanted)} ON {_quote(database)}.{target} TO {account}")
        return _mariadb_url(mariadb_server, database, user, password)

    yield make
    with closing(_mariadb_admin(mariadb_server)) as admin:
        for user in reversed(made):
            _kill(admin, "USER", user)
            admin.cursor().execute(f"DROP USER IF EXISTS {_quote(user)}@'%'")


def mariadb_error_code(error: BaseException) -> int | None:
    """The server's error number (``1142``...) of a MariaDB error raised through pyodbc or SQLAlchemy.

    MariaDB Connector/ODBC reports it as the last ``(NNNN)`` of the message, before ``(SQLExecDirectW)``.
    """
    cause = getattr(error, "orig", None) or error
    numbers = re.findall(r"\((\d+)\)", " ".join(str(arg) for arg in cause.args[1:]))
    return int(numbers[-1]) if numbers else None
