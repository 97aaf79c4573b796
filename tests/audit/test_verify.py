"""``verify`` as an auditor meets it, and as an attacker who rewrites the reports folder tries it.

From the folder alone verify proves that the records agree with one another (and says that this is all it can
prove); with ``--smsturbo`` the target's own ledger of committed runs is the anchor.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smsync_core.audit.record import HEAD, MANIFEST, manifest_bytes
from smsync_core.audit.verify import verify
from smsync_core.cli.dispatch import main
from smsync_core.files import sha256_bytes, sha256_file
from smsync_core.workbench import Workbench
from tests.support.data import client, customer
from tests.support.runs import apply, open_pair

Runs = tuple[Workbench, Path, list[Path]]


def import_each(wb: Workbench, reports: Path, ids: list[str]) -> list[Path]:
    """One committed import per ID, in order: their record folders."""
    dirs = []
    for cid in ids:
        wb.refresh()
        result = apply(wb, wb.plan([cid]), reports)
        assert result.outcome == "committed", result.error
        dirs.append(result.record_dir or Path())
    return dirs


@pytest.fixture
def runs(tmp_path: Path) -> Runs:
    """Four committed imports into one SMSTurbo, their records in ``reports`` (with a README beside them)."""
    wb = open_pair(tmp_path, [client(f"A{i}", phone=f"217-555-01{i}0", name=f"Name {i}") for i in range(5)], [])
    reports = tmp_path / "reports"
    dirs = import_each(wb, reports, ["A0", "A1", "A2", "A3"])
    (reports / "README.md").write_text("Records of the customer sync.\n")
    return wb, reports, dirs


def target_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'smsturbo.db'}"


def rewrite(reports: Path, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Rewrite the whole folder consistently: ``edit`` the manifests (in chain order), then relink every
    manifest, rename folders to their run ids and write chain.json again, as an attacker with the code would."""
    found = [json.loads(p.read_text("utf-8")) for p in reports.glob(f"*/{MANIFEST}")]
    manifests = edit(sorted(found, key=lambda m: m["sequence"]))
    previous = "0" * 64
    kept = {m["run_id"] for m in manifests}
    for folder in [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]:
        if folder.name not in kept:
            shutil.rmtree(folder)
    for sequence, m in enumerate(manifests, start=1):
        m["sequence"], m["previous_manifest_sha256"] = sequence, previous
        data = manifest_bytes(m)
        (reports / m["run_id"] / MANIFEST).write_bytes(data)
        previous = sha256_bytes(data)
    last = manifests[-1]
    (reports / HEAD).write_bytes(manifest_bytes({"format": last["format"], "chain_id": last["chain_id"],
                                                 "sequence": last["sequence"], "run_id": last["run_id"],
                                                 "manifest_sha256": previous}))


def cli_verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["verify", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- item 15: verify itself ----------------------------------------------------------------------------


def test_files_that_are_not_records_are_not_errors(runs: Runs, capsys: pytest.CaptureFixture[str]) -> None:
    _wb, reports, _dirs = runs
    everything = sorted(str(p) for p in reports.iterdir() if not p.name.startswith("."))  # reports/*
    assert any(p.endswith("chain.json") for p in everything) and any(p.endswith("README.md") for p in everything)
    code, out, err = cli_verify(capsys, *everything)
    assert code == 0 and "MISMATCH" not in out and err == "", out
    assert "4 records checked: every file matches its manifest, the chain is complete" in out


def test_naming_one_record_verifies_just_that_one(runs: Runs, capsys: pytest.CaptureFixture[str]) -> None:
    _wb, _reports, dirs = runs
    report = verify([dirs[2]])
    assert report.ok and report.records == [dirs[2]]
    code, out, _err = cli_verify(capsys, str(dirs[2]))
    assert code == 0 and out.splitlines()[-1].startswith("1 record checked:"), out


def test_a_deleted_record_is_one_problem_said_once(runs: Runs, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    wb, reports, dirs = runs
    shutil.rmtree(dirs[1])
    alone = verify([reports]).problems
    assert alone == [f"{dirs[2] / MANIFEST}: record 2 before it is missing; deleted or moved."]
    anchored = verify([reports], engine=wb.smsturbo_engine).problems
    assert anchored == [f"{dirs[1]}: missing; SMSTurbo committed this run as record 2 of the chain, but its record "
                        "is gone (deleted or moved)."]
    code, _out, err = cli_verify(capsys, str(reports), "--smsturbo", target_url(tmp_path))
    assert code == 1 and "(1 problem)" in err, err


@pytest.mark.parametrize("name", ["../../smsturbo.db", "/etc/hostname", "sub/../changes.jsonl"])
def test_a_manifest_listing_a_file_outside_its_record_fails(runs: Runs, name: str) -> None:
    _wb, reports, dirs = runs
    (dirs[3] / "changes.jsonl").unlink()

    def edit(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        files = manifests[3]["files"]
        outside = (dirs[3] / name) if not name.startswith("/") else Path(name)
        files[name] = sha256_file(outside) if outside.is_file() else files["changes.jsonl"]
        del files["changes.jsonl"]
        return manifests

    rewrite(reports, edit)
    problems = verify([reports]).problems
    assert any(f"lists {name!r}, which is not a file of this record" in p for p in problems), problems


def test_a_symbolic_link_in_a_record_fails(runs: Runs, tmp_path: Path) -> None:
    _wb, reports, dirs = runs
    elsewhere = tmp_path / "elsewhere.jsonl"
    shutil.copyfile(dirs[0] / "changes.jsonl", elsewhere)  # same bytes: the hash alone would still match
    (dirs[0] / "changes.jsonl").unlink()
    (dirs[0] / "changes.jsonl").symlink_to(elsewhere)
    problems = verify([reports]).problems
    assert problems == [f"{dirs[0] / 'changes.jsonl'}: is a symbolic link to another file; a record holds its "
                        "own files."]


def test_a_hidden_file_added_to_a_record_fails(runs: Runs) -> None:
    _wb, reports, dirs = runs
    (dirs[0] / ".note").write_text("added later")
    assert verify([reports]).problems == [f"{dirs[0] / '.note'}: a hidden file not listed in the manifest; it was "
                                          "added after the run."]


# --- item 14: the target's ledger is the anchor ----------------------------------------------------------


def test_an_empty_reports_folder_fails_when_the_ledger_holds_runs(runs: Runs, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    wb, reports, _dirs = runs
    shutil.rmtree(reports)
    reports.mkdir()
    report = verify([reports], engine=wb.smsturbo_engine)
    assert len(report.problems) == 1 and "holds no record, but SMSTurbo's ledger holds 4 committed runs" in \
        report.problems[0], report.problems
    assert verify([reports]).ok  # the folder alone cannot know
    code, out, _err = cli_verify(capsys, str(reports))
    assert code == 0 and "cannot be detected" in out and "--smsturbo" in out, out


def test_an_older_copy_of_the_folder_fails(runs: Runs, tmp_path: Path) -> None:
    wb, reports, _dirs = runs
    backup = tmp_path / "backup"
    shutil.copytree(reports, backup)
    (later,) = import_each(wb, reports, ["A4"])
    shutil.rmtree(reports)
    shutil.copytree(backup, reports)  # put back the copy from before the last import
    assert verify([reports]).ok
    problems = verify([reports], engine=wb.smsturbo_engine).problems
    assert len(problems) == 1 and problems[0].startswith(f"{reports / later.name}: missing; SMSTurbo committed run")


def test_a_consistent_rewrite_under_a_new_chain_id_without_one_run_fails(runs: Runs) -> None:
    wb, reports, dirs = runs
    chain = uuid.uuid4().hex

    def edit(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for m in manifests:
            m["chain_id"] = chain
        return [m for m in manifests if m["run_id"] != dirs[1].name]

    rewrite(reports, edit)
    assert verify([reports]).ok  # consistent: the folder alone cannot tell
    problems = verify([reports], engine=wb.smsturbo_engine).problems
    assert any(p.startswith(f"{reports / dirs[1].name}: missing") for p in problems), problems
    assert any(p.startswith(f"{dirs[2] / MANIFEST}: differs from SMSTurbo's ledger") and "chain id" in p
               and "sequence" in p for p in problems), problems


@pytest.mark.parametrize(("field", "forge"), [
    ("who", lambda m: m["who"].update(os_user="someone-else")),
    ("started_at", lambda m: m.update(started_at="2020-01-01T00:00:00Z")),
    ("selection", lambda m: m.update(selection=["A9"])),
    ("target", lambda m: m.update(source="sqlite:///another-company.db")),
])
def test_forged_fields_rewritten_consistently_fail_against_the_ledger(runs: Runs, field: str,
                                                                     forge: Callable[[dict[str, Any]], None]) -> None:
    wb, reports, dirs = runs

    def edit(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        forge(manifests[1])
        return manifests

    rewrite(reports, edit)
    assert verify([reports]).ok
    problems = verify([reports], engine=wb.smsturbo_engine).problems
    assert len(problems) == 1 and problems[0].startswith(f"{dirs[1] / MANIFEST}: differs from SMSTurbo's ledger"), \
        problems


def test_runs_against_another_target_are_not_this_targets_business(runs: Runs, tmp_path: Path) -> None:
    wb, reports, _dirs = runs
    (tmp_path / "other").mkdir()
    other = open_pair(tmp_path / "other", [client("B1")], [])
    import_each(other, reports, ["B1"])  # the same folder, another SMSTurbo
    assert verify([reports], engine=wb.smsturbo_engine).ok
    assert verify([reports], engine=other.smsturbo_engine).ok


def test_a_ledger_an_older_smsync_created_is_upgraded_and_still_verifies(tmp_path: Path) -> None:
    wb = open_pair(tmp_path, [client("A1"), client("A2", phone="1", name="Other")], [customer("OLD", phone="2")])
    reports = tmp_path / "reports"
    import_each(wb, reports, ["A1"])
    con = sqlite3.connect(tmp_path / "smsturbo.db")  # as an older smsync left it: no anchor columns, one run
    con.execute("ALTER TABLE smsync_runs DROP COLUMN previous_manifest_sha256")
    con.execute("ALTER TABLE smsync_runs DROP COLUMN record_sha256")
    con.commit()
    con.close()
    assert verify([reports], engine=wb.smsturbo_engine).ok
    import_each(wb, reports, ["A2"])
    con = sqlite3.connect(tmp_path / "smsturbo.db")
    query = "SELECT previous_manifest_sha256, record_sha256 FROM smsync_runs ORDER BY sequence"
    anchors = con.execute(query).fetchall()
    con.close()
    assert anchors[0] == (None, None) and all(anchors[1])
    assert verify([reports], engine=wb.smsturbo_engine).ok
