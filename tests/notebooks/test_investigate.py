"""The investigate-IDs notebook, executed with papermill against the SQLite demo databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill
import pytest

import smsync_core
from smsync_core.demo import DemoPaths, build_demo
from smsync_core.suggest.engine import suggest
from smsync_core.suggest.report import WORKLIST_COLUMNS, WORKLIST_HEADINGS

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "investigate_ids.ipynb"

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return build_demo(tmp_path_factory.mktemp("demo"), clients=300)


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]


def _run(demo: DemoPaths, tmp_path: Path, **parameters: object) -> Path:
    output = tmp_path / "investigate_ids.out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(output),
        parameters={
            "sage_url": demo.sage_url,
            "smsturbo_url": demo.smsturbo_url,
            "worklist_path": str(tmp_path / "worklist.xlsx"),
            **parameters,
        },
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    return output


def test_parameters_cell_is_tagged() -> None:
    cells = _read(NOTEBOOK).cells
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    declared = papermill.inspect_notebook(str(NOTEBOOK))  # every line of the cell parses (comments included)
    assert set(declared) == {"sage_url", "smsturbo_url", "threshold", "pair", "worklist_path"}
    assert declared["threshold"]["inferred_type_name"] == "float" and declared["pair"]["help"]


def test_notebook_runs_and_writes_the_worklist(demo: DemoPaths, tmp_path: Path) -> None:
    output = _run(demo, tmp_path)
    executed = _read(output)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]  # fmt: skip
    assert not errors
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in executed.cells for o in c.get("outputs", []))  # fmt: skip
    assert "never renames customer IDs" in executed.cells[0].source

    wb = smsync_core.connect(demo.sage_url, demo.smsturbo_url)
    smsturbo_only = wb.reconcile(missing_only=False).smsturbo_only
    expected = suggest(wb.sage_clients(), wb.smsturbo_customers())
    best = expected[(expected["direction"] == "smsturbo->sage") & (expected["rank"] == 1)]

    work = pd.read_excel(tmp_path / "worklist.xlsx", sheet_name="worklist", dtype=str, keep_default_na=False)
    assert list(work.columns) == [WORKLIST_HEADINGS[c] for c in WORKLIST_COLUMNS]  # headings in words
    work.columns = pd.Index(WORKLIST_COLUMNS)
    assert sorted(work["smsturbo_id"]) == sorted(smsturbo_only["customer_id"].astype(str))
    assert len(best) > 0
    found = dict(zip(work["smsturbo_id"], work["sage_id"], strict=True))
    assert {k: v for k, v in found.items() if v} == dict(zip(best["smsturbo_id"], best["sage_id"], strict=True))
    assert (work["action"] != "").all()
    sheet = pd.read_excel(tmp_path / "worklist.xlsx", sheet_name="suggestions")
    assert len(sheet) == len(expected)


def test_chosen_pair_is_shown_side_by_side(demo: DemoPaths, tmp_path: Path) -> None:
    wb = smsync_core.connect(demo.sage_url, demo.smsturbo_url)
    suggestions = wb.suggest()
    last = suggestions[suggestions["direction"] == "smsturbo->sage"].iloc[-1]
    chosen = f"{last['smsturbo_id']}={last['sage_id']}"
    executed = _read(_run(demo, tmp_path, pair=chosen, threshold=0.0))
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f"SMSTurbo {last['smsturbo_id']}  beside  Sage {last['sage_id']}" in text


def test_malformed_pair_fails_with_a_clear_message(demo: DemoPaths, tmp_path: Path) -> None:
    with pytest.raises(papermill.PapermillExecutionError, match="SMSTURBO_ID=SAGE_ID"):
        _run(demo, tmp_path, pair="ACMEPAVING")


def test_smsync_run_sets_threshold_and_pair_and_the_worklist_goes_into_the_record(
        demo: DemoPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from smsync_core.cli.dispatch import main

    monkeypatch.chdir(tmp_path)
    wb = smsync_core.connect(demo.sage_url, demo.smsturbo_url)
    suggestions = wb.suggest(threshold=0)
    chosen = suggestions[(suggestions["direction"] == "smsturbo->sage") & (suggestions["score"] < 70)].iloc[0]
    pair = f"{chosen['smsturbo_id']}={chosen['sage_id']}"
    reports = tmp_path / "elsewhere"
    code = main(["run", str(NOTEBOOK), "-p", "sage_url", demo.sage_url, "-p", "smsturbo_url", demo.smsturbo_url,
                 "-p", "threshold", "70", "-p", "pair", pair, "--reports", str(reports)])
    out = capsys.readouterr().out
    assert code == 0, out
    (record,) = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    manifest = json.loads((record / "manifest.json").read_text("utf-8"))
    assert manifest["parameters"]["threshold"] == 70 and manifest["parameters"]["pair"] == pair
    assert "id_worklist.xlsx" in manifest["files"]  # inside its run's record, listed and hashed
    assert not (tmp_path / "reports").exists()  # nothing written outside the record
    listed = pd.read_excel(record / "id_worklist.xlsx", sheet_name="suggestions")
    assert len(listed) and (listed[WORKLIST_HEADINGS["score"]] >= 70).all()  # the threshold reached the notebook
    executed = _read(record / "investigate_ids.ipynb")
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f"SMSTurbo {chosen['smsturbo_id']}  beside  Sage {chosen['sage_id']}" in text


def test_tables_are_for_people_one_row_per_pair(demo: DemoPaths, tmp_path: Path) -> None:
    executed = _read(_run(demo, tmp_path))
    tables = [o["data"]["text/html"] for c in executed.cells for o in c.get("outputs", [])
              if "text/html" in o.get("data", {})]  # fmt: skip
    assert tables
    for table in tables:
        for raw in ("&lt;NA&gt;", "<td>True</td>", "<td>False</td>", "<td>None</td>", "<td>NaN</td>"):
            assert raw not in table
    wb = smsync_core.connect(demo.sage_url, demo.smsturbo_url)
    found = wb.suggest()
    pairs = found[["smsturbo_id", "sage_id"]].drop_duplicates()
    listed = next(t for t in tables if "Why they look alike" in t)
    assert listed.count("<tr>") == len(pairs) < len(found)  # a pair found from both sides is listed once
