"""``SynchronizeDialog``: the confirm-import step, then "Import completed" with where the record is.

It shows a plan (``wb.plan(selected_ids, replace=groups)``) and, on Yes, calls the import (``wb.apply(plan)``):
the same path as ``smsync sync``. Errors appear as one sentence, never a traceback.
"""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Callable, Sized
from typing import Any, Protocol

import ipywidgets as w
import pandas as pd

from smsync_widgets import text
from smsync_widgets.grid import sentence

#: Customers (and field-level rows) listed before "and N more" (the full list is ``plan.to_frame()``).
PREVIEW_ROWS = 200
#: The customer list's columns.
CUSTOMER_COLUMNS = ["Client Number", "Name", "What happens", "Changes (SMSTurbo now → from Sage 100)"]


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
    """One line, totals first: what Yes will do."""
    new, updated = len(plan.insert_ids), len(plan.update_ids)
    groups = ", ".join(text.REPLACE_LABELS.get(g, g).split(" (")[0].lower() for g in plan.replace_groups)
    replace = f" (replacing {groups})" if groups and updated else ""
    parts = [f"{plural(new, 'new customer', 'new customers')} will be inserted into SMSTurbo"]
    if updated or plan.replace_groups:
        parts.append(f"{plural(updated, 'existing customer', 'existing customers')} updated{replace}")
    line = " and ".join(parts) + "."
    skipped = len(plan.skipped) if plan.skipped is not None else 0
    if skipped:
        line += f" {plural(skipped, 'checked client', 'checked clients')} will be skipped (see why below)."
    return line


def _field_label(field: Any) -> str:
    return text.label(str(field))


def customer_list(plan: PlanLike, names: pd.Series | None = None) -> pd.DataFrame:
    """One row per customer: Client Number, name, new / update / skipped, and for updates what changes."""
    name_of = (lambda ids: ids.map(names).astype(object)) if names is not None else (lambda ids: "")
    rows = []
    inserts = getattr(plan, "inserts", None)
    id_column = getattr(plan, "id_column", None)
    if plan.insert_ids:
        ids = pd.Series(list(plan.insert_ids), dtype=object)
        name_column = {f: c for c, f in (getattr(plan, "field_names", None) or {}).items()}.get("name")
        if inserts is not None and name_column in getattr(inserts, "columns", ()) and id_column in inserts:
            shown = inserts[name_column].astype(object).to_numpy()
        else:
            shown = name_of(ids)
        rows.append(pd.DataFrame({"Client Number": ids, "Name": shown, "What happens": "New customer",
                                  CUSTOMER_COLUMNS[3]: ""}))
    updates = getattr(plan, "updates", None)
    if plan.update_ids and updates is not None and len(updates):
        detail = updates.assign(
            said=updates["field"].map(_field_label) + ": " + updates["before"].fillna("(blank)").astype(str)
            + " → " + updates["after"].fillna("(blank)").astype(str)
        )
        said = detail.groupby("customer_id", sort=False)["said"].agg("; ".join)
        ids = pd.Series(list(plan.update_ids), dtype=object)
        rows.append(pd.DataFrame({"Client Number": ids, "Name": name_of(ids), "What happens": "Update",
                                  CUSTOMER_COLUMNS[3]: ids.map(said).fillna("")}))
    if plan.skipped is not None and len(plan.skipped):
        ids = plan.skipped["customer_id"].astype(object)
        rows.append(pd.DataFrame({"Client Number": ids, "Name": name_of(ids),
                                  "What happens": "Skipped: " + plan.skipped["reason"].astype(str),
                                  CUSTOMER_COLUMNS[3]: ""}))
    if not rows:
        return pd.DataFrame(columns=CUSTOMER_COLUMNS)
    frame = pd.concat(rows, ignore_index=True)
    return frame.where(frame.notna(), "")


def field_detail(plan: PlanLike) -> pd.DataFrame:
    """Field by field, in words: the mapped fields of each new customer and the changed fields of each update
    (the columns SMSTurbo's template ``ZZDEFAULT`` fills are said once, not on every row)."""
    changes = plan.to_frame()
    if not len(changes):
        return pd.DataFrame(columns=["Client Number", "What happens", "Field", "Now in SMSTurbo", "From Sage 100"])
    names = getattr(plan, "field_names", None) or {}
    mapped = changes["column"].isin(list(names)) | (changes["action"] != "insert")
    changes = changes[mapped]
    return pd.DataFrame(
        {
            "Client Number": changes["customer_id"].to_numpy(dtype=object),
            "What happens": changes["action"].map({"insert": "New customer", "update": "Update"}).to_numpy(),
            "Field": changes["field"].map(_field_label).to_numpy(dtype=object),
            "Now in SMSTurbo": changes["before"].to_numpy(dtype=object),
            "From Sage 100": changes["after"].to_numpy(dtype=object),
        }
    )


def not_done(plan: PlanLike, result: Any) -> list[str]:
    """The confirmed new customers the import did not insert (another import, e.g. in another tab, got there
    first: the import found them in SMSTurbo already)."""
    inserted = getattr(result, "inserted", ())
    if not isinstance(inserted, tuple | list | set | frozenset):
        return []
    done = {str(cid) for cid in inserted}
    return [cid for cid in plan.insert_ids if cid not in done]


def completed(result: Any) -> str:
    """The sentence after the import: "Import completed: N inserted, M updated", and the record by its run id (never
    a folder of this machine)."""
    run_id = getattr(result, "run_id", None)
    where = f"; the record {run_id}" if run_id and getattr(result, "record_dir", None) else \
        (f" (run {run_id})" if run_id else "")
    if getattr(result, "record_unfinished", False):
        return text.without_paths(str(result.message()))  # the record's words name its folders
    outcome = str(getattr(result, "outcome", "committed"))
    if outcome == "nothing-to-do":
        return f"Nothing to import: SMSTurbo already holds every selected change{where}."
    if outcome == "conflict":
        return (f"Conflict: SMSTurbo changed since this list was made (another import or a change by hand), so "
                f"nothing was written{where}. Go back to the panes: they are read again.")
    if outcome != "committed":
        return f"The import did not complete ({outcome}); nothing was written{where}."
    return f"Import completed: {count(result.inserted):,} inserted, {count(result.updated):,} updated{where}."


def succeeded(result: Any) -> bool:
    """True when the run did its job (committed or nothing to do)."""
    return str(getattr(result, "outcome", "committed")) in {"committed", "nothing-to-do", "dry-run"}


def _table(frame: pd.DataFrame, limit: int = PREVIEW_ROWS, classes: str = "smsync-changes") -> str:
    more = len(frame) - limit
    shown = frame.head(limit).astype(object)
    shown = shown.where(shown.notna(), "")  # an empty value shows blank, not "None"
    rendered = shown.to_html(index=False, escape=True, border=0, classes=classes)
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
        apply: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        names: pd.Series | None = None,
        **kwargs: Any,
    ) -> None:
        self.plan = plan
        self._apply = apply
        self.on_done = on_done
        self.on_cancel = on_cancel
        self.result: Any = None
        self.summary = w.HTML(f'<p data-role="confirm-summary"><b>Confirm import.</b> {html.escape(summary(plan))}</p>')
        customers = customer_list(plan, names)
        # the customers scroll in their own box, so the summary and Yes / No stay on screen together
        self.details = w.HTML(
            text.TABLE_STYLE + _table(customers, classes="smsync-changes smsync-customers") if len(customers) else "",
            layout=w.Layout(max_height="45vh", overflow="auto"),
        )
        self.fields = w.HTML("", layout=w.Layout(max_height="45vh", overflow="auto"))
        self.fields_button = w.Button(description="Show field by field", tooltip="Every field each import writes",
                                      layout=w.Layout(width="auto"))
        self.fields_button.on_click(lambda _b: self.toggle_fields())
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="40%", display="none"))
        self.progress_text = w.HTML("")
        self.progress_row = w.HBox([self.progress, self.progress_text],
                                   layout=w.Layout(grid_gap="8px", align_items="center"))
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
            [
                self.summary,
                w.HBox([self.yes_button, self.no_button, self.fields_button], layout=w.Layout(grid_gap="8px")),
                self.progress_row,
                self.message,
                self.details,
                self.fields,
            ],
            **kwargs,
        )
        self.add_class("smsync-confirm")

    def _say(self, message: str, *, error: bool = False) -> None:
        color = "#a40000" if error else "inherit"
        self.message.value = f'<p data-role="message" style="color:{color}">{html.escape(message)}</p>'

    def toggle_fields(self) -> None:
        """Show or hide the field-level detail (every field the import writes, before and after)."""
        if self.fields.value:
            self.fields.value, self.fields_button.description = "", "Show field by field"
            return
        detail = field_detail(self.plan)
        note = "<p><small>Other SMSTurbo columns of new customers are copied from the template customer " \
               "ZZDEFAULT.</small></p>" if self.plan.insert_ids else ""
        self.fields.value = note + _table(detail, classes="smsync-changes smsync-fields")
        self.fields_button.description = "Hide field by field"

    def show_progress(self, written: int, total: int) -> None:
        """Rows written of the total, while the import runs."""
        self.progress.layout.display = ""
        self.progress.max = max(1, int(total))
        self.progress.value = min(int(written), self.progress.max)
        self.progress_text.value = (
            f'<span data-role="progress">{int(written):,} of {int(total):,} customers written</span>'
        )

    def confirm(self) -> Any:
        """Yes: run the import once, showing its progress; show "Import completed" or the error sentence."""
        self.yes_button.disabled = self.no_button.disabled = True
        self._say("Importing…")
        total = len(self.plan.insert_ids) + len(self.plan.update_ids)
        self.show_progress(0, total)
        try:
            if "progress" in inspect.signature(self._apply).parameters:
                self.result = self._apply(self.plan, progress=self.show_progress)
            else:
                self.result = self._apply(self.plan)
        except Exception as exc:  # one sentence for the accountant; logged for analysts
            self._say(sentence(exc), error=True)
            self.no_button.disabled = False
            return None
        if not succeeded(self.result):
            self._say(completed(self.result), error=True)
            self.no_button.disabled = False
            if self.on_done is not None:  # the guided flow shows the conflict or failure on its last step
                self.on_done(self.result)
            return self.result
        self.show_progress(total, total)
        missed = not_done(self.plan, self.result)
        if missed:
            self._say(
                f"Conflict: {plural(len(missed), 'client was', 'clients were')} already in SMSTurbo when the import "
                f"ran (another import, perhaps in another tab, brought them over), so not imported again: "
                f"{', '.join(missed[:10])}{' …' if len(missed) > 10 else ''}. "
                + (completed(self.result) if count(getattr(self.result, "inserted", ())) or count(
                    getattr(self.result, "updated", ())) else "Nothing was written."),
                error=True,
            )
        else:  # committed, but its record could not be finished: said in red, with what to run
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
