"""The record of every run: its manifest and chain, its change lines, the target's ledger, and ``verify``.

- ``changes``: the change types a plan and an import speak of (insert/update/delete with before and after).
- ``lines``: a run's changes as JSON Lines (``changes.jsonl``), written and read back byte for byte.
- ``context``: who ran what against which databases, secrets scrubbed.
- ``record``: the reports folder: the lock, pending records, manifests and the chain of hashes.
- ``ledger``: ``smsync_runs``, the target's own table of committed runs, the anchor ``verify`` holds records to.
- ``verify``: records checked against their manifests, the chain and the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smsync_core.audit.context import RunContext, run_context
from smsync_core.audit.verify import VerifyReport, verify

if TYPE_CHECKING:
    from smsync_core.audit.changes import Change, Inserts

__all__ = ["Change", "Inserts", "RunContext", "VerifyReport", "run_context", "verify"]


def __getattr__(name: str) -> Any:
    """The change types (and their pandas) are imported when first asked for: a notebook run's record, made in
    a process that reads no data, needs ``record`` and ``context`` only."""
    if name in ("Change", "Inserts"):
        from smsync_core.audit import changes

        return getattr(changes, name)
    raise AttributeError(f"module 'smsync_core.audit' has no attribute {name!r}")
