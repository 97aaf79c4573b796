"""The guided flow's last step: "Import completed" with the record, Undo and Start again, on real SQLite databases.

Its states: a committed import, one whose record could not be finished, a conflict (nothing written), an undo
that reversed everything and one that left a customer changed since.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import smsync_core
from smsync_core.app.records import ENV_RECORDS_URL
from smsync_core.app.selections import SelectionStore
from smsync_widgets import GuidedFlow, SynchronizeDialog
from smsync_widgets.completed import CompletionPanel
from tests.support.data import read_table
from tests.support.runs import apply

from .conftest import ELIGIBLE_NEW


def target_rows(wb: Any) -> list[tuple[Any, ...]]:
    """SMSTurbo's Customer table as stored, sorted (straight from sqlite3)."""
    return sorted(read_table(wb.smsturbo_url.removeprefix("sqlite:///"), "Customer"), key=repr)


def imported(story: Any, tmp_path: Path, *, missing_only: bool = True, replace: tuple[str, ...] = (),
             store: SelectionStore | None = None) -> GuidedFlow:
    """The flow after Check All, Synchronize and Yes."""
    flow = GuidedFlow(story, reports_dir=tmp_path / "reports", selection_store=store)
    flow.confirm_company()
    flow.to_setup()
    assert flow.setup is not None
    for group in replace:
        flow.setup.replace_boxes[group].value = True
    flow.to_question()
    flow.answer(missing_only)
    assert flow.panes is not None
    flow.panes.check_all()
    flow.panes.synchronize_button.click()
    assert flow.dialog is not None
    flow.dialog.yes_button.click()
    return flow


def buttons(panel: CompletionPanel) -> list[str]:
    return [b.description for b in panel.buttons.children]


def manifest(record_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((record_dir / "manifest.json").read_text("utf-8"))
    return data


def test_import_completed_says_what_was_done_names_the_record_and_offers_undo(story: Any, tmp_path: Path) -> None:
    flow = imported(story, tmp_path)
    panel = flow.completion
    assert flow.step == "completed" and panel is not None and flow.body.children == (panel,)
    assert "Import completed" in flow.header.value and "Confirm import" not in flow.header.value
    assert not any(isinstance(child, SynchronizeDialog) for child in flow.body.children)  # Yes / No are gone
    run_id = flow.result.run_id
    assert "2 new customers inserted into SMSTurbo, 0 updated, 0 checked clients skipped." in panel.text
    assert f"Everything this import did is in the record {run_id}" in panel.text
    assert str(tmp_path) not in panel.text and str(tmp_path) not in panel.record.value  # no folder of this machine
    assert buttons(panel) == ["Show the customers (2)", "Undo", "Start again"]

    panel.lists_button.click()  # the customers, one click away
    for cid in ELIGIBLE_NEW:
        assert f"<td>{cid}</td>" in panel.lists.value
    assert "Baker Plumbing" in panel.lists.value and "New customer" in panel.lists.value
    panel.lists_button.click()
    assert panel.lists.value == ""

    panel.start_button.click()  # Start again: step 1, databases read again
    assert flow.step == "company" and "Step 1 of" in flow.header.value


def test_a_reload_on_the_completed_step_shows_the_same_panel_with_undo(story: Any, tmp_path: Path) -> None:
    """A new kernel on the same store (the page reloaded) rebuilds "Import completed" from the run's record."""
    before = target_rows(story)
    store = SelectionStore(tmp_path / "state")
    flow = imported(story, tmp_path, store=store)
    assert flow.completion is not None
    run_id, said = flow.result.run_id, flow.completion.text

    again = GuidedFlow(story, reports_dir=tmp_path / "reports", selection_store=store)
    panel = again.completion
    assert again.step == "completed" and panel is not None and again.body.children == (panel,)
    assert "Import completed" in again.header.value and "Step 1 of" not in again.header.value
    assert panel.text == said  # the same run id, counts and record link
    assert f"Everything this import did is in the record {run_id}" in panel.text
    assert buttons(panel) == ["Show the customers (2)", "Undo", "Start again"]
    panel.lists_button.click()
    assert "Baker Plumbing" in panel.lists.value and "New customer" in panel.lists.value
    kept = store.path.read_text("utf-8")
    assert run_id in kept and "password" not in kept.lower() and "sqlite" not in kept  # an id, never a URL

    panel.undo_button.click()  # Undo is still there after the reload
    panel.undo_yes.click()
    assert target_rows(story) == before and "Import undone" in again.header.value

    third = GuidedFlow(story, reports_dir=tmp_path / "reports", selection_store=store)  # reloaded after the undo
    assert third.step == "completed" and third.completion is not None
    assert "Import undone" in third.header.value and "Undo" not in buttons(third.completion)
    assert f"Everything this undo did is in the record {panel.undo_result.run_id}" in third.completion.text
    third.completion.start_button.click()  # Start again still goes to step 1, and stays there on a reload
    assert third.step == "company"
    assert GuidedFlow(story, reports_dir=tmp_path / "reports", selection_store=store).step == "company"


def test_skipped_clients_are_counted_and_listed_with_their_reason(story: Any, tmp_path: Path) -> None:
    result = story.apply(story.plan(["1002", "ab 12"], replace=()), reports_dir=tmp_path / "reports")
    panel = CompletionPanel(result)
    assert "1 new customer inserted into SMSTurbo, 0 updated, 1 checked client skipped." in panel.text
    panel.toggle_lists()
    assert "<td>ab 12</td>" in panel.lists.value and "Skipped: " in panel.lists.value


def test_undo_asks_first_then_puts_smsturbo_back_and_is_recorded(story: Any, tmp_path: Path) -> None:
    before = target_rows(story)
    flow = imported(story, tmp_path)
    panel = flow.completion
    assert panel is not None and target_rows(story) != before

    panel.undo_button.click()
    assert "Undo the import of 2 customers?" in panel.text
    panel.undo_no.click()  # No: the import stays
    assert "Nothing was undone." in panel.text and target_rows(story) != before and not panel.undo_button.disabled

    panel.undo_button.click()
    panel.undo_yes.click()
    assert target_rows(story) == before  # SMSTurbo as it was before the import
    assert "Import undone" in flow.header.value
    assert "Undo completed: 2 new customers removed from SMSTurbo." in panel.text
    undo = panel.undo_result
    assert undo.outcome == "committed" and f"Everything this undo did is in the record {undo.run_id}" in panel.text
    record = manifest(Path(undo.record_dir))
    assert record["kind"] == "undo" and record["undoes"] == flow.result.run_id
    assert "Undo" not in buttons(panel) and buttons(panel)[-1] == "Start again"
    assert str(tmp_path) not in panel.text


def test_undo_leaves_a_customer_changed_since_and_says_so(story: Any, tmp_path: Path) -> None:
    flow = imported(story, tmp_path, missing_only=False, replace=("phones",))
    panel = flow.completion
    assert panel is not None and set(flow.result.inserted) == ELIGIBLE_NEW and flow.result.updated == ("1005",)
    with sqlite3.connect(story.smsturbo_url.removeprefix("sqlite:///")) as con:  # edited by hand since the import
        con.execute("UPDATE Customer SET Phone = '312-555-0199' WHERE CustomerID = '1002'")
    panel.ask_undo()
    assert "Undo the import of 3 customers?" in panel.text
    panel.confirm_undo()
    assert "Import partly undone" in flow.header.value
    assert "Undo completed: 1 new customer removed from SMSTurbo, 1 updated customer given its earlier values back." \
        in panel.text
    assert "Left alone because it changed in SMSTurbo since the import: 1002" in panel.text
    rows = {row[0]: row for row in read_table(story.smsturbo_url.removeprefix("sqlite:///"), "Customer")}
    assert "1002" in rows and "1006" not in rows and rows["1005"][7] != "217-555-0111"  # 1005's phone restored
    panel.toggle_lists()
    assert "Left alone: changed in SMSTurbo since the import" in panel.lists.value
    assert "312-555-0199" in panel.lists.value and "Phone" in panel.lists.value


def test_a_record_that_could_not_be_finished_is_said_in_red_and_undo_stays(story: Any, tmp_path: Path) -> None:
    def fail_at_finalize(step: str) -> None:
        if step == "finalize":
            raise OSError(28, "No space left on device", str(tmp_path / "reports" / "x"))

    result = apply(story, story.plan(["1002"], replace=()), tmp_path / "reports", hook=fail_at_finalize)
    assert result.outcome == "committed" and result.record_unfinished
    panel = CompletionPanel(result, undo=lambda run_id: story.undo(run_id, reports_dir=tmp_path / "reports"))
    assert panel.heading == "Import committed, but its record is not finished"
    assert "color:#a40000" in panel.summary.value and "Import completed" not in panel.text
    assert "its record could not be finished: No space left on device" in panel.text
    assert "smsync verify" in panel.text and str(tmp_path) not in panel.text
    assert "Undo" in buttons(panel)


def test_a_conflict_is_the_last_step_in_red_without_undo_and_goes_back_to_the_panes(story: Any,
                                                                                     tmp_path: Path) -> None:
    flow = GuidedFlow(story, reports_dir=tmp_path / "reports")
    flow.confirm_company()
    flow.to_setup()
    flow.to_question()
    flow.answer(True)
    assert flow.panes is not None
    flow.panes.set_checked("1002", True)
    flow.panes.synchronize()
    other_tab = smsync_core.connect(story.sage_url, story.smsturbo_url, config={})
    assert other_tab.apply(other_tab.plan(["1002"]), reports_dir=tmp_path / "reports").outcome == "committed"
    assert flow.dialog is not None
    flow.dialog.yes_button.click()
    panel = flow.completion
    assert flow.step == "completed" and panel is not None
    assert "Nothing imported: SMSTurbo changed" in flow.header.value
    assert panel.text.count("Conflict") == 1 and "nothing was written" in panel.text.lower()
    assert "color:#a40000" in panel.summary.value
    assert "Undo" not in buttons(panel) and "Back to the panes" in buttons(panel)
    panel.back_button.click()
    assert flow.step == "panes" and flow.panes is not None
    assert "1002" not in set(flow.reconciliation.sage_only["customer_id"])  # read again: 1002 is in SMSTurbo now



def test_outside_the_app_the_records_page_is_a_download(story: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_RECORDS_URL, raising=False)  # JupyterLab: the app's route for records is not there
    result = story.apply(story.plan(["1002"], replace=()), reports_dir=tmp_path / "reports")
    panel = CompletionPanel(result)
    assert f'<b data-role="record-id">{result.run_id}</b>' in panel.record.value  # no page: the id alone
    page = b"<!DOCTYPE html><h1>The record</h1>"
    (Path(result.record_dir) / "reconcile.html").write_bytes(page)  # as a notebook run's record holds one
    panel = CompletionPanel(result)
    assert f'download="{result.run_id}.html"' in panel.record.value
    assert f"data:text/html;base64,{base64.b64encode(page).decode()}" in panel.record.value
    assert str(tmp_path) not in panel.record.value
