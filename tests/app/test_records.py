"""What ``smsync app`` serves of the reports folder: a record's page and PDF, nothing else (no browser needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smsync_core.app.records import ENV_RECORDS_URL, RECORDS_ROUTE, record_file, record_href
from smsync_core.app.server import kernel_environment
from smsync_core.audit.context import RunContext
from smsync_core.audit.record import PendingRecord
from smsync_core.clock import new_run_id


def sealed_record(reports: Path) -> Path:
    """A finished record holding a page, its PDF and the changes, as a notebook run leaves one."""
    record = PendingRecord.begin(reports, run_id=new_run_id(), kind="notebook",
                                 context=RunContext.create("sqlite:///t.db", "sqlite:///s.db"), details={})
    record.write_file("reconcile.html", b"<!DOCTYPE html><title>record</title>")
    record.write_file("reconcile.pdf", b"%PDF-1.4 ...")
    record.write_file("changes.jsonl", b"{}\n")
    return record.finalize("completed")


def test_only_a_listed_page_or_pdf_of_a_record_is_served(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    folder = sealed_record(reports)
    run_id = folder.name
    assert record_file(reports, run_id, "reconcile.html") == folder / "reconcile.html"
    assert record_file(reports, run_id, "reconcile.pdf") == folder / "reconcile.pdf"
    (folder / "extra.html").write_text("not in the manifest")
    (tmp_path / "secret.html").write_text("outside the reports folder")
    for name in ("changes.jsonl", "manifest.json", "extra.html", "../../secret.html", "missing.html"):
        assert record_file(reports, run_id, name) is None, name
    for other in ("..", ".pending", "chain.json", f"{run_id}/..", "not-a-run"):
        assert record_file(reports, other, "reconcile.html") is None, other


def test_the_page_links_a_record_only_under_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = sealed_record(tmp_path / "reports")
    monkeypatch.delenv(ENV_RECORDS_URL, raising=False)
    assert record_href(folder, "reconcile.html") is None  # JupyterLab: no route, the page offers a download
    environment = kernel_environment("sqlite:///s.db", "sqlite:///t.db", config_path=None,
                                     reports_dir=tmp_path / "reports", state_dir=tmp_path / "state")
    monkeypatch.setenv(ENV_RECORDS_URL, environment[ENV_RECORDS_URL])  # what the app's kernels receive
    assert record_href(folder, "reconcile.html") == f"{RECORDS_ROUTE}/{folder.name}/reconcile.html"
    assert record_href(folder, "changes.jsonl") is None
