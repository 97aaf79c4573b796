"""The accountant's page (``smsync app``, Voila) in Chromium: a first-time migration from the first click to
"Import completed", on a copy of the demo databases; and the checked clients surviving a page reload.

The screenshots (panes, confirmation, completed) are written here, at 1280×800: under ``build/screenshots``, or
into ``docs/screenshots`` (the README's) with ``SMSYNC_SCREENSHOTS=docs/screenshots``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import smsync_core
from smsync_core.audit.lines import decode_changes
from tests.browser import pages
from tests.browser.conftest import Server
from tests.browser.limits import IMPORT_TIMEOUT_MS, KERNEL_TIMEOUT_MS
from tests.support.browser import expect

pytestmark = pytest.mark.browser


def julie_smith(server: Server) -> str:
    """Julie Smith's Client Number (status 6 - Do Not Accept Contract Again)."""
    right = smsync_core.connect(server.sage_url, server.smsturbo_url).reconcile(missing_only=True).right_pane()
    return str(right.loc[right["name"] == "Julie Smith", "customer_id"].iloc[0])


def eligible_new(server: Server) -> set[str]:
    """What Check All must select: the eligible Sage 100 clients missing from SMSTurbo (by the core's rules)."""
    right = smsync_core.connect(server.sage_url, server.smsturbo_url).reconcile(missing_only=True).right_pane()
    return set(right.loc[right["eligible"], "customer_id"].astype(str))


def record_folders(server: Server) -> set[Path]:
    """The run records in the server's reports folder (a folder with a manifest)."""
    return {m.parent for m in server.reports.glob("*/manifest.json")}


def smsturbo_ids(server: Server) -> set[str]:
    return set(smsync_core.connect(server.sage_url, server.smsturbo_url).smsturbo_customers()["customer_id"])


def test_the_page_needs_its_token_and_shows_no_code(app_server: Server, page_1280: Any) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for url in (app_server.base, app_server.base + "?token=wrong"):  # Voila's login page, not the notebook
        with opener.open(url, timeout=10) as response:
            assert "/login" in response.url
            # Nothing is loaded from elsewhere (Voila's template links a font CDN): the page works offline.
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
            assert "Customer Sync" not in response.read().decode("utf-8")

    pages.open_panes(page_1280, app_server.url)
    html = page_1280.content()
    assert "open_workbench" not in html and "import pandas" not in html  # sources are stripped
    assert app_server.token not in page_1280.locator("body").inner_text()


def test_first_time_migration_to_import_completed(app_server: Server, page_1280: Any) -> None:
    page = page_1280
    before = smsturbo_ids(app_server)
    expected = eligible_new(app_server)
    JULIE = julie_smith(app_server)  # the seed's inactive client
    assert JULIE not in expected and len(expected) > 100

    pages.open_panes(page, app_server.url, missing_only=True)
    note = pages.pane(page, "left").locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
    expect(note.get_by_text("Export SMSTurbo Customers to Sage 100 is NOT supported")).to_be_visible()
    shown = len(smsync_core.connect(app_server.sage_url, app_server.smsturbo_url).reconcile().right_pane())
    pages.expect_counts(page, shown, 0)
    left_boxes = pages.pane(page, "left").locator("[role=checkbox]")
    expect(left_boxes.first).to_have_attribute("aria-disabled", "true")  # SMSTurbo-only: never selectable

    # Sort by Client Status Ref: the inactive clients (6 - Do Not Accept Contract Again) group at the end.
    pages.header(page, "status_ref").click()
    expect(pages.header(page, "status_ref")).to_have_attribute("aria-sort", "ascending")

    pages.button(page, "Check All").click()
    pages.expect_counts(page, shown, len(expected))
    pages.scroll_grid(page, "bottom")
    julie = pages.checkbox(page, JULIE)
    expect(pages.row(page, JULIE)).to_have_attribute("data-inactive", "true")
    expect(julie).to_have_attribute("aria-checked", "false")  # Check All leaves inactive clients unchecked
    pages.click_checkbox(page, JULIE)  # by hand she can be checked...
    expect(julie).to_have_attribute("aria-checked", "true")
    pages.expect_counts(page, shown, len(expected) + 1)
    pages.click_checkbox(page, JULIE)  # ...and unchecked again, as the source document says
    expect(julie).to_have_attribute("aria-checked", "false")
    pages.expect_counts(page, shown, len(expected))
    assert app_server.stored_selection() == expected  # the kernel's selection, as the store holds it

    pages.scroll_grid(page, "top")
    pages.show_flow_top(page, "panes")
    pages.screenshot(page, "panes")

    pages.button(page, "Synchronize").click()
    pages.step(page, "confirm")
    summary = page.locator("[data-role=confirm-summary]")
    expect(summary).to_contain_text(f"{len(expected):,} new customers will be inserted into SMSTurbo")
    # The Yes/No buttons come after the plan's first changes; show them with what the accountant reads above.
    pages.show_at_bottom(page.locator(".smsync-confirm .widget-hbox").last)
    pages.screenshot(page, "confirmation")

    records_before = record_folders(app_server)
    pages.button(page, "Yes").click()
    done = page.get_by_text("Import completed", exact=False)
    expect(done).to_be_visible(timeout=IMPORT_TIMEOUT_MS)
    message = page.locator("[data-role=message]").filter(has_text="Import completed")
    expect(message).to_contain_text(f"{len(expected)} inserted")
    shown_id = re.search(r"\brun ([0-9TZ]+-[0-9a-f]+)\b", message.inner_text())
    assert shown_id, message.inner_text()
    pages.show_at_bottom(pages.button(page, "Start again"))
    pages.screenshot(page, "completed")

    after = smsturbo_ids(app_server)
    assert after - before == expected  # exactly the checked clients, Julie Smith not among them
    assert before <= after
    # one import, one record, one id: the run the page names is the one new record, and it holds the changes
    (record,) = record_folders(app_server) - records_before
    assert record.name == shown_id.group(1)
    manifest = json.loads((record / "manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == record.name and manifest["kind"] == "sync" and manifest["outcome"] == "committed"
    assert set(manifest["selection"]) == expected and manifest["notebook"] == "reconcile.ipynb"
    changes = decode_changes((record / "changes.jsonl").read_bytes())
    assert {c.customer_id for c in changes} == expected and {c.action for c in changes} == {"insert"}
    verify = subprocess.run([sys.executable, "-m", "smsync_core.cli.dispatch", "verify", str(app_server.reports)],
                            capture_output=True, text=True, timeout=120, cwd=app_server.workdir)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # what the auditor reads: the record as HTML, and the PDF beside it (the README's pictures of the record)
    page.goto((record / "reconcile.html").as_uri())
    expect(page).to_have_title(re.compile(re.escape(record.name)))
    expect(page.get_by_role("heading", level=1).first).to_contain_text("committed")
    pages.screenshot(page, "record-html")
    pdf = record / "reconcile.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and "reconcile.pdf" in manifest["files"]
    pages.pdf_first_page(pdf, "record-pdf")  # last: without pdftoppm only this picture is missing (a skip)


def test_checked_clients_survive_a_page_reload(app_server: Server, page_1280: Any) -> None:
    page = page_1280
    pages.open_panes(page, app_server.url)
    ids = pages.drawn_ids(page)[2:5]  # three rows below the two with an empty Client Number
    for cid in ids:
        pages.click_checkbox(page, cid)
    expect(pages.counts(page)).to_have_text(pages.counts_pattern(len(ids)))
    assert app_server.stored_selection() == set(ids)

    page.reload()
    pages.step(page, "panes", timeout=KERNEL_TIMEOUT_MS)  # a new kernel comes back to the step it was at
    expect(pages.counts(page)).to_have_text(pages.counts_pattern(len(ids)))
    for cid in ids:
        expect(pages.checkbox(page, cid)).to_have_attribute("aria-checked", "true")
    pages.button(page, "Uncheck All").click()
    expect(pages.counts(page)).to_have_text(pages.counts_pattern(0))
    assert app_server.stored_selection() == set()

