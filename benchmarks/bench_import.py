"""Import 100,000 new customers with smsync (one transaction + conflict check + record) vs a bare executemany.

Both write the same rows into the same empty SMSTurbo table (only ZZDEFAULT), on SQLite (copies of one file) and
on PostgreSQL (a database this benchmark creates and drops). The plan is built beforehand and not timed; the
comparison is the apply step: what the record (changes.jsonl fsynced, the run's row in smsync_runs) and the safety
checks (the locked existence check, all or nothing) cost over the driver's own executemany and commit. smsync and
the baseline alternate run by run. Floor rows: the same rows as JSON in one stdlib call, and the record's part of
the import alone (encoded; then encoded, hashed, written and compressed one step after the other). Run:

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--repeat 3] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import smsync_core
from smsync_core.audit.ledger import stored_changes
from smsync_core.audit.lines import encode_run
from smsync_core.files import sha256_bytes, write_atomic
from smsync_core.plan import Plan
from smsync_core.sources.sage100 import sage_table
from smsync_core.targets.smsturbo import smsturbo_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, compare, text_table

GOAL = "<= 1.5x"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def build(directory: Path, rows: int) -> tuple[Path, Path]:
    """A Sage company with ``rows`` clients that are all new to an SMSTurbo with only ZZDEFAULT."""
    sage, target = directory / "sage.db", directory / "smsturbo.db"
    for path, make in ((sage, sage_table), (target, smsturbo_table)):
        metadata = sa.MetaData()
        make(metadata)
        engine = sa.create_engine(f"sqlite:///{path}")
        metadata.create_all(engine)
        engine.dispose()
    con = sqlite3.connect(sage)
    con.executemany(
        "INSERT INTO reccln (recnum, clnnme, addrs1, ctynme, state_, zipcde, phnnum, e_mail, contct, status, inactv)"
        " VALUES (?, ?, ?, ?, 'CO', '80202', ?, ?, 'Pat Doe', 3, 0)",
        [(f"B{i:07d}", f"Client {i} O'Brien 🚀", f"{i} Main St", "Denver", f"(303) 555-{i % 10000:04d}",
          f"client{i}@example.com") for i in range(rows)],
    )
    con.commit()
    con.close()
    con = sqlite3.connect(target)
    con.execute("INSERT INTO Customer (CustomerID, CustomerName, TaxCode, PriceLevel, CreditLimit, Terms, Active, "
                "Notes) VALUES ('ZZDEFAULT', 'Template', 'CO-STD', 2, 5000, 'Net 30', 1, 'Template row')")
    con.commit()
    con.close()
    return sage, target


def timed(action: Callable[[], object]) -> dict[str, Any]:
    """Seconds one call takes (wall and CPU)."""
    start, cpu = time.perf_counter(), time.process_time()
    action()
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def _insert_sql(plan: Plan, mark: str) -> tuple[str, list[tuple[Any, ...]]]:
    columns = [str(c) for c in plan.inserts.columns]
    names = ", ".join(f'"{c}"' for c in columns)
    return (f'INSERT INTO "Customer" ({names}) VALUES ({", ".join(mark for _ in columns)})',
            list(plan.inserts.itertuples(index=False, name=None)))


def bare_executemany(path: Path, plan: Plan) -> None:
    """The baseline on SQLite: the plan's rows in one sqlite3 executemany and one commit, nothing else."""
    sql, values = _insert_sql(plan, "?")
    sqlite3.register_adapter(Decimal, str)  # what SQLAlchemy's Numeric does for SQLite, in C
    con = sqlite3.connect(path)
    con.executemany(sql, values)
    con.commit()
    con.close()


def bare_executemany_pg(url: sa.URL, plan: Plan) -> None:
    """The baseline on PostgreSQL: psycopg's executemany of the same rows and one commit."""
    import psycopg

    sql, values = _insert_sql(plan, "%s")
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as con:
        with con.cursor() as cur:
            cur.executemany(sql, values)
        con.commit()


@contextmanager
def postgres_database(server: str) -> Iterator[sa.URL]:
    """A fresh database on the server, dropped afterwards."""
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"smsync_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as con:
        con.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server).set(database=name)
    finally:
        with admin.connect() as con:
            con.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _fresh_target(url: sa.URL) -> None:
    """An SMSTurbo table holding only ZZDEFAULT (and no smsync_runs) in the database at ``url``."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = smsturbo_table(metadata)
    with engine.begin() as con:
        con.exec_driver_sql("DROP TABLE IF EXISTS smsync_runs")
        con.exec_driver_sql('DROP TABLE IF EXISTS "Customer"')
        metadata.create_all(con)
        con.execute(table.insert(), [{"CustomerID": "ZZDEFAULT", "CustomerName": "Template", "TaxCode": "CO-STD",
                                      "PriceLevel": 2, "CreditLimit": Decimal("5000"), "Terms": "Net 30",
                                      "Active": 1, "Notes": "Template row"}])
    engine.dispose()


def run(base: Path, rows: int, repeat: int, postgres: str | None = POSTGRES) -> list[Row]:
    """Table rows for SQLite and (when a server URL is given) PostgreSQL."""
    sage, target = build(base, rows)
    wb = smsync_core.connect(f"sqlite:///{sage}", f"sqlite:///{target}", {})
    plan = wb.plan("all-eligible")
    wb.close()
    assert len(plan.insert_ids) == rows
    out: list[Row] = []
    ours: list[dict[str, Any]] = []
    bare: list[dict[str, Any]] = []
    for attempt in range(repeat):
        mine, theirs = base / f"ours-{attempt}.db", base / f"bare-{attempt}.db"
        shutil.copy(target, mine)
        shutil.copy(target, theirs)
        ours.append(_apply(f"sqlite:///{sage}", f"sqlite:///{mine}", plan, base / f"reports-{attempt}"))
        bare.append(timed(lambda path=theirs: bare_executemany(path, plan)))  # type: ignore[misc]
    floor = [timed(lambda: json.dumps(list(plan.inserts.itertuples(index=False, name=None)), default=str))
             for _ in range(repeat)]
    encoded = [timed(lambda: encode_run(plan.insert_columns(), ())) for _ in range(repeat)]
    written = [timed(lambda attempt=attempt: write_record(plan, base / f"record-{attempt}"))  # type: ignore[misc]
               for attempt in range(repeat)]
    record = sum(p.stat().st_size for p in (base / "reports-0").rglob("*") if p.is_file())
    out.append(compare("import new customers with their record", rows, "wb.apply(plan), SQLite",
                       "sqlite3 executemany + commit", ours, bare, GOAL,
                       note=f"record {record / 1e6:.0f} MB (changes.jsonl + manifest)"))
    out.append(compare("  floor: the rows as JSON, one stdlib call", rows, "json.dumps(rows) (C encoder)",
                       "sqlite3 executemany + commit", floor, bare, "",
                       note="what any JSON record of these rows costs, before writing it anywhere"))
    out.append(compare("  the record's changes encoded", rows, "encode_run(plan.insert_columns())",
                       "sqlite3 executemany + commit", encoded, bare, "",
                       note="changes.jsonl as smsync writes it, column names on every line"))
    out.append(compare("  the record's changes encoded, hashed, written, compressed", rows,
                       "encode + SHA-256 + write + fsync + zlib/base64", "sqlite3 executemany + commit", written,
                       bare, "", note="one after the other; the import overlaps all but the encoding with its inserts"))
    if postgres:
        ours, bare = [], []
        with postgres_database(postgres) as url:
            for attempt in range(repeat):
                _fresh_target(url)
                ours.append(_apply(f"sqlite:///{sage}", url.render_as_string(hide_password=False), plan,
                                   base / f"pg-reports-{attempt}"))
                _fresh_target(url)
                bare.append(timed(lambda: bare_executemany_pg(url, plan)))
        out.append(compare("import new customers with their record", rows, "wb.apply(plan), PostgreSQL",
                           "psycopg executemany + commit", ours, bare, GOAL, note="fresh database per benchmark"))
    return out


def write_record(plan: Plan, directory: Path) -> None:
    """The record's part of an import alone: its changes encoded, written (fsynced) with their hash, compressed."""
    directory.mkdir()
    data = encode_run(plan.insert_columns(), ())
    write_atomic(directory / "changes.jsonl", data)
    sha256_bytes(data)
    stored_changes(data)


def _apply(sage_url: str, target_url: str, plan: Plan, reports: Path) -> dict[str, Any]:
    run = smsync_core.connect(sage_url, target_url, {})
    result = None

    def apply() -> None:
        nonlocal result
        result = run.apply(plan, reports_dir=reports)

    measured = timed(apply)
    run.close()
    assert result is not None and result.outcome == "committed", result
    return measured


def main() -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=POSTGRES, help="server URL (a database is created and dropped)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smsync-bench-") as tmp:
        rows = run(Path(tmp), args.rows, args.repeat, None if args.no_postgres else args.postgres)
    print(text_table(rows))


if __name__ == "__main__":
    main()
