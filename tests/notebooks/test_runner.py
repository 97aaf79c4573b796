"""Notebooks run by papermill as the record of a run: ``smsync run``, the demo notebooks, failures, secrets, verify.

The papermill tests (marker ``notebook``) each start a kernel, so the demo runs once per module and the tests that
tamper with records work on copies of it.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import smsync_core
from smsync_core.cli.dispatch import main
from smsync_core.demo import build_demo, story_ids
from smsync_core.notebooks.cells import ArchivedSync
from smsync_core.notebooks.params import kernel_value, protect_parameters
from smsync_core.notebooks.runner import DONE, run_notebook
from tests.support import FIXTURE_NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BROKEN = FIXTURE_NOTEBOOKS
CANARY = "Canary-pw-7f3a9e"


def manifest(record: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((record / "manifest.json").read_text("utf-8"))
    return data


def records(reports: Path) -> list[Path]:
    return sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))


def customers(db: Path) -> set[str]:
    with sqlite3.connect(db) as con:
        return {row[0] for row in con.execute('SELECT "CustomerID" FROM "Customer"')}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo (300 clients) with both notebooks run once, as `smsync demo` does."""
    base = tmp_path_factory.mktemp("demo")
    paths = build_demo(base / "demo", clients=300)
    before = customers(paths.smsturbo)
    wb = smsync_core.connect(paths.sage_url, paths.smsturbo_url)
    rec = wb.reconcile()
    eligible = set(rec.sage_only.loc[rec.sage_only["eligible"], "customer_id"].astype(str))
    findings = wb.check()
    wb.close()
    reports = base / "reports"
    urls = {"sage_url": paths.sage_url, "smsturbo_url": paths.smsturbo_url}
    housekeeping = run_notebook(NOTEBOOKS / "housekeeping.ipynb", urls, reports_dir=reports)
    reconcile = run_notebook(NOTEBOOKS / "reconcile.ipynb", {**urls, "select": "all-eligible", "apply": "true"},
                             reports_dir=reports)
    return {"paths": paths, "reports": reports, "before": before, "eligible": eligible, "findings": findings,
            "housekeeping": housekeeping, "reconcile": reconcile}


# --- parameters: checked before anything runs -----------------------------------------------------------


def test_unknown_parameter_is_exit_2_naming_it_and_the_allowed_ones(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    code, _out, err = run_cli(capsys, "run", str(NOTEBOOKS / "reconcile.ipynb"), "-p", "selct", "all-eligible",
                              "--reports", str(reports))
    assert code == 2
    assert "'selct'" in err and "did you mean 'select'" in err
    for name in ("sage_url", "smsturbo_url", "missing_only", "select", "replace", "apply"):
        assert name in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not reports.exists() or not any(reports.iterdir())


def test_a_value_not_of_the_declared_type_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "run", str(NOTEBOOKS / "reconcile.ipynb"), "-p", "apply", "maybe",
                              "--reports", str(tmp_path))
    assert code == 2
    assert "'apply'" in err and "bool" in err
    code, _out, err = run_cli(capsys, "run", str(BROKEN / "raises.ipynb"), "-p", "rows", "three",
                              "--reports", str(tmp_path))
    assert code == 2 and "'rows'" in err and "int" in err


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "run", str(BROKEN / "no_parameters.ipynb"), "--reports", str(tmp_path))
    assert code == 2
    assert "no cell tagged 'parameters'" in err
    assert not any(tmp_path.iterdir())


def test_a_notebook_without_a_kernelspec_is_refused_in_one_sentence(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "run", str(BROKEN / "no_kernelspec.ipynb"), "--reports", str(tmp_path))
    assert code == 2, err
    assert err.startswith("smsync: no_kernelspec.ipynb has no kernelspec") and err.count("\n") == 1, err
    assert "unexpected" not in err and "Change Kernel" in err and out == ""
    assert not any(tmp_path.iterdir())


def test_passwords_in_url_parameters_go_to_the_kernel_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql+psycopg://auditor:{CANARY}@db.example/sage"
    odbc = f"mssql+pyodbc:///?odbc_connect=DRIVER%3DFreeTDS%3BSERVER%3Ds%3BUID%3Du%3BPWD%3D{CANARY}"
    protected = protect_parameters({"sage_url": url, "smsturbo_url": odbc, "apply": True, "select": "A,B"})
    written = json.dumps(protected.recorded)
    assert CANARY not in written
    assert protected.recorded["sage_url"] == "postgresql+psycopg://auditor:***@db.example/sage"
    assert protected.recorded["apply"] is True and protected.recorded["select"] == "A,B"
    assert protected.environment == {"SMSYNC_SAGE_URL": url, "SMSYNC_SMSTURBO_URL": odbc}
    assert CANARY in protected.secrets
    token = protect_parameters({"api_token": CANARY})
    assert token.recorded == {"api_token": "***"} and token.environment == {"SMSYNC_PARAM_API_TOKEN": CANARY}
    monkeypatch.setenv("SMSYNC_PARAM_API_TOKEN", CANARY)
    assert kernel_value("***", "api_token") == CANARY
    monkeypatch.setenv("SMSYNC_SAGE_URL", url)
    assert kernel_value(protected.recorded["sage_url"], "sage_url") == url
    assert kernel_value("postgresql+psycopg://other:***@elsewhere/db", "sage_url") == (
        "postgresql+psycopg://other:***@elsewhere/db"
    )


def test_a_worklist_opened_by_hand_goes_to_reports_and_reads_in_words(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from smsync_core.notebooks.cells import WORKLIST_COLUMNS, export_worklist, record_file
    from smsync_core.notebooks.runner import ENV_RECORD_DIR, ENV_REPORTS_DIR

    (tmp_path / "reports").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")  # where JupyterLab starts the kernel of a notebook opened by hand
    monkeypatch.delenv(ENV_RECORD_DIR, raising=False)
    monkeypatch.delenv(ENV_REPORTS_DIR, raising=False)
    frame = pd.DataFrame([["  ", "Spaces Only", "3 - Current Customer", "error", "id-empty", "Give it a number."]],
                         columns=list(WORKLIST_COLUMNS))
    written = export_worklist(frame, "worklist.xlsx")
    assert written.resolve() == (tmp_path / "reports" / "worklist.xlsx").resolve()
    assert not (tmp_path / "notebooks" / "worklist.xlsx").exists()
    sheet = openpyxl.load_workbook(written)["Fix in Sage 100"]
    assert [c.value for c in sheet[1]] == ["Client Number", "Name", "Status", "Severity", "Rules", "What to fix"]
    assert sheet["A2"].value is None and sheet["B2"].value == "Spaces Only"  # an empty ID is blank, not "  "
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F2"
    monkeypatch.setenv(ENV_RECORD_DIR, str(tmp_path / "reports" / "run-1"))  # a headless run: its record
    assert record_file("worklist.xlsx") == tmp_path / "reports" / "run-1" / "worklist.xlsx"


# --- the demo notebooks -------------------------------------------------------------------------------


@pytest.mark.notebook
def test_housekeeping_notebook_leaves_plots_worklist_and_record(demo_run: dict[str, Any]) -> None:
    run = demo_run["housekeeping"]
    assert run.ok, run.error
    record = run.record_dir
    pdf = {"housekeeping.pdf"} if (record / "housekeeping.pdf").is_file() else set()  # where Chromium is
    assert {p.name for p in record.iterdir()} == {"housekeeping.ipynb", "housekeeping.html", "worklist.xlsx",
                                                 "manifest.json", *pdf}
    data = manifest(record)
    assert data["kind"] == "notebook" and data["outcome"] == DONE and data["notebook"] == "housekeeping.ipynb"
    assert set(data["files"]) == {"housekeeping.ipynb", "housekeeping.html", "worklist.xlsx", *pdf}
    assert data["parameters"]["sage_url"] == demo_run["paths"].sage_url
    assert data["parameter_defaults"]["worklist_path"] == '"worklist.xlsx"'  # not given: the default, recorded
    assert {"papermill", "nbconvert", "python"} <= set(data["versions"])
    assert data["who"]["os_user"] and data["started_at"] <= data["finished_at"]
    # the worklist: one row per client with a finding other than "inactive"
    findings = demo_run["findings"]
    expected = findings.loc[findings["rule"] != "inactive", "row"].nunique()
    sheet = openpyxl.load_workbook(record / "worklist.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Client Number", "Name", "Status", "Severity", "Rules", "What to fix")  # in words
    assert len(rows) - 1 == expected
    story = story_ids()
    listed = {r[0] for r in rows[1:]}
    assert {story["missing_address"][0], story["address_too_long"][0]} <= listed  # the seed's story's clients
    assert story["inactive"][0] not in listed  # inactive only: nothing to fix
    # the auditor's HTML: two plots, the counts, no code
    page = (record / "housekeeping.html").read_text("utf-8")
    assert page.count("data:image/png;base64") == 2
    assert "missing-address" in page and "Do Not Accept Contract Again" in page
    assert "open_workbench" not in page and "cells.bar_chart" not in page
    assert "worklist.xlsx" in page and "(the notebook's default)" in page
    executed = json.loads((record / "housekeeping.ipynb").read_text("utf-8"))
    assert "widgets" not in executed["metadata"]
    assert not list((demo_run["reports"] / ".running").glob("*"))


@pytest.mark.notebook
def test_reconcile_notebook_imports_all_eligible_and_names_the_import(demo_run: dict[str, Any]) -> None:
    run = demo_run["reconcile"]
    assert run.ok, run.error
    after = customers(demo_run["paths"].smsturbo)
    assert after - demo_run["before"] == demo_run["eligible"]
    assert set(run.inserted) == demo_run["eligible"] and not run.updated
    data = manifest(run.record_dir)
    assert data["parameters"] == {"sage_url": demo_run["paths"].sage_url,
                                  "smsturbo_url": demo_run["paths"].smsturbo_url,
                                  "select": "all-eligible", "apply": True, "interactive": False}
    # one import, one record, one id: the import's record is the run's
    assert run.import_run_id == run.run_id and data["kind"] == "sync" and data["outcome"] == "committed"
    assert data["notebook"] == "reconcile.ipynb" and {"changes.jsonl", "reconcile.html"} <= set(data["files"])
    assert [r.name for r in records(demo_run["reports"])] == sorted(
        [demo_run["housekeeping"].run_id, run.run_id])
    page = (run.record_dir / "reconcile.html").read_text("utf-8")
    assert "Import completed" in page and str(len(demo_run["eligible"])) in page
    assert "all-eligible" in page  # parameters in the header
    assert main(["verify", str(demo_run["reports"])]) == 0


@pytest.mark.notebook
@pytest.mark.parametrize("victim", ["housekeeping.html", "housekeeping.ipynb"])
def test_verify_detects_a_tampered_html_or_notebook(demo_run: dict[str, Any], tmp_path: Path, victim: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "reports"
    shutil.copytree(demo_run["reports"], copy)
    record = copy / demo_run["housekeeping"].record_dir.name
    target = record / victim
    target.write_text(target.read_text("utf-8").replace("Housekeeping", "Housekeeping (all fine)", 1), "utf-8")
    code, out, err = run_cli(capsys, "verify", str(copy))
    assert code == 1
    assert f"{victim}: SHA-256 does not match" in out
    assert err.startswith("smsync: verification failed")


# --- failures and secrets -----------------------------------------------------------------------------


@pytest.mark.notebook
def test_a_failing_notebook_leaves_its_record_and_exits_1(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    code, out, err = run_cli(capsys, "run", str(BROKEN / "raises.ipynb"), "-p", "message", "no such company",
                             "--reports", str(reports))
    assert code == 1
    assert err.count("\n") == 1 and "RuntimeError: no such company" in err and "Traceback" not in err
    (record,) = records(reports)
    assert str(record) in out
    data = manifest(record)
    assert data["outcome"] == "failed" and "RuntimeError: no such company" in data["error"]
    assert set(data["files"]) - {"raises.pdf"} == {"raises.ipynb", "raises.html"}
    executed = json.loads((record / "raises.ipynb").read_text("utf-8"))
    assert "never reached" not in json.dumps([c.get("outputs") for c in executed["cells"]])
    page = (record / "raises.html").read_text("utf-8")
    assert "failed" in page and "no such company" in page
    assert main(["verify", str(reports)]) == 0


@pytest.mark.notebook
def test_a_canary_password_is_in_no_file_of_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", CANARY + "-env")
    reports, proof = tmp_path / "reports", tmp_path / "proof.txt"
    url = f"postgresql+psycopg://auditor:{CANARY}@127.0.0.1:1/sage"
    code, out, err = run_cli(capsys, "run", str(BROKEN / "prints_secret.ipynb"), "-p", "sage_url", url,
                             "-p", "proof_path", str(proof), "--reports", str(reports))
    assert code == 1  # the fixture raises with the secret in its message
    assert proof.read_text() == url  # the kernel did receive the real URL
    code2, out2, err2 = run_cli(capsys, "run", str(NOTEBOOKS / "reconcile.ipynb"), "-p", "sage_url", url,
                                "-p", "smsturbo_url", url.replace("/sage", "/turbo"), "--reports", str(reports))
    assert code2 == 1 and "reconcile.ipynb failed" in err2 and "auditor:***@127.0.0.1" in err2
    written = [p for p in reports.rglob("*") if p.is_file()]
    assert len(written) >= 7  # two records of three files each, and chain.json
    for path in written:
        assert CANARY.encode() not in path.read_bytes(), f"the password leaked into {path}"
    for text in (out, err, out2, err2):
        assert CANARY not in text
    for record in records(reports):
        assert manifest(record)["outcome"] == "failed"
    assert "auditor:***@127.0.0.1" in (records(reports)[0] / "prints_secret.ipynb").read_text("utf-8")


# --- the interactive notebook's Synchronize -----------------------------------------------------------


@pytest.mark.notebook
def test_synchronize_in_the_interactive_notebook_is_archived_like_a_headless_run(tmp_path: Path) -> None:
    from smsync_widgets import GuidedFlow

    paths = build_demo(tmp_path / "demo", clients=300)
    wb = smsync_core.connect(paths.sage_url, paths.smsturbo_url)
    rec = wb.reconcile()
    chosen = sorted(rec.sage_only.loc[rec.sage_only["eligible"], "customer_id"].astype(str))[:3]
    # what the interactive cell of reconcile.ipynb builds
    sync = ArchivedSync(wb, notebook=NOTEBOOKS / "reconcile.ipynb", reports=tmp_path / "reports")
    flow = GuidedFlow(wb, reports_dir=sync.reports, apply=sync.apply)
    flow.confirm_company()
    flow.to_setup()
    flow.to_question()
    flow.answer(True)
    assert flow.panes is not None
    for cid in chosen:
        flow.panes.set_checked(cid, True)
    flow.panes.synchronize()
    assert flow.dialog is not None
    flow.dialog.confirm()  # Yes
    assert "Import completed: 3 inserted" in flow.dialog.text
    result = sync.last
    assert result is not None and result.outcome == "committed" and sorted(result.inserted) == chosen
    assert set(chosen) <= customers(paths.smsturbo)
    data = manifest(result.record_dir)
    assert data["kind"] == "sync" and data["parameters"]["select"] == ",".join(chosen)
    assert data["parameters"]["interactive"] is False and result.notebook_run.import_run_id == result.run_id
    assert result.run_id in flow.dialog.text
    again = sync.on_synchronize(frozenset(chosen))  # SyncPanes' callback, same selection: nothing to do
    assert again.outcome == "nothing-to-do" and not again.inserted
    wb.close()


# --- the size of a record -----------------------------------------------------------------------------


def _record_size(run: Any) -> int:
    return sum(p.stat().st_size for p in run.record_dir.iterdir() if p.suffix != ".pdf")


@pytest.mark.notebook
@pytest.mark.slow
def test_the_record_does_not_grow_with_the_customers_in_the_panes(tmp_path: Path) -> None:
    sizes = {}
    for clients in (300, 30_000):
        paths = build_demo(tmp_path / f"demo{clients}", clients=clients)
        wb = smsync_core.connect(paths.sage_url, paths.smsturbo_url)
        rec = wb.reconcile()
        chosen = sorted(rec.sage_only.loc[rec.sage_only["eligible"], "customer_id"].astype(str))[:10]
        wb.close()
        run = run_notebook(NOTEBOOKS / "reconcile.ipynb",
                           {"sage_url": paths.sage_url, "smsturbo_url": paths.smsturbo_url,
                            "select": ",".join(chosen), "apply": True}, reports_dir=tmp_path / f"r{clients}")
        assert run.ok and len(run.inserted) == 10, run.error
        sizes[clients] = _record_size(run)
    # 100 times the customers, the same 10 changes: the record stays within a few percent
    assert abs(sizes[30_000] - sizes[300]) < 0.05 * sizes[300], sizes


# --- one import, one record, one id; the auditor's page and its PDF --------------------------------------


@pytest.mark.notebook
def test_a_notebook_import_is_one_record_whose_id_undo_reverses(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from smsync_core.notebooks.record_page import chromium

    paths = build_demo(tmp_path / "demo", clients=300)
    before = customers(paths.smsturbo)
    wb = smsync_core.connect(paths.sage_url, paths.smsturbo_url)
    rec = wb.reconcile()
    chosen = sorted(rec.sage_only.loc[rec.sage_only["eligible"], "customer_id"].astype(str))[:5]
    wb.close()
    unknown = ["NOT-IN-SAGE-1", "NOT-IN-SAGE-2"]
    reports = tmp_path / "reports"
    code, out, err = run_cli(capsys, "run", str(NOTEBOOKS / "reconcile.ipynb"), "-p", "sage_url", paths.sage_url,
                             "-p", "smsturbo_url", paths.smsturbo_url, "-p", "select", ",".join(chosen + unknown),
                             "-p", "apply", "true", "--reports", str(reports))
    assert code == 0, err
    (record,) = records(reports)  # one record: the notebook's files and the import's changes together
    assert f"Run {record.name}: committed" in out
    data = manifest(record)
    assert data["kind"] == "sync" and data["outcome"] == "committed" and data["counts"]["insert"] == 5
    assert {"reconcile.ipynb", "reconcile.html", "changes.jsonl", "skipped.jsonl"} <= set(data["files"])
    assert customers(paths.smsturbo) - before == set(chosen)
    # the auditor's page: every change and every skipped client, no Python or pandas leftovers, no paths
    page = (record / "reconcile.html").read_text("utf-8")
    for cid in chosen:  # a change: the customer's cell spans its fields' rows
        assert re.search(rf'<td rowspan="\d+">{cid}</td>', page), cid
    for cid in unknown:  # a skipped client, with the reason beside it
        assert re.search(rf"<td>{cid}</td><td>[^<]+</td>", page), cid
    for leftover in ("{'", "None", "NaN", "<NA>", str(tmp_path)):
        assert leftover not in page, leftover
    assert "smsync verify reports/" + record.name in page and data["files"]["changes.jsonl"] in page
    if chromium() is None:
        assert "Chromium" in data["pdf"]
        pytest.skip("Chromium is not installed, so the record has no PDF (apt-get install chromium)")
    assert (record / "reconcile.pdf").read_bytes().startswith(b"%PDF") and "reconcile.pdf" in data["files"]
    # the id `smsync run` printed is the one `smsync undo` takes: SMSTurbo is back to before, the undo recorded
    code, out, err = run_cli(capsys, "undo", record.name, "--smsturbo", paths.smsturbo_url,
                             "--reports", str(reports), "--yes")
    assert code == 0, err
    assert "Undo completed: 5 removed" in out
    assert customers(paths.smsturbo) == before
    undo = [r for r in records(reports) if r != record]
    assert len(undo) == 1 and manifest(undo[0])["kind"] == "undo" and manifest(undo[0])["undoes"] == record.name
    assert main(["verify", str(reports), "--smsturbo", paths.smsturbo_url]) == 0

