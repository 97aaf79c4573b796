"""The command line starts at once: asking for help imports none of the heavy libraries a command's work needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smsync_core.cli.dispatch import COMMANDS
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

HEAVY = ("pandas", "sqlalchemy", "pyarrow", "numpy", "adbc_driver_sqlite", "papermill", "nbformat")

# Runs the command line in a fresh interpreter, then prints which heavy libraries it imported.
_PROBE = """
import sys
from smsync_core.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("imported:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


def _heavy_imports(*words: str, heavy: tuple[str, ...] = HEAVY) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=heavy), *words],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2], check=True,
    )
    head, _, imported = done.stdout.rpartition("imported:")
    return [m for m in imported.strip().split(",") if m], head + done.stderr


def test_help_imports_no_heavy_library() -> None:
    imported, out = _heavy_imports("--help")
    assert "usage: smsync" in out
    assert imported == []


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_imports_no_heavy_library(command: str) -> None:
    imported, out = _heavy_imports(command, "--help")
    assert f"usage: smsync {command}" in out
    assert imported == []


def test_suggest_help_states_the_engines_threshold() -> None:
    from smsync_core.suggest.engine import DEFAULT_THRESHOLD

    _, out = _heavy_imports("suggest", "--help")
    assert f"default {DEFAULT_THRESHOLD:g}" in " ".join(out.split())


def test_diff_imports_only_what_it_uses(tmp_path: Path) -> None:
    """ADBC's DBAPI module imports polars whenever it is installed: the SQLite read uses ADBC's own bindings.
    Nothing is written as Excel: openpyxl is not imported."""
    pytest.importorskip("adbc_driver_sqlite", reason="the ADBC SQLite driver is not installed")
    sage = make_sage_db(tmp_path / "sage.db", [client("ACME", name="Acme Corp"), client("NEW-1", name="New")])
    turbo = make_smsturbo_db(tmp_path / "turbo.db", [customer("ACME", name="Acme Corp")])
    imported, out = _heavy_imports(
        "diff", "--sage", sage, "--smsturbo", turbo, "--format", "json",
        heavy=("adbc_driver_sqlite", "adbc_driver_manager.dbapi", "polars", "openpyxl"),
    )
    assert '"NEW-1"' in out
    assert imported == ["adbc_driver_sqlite"]


def test_run_does_not_compile_the_iri_grammar(tmp_path: Path) -> None:
    """jsonschema (through papermill's nbformat) would compile rfc3987_syntax's grammar, 1-2 s a run, for a format
    no notebook schema uses; the run still validates the notebooks it reads and writes. The run's own process
    reads no data: pandas is the kernel's business."""
    import nbformat

    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": kernel}, cells=[  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("answer = 41", metadata={"tags": ["parameters"]}),  # type: ignore[no-untyped-call]
        nbformat.v4.new_code_cell("print(answer + 1)"),  # type: ignore[no-untyped-call]
    ])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)  # type: ignore[no-untyped-call]
    imported, out = _heavy_imports("run", str(path), "-p", "answer", "1", "--reports", str(tmp_path / "reports"),
                                   heavy=("papermill", "rfc3987_syntax", "pandas"))
    assert ": completed" in out, out
    assert imported == ["papermill"]
    executed = nbformat.read(next((tmp_path / "reports").glob("*/tiny.ipynb")), as_version=4)  # type: ignore[no-untyped-call]
    assert executed.cells[2].outputs[0]["text"] == "2\n"


def test_jsonschema_without_the_iri_grammar_still_validates() -> None:
    probe = """
import sys
from smsync_core.notebooks.jupyter import import_jsonschema
import_jsonschema()
import jsonschema
import nbformat
print("rfc3987_syntax" in sys.modules)
nbformat.validate(nbformat.v4.new_notebook())
try:
    nbformat.validate({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "nope"}]})
except nbformat.ValidationError:
    print("invalid")
import rfc3987_syntax
print(rfc3987_syntax.is_valid_syntax("iri", "http://example.org/ä"))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "invalid", "True"]
