"""The record of a run: the chain of records under ``reports/`` (who and where: :mod:`.audit_context`).

A record is a directory ``reports/<run-id>/`` holding ``manifest.json`` and the files it lists with their
SHA-256. Records form a chain: each manifest names its ``sequence`` and the SHA-256 of the previous record's
manifest, and ``reports/chain.json`` names the last one, so a deleted, altered or reordered record is
detected by :func:`smsync_core.audit.verify.verify`.

While a run is under way its record lives in ``reports/.pending/<run-id>/`` with outcome ``pending``. It is
finalised (``committed``, ``conflict`` or ``failed``), linked into ``chain.json`` and only then renamed into
place, each step atomic; a crash leaves it pending, and the next run or ``verify`` resolves it against the
``smsync_runs`` table of the target (see :mod:`smsync_core.audit.ledger`). Every step that touches the
chain holds :func:`reports_lock`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from smsync_core.audit.context import RunContext, jsonable
from smsync_core.clock import utc_now
from smsync_core.errors import UsageError, VerificationFailed
from smsync_core.files import fsync_dir, sha256_bytes, sha256_file, write_atomic

FORMAT = "smsync-record/1"
MANIFEST = "manifest.json"
HEAD = "chain.json"
PENDING = ".pending"
LOCK = ".smsync.lock"
GENESIS = "0" * 64
__all__ = ["FORMAT", "GENESIS", "HEAD", "LOCK", "MANIFEST", "OUTCOMES", "PENDING", "PendingRecord", "Unresolvable",
           "manifest_bytes", "read_head", "record_dirs", "reports_lock", "resolve_pending"]

#: How a record can end: an import "committed" (or ended in "conflict" / "failed"); a run that imports nothing
#: itself, such as a notebook, "completed"; a notebook run whose process died before sealing it, "interrupted"
#: (sealed later, see :mod:`smsync_core.audit.interrupted`).
OUTCOMES = ("committed", "conflict", "failed", "completed", "interrupted")



def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a manifest (sorted keys, two-space indent, UTF-8)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# --- the reports directory: lock, head, pending records ------------------------------------------------


@contextmanager
def reports_lock(root: Path) -> Iterator[None]:
    """Hold the reports directory's lock across processes (blocks until it is free)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = (root / LOCK).open("a+b")
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"The reports folder {root} is a file (or inside one); give --reports a folder, "
                         "or move that file away.") from None
    except PermissionError:
        raise UsageError(f"The reports folder {root} cannot be written by this user; give --reports a folder "
                         "you can write to, or ask for write access to it.") from None
    with handle:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.5)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_head(root: Path) -> dict[str, Any] | None:
    """The chain head (``chain.json``) of a reports directory, or None when there is none yet.

    A head that is not JSON, or whose ``sequence`` is not a record number, is :class:`VerificationFailed`: the
    next record could not be numbered or linked, so nothing may be imported until it is restored.
    """
    path = root / HEAD
    if not path.exists():
        return None
    try:
        head = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        head = None
    sequence = head.get("sequence") if isinstance(head, dict) else None
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        why = "is not JSON" if head is None else f"names record {sequence!r}, which is not a record number"
        raise VerificationFailed(f"{path} {why}; run `smsync verify` and restore it from a backup before "
                                 "importing again.")
    checked: dict[str, Any] = head
    return checked


def record_dirs(root: Path) -> list[Path]:
    """Finalised record directories directly under ``root`` (those holding a manifest)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / MANIFEST).is_file())


class PendingRecord:
    """A record being written in ``reports/.pending/<run-id>/``; call only while holding the lock."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest
        self._hashes: dict[str, str] = {}

    @property
    def run_id(self) -> str:
        """The run this record belongs to."""
        return str(self.manifest["run_id"])

    @property
    def path(self) -> Path:
        """Where the pending record lives until it is finalised."""
        return self.root / PENDING / self.run_id

    @classmethod
    def begin(cls, root: Path, *, run_id: str, kind: str, context: RunContext,
              details: Mapping[str, Any]) -> PendingRecord:
        """Start the record of a run as the next link of the chain, outcome ``pending``."""
        head = read_head(root)
        if head is None and record_dirs(root):
            raise VerificationFailed(
                f"{root / HEAD} is missing although records exist; run `smsync verify` and restore it "
                "from a backup before importing again."
            )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "run_id": run_id,
            "kind": kind,
            "chain_id": head["chain_id"] if head else uuid.uuid4().hex,
            "sequence": (int(head["sequence"]) if head else 0) + 1,
            "previous_manifest_sha256": head["manifest_sha256"] if head else GENESIS,
            "started_at": utc_now(),
            "finished_at": None,
            "outcome": "pending",
            "error": None,
            **context.to_dict(),
            **jsonable(dict(details)),
            "files": {},
        }
        record = cls(root, manifest)
        record.path.mkdir(parents=True)
        record.save()
        return record

    @classmethod
    def load(cls, path: Path) -> PendingRecord:
        """Open a pending record left by an earlier process."""
        manifest = json.loads((path / MANIFEST).read_text("utf-8"))
        return cls(path.parent.parent, manifest)

    def write_file(self, name: str, data: bytes) -> str:
        """Write one file of the record and return its SHA-256."""
        write_atomic(self.path / name, data)
        self._hashes[name] = digest = sha256_bytes(data)
        self.manifest["files"][name] = digest
        return digest

    def save(self) -> None:
        """Write the manifest as it stands (still pending)."""
        write_atomic(self.path / MANIFEST, manifest_bytes(self.manifest))

    #: True while the record belongs to a notebook run that seals it (adds its files, links it) afterwards;
    #: :meth:`finalize` then settles the outcome but leaves the record pending for that run.
    held: bool = False

    def finalize(self, outcome: str, *, error: str | None = None, finished_at: str | None = None,
                 **updates: Any) -> Path:
        """Close the record: hash every file, link it into the chain, move it to ``reports/<run-id>``.

        A :attr:`held` record only has its outcome written: the notebook run that holds it links it when sealing
        (or, if that run dies, the next :func:`resolve_pending` does).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"a record cannot end as {outcome!r}")
        files = {
            p.name: self._hashes.get(p.name) or sha256_file(p)
            for p in sorted(self.path.iterdir())
            if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
        }
        self.manifest.update(jsonable(updates))
        self.manifest.update(outcome=outcome, error=error, finished_at=finished_at or utc_now(), files=files)
        data = manifest_bytes(self.manifest)
        write_atomic(self.path / MANIFEST, data)
        if self.held:
            return self.path
        return self._link(sha256_bytes(data))

    def _link(self, manifest_sha256: str) -> Path:
        head = read_head(self.root)
        if head is None or int(head["sequence"]) < int(self.manifest["sequence"]):
            head = {
                "format": FORMAT,
                "chain_id": self.manifest["chain_id"],
                "sequence": self.manifest["sequence"],
                "run_id": self.run_id,
                "manifest_sha256": manifest_sha256,
            }
            write_atomic(self.root / HEAD, manifest_bytes(head))
        final = self.root / self.run_id
        os.replace(self.path, final)
        fsync_dir(self.root)
        return final

    def discard(self) -> None:
        """Drop a record of a run that had nothing to do (nothing was written)."""
        shutil.rmtree(self.path, ignore_errors=True)


class Unresolvable(Exception):
    """Raised by a lookup that cannot tell whether a pending run committed (another database, unreachable)."""


#: What the target says about a pending run: its ``smsync_runs`` row, or None when it is not there.
Lookup = Callable[[PendingRecord], Mapping[str, Any] | None]


def resolve_pending(root: Path, lookup: Lookup) -> tuple[list[tuple[str, str]], list[str]]:
    """Finish records a crash left pending (hold the lock): committed if the target has the run, else failed.

    Returns ``(resolved, unresolved)``: ``(run_id, outcome)`` pairs, and the run ids ``lookup`` could not
    decide (it raised :class:`Unresolvable`); those stay pending.
    """
    resolved: list[tuple[str, str]] = []
    unresolved: list[str] = []
    pending_root = root / PENDING
    if not pending_root.is_dir():
        return resolved, unresolved
    for path in sorted(p for p in pending_root.iterdir() if p.is_dir()):
        if not (path / MANIFEST).is_file():  # crashed before its first manifest: nothing ever ran
            shutil.rmtree(path, ignore_errors=True)
            continue
        for torn in path.glob(".*.tmp"):  # a write its killed process could not clean up: never part of it
            torn.unlink(missing_ok=True)
        record = PendingRecord.load(path)
        outcome = record.manifest["outcome"]
        if outcome != "pending":  # finalised, then interrupted before the rename
            record._link(sha256_file(path / MANIFEST))
            resolved.append((record.run_id, outcome))
            continue
        try:
            row = lookup(record)
        except Unresolvable:
            unresolved.append(record.run_id)
            continue
        if row is None:
            record.finalize("failed", error="the run stopped before its transaction committed; "
                                            "nothing was written to SMSTurbo (resolved on a later run)")
            resolved.append((record.run_id, "failed"))
            continue
        record.finalize("committed", finished_at=str(row.get("committed_at") or utc_now()),
                        resolved_later=True)
        resolved.append((record.run_id, "committed"))
    return resolved, unresolved
