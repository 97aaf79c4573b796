"""``GuidedFlow``: a first-time migration, one question at a time, as in the source document.

Company → housekeeping → Set Up → "Do you want to see Missing Customers only?" → the two panes → confirm →
"Import completed" (what was imported, the record, Undo, Start again). Every step is a plain ipywidgets layout;
the state (workbench, answers, reconciliation, plan, result) is kept here, server side. Each action is also a
method, so notebooks and tests can drive it.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from smsync_core import schema
from smsync_core.apply.result import ApplyResult
from smsync_core.apply.undo import recorded_result
from smsync_core.outputs import blank_ids, write_xlsx
from smsync_core.validate import inactive_words
from smsync_widgets import text
from smsync_widgets.completed import CompletionPanel
from smsync_widgets.confirm import SynchronizeDialog, not_done
from smsync_widgets.grid import sentence
from smsync_widgets.panes import SyncPanes
from smsync_widgets.setup import SetupScreen

STEPS = ("company", "housekeeping", "setup", "question", "panes", "confirm")
TITLES = {
    "company": "Open the right company",
    "housekeeping": "Housekeeping",
    "setup": "Set Up",
    "question": "Missing Customers",
    "panes": "Customer Sync",
    "confirm": "Confirm import",
}


def _row(*buttons: w.Button) -> w.HBox:
    """Buttons on one line at their natural width (a bare button in a VBox stretches across the page)."""
    return w.HBox(list(buttons), layout=w.Layout(grid_gap="8px"))


def _button(description: str, action: Callable[[], Any], style: str = "") -> w.Button:
    button = w.Button(description=description, button_style=style, layout=w.Layout(width="auto"))
    button.on_click(lambda _b: action())
    return button


def database_label(value: object) -> str:
    """A database as the accountant knows it: the company database name, or a file's name."""
    label = str(value or "").removeprefix("file:").split("?", 1)[0]
    return Path(label.replace("\\", "/")).name if ("/" in label or "\\" in label) else label


#: The housekeeping table's columns, in words.
SUMMARY_COLUMNS = ["Finding", "Kind", "Clients", "For example", "What to do"]
NO_NUMBER = "(no Client Number)"


def housekeeping_summary(findings: pd.DataFrame, examples: int = 5) -> pd.DataFrame:
    """Findings counted by rule, errors first, with a few Client Numbers and what to do, in words."""
    if findings is None or len(findings) == 0:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    ids = findings["customer_id"].astype("string")
    ids = ids.where(ids.fillna("").str.strip() != "", NO_NUMBER)  # an empty Client Number is said, not blank
    grouped = findings.assign(customer_id=ids).groupby(["rule", "severity"], sort=False)
    out = grouped.agg(
        count=("customer_id", "size"), examples=("customer_id", lambda s: ", ".join(s.drop_duplicates().head(examples)))
    )
    out = out.reset_index()
    advice = findings.groupby("rule")["advice"].first() if "advice" in findings else pd.Series(dtype=str)
    out["what to do"] = out["rule"].map(advice).fillna("")  # the core's one text per rule
    out = out.sort_values(["severity", "count"], ascending=[True, False], kind="stable")
    out["rule"] = out["rule"].map(lambda r: schema.RULE_TITLES.get(str(r), str(r)))
    out["severity"] = out["severity"].map({"error": "Error: cannot be imported", "warning": "Warning"})
    return out.rename(columns={"rule": "Finding", "severity": "Kind", "count": "Clients", "examples": "For example",
                               "what to do": "What to do"})[SUMMARY_COLUMNS].reset_index(drop=True)


def download_link(label: str, name: str, data: bytes, mime: str, role: str) -> str:
    """An HTML link that saves ``data`` as ``name`` (the file travels inside the link: small worklists only)."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<a class="smsync-download-link" data-role="{role}" download="{html.escape(name)}" '
            f'href="data:{mime};base64,{encoded}">{html.escape(label)}</a>')


def worklist_xlsx(findings: pd.DataFrame, sage: pd.DataFrame) -> bytes:
    """Every housekeeping finding, one row per client and finding, as an Excel workbook (formula-safe)."""
    names = sage.drop_duplicates("row").set_index("row")["name"] if "row" in sage else None
    frame = pd.DataFrame(
        {
            "Client Number": blank_ids(findings["customer_id"].astype("string")),
            "Name": findings["row"].map(names).astype("string") if names is not None else "",
            "Finding": findings["rule"].map(lambda r: schema.RULE_TITLES.get(str(r), str(r))),
            "Kind": findings["severity"].map({"error": "Error", "warning": "Warning"}),
            "What to fix": findings["message"].astype("string"),
        }
    )
    buffer = io.BytesIO()
    write_xlsx({"Fix in Sage 100": frame}, buffer, headings={c: c for c in frame.columns})
    return buffer.getvalue()


class GuidedFlow(w.VBox):  # type: ignore[misc]
    """The guided Customer Sync for accountants.

    Parameters
    ----------
    workbench
        A workbench (``smsync_core.connect(...)``) or a function returning one (called when the flow starts).
    reports_dir
        Where the import's record is written (default ``./reports``).
    selection_store
        Optional ``smsync_core.app.selections.SelectionStore``: the panes' checked IDs survive a page reload.
    apply
        What Yes on the confirm step runs with the plan (default ``workbench.apply``). The reconcile notebook
        passes a function that runs the notebook headless, so an interactive import is archived like any other.
    """

    def __init__(
        self,
        workbench: Any | Callable[[], Any],
        *,
        reports_dir: str | Path | None = None,
        selection_store: Any = None,
        apply: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.selection_store = selection_store
        self._apply_plan = apply
        self._factory: Callable[[], Any] | None = None if hasattr(workbench, "reconcile") else workbench
        self.workbench: Any = None if self._factory else workbench
        self.reports_dir = reports_dir
        self.step = ""
        self.info: dict[str, Any] = {}
        self.findings: pd.DataFrame | None = None
        self.setup: SetupScreen | None = None
        self.replace_groups: tuple[str, ...] = ()
        self.missing_only: bool | None = None
        self.reconciliation: Any = None
        self.panes: SyncPanes | None = None
        self.plan: Any = None
        self.dialog: SynchronizeDialog | None = None
        self.result: Any = None
        self.undo_result: Any = None  # the completed step's undo, once the accountant said Yes to it
        self.completion: CompletionPanel | None = None
        self.names: pd.Series | None = None  # client names by Client Number, for the confirm and completed lists
        self.header = w.HTML("")
        self.body = w.VBox([])
        self.message = w.HTML("")
        # shown with any failure: the connection settings are one click away, whatever step failed
        self.recovery = w.HBox([], layout=w.Layout(grid_gap="8px"))
        self._resume: dict[str, Any] | None = None
        super().__init__([self.header, self.body, self.message, self.recovery], **kwargs)
        self.add_class("smsync-flow")
        self.start(resume=True)

    # -- plumbing ------------------------------------------------------------------------------------
    def _show(self, step: str, *children: w.Widget) -> None:
        self.step = step
        number = STEPS.index(step) + 1
        self.header.value = f'<h3 data-step="{step}">Step {number} of {len(STEPS)}: {html.escape(TITLES[step])}</h3>'
        self.body.children = list(children)
        self.say("")
        self._remember()

    def say(self, message: str, *, error: bool = False) -> None:
        """One sentence under the current step (red for an error, with the way to the connection settings)."""
        color = "#a40000" if error else "inherit"
        self.message.value = (
            f'<p data-role="message" style="color:{color}">{html.escape(message)}</p>' if message else ""
        )
        self.recovery.children = (
            [_button("Connection settings", self.to_setup), _button("Try again", self.start)] if error else []
        )

    def _attempt(self, action: Callable[[], Any]) -> bool:
        try:
            action()
        except Exception as exc:  # every failure is one sentence on the current step
            self.say(sentence(exc), error=True)
            return False
        return True

    # -- where the accountant was (a page reload comes back to the same step, answer and sort) --------
    def _flow_slot(self) -> Any:
        store, wb = self.selection_store, self.workbench
        if store is None or wb is None or not hasattr(store, "flow_slot"):
            return None
        return store.flow_slot(wb.sage_url, wb.smsturbo_url)

    def _remember(self) -> None:
        slot = self._flow_slot()
        if slot is None or self._resume is not None:  # nothing to keep, or still coming back to a step
            return
        state: dict[str, Any] = {"step": self.step, "missing_only": self.missing_only}
        if self.panes is not None and self.panes.right.state.sort_column:
            state["sort"] = [self.panes.right.state.sort_column, self.panes.right.state.ascending]
        if self.step == "completed" and self.result is not None:  # the run's record has the rest (no password)
            state["run_id"] = str(getattr(self.result, "run_id", "") or "")
            state["outcome"] = str(getattr(self.result, "outcome", "") or "")
            state["missed"] = list(self.completion.missed) if self.completion is not None else []
            if self.undo_result is not None:
                state["undo_run_id"] = str(getattr(self.undo_result, "run_id", "") or "")
        try:
            slot.save(state)
        except Exception:  # a comfort only: the flow works without it
            return

    def _come_back(self) -> None:
        """After a reload: go on to the step the accountant was at (the confirm step comes back as the panes)."""
        state = self._resume or {}
        step = state.get("step")
        if step == "completed":
            self._attempt(lambda: self._come_back_completed(state))
            return
        if step not in ("housekeeping", "setup", "question", "panes", "confirm") or not self.confirm_company():
            return
        if step == "setup":
            self.to_setup()
        elif step == "question":
            self.to_question()
        elif step in ("panes", "confirm") and isinstance(state.get("missing_only"), bool):
            self.answer(bool(state["missing_only"]))
            sort = state.get("sort")
            if self.panes is not None and isinstance(sort, list) and len(sort) == 2:
                self._attempt(lambda: self.panes.sort_by(str(sort[0]), bool(sort[1])))  # type: ignore[union-attr]

    def _come_back_completed(self, state: dict[str, Any]) -> None:
        """The completed step as it was, rebuilt from the run's record (and its undo's, if it was undone)."""
        run_id, undo_id = str(state.get("run_id") or ""), str(state.get("undo_run_id") or "")
        result = recorded_result(run_id, self._reports()) if run_id else None
        if result is None and state.get("outcome") == "nothing-to-do":  # such a run leaves no record
            result = ApplyResult(run_id, "nothing-to-do", (), (), pd.DataFrame(columns=["customer_id", "reason"]),
                                 None)
        if result is None:  # the record is gone: the accountant starts from step 1
            return
        if isinstance(state.get("missing_only"), bool):
            self.missing_only = bool(state["missing_only"])
        clients = self.workbench.sage_clients()
        self.names = clients.drop_duplicates("customer_id").set_index("customer_id")["name"]
        missed = [str(cid) for cid in state.get("missed") or ()]
        self._done(result, missed=missed)
        undone = recorded_result(undo_id, self._reports()) if undo_id else None
        if undone is not None and self.completion is not None:
            self.undo_result = self.completion.undo_result = undone
            self.completion.show_undo(undone)

    def _reports(self) -> Path:
        """Where the records are (``reports_dir``, else ``./reports``)."""
        return Path(self.reports_dir) if self.reports_dir is not None else Path("reports")

    # -- step 1: company -----------------------------------------------------------------------------
    def start(self, resume: bool = False) -> None:
        """Connect and ask the accountant to confirm the Sage 100 company (``resume``: then go on to the step
        a reload interrupted)."""
        self._resume = {} if resume else None  # while coming back, the steps passed through are not stored
        try:
            if self._attempt(self._company) and resume:
                slot = self._flow_slot()
                try:
                    self._resume = (slot.load() if slot is not None else None) or {}
                except Exception:
                    self._resume = {}
                self._come_back()
        finally:
            self._resume = None
        self._remember()

    def _company(self, refresh: bool = True) -> None:
        retry = _button("Try again", self.start)
        self._show("company", w.HTML(f"<p>{text.COMPANY_PROMPT}.</p>"), _row(retry))
        if self.workbench is None:
            assert self._factory is not None
            self.workbench = self._factory()
        if refresh:
            self.workbench.refresh()
        self.info = self.workbench.describe()
        sage = html.escape(database_label(self.info.get("sage_database") or self.info.get("sage", "")))
        clients = int(self.info.get("sage_clients", 0))
        lines = f"<p><b>{text.COMPANY_PROMPT}.</b></p><p>Sage 100 company: <b data-role='sage-database'>{sage}</b>, "
        lines += f"<span data-role='client-count'>{clients:,}</span> clients.</p>"
        if "smsturbo_database" in self.info:
            target = html.escape(database_label(self.info["smsturbo_database"]))
            lines += f"<p>SMSTurbo: <b>{target}</b>, {int(self.info.get('smsturbo_customers', 0)):,} customers.</p>"
        self._show(
            "company",
            w.HTML(lines),
            w.HBox(
                [
                    _button("This is the right company", self.confirm_company, "primary"),
                    _button("Read again", self.start),
                    _button("Connection settings", self.to_setup),
                ],
                layout=w.Layout(grid_gap="8px"),
            ),
        )

    def back_to_company(self) -> None:
        """Back to step 1 without reading the databases again."""
        self._attempt(lambda: self._company(refresh=False))

    def confirm_company(self) -> bool:
        """The company is right: show the housekeeping findings."""
        return self._attempt(self._housekeeping)

    # -- step 2: housekeeping ------------------------------------------------------------------------
    def _housekeeping(self) -> None:
        self.findings = self.workbench.check()
        table = housekeeping_summary(self.findings)
        if len(table):
            how = html.escape(inactive_words(self.workbench.company_config()))  # the company's own status names
            intro = (
                "<p>Review these in Sage 100 before you synchronize. Only bring over current customers: make a "
                f"client inactive with {how}. Errors cannot be imported.</p>"
            )
            shown = table.to_html(index=False, escape=True, border=0, classes="smsync-housekeeping")
            data = worklist_xlsx(self.findings, self.workbench.sage_clients())
            shown += "<p>" + download_link(
                f"Download the full worklist ({len(self.findings):,} findings) as Excel", "fix-in-sage-100.xlsx",
                data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "worklist-download",
            ) + "</p>"
        else:
            intro, shown = "<p>No housekeeping findings: the client data is complete.</p>", ""
        self._show(
            "housekeeping",
            w.HTML(text.TABLE_STYLE + intro + shown),
            _row(
                _button("Back", self.back_to_company),
                _button("Next", self.to_setup, "primary"),
                _button("Read again", self._recheck),
            ),
        )

    def back_to_housekeeping(self) -> None:
        """Back to step 2 (the findings as read)."""
        self._attempt(self._housekeeping)

    def _recheck(self) -> None:
        self.workbench.refresh()
        self.confirm_company()

    # -- step 3: set up ------------------------------------------------------------------------------
    def to_setup(self) -> None:
        """Show the Set Up screen (Replace Options and the connections; Save writes smsync.toml).

        Reachable from every failure: a wrong Sage URL is put right here, and Next connects again.
        """
        if self.setup is None:
            self.setup = SetupScreen(self.workbench.config if self.workbench is not None else None)
        back = _button("Back", self.back_to_housekeeping if self.findings is not None else self.start)
        self._show("setup", self.setup, _row(back, _button("Next", self.leave_setup, "primary")))

    def leave_setup(self) -> None:
        """Next on Set Up: with other connections, connect again and confirm the company; else the question."""
        assert self.setup is not None
        self.replace_groups = self.setup.replace_groups

        def changed() -> bool:
            assert self.setup is not None
            sage, target = self.setup.connection_urls()
            wb = self.workbench
            if sage is None or (wb is not None and (sage, target or wb.smsturbo_url) ==
                                (wb.sage_url, wb.smsturbo_url)):
                return False
            from smsync_core import connect

            self.workbench = connect(sage, target or (wb.smsturbo_url if wb is not None else None),
                                     self.setup.current())
            owner = getattr(self._apply_plan, "__self__", None)  # e.g. ArchivedSync.apply: import into the new pair
            if owner is not None and hasattr(owner, "workbench"):
                owner.workbench = self.workbench
            self.findings, self.reconciliation, self.panes = None, None, None
            return True

        try:
            reconnect = changed()
        except Exception as exc:
            self.say(sentence(exc), error=True)
            return
        if reconnect or self.findings is None:
            self.start()
        else:
            self.to_question()

    # -- step 4: question ----------------------------------------------------------------------------
    def to_question(self) -> None:
        """Ask "Do you want to see Missing Customers only?"."""
        if self.setup is not None:
            self.replace_groups = self.setup.replace_groups
        yes = _button("Yes", lambda: self.answer(True), "primary")
        no = _button("No", lambda: self.answer(False))
        hint = w.HTML(
            "<p><small>No also lists customers on both sides whose data differs; with Replace Options checked they "
            "can be updated in SMSTurbo. SMSTurbo customers are never exported to Sage 100.</small></p>"
        )
        back = _button("Back", self.to_setup)
        self._show("question", w.HTML(f"<p><b>{text.MISSING_ONLY_QUESTION}</b></p>"), _row(yes, no, back), hint)

    def answer(self, missing_only: bool) -> None:
        """Reconcile with the answer and show the two panes."""
        self.missing_only = missing_only

        def run() -> None:
            self.reconciliation = self.workbench.reconcile(missing_only=missing_only)
            slot = None
            if self.selection_store is not None:  # keyed by both databases and the mode
                wb = self.workbench
                slot = self.selection_store.slot(wb.sage_url, wb.smsturbo_url, self.reconciliation.mode)
            self.panes = SyncPanes(self.reconciliation, on_synchronize=self.synchronize, selection_store=slot)
            self.panes.right.observe(lambda _change: self._remember(), names=["sort_column", "sort_ascending"])
            self.to_panes()

        self._attempt(run)

    def to_panes(self) -> None:
        """Back to the panes (the selection is kept)."""
        assert self.panes is not None
        self._show("panes", self.panes, _row(_button("Back", self.to_question)))

    # -- steps 5 and 6: synchronize, confirm, done ---------------------------------------------------
    def synchronize(self, selected: frozenset[str]) -> None:
        """Plan the import of ``selected`` and show the confirm step (errors raise to the panes' message)."""
        # the plan comes from the reconciliation the panes show: the accountant's own Missing-only answer
        self.plan = self.workbench.plan(
            sorted(selected), replace=self.replace_groups, missing_only=self.missing_only is not False
        )
        names = None
        if self.panes is not None:
            right = self.panes.right.state.frame
            names = right.drop_duplicates("customer_id").set_index("customer_id")["name"]
        self.names = names
        self.dialog = SynchronizeDialog(
            self.plan, self._apply, on_done=self._done, on_cancel=self.to_panes, names=names
        )
        self._show("confirm", self.dialog)

    def _apply(self, plan: Any, progress: Callable[[int, int], None] | None = None) -> Any:
        if self._apply_plan is not None:
            if progress is not None and "progress" in inspect.signature(self._apply_plan).parameters:
                return self._apply_plan(plan, progress=progress)
            return self._apply_plan(plan)
        options: dict[str, Any] = {"progress": progress}
        if self.reports_dir is not None:
            options["reports_dir"] = self.reports_dir
        return self.workbench.apply(plan, **options)

    def _done(self, result: Any, missed: list[str] | None = None) -> None:
        """The import finished (or stopped): the last step says what it did, with its record, Undo, Start again.

        ``missed``: given when the step is rebuilt after a reload (no plan, no confirm dialog then)."""
        self.result, self.undo_result = result, None
        panel = CompletionPanel(
            result, undo=self.undo, on_start_again=self.start_again, on_back=self.read_panes_again,
            names=self.names, missed=not_done(self.plan, result) if missed is None else missed,
            extra=[self.dialog.progress_row] if self.dialog is not None and missed is None else [],
        )
        self.completion = panel
        self.step = "completed"
        self._heading(panel.heading)
        panel.observe(lambda change: self._heading(change["new"]), names="heading")
        self.body.children = [panel]
        self.say("")
        self._remember()

    def _heading(self, title: str) -> None:
        self.header.value = f'<h3 data-step="completed">{html.escape(title)}</h3>'

    def undo(self, run_id: str) -> Any:
        """Reverse the import ``run_id`` where SMSTurbo still holds what it wrote (a run of its own, recorded)."""
        self.undo_result = self.workbench.undo(run_id, reports_dir=self._reports())
        self._remember()  # a reload shows what the undo did, and no Undo again
        return self.undo_result

    def read_panes_again(self) -> None:
        """Back to the panes after a conflict or a failure, both databases read again (the checks kept)."""
        self._attempt(self.workbench.refresh)
        self.answer(self.missing_only is not False)

    def start_again(self) -> None:
        """From the first step, databases read again (after an import: the panes show what is left)."""
        self.missing_only, self.panes = None, None
        self.start()
