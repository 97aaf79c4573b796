"""The whole flow, step by step, through the command line and the Python API, on any pair of URLs.

The server tests run it on the demo loaded into PostgreSQL or MariaDB and on the same demo as SQLite files,
and require every step's output to be the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import smsync_core
from smsync_core.demo import build_demo, write_demo
from tests.servers.helpers import smsync, table_rows, without_run_keys

#: Demo size and seed: the story rows plus a few hundred generated clients.
CLIENTS, SEED = 300, 100
REPLACE = "name,address,phones"


def cli_flow(capsys: pytest.CaptureFixture[str], sage: str, target: str, reports: Path) -> dict[str, Any]:
    """check, diff (both modes), sync (dry run, apply, re-run), update with Replace Options, undo, verify.

    Returns each step's JSON (run ids and paths removed) and the target table at each stage.
    """
    steps: dict[str, Any] = {}
    before = table_rows(target)

    def ok(name: str, *argv: str) -> Any:
        ran = smsync(capsys, *argv)
        assert ran.code == 0, (name, ran.err)
        assert all(line.startswith("Note: ") for line in ran.err.splitlines()), (name, ran.err)  # e.g. clncnt's
        if name.startswith("check"):
            assert "Note: Contact from clncnt for 3 clients" in ran.err, ran.err  # the demo's contacts, read
        steps[name] = data = ran.data
        return data

    ok("check", "check", "--sage", sage, "--smsturbo", target, "--format", "json")
    ok("check-sage-only", "check", "--sage", sage, "--format", "json")
    ok("diff", "diff", "--sage", sage, "--smsturbo", target, "--format", "json")
    ok("diff-all", "diff", "--sage", sage, "--smsturbo", target, "--all", "--format", "json")
    sync = ("sync", "--sage", sage, "--smsturbo", target, "--reports", str(reports), "--format", "json")
    dry = ok("dry-run", *sync, "--all-eligible", "--dry-run")
    assert dry["outcome"] == "dry-run" and dry["inserted"]
    assert table_rows(target) == before, "a dry run wrote to the target"
    first = ok("sync", *sync, "--all-eligible", "--yes")
    assert first["outcome"] == "committed" and first["inserted"] == dry["inserted"]
    steps["rows-after-sync"] = table_rows(target)
    again = ok("sync-again", *sync, "--all-eligible", "--yes")
    assert again["outcome"] == "nothing-to-do" and again["inserted"] == []
    assert table_rows(target) == steps["rows-after-sync"], "a re-run changed the target"
    ok("diff-all-after-sync", "diff", "--sage", sage, "--smsturbo", target, "--all", "--format", "json")
    update = ok("sync-replace", *sync, "--all-eligible", "--all", "--replace", REPLACE, "--yes")
    assert update["outcome"] == "committed" and update["updated"]
    steps["rows-after-update"] = table_rows(target)
    for name, run in (("undo-update", update), ("undo-sync", first)):
        undo = ok(name, "undo", first["run_id"] if run is first else update["run_id"], "--smsturbo", target,
                  "--reports", str(reports), "--yes", "--format", "json")
        assert undo["outcome"] == "committed", undo
    assert table_rows(target) == before, "undoing both runs did not restore the target exactly"
    report = ok("verify", "verify", str(reports), "--smsturbo", target, "--format", "json")
    assert report["ok"] and len(report["records"]) == 4 and report["resolved"] == []
    report["records"] = len(report["records"])
    steps["rows-after-undo"] = table_rows(target)
    return {name: without_run_keys(value) if isinstance(value, dict) and "run_id" in value else value
            for name, value in steps.items()}


def api_flow(sage: str, target: str, reports: Path) -> dict[str, Any]:
    """The Python API notebooks call: check, reconcile, plan, apply, undo."""
    wb = smsync_core.connect(sage, target, {})
    try:
        out: dict[str, Any] = {
            "check": wb.check().drop(columns=["row"]).reset_index(drop=True),
            "missing": wb.reconcile(missing_only=True).to_dict(),
            "all": wb.reconcile(missing_only=False).to_dict(),
        }
        plan = wb.plan("all-eligible", replace=("phones",), missing_only=False)
        out["plan"] = plan.to_frame()
        result = wb.apply(plan, reports_dir=reports)
        assert result.outcome == "committed", result.error
        out["apply"] = (result.outcome, sorted(result.inserted), sorted(result.updated))
        undone = wb.undo(result.run_id, reports_dir=reports)
        out["undo"] = (undone.outcome, sorted(undone.deleted), sorted(undone.updated))
        return out
    finally:
        wb.close()


def assert_same_flow(server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Load the demo into the server and into SQLite; every CLI and API step must give the same result."""
    write_demo(server_url, server_url, CLIENTS, SEED)
    sqlite = build_demo(tmp_path / "sqlite", CLIENTS, SEED)
    on_sqlite = cli_flow(capsys, sqlite.sage_url, sqlite.smsturbo_url, tmp_path / "reports-sqlite")
    on_server = cli_flow(capsys, server_url, server_url, tmp_path / "reports-server")
    assert list(on_server) == list(on_sqlite)
    for step in on_sqlite:
        assert on_server[step] == on_sqlite[step], f"{step} differs between SQLite and the server"

    api_sqlite = api_flow(sqlite.sage_url, sqlite.smsturbo_url, tmp_path / "api-sqlite")
    api_server = api_flow(server_url, server_url, tmp_path / "api-server")
    for key in ("check", "plan"):
        pd.testing.assert_frame_equal(api_server[key].astype(object), api_sqlite[key].astype(object),
                                      check_dtype=False, obj=key)
    for key in ("missing", "all", "apply", "undo"):
        assert api_server[key] == api_sqlite[key], key
    assert table_rows(server_url) == on_server["rows-after-undo"]
