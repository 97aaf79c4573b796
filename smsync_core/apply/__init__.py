"""Apply: a plan carried out in one transaction on SMSTurbo, with its record; and ``undo`` of a committed run.

- ``run``: the import run (lock the reports folder, check the target under lock, write, record, commit).
- ``sql``: the statements (the locked read of current rows, batched writes), engine differences from ``db``.
- ``result``: what a run tells its caller (:class:`ApplyResult`).
- ``undo``: a committed run reversed where SMSTurbo still holds what it wrote.
"""

from smsync_core.apply.result import ApplyResult
from smsync_core.apply.run import STEPS, RunRequest, apply_plan, dry_run_result, execute_run
from smsync_core.apply.undo import recorded_changes, undo_changes, undo_run

__all__ = ["STEPS", "ApplyResult", "RunRequest", "apply_plan", "dry_run_result", "execute_run", "recorded_changes",
           "undo_changes", "undo_run"]
