"""One class per database engine: what each states, checked on SQLAlchemy's compiled SQL (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, mysql, postgresql, sqlite
from sqlalchemy.engine import make_url

from smsync_core.db.dialects import REGISTRY, Dialect, MySQL, PostgreSQL, SQLite, SQLServer, dialect_of
from smsync_core.errors import ConnectionFailed

TABLE = sa.Table("Customer", sa.MetaData(), sa.Column("CustomerID", sa.String(15), primary_key=True))


@pytest.mark.parametrize(
    ("url", "kind", "driver"),
    [
        ("sqlite:///x.db", SQLite, ""),
        ("postgresql+psycopg://u@h/db", PostgreSQL, "psycopg"),
        ("mysql+pyodbc://u@h/db", MySQL, "pyodbc"),
        ("mariadb+pymysql://u@h/db", MySQL, "pymysql"),
        ("mssql+pyodbc://u@h/db", SQLServer, "pyodbc"),
        ("frobdb://u@h/db", Dialect, ""),  # any other dialect gets the defaults, and loading it is not tried
    ],
)
def test_each_url_finds_its_engine_class(url: str, kind: type[Dialect], driver: str) -> None:
    found = dialect_of(make_url(url))
    assert type(found) is kind
    assert found.driver == driver


def test_the_registry_names_every_backend_once() -> None:
    assert set(REGISTRY) == {"sqlite", "postgresql", "mysql", "mariadb", "mssql"}


def _compiled(kind: Dialect, dialect: sa.Dialect) -> str:
    return str(kind.lock(sa.select(TABLE.c.CustomerID), TABLE).compile(dialect=dialect))


def test_row_locks_are_each_engines_own() -> None:
    assert "WITH (UPDLOCK, HOLDLOCK)" in _compiled(SQLServer(), mssql.dialect())
    assert _compiled(PostgreSQL(), postgresql.dialect()).endswith("FOR UPDATE")
    assert _compiled(MySQL(), mysql.dialect()).endswith("FOR UPDATE")
    assert "FOR UPDATE" not in _compiled(SQLite(), sqlite.dialect())  # BEGIN IMMEDIATE holds the lock


def test_parameter_limits_bound_the_rows_of_one_insert() -> None:
    assert SQLite().rows_per_statement(columns=20, most=100) == 100
    assert SQLite().rows_per_statement(columns=20_000, most=100) == 1
    assert PostgreSQL("psycopg").rows_per_statement(columns=18, most=100) == 100
    assert PostgreSQL("pg8000").rows_per_statement(columns=18, most=100) == 1  # no array binding known there
    assert SQLServer().rows_per_statement(columns=18, most=100) == 1
    assert PostgreSQL("psycopg").select_chunk > Dialect().select_chunk


def test_what_only_some_engines_do() -> None:
    assert MySQL.ddl_commits and not PostgreSQL.ddl_commits and not SQLite.ddl_commits
    assert PostgreSQL.refuses_nul and not MySQL.refuses_nul
    assert MySQL().source_session_statement() == "SET SESSION TRANSACTION READ ONLY"
    assert PostgreSQL().source_options() == {"connect_args": {"options": "-c default_transaction_read_only=on"}}
    assert SQLServer().target_options(make_url("mssql+pyodbc://u@h/db")) == {"fast_executemany": True}


def test_sql_server_reads_with_read_only_intent_and_sends_the_application_name() -> None:
    url = make_url("mssql+pyodbc://u@srv/Company1?driver=FreeTDS")
    assert SQLServer().source_url(url).query["ApplicationIntent"] == "ReadOnly"
    assert SQLServer().with_app_name(url, "smsync").query["APP"] == "smsync"
    named = make_url("mssql+pyodbc://u@srv/Company1?APP=Sage.100.Contractor.Reports")
    assert SQLServer().with_app_name(named, "smsync").query["APP"] == "Sage.100.Contractor.Reports"
    assert PostgreSQL().with_app_name(make_url("postgresql+psycopg://u@h/db"), "smsync").query == {}


def test_sqlite_opens_the_company_file_read_only_and_names_a_target_by_its_path(tmp_path: Path) -> None:
    company = tmp_path / "sage.db"
    sa.create_engine(f"sqlite:///{company}").connect().close()
    read_only = SQLite().source_url(make_url(f"sqlite:///{company}"))
    assert read_only.database is not None and read_only.database.endswith("?mode=ro")
    assert read_only.query["uri"] == "true"
    with pytest.raises(ConnectionFailed, match="does not exist"):
        SQLite().source_url(make_url(f"sqlite:///{tmp_path / 'missing.db'}"))
    with pytest.raises(ConnectionFailed, match="does not exist"):
        SQLite().target_options(make_url(f"sqlite:///{tmp_path / 'missing.db'}"))
    assert SQLite().identity(make_url(f"sqlite:///{company}")) == f"sqlite:{company.resolve()}"


def test_a_server_target_is_named_without_its_password() -> None:
    identity = Dialect().identity(make_url("postgresql+psycopg://u:S3cret@h:5432/db?sslmode=require"))
    assert "S3cret" not in identity and identity == "postgresql+psycopg://u:***@h:5432/db"  # as older records hold it


def test_a_run_that_lost_a_race_is_told_apart_from_a_real_failure() -> None:
    def error(text: str) -> sa.exc.DBAPIError:
        return sa.exc.DBAPIError.instance("INSERT ...", None, Exception(text), Exception)

    assert Dialect().lost_a_race(error("deadlock detected"))
    assert Dialect().lost_a_race(error("('23000', \"[23000] [ma-3.1.20][10.11.6-MariaDB]Duplicate entry 'x' for key "
                                       "'PRIMARY' (1062) (SQLExecDirectW)\")"))
    assert Dialect().lost_a_race(error("ERROR 40001 could not serialize access"))
    assert not Dialect().lost_a_race(error("no such column: Phone"))
    assert not Dialect().lost_a_race(ValueError("deadlock"))  # not a database error
