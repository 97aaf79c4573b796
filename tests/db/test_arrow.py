"""The Arrow-native read (ADBC SQLite here) gives exactly the frame the DBAPI read gives, or steps aside.

Every test reads the same database twice, once as smsync does by default and once with ``SMSYNC_READER=dbapi``,
and compares the frames exactly (values, NA, dtypes). Which reader served a read is taken from
``arrow_read.READS``, so a test also fails when the fast path silently stops being used.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from smsync_core.config import Config, load_config
from smsync_core.db import arrow as arrow_read
from smsync_core.db.connect import sage_sqlserver_url, source_engine, target_engine
from smsync_core.demo import build_demo
from smsync_core.errors import SmsyncError
from smsync_core.sources.sage100 import read_clients
from smsync_core.targets.smsturbo import read_customers
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db, sha256
from tests.support.readers import assert_same, read_twice

CONFIG = load_config({})
Read = Callable[[], pd.DataFrame]


def sage_reader(url: str, config: Config = CONFIG) -> Read:
    engine = source_engine(url, config)
    return lambda: read_clients(engine, config)


def failure(read: Read) -> tuple[type[BaseException], str]:
    """The smsync error a read raises: its class and its sentence."""
    with pytest.raises(SmsyncError) as info:
        read()
    return type(info.value), str(info.value)


# --- the demo ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("recnum_type", ["text", "int"])
def test_the_demo_reads_through_adbc_into_the_same_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recnum_type: Any
) -> None:
    paths = build_demo(tmp_path, clients=3000, seed=11, recnum_type=recnum_type)
    fast, slow, used = read_twice(sage_reader(paths.sage_url), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)
    assert fast["customer_id"].dtype == pd.StringDtype("pyarrow")
    assert fast["status"].dtype == pd.Int64Dtype() and fast["inactive"].dtype == bool
    assert "1001" in set(fast["customer_id"].dropna())  # an integer Client Number as plain decimal text

    engine = target_engine(paths.smsturbo_url, CONFIG)
    fast, slow, used = read_twice(lambda: read_customers(engine, CONFIG), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)


def test_a_read_leaves_the_sage_file_byte_for_byte_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = build_demo(tmp_path, clients=500, seed=3)
    before = sha256(paths.sage)
    _, _, used = read_twice(sage_reader(paths.sage_url), monkeypatch)
    assert used == "adbc-sqlite"
    assert sha256(paths.sage) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db" or "-" in p.name) == [
        "sage.db", "smsturbo.db"]  # no journal left behind


def test_smsync_reader_dbapi_turns_the_fast_path_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client("1001")])
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    before = arrow_read.READS.copy()
    sage_reader(url)()
    assert arrow_read.READS - before == {"dbapi": 1}


# --- awkward text --------------------------------------------------------------------------------------------------

AWKWARD = {
    "NULLS": None,
    "EMPTY": "",
    "EMOJI": "Café 🚀 Ünïcödé 😀",
    "QUOTES": "O'Brien \"Quotes\" & Sons; --",
    "SPACES": "   ",
    "TABS": "\t\n",
    "PADDED": "  Acme  ",
    "NUL": "before\x00after",
    "CYRILLIC": "АСМЕ Paving",
}


def test_nulls_emoji_quotes_and_whitespace_come_through_exactly(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Padding is not data: trailing spaces go, a value of only spaces is blank; the Client Number stays exact.
    rows = [client(cid, name=value, address2=value, contact=value) for cid, value in AWKWARD.items()]
    rows.append(client("TRAIL  ", name="Trail Co   "))
    url = make_sage_db(tmp_path / "sage.db", rows)
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)
    assert list(fast["customer_id"]) == [*AWKWARD, "TRAIL  "]
    for field in ("name", "address2", "contact"):
        values = dict(zip(fast["customer_id"], fast[field], strict=True))
        assert values["NULLS"] is pd.NA and values["EMPTY"] == "" and values["SPACES"] is pd.NA
        assert values["PADDED"] == "  Acme" and values["TABS"] == "\t\n"
        assert values["EMOJI"] == AWKWARD["EMOJI"] and values["NUL"] == "before\x00after"
        assert values["QUOTES"] == AWKWARD["QUOTES"] and values["CYRILLIC"] == AWKWARD["CYRILLIC"]
    assert fast["name"].iloc[-1] == "Trail Co"


def test_a_10_mb_field_comes_through_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = "x" * 5_000_000 + "🚀" * 1_250_000  # 10,000,000 bytes of UTF-8
    url = make_sage_db(tmp_path / "sage.db", [client("1001"), client("1002", name=big), client("1003")])
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)
    assert fast["name"][1] == big


def test_text_that_is_not_utf8_is_left_to_the_dbapi_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client("1001"), client("1002")])
    with sqlite3.connect(tmp_path / "sage.db") as con:
        con.execute("UPDATE reccln SET clnnme = CAST(X'4163ff6d65' AS TEXT) WHERE recnum = '1002'")
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    before = arrow_read.READS.copy()
    fast = failure(sage_reader(url))
    assert arrow_read.READS - before == {"dbapi": 1}
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    assert fast == failure(sage_reader(url))


# --- Client Numbers and numbers stored every which way (SQLite's storage classes) ---------------------------------


def test_integer_and_text_client_numbers_in_one_column_read_fast(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # INTEGER affinity: whole numbers are stored as integers (1002.0 and "0042" too), other text stays text
    ids: list[Any] = [1001, "ACME-01", 1002.0, None, -5, 2**62, "0042", "12-34"]
    url = make_sage_db(tmp_path / "sage.db", [client(i) for i in ids], recnum_type="int")
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)
    assert fast["customer_id"].fillna("<NA>").tolist() == [
        "1001", "ACME-01", "1002", "<NA>", "-5", str(2**62), "42", "12-34"]


def test_real_client_numbers_are_rendered_as_the_dbapi_read_renders_them(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # REAL affinity keeps 1001.5 and 1e20 as floating point; ADBC would render them its own way, so it steps aside
    ids: list[Any] = [1001, 1001.5, 1e20, 0.1 + 0.2, "X1", 1003.0]
    url = make_sage_db(tmp_path / "sage.db", [client(i) for i in ids], recnum_type="real")
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "dbapi"
    assert_same(fast, slow)
    assert fast["customer_id"].tolist()[:2] == ["1001", "1001.5"]


def test_whole_real_client_numbers_alone_read_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client(1001.0), client(1002), client(None)], recnum_type="real")
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)
    assert fast["customer_id"].fillna("<NA>").tolist() == ["1001", "1002", "<NA>"]


def test_numbers_in_a_text_column_stay_the_text_sqlite_stored(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # TEXT affinity turns 1001.0 into the text '1001.0' on insert: both readers give exactly that
    url = make_sage_db(tmp_path / "sage.db", [client(1001), client(1001.0), client("A")], recnum_type="text")
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-sqlite"
    assert_same(fast, slow)
    assert fast["customer_id"].tolist() == ["1001", "1001.0", "A"]


def test_a_blob_client_number_is_left_to_the_dbapi_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client("1001"), client(b"1002"), client(b"\xff")])
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "dbapi"
    assert_same(fast, slow)


def test_a_real_after_the_first_batch_is_still_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_read, "SQLITE_BATCH_ROWS", 4)
    ids: list[Any] = ["A", 1, 2, 3, "B", 4, 5, 6, 7, 8.5, 9]
    url = make_sage_db(tmp_path / "sage.db", [client(i) for i in ids], recnum_type="int")
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "dbapi"
    assert_same(fast, slow)
    assert fast["customer_id"].tolist()[9] == "8.5"


def test_a_column_of_nulls_longer_than_a_batch_then_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ADBC types a column from its first batch: all NULL there is read as a number, and the later text fails the
    # fast read; the DBAPI read then gives the frame
    monkeypatch.setattr(arrow_read, "SQLITE_BATCH_ROWS", 4)
    rows = [client(str(i), fax=None) for i in range(6)] + [client("6", fax="555-0100")]
    url = make_sage_db(tmp_path / "sage.db", rows)
    fast, slow, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "dbapi"
    assert_same(fast, slow)
    assert fast["fax"].fillna("<NA>").tolist()[-2:] == ["<NA>", "555-0100"]


@pytest.mark.parametrize("status", [2, "2", 2.0, None])
def test_whole_number_statuses_however_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: Any) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client("A", status=status, inactive=status), client("B")])
    fast, slow, _ = read_twice(sage_reader(url), monkeypatch)
    assert_same(fast, slow)
    assert fast["status"].tolist()[0] is pd.NA if status is None else fast["status"].tolist()[0] == 2


def test_a_fractional_status_is_refused_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Arrow converts 2.5 to int64 as 2 without a word; status 6.5 must never read as inactive status 6
    url = make_sage_db(tmp_path / "sage.db", [client("A"), client("B", status=6.5)])
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    before = arrow_read.READS.copy()
    fast = failure(sage_reader(url))
    assert arrow_read.READS - before == {"dbapi": 1}  # a REAL that is not whole: left to the DBAPI read
    assert "not a whole number" in fast[1] and "status" in fast[1]
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    assert failure(sage_reader(url)) == fast


@pytest.mark.parametrize("status", ["x", "2 A", "-"])
def test_text_in_the_status_column_gives_the_same_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           status: Any) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client("A"), client("B", status=status)])
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    before = arrow_read.READS.copy()
    fast = failure(sage_reader(url))
    assert arrow_read.READS - before == {"dbapi": 1}
    assert "not a whole number" in fast[1] and "status" in fast[1]
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    assert failure(sage_reader(url)) == fast


def test_a_database_error_during_the_read_gives_the_same_sentence(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the client "table" is a view that fails while rows are read (integer overflow on one row)
    make_sage_db(tmp_path / "base.db", [client("A"), client("B")], table="clients")
    with sqlite3.connect(tmp_path / "base.db") as con:
        con.execute("CREATE VIEW reccln AS SELECT recnum, clnnme, shtnme, addrs1, addrs2, ctynme, state_, zipcde, "
                    "phnnum, faxnum, cllphn, e_mail, contct, inactv, CASE WHEN recnum = 'B' "
                    "THEN abs(-9223372036854775807 - 1) ELSE status END AS status FROM clients")
    url = f"sqlite:///{tmp_path / 'base.db'}"
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    fast = failure(sage_reader(url))
    assert "integer overflow" in fast[1]
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")
    assert failure(sage_reader(url)) == fast


# --- which SQLite databases the fast path opens, and how ------------------------------------------------------------


def test_the_sage_file_is_opened_read_only_whatever_the_url_form(tmp_path: Path) -> None:
    path = make_sage_db(tmp_path / "company.db", [client("1001")]).removeprefix("sqlite:///")
    absolute = str(Path(path).resolve())
    for url in (f"sqlite:///{path}", f"sqlite:///file:{absolute}?mode=ro&uri=true",
                f"sqlite:///file:{absolute}?mode=rw&uri=true", f"sqlite:///file:{absolute}?uri=true",
                f"sqlite:///file://localhost{absolute}?uri=true"):
        assert arrow_read.sqlite_uri(source_engine(url, CONFIG)) == f"file:{absolute}?mode=ro", url


def test_a_file_name_with_spaces_is_quoted_in_the_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_sage_db(tmp_path / "my company #1.db", [client("1001")])
    uri = arrow_read.sqlite_uri(source_engine(url, CONFIG))
    assert uri == f"file:{str((tmp_path / 'my company #1.db').resolve()).replace(' ', '%20')}".replace(
        "#", "%23") + "?mode=ro"
    _, _, used = read_twice(sage_reader(url), monkeypatch)
    assert used == "adbc-sqlite"


def test_a_target_file_is_opened_read_only_for_the_read(tmp_path: Path) -> None:
    url = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("1001")])
    uri = arrow_read.sqlite_uri(target_engine(url, CONFIG))
    assert uri == f"file:{(tmp_path / 'smsturbo.db').resolve()}?mode=ro"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:mem?mode=memory&uri=true",
                                 "sqlite:///file:x.db?vfs=memdb&uri=true", "sqlite:///file://server/x.db?uri=true"])
def test_in_memory_and_unusual_sqlite_urls_get_no_fast_path(url: str) -> None:
    assert arrow_read.sqlite_uri(sa.create_engine(url, poolclass=sa.pool.NullPool)) is None


def test_an_in_memory_database_reads_through_dbapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_smsturbo_db(tmp_path / "smsturbo.db", [customer("1001")])
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    with sqlite3.connect(tmp_path / "smsturbo.db") as file:
        memory = engine.raw_connection().driver_connection
        assert isinstance(memory, sqlite3.Connection)
        file.backup(memory)
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    before = arrow_read.READS.copy()
    frame = read_customers(engine, CONFIG)
    assert arrow_read.READS - before == {"dbapi": 1}
    assert frame["customer_id"].tolist() == ["1001"]


def test_only_reads_are_sent(tmp_path: Path) -> None:
    url = make_sage_db(tmp_path / "sage.db", [client("1001")])
    engine = source_engine(url, CONFIG)
    table = sa.Table("reccln", sa.MetaData(), autoload_with=engine)
    assert arrow_read.read_columns(engine, sa.select(table.c.recnum), ["text"]) is not None
    smuggled = sa.select(table.c.recnum, sa.literal_column("1; DELETE FROM reccln"))
    assert arrow_read.read_columns(engine, smuggled, ["text", "int"]) is None


def test_sql_server_is_read_with_the_connection_string_pyodbc_gets() -> None:
    url = sage_sqlserver_url("acctserver", "Contoso Paving", username="reader", password="s3cret;}")
    engine = source_engine(url, CONFIG)
    assert engine.dialect.driver == "pyodbc"
    connection_string = arrow_read.odbc_connection_string(engine)
    assert connection_string == engine.dialect.create_connect_args(engine.url)[0][0]
    parts = connection_string.split(";")
    assert "DRIVER={ODBC Driver 18 for SQL Server}" in parts and "Server=acctserver\\SAGE100CON" in parts
    assert "APP=smsync" in parts and "ApplicationIntent=ReadOnly" in parts and "Database=Contoso Paving" in parts
