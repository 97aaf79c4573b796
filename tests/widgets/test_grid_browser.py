"""The pane's JavaScript in Chromium, wired to the real Python ``PaneGrid`` (no Jupyter needed).

A page loads ``static/grid.js`` as anywidget would, with a small model object whose ``send`` goes to
``PaneGrid.handle_message`` in this process (Playwright's ``expose_function``) and whose traits are the
widget's synced traits. The Jupyter/Voila rendering itself is the browser issue's job.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from smsync_widgets import SyncPanes
from smsync_widgets.grid import STATIC, PaneGrid
from tests.support.browser import serve_directory

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="grid.css"></head>
<body><div id="host" style="width: 900px"></div><script type="module">
import widget from "./grid.js";
const state = await window.kernel_state();
const listeners = {};
const emit = (name, ...args) => (listeners[name] || []).slice().forEach((f) => f(...args));
const model = {
  get: (key) => state[key],
  on: (name, f) => (listeners[name] ||= []).push(f),
  off: (name, f) => (listeners[name] = (listeners[name] || []).filter((g) => g !== f)),
  send: async (msg) => {
    const out = JSON.parse(await window.kernel(JSON.stringify(msg)));
    for (const [key, value] of Object.entries(out.state)) {
      if (JSON.stringify(state[key]) !== JSON.stringify(value)) { state[key] = value; emit("change:" + key); }
    }
    if (out.reply) emit("msg:custom", out.reply, []);
  },
};
widget.render({ model, el: document.getElementById("host") });
window.smsyncReady = true;
</script></body></html>"""


def until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Wait for a page expression to be true, letting the exposed kernel calls run in between.

    (``page.wait_for_function`` does not give the Python side of ``expose_function`` a turn here.)
    """
    for _ in range(int(timeout / 0.05)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after {timeout} s: {expression}")


def synced(grid: PaneGrid) -> dict[str, Any]:
    return {key: getattr(grid, key) for key in grid.keys if not key.startswith("_") and key != "layout"}


@pytest.fixture
def open_grid(chromium_browser: Any, tmp_path: Path) -> Iterator[Any]:
    """Open a page showing one PaneGrid; returns the Playwright page."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE)
    for name in ("grid.js", "grid.css"):
        shutil.copy(STATIC / name, site / name)
    with serve_directory(site) as base:

        def open_(grid: PaneGrid) -> Any:
            page = chromium_browser.new_page()
            page.expose_function("kernel_state", lambda: synced(grid))

            def kernel(message: str) -> str:
                reply = grid.handle_message(json.loads(message))
                return json.dumps({"reply": reply, "state": synced(grid)})

            page.expose_function("kernel", kernel)
            page.goto(base + "index.html")
            until(page, "window.smsyncReady === true")
            page.wait_for_selector("[role=row][data-customer-id]")
            return page

        yield open_


def test_hooks_keyboard_and_sorting(story: Any, open_grid: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    page = open_grid(panes.right)
    assert page.locator("[role=grid]").count() == 1
    assert page.locator("[role=columnheader][data-column=status_ref]").inner_text().startswith("Client Status Ref")
    assert page.locator("[data-role=counts]").inner_text() == "6 shown · 0 checked"
    first = page.locator("[role=row][data-customer-id]").first
    assert first.get_attribute("data-customer-id") == "1002"

    page.locator("[role=grid]").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    until(page, "document.querySelector('[data-role=counts]').textContent.includes('2 checked')")
    assert panes.selected == {"1002", "1003"}
    julie = page.locator("[role=row][data-customer-id='1003']")
    assert julie.get_attribute("data-inactive") == "true"
    assert julie.locator("[role=checkbox]").get_attribute("aria-checked") == "true"

    header = page.locator("[role=columnheader][data-column=name]")
    header.focus()
    page.keyboard.press("Enter")
    until(page, "document.querySelector('[data-column=name]').getAttribute('aria-sort') === 'ascending'")
    page.keyboard.press("Enter")
    until(page, "document.querySelector('[data-column=name]').getAttribute('aria-sort') === 'descending'")
    assert panes.right.sort_column == "name" and not panes.right.sort_ascending
    until(page, "document.querySelector('[role=row][data-customer-id]').getAttribute('data-customer-id') === 'ab 12'")
    assert panes.selected == {"1002", "1003"}  # the sort kept the selection


def test_the_first_click_on_an_unfocused_grid_checks_the_box(story: Any, open_grid: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    page = open_grid(panes.right)
    assert page.evaluate("document.activeElement.getAttribute('role')") != "grid"
    page.locator("[role=row][data-customer-id='1002'] [role=checkbox]").click()  # one click, focus comes with it
    until(page, "document.querySelector('[data-role=counts]').textContent.includes('1 checked')")
    assert panes.selected == {"1002"}
    box = page.locator("[role=row][data-customer-id='1002'] [role=checkbox]")
    assert box.get_attribute("aria-checked") == "true"


def test_error_rows_refuse_clicks_and_check_all_counts(story: Any, open_grid: Any) -> None:
    panes = SyncPanes(story.reconcile(missing_only=True))
    page = open_grid(panes.right)
    bad = page.locator("[role=row][data-customer-id='ab 12'] [role=checkbox]")
    assert bad.get_attribute("aria-disabled") == "true"
    bad.click(force=True)  # a click on a disabled box does nothing
    assert panes.selected == frozenset()
    page.locator("[data-action=check-all]").click()
    until(page, "document.querySelector('[data-role=counts]').textContent === '6 shown · 2 checked'")
    page.locator("[data-action=filter]").fill("julie")
    until(page, "document.querySelector('[data-role=counts]').textContent.startsWith('1 shown')")
    assert panes.right.query == "julie"


@pytest.mark.parametrize("n", [100_000, 1_000_000])
def test_large_panes_scroll_with_a_screenful_of_dom(open_grid: Any, n: int) -> None:
    """1,000,000 rows exceed a browser's element height: the scrollbar is then mapped proportionally."""
    frame = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:06d}" for i in range(n)], dtype="string[pyarrow]"),
            "name": pd.array([f"Client {i}" for i in range(n)], dtype="string[pyarrow]"),
            "status_ref": pd.array(["3 - Current Customer"] * n, dtype="string[pyarrow]"),
            "eligible": np.ones(n, dtype=bool),
            "has_error": np.zeros(n, dtype=bool),
            "inactive": np.zeros(n, dtype=bool),
        }
    )
    grid = PaneGrid(frame, pane="right", selectable=True)
    page = open_grid(grid)
    assert page.locator("[role=row][data-index]").count() < 60
    page.locator("[role=grid]").focus()
    page.keyboard.press("End")
    last = f"C{n - 1:06d}"
    page.wait_for_selector(f"[role=row][data-customer-id='{last}']")
    page.keyboard.press("Space")
    until(page, "document.querySelector('[data-role=counts]').textContent.includes('1 checked')")
    assert grid.state.selected == {last}
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    until(page, "document.querySelector('[data-role=counts]').textContent.includes('2 checked')")
    assert grid.state.selected == {last, f"C{n - 2:06d}"}
    page.keyboard.press("Home")
    page.wait_for_selector("[role=row][data-customer-id='C000000']")
    assert page.locator("[role=row][data-index]").count() < 60
