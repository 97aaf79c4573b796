"""Arrow-native reads: the mapped columns fetched by the database's own Arrow driver, without DBAPI rows.

:func:`reading.read_mapped <smsync_core.db.reading.read_mapped>` asks here first. SQLite goes through ADBC's SQLite
driver (opened read-only), PostgreSQL (psycopg URLs) through ADBC's PostgreSQL driver (session read-only), SQL
Server and MySQL/MariaDB (pyodbc URLs) through arrow-odbc with the connection string pyodbc would get. Anything
else, and any failure of the fast path, returns None and the caller reads through the DBAPI cursor: that path
gives the same frame, or the error sentence smsync always gave. Values the DBAPI path would render differently
are not guessed at: the fast path gives up instead (see :func:`smsync_core.frames.arrow_column`).

``SMSYNC_READER=dbapi`` in the environment turns the fast path off (benchmarks, equality tests).
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from smsync_core.db.connect import is_read_statement
from smsync_core.frames import COLUMN_TYPES, arrow_column

READER_ENV = "SMSYNC_READER"

#: How many reads each reader served in this process: ``adbc-sqlite``, ``adbc-postgresql``, ``arrow-odbc`` and
#: ``dbapi`` (counted by the caller when it reads through the DBAPI cursor).
READS: Counter[str] = Counter()

#: Rows per ADBC SQLite batch. The driver infers each column's type from the first batch, so a large one keeps a
#: column that starts with many NULLs from being typed as a number (a later text value then fails the read); and
#: a customer table of up to a million rows arrives as one contiguous batch, which the frame then takes without
#: combining chunks (measured at 1,000,000 clients: ~25% less CPU for the read and 55 MiB less peak than 65,536).
SQLITE_BATCH_ROWS = 1 << 20
#: arrow-odbc: transit buffer bounds. Text columns without a length (TEXT, VARCHAR(MAX)) get ODBC_MAX_TEXT bytes;
#: a value that may not have fitted fails the fast read (see :func:`_refuse_possibly_cut`), and the DBAPI path
#: reads it whole.
ODBC_BATCH_ROWS = 50_000
ODBC_MAX_BYTES = 64 * 1024 * 1024
ODBC_MAX_TEXT = 16_384

_log = logging.getLogger(__name__)

#: The record batches of the compiled statement, as a fast reader yields them (its connection closes with it).
Batches = Generator[pa.RecordBatch, None, None]
#: A fast reader; it raises when it cannot give the batches exactly as the DBAPI path would read the rows.
Reader = Callable[[Engine, sa.Select[Any], str, Sequence[str]], Batches]


class Unfit(Exception):
    """The fast path cannot give these columns exactly as the DBAPI path would; read through DBAPI instead."""


def read_columns(engine: Engine, stmt: sa.Select[Any], kinds: Sequence[str]) -> list[pa.ChunkedArray] | None:
    """The selected columns typed for ``kinds`` ("text", "int", "flag"), or None when no fast path applies.

    ``stmt`` selects plain table columns (as :func:`~smsync_core.db.reading.read_mapped` builds it), without bound
    parameters. None tells the caller to read through the DBAPI cursor instead.
    """
    if os.environ.get(READER_ENV, "").strip().lower() == "dbapi":
        return None
    found = _reader(engine)
    if found is None:
        return None
    name, reader = found
    sql = _compiled(engine, stmt)
    if sql is None or not is_read_statement(sql):
        return None
    try:
        with closing(reader(engine, stmt, sql, kinds)) as batches:  # closed (connection too) even on failure
            typed = _typed(batches, engine, stmt, kinds)
    except Exception as exc:  # a type, conversion or database problem: the DBAPI read decides
        _log.debug("%s read not used (%s); reading through the DBAPI cursor", name, type(exc).__name__)
        return None
    READS[name] += 1
    return typed


def has_reader(engine: Engine) -> bool:
    """Whether reads on this engine go through an Arrow driver (unless it falls back for some column)."""
    return os.environ.get(READER_ENV, "").strip().lower() != "dbapi" and _reader(engine) is not None


def _reader(engine: Engine) -> tuple[str, Reader] | None:
    dialect = engine.dialect
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        return "adbc-sqlite", _read_sqlite
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return "adbc-postgresql", _read_postgresql
    if dialect.name in ("mssql", "mysql", "mariadb") and dialect.driver == "pyodbc":
        return "arrow-odbc", _read_odbc
    return None


def _compiled(engine: Engine, stmt: sa.Select[Any]) -> str | None:
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    return None if compiled.params else str(compiled)


def _typed(
    batches: Iterable[pa.RecordBatch], engine: Engine, stmt: sa.Select[Any], kinds: Sequence[str]
) -> list[pa.ChunkedArray]:
    """The batches' columns converted one batch at a time, so a driver's buffers are let go as they are read."""
    chunks: list[list[pa.Array]] = [[] for _ in kinds]
    checked = False
    for batch in batches:
        if batch.num_columns != len(kinds):
            raise Unfit(f"{batch.num_columns} columns for {len(kinds)} fields")
        if not checked:
            _check_declared_text(engine, stmt, batch.schema)
            checked = True
        for i, kind in enumerate(kinds):
            # the driver's buffers are taken as they are (text keeps its characters; numbers are converted): a
            # copy into Arrow's own memory, to let each batch go early, cost a third of the read at 1,000,000
            # rows and more memory than it saved, as a read of many batches is combined into one copy anyway
            chunks[i].extend(arrow_column(pa.chunked_array([batch.column(i)]), kind).chunks)
    return [pa.chunked_array(c, type=COLUMN_TYPES[kind]) for c, kind in zip(chunks, kinds, strict=True)]


def _check_declared_text(engine: Engine, stmt: sa.Select[Any], schema: pa.Schema) -> None:
    """Text from a server is taken as it comes only from a column the database declares as text.

    A driver may hand other types over as text in its own rendering (PostgreSQL's ``numeric`` as ``'1001.00'``
    where psycopg gives a Decimal that smsync renders ``1001``). SQLite declares nothing binding; its storage
    classes are checked in :func:`_read_sqlite`.
    """
    if engine.dialect.name == "sqlite":
        return
    for selected, field in zip(stmt.selected_columns, schema, strict=True):
        if _is_text(field.type) and not isinstance(selected.type, sa.String):
            raise Unfit(f"{selected.name} arrives as text but the database declares {selected.type}")


def _is_text(arrow_type: pa.DataType) -> bool:
    return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))


# --- SQLite ------------------------------------------------------------------------------------------------------

_URI_PARAMS = frozenset({"mode", "cache", "immutable", "nolock"})


def sqlite_uri(engine: Engine) -> str | None:
    """The ``file:`` URI of the engine's SQLite database with ``mode=ro``; None for in-memory or odd URLs.

    Built from what SQLAlchemy would hand sqlite3 (``create_connect_args``): a file name, made absolute, or
    the ``file:`` URI of a ``?uri=true`` URL (as :func:`~smsync_core.db.connect.source_engine` opens Sage).
    """
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    if len(args) != 1 or not isinstance(args[0], str):
        return None
    database: str = args[0]
    if not kwargs.get("uri"):
        if database in ("", ":memory:"):
            return None
        return f"file:{quote(os.path.abspath(database))}?mode=ro"
    if not database.startswith("file:"):
        return None
    path, _, query = database.removeprefix("file:").partition("?")
    if path.startswith("//"):  # an authority: only the empty one or localhost names this machine
        authority, slash, rest = path[2:].partition("/")
        if authority not in ("", "localhost") or not slash:
            return None
        path = "/" + rest
    params = dict(parse_qsl(query, keep_blank_values=True))
    if not path or path == ":memory:" or params.get("mode") == "memory" or not set(params) <= _URI_PARAMS:
        return None
    params["mode"] = "ro"
    return f"file:{path}?{urlencode(params)}"


def _read_sqlite(engine: Engine, stmt: sa.Select[Any], sql: str, kinds: Sequence[str]) -> Batches:
    uri = sqlite_uri(engine)
    if uri is None:
        raise Unfit("an in-memory or unusual SQLite URL")
    # ADBC's own bindings, not its DBAPI module: that one imports polars whenever polars is installed (~0.1 s)
    import adbc_driver_sqlite
    from adbc_driver_manager import AdbcConnection

    # one connection, one transaction: the storage class check below sees the rows the read saw
    with adbc_driver_sqlite.connect(uri) as database, AdbcConnection(database) as conn:
        conn.set_autocommit(False)
        halves = _split_read(database, conn, engine, stmt)
        if halves is not None:
            schema: pa.Schema = halves[0].schema
            for half in halves:
                yield from half.to_batches()
        else:
            with _sqlite_query(conn, sql, batch_rows=SQLITE_BATCH_ROWS) as batches:
                schema = batches.schema
                yield from batches
        declared = _declared_types(conn, stmt)
        loose = [
            i for i, kind in enumerate(kinds)
            if kind == "text" and _is_text(schema.field(i).type)
            and not _text_affinity(declared, stmt.selected_columns[i])
        ]
        if loose and _holds_real(conn, engine, stmt, loose):
            raise Unfit("a REAL value in a text column")


#: A rowid table with more rows than this is read as two rowid ranges on two connections, one core each
#: (measured at 1,000,000 clients: the Sage read ~1.9 s alone, ~1.2 s as two halves).
SPLIT_ROWS = 200_000
#: Called between the two halves' reads (tests commit from another connection there).
_between_halves: Callable[[], None] | None = None


def _split_read(database: Any, conn: Any, engine: Engine, stmt: sa.Select[Any]) -> list[pa.Table] | None:
    """The rows of ``stmt`` read as two rowid ranges at once, first half first (a rowid table is scanned in
    rowid order, so the rows come in the order one read gives); None where one read is the way.

    Only a plain select of one rowid table's columns with more than :data:`SPLIT_ROWS` rows is split. The two
    connections hold two transactions, so a third, outside any transaction, reads ``PRAGMA data_version``
    before and after: if another connection committed in between, the halves may be of two states of the
    table and are dropped for the one read (``conn``'s transaction then starts with it).
    """
    from adbc_driver_manager import AdbcConnection

    tables = {_table_of(c) for c in stmt.selected_columns}
    table = tables.pop() if len(tables) == 1 else None
    if table is None or stmt.whereclause is not None or stmt._order_by_clauses:
        return None
    with AdbcConnection(database) as guard:
        # before either transaction reads anything: their snapshots are taken by their first reads
        version = _sqlite_rows(guard, "PRAGMA data_version")
        if not _is_rowid_table(guard, table):
            return None
        last = _sqlite_rows(guard, f"SELECT max(rowid) AS last FROM {_quoted_table(engine, table)}")[0]["last"]
        if last is None or last <= SPLIT_ROWS:
            return None
        middle = sa.literal_column("rowid") <= int(last) // 2
        first, second = _compiled(engine, stmt.where(middle)), _compiled(engine, stmt.where(sa.not_(middle)))
        if first is None or second is None or not (is_read_statement(first) and is_read_statement(second)):
            return None
        with AdbcConnection(database) as other, ThreadPoolExecutor(1, thread_name_prefix="smsync-half") as pool:
            other.set_autocommit(False)
            later = pool.submit(_read_all, other, second)
            if _between_halves is not None:
                _between_halves()
            halves = [_read_all(conn, first), later.result()]
            other.rollback()
        if _sqlite_rows(guard, "PRAGMA data_version") != version:
            conn.rollback()
            return None
    return halves


def _read_all(conn: Any, sql: str) -> pa.Table:
    with _sqlite_query(conn, sql, batch_rows=SQLITE_BATCH_ROWS) as reader:
        return reader.read_all()


def _is_rowid_table(conn: Any, table: sa.Table) -> bool:
    """Whether ``table`` is an ordinary table with a rowid that its own columns do not hide."""
    sql = "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?"
    if table.schema not in (None, "main") or not is_read_statement(sql):
        return False
    found = _sqlite_rows(conn, sql, (table.name,))
    if len(found) != 1 or "WITHOUT ROWID" in str(found[0]["sql"]).upper():
        return False
    return not {"rowid", "_rowid_", "oid"} & {c.name.lower() for c in table.columns}


def _quoted_table(engine: Engine, table: sa.Table) -> str:
    return str(engine.dialect.identifier_preparer.format_table(table))


@contextmanager
def _sqlite_query(
    conn: Any, sql: str, params: Sequence[str] = (), *, batch_rows: int | None = None
) -> Iterator[pa.RecordBatchReader]:
    """The result of one query on an ADBC SQLite connection (``params`` bound as text), closed after use."""
    from adbc_driver_manager import AdbcStatement

    with AdbcStatement(conn) as statement:
        if batch_rows is not None:
            statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        statement.set_sql_query(sql)
        if params:
            statement.bind(pa.record_batch([pa.array([p], pa.string()) for p in params],
                                           names=[f"p{i}" for i in range(len(params))]))
        stream, _ = statement.execute_query()
        with closing(pa.RecordBatchReader._import_from_c(stream.address)) as reader:
            yield reader


def _sqlite_rows(conn: Any, sql: str, params: Sequence[str] = ()) -> list[dict[str, Any]]:
    with _sqlite_query(conn, sql, params) as reader:
        rows: list[dict[str, Any]] = reader.read_all().to_pylist()
    return rows


def _declared_types(conn: Any, stmt: sa.Select[Any]) -> dict[tuple[str, str, str], str]:
    """(schema, table, column) -> the type SQLite declares, for the tables of the selected columns.

    One ``pragma_table_info`` per table (one per column was 26 queries for the two reads of a comparison).
    """
    sql = "SELECT name, type FROM pragma_table_info(?, ?)"
    if not is_read_statement(sql):
        return {}
    tables = {(table.schema or "main", table.name) for table in map(_table_of, stmt.selected_columns)
              if table is not None}
    declared: dict[tuple[str, str, str], str] = {}
    for where, name in sorted(tables):
        for row in _sqlite_rows(conn, sql, (name, where)):
            declared[(where, name, str(row["name"]))] = str(row["type"])
    return declared


def _table_of(selected: Any) -> sa.Table | None:
    """The table of a selected plain table column (None for anything else)."""
    column = getattr(selected, "element", None)
    table = getattr(column, "table", None)
    return table if isinstance(column, sa.Column) and isinstance(table, sa.Table) else None


def _text_affinity(declared: dict[tuple[str, str, str], str], selected: Any) -> bool:
    """Whether SQLite gives the selected table column TEXT affinity (its values are then text, blob or NULL).

    A column without it can hold REAL values, which ADBC's driver renders as text its own way (``1.0e+20``,
    ``1.500000e+00``) where the DBAPI path renders Python's (``1e+20``, ``1.5``), so such a column is checked.
    """
    table = _table_of(selected)
    if table is None:
        return False
    found = declared.get((table.schema or "main", table.name, selected.element.name))
    if found is None:
        return False
    # https://www.sqlite.org/datatype3.html#determination_of_column_affinity: INT wins, then CHAR, CLOB or TEXT
    return "INT" not in found.upper() and re.search("CHAR|CLOB|TEXT", found.upper()) is not None


def _holds_real(conn: Any, engine: Engine, stmt: sa.Select[Any], positions: Sequence[int]) -> bool:
    """Whether any of the selected columns at ``positions`` holds a REAL value (one scan, stops at the first)."""
    rows = stmt.subquery()
    names = [stmt.selected_columns[i].name for i in positions]
    check = (
        sa.select(sa.literal(1))
        .select_from(rows)
        .where(sa.or_(*(sa.func.typeof(rows.c[name]) == "real" for name in names)))
        .limit(1)
    )
    sql = _compiled(engine, check)
    if sql is None or not is_read_statement(sql):
        return True
    return bool(_sqlite_rows(conn, sql))


# --- PostgreSQL --------------------------------------------------------------------------------------------------

_READ_ONLY_OPTION = "-c default_transaction_read_only=on"


def postgresql_uri(engine: Engine) -> str:
    """The libpq URI of the engine's database (every parameter in the query string), sessions read-only.

    Taken from what SQLAlchemy would hand psycopg (``create_connect_args``), so host, port, user, password,
    database and any libpq parameter of the URL (``sslmode``...) are the same; psycopg's own settings are left
    out. Contains the password: never show it.
    """
    import psycopg

    args, kwargs = engine.dialect.create_connect_args(engine.url)
    if args:
        raise Unfit("positional connection arguments")
    libpq = {default.keyword.decode() for default in psycopg.pq.Conninfo.get_defaults()}
    # psycopg's own settings (the dialect's adapters under "context") are not libpq's to know
    params = {key: str(value) for key, value in kwargs.items() if key in libpq and value is not None}
    options = params.get("options", "")
    params["options"] = f"{options} {_READ_ONLY_OPTION}".strip()
    return "postgresql://?" + urlencode(params, quote_via=quote)


def _read_postgresql(engine: Engine, stmt: sa.Select[Any], sql: str, kinds: Sequence[str]) -> Batches:
    import adbc_driver_postgresql.dbapi as adbc_postgresql

    with closing(adbc_postgresql.connect(postgresql_uri(engine))) as conn, closing(conn.cursor()) as cursor:
        cursor.execute(sql)
        with closing(cursor.fetch_record_batch()) as batches:
            yield from batches


# --- ODBC (SQL Server, MySQL/MariaDB) ----------------------------------------------------------------------------


def odbc_connection_string(engine: Engine) -> str:
    """The ODBC connection string SQLAlchemy hands pyodbc for the engine's URL (driver, server, ``APP``,
    ``ApplicationIntent``...). Contains the password: never show it."""
    args, _ = engine.dialect.create_connect_args(engine.url)
    if len(args) != 1 or not isinstance(args[0], str):
        raise Unfit("no ODBC connection string")
    return args[0]


def _read_odbc(engine: Engine, stmt: sa.Select[Any], sql: str, kinds: Sequence[str]) -> Batches:
    try:
        import arrow_odbc
    except (ImportError, OSError) as exc:  # arrow-odbc loads unixODBC's libodbc when imported
        raise Unfit("arrow-odbc cannot be loaded") from exc
    connection = arrow_odbc.connect(odbc_connection_string(engine))
    if engine.dialect.name in ("mysql", "mariadb"):
        session = "SET SESSION TRANSACTION READ ONLY"  # as source_engine opens every MySQL session
        if not is_read_statement(session):
            raise Unfit("the session statement is not a read")
        connection.execute(session)
    # SQL Server's driver converts narrow text for the client's locale; UTF-16 is exact whatever the locale
    wide = engine.dialect.name == "mssql"
    encoding = arrow_odbc.TextEncoding.UTF16 if wide else arrow_odbc.TextEncoding.AUTO
    batches = connection.read_arrow_batches(
        sql,
        batch_size=ODBC_BATCH_ROWS,
        max_bytes_per_batch=ODBC_MAX_BYTES,
        max_text_size=ODBC_MAX_TEXT,
        max_binary_size=ODBC_MAX_TEXT,
        payload_text_encoding=encoding,
    )
    # a value cut to the buffer is at least this long in UTF-8 (4 bytes a character at most; UTF-16 never takes
    # more units than UTF-8 takes bytes, and a UTF-16 buffer of ODBC_MAX_TEXT bytes holds half as many units)
    suspect = ODBC_MAX_TEXT // 2 - 1 if wide else ODBC_MAX_TEXT - 3
    for batch in batches:
        _refuse_possibly_cut(batch, suspect)
        yield batch


def _refuse_possibly_cut(batch: pa.RecordBatch, suspect: int) -> None:
    """Unfit when a text value is ``suspect`` UTF-8 bytes or longer: it may have been cut to arrow-odbc's buffer.

    arrow-odbc raises when the driver reports a value longer than its buffer, but MariaDB Connector/ODBC does
    not always report it (a 16,385-byte LONGTEXT value came back as its first 16,384 bytes, without an error).
    So a value that may fill the buffer is never taken; the DBAPI read gives it whole.
    """
    for column in batch.columns:
        if _is_text(column.type) and len(column) > column.null_count:
            longest = pc.max(pc.binary_length(column)).as_py()
            if longest >= suspect:
                raise Unfit("a text value as long as arrow-odbc's buffer")
