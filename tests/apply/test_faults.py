"""Faults: an exception at every step, a database error mid-batch, and SIGKILL mid-import.

Every time: either every planned change lands with its record, or none does; a crash leaves a pending record
that the next run (or ``verify``) resolves against the target.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import smsync_core
from smsync_core.apply.run import STEPS
from smsync_core.apply.undo import undo_run
from smsync_core.audit.record import PENDING, RunContext
from smsync_core.audit.verify import verify
from smsync_core.workbench import Workbench
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db, sha256
from tests.support.runs import apply, execute, manifest, open_pair, rows, runs, undo


class InjectedFault(Exception):
    """The failure a test injects at one step."""


def fail_at(name: str) -> Any:
    """A hook that raises at step ``name``."""
    def hook(step: str) -> None:
        if step == name:
            raise InjectedFault(f"injected at {step}")

    return hook


@pytest.fixture
def ready(tmp_path: Path) -> Workbench:
    """A target that already had one run (so smsync_runs exists) and a plan's worth of work left."""
    clients = [client(f"N{i}") for i in range(5)] + [client("U1", phone="999"), client("FIRST")]
    wb = open_pair(tmp_path, clients, [customer("U1")])
    assert apply(wb, wb.plan(["FIRST"]), tmp_path / "reports").outcome == "committed"
    wb.refresh()
    return wb


@pytest.mark.parametrize("step", [s for s in STEPS if s not in ("delete", "finalize")])
def test_a_fault_before_commit_changes_nothing_and_the_record_says_failed(ready: Workbench, tmp_path: Path,
                                                                          step: str) -> None:
    path = tmp_path / "smsturbo.db"
    plan = ready.plan("all-eligible", replace=("phones",))
    assert len(plan.insert_ids) == 5 and plan.update_ids == ("U1",)
    before, before_rows = sha256(path), rows(path)
    result = apply(ready, plan, tmp_path / "reports", hook=fail_at(step))
    assert result.outcome == "failed" and f"injected at {step}" in (result.error or "")
    assert sha256(path) == before and rows(path) == before_rows
    assert len(runs(path)) == 1
    m = manifest(result.record_dir or Path())
    assert m["outcome"] == "failed" and "InjectedFault" in m["error"]
    assert verify([tmp_path / "reports"], engine=ready.smsturbo_engine).ok
    again = apply(ready, plan, tmp_path / "reports")  # and the same plan still goes through afterwards
    assert again.outcome == "committed" and len(again.inserted) == 5


def test_a_fault_after_commit_keeps_the_changes_and_the_record_is_completed(ready: Workbench,
                                                                            tmp_path: Path) -> None:
    path = tmp_path / "smsturbo.db"
    result = apply(ready, ready.plan("all-eligible"), tmp_path / "reports", hook=fail_at("finalize"))
    assert result.outcome == "committed" and "stays pending" in (result.error or "")
    assert {f"N{i}" for i in range(5)} <= set(rows(path))
    assert [p.name for p in (tmp_path / "reports" / PENDING).iterdir()] == [result.run_id]
    report = verify([tmp_path / "reports"], engine=ready.smsturbo_engine)
    assert report.resolved == [(result.run_id, "committed")] and report.ok, report.problems
    assert manifest(tmp_path / "reports" / result.run_id)["outcome"] == "committed"


def test_a_fault_while_undoing_changes_nothing(ready: Workbench, tmp_path: Path) -> None:
    path = tmp_path / "smsturbo.db"
    first = apply(ready, ready.plan("all-eligible"), tmp_path / "reports")
    before = sha256(path)
    context = RunContext.create(str(ready.smsturbo_url))
    result = undo_run(first.run_id, ready.smsturbo_engine, ready.config, context=context,
                      reports_dir=tmp_path / "reports", hook=fail_at("delete"))
    assert result.outcome == "failed" and sha256(path) == before
    assert undo(ready, first.run_id, tmp_path / "reports").outcome == "committed"


def test_a_database_error_in_the_middle_of_a_batch_leaves_nothing(ready: Workbench, tmp_path: Path) -> None:
    path = tmp_path / "smsturbo.db"
    execute(path, "CREATE TRIGGER refuse BEFORE INSERT ON Customer WHEN NEW.CustomerID = 'N3' "
                  "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END")
    before = rows(path)
    result = apply(ready, ready.plan("all-eligible"), tmp_path / "reports")
    assert result.outcome == "failed" and "refused by a trigger" in (result.error or "")
    assert rows(path) == before
    assert manifest(result.record_dir or Path())["outcome"] == "failed"


def test_an_interrupt_marks_the_record_failed_and_propagates(ready: Workbench, tmp_path: Path) -> None:
    def interrupt(step: str) -> None:
        if step == "insert":
            raise KeyboardInterrupt

    before = rows(tmp_path / "smsturbo.db")
    with pytest.raises(KeyboardInterrupt):
        apply(ready, ready.plan("all-eligible"), tmp_path / "reports", hook=interrupt)
    assert rows(tmp_path / "smsturbo.db") == before
    assert not any((tmp_path / "reports" / PENDING).iterdir())


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import smsync_core
    from smsync_core.apply.run import apply_plan
    from smsync_core.audit.record import RunContext
    sage, target, reports, stop_at, nth = sys.argv[1:6]
    wb = smsync_core.connect(sage, target, {})
    plan = wb.plan("all-eligible")
    seen = {}
    def hook(step):
        seen[step] = seen.get(step, 0) + 1
        if step == stop_at and seen[step] == int(nth):
            print("stopped", step, flush=True)
            time.sleep(120)
    context = RunContext.create(target, sage, wb.config)
    result = apply_plan(plan, wb.smsturbo_engine, wb.config, context=context, reports_dir=Path(reports),
                        hook=hook)
    print("finished", result.outcome, flush=True)
""")


def kill_during_import(tmp_path: Path, clients: int, stop_at: str, nth: int) -> tuple[Path, Path, str, str]:
    """Start an import of ``clients`` new customers in a child process and SIGKILL it at a step."""
    sage = make_sage_db(tmp_path / "sage.db", (client(f"C{i:06d}") for i in range(clients)))
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("EXISTING")])
    reports = tmp_path / "reports"
    child = subprocess.Popen([sys.executable, "-c", CHILD, sage, target, str(reports), stop_at, str(nth)],
                             stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("stopped"), line
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    return tmp_path / "smsturbo.db", reports, sage, target


def customer_count(path: Path) -> int:
    """Customers but the template, counted by sqlite3 (which also rolls back a hot journal)."""
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT COUNT(*) FROM Customer WHERE CustomerID <> 'ZZDEFAULT'").fetchone()[0])
    finally:
        con.close()


def _after_kill(tmp_path: Path, clients: int, stop_at: str, nth: int, committed: bool) -> None:
    path, reports, sage, target = kill_during_import(tmp_path, clients, stop_at, nth)
    assert customer_count(path) == (1 + clients if committed else 1)  # all or nothing
    (pending,) = (reports / PENDING).iterdir()
    wb = open_existing(sage, target)
    result = apply(wb, wb.plan("all-eligible"), reports)  # the next run resolves, then completes
    assert result.outcome == ("nothing-to-do" if committed else "committed"), result.error
    assert manifest(reports / pending.name)["outcome"] == ("committed" if committed else "failed")
    assert customer_count(path) == 1 + clients
    assert len({r[0] for r in sqlite3.connect(path).execute("SELECT CustomerID FROM Customer")}) == clients + 2
    report = verify([reports], engine=wb.smsturbo_engine)
    assert report.ok, report.problems


def open_existing(sage: str, target: str) -> Workbench:
    """A workbench on databases a child process used."""
    return smsync_core.connect(sage, target, {})


@pytest.mark.parametrize(("stop_at", "nth", "committed"), [
    ("insert", 2, False), ("audit-row", 1, False), ("commit", 1, False), ("finalize", 1, True),
])
def test_sigkill_during_an_import_leaves_all_or_nothing(tmp_path: Path, stop_at: str, nth: int,
                                                        committed: bool) -> None:
    _after_kill(tmp_path, 5_000, stop_at, nth, committed)


@pytest.mark.slow
@pytest.mark.parametrize(("stop_at", "nth", "committed"), [("insert", 20, False), ("finalize", 1, True)])
def test_sigkill_during_a_large_import_leaves_all_or_nothing(tmp_path: Path, stop_at: str, nth: int,
                                                             committed: bool) -> None:
    _after_kill(tmp_path, 50_000, stop_at, nth, committed)


def test_the_changes_are_on_disk_before_the_run_row_and_the_commit(ready: Workbench, tmp_path: Path) -> None:
    import hashlib
    import json

    path, reports = tmp_path / "smsturbo.db", tmp_path / "reports"
    before = rows(path)
    seen: list[str] = []

    def hook(step: str) -> None:
        seen.append(step)
        if step in ("changes", "audit-row", "commit"):
            (record,) = (reports / PENDING).iterdir()
            listed = json.loads((record / "manifest.json").read_text("utf-8"))
            data = (record / "changes.jsonl").read_bytes()
            assert listed["outcome"] == "pending"
            assert listed["files"]["changes.jsonl"] == hashlib.sha256(data).hexdigest()
            assert data.count(b"\n") == 6  # five new customers and one update
            assert rows(path) == before  # not committed yet

    result = apply(ready, ready.plan("all-eligible", replace=("phones",)), reports, hook=hook)
    assert result.outcome == "committed", result.error
    assert list(dict.fromkeys(seen)) == [step for step in STEPS if step in seen]
    assert seen.index("changes") > seen.index("insert") and seen[-4:] == ["changes", "audit-row", "commit",
                                                                           "finalize"]
