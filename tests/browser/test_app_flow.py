"""The accountant's page (``smsync app``, Voila) in Chromium: a first-time migration from the first click to
"Import completed" (the record's page served by the app, Undo back to SMSTurbo as it was), on a copy of the demo
databases; and the checked clients surviving a page reload.

The screenshots (panes, confirmation, completed, step7-completed, undone, record-html, record-pdf) are written here,
at 1280×800: under ``build/screenshots``, or into ``docs/screenshots`` (the README's) with
``SMSYNC_SCREENSHOTS=docs/screenshots``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

import smsync_core
from smsync_core.audit.lines import decode_changes
from tests.browser import pages
from tests.browser.conftest import Server
from tests.browser.limits import IMPORT_TIMEOUT_MS, KERNEL_TIMEOUT_MS, VIEWPORT
from tests.support.browser import expect
from tests.support.data import read_table

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


def smsturbo_table(server: Server) -> list[tuple[Any, ...]]:
    """SMSTurbo's Customer table as stored, every column, sorted (straight from sqlite3)."""
    return sorted(read_table(server.smsturbo_url.removeprefix("sqlite:///"), "Customer"), key=repr)


def verify(server: Server) -> None:
    """``smsync verify`` of the server's reports, held against SMSTurbo's own ledger of runs: it passes."""
    done = subprocess.run([sys.executable, "-m", "smsync_core.cli.dispatch", "verify", str(server.reports),
                           "--smsturbo", server.smsturbo_url], capture_output=True, text=True, timeout=120,
                          cwd=server.workdir)
    assert done.returncode == 0, done.stdout + done.stderr


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
    table_before = smsturbo_table(app_server)
    pages.button(page, "Yes").click()
    pages.step(page, "completed", timeout=IMPORT_TIMEOUT_MS)
    heading = page.locator("h3[data-step=completed]")
    expect(heading).to_have_text("Import completed")
    summary = page.locator("[data-role=completed-summary]")
    expect(summary).to_contain_text(f"{len(expected):,} new customers inserted into SMSTurbo, 0 updated")
    expect(pages.button(page, "Yes")).to_have_count(0)  # the spent Yes / No are gone
    expect(pages.button(page, "No")).to_have_count(0)
    link = page.locator("[data-role=record-link]")
    shown_id = link.inner_text().strip()
    body = page.locator("body").inner_text()
    assert "Confirm import" not in body and str(app_server.workdir) not in body and "/tmp/" not in body
    pages.screenshot(page, "step7-completed")  # the README's step 7: as the import leaves it
    pages.button(page, f"Show the customers ({len(expected):,})").click()  # the lists, one click away
    expect(page.locator(".smsync-customers tbody tr")).to_have_count(min(len(expected), 500))
    pages.show_flow_top(page, "completed")
    pages.screenshot(page, "completed")
    pages.button(page, f"Hide the customers ({len(expected):,})").click()

    after = smsturbo_ids(app_server)
    assert after - before == expected  # exactly the checked clients, Julie Smith not among them
    assert before <= after
    # one import, one record, one id: the run the page names is the one new record, and it holds the changes
    (record,) = record_folders(app_server) - records_before
    assert record.name == shown_id
    manifest = json.loads((record / "manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == record.name and manifest["kind"] == "sync" and manifest["outcome"] == "committed"
    assert set(manifest["selection"]) == expected and manifest["notebook"] == "reconcile.ipynb"
    changes = decode_changes((record / "changes.jsonl").read_bytes())
    assert {c.customer_id for c in changes} == expected and {c.action for c in changes} == {"insert"}
    verify(app_server)

    # the record's link: the app serves its HTML (behind the token), and it opens in a new tab
    href = link.get_attribute("href")
    assert href and not href.startswith(("file:", "data:")) and "/tmp/" not in href
    served = page.request.get(urljoin(page.url, href))
    assert served.status == 200 and served.headers["content-type"].startswith("text/html")
    assert served.body() == (record / "reconcile.html").read_bytes()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urljoin(app_server.base, href), timeout=10) as anonymous:  # without the token: the login page
        assert "/login" in anonymous.url and b"<h1" not in anonymous.read()  # not the record's page
    with page.context.expect_page() as opened:
        link.click()
    auditor = opened.value
    auditor.set_viewport_size(VIEWPORT)
    expect(auditor).to_have_title(re.compile(re.escape(record.name)))
    expect(auditor.get_by_role("heading", level=1).first).to_contain_text("committed")
    pages.screenshot(auditor, "record-html")  # what the auditor reads
    auditor.close()
    pdf = record / "reconcile.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and "reconcile.pdf" in manifest["files"]

    # A reload on the completed step comes back to it (a new kernel, the panel rebuilt from the run's record)
    page.reload()
    pages.step(page, "completed", timeout=KERNEL_TIMEOUT_MS)
    expect(heading).to_have_text("Import completed")
    expect(summary).to_contain_text(f"{len(expected):,} new customers inserted into SMSTurbo, 0 updated")
    expect(link).to_have_text(shown_id)
    expect(page.locator("h3[data-step=company]")).to_have_count(0)

    # Undo, with its own confirm: SMSTurbo as before the import, and the undo recorded as a run of its own
    pages.button(page, "Undo").click()
    expect(page.locator("[data-role=undo-question]")).to_contain_text(
        f"Undo the import of {len(expected):,} customers?")
    records_before_undo = record_folders(app_server)
    pages.button(page, "Yes").click()
    expect(heading).to_have_text("Import undone", timeout=IMPORT_TIMEOUT_MS)
    expect(page.locator("[data-role=undo-summary]")).to_contain_text(
        f"Undo completed: {len(expected):,} new customers removed from SMSTurbo")
    assert smsturbo_table(app_server) == table_before
    (undo_record,) = record_folders(app_server) - records_before_undo
    undo_manifest = json.loads((undo_record / "manifest.json").read_text("utf-8"))
    assert undo_manifest["kind"] == "undo" and undo_manifest["undoes"] == shown_id
    assert undo_manifest["outcome"] == "committed"
    undo_line = page.locator("[data-role=record]").last
    expect(undo_line).to_contain_text(f"this undo did is in the record {undo_record.name}")
    pages.show_flow_top(page, "completed")
    pages.screenshot(page, "undone")
    verify(app_server)
    expect(pages.button(page, "Undo")).to_have_count(0)
    page.reload()  # after the undo, a reload shows what it did, without Undo
    pages.step(page, "completed", timeout=KERNEL_TIMEOUT_MS)
    expect(heading).to_have_text("Import undone")
    expect(page.locator("[data-role=record]").last).to_contain_text(
        f"this undo did is in the record {undo_record.name}")
    expect(pages.button(page, "Undo")).to_have_count(0)
    pages.button(page, "Start again").click()  # back to step 1, databases read again
    pages.step(page, "company")
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

