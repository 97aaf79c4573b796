"""Import 100,000 new customers with smsync (one transaction + conflict check + record) vs a bare executemany.

Both write the same rows into copies of the same SQLite SMSTurbo file. The plan is built beforehand and timed
separately; the comparison is the apply step (what the record and the safety checks cost). Run:

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

import sqlalchemy as sa

import smsync_core
from smsync_core.demo import sage_table, smsturbo_table
from smsync_core.plan import Plan


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


def timed(action: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bare_executemany(path: Path, plan: Plan) -> None:
    """The baseline: the plan's rows in one sqlite3 executemany and one commit, nothing else."""
    columns = [str(c) for c in plan.inserts.columns]
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    values = list(plan.inserts.itertuples(index=False, name=None))
    sqlite3.register_adapter(Decimal, str)  # what SQLAlchemy's Numeric does for SQLite, in C
    con = sqlite3.connect(path)
    con.executemany(f'INSERT INTO "Customer" ({names}) VALUES ({marks})', values)
    con.commit()
    con.close()


def main() -> None:
    """Run the comparison and print both times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smsync-bench-") as tmp:
        base = Path(tmp)
        sage, target = build(base, args.rows)
        wb = smsync_core.connect(f"sqlite:///{sage}", f"sqlite:///{target}", {})
        plan_seconds = timed(lambda: wb.plan("all-eligible"))
        plan = wb.plan("all-eligible")
        wb.close()
        assert len(plan.insert_ids) == args.rows
        smsync_times, bare_times = [], []
        for attempt in range(args.repeat):
            ours, bare = base / f"ours-{attempt}.db", base / f"bare-{attempt}.db"
            shutil.copy(target, ours)
            shutil.copy(target, bare)
            run = smsync_core.connect(f"sqlite:///{sage}", f"sqlite:///{ours}", {})
            reports = base / f"reports-{attempt}"
            result = None

            def apply(run: smsync_core.Workbench = run, reports: Path = reports) -> None:
                nonlocal result
                result = run.apply(plan, reports_dir=reports)

            smsync_times.append(timed(apply))
            assert result is not None and result.outcome == "committed", result
            run.close()
            bare_times.append(timed(partial(bare_executemany, bare, plan)))
        ours_s, bare_s = statistics.median(smsync_times), statistics.median(bare_times)
        record = sum(p.stat().st_size for p in (base / "reports-0").rglob("*") if p.is_file())
        print(f"rows: {args.rows:,}   plan (not in the comparison): {plan_seconds:.2f} s")
        print(f"smsync apply with record: {ours_s:.2f} s (median of {args.repeat}; record {record / 1e6:.1f} MB)")
        print(f"bare executemany:         {bare_s:.2f} s (median of {args.repeat})")
        print(f"ratio: {ours_s / bare_s:.1f}x")


if __name__ == "__main__":
    main()
