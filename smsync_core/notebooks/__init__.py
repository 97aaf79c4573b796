"""Notebooks: papermill runs whose executed copies are the audit records, and the cells notebooks call.

- ``runner``: run a notebook into ``reports/`` (stage, execute, scrub secrets, render HTML, seal with a manifest).
- ``params``: a notebook's declared parameters, typed and checked; secrets passed through the environment.
- ``cells``: what the notebooks' short cells call (open the workbench, plan, import, worklists).
"""

from smsync_core.notebooks import cells
from smsync_core.notebooks.runner import NotebookRun, run_notebook

__all__ = ["NotebookRun", "cells", "run_notebook"]
