"""Where the browser tests write, the viewport, and their (generous, bounded) time limits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "reconcile.ipynb"
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
#: Starting a server (Python imports, Voila/Jupyter start-up) on a slow CI machine, in seconds.
START_TIMEOUT = 90.0
#: A page's first kernel: start it and execute the notebook.
KERNEL_TIMEOUT_MS = 120_000
#: One click answered by the kernel.
CLICK_TIMEOUT_MS = 30_000
#: Synchronize's archived import: a headless papermill run of the notebook.
IMPORT_TIMEOUT_MS = 180_000
