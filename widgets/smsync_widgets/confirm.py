"""``SynchronizeDialog``: the confirm-import step, then "Import completed" with where the record is.

It shows a plan (``wb.plan(selected_ids, replace=groups)``) and, on Yes, calls the import (``wb.apply(plan)``):
the same path as ``smsync sync``. Errors appear as one sentence, never a traceback.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sized
from typing import Any, Protocol

import ipywidgets as w
import pandas as pd

from smsync_widgets.grid import sentence

#: Changes listed under the summary before "and N more" (the full list is ``plan.to_frame()``).
PREVIEW_ROWS = 20


class PlanLike(Protocol):
    """What the dialog reads from ``smsync_core.plan.Plan``."""

    insert_ids: tuple[str, ...]
    update_ids: tuple[str, ...]
    replace_groups: tuple[str, ...]
    skipped: pd.DataFrame

    def to_frame(self) -> pd.DataFrame: ...


def count(value: Any) -> int:
    """A result count given as a number or as the list of IDs."""
    return len(value) if isinstance(value, Sized) and not isinstance(value, str) else int(value)


def plural(n: int, one: str, many: str) -> str:
    """``1 new customer``, ``2 new customers``."""
    return f"{n:,} {one if n == 1 else many}"


def summary(plan: PlanLike) -> str:
    """One line: what Yes will do."""
    new, updated = len(plan.insert_ids), len(plan.update_ids)
    groups = ", ".join(plan.replace_groups)
    replace = f" (replacing {groups})" if groups else ""
    line = (
        f"{plural(new, 'new customer', 'new customers')} will be inserted into SMSTurbo and "
        f"{plural(updated, 'existing customer', 'existing customers')} updated{replace}."
    )
    skipped = len(plan.skipped) if plan.skipped is not None else 0
    if skipped:
        line += f" {plural(skipped, 'checked client', 'checked clients')} will be skipped (see below)."
    return line


def completed(result: Any) -> str:
    """The sentence after the import: "Import completed: N inserted, M updated", and where the record is."""
    run = f" (run {result.run_id})" if getattr(result, "run_id", None) else ""
    message = getattr(result, "message", None)
    if callable(message):  # smsync_core's ApplyResult says it in the same words as the command line
        said = str(message()).rstrip(".")
        return said + ("" if not run or str(result.run_id) in said else run) + "."
    where = f"; record in {result.record_dir}{run}" if getattr(result, "record_dir", None) else run
    outcome = str(getattr(result, "outcome", "committed"))
    if outcome == "nothing-to-do":
        return f"Nothing to import: SMSTurbo already holds every selected change{where}."
    if outcome != "committed":
        return f"The import did not complete ({outcome}); nothing was written{where}."
    return f"Import completed: {count(result.inserted):,} inserted, {count(result.updated):,} updated{where}."


def succeeded(result: Any) -> bool:
    """True when the run did its job (committed or nothing to do)."""
    return str(getattr(result, "outcome", "committed")) in {"committed", "nothing-to-do", "dry-run"}


def _table(frame: pd.DataFrame, limit: int = PREVIEW_ROWS) -> str:
    more = len(frame) - limit
    shown = frame.head(limit).astype(object)
    shown = shown.where(shown.notna(), "")  # an empty value shows blank, not "None"
    rendered = shown.to_html(index=False, escape=True, border=0, classes="smsync-changes")
    return rendered + (f"<div>… and {more:,} more.</div>" if more > 0 else "")


class SynchronizeDialog(w.VBox):  # type: ignore[misc]
    """Confirm import: what will happen, Yes / No, then the outcome.

    Parameters
    ----------
    plan
        The dry run to confirm.
    apply
        Runs the import (``wb.apply``); returns a result with ``run_id``, ``outcome``, ``inserted``,
        ``updated`` and ``record_dir``.
    on_done, on_cancel
        Called after a finished import (with the result) or after No.
    """

    def __init__(
        self,
        plan: PlanLike,
        apply: Callable[[Any], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.plan = plan
        self._apply = apply
        self.on_done = on_done
        self.on_cancel = on_cancel
        self.result: Any = None
        self.summary = w.HTML(f'<p data-role="confirm-summary"><b>Confirm import.</b> {html.escape(summary(plan))}</p>')
        details = ""
        if plan.skipped is not None and len(plan.skipped):
            details += "<p>Skipped:</p>" + _table(plan.skipped)
        changes = plan.to_frame()
        if len(changes):
            details += "<p>Changes:</p>" + _table(changes)
        # the changes scroll in their own box, so the summary and Yes / No stay on screen together
        self.details = w.HTML(details, layout=w.Layout(max_height="320px", overflow="auto"))
        self.yes_button = w.Button(description="Yes", button_style="success", tooltip="Import now")
        self.no_button = w.Button(description="No", tooltip="Go back without importing")
        self.yes_button.on_click(lambda _b: self.confirm())
        self.no_button.on_click(lambda _b: self.cancel())
        self.message = w.HTML("")
        nothing = not (plan.insert_ids or plan.update_ids)
        self.yes_button.disabled = nothing
        if nothing:
            self._say("Nothing to import: no checked client would change SMSTurbo.")
        super().__init__(
            [self.summary, w.HBox([self.yes_button, self.no_button]), self.message, self.details], **kwargs
        )
        self.add_class("smsync-confirm")

    def _say(self, message: str, *, error: bool = False) -> None:
        color = "#a40000" if error else "inherit"
        self.message.value = f'<p data-role="message" style="color:{color}">{html.escape(message)}</p>'

    def confirm(self) -> Any:
        """Yes: run the import once; show "Import completed" or the error sentence."""
        self.yes_button.disabled = self.no_button.disabled = True
        self._say("Importing…")
        try:
            self.result = self._apply(self.plan)
        except Exception as exc:  # one sentence for the accountant; logged for analysts
            self._say(sentence(exc), error=True)
            self.no_button.disabled = False
            return None
        if not succeeded(self.result):
            self._say(completed(self.result), error=True)
            self.no_button.disabled = False
            return self.result
        # committed, but its record could not be finished: said in red, with what to run
        self._say(completed(self.result), error=bool(getattr(self.result, "record_unfinished", False)))
        if self.on_done is not None:
            self.on_done(self.result)
        return self.result

    def cancel(self) -> None:
        """No: nothing is imported."""
        self._say("Nothing was imported.")
        self.yes_button.disabled = True
        if self.on_cancel is not None:
            self.on_cancel()

    @property
    def text(self) -> str:
        """What the dialog says now, as plain text (for tests and logs)."""
        raw = " ".join([self.summary.value, self.message.value])
        return html.unescape(re.sub(r"<[^>]+>", "", raw)).strip()
