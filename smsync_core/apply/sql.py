"""The statements of an import: one write transaction, the locked read of current rows, batched writes.

Everything is parameterised (SQLAlchemy Core with bound parameters), so any text — quotes,
``'; DROP TABLE``, emoji, NUL — reaches the database verbatim as data, never as SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from itertools import chain
from typing import Any

import sqlalchemy as sa

from smsync_core.audit.changes import Change, Inserts, python_value, same_value
from smsync_core.db.dialects import dialect_of, positional
from smsync_core.errors import ImportFailed

#: Rows per executemany call (and per progress step).
BATCH_ROWS = 2_000
#: Rows per INSERT statement where a multi-row VALUES list pays (see ``_rows_per_statement``).
ROWS_PER_STATEMENT = 100

Step = Callable[[str], None]


def write_transaction(engine: sa.Engine) -> AbstractContextManager[sa.Connection]:
    """One transaction that commits only when the block ends without an exception.

    The engine decides how the write lock is taken: at the start on SQLite (``BEGIN IMMEDIATE``), so the
    conflict check and the writes see the same database; on servers by the locked read of current rows.
    """
    return dialect_of(engine).write_transaction(engine)


def current_rows(connection: sa.Connection, table: sa.Table, id_column: str,
                 ids: Sequence[str]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The rows of ``ids`` as they are now (every column), locked against other writers on servers.

    Reads the keys first and whole rows only for those that exist: a large import of new customers then
    costs one narrow query per chunk. Also returns the *lookalikes*: planned ID -> a stored ID that is not
    exactly equal but that the database's collation treats as the same key (``abc1`` for ``ABC1`` on a
    case-blind SQL Server or MariaDB), which an insert would collide with.
    """
    key = table.c[id_column]
    size = dialect_of(connection).select_chunk
    unique = list(dict.fromkeys(ids))
    existing: list[str] = []
    lookalikes: dict[str, str] = {}
    for start in range(0, len(unique), size):
        chunk = unique[start:start + size]
        wanted = set(chunk)
        stored = _stored_keys(connection, table, key, chunk)
        existing.extend(v for v in stored if isinstance(v, str) and v in wanted)
        others = [v for v in stored if not (isinstance(v, str) and v in wanted)]
        if others:
            same_key = {_collated(cid): cid for cid in chunk}
            lookalikes.update({same_key[_collated(v)]: str(v) for v in others if _collated(v) in same_key})
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(existing), size):
        chunk = existing[start:start + size]
        wanted = set(chunk)
        for row in connection.execute(_locked(connection, sa.select(table).where(key.in_(chunk)), table)).mappings():
            cid = row[id_column]
            if isinstance(cid, str) and cid in wanted:  # exact, even on case-blind collations
                found[cid] = dict(row)
    return found, {cid: other for cid, other in lookalikes.items() if cid not in found}


def _stored_keys(connection: sa.Connection, table: sa.Table, key: sa.Column[Any], chunk: list[str]) -> list[Any]:
    """The stored keys among ``chunk`` (and those the collation treats as equal), locked on servers.

    Where the engine has a driver-level query (SQLite: one ``?`` per ID; PostgreSQL through psycopg: ``= ANY``
    of one array parameter) it goes to the driver as written: building it through SQLAlchemy costs a literal
    object per ID, more than the database takes to answer it.
    """
    direct = dialect_of(connection).stored_keys_sql(connection, table, key, len(chunk))
    if direct is not None:
        sql, as_array = direct
        return [v for (v,) in connection.exec_driver_sql(sql, (chunk,) if as_array else tuple(chunk))]
    stmt = _locked(connection, sa.select(key).where(key.in_(chunk)), table)
    return [v for (v,) in connection.execute(stmt)]


def _collated(value: Any) -> str:
    """How case- and trailing-space-blind collations see a key."""
    return str(value).casefold().rstrip(" ")


def _locked(connection: sa.Connection, stmt: sa.Select[Any], table: sa.Table) -> sa.Select[Any]:
    """Lock the rows read against other writers until commit (SQLite: BEGIN IMMEDIATE already did)."""
    return dialect_of(connection).lock(stmt, table)


def _matches(row: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    return all(column in row and same_value(row[column], value) for column, value in values.items())


def classify(changes: Sequence[Change], current: Mapping[str, Mapping[str, Any]],
             field_names: Mapping[str, str], lookalikes: Mapping[str, str] | None = None,
             ) -> tuple[list[Change], list[Change], list[dict[str, Any]]]:
    """Sort planned changes by what the target holds now: to do, already done, or in conflict.

    Returns ``(todo, done, conflicts)``. A change to do carries the exact current values as ``before``
    (for a delete, the whole current row), so the record can restore them. Conflicts are rows of
    ``customer_id, field, planned_before, current, reason``.
    """
    todo: list[Change] = []
    done: list[Change] = []
    conflicts: list[dict[str, Any]] = []
    for change in changes:
        row = current.get(change.customer_id)
        after = change.after or {}
        before = change.before or {}
        if change.action == "insert":
            if row is None and lookalikes and change.customer_id in lookalikes:
                conflicts.append(_conflict(change.customer_id, None, None, lookalikes[change.customer_id],
                                           "SMSTurbo holds this ID in another case or spacing, which the "
                                           "database treats as the same Customer ID"))
            elif row is None:
                todo.append(change)
            elif _matches(row, after):
                done.append(change)
            else:
                conflicts.append(_conflict(change.customer_id, None, None, None,
                                           "a customer with this ID now exists in SMSTurbo"))
        elif change.action == "delete":
            if row is None:
                done.append(change)
            elif _matches(row, before):
                todo.append(Change(change.customer_id, "delete", dict(row), None))
            else:
                conflicts.extend(_field_conflicts(change.customer_id, before, row, field_names,
                                                  "changed since this run wrote it"))
        elif row is None:
            conflicts.append(_conflict(change.customer_id, None, None, None,
                                       "the customer is no longer in SMSTurbo"))
        elif _matches(row, before):
            todo.append(Change(change.customer_id, "update", {c: row[c] for c in after}, after))
        elif _matches(row, after):
            done.append(change)
        else:
            conflicts.extend(_field_conflicts(change.customer_id, before, row, field_names,
                                              "changed since the plan was made"))
    return todo, done, conflicts


def _conflict(cid: str, field: str | None, planned: Any, current: Any, reason: str) -> dict[str, Any]:
    return {"customer_id": cid, "field": field, "planned_before": planned, "current": current, "reason": reason}


def _field_conflicts(cid: str, expected: Mapping[str, Any], row: Mapping[str, Any],
                     field_names: Mapping[str, str], reason: str) -> list[dict[str, Any]]:
    return [
        _conflict(cid, field_names.get(column, column), value, row.get(column), reason)
        for column, value in expected.items()
        if not same_value(row.get(column), value)
    ]


def refuse_unstorable(connection: sa.Connection, changes: Sequence[Change], field_names: Mapping[str, str],
                      inserts: Inserts | None = None) -> None:
    """Reject clearly, before writing, text the target cannot store verbatim (PostgreSQL: NUL characters)."""
    if not dialect_of(connection).refuses_nul:
        return
    if inserts is not None and any(_has_nul(values) for values in inserts.values):
        refuse_unstorable(connection, inserts.changes(), field_names)  # names the first customer and field
    for change in changes:
        for column, value in (change.after or {}).items():
            if isinstance(value, str) and "\x00" in value:
                raise ImportFailed(
                    f"Customer {change.customer_id}: {field_names.get(column, column)} contains a NUL character, "
                    "which PostgreSQL cannot store; remove it in Sage 100 and run the import again."
                )


def _has_nul(values: Sequence[Any]) -> bool:
    """Whether any text of a column holds a NUL character (the column joined once, not a test per value)."""
    types = set(map(type, values))
    if not any(issubclass(kind, str) for kind in types):  # numbers, decimals, dates...: no text to check
        return False
    if types <= {str, type(None)}:
        return "\x00" in "".join(filter(None, values))
    return any(isinstance(value, str) and "\x00" in value for value in values)


def _batches(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), BATCH_ROWS):
        yield rows[start:start + BATCH_ROWS]


def _check_count(result: sa.CursorResult[Any], expected: int, what: str) -> None:
    count = result.rowcount
    if count is not None and count >= 0 and count != expected:
        raise RuntimeError(f"{what} touched {count} rows instead of {expected}; the import was rolled back")


def _rows_per_statement(connection: sa.Connection, columns: int) -> int:
    """How many rows one INSERT carries (a multi-row VALUES list) where the driver is known to gain from it.

    SQLite and PostgreSQL (psycopg) execute one statement per row of an executemany; a statement of 100 rows
    takes them a fifth (SQLite) to a half (PostgreSQL) less time per row. Bounded by the parameters a statement
    may hold; other drivers keep one row per statement.
    """
    return dialect_of(connection).rows_per_statement(columns, min(ROWS_PER_STATEMENT, BATCH_ROWS))


def _insert_columns(connection: sa.Connection, table: sa.Table, columns: Sequence[str],
                    values: Sequence[Sequence[Any]], count: int, *, step: Step,
                    progress: Callable[[int], None]) -> None:
    """Insert ``count`` rows given column by column, in batches of ``BATCH_ROWS``.

    The statement is compiled once and sent to the driver directly (after each column type's bind processing,
    e.g. decimals on SQLite, applied to whole columns), skipping SQLAlchemy's per-row parameter handling: with
    positional parameters, as an executemany of multi-row INSERTs (:func:`_rows_per_statement`) whose
    parameters are taken from the columns without building a row at a time; with named parameters, the rows
    as dicts; otherwise through a Core insert.
    """
    missing = [c for c in columns if c not in table.c]
    if missing:  # SQLAlchemy would leave such a column out of the INSERT without a word
        raise ImportFailed(f"SMSTurbo's {table.name} table has no column {', '.join(missing)}; nothing was "
                           "written; plan the import again.")
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=positional(dialect), column_keys=list(columns))
    names = [compiled.escaped_bind_names.get(c, c) for c in columns]
    order = list(compiled.positiontup or ()) if compiled.positional else []
    if not (order and sorted(order) == sorted(names)):
        named = not compiled.positional and set(compiled.binds) == set(columns)
        rows = [dict(zip(names if named else columns, row, strict=True))
                for row in zip(*values, strict=True)] or [{}] * count
        for batch in _batches(rows):
            step("insert")
            if named:
                connection.exec_driver_sql(compiled.string, list(batch))
            else:
                connection.execute(table.insert(), list(batch))
            progress(len(batch))
        return
    position = {name: i for i, name in enumerate(names)}
    ordered = []
    for name in order:  # the columns in the statement's parameter order, bind-processed
        column, column_values = columns[position[name]], values[position[name]]
        processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        ordered.append(column_values if processor is None else list(map(processor, column_values)))
    per = _rows_per_statement(connection, len(ordered))
    head, _values, row = compiled.string.rpartition(" VALUES ")
    if per > 1 and head and row.startswith("(") and row.endswith(")"):
        statements: dict[int, str] = {}

        def statement(rows: int) -> str:
            if rows not in statements:
                statements[rows] = f"{head} VALUES {', '.join([row] * rows)}"
            return statements[rows]
    else:
        per = 1

        def statement(rows: int) -> str:
            return compiled.string

    for start in range(0, count, BATCH_ROWS):
        end = min(start + BATCH_ROWS, count)
        step("insert")
        params = [tuple(chain.from_iterable(zip(*(c[first:min(first + per, end)] for c in ordered), strict=True)))
                  for first in range(start, end, per)]
        full = params if (end - start) % per == 0 else params[:-1]
        if full:
            connection.exec_driver_sql(statement(per), full)
        if len(full) < len(params):
            connection.exec_driver_sql(statement((end - start) % per), params[-1:])
        progress(end - start)


def write_changes(connection: sa.Connection, table: sa.Table, id_column: str, changes: Sequence[Change],
                  *, step: Step, progress: Callable[[int], None], inserts: Inserts | None = None) -> None:
    """Execute the changes with executemany in batches: ``inserts``, the other inserts, updates, then deletes."""
    key = table.c[id_column]
    if inserts is not None and len(inserts):
        _insert_columns(connection, table, inserts.columns, inserts.values, len(inserts), step=step,
                        progress=progress)
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    by_columns: dict[tuple[str, ...], list[Change]] = defaultdict(list)
    deletes: list[Change] = []
    for change in changes:  # plain Python values already (Plan, decoded records)
        if change.action == "insert":
            after = change.after or {}
            groups[tuple(after)].append(tuple(after.values()))
        elif change.action == "update":
            by_columns[tuple(change.after or {})].append(change)
        else:
            deletes.append(change)
    for columns, rows in groups.items():
        _insert_columns(connection, table, columns, list(zip(*rows, strict=True)), len(rows), step=step,
                        progress=progress)

    for columns, group in by_columns.items():
        names = {column: f"p{i}" for i, column in enumerate(columns)}
        stmt = table.update().where(key == sa.bindparam("k")).values(
            {table.c[column]: sa.bindparam(name) for column, name in names.items()}
        )
        params = [
            {"k": change.customer_id, **{names[c]: python_value(v) for c, v in (change.after or {}).items()}}
            for change in group
        ]
        for batch in _batches(params):
            step("update")
            _check_count(connection.execute(stmt, list(batch)), len(batch), "an update")
            progress(len(batch))

    if deletes:
        delete = table.delete().where(key == sa.bindparam("k"))
        for batch in _batches([{"k": c.customer_id} for c in deletes]):
            step("delete")
            _check_count(connection.execute(delete, list(batch)), len(batch), "a delete")
            progress(len(batch))
