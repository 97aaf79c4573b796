"""Apply a plan to SMSTurbo: one transaction, committed together with its record, or nothing at all.

The protocol of every run (a sync here, an undo in :mod:`smsync_core.apply.undo`), in order, each step named
for fault injection (``hook(step)``):

1. take the reports directory's lock and resolve any record an earlier crash left pending;
2. ``record``: start this run's record, outcome ``pending``;
3. ``begin``: open the write transaction (SQLite: ``BEGIN IMMEDIATE``);
4. ``check``: read the planned rows as they are now (locked) and compare them with the plan — a planned
   insert that exists or an update whose before-values changed is a conflict, and nothing is written (a
   plan that is already entirely in the target is "nothing-to-do": applying it twice is a no-op);
5. ``audit-table``: create the ``smsync_runs`` table in the same transaction if the target lacks it (so
   a conflict or a failure leaves not even that behind);
6. ``insert`` / ``update`` / ``delete``: batched executemany; meanwhile the exact changes (with the current
   before-values), encoded once, are written into the record and fsynced, and compressed for step 8;
7. ``changes``: the record's changes are on disk (waited for) and listed in its manifest;
8. ``audit-row``: insert the run's row into ``smsync_runs`` — same transaction;
9. ``commit``;
10. ``finalize``: mark the record committed and link it into the chain.

A crash before 9 rolls the database back and leaves a pending record without a ``smsync_runs`` row: the
next run marks it failed. A crash after 9 leaves a pending record with a row: it is marked committed.
"""

from __future__ import annotations

import gc
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from smsync_core.apply.result import CONFLICT_COLUMNS, ApplyResult, rows_frame
from smsync_core.apply.sql import classify, current_rows, refuse_unstorable, write_changes, write_transaction
from smsync_core.audit.changes import Change, Inserts, encode_value
from smsync_core.audit.context import RunContext
from smsync_core.audit.interrupted import RUNNING, seal_interrupted
from smsync_core.audit.ledger import (
    anchored_digest,
    ensure_runs_table,
    has_runs_table,
    insert_run,
    run_lookup,
    runs_table,
    stored_changes,
    target_identity,
    upgrade_runs_table,
)
from smsync_core.audit.lines import encode_run
from smsync_core.audit.record import PENDING, PendingRecord, reports_lock, resolve_pending
from smsync_core.clock import new_run_id, utc_now
from smsync_core.config import Config
from smsync_core.db.connect import database_errors, translate_error
from smsync_core.db.dialects import dialect_of
from smsync_core.errors import ImportFailed, SmsyncError
from smsync_core.targets import smsturbo

if TYPE_CHECKING:
    from smsync_core.plan import Plan

#: Step names passed to ``hook``, in the order they happen.
STEPS = ("record", "begin", "check", "audit-table", "insert", "update", "delete", "changes", "audit-row",
         "commit", "finalize")

Hook = Callable[[str], None]
Progress = Callable[[int, int], None]
__all__ = ["STEPS", "ApplyResult", "RunRequest", "apply_plan", "dry_run_result", "execute_run"]
@dataclass(frozen=True)
class RunRequest:
    """A run to execute: its changes, what the record says about it, and how conflicts are treated.

    ``inserts`` (an import's new customers, column by column) come before ``changes``.
    """

    kind: str
    changes: tuple[Change, ...]
    details: Mapping[str, Any]
    skipped: pd.DataFrame
    all_or_nothing: bool = True
    undoes: str | None = None
    inserts: Inserts | None = None
    shape: smsturbo.Shape | None = None  # what the plan relies on in the target, checked under the lock

    @property
    def empty(self) -> bool:
        """True when the run has nothing to write."""
        return not self.changes and not (self.inserts is not None and len(self.inserts))


class _Stopped(Exception):
    def __init__(self, outcome: str, conflicts: list[dict[str, Any]]) -> None:
        super().__init__(outcome)
        self.outcome, self.conflicts = outcome, conflicts


def dry_run_result(plan: Plan) -> ApplyResult:
    """The result of ``--dry-run``: what would be written; nothing is."""
    return ApplyResult(plan.plan_id, "dry-run", plan.insert_ids, plan.update_ids, plan.skipped, None)


def apply_plan(plan: Plan, engine: sa.Engine, config: Config, *, context: RunContext, reports_dir: Path,
               progress: Progress | None = None, hook: Hook | None = None, within: str | None = None,
               ) -> ApplyResult:
    """Import ``plan`` into SMSTurbo in one transaction, with its record under ``reports_dir``.

    ``within``: the run id of the notebook run this import is part of (see :func:`execute_run`).
    """
    request = RunRequest(
        kind="sync",
        changes=tuple(plan.update_changes()),
        details={"plan_id": plan.plan_id, "planned_at": plan.created_at, "mode": plan.mode,
                 "selection": list(plan.selection), "replace_groups": list(plan.replace_groups)},
        skipped=plan.skipped,
        inserts=plan.insert_columns(),
        shape=_shape(plan, config),
    )
    return execute_run(request, engine, config, context=context, reports_dir=Path(reports_dir),
                       progress=progress, hook=hook, within=within)


def _shape(plan: Plan, config: Config) -> smsturbo.Shape:
    """The target columns the plan writes and the template row its new customers copied."""
    written = [*plan.inserts.columns, *plan.updates["column"]] if len(plan.updates) else [*plan.inserts.columns]
    return smsturbo.Shape(columns=tuple(dict.fromkeys(str(c) for c in written)), template=plan.template,
                          copies=bool(len(plan.inserts)), mapped=frozenset(config.smsturbo.columns.values()))


def _resolve(reports_dir: Path, lookup: Callable[[PendingRecord], Mapping[str, Any] | None],
             within: str | None = None) -> None:
    """Seal runs a killed process left unsealed and resolve records earlier crashes left pending (hold the lock;
    ``within``: the notebook run this run is part of, under way); refuse to go on past one we cannot resolve."""
    seal_interrupted(reports_dir, exclude=within)
    _resolved, unresolved = resolve_pending(reports_dir, lookup)
    if unresolved:
        raise ImportFailed(
            f"Run {unresolved[0]} in {reports_dir} was interrupted against another SMSTurbo database; run "
            f"`smsync verify {reports_dir} --smsturbo URL` with that database to resolve it, then import again."
        )


def execute_run(request: RunRequest, engine: sa.Engine, config: Config, *, context: RunContext,
                reports_dir: Path, progress: Progress | None = None, hook: Hook | None = None,
                within: str | None = None) -> ApplyResult:
    """Run the protocol of the module docstring for ``request``.

    ``within``: the id of the notebook run this run is part of (one run, one record, one id). That run holds the
    reports directory's lock for its whole execution and seals the record afterwards, with the notebook's files:
    this run takes its id, does not take the lock again, and leaves its record pending with its outcome settled
    (:attr:`PendingRecord.held`).
    """
    run_id = within or new_run_id()
    runs = runs_table(config.audit_table, config.smsturbo.schema)
    lookup = run_lookup(engine, runs)
    if request.empty:
        if any((reports_dir / left).is_dir() and any((reports_dir / left).iterdir()) for left in (PENDING, RUNNING)):
            with _lock(reports_dir, within):
                _resolve(reports_dir, lookup, within)
        return ApplyResult(run_id, "nothing-to-do", (), (), request.skipped, None, kind=request.kind)
    step: Hook = hook or (lambda _name: None)
    table = smsturbo.reflect_table(engine, config)
    id_column = config.smsturbo.columns["customer_id"]
    field_names = {column: name for name, column in config.smsturbo.columns.items()}
    identity = target_identity(engine)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smsync-record") as background, \
            _lock(reports_dir, within), _collector_paused():
        _resolve(reports_dir, lookup, within)
        details = {**request.details, "target_identity": identity, "undoes": request.undoes,
                   "planned": _counts(request.inserts, request.changes)}
        record = PendingRecord.begin(reports_dir, run_id=run_id, kind=request.kind, context=context,
                                     details=details)
        record.held = within is not None
        if len(request.skipped):
            record.write_file("skipped.jsonl", _jsonl(request.skipped))
            record.save()
        run = _Run(request, record, engine, table, runs, id_column, field_names, step, progress, lookup,
                   background)
        for attempt in range(1, WRITE_ATTEMPTS + 1):  # run again (re-checked) when it lost a race
            try:
                return _attempt(run, may_retry=attempt < WRITE_ATTEMPTS)
            except _Retry:
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")


def _lock(reports_dir: Path, within: str | None) -> AbstractContextManager[None]:
    """The reports directory's lock, unless the notebook run ``within`` holds it already."""
    return nullcontext() if within is not None else reports_lock(reports_dir)


@dataclass(frozen=True)
class _Run:
    """A run under way: what it writes, where, its record, and its work in the background thread."""

    request: RunRequest
    record: PendingRecord
    engine: sa.Engine
    table: sa.Table
    runs: sa.Table
    id_column: str
    field_names: Mapping[str, str]
    step: Hook
    progress: Progress | None
    lookup: Callable[[PendingRecord], Mapping[str, Any] | None]
    background: ThreadPoolExecutor


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the run.

    A large run holds a few objects per change (rows, their values, statement parameters); each automatic full
    collection would walk all of them again, a tenth of a large import's time. The run creates no reference
    cycles that need collecting, and the collector's previous state is restored however the run ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: Attempts of the write transaction when a concurrent writer made it fail before anything was written.
WRITE_ATTEMPTS = 5


class _Retry(Exception):
    """The write transaction lost a race with another writer before anything was written: run it again."""


def _ensure_runs_table_alone(engine: sa.Engine, runs: sa.Table) -> None:
    """Create smsync_runs in a transaction of its own (MySQL/MariaDB), tolerating another run doing the same."""
    try:
        with database_errors("smsturbo", engine.url), engine.begin() as connection:
            ensure_runs_table(connection, runs)
    except SmsyncError:
        if not has_runs_table(engine, runs):  # another run created it at the same moment: fine
            raise


def _attempt(run: _Run, *, may_retry: bool) -> ApplyResult:
    """The write transaction, with the record's changes written beside it."""
    request, record, engine, table, runs, step = run.request, run.record, run.engine, run.table, run.runs, run.step
    id_column, field_names = run.id_column, run.field_names
    todo: list[Change] = []
    inserts: Inserts | None = None
    conflicts: list[dict[str, Any]] = []
    committing = False
    try:
        step("record")
        if dialect_of(engine).ddl_commits:  # never inside the write transaction
            _ensure_runs_table_alone(engine, runs)
        upgrade_runs_table(engine, runs)  # a table an older smsync created gains the anchor columns
        with write_transaction(engine) as connection:
            step("begin")
            if request.shape is not None:  # a mapped column or the template gone or changed: stop here
                changed = smsturbo.shape_changes(connection, table, id_column, request.shape)
                if changed:
                    step("check")
                    raise _Stopped("conflict", changed)
            planned = request.inserts.ids if request.inserts is not None else []
            current, lookalikes = current_rows(connection, table, id_column,
                                               [*planned, *(c.customer_id for c in request.changes)])
            inserts, changes = _unchecked_inserts(request, current, lookalikes)
            todo, done, conflicts = classify(changes, current, field_names, lookalikes)
            if request.all_or_nothing and (todo or inserts) and done:  # partly written by another run: stale plan
                conflicts += [{"customer_id": c.customer_id, "field": None, "planned_before": None, "current": None,
                               "reason": "another run already wrote this change since the plan was made"}
                              for c in done]
            step("check")
            if conflicts and (request.all_or_nothing or not (todo or inserts)):
                raise _Stopped("conflict", conflicts)
            if not (todo or inserts):
                raise _Stopped("nothing-to-do", [])
            refuse_unstorable(connection, todo, field_names, inserts)
            ensure_runs_table(connection, runs)
            step("audit-table")
            data = encode_run(inserts, todo)
            # The record's changes are written (fsynced) and compressed while the rows go to the database; both
            # are done before the run's row is inserted, and so before the commit.
            written = run.background.submit(record.write_file, "changes.jsonl", data)
            compressed = run.background.submit(stored_changes, data)
            try:
                write_changes(connection, table, id_column, todo, step=step, inserts=inserts, progress=_advance(
                    run.progress, len(todo) + (len(inserts) if inserts is not None else 0)))
            finally:  # never leave the file being written behind a failure, nor a retry
                wait((written, compressed))
            digest, stored = written.result(), compressed.result()
            if conflicts:
                record.write_file("conflicts.jsonl", _jsonl(rows_frame(conflicts, CONFLICT_COLUMNS)))
            record.save()
            step("changes")
            counts = _counts(inserts, todo)
            insert_run(connection, runs, {
                "run_id": record.run_id, "kind": request.kind, "chain_id": record.manifest["chain_id"],
                "sequence": record.manifest["sequence"], "started_at": record.manifest["started_at"],
                "committed_at": utc_now(), "os_user": record.manifest["who"]["os_user"],
                "inserted": counts["insert"], "updated": counts["update"], "deleted": counts["delete"],
                "undoes": request.undoes, "changes_sha256": digest, "changes": stored,
                "previous_manifest_sha256": record.manifest["previous_manifest_sha256"],
                "record_sha256": anchored_digest(record.manifest),
            })
            step("audit-row")
            step("commit")
            committing = True
    except _Stopped as stop:
        return _stopped(stop, request, record)
    except BaseException as exc:
        if may_retry and not committing and dialect_of(engine).lost_a_race(exc):
            raise _Retry from exc
        outcome = _after_failure(exc, record, committing, run.lookup)
        if outcome == "committed":
            return _committed(request, record, inserts, todo, conflicts, step)
        if not isinstance(exc, Exception):
            raise
        return _result(request, record, "failed", None, [], [], str(outcome))
    return _committed(request, record, inserts, todo, conflicts, step)


def _after_failure(exc: BaseException, record: PendingRecord, committing: bool,
                   lookup: Callable[[PendingRecord], Mapping[str, Any] | None]) -> str:
    """Finish the record of a run that raised; returns "committed" or the error sentence of a failure."""
    if isinstance(exc, sa.exc.DBAPIError):
        error = str(translate_error(exc, "smsturbo"))
    elif isinstance(exc, SmsyncError):
        error = str(exc)
    else:
        error = f"{type(exc).__name__}: {exc}"
    if committing:  # the COMMIT itself failed: only the target can say whether it landed
        try:
            if lookup(record) is not None:
                return "committed"
        except Exception:
            return (f"{error}; whether the transaction committed is unknown, so the record stays pending in "
                    f"{record.path} until `smsync verify` can reach SMSTurbo")
    try:
        record.finalize("failed", error=error)
    except Exception as exc:  # e.g. the same full disk: the next run or `verify` marks the record failed
        also = "" if str(exc) == error else f" ({exc})"
        return (f"{error}; the record of this failed run could not be finished either{also}, so it stays pending "
                f"in {record.path} and the next run or `smsync verify` marks it failed")
    return error


def _committed(request: RunRequest, record: PendingRecord, inserts: Inserts | None, todo: list[Change],
               conflicts: list[dict[str, Any]], step: Hook) -> ApplyResult:
    try:
        step("finalize")
        record.finalize("committed", counts=_counts(inserts, todo))
    except Exception as exc:  # committed already: say so loudly, and how the record gets finished
        return _result(request, record, "committed", inserts, todo, conflicts, _unfinished(record, exc),
                       pending=True)
    return _result(request, record, "committed", inserts, todo, conflicts, None)


def _unfinished(record: PendingRecord, exc: Exception) -> str:
    """What happened to the record of a committed run that could not be finished, and what to run."""
    if isinstance(exc, OSError) and exc.strerror:
        reason = f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    else:
        reason = str(exc) if isinstance(exc, SmsyncError) else f"{type(exc).__name__}: {exc}"
    verify = f"`smsync verify {record.root} --smsturbo URL`"
    if (record.path / "manifest.json").is_file():
        return (f"{reason.rstrip('.')}. It stays pending in {record.path}; once the reports folder is writable "
                f"again, run {verify} (URL: this SMSTurbo database) to finish it.")
    return (f"{reason.rstrip('.')}. The record went with its folder, but SMSTurbo's own ledger (smsync_runs) "
            f"holds run {record.run_id} and its changes: put the reports folder back (from a backup) and run "
            f"{verify}, which names every committed run whose record is missing.")


def _stopped(stop: _Stopped, request: RunRequest, record: PendingRecord) -> ApplyResult:
    if stop.outcome == "nothing-to-do":
        record.discard()
        return ApplyResult(record.run_id, "nothing-to-do", (), (), request.skipped, None, kind=request.kind)
    record.write_file("changes.jsonl", encode_run(request.inserts, request.changes))
    record.write_file("conflicts.jsonl", _jsonl(rows_frame(stop.conflicts, CONFLICT_COLUMNS)))
    record.finalize("conflict", error="SMSTurbo changed since the changes were planned; nothing was written",
                    counts={"conflicts": len(stop.conflicts)})
    return _result(request, record, "conflict", None, [], stop.conflicts, None)


def _result(request: RunRequest, record: PendingRecord, outcome: str, inserts: Inserts | None,
            todo: Sequence[Change], conflicts: list[dict[str, Any]], error: str | None,
            pending: bool = False) -> ApplyResult:
    def ids(action: str) -> tuple[str, ...]:
        new = inserts.ids if inserts is not None and action == "insert" else ()
        return (*new, *(c.customer_id for c in todo if c.action == action))

    where: Path | None = record.path if pending else record.root / record.run_id
    if where is not None and not where.is_dir():
        where = record.path if record.path.is_dir() else None
    return ApplyResult(record.run_id, outcome, ids("insert"), ids("update"), request.skipped, where,
                       rows_frame(conflicts, CONFLICT_COLUMNS), ids("delete"), error, request.kind,
                       record_unfinished=pending and outcome == "committed")


def _counts(inserts: Inserts | None, changes: Sequence[Change]) -> dict[str, int]:
    found = Counter(map(attrgetter("action"), changes))  # counted in C: a large run has one change per row
    new = len(inserts) if inserts is not None else 0
    return {"insert": new + found["insert"], "update": found["update"], "delete": found["delete"]}


def _advance(progress: Progress | None, total: int) -> Callable[[int], None]:
    """Report rows written so far out of ``total`` after each batch."""
    written = 0

    def advance(n: int) -> None:
        nonlocal written
        written += n
        if progress is not None:
            progress(written, total)

    return advance


def _unchecked_inserts(request: RunRequest, current: Mapping[str, Any],
                       lookalikes: Mapping[str, str]) -> tuple[Inserts | None, Sequence[Change]]:
    """Split the planned changes into inserts known to be new and the changes to classify one by one.

    When no planned insert's ID is in the target (the usual case), the inserts stay in column form, all to
    do; otherwise every change is classified one by one, the inserts first as planned.
    """
    inserts = request.inserts
    if inserts is None or not len(inserts):
        return None, request.changes
    if current.keys().isdisjoint(inserts.ids) and lookalikes.keys().isdisjoint(inserts.ids):
        return inserts, request.changes
    return None, [*inserts.changes(), *request.changes]


def _jsonl(frame: pd.DataFrame) -> bytes:
    import json

    lines = [json.dumps({k: encode_value(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)
             for row in frame.to_dict("records")]
    return "".join(line + "\n" for line in lines).encode("utf-8")
