"""SQL Server without a server: error mapping, connection URLs, fast_executemany, and the statements smsync
sends, compiled for the ``mssql`` dialect (pyodbc).

Error texts are those pyodbc raises through Microsoft's ODBC Driver 18 and FreeTDS: ``args`` is
``(sqlstate, message)`` and the message ends with the server's error number in parentheses.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pytest
import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from smsync_core.apply import sql as apply_sql
from smsync_core.audit.changes import Change
from smsync_core.audit.ledger import runs_table
from smsync_core.config import SqlServerOptions, load_config
from smsync_core.db.connect import (
    sage_sqlserver_url,
    source_engine,
    target_engine,
    translate_error,
)
from smsync_core.errors import AccessDenied, ConflictError, ConnectionFailed, SchemaMismatch
from smsync_core.redact import redact_url
from smsync_core.targets.smsturbo import smsturbo_table
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db
from tests.support.native import pyodbc  # imported on first use: it needs libodbc.so.2

MS = "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]"
TDS = "[FreeTDS][SQL Server]"
URL = "mssql+pyodbc://sage_reader:Secret-Pa55@SAGESRV\\SAGE100CON/Company?driver=ODBC+Driver+18+for+SQL+Server"


pytestmark = pytest.mark.usefixtures("odbc")  # every mssql+pyodbc engine imports pyodbc, which needs libodbc.so.2


def odbc_error(kind: str, sqlstate: str, message: str,
               call: str = "SQLExecDirectW") -> sa.exc.DBAPIError:
    """A pyodbc error (``kind`` names its class, e.g. ``"ProgrammingError"``) as SQLAlchemy hands it on."""
    orig = getattr(pyodbc, kind)(sqlstate, f"[{sqlstate}] {message} ({call})")
    return sa.exc.DBAPIError("SELECT ...", None, orig)


# --- error mapping ----------------------------------------------------------------------------------------------

SELECT_DENIED = ("ProgrammingError", "42000",
                 f"{MS}The SELECT permission was denied on the object 'reccln', database 'Company', "
                 "schema 'dbo'. (229)")
INSERT_DENIED = ("ProgrammingError", "42000",
                 f"{MS}The INSERT permission was denied on the object 'Customer', database 'SMSTurbo', "
                 "schema 'dbo'. (229)")
LOGIN_FAILED = ("InterfaceError", "28000", f"{MS}Login failed for user 'sage_reader'. (18456)")
LOGIN_FAILED_TDS = ("InterfaceError", "28000", f"{TDS}Login failed for user 'sage_reader'. (18456)")
# What the client sees of Sage's logon trigger: only 17892 ("SAGE ERROR 50004" goes to the server's log).
TRIGGER = ("InterfaceError", "42000",
           f"{MS}Logon failed for login 'sage_reader' due to trigger execution. (17892)")
TRIGGER_TDS = ("OperationalError", "42000",
               f"{TDS}Logon failed for login 'sage_reader' due to trigger execution. (17892)")
# A SAGE100CON instance's self-signed certificate, Encrypt=yes and TrustServerCertificate=no: ODBC Driver 18 on
# Linux (OpenSSL) and on Windows (SChannel), FreeTDS (its TLS error, OpenSSL's reason).
CERT_LINUX = ("OperationalError", "08001",
              "[Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:0A000086:SSL routines::certificate "
              "verify failed:self-signed certificate] (-1)")
CERT_WINDOWS = ("OperationalError", "08001",
                "[Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: The certificate chain was issued by an "
                "authority that is not trusted.\r\n (-2146893019)")
CERT_TDS = ("OperationalError", "08001",
            "[FreeTDS][SQL Server]TLS error: error:0A000086:SSL routines::certificate verify failed (20017)")


@pytest.mark.parametrize("error", [SELECT_DENIED, INSERT_DENIED], ids=["select-229", "insert-229"])
def test_permission_denied_229_is_an_authorization_problem(error: tuple[Any, str, str]) -> None:
    side: Literal["sage", "smsturbo"] = "sage" if "SELECT" in error[2] else "smsturbo"
    translated = translate_error(odbc_error(*error), side, URL)
    assert isinstance(translated, AccessDenied) and translated.exit_code == 1
    text = str(translated)
    assert "authority level needs to be edited" in text and "'sage_reader'" in text
    assert ("db_datareader" in text) if side == "sage" else ("INSERT" in text)
    assert "Secret-Pa55" not in text


@pytest.mark.parametrize("error", [LOGIN_FAILED, LOGIN_FAILED_TDS], ids=["odbc18", "freetds"])
def test_login_failed_18456_says_check_user_and_password(error: tuple[Any, str, str]) -> None:
    translated = translate_error(odbc_error(*error, call="SQLDriverConnect"), "sage", URL)
    assert isinstance(translated, AccessDenied)
    assert "refused the login for user 'sage_reader'" in str(translated)
    assert "user name and password" in str(translated) and "Secret-Pa55" not in str(translated)


@pytest.mark.parametrize("error", [TRIGGER, TRIGGER_TDS], ids=["odbc18", "freetds"])
def test_the_sage_logon_trigger_17892_names_sage_error_50004_and_the_app_name_setting(
        error: tuple[Any, str, str]) -> None:
    translated = translate_error(odbc_error(*error, call="SQLDriverConnect"), "sage", URL)
    assert isinstance(translated, AccessDenied)
    text = str(translated)
    assert "SageApplicationsOnly" in text and "17892" in text and "SAGE ERROR 50004" in text
    # the administrator's two real choices, and where the application name goes
    assert "sysadmin" in text and "'Sage.100.Contractor.'" in text and "'Sage100Contractor\u00a6'" in text
    assert "app_name under [sqlserver] in smsync.toml" in text
    assert "never changes the trigger" in text and "Sage update may reset it" in text
    assert "user name and password" not in text  # not mistaken for a wrong password
    assert "'sage_reader'" in text and "Secret-Pa55" not in text


@pytest.mark.parametrize("error", [CERT_LINUX, CERT_WINDOWS, CERT_TDS], ids=["odbc18-linux", "odbc18-windows",
                                                                          "freetds"])
def test_a_self_signed_certificate_says_to_trust_it_not_to_check_the_network(error: tuple[Any, str, str]) -> None:
    translated = translate_error(odbc_error(*error, call="SQLDriverConnect"), "sage", URL)
    assert isinstance(translated, ConnectionFailed)
    text = str(translated)
    assert "trust_server_certificate = true under [sqlserver]" in text and "install the server's certificate" in text
    assert "check the server, database name and network" not in text and "Secret-Pa55" not in text


def test_trust_server_certificate_in_smsync_toml_reaches_a_plain_url_and_read_only_intent_stays() -> None:
    plain = "mssql+pyodbc://u:pw@SAGESRV\\SAGE100CON/Company?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes"
    untrusted = connect_string(source_engine(plain))
    assert "TrustServerCertificate" not in untrusted and untrusted.endswith("ApplicationIntent=ReadOnly")
    config = load_config({"sqlserver": {"trust_server_certificate": True,
                                        "app_name": "Sage.100.Contractor.smsync"}})
    trusted = connect_string(source_engine(plain, config))
    assert "TrustServerCertificate=yes" in trusted and "APP=Sage.100.Contractor.smsync;" in trusted
    assert trusted.endswith("ApplicationIntent=ReadOnly")
    assert "TrustServerCertificate=yes" in connect_string(target_engine(plain, config))
    said_no = connect_string(source_engine(plain + "&TrustServerCertificate=no", config))
    assert "TrustServerCertificate=no" in said_no and "TrustServerCertificate=yes" not in said_no


@pytest.mark.parametrize(("message", "expected"), [
    (f"{MS}Invalid object name 'dbo.reccln'. (208)", SchemaMismatch),
    (f"{MS}Invalid column name 'inactv2'. (207)", SchemaMismatch),
    (f"{MS}Cannot open database \"Compny\" requested by the login. The login failed. (4060)", ConnectionFailed),
    ("[Microsoft][ODBC Driver 18 for SQL Server]TCP Provider: Error code 0x2749 (10057)", ConnectionFailed),
    (f"{MS}Violation of PRIMARY KEY constraint 'PK_Customer'. Cannot insert duplicate key in object "
     "'dbo.Customer'. The duplicate key value is (18456). (2627)", ConflictError),
    (f"{MS}Cannot insert duplicate key row in object 'dbo.Customer' with unique index 'IX_Customer'. "
     "The duplicate key value is (229). (2601)", ConflictError),
], ids=["208", "207", "4060", "network", "2627-with-an-id-like-18456", "2601-with-an-id-like-229"])
def test_other_sql_server_errors(message: str, expected: type[Exception]) -> None:
    translated = translate_error(odbc_error("Error", "42S02", message), "smsturbo", URL)
    assert type(translated) is expected, translated
    assert "Secret-Pa55" not in str(translated)


# --- URLs, application name, fast_executemany --------------------------------------------------------------------


def connect_string(engine: sa.Engine) -> str:
    """The ODBC connection string pyodbc would receive (no connection is opened)."""
    args, _kwargs = engine.dialect.create_connect_args(engine.url)
    return str(args[0])


def test_the_url_for_odbc_driver_18_names_the_instance_encrypts_and_sends_the_app_name() -> None:
    url = sage_sqlserver_url("SAGESRV", "Company Inc", username="sage_reader", password="p@ss;word}",
                             options=SqlServerOptions(app_name="smsync"))
    text = connect_string(source_engine(url))
    assert text.startswith("DRIVER={ODBC Driver 18 for SQL Server};Server=SAGESRV\\SAGE100CON;Database=Company Inc;")
    assert "UID=sage_reader;" in text and "PWD={p@ss;word}}};" in text  # ODBC braces, } doubled
    assert "APP=smsync;" in text and "Encrypt=yes" in text and text.endswith("ApplicationIntent=ReadOnly")
    assert "p@ss" not in redact_url(url)


def test_the_url_for_freetds_sets_the_tds_version_and_the_app_name() -> None:
    url = sage_sqlserver_url("sagesrv", "Company", username="r", password="pw", port=1433,
                             options=SqlServerOptions(driver="FreeTDS", app_name="Sage100Sync", encrypt=False))
    text = connect_string(source_engine(url))
    assert text.startswith("DRIVER={FreeTDS};Server=sagesrv,1433;Database=Company;")
    assert "APP=Sage100Sync;" in text and "TDS_Version=7.4;" in text and "Encryption=off;" in text


def test_trusted_connection_sends_no_user_or_password() -> None:
    url = sage_sqlserver_url("SAGESRV", "Company", username="ignored", password="ignored",
                             options=SqlServerOptions(trusted_connection=True, trust_server_certificate=True))
    text = connect_string(source_engine(url))
    assert "Trusted_Connection=Yes" in text or "Trusted_Connection=yes" in text
    assert "UID=" not in text and "PWD=" not in text and "TrustServerCertificate=yes" in text


def test_a_plain_url_gets_the_configured_app_name_on_both_sides() -> None:
    config = load_config({"sqlserver": {"app_name": "Approved App"}})
    plain = "mssql+pyodbc://u:pw@SAGESRV/Company?driver=ODBC+Driver+18+for+SQL+Server"
    assert "APP=Approved App;" in connect_string(source_engine(plain, config))
    assert "APP=Approved App" in connect_string(target_engine(plain, config))
    given = connect_string(source_engine(plain + "&APP=Other", config))
    assert "APP=Other" in given and "Approved App" not in given


def test_fast_executemany_is_on_for_the_sql_server_target_only() -> None:
    plain = "mssql+pyodbc://u:pw@SRV/SMSTurbo?driver=ODBC+Driver+18+for+SQL+Server"
    assert getattr(target_engine(plain).dialect, "fast_executemany", None) is True
    assert not getattr(source_engine(plain).dialect, "fast_executemany", False)


# --- the statements, compiled for mssql ----------------------------------------------------------------------------

TRICKY = "x'; DROP TABLE [Customer]; -- 😀 \x00"


def sql_server_dialect(**options: Any) -> sa.Dialect:
    """The dialect of smsync's own SQL Server target engine (pyodbc: ``?`` parameters), never connected."""
    dialect = target_engine("mssql+pyodbc://u:pw@SRV/SMSTurbo?driver=ODBC+Driver+18+for+SQL+Server").dialect
    for name, value in options.items():
        setattr(dialect, name, value)
    return dialect


class _NoRows:
    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def mappings(self) -> list[Any]:
        return []


class SqlServerStatements:
    """Stands where a SQL Server connection would: compiles each statement for mssql+pyodbc and keeps it.

    No database behaviour is imitated: reads return no rows, writes report every row touched.
    """

    def __init__(self) -> None:
        self.dialect = sql_server_dialect()
        self.sent: list[tuple[str, list[Any]]] = []

    def execute(self, statement: Any, params: Sequence[Mapping[str, Any]] | None = None) -> _NoRows:
        rows = list(params or [])
        keys = list(rows[0]) if rows else None
        compiled = statement.compile(dialect=self.dialect, column_keys=keys,
                                     compile_kwargs={"render_postcompile": True})
        order = list(compiled.positiontup or ())
        if rows:
            values = [[row.get(name) for name in order] for row in rows]
        else:
            values = [[compiled.params[name] for name in order]]
        self.sent.append((str(compiled), values))
        return _NoRows(len(rows) or 1)

    def exec_driver_sql(self, statement: str, rows: Sequence[Sequence[Any]]) -> _NoRows:
        self.sent.append((statement, [list(r) for r in rows]))
        return _NoRows(len(rows))


@pytest.fixture
def customer_table() -> sa.Table:
    """SMSTurbo's Customer table in schema dbo, as on a real SQL Server."""
    return smsturbo_table(sa.MetaData(), schema="dbo")


def test_the_locked_read_of_current_rows(customer_table: sa.Table) -> None:
    conn = SqlServerStatements()
    apply_sql.current_rows(conn, customer_table, "CustomerID", ["1001", TRICKY])  # type: ignore[arg-type]
    ((sql, params),) = conn.sent
    assert sql == ("SELECT dbo.[Customer].[CustomerID] \nFROM dbo.[Customer] WITH (UPDLOCK, HOLDLOCK) \n"
                   "WHERE dbo.[Customer].[CustomerID] IN (?, ?)")
    assert params == [["1001", TRICKY]]


def test_inserts_updates_and_deletes(customer_table: sa.Table) -> None:
    conn = SqlServerStatements()
    after = {"CustomerID": "O'BRIEN2", "CustomerName": TRICKY, "Phone": "303",
             "CreditLimit": decimal.Decimal("5000.00")}
    changes = [
        Change("O'BRIEN2", "insert", None, after),
        Change("1002", "update", {"Phone": "old", "Address1": "old"}, {"Phone": "(303) 555-0114",
                                                                       "Address1": TRICKY}),
        Change("1003", "delete", {"CustomerID": "1003"}, None),
    ]
    apply_sql.write_changes(conn, customer_table, "CustomerID", changes,  # type: ignore[arg-type]
                            step=lambda _s: None, progress=lambda _n: None)
    (insert, insert_rows), (update, update_rows), (delete, delete_rows) = conn.sent
    assert insert == ("INSERT INTO dbo.[Customer] ([CustomerID], [CustomerName], [Phone], [CreditLimit]) "
                      "VALUES (?, ?, ?, ?)")
    assert insert_rows[0][:3] == ["O'BRIEN2", TRICKY, "303"]  # values only as parameters, verbatim
    assert decimal.Decimal(str(insert_rows[0][3])) == decimal.Decimal("5000.00")
    assert update == ("UPDATE dbo.[Customer] SET [Address1]=?, [Phone]=? "  # in the table's column order
                      "WHERE dbo.[Customer].[CustomerID] = ?")
    assert update_rows == [[TRICKY, "(303) 555-0114", "1002"]]
    assert delete == "DELETE FROM dbo.[Customer] WHERE dbo.[Customer].[CustomerID] = ?"
    assert delete_rows == [["1003"]]
    assert all("DROP" not in sql for sql, _ in conn.sent)


def test_the_audit_table_row_and_its_definition() -> None:
    runs = runs_table("smsync_runs", "dbo")
    conn = SqlServerStatements()
    row = {"run_id": "R1", "kind": "sync", "chain_id": "c", "sequence": 1, "started_at": "t0", "committed_at": "t1",
           "os_user": "Zoë", "inserted": 1, "updated": 0, "deleted": 0, "undoes": None, "changes_sha256": "0" * 64,
           "changes": '{"after": "😀"}\n'}
    conn.execute(runs.insert(), [row])  # the statement insert_run sends (it first asks the table which columns exist)
    ((sql, params),) = conn.sent
    assert sql.startswith("INSERT INTO dbo.smsync_runs (run_id, kind, chain_id, sequence, started_at, ")
    assert sql.count("?") == len(row) and params == [list(row.values())]
    dialect = sql_server_dialect(deprecate_large_types=True)  # what SQL Server 2012+ reports on connect
    ddl = str(CreateTable(runs).compile(dialect=dialect))
    assert "changes NVARCHAR(max) NOT NULL" in ddl and "os_user NVARCHAR(255)" in ddl
    assert "PRIMARY KEY (run_id)" in ddl


def test_the_reads_smsync_sends_compile_for_sql_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run check and diff on SQLite, keep every statement smsync built, and compile each for mssql."""
    import smsync_core

    monkeypatch.setenv("SMSYNC_READER", "dbapi")  # the Arrow read sends its statement past SQLAlchemy's events
    wb = smsync_core.connect(make_sage_db(tmp_path / "sage.db", [client("1001"), client("1002")]),
                             make_smsturbo_db(tmp_path / "smsturbo.db", [customer("1001")]), {})
    built: list[Any] = []

    def keep(conn: Any, clauseelement: Any, multiparams: Any, params: Any, options: Any) -> None:
        if isinstance(clauseelement, sa.sql.Select):
            built.append(clauseelement)

    for engine in (wb.sage_engine, wb.smsturbo_engine):
        sa.event.listen(engine, "before_execute", keep)
    wb.reconcile(missing_only=False)
    wb.plan(["1002"])
    wb.close()
    dialect = sql_server_dialect()
    compiled = [str(s.compile(dialect=dialect)) for s in built]
    sage = next(c for c in compiled if "FROM reccln" in c)
    assert sage.startswith("SELECT reccln.recnum AS customer_id, reccln.clnnme AS name")
    smsturbo = next(c for c in compiled if "FROM [Customer]" in c and "WHERE" not in c)
    assert smsturbo.startswith("SELECT [Customer].[CustomerID] AS customer_id, [Customer].[CustomerName] AS name")
    template = next(c for c in compiled if "WHERE [Customer].[CustomerID] = ?" in c)
    assert template.startswith("SELECT [Customer].[CustomerID], [Customer].[CustomerName]")
