"""Shared test setup: the support fixtures for every test, and under ``CI=true`` no test may skip.

Nothing imported here (nor by ``tests/support``) loads a native library: pyodbc, arrow-odbc and Playwright are
imported by the fixtures that use them, so the suite collects on a machine without unixODBC or Chromium.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
from pytest import CollectReport, TestReport

from tests.support import in_ci
from tests.support.browser import chromium_browser  # noqa: F401 - fixtures, found by name
from tests.support.native import odbc  # noqa: F401 - fixtures, found by name
from tests.support.servers import (  # noqa: F401 - fixtures, found by name
    mariadb_odbc_driver,
    mariadb_odbc_url,
    mariadb_server,
    mariadb_user,
    pg_odbc_connstr,
    pg_odbc_driver,
    pg_role,
    pg_server,
    pg_url,
)

try:  # the SQLite data fixtures; this conftest must work before that module exists
    from tests.support.data import *  # noqa: F403
except ModuleNotFoundError as missing:
    if missing.name != "tests.support.data":
        raise


def _skip_reason(longrepr: object) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _refuse_skip(report: TestReport | CollectReport) -> None:
    reason = _skip_reason(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, TestReport,
                                                                                           TestReport]:
    """Under CI a skipped test (mark, fixture or ``pytest.skip``) is reported as failed, with its reason."""
    report = yield
    if in_ci() and report.skipped:
        _refuse_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, CollectReport, CollectReport]:
    """Under CI a module skipped as a whole (``pytest.importorskip``...) is a failure too."""
    report = yield
    if in_ci() and report.skipped:
        _refuse_skip(report)
    return report
