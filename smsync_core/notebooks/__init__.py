"""Notebooks: papermill runs whose executed copies are the audit records, and the cells notebooks call.

- ``runner``: run a notebook into ``reports/`` (stage, execute, scrub secrets, render HTML, seal with a manifest).
- ``params``: a notebook's declared parameters, typed and checked; secrets passed through the environment.
- ``cells``: what the notebooks' short cells call (open the workbench, plan, import, worklists).
"""

from typing import TYPE_CHECKING, Any

from smsync_core.notebooks.runner import NotebookRun, run_notebook

if TYPE_CHECKING:
    from smsync_core.notebooks import cells

__all__ = ["NotebookRun", "cells", "run_notebook"]


def __getattr__(name: str) -> Any:
    """``cells`` (the workbench, pandas and all) is imported when a notebook asks for it, not by ``smsync run``."""
    if name == "cells":
        import importlib

        return importlib.import_module("smsync_core.notebooks.cells")
    raise AttributeError(f"module 'smsync_core.notebooks' has no attribute {name!r}")
