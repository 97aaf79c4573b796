"""Where the browser tests write, the viewport, and their (generous, bounded) time limits."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "reconcile.ipynb"
#: The README's screenshots are refreshed with ``SMSYNC_SCREENSHOTS=docs/screenshots make test``; by default the tests
#: write them under ``build/`` so a test run leaves the working tree clean (the completed page shows a new run id).
SCREENSHOTS = ROOT / os.environ.get("SMSYNC_SCREENSHOTS", "build/screenshots")
VIEWPORT = {"width": 1280, "height": 800}
#: Starting a server (Python imports, Voila/Jupyter start-up) on a slow CI machine, in seconds.
START_TIMEOUT = 90.0
#: A page's first kernel: start it and execute the notebook.
KERNEL_TIMEOUT_MS = 120_000
#: One click answered by the kernel.
CLICK_TIMEOUT_MS = 30_000
#: Synchronize's archived import: a headless papermill run of the notebook.
IMPORT_TIMEOUT_MS = 180_000
