"""``verify``: check archived run records against their manifests, the chain, and the target's ``smsync_runs``.

Every problem is one sentence that starts with the exact file it is about, and one cause is reported once: a
deleted record is one gap in the chain (not a broken link, a wrong sequence and a missing run besides).

From the folder alone, verify proves the records agree with each other; a consistent rewrite of the whole folder
(every manifest and ``chain.json`` recomputed) cannot be seen that way. With the target, the ledger is the anchor:
each committed run's row holds its chain id, sequence, start time, OS user, the hash of its changes, the hash of
the record before it and of its own fixed fields (:data:`~smsync_core.audit.ledger.ANCHORED_FIELDS`), so a
committed run missing from the folder, rewritten, re-chained or replaced by an older copy fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from smsync_core.audit.interrupted import INTERRUPTED, RUNNING, seal_interrupted
from smsync_core.audit.ledger import (
    DEFAULT_NAME,
    anchored_digest,
    committed_runs,
    run_lookup,
    runs_table,
    target_identity,
)
from smsync_core.audit.record import (
    FORMAT,
    GENESIS,
    HEAD,
    MANIFEST,
    OUTCOMES,
    PENDING,
    reports_lock,
    resolve_pending,
)
from smsync_core.config import Config
from smsync_core.files import sha256_file
from smsync_core.schema import counted

#: Runs that write to SMSTurbo (and so have a row in its ledger when committed).
WRITING_KINDS = ("sync", "undo")
#: Missing runs listed one by one up to this many; more are summarised in one sentence.
LISTED = 5


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: ``ok`` when ``problems`` is empty."""

    problems: list[str] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)
    #: Named paths that are not records (``chain.json``, ``README.md``): not errors, not checked.
    skipped: list[Path] = field(default_factory=list)
    #: Records of runs that were interrupted (run id, what is known), sealed as such.
    interrupted: list[tuple[str, str]] = field(default_factory=list)
    #: How many committed runs of the target's ledger the records were held against (None: no target given).
    ledger_runs: int | None = None

    @property
    def ok(self) -> bool:
        """True when every record matched."""
        return not self.problems

    def summary(self) -> str:
        """What was proven, in words an auditor reads (the last line of ``smsync verify``)."""
        count = counted(len(self.records), "record")
        if not self.ok:
            return f"{count} checked: {counted(len(self.problems), 'problem')} found (listed above)."
        said = f"{count} checked: every file matches its manifest, the chain is complete"
        if self.interrupted:
            said += f" ({counted(len(self.interrupted), 'run')} interrupted, listed above)"
        if self.ledger_runs is not None:
            return (f"{said}, and it agrees with SMSTurbo's own ledger of "
                    f"{counted(self.ledger_runs, 'committed run')}.")
        return (f"{said}. This is checked against the folder alone: a consistent rewrite of the whole folder cannot "
                "be detected this way; add --smsturbo URL to hold the records against SMSTurbo's own ledger.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {"ok": self.ok, "problems": list(self.problems), "records": [str(p) for p in self.records],
                "resolved": [{"run_id": r, "outcome": o} for r, o in self.resolved],
                "skipped": [str(p) for p in self.skipped],
                "interrupted": [{"run_id": r, "error": e} for r, e in self.interrupted],
                "ledger_runs": self.ledger_runs, "summary": self.summary()}


def _load(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: cannot be read as JSON ({exc}); the file was damaged or altered.")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}: is not a manifest object; the file was altered.")
        return None
    return data


def _inside(name: Any) -> bool:
    """Whether a manifest's file name names a plain file directly inside its record."""
    return isinstance(name, str) and bool(name) and name not in (".", "..") and "/" not in name \
        and "\\" not in name and ":" not in name and not name.startswith(".")


def check_record(path: Path, problems: list[str]) -> dict[str, Any] | None:
    """Check one record directory's files against its manifest; return the manifest when readable."""
    if path.is_symlink():
        problems.append(f"{path}: is a symbolic link, not a record folder; a record holds its own files.")
        return None
    manifest = _load(path / MANIFEST, problems)
    if manifest is None:
        return None
    if manifest.get("run_id") != path.name:
        problems.append(f"{path / MANIFEST}: names run {manifest.get('run_id')!r} but lives in {path.name}; "
                        "the record was moved or altered.")
    if manifest.get("format") == FORMAT and manifest.get("outcome") not in OUTCOMES:
        problems.append(f"{path / MANIFEST}: outcome {manifest.get('outcome')!r} is not final.")
    files = manifest.get("files")
    if not isinstance(files, dict):
        problems.append(f"{path / MANIFEST}: has no list of files and hashes.")
        return manifest
    for name, digest in sorted(files.items(), key=lambda item: str(item[0])):
        target = path / str(name)
        if not _inside(name):
            problems.append(f"{path / MANIFEST}: lists {name!r}, which is not a file of this record; the "
                            "manifest was altered.")
        elif target.is_symlink():
            problems.append(f"{target}: is a symbolic link to another file; a record holds its own files.")
        elif not target.is_file():
            problems.append(f"{target}: listed in the manifest but missing; the record was altered.")
        elif sha256_file(target) != digest:
            problems.append(f"{target}: SHA-256 does not match the manifest; the file was changed.")
    for extra in sorted(p for p in path.iterdir() if p.name != MANIFEST and p.name not in files):
        what = "a hidden file " if extra.name.startswith(".") else "a folder " if extra.is_dir() else ""
        problems.append(f"{extra}: {what}not listed in the manifest; it was added after the run.")
    if manifest.get("outcome") == "committed" and manifest.get("kind") in WRITING_KINDS \
            and "changes.jsonl" not in files:
        problems.append(f"{path / MANIFEST}: a committed run without changes.jsonl; the record was altered.")
    return manifest


@dataclass(frozen=True)
class _Entry:
    """A checked record: where it is, its manifest and the manifest's hash."""

    path: Path
    manifest: dict[str, Any]
    digest: str

    @property
    def sequence(self) -> int:
        value = self.manifest.get("sequence")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass
class _Gap:
    """Records missing from a chain: sequences ``first``..``last``, before ``after`` (None: at the end)."""

    root: Path
    first: int
    last: int
    before: Path | None
    runs: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        if self.runs and self.first == self.last:
            return (f"{self.root / self.runs[0]}: missing; SMSTurbo committed this run as record {self.first} of "
                    "the chain, but its record is gone (deleted or moved).")
        which = f"record {self.first}" if self.first == self.last else f"records {self.first} to {self.last}"
        verb = "is" if self.first == self.last else "are"
        where = f"{self.before / MANIFEST}: {which} before it {verb} missing" if self.before is not None else \
            f"{self.root / HEAD}: {which} of the chain {verb} missing (the newest records)"
        known = f"; SMSTurbo's ledger names committed run {', '.join(self.runs)} there" if self.runs else ""
        return f"{where}{known}; deleted or moved."


def _check_chain(root: Path, chained: list[_Entry], problems: list[str]) -> list[_Gap]:
    """Sequences 1..N, each manifest linked to the one before, the last named by chain.json; returns the gaps."""
    head_path = root / HEAD
    head = _load(head_path, problems) if head_path.exists() else None
    gaps: list[_Gap] = []
    if not chained:
        if head is not None and isinstance(head.get("sequence"), int) and head["sequence"] > 0:
            gaps.append(_Gap(root, 1, head["sequence"], None))
        return gaps
    if not head_path.exists():
        problems.append(f"{head_path}: missing although {counted(len(chained), 'record')} exist; it was deleted.")
    for entry in chained:
        if entry.sequence < 1:
            problems.append(f"{entry.path / MANIFEST}: its sequence {entry.manifest.get('sequence')!r} is not a "
                            "record number; the manifest was altered.")
    chained = sorted((e for e in chained if e.sequence >= 1), key=lambda e: (e.sequence, e.path.name))
    chain_ids = {e.manifest.get("chain_id") for e in chained}
    if len(chain_ids) > 1:
        problems.append(f"{root}: records from {len(chain_ids)} different chains are mixed in one folder.")
    previous: _Entry | None = None
    for entry in chained:
        number = previous.sequence if previous is not None else 0
        if previous is not None and entry.sequence == number:
            problems.append(f"{entry.path / MANIFEST}: repeats record {number} ({previous.path.name}).")
            continue
        if entry.sequence > number + 1:
            gaps.append(_Gap(root, number + 1, entry.sequence - 1, entry.path))
        elif entry.manifest.get("previous_manifest_sha256") != (previous.digest if previous else GENESIS):
            before = f"record {number} ({previous.path / MANIFEST})" if previous else "the start of the chain"
            problems.append(f"{entry.path / MANIFEST}: does not link to {before}; one of the two manifests was "
                            "changed.")
        previous = entry
    last = chained[-1] if chained else None
    if head is not None and last is not None:
        named = head.get("sequence")
        if isinstance(named, int) and named > last.sequence:
            gaps.append(_Gap(root, last.sequence + 1, named, None))
        elif named != last.sequence or isinstance(named, bool) or head.get("run_id") != last.path.name:
            problems.append(f"{head_path}: names record {named} ({head.get('run_id')}) but the last record is "
                            f"{last.sequence} ({last.path.name}); chain.json was replaced or a record was added.")
        elif head.get("manifest_sha256") != last.digest:
            problems.append(f"{last.path / MANIFEST}: does not match the hash in {head_path}; the manifest was "
                            "changed.")
    return gaps


def _differences(entry: _Entry, row: Mapping[str, Any]) -> list[str]:
    """What a record says differently from its run's row in the target's ledger."""
    manifest = entry.manifest
    said = {"chain id": manifest.get("chain_id"), "sequence": manifest.get("sequence"),
            "start time": manifest.get("started_at"), "OS user": (manifest.get("who") or {}).get("os_user"),
            "kind": manifest.get("kind"), "previous record's hash": manifest.get("previous_manifest_sha256")}
    anchored = {"chain id": row.get("chain_id"), "sequence": row.get("sequence"), "start time": row.get("started_at"),
                "OS user": row.get("os_user"), "kind": row.get("kind"),
                "previous record's hash": row.get("previous_manifest_sha256")}
    found = [name for name, value in anchored.items()
             if value is not None and str(value) != str(said[name])]
    if (manifest.get("files") or {}).get("changes.jsonl") != row.get("changes_sha256"):
        found.append("changes")
    if found == ["changes"]:
        return found
    if not found and row.get("record_sha256") and anchored_digest(manifest) != row["record_sha256"]:
        found.append("who, when, source, selection or settings")
    return found


def _check_ledger(roots: Sequence[Path], entries: Mapping[str, _Entry], gaps: list[_Gap], whole: bool,
                  engine: sa.Engine, table: sa.Table, problems: list[str]) -> int:
    """Hold the records against the target's ledger; returns how many committed runs it holds."""
    rows = {str(r["run_id"]): r for r in committed_runs(engine, table)}
    identity = target_identity(engine)
    rewritten: set[tuple[Path, int]] = set()  # (folder, sequence) of records that differ from the ledger
    for entry in sorted(entries.values(), key=lambda e: (str(e.path.parent), e.sequence, e.path.name)):
        row = rows.get(entry.path.name)
        where = entry.path / MANIFEST
        if row is not None:
            differ = _differences(entry, row)
            if differ:
                rewritten.add((entry.path.parent, entry.sequence))
            if entry.manifest.get("outcome") != "committed":
                problems.append(f"{where}: says {entry.manifest.get('outcome')} but SMSTurbo committed this run.")
            elif differ == ["previous record's hash"] and (entry.path.parent, entry.sequence - 1) in rewritten:
                continue  # relinked after the record before it was rewritten: that record is the problem
            elif differ == ["changes"]:
                problems.append(f"{entry.path / 'changes.jsonl'}: differs from the changes SMSTurbo recorded in "
                                f"{table.name} for this run; the record was rewritten.")
            elif differ:
                problems.append(f"{where}: differs from SMSTurbo's ledger of this run ({', '.join(differ)}); the "
                                "record was rewritten.")
        elif entry.manifest.get("outcome") == "committed" and entry.manifest.get("kind") in WRITING_KINDS \
                and entry.manifest.get("target_identity") == identity:
            problems.append(f"{where}: says committed but SMSTurbo has no such run in {table.name}.")
    if not whole:  # records named one by one: the others are not in question
        return len(rows)
    missing = [row for run_id, row in rows.items() if run_id not in entries]
    unexplained = []
    for row in missing:
        gap = next((g for g in gaps if g.first <= _int(row.get("sequence")) <= g.last
                    and _chain_of(g.root, entries) in (None, row.get("chain_id"))), None)
        if gap is not None:
            gap.runs.append(str(row["run_id"]))
        else:
            unexplained.append(row)
    if not entries and missing:
        folders = " and ".join(str(r) for r in roots)
        last = missing[-1]
        held = counted(len(missing), "committed run")
        problems.append(f"{folders}: holds no record, but SMSTurbo's ledger holds {held} (the last "
                        f"{last['run_id']}, committed {last.get('committed_at')}); the records were deleted or this "
                        "is not the folder they were written to.")
        gaps.clear()  # the same cause, said once
        return len(rows)
    for row in unexplained[:LISTED]:
        problems.append(f"{roots[0] / str(row['run_id'])}: missing; SMSTurbo committed run {row['run_id']} (record "
                        f"{row.get('sequence')} of chain {row.get('chain_id')}, {row.get('committed_at')}) but its "
                        "record is not here: it was deleted, or the folder is an older copy.")
    if len(unexplained) > LISTED:
        problems.append(f"{roots[0]}: {len(unexplained) - LISTED:,} more committed runs of SMSTurbo have no record "
                        "here; the folder is an older copy or records were deleted.")
    return len(rows)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _chain_of(root: Path, entries: Mapping[str, _Entry]) -> Any:
    ids = {e.manifest.get("chain_id") for e in entries.values() if e.path.parent == root}
    return next(iter(ids)) if len(ids) == 1 else None


def _sort_paths(dirs: Sequence[Path], report: VerifyReport) -> tuple[list[Path], list[Path]]:
    """(reports folders to check whole, records named one by one); files that are not records are skipped."""
    roots: list[Path] = []
    named: list[Path] = []
    for given in dirs or [Path("reports")]:
        path = Path(given)
        if path.is_file():
            report.skipped.append(path)
        elif not path.exists() and not path.is_symlink():
            report.problems.append(f"{path}: no such record or reports folder.")
        elif (path / MANIFEST).is_file() or path.is_symlink():
            named.append(path)
        elif (path.parent / HEAD).is_file() and not path.name.startswith("."):
            report.problems.append(f"{path}: a record folder without {MANIFEST}; the record was damaged.")
        else:
            roots.append(path)
    named = list(dict.fromkeys(named))
    for parent in dict.fromkeys(p.parent for p in named):  # every record of a folder named: check it whole
        if (parent / HEAD).is_file() and set(_record_dirs(parent)) <= set(named):
            roots.append(parent)
            named = [p for p in named if p.parent != parent]
    return list(dict.fromkeys(roots)), named


def _record_dirs(root: Path) -> list[Path]:
    """Record folders directly under ``root`` (not hidden), with or without a manifest."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []


def verify(dirs: Sequence[Path], *, engine: sa.Engine | None = None, config: Config | None = None,
           ) -> VerifyReport:
    """Check every record under ``dirs`` (reports folders, or records named one by one); ``engine`` adds the
    target's ledger."""
    report = VerifyReport()
    roots, named = _sort_paths(dirs, report)
    table = runs_table(config.audit_table if config else DEFAULT_NAME, config.smsturbo.schema if config else None)
    entries: dict[str, _Entry] = {}
    gaps: list[_Gap] = []
    for path in named:
        manifest = check_record(path, report.problems)
        report.records.append(path)
        if manifest is not None:
            entries[path.name] = _Entry(path, manifest, sha256_file(path / MANIFEST))
    for root in roots:
        if (root / RUNNING).is_dir():  # runs whose process died before sealing them: sealed now, reported below
            with reports_lock(root):
                seal_interrupted(root)
        if engine is not None and (root / PENDING).is_dir():
            with reports_lock(root):
                resolved, _unresolved = resolve_pending(root, run_lookup(engine, table))
            report.resolved.extend(resolved)
        pending = root / PENDING
        for path in sorted(pending.iterdir()) if pending.is_dir() else []:
            report.problems.append(f"{path}: run {path.name} is unfinished; run `smsync verify {root} "
                                   "--smsturbo URL` against its SMSTurbo database to resolve it.")
        chained: list[_Entry] = []
        for path in _record_dirs(root):
            if not (path / MANIFEST).is_file():
                report.problems.append(f"{path}: a record folder without {MANIFEST}; the record was damaged.")
                continue
            manifest = check_record(path, report.problems)
            report.records.append(path)
            if manifest is not None and manifest.get("format") == FORMAT:
                entry = _Entry(path, manifest, sha256_file(path / MANIFEST))
                chained.append(entry)
                entries[path.name] = entry
        gaps += _check_chain(root, chained, report.problems)
    if engine is not None:
        report.ledger_runs = _check_ledger(roots, entries, gaps, bool(roots), engine, table, report.problems)
    report.problems += [gap.sentence() for gap in gaps]
    report.interrupted = [(e.path.name, str(e.manifest.get("notebook_error") or e.manifest.get("error") or ""))
                          for e in sorted(entries.values(), key=lambda e: (str(e.path.parent), e.sequence))
                          if e.manifest.get("outcome") == INTERRUPTED or e.manifest.get("interrupted")]
    return report
