"""Smoke tests of the test infrastructure itself: real servers, real ODBC drivers, the CI rule, the browser.

If one of these fails, the tests built on the same fixtures cannot be trusted either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from tests.support.browser import free_port, serve_directory
from tests.support.native import pyodbc  # imported on first use: it needs libodbc.so.2
from tests.support.servers import LoginFactory, mariadb_error_code, pg_sqlstate

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]

# Text that must come back exactly as written: quotes, an injection attempt, emoji, accents.
TRICKY = {
    "Q1": "O'Brien & \"Sons\" `Ltd`",
    "Q2": "'; DROP TABLE x; --",
    "Q3": "Zoë Ñúñez-Château 😀🏗️ 👩🏽‍💼",
    "Q4": "  leading and trailing spaces  ",
}


def _customer_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "Customer", metadata,
        sa.Column("CustomerID", sa.String(15), primary_key=True),
        sa.Column("CustomerName", sa.String(100)),
    )


def _round_trip(url: str, values: dict[str, str]) -> None:
    """Create ``"Customer"``, write ``values`` and read them back through SQLAlchemy."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        customer = _customer_table(metadata)
        metadata.create_all(engine)
        with engine.begin() as connection:
            rows = [{"CustomerID": key, "CustomerName": value} for key, value in values.items()]
            connection.execute(customer.insert(), rows)
        with engine.connect() as connection:
            rows_back = connection.execute(sa.select(customer.c.CustomerID, customer.c.CustomerName))
            back = {row.CustomerID: row.CustomerName for row in rows_back}
            quoted = engine.dialect.identifier_preparer.quote
            raw = connection.execute(sa.text(
                f"SELECT {quoted('CustomerID')} FROM {quoted('Customer')} ORDER BY 1")).scalars().all()
        assert back == values
        assert raw == sorted(values)
        inspector = sa.inspect(engine)
        assert "Customer" in inspector.get_table_names()
        assert [c["name"] for c in inspector.get_columns("Customer")] == ["CustomerID", "CustomerName"]
    finally:
        engine.dispose()


def _restricted(admin_url: str, make_login: LoginFactory) -> tuple[sa.Engine, sa.Table, sa.Table]:
    """A ``Customer`` and an ``Other`` table, and an engine for a login that may only SELECT ``Customer``."""
    metadata = sa.MetaData()
    customer = _customer_table(metadata)
    other = sa.Table("Other", metadata, sa.Column("id", sa.Integer, primary_key=True))
    admin = sa.create_engine(admin_url)
    metadata.create_all(admin)
    with admin.begin() as connection:
        connection.execute(customer.insert(), {"CustomerID": "1001", "CustomerName": "Julie Smith"})
    admin.dispose()
    reader_url = make_login(admin_url, "reader", {"Customer": ["SELECT"]})
    assert make_url(reader_url).username != make_url(admin_url).username
    return sa.create_engine(reader_url), customer, other


# ----------------------------------------------------------------------------------------------- servers


@pytest.mark.server
def test_postgresql_psycopg_keeps_mixed_case_names_and_text(pg_url: str) -> None:
    _round_trip(pg_url, TRICKY)


@pytest.mark.server
def test_postgresql_refuses_nul_clearly(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    metadata = sa.MetaData()
    customer = _customer_table(metadata)
    metadata.create_all(engine)
    with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
        connection.execute(customer.insert(), {"CustomerID": "N", "CustomerName": "nul\x00byte"})
    assert isinstance(raised.value.orig, psycopg.DataError)
    assert "NUL" in str(raised.value.orig)
    engine.dispose()


@pytest.mark.server
def test_mariadb_odbc_keeps_mixed_case_names_text_and_nul(mariadb_odbc_url: str) -> None:
    url = make_url(mariadb_odbc_url)
    assert url.drivername == "mysql+pyodbc"
    assert url.query["charset"] == "utf8mb4"
    _round_trip(mariadb_odbc_url, {**TRICKY, "Q5": "nul\x00byte"})


@pytest.mark.server
def test_mariadb_odbc_url_port_reaches_the_driver(mariadb_odbc_url: str) -> None:
    """A port nothing listens on must fail: the port is really used, not silently replaced by 3306."""
    closed = make_url(mariadb_odbc_url).update_query_dict({"port": str(free_port())})
    engine = sa.create_engine(closed)
    with pytest.raises(DBAPIError) as raised, engine.connect():
        pass
    assert mariadb_error_code(raised.value) == 2002  # CR_CONNECTION_ERROR: can't connect
    engine.dispose()


def test_sqlalchemy_has_no_postgresql_pyodbc_dialect() -> None:
    """Why PostgreSQL over ODBC is a raw pyodbc connection string and not a SQLAlchemy URL."""
    with pytest.raises(NoSuchModuleError):
        sa.create_engine("postgresql+pyodbc://postgres@127.0.0.1/postgres")


@pytest.mark.server
def test_postgresql_odbc_keeps_mixed_case_names_and_text(pg_odbc_connstr: str) -> None:
    with pyodbc.connect(pg_odbc_connstr) as connection:
        cursor = connection.cursor()
        cursor.execute('CREATE TABLE "Customer" ("CustomerID" varchar(15) PRIMARY KEY, "CustomerName" text)')
        cursor.executemany('INSERT INTO "Customer" ("CustomerID", "CustomerName") VALUES (?, ?)',
                           list(TRICKY.items()))
        connection.commit()
        rows = cursor.execute('SELECT "CustomerID", "CustomerName" FROM "Customer" ORDER BY 1').fetchall()
        assert {row[0]: row[1] for row in rows} == TRICKY
        assert [column[0] for column in cursor.description] == ["CustomerID", "CustomerName"]


@pytest.mark.server
def test_postgresql_odbc_cuts_text_at_nul(pg_odbc_connstr: str) -> None:
    """psqlODBC neither stores nor refuses a NUL: it cuts the text there silently; callers must refuse it."""
    with pyodbc.connect(pg_odbc_connstr) as connection:
        cursor = connection.cursor()
        cursor.execute('CREATE TABLE "Customer" ("CustomerID" varchar(15), "CustomerName" text)')
        cursor.execute('INSERT INTO "Customer" VALUES (?, ?)', "N", "nul\x00byte")
        assert cursor.execute('SELECT "CustomerName" FROM "Customer"').fetchval() == "nul"


@pytest.mark.server
def test_postgresql_restricted_role_can_read_but_not_write(pg_url: str, pg_role: LoginFactory) -> None:
    reader, customer, other = _restricted(pg_url, pg_role)
    with reader.connect() as connection:
        assert connection.execute(sa.select(customer.c.CustomerName)).scalar_one() == "Julie Smith"
    for denied in (customer.insert().values(CustomerID="1002", CustomerName="x"), sa.select(other)):
        with pytest.raises(DBAPIError) as raised, reader.begin() as connection:
            connection.execute(denied)
        assert pg_sqlstate(raised.value) == "42501"  # insufficient_privilege
    reader.dispose()


@pytest.mark.server
def test_mariadb_restricted_user_can_read_but_not_write(mariadb_odbc_url: str,
                                                        mariadb_user: LoginFactory) -> None:
    reader, customer, other = _restricted(mariadb_odbc_url, mariadb_user)
    with reader.connect() as connection:
        assert connection.execute(sa.select(customer.c.CustomerName)).scalar_one() == "Julie Smith"
    for denied in (customer.insert().values(CustomerID="1002", CustomerName="x"), sa.select(other)):
        with pytest.raises(DBAPIError) as raised, reader.begin() as connection:
            connection.execute(denied)
        assert mariadb_error_code(raised.value) == 1142  # ER_TABLEACCESS_DENIED_ERROR
    reader.dispose()


# ------------------------------------------------------------------------------ pytest runs in a subprocess


def _run_pytest(tmp_path: Path, source: str, ci: bool) -> subprocess.CompletedProcess[str]:
    """Run pytest on one small test file with this project's conftest loaded as a plugin."""
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(source))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true" if ci else "false"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-p", "tests.conftest",
         "-p", "no:cacheprovider", "-q", str(tmp_path / "test_inner.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


SKIPPING = """
    import pytest

    def test_passes():
        pass

    def test_skips_itself():
        pytest.skip("the widget server is down")

    @pytest.mark.skipif(True, reason="no Chromium here")
    def test_skipped_by_mark():
        pass
"""


def test_skips_are_failures_under_ci(tmp_path: Path) -> None:
    run = _run_pytest(tmp_path, SKIPPING, ci=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "the widget server is down" in run.stdout
    assert "no Chromium here" in run.stdout
    assert "1 passed" in run.stdout
    assert "skipped" not in run.stdout.splitlines()[-1]


def test_skips_are_skips_outside_ci(tmp_path: Path) -> None:
    run = _run_pytest(tmp_path, SKIPPING, ci=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 2 skipped" in run.stdout


def test_module_skip_is_a_failure_under_ci(tmp_path: Path) -> None:
    run = _run_pytest(tmp_path, """
        import pytest
        pytest.importorskip("a_module_that_does_not_exist")
    """, ci=True)
    assert run.returncode != 0, run.stdout + run.stderr
    assert "a_module_that_does_not_exist" in run.stdout


@pytest.mark.server
def test_databases_and_logins_are_dropped_afterwards(tmp_path: Path) -> None:
    record = tmp_path / "made.json"
    run = _run_pytest(tmp_path, f"""
        import json
        from sqlalchemy.engine import make_url

        def test_make(pg_url, pg_role, mariadb_odbc_url, mariadb_user):
            made = {{
                "pg_db": make_url(pg_url).database,
                "pg_role": make_url(pg_role(pg_url, "probe", {{"*": ["SELECT"]}})).username,
                "maria_db": make_url(mariadb_odbc_url).database,
                "maria_user": make_url(mariadb_user(mariadb_odbc_url, "probe", {{"*": ["SELECT"]}})).username,
            }}
            open({str(record)!r}, "w").write(json.dumps(made))
    """, ci=True)
    assert run.returncode == 0, run.stdout + run.stderr
    made = json.loads(record.read_text())
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres") as admin:
        assert not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (made["pg_db"],)).fetchall()
        assert not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (made["pg_role"],)).fetchall()
    driver = next(name for name in pyodbc.drivers() if "MariaDB" in name)
    with pyodbc.connect(f"DRIVER={{{driver}}};SERVER=127.0.0.1;PORT=3306;UID=root;") as admin:
        cursor = admin.cursor()
        assert not cursor.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                                  made["maria_db"]).fetchall()
        assert not cursor.execute("SELECT 1 FROM mysql.user WHERE User = ?", made["maria_user"]).fetchall()


# ----------------------------------------------------------------------------------------------- browser

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>smsync browser check</title></head>
<body style="font-family: 'DejaVu Sans'">
  <p id="status">Waiting for Synchronize</p>
  <button id="sync" onclick="document.getElementById('status').textContent = 'Import completed'">
    Synchronize</button>
</body></html>
"""


@pytest.mark.browser
def test_chromium_clicks_and_screenshots_a_local_page(chromium_browser: Browser, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    shot = tmp_path / "after.png"
    with serve_directory(site) as base_url:
        page = chromium_browser.new_page()
        page.goto(base_url + "index.html")
        assert page.title() == "smsync browser check"
        assert page.inner_text("#status") == "Waiting for Synchronize"
        page.click("#sync")
        assert page.inner_text("#status") == "Import completed"
        page.screenshot(path=str(shot))
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 1000
