"""``smsync_runs``: the smsync-owned table in the target that commits together with each run.

The row is inserted inside the import's own transaction, so it exists exactly when the changes do. That is
what resolves a record a crash left pending (row present = committed, absent = rolled back) and what lets
``verify`` and ``undo`` check a record against the database. Only committed runs have a row.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from smsync_core.audit.record import PendingRecord, Unresolvable, manifest_bytes
from smsync_core.db.connect import database_errors
from smsync_core.db.dialects import MySQL, dialect_of
from smsync_core.files import sha256_bytes

DEFAULT_NAME = "smsync_runs"
#: The changes of a run as JSON Lines: MySQL/MariaDB's TEXT stops at 64 KB (a few hundred customers), so LONGTEXT.
CHANGES_TEXT = sa.UnicodeText().with_variant(MySQL().long_text(), *MySQL.backends)

#: A run's changes text at least this long (UTF-8 bytes) is stored compressed: zlib (level 1), then base64.
COMPRESS_FROM = 1 << 20
#: What a compressed changes text starts with (a JSON Lines text starts with "{" or is empty).
COMPRESSED = "zlib+base64:"

#: Columns read back for checks (everything but the changes text, which can be large).
SUMMARY_COLUMNS = ("run_id", "kind", "chain_id", "sequence", "started_at", "committed_at", "os_user",
                   "inserted", "updated", "deleted", "undoes", "changes_sha256", "previous_manifest_sha256",
                   "record_sha256")
#: Columns later versions added; a table an older smsync created gains them when it can (see
#: :func:`upgrade_runs_table`), and is read and written without them until then.
ANCHOR_COLUMNS = ("previous_manifest_sha256", "record_sha256")
#: The manifest fields fixed when a run starts: the run's row anchors them (``record_sha256``), so that a record
#: rewritten afterwards (who, when, what was selected, its place in the chain) no longer matches its target.
ANCHORED_FIELDS = ("format", "run_id", "kind", "chain_id", "sequence", "previous_manifest_sha256", "started_at",
                   "who", "target", "source", "config", "smsync_version", "target_identity", "plan_id",
                   "planned_at", "mode", "selection", "replace_groups", "undoes", "planned")


def runs_table(name: str = DEFAULT_NAME, schema: str | None = None) -> sa.Table:
    """The table definition (portable types; UnicodeText keeps emoji on SQL Server too)."""
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("chain_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("committed_at", sa.String(40), nullable=False),
        sa.Column("os_user", sa.Unicode(255)),
        sa.Column("inserted", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Integer, nullable=False),
        sa.Column("undoes", sa.String(64)),
        sa.Column("changes_sha256", sa.String(64), nullable=False),
        sa.Column("changes", CHANGES_TEXT, nullable=False),
        sa.Column("previous_manifest_sha256", sa.String(64)),
        sa.Column("record_sha256", sa.String(64)),
        schema=schema,
    )


def anchored_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of the fields of a manifest that are fixed when its run starts (see ``ANCHORED_FIELDS``)."""
    return sha256_bytes(manifest_bytes({name: manifest.get(name) for name in ANCHORED_FIELDS}))


def _present(bind: sa.Engine | sa.Connection, table: sa.Table) -> set[str]:
    """The columns the target's table has (one created by an older smsync lacks ``ANCHOR_COLUMNS``)."""
    return {c["name"] for c in sa.inspect(bind).get_columns(table.name, schema=table.schema)}


def upgrade_runs_table(engine: sa.Engine, table: sa.Table) -> None:
    """Add the anchor columns to a table an older smsync created, each in a transaction of its own.

    A login without the right to alter the table leaves it as it is: runs are then recorded without them.
    """
    if not has_runs_table(engine, table):
        return
    for name in ANCHOR_COLUMNS:
        if name in _present(engine, table):
            continue
        column = sa.schema.CreateColumn(table.c[name]).compile(dialect=engine.dialect)
        where = engine.dialect.identifier_preparer.format_table(table)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(f"ALTER TABLE {where} ADD {column}"))
        except sa.exc.DBAPIError:
            return


def ensure_runs_table(connection: sa.Connection, table: sa.Table) -> None:
    """Create the table if it is missing, inside the caller's transaction (rolled back with it).

    MySQL/MariaDB commit DDL implicitly; there the table appears even if the first run then fails.
    """
    if not sa.inspect(connection).has_table(table.name, schema=table.schema):
        table.create(connection, checkfirst=False)  # just checked: one catalog query less


def has_runs_table(engine: sa.Engine, table: sa.Table) -> bool:
    """Whether the target has the runs table yet."""
    return sa.inspect(engine).has_table(table.name, schema=table.schema)


def insert_run(connection: sa.Connection, table: sa.Table, row: Mapping[str, Any]) -> None:
    """Insert the run's row (inside the import transaction), without the columns an older table lacks."""
    present = _present(connection, table)
    connection.execute(table.insert(), [{k: v for k, v in row.items() if k in present}])


def lookup_run(connection: sa.Connection, table: sa.Table, run_id: str) -> dict[str, Any] | None:
    """The summary of a committed run, or None when the target has no such run."""
    present = _present(connection, table)
    columns = [table.c[name] for name in SUMMARY_COLUMNS if name in present]
    found = connection.execute(sa.select(*columns).where(table.c.run_id == run_id)).mappings().first()
    return None if found is None else dict(found)


def committed_runs(engine: sa.Engine, table: sa.Table) -> list[dict[str, Any]]:
    """Every committed run's summary, oldest first (empty when the table does not exist yet)."""
    if not has_runs_table(engine, table):
        return []
    present = _present(engine, table)
    columns = [table.c[name] for name in SUMMARY_COLUMNS if name in present]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(*columns).order_by(table.c.committed_at, table.c.run_id))
        return [dict(r) for r in rows.mappings()]


def stored_changes(data: bytes) -> str:
    """The ``changes`` value of a run's row: the JSON Lines text, compressed when large.

    A large import's changes are tens of megabytes of very repetitive text (every new customer carries the
    template's columns); compressed they are a twentieth of that, which the import transaction writes (and a
    server receives and stores) in much less time. :func:`run_changes` gives back the exact text either way.
    """
    if len(data) < COMPRESS_FROM:
        return data.decode("utf-8")
    return COMPRESSED + base64.b64encode(zlib.compress(data, 1)).decode("ascii")


def changes_text(value: str) -> str:
    """The JSON Lines text of a stored ``changes`` value (inverse of :func:`stored_changes`)."""
    if value.startswith(COMPRESSED):
        return zlib.decompress(base64.b64decode(value[len(COMPRESSED):])).decode("utf-8")
    return value


def run_changes(engine: sa.Engine, table: sa.Table, run_id: str) -> str | None:
    """The recorded changes (JSON Lines) of a committed run, or None when there is no such run."""
    if not has_runs_table(engine, table):
        return None
    with engine.connect() as connection:
        value = connection.execute(sa.select(table.c.changes).where(table.c.run_id == run_id)).scalar()
    return None if value is None else changes_text(str(value))


def undo_of(engine: sa.Engine, table: sa.Table, run_id: str) -> str | None:
    """The committed undo run that reversed ``run_id``, if any."""
    if not has_runs_table(engine, table):
        return None
    with engine.connect() as connection:
        value = connection.execute(
            sa.select(table.c.run_id).where(table.c.undoes == run_id).order_by(table.c.committed_at)
        ).scalar()
    return None if value is None else str(value)


def target_identity(engine: sa.Engine) -> str:
    """Which database a record is about (SQLite: the absolute file path), without any password."""
    return dialect_of(engine).identity(engine.url)


def run_lookup(engine: sa.Engine, runs: sa.Table) -> Callable[[PendingRecord], Mapping[str, Any] | None]:
    """How a pending record is resolved: its row in this target's ``smsync_runs``, or None when absent.

    Absence proves a rollback only for a record about this very database; otherwise it is
    :class:`~smsync_core.audit.Unresolvable`.
    """
    identity = target_identity(engine)

    def lookup(record: PendingRecord) -> Mapping[str, Any] | None:
        with database_errors("smsturbo", engine.url):
            row = None
            if has_runs_table(engine, runs):
                with engine.connect() as connection:
                    row = lookup_run(connection, runs, record.run_id)
        if row is None and record.manifest.get("target_identity") != identity:
            raise Unresolvable(record.run_id)
        return row

    return lookup
