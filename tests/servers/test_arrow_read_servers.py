"""The Arrow-native read on the servers: ADBC for PostgreSQL, arrow-odbc for MariaDB (MariaDB Connector/ODBC).

Each database is read twice, as smsync does by default and with ``SMSYNC_READER=dbapi``; the frames must be
equal (values, NA, dtypes), and ``arrow_read.READS`` says which reader served the default read. A value the fast
reader cannot give exactly (a text longer than arrow-odbc's buffer, a PostgreSQL ``numeric``) must be left to
the DBAPI read, never truncated or rendered differently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import make_url

from smsync_core.config import Config, load_config
from smsync_core.db import arrow as arrow_read
from smsync_core.db.connect import source_engine, target_engine
from smsync_core.demo import write_demo
from smsync_core.errors import AccessDenied, SmsyncError
from smsync_core.sources.sage100 import read_clients, sage_table
from smsync_core.targets.smsturbo import read_customers
from tests.support.readers import assert_same, read_twice

pytestmark = pytest.mark.server

CONFIG = load_config({})
READER = {"postgresql": "adbc-postgresql", "mysql": "arrow-odbc"}
Login = Callable[[str, str, Mapping[str, Iterable[str]]], str]


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> str:
    """Each server's fresh database URL (admin login)."""
    return str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "mariadb_odbc_url"))


def fast_reader(url: str) -> str:
    return READER[make_url(url).get_backend_name()]


def sage_reader(url: str, config: Config = CONFIG) -> Callable[[], pd.DataFrame]:
    engine = source_engine(url, config)
    return lambda: read_clients(engine, config)


def load_clients(url: str, rows: list[dict[str, Any]], **types: sa.types.TypeEngine[Any]) -> None:
    """The demo's Sage table on ``url`` with these rows; ``types`` replaces column types (``recnum=...``)."""
    metadata = sa.MetaData()
    table = sage_table(metadata)
    if types:
        table = sa.Table("reccln", sa.MetaData(), *(
            sa.Column(c.name, types.get(c.name, c.type)) for c in table.columns))
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            table.create(connection)
            if rows:
                connection.execute(table.insert(), rows)
    finally:
        engine.dispose()


def row(recnum: Any, **values: Any) -> dict[str, Any]:
    base = {"recnum": recnum, "clnnme": f"Client {recnum}", "addrs1": "1 Main St", "ctynme": "Denver",
            "state_": "CO", "zipcde": "80202", "phnnum": "303-555-0100", "contct": "Pat", "status": 3, "inactv": 0}
    return base | values


# --- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_reads_fast_into_the_same_frames(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_demo(server, server, clients=1500, seed=5)
    fast, slow, used = read_twice(sage_reader(server), monkeypatch)
    assert used == fast_reader(server)
    assert_same(fast, slow)
    assert len(fast) == 1500 and fast["status"].dtype == pd.Int64Dtype() and fast["inactive"].dtype == bool

    engine = target_engine(server, CONFIG)
    fast, slow, used = read_twice(lambda: read_customers(engine, CONFIG), monkeypatch)
    assert used == fast_reader(server)
    assert_same(fast, slow)


# --- awkward text --------------------------------------------------------------------------------------------------

AWKWARD = {
    "NULLS": None,
    "EMPTY": "",
    "EMOJI": "Café 🚀 Ünïcödé 😀",
    "QUOTES": "O'Brien \"Quotes\" & Sons; --",
    "SPACES": "   ",
    "TABS": "\t\n",
    "PADDED": "  Acme  ",
    "CYRILLIC": "АСМЕ Paving",
    "FULL50": "é" * 50,  # the column's whole length in 2-byte characters
    "EMOJI50": "😀" * 50,  # and in 4-byte ones
}


def test_nulls_emoji_quotes_and_whitespace_come_through_exactly(server: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Padding is not data: trailing spaces go and a value of only spaces is blank; everything else is exact.
    load_clients(server, [row(cid, clnnme=v, addrs2=v, contct=v) for cid, v in AWKWARD.items()])
    fast, slow, used = read_twice(sage_reader(server), monkeypatch)
    assert used == fast_reader(server)
    assert_same(fast, slow)
    assert sorted(fast["customer_id"]) == sorted(AWKWARD)
    expected = {k: v for k, v in AWKWARD.items() if k not in ("NULLS", "SPACES")} | {"PADDED": "  Acme"}
    for field in ("name", "address2", "contact"):
        values = dict(zip(fast["customer_id"], fast[field], strict=True))
        assert values["NULLS"] is pd.NA and values["SPACES"] is pd.NA
        assert {k: values[k] for k in expected} == expected


def test_a_nul_in_text_comes_through_on_mariadb(mariadb_odbc_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    load_clients(mariadb_odbc_url, [row("NUL1", clnnme="A\x00B"), row("1002")])
    fast, slow, used = read_twice(sage_reader(mariadb_odbc_url), monkeypatch)
    assert used == "arrow-odbc"
    assert_same(fast, slow)
    assert fast["name"][0] == "A\x00B"


NOTES = load_config({"sage": {"columns": {"name": "ntetxt"}}})  # the name read from the unbounded TEXT column


LIMIT = arrow_read.ODBC_MAX_TEXT


@pytest.mark.parametrize(("size", "tail"), [(LIMIT - 4, "😀"), (LIMIT, "😀"), (LIMIT + 1, "x"), (LIMIT + 1, "😀"),
                                           (10_000_000, "😀")])
def test_long_text_is_never_cut(server: str, monkeypatch: pytest.MonkeyPatch, size: int, tail: str) -> None:
    """arrow-odbc reads a TEXT column through a buffer of ``ODBC_MAX_TEXT`` bytes. MariaDB's driver does not
    always say when a value is longer (16,385 x's came back as 16,384 without an error), so a value that fills
    the buffer is left to the DBAPI read, which gives the whole text."""
    long = "x" * (size - len(tail.encode())) + tail  # size bytes of UTF-8
    load_clients(server, [row("1001", ntetxt="short"), row("1002", ntetxt=long), row("1003", ntetxt=None)],
                 ntetxt=sa.Text().with_variant(mysql.LONGTEXT(), "mysql"))
    fast, slow, used = read_twice(sage_reader(server, NOTES), monkeypatch)
    assert_same(fast, slow)
    assert fast["name"][1] == long
    fits = server.startswith("postgresql") or size < LIMIT - 3
    assert used == (fast_reader(server) if fits else "dbapi")


# --- Client Numbers stored as numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("recnum_type", [sa.BigInteger(), sa.Integer()], ids=["bigint", "int"])
def test_integer_client_numbers_read_fast_as_plain_text(server: str, monkeypatch: pytest.MonkeyPatch,
                                                        recnum_type: sa.types.TypeEngine[Any]) -> None:
    load_clients(server, [row(1001), row(-5), row(None), row(2_000_000_000)], recnum=recnum_type)
    fast, slow, used = read_twice(sage_reader(server), monkeypatch)
    assert used == fast_reader(server)
    assert_same(fast, slow)
    assert fast["customer_id"].fillna("<NA>").tolist() == ["1001", "-5", "<NA>", "2000000000"]


def test_whole_decimal_client_numbers_render_without_decimals(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    load_clients(server, [row(1001), row(1002.00), row(None)], recnum=sa.Numeric(12, 2))
    fast, slow, used = read_twice(sage_reader(server), monkeypatch)
    assert_same(fast, slow)
    assert fast["customer_id"].fillna("<NA>").tolist() == ["1001", "1002", "<NA>"]
    # arrow-odbc gives a decimal column; ADBC gives PostgreSQL's numeric as its own text, left to psycopg
    assert used == ("dbapi" if server.startswith("postgresql") else "arrow-odbc")


def test_a_fractional_decimal_client_number_is_left_to_the_dbapi_read(server: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    load_clients(server, [row(1001), row(1001.5)], recnum=sa.Numeric(12, 2))
    fast, slow, used = read_twice(sage_reader(server), monkeypatch)
    assert used == "dbapi"
    assert_same(fast, slow)


def test_text_in_a_text_status_column_gives_the_same_sentence(server: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    load_clients(server, [row("A", status="3"), row("B", status="x")], status=sa.String(5))
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    with pytest.raises(SmsyncError) as fast:
        sage_reader(server)()
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    with pytest.raises(SmsyncError) as slow:
        sage_reader(server)()
    assert (type(fast.value), str(fast.value)) == (type(slow.value), str(slow.value))
    assert "not a whole number" in str(fast.value)


def test_digits_in_a_text_status_column_read_fast(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    load_clients(server, [row("A", status="3"), row("B", status="6"), row("C", status=None)], status=sa.String(5))
    fast, slow, used = read_twice(sage_reader(server), monkeypatch)
    assert used == fast_reader(server)
    assert_same(fast, slow)
    assert fast["status"].fillna(-1).tolist() == [3, 6, -1]


# --- logins and errors ---------------------------------------------------------------------------------------------


def test_a_denied_select_gives_the_same_sentence_and_no_password(pg_url: str, pg_role: Login,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    write_demo(pg_url, pg_url, clients=60, seed=7)
    reader = pg_role(pg_url, "reader", {"Customer": ["SELECT"]})  # not the client table
    password = make_url(reader).password
    assert password
    caplog.set_level(logging.DEBUG, logger="smsync_core")
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    with pytest.raises(AccessDenied) as fast:
        sage_reader(reader)()
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    with pytest.raises(AccessDenied) as slow:
        sage_reader(reader)()
    assert str(fast.value) == str(slow.value)
    assert "authority level" in str(fast.value)
    assert "adbc-postgresql read not used" in caplog.text
    assert password not in caplog.text and password not in str(fast.value)


def test_a_column_denied_on_mariadb_gives_the_same_sentence(mariadb_odbc_url: str, mariadb_user: Login,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_demo(mariadb_odbc_url, mariadb_odbc_url, clients=60, seed=7)
    reader = mariadb_user(mariadb_odbc_url, "reader", {})
    admin = sa.create_engine(mariadb_odbc_url)
    try:
        with admin.begin() as connection:  # SELECT on the Client Number only: the table can be described
            user = make_url(reader).username
            connection.exec_driver_sql(f"GRANT SELECT (recnum) ON reccln TO `{user}`@'%'")
    finally:
        admin.dispose()
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    with pytest.raises(AccessDenied) as fast:
        sage_reader(reader)()
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    with pytest.raises(AccessDenied) as slow:
        sage_reader(reader)()
    assert str(fast.value) == str(slow.value)


def test_a_password_with_uri_characters_reaches_postgresql(pg_url: str, pg_role: Login,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_demo(pg_url, pg_url, clients=60, seed=7)
    reader = make_url(pg_role(pg_url, "reader", {"reccln": ["SELECT"]}))
    odd = "p@ss:w/rd?&=% #'\"x"
    with psycopg.connect(host=reader.host, port=reader.port, user="postgres", dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(reader.username or ""),
                                                                 sql.Literal(odd)))
    url = reader.set(password=odd).render_as_string(hide_password=False)
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-postgresql"
    assert_same(fast, slow)


def test_postgresql_sessions_of_the_fast_read_are_read_only(pg_url: str) -> None:
    uri = arrow_read.postgresql_uri(sa.create_engine(pg_url + "?sslmode=disable&options=-c%20work_mem%3D8MB"))
    params = {k: v[0] for k, v in parse_qs(urlsplit(uri).query).items()}
    assert params["options"] == "-c work_mem=8MB -c default_transaction_read_only=on"
    assert params["sslmode"] == "disable" and params["dbname"] == make_url(pg_url).database
    import adbc_driver_postgresql.dbapi as adbc_postgresql

    with adbc_postgresql.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('default_transaction_read_only')")
        assert cursor.fetchall() == [("on",)]
