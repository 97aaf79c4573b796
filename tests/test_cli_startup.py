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
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent, check=True,
    )
    head, _, imported = done.stdout.rpartition("imported:")
    return [m for m in imported.strip().split(",") if m], head


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
