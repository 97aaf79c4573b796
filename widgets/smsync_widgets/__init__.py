"""smsync's ipywidgets layer: the Customer Sync panes, the confirm step, the Set Up screen and the guided flow.

Each pane is one widget whose rows are drawn in the browser (virtual scrolling) while the rows, the order and
the selection stay in Python, so the number of widget models does not grow with the number of customers.
Business rules come from ``smsync_core``; these widgets render and collect clicks.
"""

from __future__ import annotations

from smsync_widgets.completed import CompletionPanel
from smsync_widgets.confirm import SynchronizeDialog
from smsync_widgets.flow import GuidedFlow
from smsync_widgets.grid import PaneGrid
from smsync_widgets.panes import SyncPanes
from smsync_widgets.setup import SetupScreen

__all__ = ["CompletionPanel", "GuidedFlow", "PaneGrid", "SetupScreen", "SyncPanes", "SynchronizeDialog"]
