"""Four processes sync overlapping selections into one PostgreSQL (and one MariaDB) SMSTurbo at the same moment.

Each process is an accountant at their own workstation (own reports directory): it plans, waits until all four
have planned, then imports. Every run must end committed, nothing-to-do or conflict; no customer may exist
twice; a process that met a conflict plans again and retries; at the end the union of what the committed runs
inserted is exactly the eligible set, each customer inserted by exactly one run, and every record verifies.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import smsync_core
from smsync_core.sources.sage100 import sage_table
from smsync_core.targets.smsturbo import smsturbo_table
from tests.servers.helpers import count_rows, smsync, table_rows

pytestmark = pytest.mark.server

SEED = 4242
PROCESSES = 4
ELIGIBLE = [f"C{i:04d}" for i in range(300)]
INELIGIBLE = ["bad id", "TOO-LONG-CLIENT-NO"]  # errors: invalid characters, more than 15 characters
INACTIVE = "INACTIVE1"  # status 6: not eligible (and nobody checks it by hand here)
ROUNDS = 6


def _client(cid: str, status: int = 3) -> dict[str, Any]:
    return {"recnum": cid, "clnnme": f"Client {cid}", "addrs1": "1 Main St", "ctynme": "Denver", "state_": "CO",
            "zipcde": "80202", "phnnum": "303-555-0100", "contct": "Pat", "status": status, "inactv": 0}


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> str:
    """A fresh database on each server, holding the clients and an SMSTurbo with only ZZDEFAULT."""
    url = str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "mariadb_odbc_url"))
    metadata = sa.MetaData()
    sage, target = sage_table(metadata), smsturbo_table(metadata)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            metadata.create_all(connection)
            rows = [_client(c) for c in ELIGIBLE] + [_client(c) for c in INELIGIBLE]
            connection.execute(sage.insert(), [*rows, _client(INACTIVE, status=6)])
            connection.execute(target.insert(), [{"CustomerID": "ZZDEFAULT", "CustomerName": "Template"}])
    finally:
        engine.dispose()
    return url


def selections(rng: random.Random) -> list[list[str]]:
    """Four overlapping selections: every eligible client in at least one, most in two or more."""
    chosen: list[set[str]] = [set() for _ in range(PROCESSES)]
    for cid in ELIGIBLE:
        for n in rng.sample(range(PROCESSES), rng.choice([1, 2, 2, 3, 4])):
            chosen[n].add(cid)
    for n in range(PROCESSES):
        chosen[n].update(rng.sample(INELIGIBLE, 1))
    return [sorted(c, key=lambda _: rng.random()) for c in chosen]


def _child(url: str, ids: list[str], reports: Path, ready: int, go: int, out: int) -> None:
    """In a forked process: plan, say ready, wait for go, import, write the result as JSON."""
    code = 0
    try:
        wb = smsync_core.connect(url, url, {})
        plan = wb.plan(ids)
        os.write(ready, b"r")
        os.read(go, 1)
        result = wb.apply(plan, reports_dir=reports)
        data = {"outcome": result.outcome, "inserted": list(result.inserted), "error": result.error}
        os.write(out, json.dumps(data).encode() + b"\n")
    except BaseException as exc:  # reported to the parent, which fails the test with it
        os.write(out, json.dumps({"outcome": "crashed", "error": repr(exc)}).encode() + b"\n")
        code = 1
    finally:
        os._exit(code)


def together(url: str, work: list[tuple[list[str], Path]]) -> list[dict[str, Any]]:
    """Run the imports in separate processes, released at the same moment once all have planned."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    children: list[tuple[int, int]] = []
    for ids, reports in work:
        out_r, out_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            _child(url, ids, reports, ready_w, go_r, out_w)
        os.close(out_w)
        children.append((pid, out_r))
    for _ in work:
        assert os.read(ready_r, 1) == b"r"
    os.write(go_w, b"g" * len(work))
    results = []
    for pid, out_r in children:
        with os.fdopen(out_r) as stream:
            text = stream.read()
        os.waitpid(pid, 0)
        results.append(json.loads(text))
    for fd in (ready_r, ready_w, go_r, go_w):
        os.close(fd)
    return results


def rounds(url: str, tmp_path: Path, rng: random.Random) -> Iterator[list[dict[str, Any]]]:
    """Round one with every process; then again with those that met a conflict, until none does."""
    pending = {n: ids for n, ids in enumerate(selections(rng))}
    for _ in range(ROUNDS):
        if not pending:
            return
        order = list(pending)
        results = together(url, [(pending[n], tmp_path / f"reports-{n}") for n in order])
        yield results
        pending = {n: pending[n] for n, r in zip(order, results, strict=True) if r["outcome"] == "conflict"}
    raise AssertionError(f"processes {sorted(pending)} still met conflicts after {ROUNDS} rounds")


@pytest.mark.parametrize("trial", range(2))
def test_four_processes_import_overlapping_selections(server: str, trial: int, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(f"{SEED}-{server.split(':')[0]}-{trial}")
    inserted: list[str] = []
    outcomes: list[str] = []
    committed = 0
    for results in rounds(server, tmp_path, rng):
        for result in results:
            assert result["outcome"] in ("committed", "nothing-to-do", "conflict"), result
            outcomes.append(result["outcome"])
            if result["outcome"] == "committed":
                committed += 1
                inserted.extend(result["inserted"])
    assert len(inserted) == len(set(inserted)), "a customer was inserted by two runs"
    assert set(inserted) == set(ELIGIBLE), "the committed runs did not insert exactly the eligible set"
    stored = table_rows(server)
    assert set(stored) == {"ZZDEFAULT", *ELIGIBLE}
    assert count_rows(server, "Customer") == len(ELIGIBLE) + 1  # no duplicate, even on a case-blind key
    assert count_rows(server, "smsync_runs") == committed
    # The target's ledger holds every process's runs: verified together, each folder's records account for them.
    folders = [str(p) for n in range(PROCESSES) if (p := tmp_path / f"reports-{n}").exists()]
    ran = smsync(capsys, "verify", *folders, "--smsturbo", server)
    assert ran.code == 0, ran.out + ran.err
    log = os.environ.get("SMSYNC_FAULT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"fault": "concurrency", "server": server.split(":")[0], "trial": trial,
                                     "runs": len(outcomes), "outcomes": outcomes}) + "\n")
