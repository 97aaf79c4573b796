"""The confirm step and "Import completed", through the real plan and import on SQLite databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smsync_widgets import SynchronizeDialog
from tests.support.data import read_table


def turbo_ids(wb: Any) -> set[str]:
    wb.refresh()
    return set(wb.smsturbo_customers()["customer_id"])


def test_confirm_shows_the_counts_and_the_import_lands(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1002", "1006"], replace=())
    done: list[Any] = []
    dialog = SynchronizeDialog(plan, lambda p: story.apply(p, reports_dir=tmp_path / "reports"), on_done=done.append)
    assert "2 new customers will be inserted into SMSTurbo." in dialog.text  # no "0 updated" without Replace Options
    assert "1002" in dialog.details.value
    assert "T900" not in dialog.details.value
    assert not {"1002", "1006"} & turbo_ids(story)
    dialog.yes_button.click()
    assert "Import completed: 2 inserted, 0 updated" in dialog.text
    result = done[0]
    assert result.outcome == "committed" and result.run_id in dialog.text
    assert f"the record {result.run_id}" in dialog.text and Path(result.record_dir).is_dir()
    assert str(tmp_path) not in dialog.text  # the record by its run id, never a folder of this machine
    assert {"1002", "1006"} <= turbo_ids(story)
    assert dialog.yes_button.disabled  # Yes imports once


def test_confirm_names_the_updates_and_the_replace_groups(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1005", "1002"], replace=("phones",))
    dialog = SynchronizeDialog(plan, lambda p: story.apply(p, reports_dir=tmp_path))
    assert "1 new customer will be inserted into SMSTurbo and 1 existing customer updated (replacing phone " \
           "numbers)." in dialog.text
    dialog.confirm()
    assert "Import completed: 1 inserted, 1 updated" in dialog.text
    rows = read_table(story.smsturbo_url.removeprefix("sqlite:///"), "Customer")
    assert ("1005", "217-555-0111") in {(row[0], row[7]) for row in rows}  # CustomerID, Phone


def test_no_imports_nothing(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1002"], replace=())
    cancelled: list[bool] = []
    dialog = SynchronizeDialog(
        plan, lambda p: story.apply(p, reports_dir=tmp_path), on_cancel=lambda: cancelled.append(True)
    )
    dialog.no_button.click()
    assert cancelled == [True] and "Nothing was imported." in dialog.text
    assert "1002" not in turbo_ids(story)


def test_skipped_clients_are_listed(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1002", "ab 12"], replace=())
    dialog = SynchronizeDialog(plan, lambda p: story.apply(p, reports_dir=tmp_path))
    assert "1 checked client will be skipped" in dialog.text
    assert "ab 12" in dialog.details.value


def test_a_failed_import_is_one_sentence(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1002"], replace=())

    def apply(_plan: Any) -> Any:
        raise OSError("disk full")

    dialog = SynchronizeDialog(plan, apply)
    dialog.confirm()
    assert "disk full" in dialog.text and "Traceback" not in dialog.message.value
    assert not dialog.no_button.disabled


def test_a_conflict_is_reported_and_nothing_is_written(story: Any, tmp_path: Path) -> None:
    plan = story.plan(["1002"], replace=())
    first = story.apply(story.plan(["1002"], replace=()), reports_dir=tmp_path / "first")
    assert first.outcome == "committed"
    dialog = SynchronizeDialog(plan, lambda p: story.apply(p, reports_dir=tmp_path / "second"))
    dialog.confirm()
    assert "Import completed" not in dialog.text
    assert dialog.result.outcome in {"conflict", "nothing-to-do"}
