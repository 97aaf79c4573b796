"""The record's own faults: a full disk, a reports folder that vanishes after the commit.

Temporary files are removed on every path, a full disk is one clear sentence, and an import whose record could
not be finished after the commit says so loudly (never "Import completed"), with what to run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from smsync_core.apply import run as apply_run
from smsync_core.audit.verify import verify
from smsync_core.cli.dispatch import main
from smsync_core.workbench import Workbench
from tests.support.data import client, customer
from tests.support.runs import apply, open_pair, rows, runs


@pytest.fixture
def wb(tmp_path: Path) -> Workbench:
    """Three new clients and a target that already had one import (so the chain and smsync_runs exist)."""
    clients = [client(f"N{i}") for i in range(3)] + [client("U1", phone="999"), client("FIRST")]
    wb = open_pair(tmp_path, clients, [customer("U1")])
    assert apply(wb, wb.plan(["FIRST"]), tmp_path / "reports").outcome == "committed"
    wb.refresh()
    return wb


@contextmanager
def disk_full(monkeypatch: pytest.MonkeyPatch, when: Callable[[], bool] = lambda: True) -> Iterator[None]:
    """Every fsync of a file fails with ENOSPC while ``when()`` holds, as on a full disk."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if when():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        yield


def hidden_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tmp"))


def test_a_full_disk_during_an_import_writes_nothing_leaves_no_temporary_file_and_says_so(
        wb: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports, path = tmp_path / "reports", tmp_path / "smsturbo.db"
    plan = wb.plan("all-eligible")
    steps: list[str] = []
    with disk_full(monkeypatch, lambda: "audit-table" in steps):  # the record's changes hit a full disk
        result = apply(wb, plan, reports, hook=steps.append)
    assert result.outcome == "failed" and "N0" not in rows(path) and len(runs(path)) == 1
    assert "is full" in (result.error or "") and "free some space" in (result.error or ""), result.error
    assert hidden_files(reports) == []
    again = apply(wb, plan, reports)  # once there is space, the next import goes through
    assert again.outcome == "committed" and len(again.inserted) == 3
    assert hidden_files(reports) == []
    report = verify([reports], engine=wb.smsturbo_engine)
    assert report.ok, report.problems


def test_a_full_disk_when_every_record_write_fails_still_leaves_nothing_behind(
        wb: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "reports"
    plan = wb.plan("all-eligible")
    steps: list[str] = []
    with disk_full(monkeypatch, lambda: "begin" in steps):  # even the failed record cannot be written
        result = apply(wb, plan, reports, hook=steps.append)
    assert result.outcome == "failed" and "is full" in (result.error or "")
    assert hidden_files(reports) == []
    again = apply(wb, plan, reports)
    assert again.outcome == "committed", again.error
    assert verify([reports], engine=wb.smsturbo_engine).ok


def at_finalize(monkeypatch: pytest.MonkeyPatch, fault: Callable[[], None]) -> None:
    """Every import of this test meets ``fault`` right after its commit, when its record is being finished."""
    original = apply_run.execute_run

    def execute_run(*args: Any, **kwargs: Any) -> Any:
        kwargs["hook"] = lambda step: fault() if step == "finalize" else None
        return original(*args, **kwargs)

    monkeypatch.setattr(apply_run, "execute_run", execute_run)


def cli_sync(tmp_path: Path, *extra: str) -> int:
    return main(["sync", "--sage", f"sqlite:///{tmp_path / 'sage.db'}", "--smsturbo",
                 f"sqlite:///{tmp_path / 'smsturbo.db'}", "--reports", str(tmp_path / "reports"), "--yes", *extra])


def test_a_reports_folder_gone_after_the_commit_is_loud_exit_1_and_says_what_to_run(
        wb: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    at_finalize(monkeypatch, lambda: shutil.rmtree(reports))
    assert cli_sync(tmp_path, "--all-eligible") == 1
    out, err = capsys.readouterr()
    assert "Import completed" not in out + err
    assert "committed in SMSTurbo (3 inserted" in err and "smsync verify" in err and "--smsturbo" in err, err
    assert {"N0", "N1", "N2"} <= set(rows(tmp_path / "smsturbo.db"))  # the import itself did land


def test_a_full_disk_after_the_commit_is_loud_and_verify_then_finishes_the_record(
        wb: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    full = [False]
    at_finalize(monkeypatch, lambda: full.__setitem__(0, True))  # the disk fills up just after the commit
    with disk_full(monkeypatch, lambda: full[0]):
        code = cli_sync(tmp_path, "--all-eligible", "--format", "json")
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 1 and data["outcome"] == "committed" and data["record_unfinished"] is True
    assert "is full" in err and "stays pending" in err and "smsync verify" in err, err
    assert hidden_files(reports) == []
    assert main(["verify", str(reports), "--smsturbo", f"sqlite:///{tmp_path / 'smsturbo.db'}"]) == 0
    out = capsys.readouterr().out
    assert data["run_id"] in out and "committed" in out, out
    manifest = json.loads((reports / data["run_id"] / "manifest.json").read_text("utf-8"))
    assert manifest["outcome"] == "committed"


def test_a_temporary_file_a_killed_write_left_in_a_pending_record_is_not_a_problem_once_settled(
        wb: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # A process killed inside a write of its pending record leaves ".<name>.<pid>.tmp" behind (it cannot clean up);
    # settling the record later must not take that torn file for one added after the run.
    reports = tmp_path / "reports"
    full = [False]

    def killed_mid_write() -> None:
        for pending in (reports / ".pending").iterdir():
            (pending / ".changes.jsonl.99999.tmp").write_bytes(b'{"torn')
        full[0] = True  # and the record cannot be finished: it stays pending, as after a SIGKILL

    at_finalize(monkeypatch, killed_mid_write)
    with disk_full(monkeypatch, lambda: full[0]):
        code = cli_sync(tmp_path, "--all-eligible", "--format", "json")
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert code == 1 and hidden_files(reports)
    assert main(["verify", str(reports), "--smsturbo", f"sqlite:///{tmp_path / 'smsturbo.db'}"]) == 0, \
        capsys.readouterr()
    assert hidden_files(reports) == []
    assert json.loads((reports / run_id / "manifest.json").read_text("utf-8"))["outcome"] == "committed"


def test_the_page_shows_an_unfinished_record_as_an_error(wb: Workbench, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from smsync_widgets.confirm import SynchronizeDialog

    reports = tmp_path / "reports"
    plan = wb.plan("all-eligible")
    at_finalize(monkeypatch, lambda: shutil.rmtree(reports))
    dialog = SynchronizeDialog(plan, apply=lambda p: wb.apply(p, reports_dir=reports))  # type: ignore[arg-type]
    result = dialog.confirm()
    assert result is not None and not result.ok
    assert "Import completed" not in dialog.message.value and "#a40000" in dialog.message.value
    assert "could not be finished" in dialog.message.value
