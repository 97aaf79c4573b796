"""``GuidedFlow``: a first-time migration, one question at a time, as in the source document.

Company → housekeeping → Set Up → "Do you want to see Missing Customers only?" → the two panes → confirm →
"Import completed". Every step is a plain ipywidgets layout; the state (workbench, answers, reconciliation,
plan, result) is kept here, server side. Each action is also a method, so notebooks and tests can drive it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from smsync_widgets import text
from smsync_widgets.confirm import SynchronizeDialog
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


def housekeeping_summary(findings: pd.DataFrame, examples: int = 5) -> pd.DataFrame:
    """Findings counted by rule, errors first, with a few Client Numbers and what to do."""
    columns = ["rule", "severity", "count", "examples", "what to do"]
    if findings is None or len(findings) == 0:
        return pd.DataFrame(columns=columns)
    ids = findings["customer_id"].astype("string").fillna("(empty)")
    grouped = findings.assign(customer_id=ids).groupby(["rule", "severity"], sort=False)
    out = grouped.agg(
        count=("customer_id", "size"), examples=("customer_id", lambda s: ", ".join(s.drop_duplicates().head(examples)))
    )
    out = out.reset_index()
    advice = findings.groupby("rule")["advice"].first() if "advice" in findings else pd.Series(dtype=str)
    out["what to do"] = out["rule"].map(advice).fillna("")  # the core's one text per rule
    out = out.sort_values(["severity", "count"], ascending=[True, False], kind="stable")
    return out[columns].reset_index(drop=True)


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
        apply: Callable[[Any], Any] | None = None,
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
        self.header = w.HTML("")
        self.body = w.VBox([])
        self.message = w.HTML("")
        super().__init__([self.header, self.body, self.message], **kwargs)
        self.add_class("smsync-flow")
        self.start()

    # -- plumbing ------------------------------------------------------------------------------------
    def _show(self, step: str, *children: w.Widget) -> None:
        self.step = step
        number = STEPS.index(step) + 1
        self.header.value = f'<h3 data-step="{step}">Step {number} of {len(STEPS)}: {html.escape(TITLES[step])}</h3>'
        self.body.children = list(children)
        self.say("")

    def say(self, message: str, *, error: bool = False) -> None:
        """One sentence under the current step (red for an error)."""
        color = "#a40000" if error else "inherit"
        self.message.value = (
            f'<p data-role="message" style="color:{color}">{html.escape(message)}</p>' if message else ""
        )

    def _attempt(self, action: Callable[[], Any]) -> bool:
        try:
            action()
        except Exception as exc:  # every failure is one sentence on the current step
            self.say(sentence(exc), error=True)
            return False
        return True

    # -- step 1: company -----------------------------------------------------------------------------
    def start(self) -> None:
        """Connect and ask the accountant to confirm the Sage 100 company."""
        self._attempt(self._company)

    def _company(self) -> None:
        retry = _button("Try again", self.start)
        self._show("company", w.HTML(f"<p>{text.COMPANY_PROMPT}.</p>"), _row(retry))
        if self.workbench is None:
            assert self._factory is not None
            self.workbench = self._factory()
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
                ]
            ),
        )

    def confirm_company(self) -> None:
        """The company is right: show the housekeeping findings."""
        self._attempt(self._housekeeping)

    # -- step 2: housekeeping ------------------------------------------------------------------------
    def _housekeeping(self) -> None:
        self.findings = self.workbench.check()
        table = housekeeping_summary(self.findings)
        if len(table):
            intro = (
                "<p>Review these in Sage 100 before you synchronize. Only bring over current customers: make a "
                "client inactive with Status 6 – do not accept contract again. Errors cannot be imported.</p>"
            )
            shown = table.to_html(index=False, escape=True, border=0, classes="smsync-housekeeping")
        else:
            intro, shown = "<p>No housekeeping findings: the client data is complete.</p>", ""
        self._show(
            "housekeeping",
            w.HTML(intro + shown),
            w.HBox([_button("Next", self.to_setup, "primary"), _button("Read again", self._recheck)]),
        )

    def _recheck(self) -> None:
        self.workbench.refresh()
        self.confirm_company()

    # -- step 3: set up ------------------------------------------------------------------------------
    def to_setup(self) -> None:
        """Show the Set Up screen (Replace Options; Save writes smsync.toml)."""
        if self.setup is None:
            self.setup = SetupScreen(self.workbench.config)
        self._show("setup", self.setup, _row(_button("Next", self.to_question, "primary")))

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
        self._show("question", w.HTML(f"<p><b>{text.MISSING_ONLY_QUESTION}</b></p>"), w.HBox([yes, no]), hint)

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
            self.to_panes()

        self._attempt(run)

    def to_panes(self) -> None:
        """Back to the panes (the selection is kept)."""
        assert self.panes is not None
        self._show("panes", self.panes, _row(_button("Back", self.to_question)))

    # -- steps 5 and 6: synchronize, confirm, done ---------------------------------------------------
    def synchronize(self, selected: frozenset[str]) -> None:
        """Plan the import of ``selected`` and show the confirm step (errors raise to the panes' message)."""
        self.plan = self.workbench.plan(sorted(selected), replace=self.replace_groups)
        self.dialog = SynchronizeDialog(self.plan, self._apply, on_done=self._done, on_cancel=self.to_panes)
        self._show("confirm", self.dialog)

    def _apply(self, plan: Any) -> Any:
        if self._apply_plan is not None:
            return self._apply_plan(plan)
        if self.reports_dir is None:
            return self.workbench.apply(plan)
        return self.workbench.apply(plan, reports_dir=self.reports_dir)

    def _done(self, result: Any) -> None:
        self.result = result
        self.body.children = [*self.body.children, _row(_button("Start again", self.start))]
