"""The accountant's page without a browser (issue 16): possible duplicates, filters, downloads, words, the
confirm list, recovery from a wrong connection and coming back after a reload; on real SQLite databases."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

import smsync_core
from smsync_core.app.selections import SelectionStore
from smsync_widgets import GuidedFlow, SynchronizeDialog, SyncPanes, text
from smsync_widgets.pane_state import PaneState
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

from .conftest import ELIGIBLE_NEW

MESA = {"name": "Mesa Verde Landscaping", "address1": "2150 N Academy Blvd", "postal_code": "80909",
        "phone": "(719) 555-0141", "email": "mesa@example.com"}


def with_duplicate(tmp_path: Path) -> Any:
    sage = make_sage_db(tmp_path / "sage.db", [client("1005", **MESA), client("1006"), client("=1+1", name="=HYPER")])
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("0001005", **MESA), customer("T900")])
    return smsync_core.connect(sage, target, config={})


def test_a_possible_duplicate_starts_unchecked_with_its_hint_and_check_all_skips_it(tmp_path: Path) -> None:
    panes = SyncPanes(with_duplicate(tmp_path).reconcile(), start_checked=True)
    rows = {row["id"]: row for row in panes.right.window(0, 10)}
    keys = [c["key"] for c in panes.right.columns]
    assert rows["1005"]["cells"][keys.index("duplicate_of")] == "probably SMSTurbo 0001005"
    assert rows["1005"]["duplicate"] and not rows["1005"]["checked"] and "0001005" in rows["1005"]["why"]
    panes.uncheck_all()
    panes.check_all()
    assert "1005" not in panes.selected and "1006" in panes.selected
    panes.set_checked("1005", True)  # by hand it can be checked
    assert "1005" in panes.selected


def test_eligible_is_the_cores_not_re_derived() -> None:
    frame = pd.DataFrame({"customer_id": ["A", "B", "C"], "inactive": [False, True, False],
                          "has_error": [False, False, False], "eligible": [False, True, True]})
    state = PaneState(frame, selectable=True)  # A: not eligible for a reason the pane does not know; B: the
    state.check_all()  # core's eligible wins over the pane's own reading of the inactive flag
    assert state.selected == {"B", "C"}


def test_uncheck_all_under_a_filter_acts_on_the_shown_rows_and_the_counter_says_what_it_hides(story: Any) -> None:
    panes = SyncPanes(story.reconcile())
    panes.check_all()
    assert panes.selected == ELIGIBLE_NEW
    panes.filter("Baker")
    panes.uncheck_all()
    assert panes.selected == ELIGIBLE_NEW - {"1002"}
    panes.filter("Julie")
    assert panes.counts == "1 shown · 1 checked (1 of them hidden by the filter)"
    assert panes.right.hidden_checked_count == 1
    panes.filter("")
    assert panes.selected == {"1006"} and panes.right.hidden_checked_count == 0


def test_no_stale_nothing_is_checked_after_check_all(story: Any) -> None:
    panes = SyncPanes(story.reconcile(), on_synchronize=lambda _s: None)
    panes.synchronize()
    assert "Nothing is checked" in panes.message.value
    panes.right.handle_message({"type": "check_all"})
    assert panes.message.value == ""


def test_titles_and_the_note_beside_check_all(story: Any) -> None:
    missing, everything = SyncPanes(story.reconcile()), SyncPanes(story.reconcile(missing_only=False))
    assert missing.left.title == text.LEFT_TITLE and everything.left.title == text.LEFT_TITLE_ALL
    assert "differ" in everything.left.title
    assert "inactive" in missing.right.check_all_note and "duplicates" in missing.right.check_all_note
    keys = [c["key"] for c in missing.right.columns]
    assert "rules" not in keys and "reason" in keys  # the Why column in words
    why = {row["id"]: row["cells"][keys.index("reason")] for row in missing.right.window(0, 20)}
    assert why["1006"] == "Incomplete address" and why["ab 12"].startswith("Client Number has characters")
    widths = {c["key"]: c["width"] for c in missing.right.columns}
    assert widths["reason"] * 1.8 >= len("Client Number has characters SMSTurbo does not accept")  # not cut


def test_the_left_pane_downloads_as_excel_csv_and_a_printable_page(tmp_path: Path) -> None:
    panes = SyncPanes(with_duplicate(tmp_path).reconcile())
    name, mime, data = panes.left.download("xlsx")
    assert name.endswith(".xlsx") and "spreadsheet" in mime
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Client Number", "Name") and {r[0] for r in rows[1:]} == {"0001005", "T900"}
    _, _, data = panes.right.download("xlsx")
    cells = [c for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells)  # "=HYPER" is text, never a live formula
    assert "=HYPER" in {c.value for c in cells}
    _, _, page = panes.left.download("html")
    assert page.count(b"<tr>") == 3 and b"enter these in Sage 100 by hand" in page  # header + every row
    _, _, csv = panes.left.download("csv")
    assert csv.decode("utf-8-sig").splitlines()[0].startswith("Client Number,Name")


def test_the_confirm_screen_lists_customers_with_totals_first(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1002", "1005", "ab 12"], replace=("phones",), missing_only=False)
    names = story.reconcile(missing_only=False).right_pane().drop_duplicates("customer_id")
    dialog = SynchronizeDialog(plan, lambda p: story.apply(p, reports_dir=tmp_path),
                               names=names.set_index("customer_id")["name"])
    assert dialog.text.startswith("Confirm import. 1 new customer will be inserted into SMSTurbo and 1 existing "
                                  "customer updated")
    table = dialog.details.value
    assert table.count("<tr>") == 3 and "<th>Client Number</th>" in table  # one row per customer
    assert "Baker Plumbing" in table and "New customer" in table
    assert "Skipped: Client Number has characters SMSTurbo does not accept" in table and "id-" not in table
    assert "Phone: " in table and " → 217-555-0111" in table  # the update, from → to
    assert "Template" not in table and "Notes" not in table and "postal_code" not in table
    assert dialog.fields.value == ""
    dialog.toggle_fields()  # the field-level detail is one click away
    assert "Zip" in dialog.fields.value and "ZZDEFAULT" in dialog.fields.value


def test_progress_is_shown_while_importing(story: Any, tmp_path: Path) -> None:
    seen: list[str] = []
    plan = story.plan(["1002", "1006"], replace=())

    def apply(p: Any, progress: Any = None) -> Any:
        def told(written: int, total: int) -> None:
            progress(written, total)
            seen.append(dialog.progress_text.value)

        return story.apply(p, reports_dir=tmp_path, progress=told)

    dialog = SynchronizeDialog(plan, apply)
    dialog.confirm()
    assert any("2 of 2 customers written" in s for s in seen)
    assert dialog.progress.value == dialog.progress.max == 2


def test_the_flow_plans_with_the_users_missing_only_answer(story: Any, tmp_path: Path) -> None:
    flow = GuidedFlow(story, reports_dir=tmp_path)
    flow.confirm_company()
    flow.to_setup()
    assert flow.setup is not None
    flow.setup.replace_boxes["phones"].value = True  # Replace Options on, but the answer is Yes (missing only)
    flow.leave_setup()
    flow.answer(True)
    assert flow.panes is not None
    flow.panes.set_checked("1002", True)
    flow.panes.synchronize()
    assert flow.plan.mode == "missing-only" and flow.plan.insert_ids == ("1002",)


def test_a_wrong_sage_url_is_put_right_in_the_settings_without_a_restart(story: Any, tmp_path: Path) -> None:
    wrong = smsync_core.connect(f"sqlite:///{tmp_path / 'nope.db'}", story.smsturbo_url, config={})
    flow = GuidedFlow(wrong, reports_dir=tmp_path)
    assert flow.step == "company" and "color:#a40000" in flow.message.value
    assert [b.description for b in flow.recovery.children] == ["Connection settings", "Try again"]
    flow.recovery.children[0].click()
    assert flow.step == "setup" and flow.setup is not None
    flow.setup.connections["sage"].url.value = story.sage_url
    flow.leave_setup()
    assert flow.step == "company" and flow.message.value == "" and flow.recovery.children == ()
    assert ">8</span> clients" in flow.body.children[0].value


def test_back_on_every_step(story: Any, tmp_path: Path) -> None:
    flow = GuidedFlow(story, reports_dir=tmp_path)
    flow.confirm_company()
    for step, back_to in (("housekeeping", "company"),):
        assert flow.step == step
        flow.body.children[-1].children[0].click()
        assert flow.step == back_to
    flow.confirm_company()
    flow.to_setup()
    flow.body.children[-1].children[0].click()
    assert flow.step == "housekeeping"
    flow.to_setup()
    flow.leave_setup()
    assert flow.step == "question"
    next(b for b in flow.body.children[1].children if b.description == "Back").click()
    assert flow.step == "setup"


def test_a_reload_comes_back_to_the_step_the_answer_and_the_sort(story: Any, tmp_path: Path) -> None:
    store = SelectionStore(tmp_path / "state")
    flow = GuidedFlow(story, reports_dir=tmp_path, selection_store=store)
    flow.confirm_company()
    flow.to_setup()
    flow.leave_setup()
    flow.answer(False)
    assert flow.panes is not None
    flow.panes.right.handle_message({"type": "sort", "column": "status_ref", "ascending": False})

    again = GuidedFlow(story, reports_dir=tmp_path, selection_store=store)  # the page reloaded: a new kernel
    assert again.step == "panes" and again.reconciliation.mode == "all"
    assert again.panes is not None
    assert (again.panes.right.sort_column, again.panes.right.sort_ascending) == ("status_ref", False)
    again.start_again()
    assert again.step == "company"
    assert GuidedFlow(story, reports_dir=tmp_path, selection_store=store).step == "company"


def test_a_second_tabs_yes_on_the_same_selection_is_a_conflict(story: Any, tmp_path: Path) -> None:
    first = SynchronizeDialog(story.plan(["1002"]), lambda p: story.apply(p, reports_dir=tmp_path))
    second = SynchronizeDialog(story.plan(["1002"]), lambda p: story.apply(p, reports_dir=tmp_path))
    first.confirm()
    assert "Import completed: 1 inserted" in first.text
    second.confirm()  # the other tab's plan was made before the first import
    assert second.text.count("Conflict") == 1 and "nothing was written" in second.text.lower()
    assert "color:#a40000" in second.message.value


def test_a_headless_run_that_found_them_imported_already_says_so(story: Any, tmp_path: Path) -> None:
    class Replanned:  # what an archived run reports when its own plan found the clients in SMSTurbo already
        outcome, inserted, updated, run_id = "nothing-to-do", (), (), "R1"

    dialog = SynchronizeDialog(story.plan(["1002"]), lambda p: Replanned())
    dialog.confirm()
    assert dialog.text.startswith("Confirm import.") and "Conflict: 1 client was already in SMSTurbo" in dialog.text
