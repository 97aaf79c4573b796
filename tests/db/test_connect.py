"""Connections: the read-only Sage engine (on real SQLite files), SQL Server URLs and SQL compiled without a server,
password redaction, and database errors translated into sentences that say what to do."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote_plus

import psycopg.errors
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql
from sqlalchemy.exc import DBAPIError, ProgrammingError

from smsync_core.config import SqlServerOptions, load_config
from smsync_core.db.connect import (
    database_errors,
    sage_sqlserver_url,
    source_engine,
    target_engine,
    translate_error,
)
from smsync_core.db.reading import mapped_columns
from smsync_core.errors import AccessDenied, ConfigurationError, ConnectionFailed, ReadOnlyViolation, SchemaMismatch
from smsync_core.redact import redact_url, strip_password
from smsync_core.sources import sage100
from tests.support.data import client, make_sage_db, make_smsturbo_db, read_table, sha256
from tests.support.native import pyodbc  # imported on first use: it needs libodbc.so.2

WRITES = [
    "UPDATE reccln SET clnnme = 'x'",
    "update reccln set clnnme = 'x' where recnum = 'A1'",
    "INSERT INTO reccln (recnum) VALUES ('NEW')",
    "DELETE FROM reccln",
    "DROP TABLE reccln",
    "CREATE TABLE other (x INTEGER)",
    "SELECT * INTO copy_of_clients FROM reccln",
    "SELECT 1; DELETE FROM reccln",
    "SELECT 1;DELETE FROM reccln;",
    "WITH c AS (SELECT recnum FROM reccln) DELETE FROM reccln WHERE recnum IN (SELECT recnum FROM c)",
    "REPLACE INTO reccln (recnum) VALUES ('A1')",
    "PRAGMA user_version = 7",
    "VACUUM",
    "ATTACH DATABASE 'other.db' AS other",
    # a quote inside a comment must not hide the statement after it (a SQL Server batch needs no ';')
    "SELECT 1 -- it's\nDELETE FROM reccln",
    "SELECT 1 -- '\nDELETE FROM reccln -- '",
    "SELECT 1 /* ' */ ; DELETE FROM reccln -- '",
    "SELECT $$'$$; DELETE FROM reccln; SELECT $$'$$",
    "SET default_transaction_read_only = off",
]


@pytest.fixture
def sage_file(tmp_path: Path) -> Path:
    path = tmp_path / "company.db"
    make_sage_db(path, [client("A1"), client("B2", name="O'Brien; DROP TABLE reccln")])
    return path


@pytest.fixture
def sage(sage_file: Path) -> Iterator[sa.Engine]:
    engine = source_engine(f"sqlite:///{sage_file}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("statement", WRITES)
@pytest.mark.parametrize("how", ["text", "exec_driver_sql", "begin"])
def test_writes_on_the_sage_engine_are_refused_and_the_file_is_unchanged(
    sage: sa.Engine, sage_file: Path, statement: str, how: str
) -> None:
    before = sha256(sage_file)
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        if how == "text":
            with sage.connect() as conn:
                conn.execute(sa.text(statement))
                conn.commit()
        elif how == "exec_driver_sql":
            with sage.connect() as conn:
                conn.exec_driver_sql(statement)
                conn.commit()
        else:
            with sage.begin() as conn:
                conn.execute(sa.text(statement))
    assert sha256(sage_file) == before
    assert [r[0] for r in read_table(sage_file, "reccln")] == ["A1", "B2"]


def test_core_insert_update_delete_and_executemany_are_refused(sage: sa.Engine, sage_file: Path) -> None:
    before = sha256(sage_file)
    table = sa.Table("reccln", sa.MetaData(), autoload_with=sage)
    statements = [
        sa.insert(table).values(recnum="NEW"),
        sa.update(table).values(clnnme="changed"),
        sa.delete(table),
    ]
    for stmt in statements:
        with pytest.raises(ReadOnlyViolation), sage.begin() as conn:
            conn.execute(stmt)
    with pytest.raises(ReadOnlyViolation), sage.begin() as conn:
        conn.execute(sa.insert(table), [{"recnum": "N1"}, {"recnum": "N2"}])
    assert sha256(sage_file) == before


def test_a_raw_connection_opened_by_the_sage_engine_is_read_only(sage: sa.Engine, sage_file: Path) -> None:
    before = sha256(sage_file)
    raw = sage.raw_connection()  # below SQLAlchemy's events: only the file mode protects the data here
    try:
        cursor = raw.cursor()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            cursor.execute("UPDATE reccln SET clnnme = 'x'")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            cursor.execute("CREATE TABLE t (x)")
        cursor.execute("SELECT count(*) FROM reccln")
        assert cursor.fetchone()[0] == 2
    finally:
        raw.close()
    assert sha256(sage_file) == before


def test_reads_still_work_including_write_words_inside_text(sage: sa.Engine, sage_file: Path) -> None:
    before = sha256(sage_file)
    with sage.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM reccln")).scalar() == 2
        name = conn.execute(
            sa.text("SELECT clnnme FROM reccln WHERE clnnme LIKE :p"), {"p": "%DROP TABLE%"}
        ).scalar()
        assert name == "O'Brien; DROP TABLE reccln"
        assert conn.exec_driver_sql("SELECT 'DELETE; UPDATE' AS x -- a comment").scalar() == "DELETE; UPDATE"
        assert conn.exec_driver_sql("WITH c AS (SELECT recnum FROM reccln) SELECT count(*) FROM c").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA table_info(reccln)").fetchall()
    assert sha256(sage_file) == before


def test_missing_sage_file_is_connection_failed_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "company.db"
    with pytest.raises(ConnectionFailed, match="does not exist") as info:
        source_engine(f"sqlite:///{missing}")
    assert info.value.exit_code == 1
    assert not missing.exists()


def test_missing_smsturbo_file_is_connection_failed(tmp_path: Path) -> None:
    with pytest.raises(ConnectionFailed, match="SMSTurbo"):
        target_engine(f"sqlite:///{tmp_path / 'turbo.db'}")


@pytest.mark.parametrize("url", ["not a url", "sqlite//x.db", "://x"])
def test_a_bad_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        source_engine(url)
    assert info.value.exit_code == 2


def test_an_unknown_driver_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="nosuchdb"):
        target_engine("nosuchdb://user:pw@host/db")


# --- SQL Server, without a server ----------------------------------------------------------------------------------


def _reccln() -> sa.Table:
    config = load_config({})
    metadata = sa.MetaData()
    columns = [sa.Column(c, sa.Integer if c in ("recnum", "status", "inactv") else sa.String(50))
               for c in config.sage.columns.values()]
    return sa.Table("reccln", metadata, *columns, schema="dbo")


def test_the_sage_read_compiles_for_sql_server_with_brackets_and_labels() -> None:
    config = load_config({"sage": {"columns": {"email": "e-mail", "contact": "Contact Name"}}})
    table = sa.Table(
        "reccln",
        sa.MetaData(),
        *(sa.Column(c, sa.String(50)) for c in config.sage.columns.values()),
        schema="dbo",
    )
    columns = mapped_columns(table, config.sage, "sage")
    stmt = sa.select(*(column.label(field) for field, column in columns.items()))
    sql = str(stmt.compile(dialect=mssql.dialect()))
    assert "FROM dbo.reccln" in sql
    assert "dbo.reccln.recnum AS customer_id" in sql
    assert "dbo.reccln.state_ AS state" in sql  # not a reserved word: no brackets needed
    assert "dbo.reccln.[e-mail] AS email" in sql
    assert "dbo.reccln.[Contact Name] AS contact" in sql
    assert "dbo.reccln.status AS status" in sql
    assert sql.lstrip().upper().startswith("SELECT")


@pytest.mark.usefixtures("odbc")  # an mssql+pyodbc engine imports pyodbc
def test_sql_server_url_for_microsoft_odbc_driver_18() -> None:
    options = SqlServerOptions(app_name="smsync-test", encrypt=True, trust_server_certificate=True)
    url = sage_sqlserver_url("SAGESRV", "Company1", username="reader", password="p@ss;w}rd", options=options)
    assert url.drivername == "mssql+pyodbc"
    assert url.host == "SAGESRV\\SAGE100CON"
    assert url.query["driver"] == "ODBC Driver 18 for SQL Server"
    assert url.query["APP"] == "smsync-test"
    assert url.query["Encrypt"] == "yes"
    assert url.query["TrustServerCertificate"] == "yes"
    engine = source_engine(url)  # engine creation does not connect
    (connstr,), _ = engine.dialect.create_connect_args(engine.url)
    parts = connstr.split(";")
    assert "DRIVER={ODBC Driver 18 for SQL Server}" in parts
    assert "Server=SAGESRV\\SAGE100CON" in parts
    assert "Database=Company1" in parts
    assert "UID=reader" in parts
    assert "PWD={p@ss;w}}rd}" in connstr  # escaped for ODBC, so the ';' cannot end the password
    assert "APP=smsync-test" in parts
    assert "ApplicationIntent=ReadOnly" in parts
    assert "p@ss" not in redact_url(url)


def test_sql_server_url_without_certificate_trust_or_encryption() -> None:
    url = sage_sqlserver_url("srv", "Co", username="u", password="p", options=SqlServerOptions(encrypt=False))
    assert url.query["Encrypt"] == "no"
    assert "TrustServerCertificate" not in url.query


@pytest.mark.usefixtures("odbc")  # an mssql+pyodbc engine imports pyodbc
def test_sql_server_url_for_freetds() -> None:
    options = SqlServerOptions(driver="FreeTDS", app_name="smsync")
    url = sage_sqlserver_url("10.0.0.5", "Company1", username="u", password="p", port=1433, options=options)
    assert url.query["driver"] == "FreeTDS"
    assert url.query["TDS_Version"].startswith("7.")
    assert url.query["APP"] == "smsync"
    assert "Encrypt" not in url.query  # Microsoft's keyword; FreeTDS has its own
    engine = source_engine(url)
    (connstr,), _ = engine.dialect.create_connect_args(engine.url)
    assert "DRIVER={FreeTDS}" in connstr and "Server=10.0.0.5,1433" in connstr
    assert "TDS_Version=7.4" in connstr and "APP=smsync" in connstr


@pytest.mark.usefixtures("odbc")  # an mssql+pyodbc engine imports pyodbc
def test_trusted_connection_drops_user_and_password() -> None:
    options = SqlServerOptions(trusted_connection=True)
    url = sage_sqlserver_url("srv", "Co", username="someone", password="secret", options=options)
    assert url.username is None and url.password is None
    engine = source_engine(url)
    (connstr,), _ = engine.dialect.create_connect_args(engine.url)
    assert "UID=" not in connstr and "PWD=" not in connstr and "secret" not in connstr
    assert "trusted_connection=yes" in connstr.lower()


@pytest.mark.usefixtures("odbc")  # an mssql+pyodbc engine imports pyodbc
def test_target_engine_on_sql_server_uses_fast_executemany() -> None:
    engine = target_engine("mssql+pyodbc://sa:pw@srv/SMSTurbo?driver=ODBC+Driver+18+for+SQL+Server")
    assert engine.dialect.fast_executemany is True
    sage = source_engine("mssql+pyodbc://sa:pw@srv/Company1?driver=ODBC+Driver+18+for+SQL+Server")
    assert sage.dialect.fast_executemany is False  # the source never writes in bulk


@pytest.mark.usefixtures("odbc")  # an mssql+pyodbc engine imports pyodbc
def test_password_from_environment_fills_a_url_without_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSYNC_SAGE_PASSWORD", "from-env")
    engine = source_engine("mssql+pyodbc://reader@srv/Co?driver=FreeTDS")
    assert engine.url.password == "from-env"
    assert "from-env" not in repr(engine.url) and "from-env" not in redact_url(engine.url)


# --- redaction ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "mssql+pyodbc://sa:S3cret!@srv/db?driver=ODBC+Driver+18+for+SQL+Server",
        "postgresql+psycopg://user:S3cret!@host:5432/db",
        "mssql+pyodbc:///?odbc_connect=" + quote_plus("DRIVER={ODBC Driver 18};SERVER=s;UID=sa;PWD=S3cret!"),
        "mssql+pyodbc:///?odbc_connect=" + quote_plus("DRIVER={FreeTDS};pwd={S3c;ret!};UID=sa;APP=smsync"),
        "mssql+pyodbc:///?odbc_connect=" + quote_plus("DRIVER={X};PWD={S3c}}ret!};UID=sa"),
        "not really a url://user:S3cret!@host",
    ],
    ids=["mssql", "postgres", "odbc_connect", "odbc_connect-braces", "odbc_connect-escaped-brace", "unparsable"],
)
def test_redact_url_and_strip_password_hide_the_password(url: str) -> None:
    for shown in (redact_url(url), strip_password(url)):
        assert "S3c" not in shown and "ret!" not in shown and "S3cret" not in shown
    assert "***" in redact_url(url) or "%2A%2A%2A" in redact_url(url)


def test_strip_password_removes_the_password_but_keeps_the_rest() -> None:
    stripped = strip_password("mssql+pyodbc://reader:S3cret@srv:1433/Company1?driver=FreeTDS&APP=smsync")
    assert stripped == "mssql+pyodbc://reader@srv:1433/Company1?APP=smsync&driver=FreeTDS"


# --- error translation --------------------------------------------------------------------------------------------


def _wrapped(orig: BaseException) -> DBAPIError:
    return DBAPIError.instance("SELECT recnum FROM reccln", None, orig, pyodbc.Error)  # type: ignore[arg-type]


MSSQL = "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]"


@pytest.mark.parametrize(
    ("make", "side", "kind", "phrases"),
    [
        (
            lambda: _wrapped(pyodbc.Error("42000", f"[42000] {MSSQL}The SELECT permission was denied on the object "
                                          "'reccln', database 'Company1', schema 'dbo'. (229) (SQLExecDirectW)")),
            "sage",
            AccessDenied,
            ["authority level", "read access"],
        ),
        (
            lambda: ProgrammingError(
                "SELECT recnum FROM reccln",
                None,
                pyodbc.ProgrammingError("42000", f"[42000] {MSSQL}The SELECT permission was denied on the object "
                                        "'reccln'. (229) (SQLExecDirectW)"),
            ),
            "sage",
            AccessDenied,
            ["authority level"],
        ),
        (
            lambda: _wrapped(pyodbc.InterfaceError("28000", f"[28000] {MSSQL}Login failed for user 'reader'. "
                                                   "(18456) (SQLDriverConnect)")),
            "sage",
            AccessDenied,
            ["refused the login", "reader", "password"],
        ),
        (
            lambda: _wrapped(pyodbc.Error("42000", f"[42000] {MSSQL}Logon failed for login 'reader' due to trigger "
                                          f"execution. (17892) (SQLDriverConnect); [01000] {MSSQL}SAGE ERROR 50004")),
            "sage",
            AccessDenied,
            ["logon trigger", "SAGE ERROR 50004", "app_name"],
        ),
        (
            lambda: _wrapped(psycopg.errors.InsufficientPrivilege("permission denied for table reccln")),
            "sage",
            AccessDenied,
            ["authority level"],
        ),
        (
            lambda: _wrapped(pyodbc.ProgrammingError("42000", "[42000] [ma-3.1.20][11.4.3-MariaDB]INSERT command "
                                                     "denied to user 'clerk'@'localhost' for table `t`.`Customer` "
                                                     "(1142) (SQLExecDirectW)")),
            "smsturbo",
            AccessDenied,
            ["SMSTurbo", "authority level", "INSERT"],
        ),
        (
            lambda: _wrapped(sqlite3.OperationalError("attempt to write a readonly database")),
            "smsturbo",
            AccessDenied,
            ["read-only", "authority level"],
        ),
        (
            lambda: _wrapped(sqlite3.OperationalError("database is locked")),
            "smsturbo",
            ConnectionFailed,
            ["locked", "close it"],
        ),
        (
            lambda: _wrapped(sqlite3.OperationalError("no such table: reccln")),
            "sage",
            SchemaMismatch,
            ["table", "smsync.toml"],
        ),
    ],
    ids=["mssql-229", "mssql-229-programmingerror", "mssql-18456", "mssql-17892", "pg-42501", "mysql-1142",
         "sqlite-readonly", "sqlite-locked", "sqlite-no-table"],
)
def test_translate_error(
    make: Callable[[], DBAPIError], side: str, kind: type[Exception], phrases: list[str]
) -> None:
    error = translate_error(make(), side, "mssql+pyodbc://reader:S3cret@srv/Company1")  # type: ignore[arg-type]
    assert type(error) is kind
    message = str(error)
    for phrase in phrases:
        assert phrase in message, message
    assert "S3cret" not in message
    assert "\n" not in message and message.endswith(".")
    assert error.exit_code == (2 if kind is SchemaMismatch else 1)


def test_a_real_sqlite_lock_is_reported_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "turbo.db"
    url = make_smsturbo_db(path, [])
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        engine = sa.create_engine(url, connect_args={"timeout": 0})  # no 30 s wait in a test
        with (
            pytest.raises(ConnectionFailed, match="locked by another program"),
            database_errors("smsturbo", url),
            engine.connect() as conn,
        ):
            conn.exec_driver_sql('SELECT count(*) FROM "Customer"')
        engine.dispose()
    finally:
        holder.rollback()
        holder.close()


def test_a_real_read_only_sqlite_write_is_access_denied(tmp_path: Path) -> None:
    path = tmp_path / "turbo.db"
    make_smsturbo_db(path, [])
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with (
        pytest.raises(AccessDenied, match="read-only"),
        database_errors("smsturbo", str(engine.url)),
        engine.begin() as conn,
    ):
        conn.exec_driver_sql('DELETE FROM "Customer"')
    engine.dispose()


@pytest.mark.server
def test_real_postgresql_permission_denied_is_access_denied(pg_url: str, pg_role: Callable[..., str]) -> None:
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE reccln (recnum varchar(20))")
        conn.exec_driver_sql("CREATE TABLE other (x int)")
    admin.dispose()
    reader = pg_role(pg_url, "noread", {"other": ["SELECT"]})
    engine = source_engine(reader)
    with (
        pytest.raises(AccessDenied, match="authority level"),
        database_errors("sage", reader),
        engine.connect() as conn,
    ):
        conn.exec_driver_sql("SELECT recnum FROM reccln")
    engine.dispose()


@pytest.mark.server
def test_real_postgresql_sage_session_is_read_only(pg_url: str) -> None:
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE reccln (recnum varchar(20))")
        conn.exec_driver_sql("INSERT INTO reccln VALUES ('A1')")
    engine = source_engine(pg_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT recnum FROM reccln").scalar() == "A1"
    raw = engine.raw_connection()
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            raw.cursor().execute("DELETE FROM reccln")
    finally:
        raw.close()
    engine.dispose()
    with admin.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM reccln").scalar() == 1
    admin.dispose()


@pytest.mark.usefixtures("odbc")  # an mssql+pyodbc engine imports pyodbc
def test_a_missing_odbc_driver_says_to_install_it() -> None:
    engine = source_engine("mssql+pyodbc://reader:S3cret@srv/Company1?driver=No+Such+Driver+For+SQL+Server")
    with pytest.raises(ConnectionFailed) as info, database_errors("sage", engine.url), engine.connect():
        pass  # a real pyodbc error: unixODBC cannot find the driver, before any network
    message = str(info.value)
    assert "driver" in message and "install" in message and "S3cret" not in message
    assert "network" not in message  # the server is not the problem


def test_an_error_code_inside_quoted_data_is_not_read_as_one() -> None:
    error = translate_error(_wrapped(sqlite3.OperationalError("no such table: 1045")), "sage")
    assert isinstance(error, SchemaMismatch)  # not MySQL's 1045 "access denied"


@pytest.mark.server
def test_real_postgresql_unknown_login_is_access_denied(pg_url: str) -> None:
    url = sa.make_url(pg_url).set(username="nobody_smsync_test", password="S3cret")
    engine = source_engine(url)
    with pytest.raises(AccessDenied, match="refused the login") as info, database_errors("sage", url), engine.connect():
        pass
    engine.dispose()
    assert "nobody_smsync_test" in str(info.value) and "S3cret" not in str(info.value)


def _mariadb_reccln(url: str) -> None:
    admin = sa.create_engine(url)
    columns = ", ".join(f"`{c}` varchar(50)" for c in load_config({}).sage.columns.values())
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE reccln ({columns})")
        conn.exec_driver_sql("INSERT INTO reccln (recnum, clnnme) VALUES ('A1', 'Acme')")
        conn.exec_driver_sql("CREATE TABLE unrelated (x int)")
    admin.dispose()


@pytest.mark.server
def test_real_mariadb_sage_reads_but_never_writes(mariadb_odbc_url: str) -> None:
    _mariadb_reccln(mariadb_odbc_url)
    engine = source_engine(mariadb_odbc_url)
    clients = sage100.read_clients(engine, load_config({}))
    assert clients["customer_id"].tolist() == ["A1"] and clients["name"].tolist() == ["Acme"]
    with pytest.raises(ReadOnlyViolation), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM reccln")
    raw = engine.raw_connection()
    try:
        with pytest.raises(pyodbc.Error, match=r"(?i)read.only|1792"):
            raw.cursor().execute("DELETE FROM reccln")  # the session itself is read-only
    finally:
        raw.close()
    engine.dispose()


@pytest.mark.server
def test_real_mariadb_command_denied_is_access_denied(
    mariadb_odbc_url: str, mariadb_user: Callable[..., str]
) -> None:
    _mariadb_reccln(mariadb_odbc_url)
    reader = mariadb_user(mariadb_odbc_url, "clerk", {"unrelated": ["SELECT"]})
    engine = source_engine(reader)
    password = sa.make_url(reader).password
    with (
        pytest.raises((AccessDenied, SchemaMismatch)) as info,
        database_errors("sage", reader),
        engine.connect() as conn,
    ):
        conn.exec_driver_sql("SELECT recnum FROM reccln")
    engine.dispose()
    assert isinstance(info.value, AccessDenied), str(info.value)
    assert "authority level" in str(info.value)
    assert not password or password not in str(info.value)


@pytest.mark.parametrize(
    "orig",
    [
        lambda: pyodbc.Error("40001", "[40001] [ma-3.1.15][10.11.19-MariaDB]Deadlock found when trying to get "
                             "lock; try restarting transaction (1213) (SQLExecDirectW)"),
        lambda: pyodbc.Error("40001", f"[40001] {MSSQL}Transaction (Process ID 61) was deadlocked on lock resources "
                             "with another process and has been chosen as the deadlock victim. Rerun the "
                             "transaction. (1205) (SQLExecDirectW)"),
        lambda: psycopg.errors.DeadlockDetected("deadlock detected"),
        lambda: psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
    ],
    ids=["mariadb-1213", "mssql-1205", "pg-40P01", "pg-40001"],
)
def test_a_deadlock_says_to_run_again_not_to_check_the_network(orig: Callable[[], Exception]) -> None:
    error = translate_error(_wrapped(orig()), "smsturbo", "postgresql+psycopg://clerk:S3cret@db/turbo")
    assert type(error).__name__ == "ConflictError" and error.exit_code == 1
    message = str(error)
    assert "run smsync again" in message and "network" not in message and "S3cret" not in message
