"""SyncPanes through its Python state, as the browser would drive it (no browser needed)."""

from __future__ import annotations

from typing import Any

import pytest
from ipywidgets.widgets import widget as widget_module

from smsync_core.errors import ConflictError, SmsyncError, UsageError
from smsync_widgets import SyncPanes
from smsync_widgets.text import LEFT_NOTE

from .conftest import ELIGIBLE_NEW


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


def test_check_all_takes_exactly_the_eligible_rows(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    assert panes.selected == frozenset()
    panes.check_all()
    assert panes.selected == ELIGIBLE_NEW
    assert panes.counts == "6 shown · 2 checked"


def test_check_all_takes_only_the_visible_rows(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    panes.filter("baker")
    assert panes.right.shown_count == 1
    panes.check_all()
    assert panes.selected == {"1002"}
    panes.filter("")
    panes.check_all()
    assert panes.selected == ELIGIBLE_NEW


def test_all_differences_mode_lists_and_highlights_differing_clients(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=False))
    rows = {row["id"]: row for row in panes.right.window(0, 100)}
    assert rows["1005"]["kind"] == "update"
    assert rows["1005"]["diff"] == ["phone"]
    differs = [c for c in panes.right.columns if c["key"] == "differs"]  # the differing fields, headed in words
    assert differs and differs[0]["label"] == "Differs in"
    assert rows["1005"]["cells"][[c["key"] for c in panes.right.columns].index("differs")] == "Phone"
    left = ids(panes.left.window(0, 100))
    assert {"T900", "T901", "1005"} <= set(left)
    panes.check_all()
    assert panes.selected == ELIGIBLE_NEW | {"1005"}


@pytest.mark.parametrize("bad", ["ab 12", "1008"])
def test_error_rows_can_never_be_selected(story: Any, bad: str) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True), start_checked=True)
    with pytest.raises(UsageError, match="cannot be checked"):
        panes.set_checked(bad, True)
    error_rows = [row for row in panes.right.window(0, 100) if row["id"] == bad]
    assert error_rows and all(r["error"] and not r["selectable"] and r["why"] for r in error_rows)
    for row in error_rows:  # a click in the browser is refused with one sentence
        panes.right.handle_message({"type": "toggle", "row": row["row"]})
        assert "cannot be checked" in panes.right.message
    panes.check_all()
    assert bad not in panes.selected


def test_left_pane_rows_can_never_be_selected(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    assert LEFT_NOTE in panes.note.value
    assert not panes.left.selectable
    with pytest.raises(SmsyncError, match="Sage 100 by hand"):
        panes.set_checked("T900", True)
    row = panes.left.window(0, 10)[0]
    assert not row["selectable"]
    panes.left.handle_message({"type": "toggle", "row": row["row"]})
    panes.left.handle_message({"type": "check_all"})
    assert panes.left.state.selected == frozenset()
    assert "T900" not in panes.selected


def test_unknown_customer_is_a_clear_error(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    with pytest.raises(UsageError, match="not in this pane"):
        panes.set_checked("NOPE", True)


def test_inactive_rows_start_unchecked_and_can_be_checked_by_hand(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True), start_checked=True)
    assert panes.selected == ELIGIBLE_NEW
    julie = next(row for row in panes.right.window(0, 100) if row["id"] == "1003")
    assert julie["inactive"] and not julie["checked"] and julie["selectable"]
    panes.set_checked("1003", True)
    assert "1003" in panes.selected
    panes.set_checked("1003", False)
    panes.right.handle_message({"type": "toggle", "row": julie["row"]})  # a click does the same
    assert "1003" in panes.selected


def test_sorting_and_filtering_keep_the_selection(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    panes.check_all()
    panes.set_checked("1003", True)
    before = panes.selected
    panes.sort_by("status_ref", ascending=False)
    panes.filter("julie")
    assert panes.right.shown_count == 1
    panes.right.handle_message({"type": "sort", "column": "name", "ascending": True})
    panes.filter("")
    assert panes.selected == before
    assert panes.counts == "6 shown · 3 checked"


def test_the_window_after_a_sort_is_reordered(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    version = panes.right.version
    before = panes.right.handle_message({"type": "window", "start": 0, "stop": 50, "seq": 1})
    assert before is not None and before["type"] == "rows" and before["seq"] == 1
    panes.right.handle_message({"type": "sort", "column": "name", "ascending": False})
    assert panes.right.version > version  # every view is told to fetch its window again
    assert panes.right.sort_column == "name" and not panes.right.sort_ascending
    after = panes.right.handle_message({"type": "window", "start": 0, "stop": 50, "seq": 2})
    assert after is not None
    names = [row["cells"][1] for row in after["rows"]]
    assert names == sorted(names, key=str.lower, reverse=True)
    assert ids(after["rows"]) != ids(before["rows"])
    # "Client Status Ref": the inactive client (status 6) groups at the end, as the source document says.
    panes.sort_by("status_ref")
    rows = panes.right.window(0, 50)
    assert [r["inactive"] for r in rows] == sorted(r["inactive"] for r in rows)
    assert rows[-1]["id"] == "1003"


def test_a_window_is_only_the_rows_asked_for(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    rows = panes.right.window(2, 4)
    assert [r["index"] for r in rows] == [2, 3]
    assert panes.right.window(100, 200) == []


def test_synchronize_passes_exactly_the_selection(story: Any) -> None:
    received: list[frozenset[str]] = []
    panes = SyncPanes(story.reconcile(missing_only=True), on_synchronize=received.append)
    panes.check_all()
    panes.set_checked("1006", False)
    panes.set_checked("1003", True)
    panes.synchronize_button.click()
    assert received == [frozenset({"1002", "1003"})]


def test_synchronize_with_nothing_checked_says_so(story: Any) -> None:
    received: list[frozenset[str]] = []
    panes = SyncPanes(story.reconcile(missing_only=True), on_synchronize=received.append)
    panes.synchronize_button.click()
    assert received == []
    assert "Nothing is checked" in panes.message.value


def test_a_failed_synchronize_is_one_sentence_not_a_traceback(story: Any) -> None:
    def fail(_selected: frozenset[str]) -> None:
        raise ConflictError("SMSTurbo changed since the plan was made; nothing was written, reconcile again.")

    panes = SyncPanes(story.reconcile(missing_only=True), on_synchronize=fail)
    panes.check_all()
    panes.synchronize()
    assert "nothing was written, reconcile again." in panes.message.value
    assert "Traceback" not in panes.message.value

    def crash(_selected: frozenset[str]) -> None:
        raise RuntimeError("boom\nsecond line")

    panes.on_synchronize = crash
    panes.synchronize()
    assert "boom" in panes.message.value and "second line" not in panes.message.value


def test_widget_models_do_not_grow_with_the_rows(big_story: Any) -> None:
    created = []
    for n in (10, 10_000):
        rec = big_story(n).reconcile(missing_only=True)
        before = len(widget_module._instances)
        panes = SyncPanes(rec)
        created.append(len(widget_module._instances) - before)
        assert panes.right.total_count == n
        panes.check_all()
        assert panes.right.checked_count == n - n // 10
    assert created[0] == created[1] < 40


def test_typing_on_and_back_in_the_filter(story: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    shown = []
    for query in ("du", "dup", "dup t", "du", "", "CHICAGO"):
        panes.filter(query)
        shown.append(sorted(row["cells"][1] for row in panes.right.window(0, 100)))
    assert shown[0] == ["Dunn Roofing", "Dup One", "Dup Two"]
    assert shown[1] == ["Dup One", "Dup Two"]
    assert shown[2] == ["Dup Two"]
    assert shown[3] == shown[0]  # backspacing searches every row again
    assert len(shown[4]) == 6
    assert shown[5] == ["Baker Plumbing"]  # any shown column, any case


def test_every_rule_has_advice_for_the_accountant() -> None:
    from smsync_core import schema
    from smsync_core.config import Config
    from smsync_core.validate import rule_advice
    from smsync_widgets import text

    assert not hasattr(text, "RULE_ADVICE")  # one text per rule, the core's
    assert set(rule_advice(Config())) == set(schema.RULES)
