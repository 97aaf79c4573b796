"""Faults on real servers: the target connection killed mid-import, and the smsync process killed with SIGKILL.

Each trial is seeded (``SEED``, the server and the trial number), so the same trial makes the same choices
again. The import has ``CLIENTS`` new customers written in batches of ``BATCH`` rows, so that a fault can land
between batches as well as before or during the commit. After every fault:

* the target holds all of the run or none of it (customers and its ``smsync_runs`` row together);
* the record agrees: ``smsync verify`` resolves the pending record and exits 0, and its outcome says committed
  exactly when the customers are there;
* the next run completes (committed, or nothing-to-do when the killed run had committed), and every eligible
  client is then in SMSTurbo exactly once.

Connection kills run the import in this process with a step hook (``pg_terminate_backend`` /  MariaDB
``KILL CONNECTION`` from a second connection, either at a chosen step or from a timer at a random moment).
SIGKILL trials run it in a child process that prints each step; the parent kills it at a random one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import smsync_core
from smsync_core.apply import sql as apply_sql
from smsync_core.apply.run import apply_plan
from smsync_core.audit.ledger import runs_table
from smsync_core.audit.record import MANIFEST
from smsync_core.sources.sage100 import sage_table
from smsync_core.targets.smsturbo import smsturbo_table
from tests.servers.helpers import (
    kill_sessions,
    mariadb_login,
    scratch_database,
    smsync,
    wait_until_gone,
)

pytestmark = [pytest.mark.server, pytest.mark.slow]

SEED = 20261126
TRIALS = 20
CLIENTS = 400
BATCH = 50
APP = "smsync_fault"  # PostgreSQL application_name of a trial's target connections (what is killed)
#: The steps of an import as the hook sees them, in order (see smsync_core.apply.run).
EVENTS = ("record", "begin", "check", "audit-table", *["insert"] * (CLIENTS // BATCH), "changes", "audit-row",
          "commit", "finalize")
#: Where a connection kill may be placed: (step, nth occurrence).
KILL_POINTS = (("begin", 1), ("check", 1), ("changes", 1), *[("insert", n) for n in range(1, CLIENTS // BATCH + 1)],
               ("audit-row", 1), ("commit", 1))


@dataclass(frozen=True)
class Target:
    """Where one trial imports to: a URL whose sessions can be told apart from every other one, and killed."""

    kind: str
    url: str
    marker: str
    by: str

    def kill(self) -> int:
        """End the target's sessions from a second connection."""
        return kill_sessions(self.kind, self.marker, by=self.by)

    def settle(self) -> None:
        """Wait until the server has finished every target session (committed or rolled back)."""
        wait_until_gone(self.kind, self.marker, by=self.by)


@dataclass(frozen=True)
class Site:
    """One server: the Sage clients loaded once, and how long an undisturbed import takes there."""

    kind: str
    admin: str
    duration: float = 0.0

    @contextmanager
    def target(self, name: str) -> Iterator[Target]:
        """A target for trial ``name``: an application name (PostgreSQL) or a login of its own (MariaDB)."""
        if self.kind == "postgresql":
            app = f"{APP}_{name}"
            named = sa.make_url(self.admin).update_query_dict({"application_name": app})
            yield Target(self.kind, named.render_as_string(hide_password=False), app, "application")
            return
        with mariadb_login(self.admin, f"t{name}") as login:
            yield Target(self.kind, login, sa.make_url(login).username or "", "user")


def _load_clients(url: str) -> None:
    metadata = sa.MetaData()
    table = sage_table(metadata)
    rows = [{"recnum": f"F{i:05d}", "clnnme": f"Fault Client {i}", "addrs1": f"{i} Main St", "ctynme": "Denver",
             "state_": "CO", "zipcde": "80202", "phnnum": "303-555-0100", "contct": "Pat", "status": 3,
             "inactv": 0} for i in range(CLIENTS)]
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            table.create(connection)
            connection.execute(table.insert(), rows)
    finally:
        engine.dispose()


def fresh_target(site_admin: str, name: str, directory: Path) -> Path:
    """A new customer table (with ZZDEFAULT) and runs table for one trial; returns its smsync.toml."""
    metadata = sa.MetaData()
    table = smsturbo_table(sa.MetaData()).to_metadata(metadata, name=f"Customer_{name}")
    runs = runs_table(f"runs_{name}")
    engine = sa.create_engine(site_admin)
    try:
        with engine.begin() as connection:
            table.create(connection)
            connection.execute(table.insert(), [{"CustomerID": "ZZDEFAULT", "CustomerName": "Template",
                                                 "Terms": "Net 30"}])
        runs.create(engine)  # made by the administrator: the MariaDB target login has no DDL rights
    finally:
        engine.dispose()
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "smsync.toml"
    config.write_text(f'[smsturbo]\ntable = "Customer_{name}"\n\n[audit]\ntable = "runs_{name}"\n', "utf-8")
    return config


def state(site: Site, name: str) -> tuple[int, int, int]:
    """(customers but the template, distinct customer IDs, smsync_runs rows) of one trial's target."""
    engine = sa.create_engine(site.admin)
    try:
        customers = sa.Table(f"Customer_{name}", sa.MetaData(), autoload_with=engine)
        runs = sa.Table(f"runs_{name}", sa.MetaData(), autoload_with=engine)
        key = customers.c.CustomerID
        with engine.connect() as connection:
            n = connection.execute(sa.select(sa.func.count()).where(key != "ZZDEFAULT")).scalar_one()
            distinct = connection.execute(sa.select(sa.func.count(sa.distinct(key))).where(key != "ZZDEFAULT"))
            r = connection.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one()
            return int(n), int(distinct.scalar_one()), int(r)
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A scratch database with CLIENTS Sage clients, and the time one undisturbed import takes there."""
    kind = request.param
    request.getfixturevalue("pg_server" if kind == "postgresql" else "mariadb_server")
    with scratch_database(kind) as admin:
        _load_clients(admin)
        site = Site(kind, admin)
        directory = tmp_path_factory.mktemp(f"calibrate-{kind}")
        config = fresh_target(admin, "calibrate", directory)
        with site.target("calibrate") as target:
            wb = smsync_core.connect(admin, target.url, config)
            original = apply_sql.BATCH_ROWS
            apply_sql.BATCH_ROWS = BATCH
            try:
                plan = wb.plan("all-eligible")
                assert len(plan.insert_ids) == CLIENTS
                started = time.monotonic()
                result = apply_plan(plan, wb.smsturbo_engine, wb.config, context=wb.run_context(),
                                    reports_dir=directory / "reports")
                duration = time.monotonic() - started
            finally:
                apply_sql.BATCH_ROWS = original
                wb.close()
        assert result.outcome == "committed", result.error
        yield Site(kind, admin, duration)


def manifest_outcome(reports: Path, run_id: str) -> str:
    """The outcome the (finalised) record of ``run_id`` states."""
    return str(json.loads((reports / run_id / MANIFEST).read_text("utf-8"))["outcome"])


def resolve_and_complete(site: Site, target: Target, name: str, config: Path, reports: Path,
                         run_id: str | None, capsys: pytest.CaptureFixture[str],
                         verify_first: bool) -> tuple[int, str]:
    """The checks after a fault; returns (customers the fault left, the killed run's final outcome)."""
    target.settle()
    n, distinct, r = state(site, name)
    assert n in (0, CLIENTS), f"half-written: {n} of {CLIENTS} customers"
    assert distinct == n
    assert r == (1 if n == CLIENTS else 0), "the customers and their smsync_runs row disagree"
    verify = ("verify", str(reports), "--smsturbo", target.url, "--config", str(config))
    again = ("sync", "--sage", site.admin, "--smsturbo", target.url, "--config", str(config), "--all-eligible",
             "--yes", "--reports", str(reports), "--format", "json")
    steps = (verify, again) if verify_first else (again, verify)
    for argv in steps:
        ran = smsync(capsys, *argv)
        assert ran.code == 0, (argv[0], ran.out, ran.err)
        if argv[0] == "sync":
            assert ran.data["outcome"] == ("nothing-to-do" if n == CLIENTS else "committed"), ran.data
    outcome = "none"
    if run_id is not None and (reports / run_id).is_dir():
        outcome = manifest_outcome(reports, run_id)
        assert outcome == ("committed" if n == CLIENTS else "failed"), "the record disagrees with the target"
    final = state(site, name)
    assert final == (CLIENTS, CLIENTS, 1), final
    assert smsync(capsys, *verify).code == 0
    return n, outcome


def _log(entry: dict[str, Any]) -> None:
    """Append a trial's summary to $SMSYNC_FAULT_LOG (for the reliability table), when it is set."""
    path = os.environ.get("SMSYNC_FAULT_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_target_connection_killed_mid_import_leaves_all_or_nothing(
        site: Site, trial: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(f"{SEED}-connection-{site.kind}-{trial}")
    name = f"c{trial}"
    config = fresh_target(site.admin, name, tmp_path)
    reports = tmp_path / "reports"
    monkeypatch.setattr(apply_sql, "BATCH_ROWS", BATCH)
    mode = rng.choice(["step", "timer"])
    point = rng.choice(KILL_POINTS)
    delay = rng.uniform(0.0, site.duration)
    with site.target(name) as target:
        wb = smsync_core.connect(site.admin, target.url, config)
        plan = wb.plan("all-eligible")
        assert len(plan.insert_ids) == CLIENTS
        seen: dict[str, int] = {}
        killed: list[int] = []
        timer: threading.Timer | None = None

        def hook(step: str) -> None:
            nonlocal timer
            seen[step] = seen.get(step, 0) + 1
            if mode == "step" and (step, seen[step]) == point:
                killed.append(target.kill())
            if mode == "timer" and step == "record":
                timer = threading.Timer(delay, lambda: killed.append(target.kill()))
                timer.start()

        try:
            result = apply_plan(plan, wb.smsturbo_engine, wb.config, context=wb.run_context(),
                                reports_dir=reports, hook=hook)
        finally:
            if timer is not None:
                timer.join()
            wb.close()
        assert result.outcome in ("committed", "failed"), result
        if result.outcome == "failed":
            assert result.error and "Traceback" not in result.error
        n, outcome = resolve_and_complete(site, target, name, config, reports, result.run_id, capsys,
                                          verify_first=rng.random() < 0.5)
    if result.outcome == "committed":
        assert n == CLIENTS
    elif "stays pending" not in (result.error or ""):
        assert n == 0
    _log({"fault": "connection", "server": site.kind, "trial": trial, "mode": mode,
          "at": list(point) if mode == "step" else round(delay, 3), "killed": sum(killed),
          "result": result.outcome, "error": result.error, "left": n, "record": outcome})


def fork_import(site: Site, target: Target, config: Path, reports: Path) -> tuple[int, Iterator[str]]:
    """Plan here, then run the import in a forked child process that prints each step as it reaches it.

    Forking (instead of starting a new interpreter) saves the imports of every trial; the child opens its own
    connections and ends with ``os._exit``, so nothing of this process's state is shared with the server.
    """
    wb = smsync_core.connect(site.admin, target.url, config)
    try:
        plan = wb.plan("all-eligible")
    finally:
        wb.close()
    assert len(plan.insert_ids) == CLIENTS
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: import, report each step, never return into pytest
        code = 0
        try:
            os.close(read)
            out = os.fdopen(write, "w", buffering=1)
            apply_sql.BATCH_ROWS = BATCH
            child = smsync_core.connect(site.admin, target.url, config)

            def hook(step: str) -> None:
                out.write(step + "\n")
                out.flush()

            result = apply_plan(plan, child.smsturbo_engine, child.config, context=child.run_context(),
                                reports_dir=reports, hook=hook)
            out.write(f"finished {result.outcome}\n")
            out.flush()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return pid, iter(os.fdopen(read, "r"))


def _pending_run(reports: Path) -> str | None:
    """The run id of the killed run: its pending record, or its finished one."""
    pending = reports / ".pending"
    found = sorted(p.name for p in pending.iterdir()) if pending.is_dir() else []
    if found:
        return found[0]
    done = sorted(p.name for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if reports.is_dir() else []
    return done[0] if done else None


@pytest.mark.parametrize("trial", range(TRIALS))
def test_smsync_killed_with_sigkill_mid_import_leaves_all_or_nothing(
        site: Site, trial: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(f"{SEED}-sigkill-{site.kind}-{trial}")
    name = f"k{trial}"
    config = fresh_target(site.admin, name, tmp_path)
    reports = tmp_path / "reports"
    at = rng.randrange(len(EVENTS))
    extra = rng.uniform(0.0, 0.03)
    with site.target(name) as target:
        pid, lines = fork_import(site, target, config, reports)
        for events, line in enumerate(lines):
            if line.startswith("finished"):
                break
            if events == at:
                time.sleep(extra)
                os.kill(pid, signal.SIGKILL)
                break
        _, status = os.waitpid(pid, 0)
        landed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert landed or os.WEXITSTATUS(status) == 0, status  # killed, or it had finished just before
        run_id = _pending_run(reports)
        assert run_id is not None
        n, outcome = resolve_and_complete(site, target, name, config, reports, run_id, capsys,
                                          verify_first=rng.random() < 0.5)
    _log({"fault": "sigkill", "server": site.kind, "trial": trial, "at": EVENTS[at], "event": at,
          "landed": landed, "left": n, "record": outcome})
