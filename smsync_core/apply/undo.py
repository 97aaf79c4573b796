"""Undo a committed run from its record: remove what it inserted, restore what it updated.

Only where SMSTurbo still holds exactly what that run wrote: a customer edited since is reported and left
alone. The changes come from the target's own ``smsync_runs`` row (committed with the run, so it cannot be
missing or differ), checked against the record on disk when that is present. The undo is itself a run —
same transaction protocol, its own record, its own row — so it can be verified and undone in turn. Its record
has the auditor's page an import's has (``undo.html``, and ``undo.pdf`` where Chromium prints it), listed in its
manifest: the undo holds the reports folder's lock, lets the run settle its outcome, adds the page, then links
the record into the chain.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json
import sqlalchemy as sa

from smsync_core.apply.result import CONFLICT_COLUMNS, rows_frame
from smsync_core.apply.run import ApplyResult, Hook, Progress, RunRequest, execute_run
from smsync_core.audit.changes import Change
from smsync_core.audit.context import RunContext
from smsync_core.audit.ledger import run_changes, runs_table, undo_of
from smsync_core.audit.lines import decode_changes
from smsync_core.audit.record import MANIFEST, PENDING, PendingRecord, reports_lock
from smsync_core.clock import new_run_id
from smsync_core.config import Config
from smsync_core.db.connect import database_errors
from smsync_core.errors import UsageError, VerificationFailed
from smsync_core.files import sha256_bytes
from smsync_core.notebooks.record_page import record_files

#: The undo record's page is ``undo.html`` (and ``undo.pdf``).
PAGE_STEM = "undo"


def _record_outcome(reports_dir: Path, run_id: str) -> str | None:
    path = reports_dir / run_id / MANIFEST
    if not path.is_file():
        return None
    outcome = json.loads(path.read_text("utf-8")).get("outcome")
    return None if outcome is None else str(outcome)


def _frame(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """The rows of a record's JSON Lines file (empty when the record has none), just ``columns``, as objects."""
    if not path.is_file() or not path.stat().st_size:
        return pd.DataFrame(columns=list(columns)).astype(object)
    schema = pa.schema([(c, pa.string()) for c in columns])
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    frame: pd.DataFrame = pa_json.read_json(path, parse_options=options).to_pandas().astype(object)
    return frame.where(frame.notna(), None)


def recorded_result(run_id: str, reports_dir: str | Path) -> ApplyResult | None:
    """What run ``run_id`` did, read back from its record (a page reload shows its completed step again): the
    import's summary where a notebook run wrote one, else the changes, skips and conflicts the record lists.
    None when ``reports_dir`` holds no record of that run."""
    reports_dir = Path(reports_dir)
    folder = next((f for f in (reports_dir / run_id, reports_dir / PENDING / run_id) if (f / MANIFEST).is_file()),
                  None)
    if folder is None:
        return None
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    outcome, error = str(manifest.get("outcome")), manifest.get("error")
    summary = folder / "import.json"  # a notebook run's import (the sync JSON shape)
    imported = json.loads(summary.read_text("utf-8")) if summary.is_file() else None
    changes = _frame(folder / "changes.jsonl", ("customer_id", "action"))
    ids = {a: tuple(changes.loc[changes["action"] == a, "customer_id"].astype(str)) for a in ("insert", "update",
                                                                                                 "delete")}
    skipped = _frame(folder / "skipped.jsonl", ("customer_id", "reason"))
    if isinstance(imported, dict):
        said = str(imported.get("outcome") or outcome)
        outcome = "failed" if outcome in ("failed", "conflict") and said in ("committed", "nothing-to-do") else said
        ids["insert"], ids["update"] = (tuple(map(str, imported.get(k) or ())) for k in ("inserted", "updated"))
        skipped = rows_frame(imported.get("skipped") or [], ("customer_id", "reason"))
        error = error or imported.get("error")
    elif outcome == "completed":  # a notebook run that imported nothing
        outcome = "nothing-to-do"
    conflicts = _frame(folder / "conflicts.jsonl", CONFLICT_COLUMNS)
    unfinished = folder.parent.name == PENDING and outcome == "committed"
    return ApplyResult(run_id, outcome, ids["insert"], ids["update"], skipped, folder, conflicts, ids["delete"],
                       error, str(manifest.get("kind") or "sync"), record_unfinished=unfinished)


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
    with reports_lock(reports_dir):  # held until the record, with its page, is linked into the chain
        result = execute_run(request, engine, config, context=context, reports_dir=reports_dir,
                             progress=progress, hook=hook, within=new_run_id())
        return _with_page(result)


def _with_page(result: ApplyResult) -> ApplyResult:
    """Add the auditor's page to the undo's settled record and link the record into the chain (hold the lock)."""
    folder = result.record_dir
    if folder is None or result.record_unfinished or folder.parent.name != PENDING:
        return result  # nothing recorded (nothing to do), or a record the next run or `verify` settles
    record = PendingRecord.load(folder)
    manifest = record.manifest
    if manifest.get("outcome") == "pending":  # whether it committed is unknown: `verify` settles it
        return result
    try:
        files, no_pdf = record_files(folder, manifest, PAGE_STEM)
    except Exception as exc:  # the record still goes into the chain, and says why it has no page
        files, no_pdf = {}, None
        manifest["page"] = f"no page: it could not be rendered ({type(exc).__name__})"
    try:
        for name, data in files.items():
            record.write_file(name, data)
        if no_pdf is not None:
            manifest["pdf"] = no_pdf
        final = record.finalize(str(manifest["outcome"]), error=manifest.get("error"),
                                finished_at=manifest.get("finished_at"))
    except Exception as exc:  # settled, so the next run or `verify` links it into the chain
        if result.outcome != "committed":
            return result
        verify = f"`smsync verify {record.root} --smsturbo URL`"
        return dataclasses.replace(result, record_unfinished=True, error=(
            f"{exc}. It stays in {folder}; once the reports folder is writable again, run {verify} (URL: this "
            "SMSTurbo database) to finish it."))
    return dataclasses.replace(result, record_dir=final)
