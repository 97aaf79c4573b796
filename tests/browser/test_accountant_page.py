"""The accountant's page in Chromium (issue 16): no developer text and the tab titled "Customer Sync"; a possibly
duplicate client unchecked with its hint and skipped by Check All; Uncheck All under a filter; the left pane
downloaded as Excel; the confirm screen one row per customer; progress during an import of 10,000 clients; a wrong
Sage URL put right without a restart; Back; a reload that keeps the step and the sort; panes that fill the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import smsync_core
from tests.browser import pages
from tests.browser.conftest import Server, _stop, start_app
from tests.browser.limits import IMPORT_TIMEOUT_MS, KERNEL_TIMEOUT_MS
from tests.support.browser import expect

pytestmark = pytest.mark.browser

DEVELOPER_TEXT = ("Opened in JupyterLab", "run all cells", "smsync run", "Run headless")


@pytest.fixture(scope="module")
def demo_10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from smsync_core.demo import build_demo

    folder = tmp_path_factory.mktemp("demo-10k")
    build_demo(folder, clients=10_000)
    return folder


@pytest.fixture
def app_10k(demo_10k: Path, tmp_path: Path) -> Iterator[Server]:
    server = start_app(demo_10k, tmp_path / "app10k")
    try:
        yield server
    finally:
        _stop(server.process)


def right_pane(server: Server) -> Any:
    return smsync_core.connect(server.sage_url, server.smsturbo_url).reconcile(missing_only=True).right_pane()


def test_no_developer_text_and_the_tab_is_customer_sync(app_server: Server, page_1280: Any) -> None:
    page = page_1280
    page.goto(app_server.url)
    pages.step(page, "company", timeout=KERNEL_TIMEOUT_MS)
    expect(page).to_have_title("Customer Sync")
    for step in ("company", "housekeeping", "setup", "question", "panes"):
        text = page.locator("body").inner_text()
        assert not [t for t in DEVELOPER_TEXT if t in text], (step, text[:400])
        if step == "company":
            pages.button(page, "This is the right company").click()
        elif step == "housekeeping":
            assert "id-invalid-chars" not in text and "field-too-long" not in text  # rules said in words
            pages.button(page, "Next").click()
        elif step == "setup":
            pages.button(page, "Next").click()
        elif step == "question":
            pages.button(page, "Yes").click()
        pages.step(page, {"company": "housekeeping", "housekeeping": "setup", "setup": "question",
                          "question": "panes", "panes": "panes"}[step])


def test_a_possible_duplicate_is_unchecked_with_its_hint_and_check_all_skips_it(app_server: Server,
                                                                                page_1280: Any) -> None:
    page = page_1280
    right = right_pane(app_server)
    duplicates = right.loc[right["possible_match"].notna()]
    assert "1005" in set(duplicates["customer_id"])
    pages.open_panes(page, app_server.url)
    expect(pages.pane(page, "right").locator("[data-role=check-all-note]")).to_contain_text(
        "skips inactive clients, possible duplicates")
    pages.button(page, "Check All").click()
    pages.expect_counts(page, len(right), int(right["eligible"].sum()))
    expect(pages.counts(page)).not_to_have_text("Nothing is checked")
    mesa = pages.row(page, "1005")
    expect(mesa).to_have_attribute("data-duplicate", "true")
    expect(mesa.locator("[data-column=duplicate_of]")).to_have_text("probably SMSTurbo 0001005")
    expect(pages.checkbox(page, "1005")).to_have_attribute("aria-checked", "false")
    pages.click_checkbox(page, "1005")  # by hand it can be checked
    expect(pages.checkbox(page, "1005")).to_have_attribute("aria-checked", "true")


def test_uncheck_all_under_a_filter_and_the_left_pane_as_excel(app_server: Server, page_1280: Any,
                                                               tmp_path: Path) -> None:
    page = page_1280
    right = right_pane(app_server)
    eligible = int(right["eligible"].sum())
    pages.open_panes(page, app_server.url)
    pages.button(page, "Check All").click()
    pages.expect_counts(page, len(right), eligible)
    target = right.loc[right["eligible"]].iloc[0]
    name = str(target["name"])
    pages.pane(page, "right").locator("[data-action=filter]").fill(name)
    expect(pages.counts(page)).to_have_text(
        f"1 shown · {eligible:,} checked ({eligible - 1:,} of them hidden by the filter)")
    pages.button(page, "Uncheck All").click()
    expect(pages.counts(page)).to_have_text(
        f"1 shown · {eligible - 1:,} checked ({eligible - 1:,} of them hidden by the filter)")
    pages.pane(page, "right").locator("[data-action=filter]").fill("")
    pages.expect_counts(page, len(right), eligible - 1)

    with page.expect_download() as download:
        pages.pane(page, "left").locator("[data-action=download-xlsx]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    left = smsync_core.connect(app_server.sage_url, app_server.smsturbo_url).reconcile().left_pane()
    assert rows[0][0] == "Client Number" and len(rows) - 1 == len(left)
    assert {r[0] for r in rows[1:]} == set(left["customer_id"])

    with page.context.expect_page() as printed:
        pages.pane(page, "left").locator("[data-action=download-html]").click()
    expect(printed.value.locator("tbody tr")).to_have_count(len(left))


def test_the_confirm_screen_lists_customers_and_an_import_of_10000_shows_progress(app_10k: Server,
                                                                                  page_1280: Any) -> None:
    page = page_1280
    right = right_pane(app_10k)
    eligible = int(right["eligible"].sum())
    assert eligible > 3000
    pages.open_panes(page, app_10k.url)
    pages.button(page, "Check All").click()
    pages.expect_counts(page, len(right), eligible)
    pages.button(page, "Synchronize").click()
    pages.step(page, "confirm")
    summary = page.locator("[data-role=confirm-summary]")
    expect(summary).to_contain_text(f"{eligible:,} new customers will be inserted into SMSTurbo")
    customers = page.locator(".smsync-customers")
    expect(customers.locator("thead th").first).to_have_text("Client Number")
    expect(customers.locator("tbody tr").first.locator("td").nth(2)).to_have_text("New customer")
    assert "PostalCode" not in customers.inner_text() and "Template for new" not in customers.inner_text()
    pages.button(page, "Show field by field").click()
    expect(page.locator(".smsync-fields")).to_contain_text("Zip")
    pages.show_flow_top(page, "confirm")
    pages.screenshot(page, "confirm-customers")

    pages.button(page, "Yes").click()
    progress = page.locator("[data-role=progress]")
    expect(progress).to_contain_text(f"of {eligible:,} customers written")
    assert "Import completed" not in page.locator("body").inner_text()  # shown while the import runs
    expect(page.get_by_text("Import completed", exact=False)).to_be_visible(timeout=IMPORT_TIMEOUT_MS)
    expect(progress).to_have_text(f"{eligible:,} of {eligible:,} customers written")


def test_a_wrong_sage_url_is_put_right_without_a_restart(app_server: Server, page_1280: Any) -> None:
    page = page_1280
    page.goto(app_server.url)
    pages.step(page, "company", timeout=KERNEL_TIMEOUT_MS)
    expect(pages.button(page, "This is the right company")).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    pages.button(page, "Connection settings").first.click()
    pages.step(page, "setup")
    sage_url = page.locator(".smsync-setup input[type=text]").first
    sage_url.fill(app_server.sage_url.replace("sage.db", "no-such-company.db"))
    pages.button(page, "Next").click()
    expect(page.locator("[data-role=message]").first).to_be_visible()
    pages.button(page, "Connection settings").first.click()  # from the failure, back to the settings
    pages.step(page, "setup")
    sage_url.fill(app_server.sage_url)
    pages.button(page, "Save").click()
    pages.button(page, "Next").click()
    pages.step(page, "company")
    expect(page.locator("[data-role=client-count]")).to_have_text("300")
    toml = app_server.workdir / "smsync.toml"
    assert not toml.exists() or "no-such-company" not in toml.read_text("utf-8")


def test_back_a_reload_keeps_the_step_and_the_sort_and_the_panes_fill_the_window(app_server: Server,
                                                                                 chromium_browser: Any) -> None:
    context = chromium_browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(app_server.url)
        pages.step(page, "company", timeout=KERNEL_TIMEOUT_MS)
        expect(pages.button(page, "This is the right company")).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
        pages.button(page, "This is the right company").click()
        pages.step(page, "housekeeping")
        pages.button(page, "Back").click()
        pages.step(page, "company")
        pages.button(page, "This is the right company").click()
        pages.button(page, "Next").click()
        pages.step(page, "setup")
        pages.button(page, "Back").click()
        pages.step(page, "housekeeping")
        pages.button(page, "Next").click()
        pages.button(page, "Next").click()
        pages.step(page, "question")
        pages.button(page, "Back").click()
        pages.step(page, "setup")
        pages.button(page, "Next").click()
        pages.button(page, "No").click()
        pages.step(page, "panes")
        expect(page.locator("[data-role=left-title]")).to_contain_text("different")
        pages.header(page, "status_ref").click()
        expect(pages.header(page, "status_ref")).to_have_attribute("aria-sort", "ascending")
        pages.header(page, "status_ref").click()
        expect(pages.header(page, "status_ref")).to_have_attribute("aria-sort", "descending")
        grid = pages.pane(page, "right").locator("[role=grid]").bounding_box()
        assert grid is not None and 1080 - (grid["y"] + grid["height"]) < 200  # no ~400 px gap below

        page.reload()
        pages.step(page, "panes", timeout=KERNEL_TIMEOUT_MS)
        expect(pages.header(page, "status_ref")).to_have_attribute("aria-sort", "descending")
        expect(page.locator("[data-role=left-title]")).to_contain_text("different")
    finally:
        context.close()
