"""Several processes import overlapping selections into one SQLite SMSTurbo at the same moment.

Every plan is made before anyone writes, then all apply together: no customer may end up twice, every run
ends committed, nothing-to-do or conflict, and the records verify against the database.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from smsync_core.audit.verify import verify
from smsync_core.db.connect import target_engine
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

WORKER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import smsync_core
    sage, target, reports, first, last, go = sys.argv[1:8]
    wb = smsync_core.connect(sage, target, {"replace": {"groups": ["phones"]}})
    plan = wb.plan([f"C{i:04d}" for i in range(int(first), int(last))] + ["U0001"])
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.01)
    result = wb.apply(plan, reports_dir=Path(reports))
    print(json.dumps({"outcome": result.outcome, "inserted": len(result.inserted), "error": result.error}),
          flush=True)
""")


def run_workers(tmp_path: Path, ranges: list[tuple[int, int]], shared_reports: bool) -> list[dict[str, Any]]:
    """Start one process per range, let them all plan, then release them at once."""
    sage = make_sage_db(tmp_path / "sage.db",
                        [client(f"C{i:04d}") for i in range(600)] + [client("U0001", phone="new")])
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("U0001")])
    go = tmp_path / "go"
    workers = []
    for n, (first, last) in enumerate(ranges):
        reports = tmp_path / ("reports" if shared_reports else f"reports-{n}")
        workers.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, sage, target, str(reports), str(first), str(last), str(go)],
            stdout=subprocess.PIPE, text=True, cwd=tmp_path,
        ))
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    time.sleep(0.05)
    go.touch()
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def check_target(tmp_path: Path, ranges: list[tuple[int, int]], results: list[dict[str, Any]]) -> None:
    """No duplicates; exactly the committed runs' customers; records verify against the database."""
    con = sqlite3.connect(tmp_path / "smsturbo.db")
    ids = [r[0] for r in con.execute("SELECT CustomerID FROM Customer")]
    runs = con.execute("SELECT run_id, inserted FROM smsync_runs").fetchall()
    con.close()
    assert len(ids) == len(set(ids))
    outcomes = [r["outcome"] for r in results]
    assert set(outcomes) <= {"committed", "nothing-to-do", "conflict"}, results
    assert outcomes.count("committed") == len(runs) >= 1
    assert len(ids) == 2 + sum(int(r["inserted"]) for r in results)  # EXISTING ZZDEFAULT + the committed
    wanted = {f"C{i:04d}" for first, last in ranges for i in range(first, last)}
    assert set(ids) - {"U0001", "ZZDEFAULT"} <= wanted
    engine = target_engine(f"sqlite:///{tmp_path / 'smsturbo.db'}")
    # Every folder that imported into this SMSTurbo, verified together against its ledger (a folder alone would
    # rightly miss the runs recorded in the others).
    report = verify(sorted(tmp_path.glob("reports*")), engine=engine)
    assert report.ok, report.problems
    assert report.ledger_runs == len(runs)
    engine.dispose()


@pytest.mark.parametrize("shared_reports", [True, False], ids=["one-reports-dir", "own-reports-dirs"])
def test_overlapping_imports_from_several_processes(tmp_path: Path, shared_reports: bool) -> None:
    ranges = [(0, 300), (200, 500), (400, 600), (0, 600)]
    results = run_workers(tmp_path, ranges, shared_reports)
    check_target(tmp_path, ranges, results)


@pytest.mark.slow
def test_identical_imports_commit_once(tmp_path: Path) -> None:
    ranges = [(0, 300)] * 4
    results = run_workers(tmp_path, ranges, shared_reports=False)
    assert sorted(str(r["outcome"]) for r in results) == ["committed"] + ["nothing-to-do"] * 3
    check_target(tmp_path, ranges, results)
