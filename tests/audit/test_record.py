"""The record of a run: manifest hashes, the chain, pending runs, lossless values, no passwords."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest

from smsync_core.apply.run import target_identity
from smsync_core.audit.changes import Change
from smsync_core.audit.lines import decode_changes, encode_changes
from smsync_core.audit.record import HEAD, PENDING, PendingRecord, RunContext, manifest_bytes, reports_lock
from smsync_core.audit.verify import verify
from smsync_core.files import sha256_file
from smsync_core.redact import redact_url
from smsync_core.workbench import Workbench
from tests.support.data import client, customer
from tests.support.runs import apply, manifest, open_pair


@pytest.fixture
def three_runs(tmp_path: Path) -> tuple[Workbench, Path, list[Path]]:
    """Three committed runs in one reports directory."""
    wb = open_pair(tmp_path, [client("A1"), client("A2"), client("A3", phone="1")], [customer("A3")])
    reports = tmp_path / "reports"
    dirs = []
    for selection, groups in ((["A1"], ()), (["A2"], ()), (["A3"], ("phones",))):
        wb.refresh()
        result = apply(wb, wb.plan(selection, replace=groups), reports)
        assert result.outcome == "committed", result.error
        dirs.append(result.record_dir or Path())
    return wb, reports, dirs


def test_records_form_a_chain(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    wb, reports, dirs = three_runs
    manifests = [manifest(d) for d in dirs]
    assert [m["sequence"] for m in manifests] == [1, 2, 3]
    assert manifests[1]["previous_manifest_sha256"] == sha256_file(dirs[0] / "manifest.json")
    assert json.loads((reports / HEAD).read_text())["run_id"] == dirs[2].name
    report = verify([reports], engine=wb.smsturbo_engine)
    assert report.ok, report.problems
    assert len(report.records) == 3


def test_manifest_says_who_what_and_how_it_ended(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    _wb, _reports, dirs = three_runs
    m = manifest(dirs[2])
    assert m["outcome"] == "committed" and m["kind"] == "sync"
    assert m["who"]["os_user"] and m["target"].startswith("sqlite:///")
    assert m["replace_groups"] == ["phones"] and m["selection"] == ["A3"]
    assert m["config"]["smsturbo"]["table"] == "Customer"
    assert set(m["files"]) == {"changes.jsonl"}
    (change,) = decode_changes((dirs[2] / "changes.jsonl").read_bytes())
    assert change == Change("A3", "update", {"Phone": client("A3")["phone"]}, {"Phone": "1"})


def test_verify_catches_a_changed_byte(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    _wb, reports, dirs = three_runs
    target = dirs[1] / "changes.jsonl"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify([reports])
    assert not report.ok
    assert report.problems == [f"{target}: SHA-256 does not match the manifest; the file was changed."]


def test_verify_catches_an_altered_last_manifest(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    _wb, reports, dirs = three_runs
    path = dirs[2] / "manifest.json"
    path.write_text(path.read_text().replace('"committed"', '"failed"  '))
    problems = verify([reports]).problems
    assert any(p.startswith(f"{path}:") for p in problems), problems


def test_verify_catches_a_deleted_record(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    wb, reports, dirs = three_runs
    shutil.rmtree(dirs[1])
    problems = verify([reports]).problems
    assert any(p.startswith(f"{dirs[2] / 'manifest.json'}:") for p in problems), problems
    with_db = verify([reports], engine=wb.smsturbo_engine).problems
    assert any(p.startswith(f"{dirs[1]}:") and "record is gone" in p for p in with_db), with_db


def test_verify_catches_a_deleted_last_record(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    _wb, reports, dirs = three_runs
    shutil.rmtree(dirs[2])
    problems = verify([reports]).problems
    assert any(p.startswith(f"{reports / HEAD}:") for p in problems), problems


def test_verify_catches_a_reordered_chain(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    _wb, reports, dirs = three_runs
    first, second = (json.loads((d / "manifest.json").read_text()) for d in dirs[:2])
    first["sequence"], second["sequence"] = 2, 1
    first["previous_manifest_sha256"], second["previous_manifest_sha256"] = (
        second["previous_manifest_sha256"], first["previous_manifest_sha256"])
    (dirs[0] / "manifest.json").write_bytes(manifest_bytes(first))
    (dirs[1] / "manifest.json").write_bytes(manifest_bytes(second))
    problems = verify([reports]).problems
    assert any("does not link" in p for p in problems), problems


def test_verify_checks_the_database_too(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    wb, reports, dirs = three_runs
    path = dirs[0] / "manifest.json"
    m = json.loads(path.read_text())
    m["files"]["changes.jsonl"] = "0" * 64
    (dirs[0] / "changes.jsonl").write_text("")
    m["files"]["changes.jsonl"] = sha256_file(dirs[0] / "changes.jsonl")
    path.write_bytes(manifest_bytes(m))  # consistent on disk, but not with SMSTurbo
    problems = verify([reports], engine=wb.smsturbo_engine).problems
    assert any(p.startswith(f"{dirs[0] / 'changes.jsonl'}:") and "smsync_runs" in p for p in problems)


def test_verify_an_added_file_and_a_single_record(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    _wb, reports, dirs = three_runs
    (dirs[0] / "extra.txt").write_text("slipped in")
    assert verify([dirs[0]]).problems == [f"{dirs[0] / 'extra.txt'}: not listed in the manifest; it was added "
                                          "after the run."]
    assert verify([dirs[1]]).ok  # naming a record verifies just that record
    archived = reports.parent / "archive" / dirs[1].name
    shutil.copytree(dirs[1], archived)
    assert verify([archived]).ok  # a record copied elsewhere: its own files


def test_a_pending_record_is_resolved_against_the_target(tmp_path: Path) -> None:
    wb = open_pair(tmp_path, [client("A1")], [])
    reports = tmp_path / "reports"
    context = RunContext.create(str(wb.smsturbo_url))
    apply(wb, wb.plan(["A1"]), reports)  # a first run creates smsync_runs
    with reports_lock(reports):
        record = PendingRecord.begin(reports, run_id="20991231T000000Z-dead", kind="sync", context=context,
                                     details={"target_identity": target_identity(wb.smsturbo_engine)})
    report = verify([reports])
    assert not report.ok and str(record.path) in report.problems[0]
    (tmp_path / "other").mkdir()
    other = open_pair(tmp_path / "other", [], [])
    unresolved = verify([reports], engine=other.smsturbo_engine)  # another database cannot tell
    assert unresolved.resolved == [] and str(record.path) in unresolved.problems[0]
    resolved = verify([reports], engine=wb.smsturbo_engine)
    assert resolved.resolved == [("20991231T000000Z-dead", "failed")]
    assert resolved.ok, resolved.problems
    assert manifest(reports / "20991231T000000Z-dead")["outcome"] == "failed"
    assert not any((reports / PENDING).iterdir())


def test_values_round_trip_exactly() -> None:
    values = {"d": Decimal("1234.50"), "t": dt.datetime(2026, 11, 26, 7, 0, 1, 5), "day": dt.date(2026, 1, 2),
              "b": b"\x00\xff", "f": 0.1, "nan": float("inf"), "s": "x'; DROP TABLE \x00 🚀", "n": None, "i": 7}
    changes = [Change("A", "insert", None, values), Change("B", "update", {"x": 1}, {"x": True})]
    back = decode_changes(encode_changes(changes))
    assert back == changes
    assert back[0].after is not None and type(back[0].after["d"]) is Decimal
    assert back[1].after == {"x": True}


def test_line_separators_inside_values_read_back() -> None:
    changes = [Change("X1", "update", {"Notes": "a\u2028b\x85c\u2029"}, {"Notes": "\r\n"})]
    assert decode_changes(encode_changes(changes)) == changes


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://app:S3cretPw@db/turbo",
    "mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BX%7D%3BUID%3Dsa%3BPWD%3DS3cretPw",
    "mssql+pyodbc://sa@srv/db?driver=X&password=S3cretPw",
])
def test_redacted_urls_hold_no_password(url: str) -> None:
    text = redact_url(url) or ""
    assert "S3cretPw" not in text and "***" in unquote(text)


def test_chain_head_missing_refuses_a_new_record(three_runs: tuple[Workbench, Path, list[Path]]) -> None:
    wb, reports, _dirs = three_runs
    (reports / HEAD).unlink()
    assert any(p.startswith(f"{reports / HEAD}:") for p in verify([reports]).problems)
    wb.refresh()
    result = apply(wb, wb.plan(["A3"], replace=("phones",)), reports)  # nothing to do: no record needed
    assert result.outcome == "nothing-to-do"
