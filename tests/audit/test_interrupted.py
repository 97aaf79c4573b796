"""Notebook runs that never sealed their record do not vanish from the audit trail.

A ``smsync run`` killed (SIGKILL, the whole process group: runner and kernel) after its notebook's import committed,
or before it imported anything, leaves its folder in ``reports/.running/``. The next run or ``verify`` seals it as
a record of the chain with what is known, and ``verify`` names it. A notebook that writes files in another encoding
than UTF-8 is sealed with those files byte for byte.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import smsync_core
from smsync_core.audit.interrupted import RUNNING
from smsync_core.audit.record import MANIFEST, PENDING
from smsync_core.audit.verify import verify
from smsync_core.cli.dispatch import main
from tests.support import FIXTURE_NOTEBOOKS
from tests.support.data import client, make_sage_db, make_smsturbo_db
from tests.support.runs import rows, runs

NOTEBOOKS = FIXTURE_NOTEBOOKS

pytestmark = pytest.mark.notebook


def start_run(tmp_path: Path, notebook: str, *parameters: str) -> subprocess.Popen[bytes]:
    """``smsync run`` in a process group of its own (the kernel is its child), the record going to reports/."""
    code = "import sys; from smsync_core.cli.dispatch import main; raise SystemExit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "run", str(NOTEBOOKS / notebook), "--reports", str(tmp_path / "reports")]
    for pair in zip(parameters[::2], parameters[1::2], strict=True):
        argv += ["-p", *pair]
    return subprocess.Popen(argv, cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def kill_when(child: subprocess.Popen[bytes], ready: Any, timeout: float = 120) -> None:
    """SIGKILL the run and its kernel once ``ready()`` holds."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert child.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.2)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


def manifest(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / MANIFEST).read_text("utf-8"))
    return data


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    sage = make_sage_db(tmp_path / "sage.db", [client("1001"), client("1002", name="Second", phone="2")])
    return sage, make_smsturbo_db(tmp_path / "smsturbo.db", [])


def test_a_run_killed_after_its_import_committed_is_sealed_and_reported(
        tmp_path: Path, pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    child = start_run(tmp_path, "imports_then_waits.ipynb", "sage_url", pair[0], "smsturbo_url", pair[1],
                      "wait", "300")
    kill_when(child, lambda: any((reports / RUNNING).glob("*/imported.txt")))
    (stage,) = (reports / RUNNING).iterdir()
    assert {"1001", "1002"} <= set(rows(tmp_path / "smsturbo.db")) and len(runs(tmp_path / "smsturbo.db")) == 1

    assert main(["verify", str(reports)]) == 0  # seals it: the import's outcome is settled already
    out = capsys.readouterr().out
    assert f"Interrupted run {stage.name}:" in out and "killed or crashed" in out, out
    assert "1 run interrupted" in out
    record = reports / stage.name
    m = manifest(record)
    assert m["outcome"] == "committed" and m["interrupted"] is True and m["notebook"] == "imports_then_waits.ipynb"
    assert "imported.txt" in m["files"] and not (reports / RUNNING).exists()
    assert not (reports / PENDING / stage.name).exists()
    report = verify([reports], engine=smsync_core.connect(pair[0], pair[1], {}).smsturbo_engine)
    assert report.ok and report.ledger_runs == 1, report.problems


def test_a_run_killed_before_importing_is_sealed_as_interrupted_by_the_next_sync(
        tmp_path: Path, pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    child = start_run(tmp_path, "writes_latin1.ipynb", "wait", "300")
    kill_when(child, lambda: any((reports / RUNNING).glob("*/notes.txt")))
    (stage,) = (reports / RUNNING).iterdir()
    code = main(["sync", "--sage", pair[0], "--smsturbo", pair[1], "--all-eligible", "--yes",
                 "--reports", str(reports)])
    assert code == 0, capsys.readouterr().err
    m = manifest(reports / stage.name)
    assert m["outcome"] == "interrupted" and m["kind"] == "notebook" and "killed or crashed" in m["error"]
    assert (reports / stage.name / "notes.txt").read_bytes() == b"\xff\xfe not UTF-8 \x80\n"
    report = verify([reports])
    assert report.ok and [r for r, _ in report.interrupted] == [stage.name], report.problems


def test_a_notebook_writing_files_that_are_not_utf8_is_sealed_byte_for_byte(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    assert main(["run", str(NOTEBOOKS / "writes_latin1.ipynb"), "--reports", str(reports)]) == 0
    (record,) = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert (record / "export.csv").read_bytes() == "Café;Müller\n".encode("latin-1")
    assert (record / "notes.txt").read_bytes() == b"\xff\xfe not UTF-8 \x80\n"
    assert not (reports / RUNNING).exists()
    assert verify([reports]).ok
