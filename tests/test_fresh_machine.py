"""A fresh machine without unixODBC: the suite still collects, the core tests pass, and what needs ODBC skips.

``pyodbc`` and ``arrow_odbc`` load ``libodbc.so.2`` as they are imported. Each test here runs Python in a
subprocess whose path starts with stand-ins for them (and for Playwright) that record who imported them and
raise the ImportError a machine without unixODBC raises, so nothing depends on what this machine has installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NATIVE = ("pyodbc", "arrow_odbc", "playwright")
CORE_TESTS = ("test_validate.py", "test_reconcile.py")

STAND_IN = '''\
"""Stands in for {name} on a machine without its native library (tests/test_fresh_machine.py)."""
import os, traceback
with open(os.environ["SMSYNC_NATIVE_IMPORTS"], "a", encoding="utf-8") as log:
    log.write("import {name}\\n" + "".join(traceback.format_stack(limit=8)) + "\\n")
raise ImportError("libodbc.so.2: cannot open shared object file: No such file or directory (simulated)")
'''


@pytest.fixture
def without_native(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment where pyodbc, arrow_odbc and Playwright cannot be imported, and the log of attempts."""
    stand_ins = tmp_path / "stand_ins"
    stand_ins.mkdir()
    for name in NATIVE:
        (stand_ins / f"{name}.py").write_text(STAND_IN.format(name=name), encoding="utf-8")
    log = tmp_path / "native_imports.log"
    log.touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stand_ins), str(ROOT)]),
           "SMSYNC_NATIVE_IMPORTS": str(log), "CI": "false"}
    env.pop("PYTEST_ADDOPTS", None)
    return env, log


def _run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def test_the_stand_ins_really_make_pyodbc_unimportable(without_native: tuple[dict[str, str], Path]) -> None:
    env, log = without_native
    run = _run(["-c", "import pyodbc"], env)
    assert run.returncode != 0 and "libodbc.so.2" in run.stderr, run.stderr
    assert "import pyodbc" in log.read_text(encoding="utf-8")


def test_smsync_core_and_its_cli_import_without_odbc(without_native: tuple[dict[str, str], Path]) -> None:
    env, log = without_native
    run = _run(["-c", "import smsync_core, smsync_core.cli"], env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert log.read_text(encoding="utf-8") == "", "smsync_core imported a native module:\n" + log.read_text()


@pytest.mark.slow
def test_the_whole_suite_collects_without_odbc_or_playwright(without_native: tuple[dict[str, str], Path]) -> None:
    env, log = without_native
    run = _run(["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"], env)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "error" not in output.splitlines()[-1], output
    assert log.read_text(encoding="utf-8") == "", "imported while collecting:\n" + log.read_text()


@pytest.mark.slow
def test_the_core_tests_pass_without_odbc(without_native: tuple[dict[str, str], Path]) -> None:
    env, _log = without_native
    files = sorted(str(path.relative_to(ROOT)) for name in CORE_TESTS for path in (ROOT / "tests").rglob(name))
    assert len(files) == len(CORE_TESTS), files
    env["CI"] = "true"  # a core test that skipped for want of ODBC would fail here, not pass unnoticed
    run = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", *files], env)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    assert " passed" in run.stdout.splitlines()[-1], run.stdout[-2000:]


NEEDS_ODBC = """
    from tests.support.native import pyodbc

    def test_reads_the_drivers():
        assert isinstance(pyodbc.drivers(), list)

    def test_uses_the_fixture(odbc):
        assert odbc.Error

    def test_needs_nothing():
        pass
"""


@pytest.mark.parametrize("ci", [False, True], ids=["workstation", "ci"])
def test_a_test_that_needs_odbc_skips_with_the_reason_and_fails_under_ci(
    without_native: tuple[dict[str, str], Path], tmp_path: Path, ci: bool
) -> None:
    env, _log = without_native
    env["CI"] = "true" if ci else "false"
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(NEEDS_ODBC), encoding="utf-8")
    run = _run(["-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-p", "tests.conftest", "-p", "no:cacheprovider",
                "-q", "-rsf", str(tmp_path / "test_inner.py")], env, cwd=tmp_path)
    summary = run.stdout.splitlines()[-1] if run.stdout else ""
    assert "pyodbc cannot be imported" in run.stdout and "apt-get install unixodbc" in run.stdout, run.stdout
    if ci:
        assert run.returncode == 1 and "1 failed, 1 passed, 1 error" in summary, run.stdout + run.stderr
    else:
        assert run.returncode == 0 and "1 passed, 2 skipped" in summary, run.stdout + run.stderr
