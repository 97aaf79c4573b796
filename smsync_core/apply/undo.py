"""Undo a committed run from its record: remove what it inserted, restore what it updated.

Only where SMSTurbo still holds exactly what that run wrote: a customer edited since is reported and left
alone. The changes come from the target's own ``smsync_runs`` row (committed with the run, so it cannot be
missing or differ), checked against the record on disk when that is present. The undo is itself a run —
same transaction protocol, its own record, its own row — so it can be verified and undone in turn.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from smsync_core.apply.run import ApplyResult, Hook, Progress, RunRequest, execute_run
from smsync_core.audit.changes import Change
from smsync_core.audit.context import RunContext
from smsync_core.audit.ledger import run_changes, runs_table, undo_of
from smsync_core.audit.lines import decode_changes
from smsync_core.audit.record import MANIFEST
from smsync_core.config import Config
from smsync_core.db.connect import database_errors
from smsync_core.errors import UsageError, VerificationFailed
from smsync_core.files import sha256_bytes


def _record_outcome(reports_dir: Path, run_id: str) -> str | None:
    path = reports_dir / run_id / MANIFEST
    if not path.is_file():
        return None
    import json

    outcome = json.loads(path.read_text("utf-8")).get("outcome")
    return None if outcome is None else str(outcome)


def recorded_changes(run_id: str, engine: sa.Engine, config: Config, reports_dir: Path) -> list[Change]:
    """The changes a committed run made, as SMSTurbo recorded them (checked against the record on disk)."""
    runs = runs_table(config.audit_table, config.smsturbo.schema)
    with database_errors("smsturbo", engine.url):
        text = run_changes(engine, runs, run_id)
    if text is None:
        outcome = _record_outcome(reports_dir, run_id)
        if outcome is not None:
            raise UsageError(f"Run {run_id} ended as {outcome}, so it changed nothing and there is nothing to undo.")
        raise UsageError(f"SMSTurbo has no committed run {run_id}; check the run id (the folder name under "
                         f"{reports_dir}) and the SMSTurbo connection.")
    data = text.encode("utf-8")
    on_disk = reports_dir / run_id / "changes.jsonl"
    if on_disk.is_file() and sha256_bytes(on_disk.read_bytes()) != sha256_bytes(data):
        raise VerificationFailed(f"{on_disk} does not match the changes SMSTurbo recorded for run {run_id}; "
                                 "run `smsync verify` and investigate before undoing.")
    return decode_changes(data)


def undo_changes(changes: list[Change]) -> list[Change]:
    """The reverse of a run, last change first."""
    return [change.reversed() for change in reversed(changes)]


def undo_run(run_id: str, engine: sa.Engine, config: Config, *, context: RunContext, reports_dir: Path,
             progress: Progress | None = None, hook: Hook | None = None) -> ApplyResult:
    """Reverse committed run ``run_id`` where SMSTurbo still holds what it wrote; report the rest."""
    reports_dir = Path(reports_dir)
    changes = undo_changes(recorded_changes(run_id, engine, config, reports_dir))
    with database_errors("smsturbo", engine.url):
        earlier = undo_of(engine, runs_table(config.audit_table, config.smsturbo.schema), run_id)
    request = RunRequest(
        kind="undo",
        changes=tuple(changes),
        details={"undoes": run_id, "earlier_undo": earlier, "selection": [run_id], "replace_groups": []},
        skipped=pd.DataFrame(columns=["customer_id", "reason"]).astype(object),
        all_or_nothing=False,
        undoes=run_id,
    )
    return execute_run(request, engine, config, context=context, reports_dir=reports_dir, progress=progress,
                       hook=hook)
