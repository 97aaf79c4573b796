"""``verify``: check archived run records against their manifests, the chain, and the target's ``smsync_runs``.

Every problem is one sentence that starts with the exact file it is about.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from smsync_core.audit.ledger import DEFAULT_NAME, committed_runs, run_lookup, runs_table
from smsync_core.audit.record import (
    FORMAT,
    GENESIS,
    HEAD,
    MANIFEST,
    OUTCOMES,
    PENDING,
    record_dirs,
    reports_lock,
    resolve_pending,
)
from smsync_core.config import Config
from smsync_core.files import sha256_file


@dataclass
class VerifyReport:
    """The outcome of :func:`verify`: ``ok`` when ``problems`` is empty."""

    problems: list[str] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every record matched."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {"ok": self.ok, "problems": list(self.problems), "records": [str(p) for p in self.records],
                "resolved": [{"run_id": r, "outcome": o} for r, o in self.resolved]}


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


def check_record(path: Path, problems: list[str]) -> dict[str, Any] | None:
    """Check one record directory's files against its manifest; return the manifest when readable."""
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
    for name, digest in sorted(files.items()):
        target = path / name
        if not target.is_file():
            problems.append(f"{target}: listed in the manifest but missing; the record was altered.")
        elif sha256_file(target) != digest:
            problems.append(f"{target}: SHA-256 does not match the manifest; the file was changed.")
    for extra in sorted(p for p in path.iterdir() if p.name != MANIFEST and p.name not in files):
        if not extra.name.startswith("."):
            problems.append(f"{extra}: not listed in the manifest; it was added after the run.")
    if manifest.get("outcome") == "committed" and manifest.get("kind") in ("sync", "undo") \
            and "changes.jsonl" not in files:
        problems.append(f"{path / MANIFEST}: a committed run without changes.jsonl; the record was altered.")
    return manifest


def _check_chain(root: Path, chained: list[tuple[Path, dict[str, Any], str]], problems: list[str]) -> None:
    """Sequence 1..N without gaps or repeats, each linked to the previous manifest, the last to chain.json."""
    head_path = root / HEAD
    head = _load(head_path, problems) if head_path.exists() else None
    if not chained:
        if head is not None and int(head.get("sequence", 0)) > 0:
            problems.append(f"{head_path}: names {head.get('sequence')} records but none is left; "
                            "records were deleted.")
        return
    if head is None and not head_path.exists():
        problems.append(f"{head_path}: missing although {len(chained)} records exist; it was deleted.")
    chained.sort(key=lambda item: (int(item[1].get("sequence", 0)), item[0].name))
    previous_hash, previous_name = GENESIS, "the start of the chain"
    chain_ids = {m.get("chain_id") for _, m, _ in chained}
    if len(chain_ids) > 1:
        problems.append(f"{root}: records from {len(chain_ids)} different chains are mixed in one directory.")
    for expected, (path, manifest, digest) in enumerate(chained, start=1):
        sequence = int(manifest.get("sequence", 0))
        if sequence != expected:
            what = "repeats a sequence number" if sequence < expected else f"follows a gap (record {expected} " \
                "is missing: deleted or moved)"
            problems.append(f"{path / MANIFEST}: is record {sequence} but {what}.")
        if manifest.get("previous_manifest_sha256") != previous_hash:
            problems.append(f"{path / MANIFEST}: does not link to {previous_name}; a record before it was "
                            "changed, deleted or reordered.")
        previous_hash, previous_name = digest, f"{path / MANIFEST}"
    last_path, last, last_digest = chained[-1]
    if head is not None:
        if int(head.get("sequence", -1)) != int(last.get("sequence", 0)) or head.get("run_id") != last_path.name:
            problems.append(f"{head_path}: names record {head.get('sequence')} ({head.get('run_id')}) but the "
                            f"last record is {last.get('sequence')} ({last_path.name}); a record was deleted "
                            "or added.")
        elif head.get("manifest_sha256") != last_digest:
            problems.append(f"{last_path / MANIFEST}: does not match the hash in {head_path}; the manifest was "
                            "changed.")


def _check_database(root: Path, records: dict[str, dict[str, Any]], chain_id: str | None,
                    engine: sa.Engine, table: sa.Table, problems: list[str]) -> None:
    """Committed records must have their ``smsync_runs`` row (same changes hash), others none; and vice versa."""
    rows = {str(r["run_id"]): r for r in committed_runs(engine, table)}
    for run_id, manifest in sorted(records.items()):
        row = rows.get(run_id)
        where = root / run_id / MANIFEST
        if manifest.get("outcome") == "committed":
            if row is None:
                problems.append(f"{where}: says committed but SMSTurbo has no such run in {table.name}.")
            elif row["changes_sha256"] != (manifest.get("files") or {}).get("changes.jsonl"):
                problems.append(f"{root / run_id / 'changes.jsonl'}: differs from the changes SMSTurbo "
                                f"recorded in {table.name} for this run.")
        elif row is not None:
            problems.append(f"{where}: says {manifest.get('outcome')} but SMSTurbo committed this run.")
    for run_id, row in sorted(rows.items()):
        if chain_id is not None and row["chain_id"] == chain_id and run_id not in records:
            problems.append(f"{root / run_id}: missing; SMSTurbo committed run {run_id} of this chain but its "
                            "record is gone.")


def _roots(dirs: Sequence[Path], problems: list[str]) -> tuple[list[Path], list[Path]]:
    roots: list[Path] = []
    singles: list[Path] = []
    for given in dirs or [Path("reports")]:
        path = Path(given)
        if not path.is_dir():
            problems.append(f"{path}: no such record or reports directory.")
        elif (path / MANIFEST).is_file():
            (roots if (path.parent / HEAD).exists() else singles).append(
                path.parent if (path.parent / HEAD).exists() else path)
        else:
            roots.append(path)
    return list(dict.fromkeys(roots)), list(dict.fromkeys(singles))


def verify(dirs: Sequence[Path], *, engine: sa.Engine | None = None, config: Config | None = None,
           ) -> VerifyReport:
    """Check every record under ``dirs`` (a reports directory, or one record); ``engine`` adds the database."""
    report = VerifyReport()
    roots, singles = _roots(dirs, report.problems)
    for single in singles:
        check_record(single, report.problems)
        report.records.append(single)
    table = runs_table(config.audit_table if config else DEFAULT_NAME,
                       config.smsturbo.schema if config else None)
    for root in roots:
        if engine is not None and (root / PENDING).is_dir():
            with reports_lock(root):
                resolved, _unresolved = resolve_pending(root, run_lookup(engine, table))
            report.resolved.extend(resolved)
        pending = root / PENDING
        for path in sorted(pending.iterdir()) if pending.is_dir() else []:
            report.problems.append(f"{path}: run {path.name} is unfinished; run `smsync verify {root} "
                                   "--smsturbo URL` against its SMSTurbo database to resolve it.")
        chained: list[tuple[Path, dict[str, Any], str]] = []
        manifests: dict[str, dict[str, Any]] = {}
        for path in record_dirs(root):
            manifest = check_record(path, report.problems)
            report.records.append(path)
            if manifest is not None and manifest.get("format") == FORMAT:
                chained.append((path, manifest, sha256_file(path / MANIFEST)))
                if manifest.get("kind") in ("sync", "undo"):  # the runs that write to SMSTurbo
                    manifests[path.name] = manifest
        _check_chain(root, chained, report.problems)
        if engine is not None:
            head = _load(root / HEAD, []) if (root / HEAD).exists() else None
            chain_id = head.get("chain_id") if head else (chained[0][1].get("chain_id") if chained else None)
            _check_database(root, manifests, chain_id, engine, table, report.problems)
    return report
