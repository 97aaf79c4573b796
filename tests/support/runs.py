"""Shared helpers of the import tests: a pair of fresh SQLite files, an import through the core, what it left."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import smsync_core
from smsync_core.apply.run import ApplyResult, apply_plan
from smsync_core.apply.undo import undo_run
from smsync_core.audit.context import RunContext
from smsync_core.plan import Plan
from smsync_core.workbench import Workbench
from tests.support.data import make_sage_db, make_smsturbo_db

TRICKY = ["O'Brien \"Quotes\" & Sons", "x'; DROP TABLE Customer; --", "Café 🚀 Ünïcödé", "  padded",
          "NUL\x00inside"]


def open_pair(tmp_path: Path, clients: Sequence[dict[str, Any]], customers: Sequence[dict[str, Any]],
              *, template: bool = True, config: dict[str, Any] | None = None) -> Workbench:
    """A workbench on two fresh SQLite files in ``tmp_path``."""
    sage = make_sage_db(tmp_path / "sage.db", clients)
    target = make_smsturbo_db(tmp_path / "smsturbo.db", customers, template=template)
    return smsync_core.connect(sage, target, config or {})


def rows(path: Path, where: str = "") -> dict[str, dict[str, Any]]:
    """SMSTurbo customers straight from sqlite3: CustomerID -> row."""
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        found = con.execute(f'SELECT * FROM "Customer" {where}').fetchall()
    finally:
        con.close()
    return {r["CustomerID"]: dict(r) for r in found}


def runs(path: Path) -> list[dict[str, Any]]:
    """The smsync_runs rows (empty when the table does not exist)."""
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM smsync_runs ORDER BY committed_at")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def apply(wb: Workbench, plan: Plan, reports: Path, **kwargs: Any) -> ApplyResult:
    """Apply through the core API with a context built from the workbench."""
    context = RunContext.create(str(wb.smsturbo_url), wb.sage_url, wb.config)
    return apply_plan(plan, wb.smsturbo_engine, wb.config, context=context, reports_dir=reports, **kwargs)


def manifest(record_dir: Path) -> dict[str, Any]:
    """A record's manifest."""
    data: dict[str, Any] = json.loads((record_dir / "manifest.json").read_text("utf-8"))
    return data


def undo(wb: Workbench, run_id: str, reports: Path) -> ApplyResult:
    """Undo through the core API."""
    context = RunContext.create(str(wb.smsturbo_url), None, wb.config)
    return undo_run(run_id, wb.smsturbo_engine, wb.config, context=context, reports_dir=reports)


def execute(path: Path, sql: str, *params: Any) -> None:
    """Edit SMSTurbo by hand, as someone else would."""
    con = sqlite3.connect(path)
    con.execute(sql, params)
    con.commit()
    con.close()
