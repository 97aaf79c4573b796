"""``SyncPanes``: the Customer Sync screen's two panes side by side, with the Synchronize button.

Left: SMSTurbo customers not in Sage 100 (never selectable). Right: Sage 100 clients not in SMSTurbo and, in
all-differences mode, clients whose fields differ (highlighted). Each pane is one :class:`PaneGrid` widget, so
the number of widget models is the same for 10 rows or 1,000,000.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import ipywidgets as w
import numpy as np
import pandas as pd

from smsync_core.errors import UsageError
from smsync_widgets import text
from smsync_widgets.grid import PaneGrid, sentence

NOTHING_CHECKED = "Nothing is checked; check the clients to import, then press Synchronize."


class PaneSource(Protocol):
    """What the panes need from a reconciliation (``smsync_core.reconcile.Reconciliation``)."""

    mode: str

    def left_pane(self) -> pd.DataFrame: ...

    def right_pane(self) -> pd.DataFrame: ...


class SelectionSlot(Protocol):
    """Where the checked IDs survive a page reload (``smsync_core.app.selections.SelectionSlot``)."""

    def load(self) -> frozenset[str] | None: ...

    def save(self, customer_ids: Iterable[str]) -> None: ...


class SyncPanes(w.VBox):  # type: ignore[misc]
    """The two panes; the selection (right pane) is kept in Python.

    Parameters
    ----------
    reconciliation
        A ``Reconciliation`` (anything with ``left_pane()`` and ``right_pane()``).
    on_synchronize
        Called with the frozenset of checked customer_ids when Synchronize is pressed.
    start_checked
        Start with the eligible rows checked (inactive and error rows always start unchecked).
    selection_store
        Optional: the checked IDs are loaded from it (instead of ``start_checked``) and saved on every change.
    """

    def __init__(
        self,
        reconciliation: PaneSource,
        *,
        on_synchronize: Callable[[frozenset[str]], None] | None = None,
        start_checked: bool = False,
        selection_store: SelectionSlot | None = None,
        **kwargs: Any,
    ) -> None:
        self.reconciliation = reconciliation
        self.on_synchronize = on_synchronize
        all_mode = getattr(reconciliation, "mode", "missing-only") == "all"
        left_title = text.LEFT_TITLE_ALL if all_mode else text.LEFT_TITLE
        right_title = text.RIGHT_TITLE_ALL if all_mode else text.RIGHT_TITLE
        self.left = PaneGrid(
            reconciliation.left_pane(), pane="left", selectable=False, title=left_title, note=text.LEFT_NOTE
        )
        self.right = PaneGrid(
            reconciliation.right_pane(),
            pane="right",
            selectable=True,
            start_checked=start_checked,
            title=right_title,
            note=text.RIGHT_NOTE,
            check_all_note=text.CHECK_ALL_NOTE,
        )
        self.note = w.HTML(f'<div class="smsync-note" data-role="left-note">{text.LEFT_NOTE}</div>')
        left_box = w.VBox(
            [w.HTML(f'<b data-role="left-title">{left_title}</b>'), self.note, self.left],
            layout=w.Layout(flex="1 1 0", min_width="0"),
        )
        hint = w.HTML(f'<div class="smsync-note smsync-hint" data-role="right-note">{text.RIGHT_NOTE}</div>')
        right_box = w.VBox(  # a note above each pane, so the two grids line up
            [w.HTML(f'<b data-role="right-title">{right_title}</b>'), hint, self.right],
            layout=w.Layout(flex="1 1 0", min_width="0"),
        )
        self.synchronize_button = w.Button(
            description="Synchronize", button_style="primary", icon="exchange", tooltip="Import the checked clients"
        )
        self.synchronize_button.on_click(lambda _button: self.synchronize())
        self.message = w.HTML("")
        super().__init__(
            [
                w.HBox([left_box, right_box], layout=w.Layout(width="100%", grid_gap="12px")),
                w.HBox([self.synchronize_button, self.message], layout=w.Layout(align_items="center", grid_gap="12px")),
            ],
            **kwargs,
        )
        self.add_class("smsync-panes")
        self.right.observe(lambda _change: self._forget_nothing_checked(), names="checked_count")
        self.selection_store = selection_store
        self._stored: np.ndarray | None = None
        if selection_store is not None:
            self._restore_selection(selection_store)
            self.right.observe(lambda _change: self._store_selection(), names="version")

    # -- selection store (app mode: the checked clients survive a page reload) -------------------------
    def _restore_selection(self, store: SelectionSlot) -> None:
        stored = store.load()
        state = self.right.state
        if stored is not None:
            ids = state.frame["customer_id"].isin(list(stored)).to_numpy(dtype=bool, na_value=False)
            state.checked[:] = ids & state.selectable
            self.right._publish()
        self._stored = state.checked.copy()

    def _store_selection(self) -> None:
        checked = self.right.state.checked
        if self.selection_store is None or (self._stored is not None and np.array_equal(checked, self._stored)):
            return
        self._stored = checked.copy()
        try:
            self.selection_store.save(self.selected)
        except Exception as exc:  # the selection still works in this page; say why it will not survive a reload
            self.show_message(sentence(exc), error=True)

    # -- the documented API --------------------------------------------------------------------------
    @property
    def selected(self) -> frozenset[str]:
        """The customer_ids checked in the right pane."""
        return self.right.state.selected

    def check_all(self) -> None:
        """Check exactly the eligible rows among those shown in the right pane."""
        self.right.check_all()

    def uncheck_all(self) -> None:
        """Uncheck the rows shown in the right pane (those the filter hides keep their state)."""
        self.right.uncheck_all()

    def set_checked(self, customer_id: str, checked: bool = True) -> None:
        """Check or uncheck one client; an error row or a left-pane customer raises a clear ``UsageError``."""
        if len(self.right.state.rows_of(customer_id)) == 0 and len(self.left.state.rows_of(customer_id)) > 0:
            raise UsageError(
                f"Customer {customer_id!r} is only in SMSTurbo: export of SMSTurbo customers to Sage 100 is not "
                "supported, so enter it in Sage 100 by hand."
            )
        self.right.set_checked(customer_id, checked)

    def sort_by(self, column: str, ascending: bool = True) -> None:
        """Sort both panes by a column (a pane without that column keeps its order)."""
        for grid in (self.right, self.left):
            if column in grid.state.frame or grid is self.right:
                grid.sort_by(column, ascending)

    def filter(self, query: str) -> None:
        """Show only the rows containing ``query`` in both panes (the selection is kept)."""
        self.right.filter(query)
        self.left.filter(query)

    @property
    def counts(self) -> str:
        """The right pane's counts as shown: ``N shown · M checked``."""
        counts = f"{self.right.shown_count:,} shown · {self.right.checked_count:,} checked"
        hidden = self.right.hidden_checked_count
        return counts + (f" ({hidden:,} of them hidden by the filter)" if hidden else "")

    def _forget_nothing_checked(self) -> None:
        """A "Nothing is checked" sentence goes once something is checked (it would be stale)."""
        if self.right.checked_count and NOTHING_CHECKED in self.message.value:
            self.show_message("")

    def synchronize(self) -> None:
        """The Synchronize button: hand the selection to ``on_synchronize``; errors become one sentence."""
        selection = self.selected
        if not selection:
            self.show_message(NOTHING_CHECKED)
            return
        if self.on_synchronize is None:
            self.show_message(f"{len(selection):,} clients are checked.")
            return
        try:
            self.on_synchronize(selection)
        except Exception as exc:  # shown to the user as a sentence, logged for analysts
            self.show_message(sentence(exc), error=True)
        else:
            self.show_message("")

    def show_message(self, message: str, *, error: bool = False) -> None:
        """One sentence beside the Synchronize button (escaped; red for errors)."""
        color = "#a40000" if error else "inherit"
        self.message.value = (
            f'<span data-role="message" style="color:{color}">{html.escape(message)}</span>' if message else ""
        )
