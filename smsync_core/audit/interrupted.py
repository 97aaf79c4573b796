"""Runs whose process died before sealing their record: found in ``reports/.running/`` and sealed as interrupted.

A notebook run executes in ``reports/.running/<run-id>/`` and holds the reports folder's lock from before that
folder exists until its record is sealed (:mod:`smsync_core.notebooks.runner`). Whoever holds the lock therefore
knows that a folder left there belongs to a run whose process was killed or crashed. :func:`seal_interrupted`
turns each into a record of the chain with what is known: the notebook, its parameters (as written, secrets already
redacted), when it started, and every file it left (scrubbed of the secrets this process knows). A run that had
imported keeps its import's outcome (the record the import started, settled against SMSTurbo like any pending
record) and is marked ``interrupted``; a run that had not is sealed with the outcome ``interrupted``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

from smsync_core.audit.context import RunContext, jsonable
from smsync_core.audit.record import MANIFEST, PENDING, PendingRecord
from smsync_core.redact import Scrubber

#: Where notebook runs execute until their record is sealed (inside the reports folder).
RUNNING = ".running"
#: The outcome of a run that stopped before it was sealed and had imported nothing.
INTERRUPTED = "interrupted"
#: What the record of such a run says happened.
NOTE = ("the run stopped before its record was sealed (its process was killed or crashed); a later run sealed it "
        "with the files it left")

__all__ = ["INTERRUPTED", "NOTE", "RUNNING", "seal_interrupted"]


def seal_interrupted(root: Path, *, exclude: str | None = None) -> list[tuple[str, str]]:
    """Seal every run left in ``root/.running`` but ``exclude`` (the caller's own run); hold the lock.

    Returns ``(run_id, what happened)`` for each.
    """
    stages = root / RUNNING
    if not stages.is_dir():
        return []
    sealed: list[tuple[str, str]] = []
    scrubber = Scrubber.collect()
    for stage in sorted(p for p in stages.iterdir() if p.is_dir() and p.name != exclude):
        sealed.append((stage.name, _seal(root, stage, scrubber)))
        shutil.rmtree(stage, ignore_errors=True)
    with contextlib.suppress(OSError):
        stages.rmdir()
    return sealed


def _seal(root: Path, stage: Path, scrubber: Scrubber) -> str:
    known = _known(stage)
    files = {p.name: _scrubbed(p.read_bytes(), scrubber) for p in sorted(stage.iterdir())
             if p.is_file() and not p.is_symlink() and not p.name.startswith(".") and p.name != MANIFEST}
    held = root / PENDING / stage.name
    if (held / MANIFEST).is_file():  # the run imported: its import's record is the run's record
        record = PendingRecord.load(held)
        for name, data in files.items():
            if name not in record.manifest["files"]:
                record.write_file(name, data)
        record.manifest.update({**jsonable(known), "interrupted": True, "notebook_error": NOTE})
        outcome = str(record.manifest["outcome"])
        if outcome == "pending":  # settled against SMSTurbo by resolve_pending, as any pending import
            record.save()
            return f"{NOTE}; its import is settled against SMSTurbo"
        record.finalize(outcome, error=record.manifest.get("error"),
                        finished_at=record.manifest.get("finished_at") or None)
        return f"{NOTE}; its import {outcome}"
    record = PendingRecord.begin(root, run_id=stage.name, kind="notebook", context=_context(stage, known),
                                 details={"started_at": known.get("notebook_started_at"), **known})
    for name, data in files.items():
        record.write_file(name, data)
    record.finalize(INTERRUPTED, error=NOTE)
    return NOTE


def _known(stage: Path) -> dict[str, Any]:
    """What the executed notebook papermill was writing says about the run (nothing when it is unreadable)."""
    found: dict[str, Any] = {}
    for path in sorted(stage.glob("*.ipynb")):
        try:
            meta = json.loads(path.read_text("utf-8")).get("metadata", {}).get("papermill", {})
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            continue
        found = {"notebook": Path(str(meta.get("input_path") or path.name)).name,
                 "notebook_started_at": meta.get("start_time"),
                 "parameters": meta.get("parameters") or {}}
        break
    return found


def _context(stage: Path, known: dict[str, Any]) -> RunContext:
    """Who and where, as far as the run's folder tells: its owner, the URLs of its parameters (redacted)."""
    parameters = known.get("parameters") or {}
    target, source = parameters.get("smsturbo_url"), parameters.get("sage_url")
    context = RunContext.create(str(target or ""), str(source) if source else None)
    try:
        owner = stage.owner()
    except (KeyError, NotImplementedError, OSError):
        owner = "unknown"
    return dataclasses.replace(context, os_user=owner)


def _scrubbed(data: bytes, scrubber: Scrubber) -> bytes:
    """A file's bytes without the secrets this process knows (a zip container, e.g. xlsx, is left whole)."""
    return data if data.startswith(b"PK\x03\x04") else scrubber.scrub_bytes(data)
