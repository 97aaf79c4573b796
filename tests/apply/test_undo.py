"""Undo: restores the exact prior state, leaves later edits alone, and is itself a recorded run."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from smsync_core.apply.run import ApplyResult
from smsync_core.audit.verify import verify
from smsync_core.errors import UsageError
from smsync_core.workbench import Workbench
from tests.support.data import client, customer
from tests.support.runs import TRICKY, apply, execute, manifest, open_pair, rows, runs, undo


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Workbench, Path, ApplyResult, dict[str, dict[str, Any]]]:
    """Two inserted and two updated customers, with the table as it was before the sync."""
    clients = [client("N1", name=TRICKY[1]), client("N2", name=TRICKY[2]),
               client("U1", phone="111", city="Newtown"), client("U2", phone="222", email=TRICKY[4])]
    wb = open_pair(tmp_path, clients, [customer("U1", phone=None), customer("U2", email=" spaced ")])
    before = rows(tmp_path / "smsturbo.db")
    result = apply(wb, wb.plan("all-eligible", replace=("phones", "email")), tmp_path / "reports")
    assert result.outcome == "committed" and set(result.updated) == {"U1", "U2"}
    return wb, tmp_path / "reports", result, before


def test_undo_restores_the_exact_prior_state(synced: tuple[Workbench, Path, ApplyResult,
                                                          dict[str, dict[str, Any]]]) -> None:
    wb, reports, result, before = synced
    path = Path(str(wb.smsturbo_engine.url.database))
    assert rows(path) != before
    undone = undo(wb, result.run_id, reports)
    assert undone.outcome == "committed" and undone.kind == "undo"
    assert set(undone.deleted) == {"N1", "N2"} and set(undone.updated) == {"U1", "U2"}
    assert rows(path) == before  # NULL stays NULL, " spaced " keeps its spaces
    assert undone.message().startswith("Undo completed: 2 removed, 2 restored")


def test_undo_is_a_run_with_its_own_record(synced: tuple[Workbench, Path, ApplyResult,
                                                        dict[str, dict[str, Any]]]) -> None:
    wb, reports, result, _before = synced
    undone = undo(wb, result.run_id, reports)
    m = manifest(undone.record_dir or Path())
    assert (m["kind"], m["undoes"], m["outcome"], m["sequence"]) == ("undo", result.run_id, "committed", 2)
    path = Path(str(wb.smsturbo_engine.url.database))
    assert [r["undoes"] for r in runs(path)] == [None, result.run_id]
    assert verify([reports], engine=wb.smsturbo_engine).ok


def test_undo_record_has_the_auditors_page_in_its_manifest(synced: tuple[Workbench, Path, ApplyResult,
                                                                          dict[str, dict[str, Any]]]) -> None:
    """The undo's record has an HTML page (as an import's has): the run it undoes, each customer reversed with the
    values before and after, what it left alone, the databases by name; listed in the manifest, verified."""
    wb, reports, result, before = synced
    execute(Path(str(wb.smsturbo_engine.url.database)), "UPDATE Customer SET Contact = 'Edited later' "
                                                          "WHERE CustomerID = 'N1'")
    undone = undo(wb, result.run_id, reports)
    folder = undone.record_dir or Path()
    assert folder == reports / undone.run_id
    m = manifest(folder)
    assert "undo.html" in m["files"]
    assert (folder / "undo.pdf").is_file() == ("undo.pdf" in m["files"])  # printed where Chromium is installed
    page = (folder / "undo.html").read_text("utf-8")
    seen = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert f"Undo of run {result.run_id}" in seen and undone.run_id in seen
    assert "Changes of run " + result.run_id + " reversed in SMSTurbo (3)" in seen
    for cid in ("N2", "U1", "U2"):  # every customer it reversed
        assert re.search(rf"<td rowspan=\"\d+\">{cid}</td>", page), cid
    assert "earlier values restored" in seen and "removed" in seen
    assert before["U2"]["Email"] in seen and TRICKY[4] in seen  # before and after of an update
    assert "Left alone: changed in SMSTurbo since run" in seen and "Edited later" in seen  # N1, edited since
    assert "smsturbo (a database file)" in seen and "Undone and committed: 1 customer removed, 2 restored" in seen
    assert f"smsync verify reports/{undone.run_id} --smsturbo URL" in seen
    assert not any(word in seen for word in ("None", "NaN", "<NA>", str(reports)))
    assert "The notebook's output" not in seen
    assert verify([reports], engine=wb.smsturbo_engine).ok


def test_undo_leaves_later_edits_alone(synced: tuple[Workbench, Path, ApplyResult,
                                                    dict[str, dict[str, Any]]]) -> None:
    wb, reports, result, before = synced
    path = Path(str(wb.smsturbo_engine.url.database))
    execute(path, "UPDATE Customer SET Contact = 'Edited later' WHERE CustomerID = 'N1'")
    execute(path, "UPDATE Customer SET Phone = 'Edited later' WHERE CustomerID = 'U1'")
    undone = undo(wb, result.run_id, reports)
    assert undone.outcome == "committed"
    assert undone.deleted == ("N2",) and undone.updated == ("U2",)
    left = {(r.customer_id, r.field, r.current) for r in undone.conflicts.itertuples()}
    assert left == {("N1", "contact", "Edited later"), ("U1", "phone", "Edited later")}
    now = rows(path)
    assert now["N1"]["Contact"] == "Edited later" and now["U1"]["Phone"] == "Edited later"
    assert "N2" not in now and now["U2"] == before["U2"]
    assert "2 later edits left alone" in undone.message()


def test_undo_twice_is_a_no_op_and_undo_of_undo_redoes(synced: tuple[Workbench, Path, ApplyResult,
                                                                     dict[str, dict[str, Any]]]) -> None:
    wb, reports, result, _before = synced
    path = Path(str(wb.smsturbo_engine.url.database))
    after_sync = rows(path)
    first = undo(wb, result.run_id, reports)
    assert undo(wb, result.run_id, reports).outcome == "nothing-to-do"
    redo = undo(wb, first.run_id, reports)
    assert redo.outcome == "committed" and set(redo.inserted) == {"N1", "N2"}
    assert rows(path) == after_sync


def test_undo_when_everything_changed_is_a_conflict(synced: tuple[Workbench, Path, ApplyResult,
                                                                  dict[str, dict[str, Any]]]) -> None:
    wb, reports, result, _before = synced
    path = Path(str(wb.smsturbo_engine.url.database))
    execute(path, "UPDATE Customer SET Contact = 'Mine now', Phone = 'Mine', Email = 'Mine' "
                  "WHERE CustomerID <> 'ZZDEFAULT'")
    edited = rows(path)
    undone = undo(wb, result.run_id, reports)
    assert undone.outcome == "conflict" and not undone.ok
    assert rows(path) == edited
    assert manifest(undone.record_dir or Path())["outcome"] == "conflict"
    assert "Nothing was undone" in undone.message()


def test_unknown_and_uncommitted_runs_cannot_be_undone(synced: tuple[Workbench, Path, ApplyResult,
                                                                   dict[str, dict[str, Any]]]) -> None:
    wb, reports, _result, _before = synced
    with pytest.raises(UsageError, match="no committed run"):
        undo(wb, "20000101T000000Z-none", reports)
    path = Path(str(wb.smsturbo_engine.url.database))
    execute(path, "UPDATE Customer SET Phone = 'x' WHERE CustomerID = 'U1'")
    wb.refresh()
    plan = wb.plan(["U1"], replace=("phones",))
    execute(path, "UPDATE Customer SET Phone = 'y' WHERE CustomerID = 'U1'")
    conflict = apply(wb, plan, reports)
    assert conflict.outcome == "conflict"
    with pytest.raises(UsageError, match="ended as conflict"):
        undo(wb, conflict.run_id, reports)
