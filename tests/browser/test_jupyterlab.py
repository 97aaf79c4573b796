"""The reconcile notebook opened and run in JupyterLab (Chromium): the panes render in its output, a click on a
checkbox changes the kernel's selection, and a click on a header sorts the rows.

The kernel-side effects are observed where the kernel leaves them: the counts label is drawn from the kernel's
traits (``checked_count``), and the selection store file is written by the kernel on every change.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import pages
from tests.browser.conftest import Server
from tests.browser.limits import KERNEL_TIMEOUT_MS
from tests.support.browser import expect

pytestmark = pytest.mark.browser


def run_all_cells(page: Any) -> None:
    """JupyterLab's Run All Cells command (the Run menu's), once the notebook's kernel is ready."""
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.status === 'idle'); }",
        timeout=KERNEL_TIMEOUT_MS,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def test_notebook_runs_in_jupyterlab_and_the_panes_answer_clicks(lab_server: Server, page_1280: Any) -> None:
    page = page_1280
    page.goto(lab_server.url)
    notebook = page.locator(".jp-NotebookPanel")
    expect(notebook).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    run_all_cells(page)
    pages.answer_to_panes(page)

    right = pages.pane(page, "right")
    expect(pages.counts(page)).to_have_text(pages.counts_pattern(0))
    ids = pages.drawn_ids(page)
    chosen = ids[2]  # below the two rows without a Client Number
    pages.click_checkbox(page, chosen)
    expect(pages.checkbox(page, chosen)).to_have_attribute("aria-checked", "true")
    expect(pages.counts(page)).to_have_text(pages.counts_pattern(1))  # drawn from the kernel's checked_count
    assert lab_server.stored_selection() == {chosen}  # written by the kernel

    names_before = right.locator("[role=row][data-customer-id] [data-column=name]").all_inner_texts()
    pages.header(page, "name").click()
    expect(pages.header(page, "name")).to_have_attribute("aria-sort", "ascending")
    expect(right.locator("[role=row][data-customer-id] [data-column=name]").first).not_to_have_text(names_before[0])
    names = right.locator("[role=row][data-customer-id] [data-column=name]").all_inner_texts()
    assert names == sorted(names, key=str.lower) and names != names_before
    assert lab_server.stored_selection() == {chosen}  # sorting keeps the selection
