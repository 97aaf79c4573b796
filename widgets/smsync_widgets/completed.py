"""``CompletionPanel``: the guided flow's last step, "Import completed", with the record, Undo and Start again.

It shows what a finished import did (inserted, updated, skipped: counts first, the customers one click away), the
run's record (its id, which ``smsync undo`` takes too, linked to the record's HTML where ``smsync app`` serves it),
**Undo** with its own confirm (the undo is a run of its own, with its own record), and **Start again**. An import
that stopped (a conflict, a failure) or whose record could not be finished is said here too, in red. No message
names a folder of this machine: a record is named by its run id.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
import traitlets

from smsync_core.app.records import record_href
from smsync_widgets import text
from smsync_widgets.confirm import count, plural
from smsync_widgets.grid import sentence
from smsync_widgets.text import without_paths

#: Customers listed on the page before "and N more" (the record lists every one).
LIST_ROWS = 500
#: Outside ``smsync app`` the record's page travels inside a download link up to this size (bytes).
DOWNLOAD_LIMIT = 5_000_000
RED = "#a40000"
HEADINGS = {
    "completed": "Import completed",
    "record-unfinished": "Import committed, but its record is not finished",
    "conflict": "Nothing imported: SMSTurbo changed",
    "nothing-to-do": "Nothing to import",
    "failed": "The import did not complete",
    "undone": "Import undone",
    "undo-partial": "Import partly undone",
    "undo-nothing": "Nothing undone",
    "undo-record-unfinished": "Import undone, but the undo's record is not finished",
}


def skipped_of(result: Any) -> pd.DataFrame:
    """The clients the import left out, with the reason (``customer_id``, ``reason``), from either kind of result."""
    run = getattr(result, "notebook_run", None)
    rows = getattr(run, "skipped", None) if run is not None else getattr(result, "skipped", None)
    if isinstance(rows, pd.DataFrame):
        return rows[["customer_id", "reason"]].astype(object)
    return pd.DataFrame(list(rows or ()), columns=["customer_id", "reason"]).astype(object)


def record_pages(result: Any) -> tuple[Path | None, Path | None]:
    """The record's HTML page and its PDF, where the record has them."""
    folder = getattr(result, "record_dir", None)
    if folder is None or not Path(folder).is_dir():
        return None, None
    found = [next(iter(sorted(Path(folder).glob(f"*.{kind}"))), None) for kind in ("html", "pdf")]
    return found[0], found[1]


def record_line(result: Any, what: str = "import") -> str:
    """Where the record of ``result`` is: its run id, linked to its page (opens in a new tab), and its PDF."""
    run_id = html.escape(str(getattr(result, "run_id", "") or ""))
    page, pdf = record_pages(result)
    if not run_id or getattr(result, "record_dir", None) is None:
        return ""
    link = record_href(page.parent, page.name) if page is not None else None
    if link is not None:
        named = (f'<a data-role="record-link" href="{html.escape(link)}" target="_blank" rel="noopener" '
                 f'class="smsync-download-link">{run_id}</a>')
        pdf_link = record_href(pdf.parent, pdf.name) if pdf is not None else None
        extra = " (opens in a new tab" + (f'; also as <a data-role="record-pdf" href="{html.escape(pdf_link)}" '
                                          f'target="_blank" rel="noopener" class="smsync-download-link">PDF</a>'
                                          if pdf_link else "") + ")"
    elif page is not None and page.stat().st_size <= DOWNLOAD_LIMIT:  # e.g. in JupyterLab: the page as a download
        data = base64.b64encode(page.read_bytes()).decode("ascii")
        named = (f'<a data-role="record-link" download="{run_id}.html" href="data:text/html;base64,{data}" '
                 f'class="smsync-download-link">{run_id}</a>')
        extra = " (download its page)"
    else:
        named, extra = f'<b data-role="record-id">{run_id}</b>', " (in the reports folder)"
    return f'<p data-role="record">Everything this {what} did is in the record {named}{extra}.</p>'


def _names(ids: pd.Series, names: pd.Series | None) -> Any:
    return ids.map(names).astype(object) if names is not None else ""


def customers_table(result: Any, names: pd.Series | None = None) -> pd.DataFrame:
    """One row per customer of the import: inserted, updated or skipped (and why)."""
    parts = []
    for ids, said in ((getattr(result, "inserted", ()), "New customer"), (getattr(result, "updated", ()), "Updated")):
        if count(ids):
            series = pd.Series(list(ids), dtype=object)
            parts.append(pd.DataFrame({"Client Number": series, "Name": _names(series, names), "What happened": said}))
    skipped = skipped_of(result)
    if len(skipped):
        series = skipped["customer_id"].astype(object)
        parts.append(pd.DataFrame({"Client Number": series, "Name": _names(series, names),
                                   "What happened": "Skipped: " + skipped["reason"].astype(str)}))
    if not parts:
        return pd.DataFrame(columns=["Client Number", "Name", "What happened"])
    frame = pd.concat(parts, ignore_index=True)
    return frame.where(frame.notna(), "")


def left_alone_table(conflicts: pd.DataFrame | None, expected: str = "The import wrote") -> pd.DataFrame:
    """The customers an undo (or an import) left alone because SMSTurbo changed them since, field by field
    (``expected``: the heading of the value the run expected to find)."""
    if conflicts is None or not len(conflicts):
        return pd.DataFrame(columns=["Client Number", "Field", expected, "Now in SMSTurbo", "Why"])
    frame = pd.DataFrame(
        {
            "Client Number": conflicts["customer_id"].astype(object).to_numpy(),
            "Field": conflicts["field"].map(lambda f: text.label(str(f)) if isinstance(f, str) else "").to_numpy(),
            expected: conflicts["planned_before"].astype(object).to_numpy(),
            "Now in SMSTurbo": conflicts["current"].astype(object).to_numpy(),
            "Why": conflicts["reason"].astype(object).to_numpy(),
        }
    )
    return frame.where(frame.notna(), "(blank)")


def _table(frame: pd.DataFrame, role: str) -> str:
    shown = frame.head(LIST_ROWS)
    rendered = shown.to_html(index=False, escape=True, border=0, classes=f"smsync-changes smsync-{role}")
    more = len(frame) - len(shown)
    return rendered + (f"<div>… and {more:,} more; the record lists every one.</div>" if more > 0 else "")


def _ids(values: Sequence[str], limit: int = 10) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:limit]) + (" …" if len(values) > limit else "")


def state_of(result: Any, missed: Sequence[str] = ()) -> str:
    """Which of the panel's states a finished import is in."""
    outcome = str(getattr(result, "outcome", "committed"))
    written = count(getattr(result, "inserted", ())) + count(getattr(result, "updated", ()))
    if outcome == "committed" and getattr(result, "record_unfinished", False):
        return "record-unfinished"
    if outcome == "conflict" or (missed and not written):
        return "conflict"
    if outcome in ("committed", "nothing-to-do", "failed"):
        return "completed" if outcome == "committed" else outcome
    return "failed"


class CompletionPanel(w.VBox):  # type: ignore[misc]
    """What a finished import did, its record, Undo (with its own Yes / No) and Start again.

    Parameters
    ----------
    result
        The import's result (``ApplyResult``, or the reconcile notebook's ``ArchivedImport``).
    undo
        Reverses a run by its id (``wb.undo``); None: no Undo.
    on_start_again, on_back
        Start again (step 1, read again); back to the panes, read again (after a conflict or a failure).
    names
        Client names by Client Number, for the lists.
    missed
        Confirmed new customers the import found in SMSTurbo already (another tab's import got there first).
    extra
        Widgets shown under the summary (the import's finished progress bar).
    """

    heading = traitlets.Unicode("").tag(sync=False)

    def __init__(
        self,
        result: Any,
        *,
        undo: Callable[[str], Any] | None = None,
        on_start_again: Callable[[], None] | None = None,
        on_back: Callable[[], None] | None = None,
        names: pd.Series | None = None,
        missed: Sequence[str] = (),
        extra: Sequence[w.Widget] = (),
        **kwargs: Any,
    ) -> None:
        self.result = result
        self.undo_result: Any = None
        self._undo = undo
        self._names = names
        self.missed = list(missed)
        self.state = state_of(result, self.missed)
        self.summary = w.HTML("")
        self.record = w.HTML("")
        self.message = w.HTML("")
        self.lists = w.HTML("", layout=w.Layout(max_height="45vh", overflow="auto"))
        self.lists_button = self._button("Show the customers", self.toggle_lists)
        self.undo_button = self._button("Undo", self.ask_undo, tooltip="Reverse this import in SMSTurbo")
        self.start_button = self._button("Start again", on_start_again or (lambda: None), "primary",
                                         tooltip="Back to the first step; both databases are read again")
        self.back_button = self._button("Back to the panes", on_back or (lambda: None),
                                        tooltip="The panes, read again")
        self.undo_question = w.HTML("")
        self.undo_yes = self._button("Yes", self.confirm_undo, "danger", tooltip="Undo the import now")
        self.undo_no = self._button("No", self.cancel_undo, tooltip="Keep the import")
        self.undo_box = w.HBox([self.undo_question, self.undo_yes, self.undo_no],
                               layout=w.Layout(grid_gap="8px", align_items="center", display="none"))
        self.buttons = w.HBox([], layout=w.Layout(grid_gap="8px"))
        super().__init__([self.summary, *extra, self.record, self.buttons, self.undo_box, self.message, self.lists],
                         **kwargs)
        self.add_class("smsync-completed")
        self._show_import(on_back is not None)

    @staticmethod
    def _button(description: str, action: Callable[[], Any], style: str = "", tooltip: str = "") -> w.Button:
        button = w.Button(description=description, button_style=style, tooltip=tooltip,
                          layout=w.Layout(width="auto"))
        button.on_click(lambda _b: action())
        return button

    # -- the import --------------------------------------------------------------------------------------------
    @property
    def undoable(self) -> int:
        """How many customers Undo would reverse (0: no Undo)."""
        if self._undo is None or self.state not in ("completed", "record-unfinished"):
            return 0
        return count(getattr(self.result, "inserted", ())) + count(getattr(self.result, "updated", ()))

    def _show_import(self, can_go_back: bool) -> None:
        result, state = self.result, self.state
        self.heading = HEADINGS[state]
        inserted, updated = count(getattr(result, "inserted", ())), count(getattr(result, "updated", ()))
        skipped = len(skipped_of(result))
        counts = (f"{plural(inserted, 'new customer', 'new customers')} inserted into SMSTurbo, {updated:,} updated, "
                  f"{plural(skipped, 'checked client', 'checked clients')} skipped.")
        error = without_paths(str(getattr(result, "error", None) or "").rstrip(". "))
        if state == "completed":
            said, red = counts, False
            if self.missed:
                said += (f" {plural(len(self.missed), 'client was', 'clients were')} already in SMSTurbo when the "
                         f"import ran (another import brought them over), so not imported again: {_ids(self.missed)}.")
        elif state == "record-unfinished":
            said, red = f"The import was committed in SMSTurbo ({counts.rstrip('.')}), but its record could not be " \
                        f"finished: {error}.", True
        elif state == "conflict" and self.missed:
            said, red = (f"Conflict: {plural(len(self.missed), 'client was', 'clients were')} already in SMSTurbo "
                         f"when the import ran (another import, perhaps in another tab, brought them over), so not "
                         f"imported again: {_ids(self.missed)}. Nothing was written."), True
        elif state == "conflict":
            said, red = ("Conflict: SMSTurbo changed since this list was made (another import or a change by hand), "
                         "so nothing was written. Go back to the panes: they are read again."), True
        elif state == "nothing-to-do":
            said, red = "Nothing to import: SMSTurbo already holds every selected change.", False
        else:
            said, red = f"The import did not complete and nothing was written{': ' + error if error else ''}.", True
        self.summary.value = self._paragraph(said, "completed-summary", red)
        self.record.value = text.TABLE_STYLE + record_line(result)  # the style makes the links look like links
        shown = customers_table(result, self._names)
        conflicts = getattr(result, "conflicts", None)
        self._lists = [("customers", shown)] if len(shown) else []
        if state == "conflict" and isinstance(conflicts, pd.DataFrame) and len(conflicts):
            self._lists.append(("left-alone", left_alone_table(conflicts, "When the list was made")))
        self.lists_button.description = f"Show the customers ({len(shown):,})" if len(shown) else "Show what changed"
        buttons = [self.lists_button] if self._lists else []
        if self.undoable:
            buttons.append(self.undo_button)
        if state in ("conflict", "failed") and can_go_back:
            buttons.append(self.back_button)
        self.buttons.children = [*buttons, self.start_button]

    @staticmethod
    def _paragraph(said: str, role: str, red: bool = False) -> str:
        color = f' style="color:{RED}"' if red else ""
        return f'<p data-role="{role}"{color}>{html.escape(said)}</p>'

    def toggle_lists(self) -> None:
        """Show or hide the customers the import inserted, updated and skipped (and what undo left alone)."""
        if self.lists.value:
            self.lists.value = ""
            self.lists_button.description = self.lists_button.description.replace("Hide", "Show", 1)
            return
        left = "Left alone: changed in SMSTurbo since the import" if self.undo_result is not None else \
            "Changed in SMSTurbo since the list was made"
        titles = {"customers": "", "left-alone": f"<p><b>{left}</b></p>"}
        self.lists.value = text.TABLE_STYLE + "".join(titles[role] + _table(frame, role) for role, frame in self._lists)
        self.lists_button.description = self.lists_button.description.replace("Show", "Hide", 1)

    # -- undo --------------------------------------------------------------------------------------------------
    def ask_undo(self) -> None:
        """Undo: ask first ("Undo the import of N customers?")."""
        n = self.undoable
        if not n:
            return
        self.undo_question.value = (
            f'<span data-role="undo-question"><b>Undo the import of {plural(n, "customer", "customers")}?</b> '
            "The new customers are removed from SMSTurbo and updated ones get their earlier values back; a customer "
            "changed in SMSTurbo since is left alone.</span>"
        )
        self.undo_box.layout.display = ""
        self.undo_button.disabled = True
        self.message.value = ""

    def cancel_undo(self) -> None:
        """No: the import stays."""
        self.undo_box.layout.display = "none"
        self.undo_button.disabled = False
        self.message.value = self._paragraph("Nothing was undone.", "message")

    def confirm_undo(self) -> Any:
        """Yes: reverse the import (a run of its own, recorded), then say what was reversed and what was left."""
        if self._undo is None or not self.undoable:
            return None
        self.undo_yes.disabled = self.undo_no.disabled = True
        self.message.value = self._paragraph("Undoing…", "message")
        try:
            outcome = self._undo(str(self.result.run_id))
        except Exception as exc:  # one sentence, and Undo stays available
            self.message.value = self._paragraph(without_paths(sentence(exc)), "message", red=True)
            self.undo_box.layout.display = "none"
            self.undo_button.disabled = self.undo_yes.disabled = self.undo_no.disabled = False
            return None
        self.undo_result = outcome
        self.show_undo(outcome)
        return outcome

    def show_undo(self, result: Any) -> None:
        """Say what the undo ``result`` reversed and what it left alone (also when a reload rebuilds the panel)."""
        removed, restored = count(getattr(result, "deleted", ())), count(getattr(result, "updated", ()))
        put_back = count(getattr(result, "inserted", ()))
        conflicts = getattr(result, "conflicts", None)
        left = conflicts if isinstance(conflicts, pd.DataFrame) else pd.DataFrame()
        left_ids = list(dict.fromkeys(left["customer_id"].astype(str))) if len(left) else []
        outcome = str(getattr(result, "outcome", ""))
        parts = [f"{plural(removed, 'new customer', 'new customers')} removed from SMSTurbo"] \
            if removed or not restored else []
        if restored:
            parts.append(f"{plural(restored, 'updated customer', 'updated customers')} given "
                         f"{'its' if restored == 1 else 'their'} earlier values back")
        if put_back:
            parts.append(f"{plural(put_back, 'customer', 'customers')} put back")
        reversed_words = ", ".join(parts)
        left_words = (f" Left alone because {'it' if len(left_ids) == 1 else 'they'} changed in SMSTurbo since the "
                      f"import: {_ids(left_ids)} (see the list).") if left_ids else ""
        red = False
        if outcome == "committed" and getattr(result, "record_unfinished", False):
            error = without_paths(str(getattr(result, "error", "") or "").rstrip(". "))
            said, state, red = (f"The undo was committed in SMSTurbo ({reversed_words}), but its record could not "
                                f"be finished: {error}."), "undo-record-unfinished", True
        elif outcome == "committed":
            said, state = f"Undo completed: {reversed_words}.{left_words}", "undo-partial" if left_ids else "undone"
        elif outcome == "conflict":
            said, state = f"Nothing was undone: every customer of the import changed in SMSTurbo since.{left_words}", \
                "undo-nothing"
        elif outcome == "nothing-to-do":
            said, state = "Nothing to undo: SMSTurbo already holds what it held before the import.", "undo-nothing"
        else:
            error = without_paths(str(getattr(result, "error", "") or "").rstrip(". "))
            said, state, red = f"The undo failed and nothing was changed{': ' + error if error else ''}.", \
                "undo-nothing", True
        self.state = state
        self.heading = HEADINGS[state]
        self.undo_box.layout.display = "none"
        self.message.value = self._paragraph(said, "undo-summary", red) + record_line(result, "undo")
        if left_ids:
            kept = [(role, frame) for role, frame in self._lists if role != "left-alone"]
            self._lists = [*kept, ("left-alone", left_alone_table(left))]
            self.lists.value = ""
            self.lists_button.description = "Show the customers and what was left alone"
        self.buttons.children = [b for b in self.buttons.children if b is not self.undo_button]
        if left_ids and self.lists_button not in self.buttons.children:
            self.buttons.children = [self.lists_button, *self.buttons.children]

    @property
    def text(self) -> str:
        """What the panel says now, as plain text (for tests and logs)."""
        raw = " ".join([self.heading, self.summary.value, self.record.value, self.undo_question.value
                        if self.undo_box.layout.display != "none" else "", self.message.value])
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", raw))).strip()
