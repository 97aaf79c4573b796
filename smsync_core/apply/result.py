"""What a run did: :class:`ApplyResult`, with the design's ``sync`` JSON shape and the sentence people read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from smsync_core.audit.changes import encode_value

CONFLICT_COLUMNS = ("customer_id", "field", "planned_before", "current", "reason")


def rows_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame of ``rows`` with exactly ``columns`` (object dtype: values kept as they are)."""
    return pd.DataFrame([dict(r) for r in rows], columns=list(columns)).astype(object)


@dataclass(frozen=True)
class ApplyResult:
    """What a run did. ``outcome``: committed, nothing-to-do, conflict, failed or dry-run."""

    run_id: str
    outcome: str
    inserted: tuple[str, ...]
    updated: tuple[str, ...]
    skipped: pd.DataFrame
    record_dir: Path | None
    conflicts: pd.DataFrame = field(default_factory=lambda: rows_frame([], CONFLICT_COLUMNS))
    deleted: tuple[str, ...] = ()
    error: str | None = None
    kind: str = "sync"
    #: The run committed but its record could not be finished (``error`` says why and what to run).
    record_unfinished: bool = False

    @property
    def ok(self) -> bool:
        """True when the run did its job (committed with its record, had nothing to do, or was a dry run)."""
        return self.outcome in ("committed", "nothing-to-do", "dry-run") and not self.record_unfinished

    def message(self) -> str:
        """One sentence for people, the seed's "Import completed" on success."""
        where = f"; record in {self.record_dir}" if self.record_dir else ""
        if self.outcome == "committed" and self.record_unfinished:
            what = "The undo" if self.kind == "undo" else "The import"
            removed = f", {len(self.deleted)} removed" if self.deleted else ""
            return (f"{what} was committed in SMSTurbo ({len(self.inserted)} inserted, {len(self.updated)} updated"
                    f"{removed}) but its record could not be finished: {self.error}")
        if self.outcome == "committed" and self.kind == "undo":
            note = f"; {len(self.conflicts)} later edits left alone" if len(self.conflicts) else ""
            return (f"Undo completed: {len(self.deleted)} removed, {len(self.updated)} restored, "
                    f"{len(self.inserted)} put back{note}{where}")
        if self.outcome == "committed":
            extra = f", {len(self.deleted)} removed" if self.deleted else ""
            note = f"; {len(self.conflicts)} later edits left alone" if len(self.conflicts) else ""
            return (f"Import completed: {len(self.inserted)} inserted, {len(self.updated)} updated"
                    f"{extra}{note}{where}")
        if self.outcome == "nothing-to-do" and self.kind == "undo":
            return "Nothing to undo: SMSTurbo already holds what it held before that run."
        if self.outcome == "nothing-to-do":
            return "Nothing to import: SMSTurbo already holds every selected change."
        if self.outcome == "dry-run":
            return f"Dry run: {len(self.inserted)} would be inserted, {len(self.updated)} updated; nothing was written."
        if self.outcome == "conflict" and self.kind == "undo":
            return (f"Nothing was undone: SMSTurbo changed every row since that run ({len(self.conflicts)} "
                    f"later edits, left alone){where}.")
        if self.outcome == "conflict":
            return (f"SMSTurbo changed since the plan was made ({len(self.conflicts)} conflicts); nothing was "
                    f"written{where}; review the differences and plan again.")
        return f"The import failed and nothing was written ({self.error}){where}."

    def to_dict(self) -> dict[str, Any]:
        """The design's ``sync`` JSON shape (plus record_dir, conflicts, error)."""
        return {
            "run_id": self.run_id,
            "dry_run": self.outcome == "dry-run",
            "outcome": self.outcome,
            "inserted": sorted(self.inserted),
            "updated": sorted(self.updated),
            "deleted": sorted(self.deleted),
            "skipped": [{"customer_id": str(r.customer_id), "reason": str(r.reason)}
                        for r in self.skipped.sort_values("customer_id").itertuples(index=False)],
            "record_dir": None if self.record_dir is None else str(self.record_dir),
            "conflicts": [{k: encode_value(v) for k, v in zip(CONFLICT_COLUMNS, row, strict=True)}
                          for row in self.conflicts[list(CONFLICT_COLUMNS)].itertuples(index=False)],
            "error": self.error,
            "kind": self.kind,
            "record_unfinished": self.record_unfinished,
        }
