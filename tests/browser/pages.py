"""What an accountant does in the page, as small steps the browser tests share (Playwright sync API).

The selectors are the widgets' own hooks: ``data-step`` on the flow's heading, ``data-pane`` on a pane,
``role=row`` / ``role=checkbox`` / ``role=columnheader`` in the grid, ``data-role=counts`` for its counts.
Everything waits for what the kernel answers (``expect``), never for a fixed time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.browser.limits import CLICK_TIMEOUT_MS, KERNEL_TIMEOUT_MS, SCREENSHOTS
from tests.support import unavailable
from tests.support.browser import expect


def button(page: Any, name: str) -> Any:
    """The one button labelled exactly ``name`` (an icon before the label is allowed)."""
    return page.get_by_role("button").filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))


def step(page: Any, name: str, timeout: float = CLICK_TIMEOUT_MS) -> None:
    """Wait until the guided flow shows step ``name``."""
    expect(page.locator(f"h3[data-step={name}]")).to_be_visible(timeout=timeout)


def open_panes(page: Any, url: str, *, missing_only: bool = True, keyboard: bool = False) -> None:
    """Load the page and answer the flow's questions up to the two panes.

    With ``keyboard`` every button is reached by focus and pressed with Enter, never clicked.
    """
    page.goto(url)
    answer_to_panes(page, missing_only=missing_only, keyboard=keyboard)


def answer_to_panes(page: Any, *, missing_only: bool = True, keyboard: bool = False) -> None:
    """From the flow's first step (shown once the kernel ran the notebook) to the two panes."""
    def press(name: str) -> None:
        target = button(page, name)
        if keyboard:
            target.focus()
            page.keyboard.press("Enter")
        else:
            target.click()

    step(page, "company", timeout=KERNEL_TIMEOUT_MS)  # the page's kernel starts and runs the notebook
    expect(button(page, "This is the right company")).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    press("This is the right company")
    step(page, "housekeeping")
    press("Next")
    step(page, "setup")
    press("Next")
    step(page, "question")
    press("Yes" if missing_only else "No")
    step(page, "panes")
    expect(pane(page, "right").locator("[role=row][data-customer-id]").first).to_be_visible()


def pane(page: Any, which: str) -> Any:
    """The left or right pane."""
    return page.locator(f".smsync-pane[data-pane={which}]")


def counts(page: Any, which: str = "right") -> Any:
    """The pane's counts label (``158 shown · 0 checked``), drawn from the kernel's traits."""
    return pane(page, which).locator("[data-role=counts]")


def row(page: Any, customer_id: str, which: str = "right") -> Any:
    """A drawn row of the pane (rows outside the scrolled window are not in the page)."""
    return pane(page, which).locator(f"[role=row][data-customer-id='{customer_id}']")


def checkbox(page: Any, customer_id: str, which: str = "right") -> Any:
    return row(page, customer_id, which).locator("[role=checkbox]")


def click_checkbox(page: Any, customer_id: str, which: str = "right") -> None:
    """One click on a row's checkbox, as an accountant does (the grid need not have the focus first)."""
    checkbox(page, customer_id, which).click()


def header(page: Any, column: str, which: str = "right") -> Any:
    return pane(page, which).locator(f"[role=columnheader][data-column={column}]")


def expect_counts(page: Any, shown: int, checked: int) -> None:
    """Wait until the right pane says ``N shown · M checked``."""
    expect(counts(page)).to_have_text(f"{shown:,} shown · {checked:,} checked")


def drawn_ids(page: Any, which: str = "right") -> list[str]:
    """The Client Numbers of the rows drawn now, top to bottom."""
    ids: list[str] = pane(page, which).locator("[role=row][data-customer-id]").evaluate_all(
        "rows => rows.map((r) => r.dataset.customerId)"
    )
    return ids


def scroll_grid(page: Any, where: str, which: str = "right") -> None:
    """Scroll a pane's grid to its ``top`` or ``bottom`` (as with the scroll bar)."""
    grid = pane(page, which).locator("[role=grid]")
    grid.evaluate("(g, where) => { g.scrollTop = where === 'top' ? 0 : g.scrollHeight; }", where)


def show_flow_top(page: Any, step_name: str) -> None:
    """Scroll the page so the flow's current step heading is at the top (for screenshots)."""
    page.locator(f"h3[data-step={step_name}]").evaluate("h => h.scrollIntoView({block: 'start'})")


def show_at_bottom(locator: Any) -> None:
    """Scroll the page so ``locator`` is at the bottom of the viewport (what is above it stays in view)."""
    locator.evaluate("e => e.scrollIntoView({block: 'end'})")


def screenshot(page: Any, name: str) -> None:
    """Write ``<SCREENSHOTS>/<name>.png`` (the viewport, 1280×800), and check it is a real picture."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, path


def pdf_first_page(pdf: Path, name: str) -> None:
    """Write ``<SCREENSHOTS>/<name>.png``: the PDF's first page at 60 dpi (poppler's pdftoppm), a real picture."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        unavailable("pdftoppm is not installed, so the record's PDF is not pictured (apt-get install poppler-utils)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    subprocess.run([tool, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(path.with_suffix(""))],
                   check=True, capture_output=True, timeout=120)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, path


def counts_pattern(checked: int) -> re.Pattern[str]:
    """``… · N checked`` whatever the shown count."""
    return re.compile(rf"· {checked:,} checked$")
