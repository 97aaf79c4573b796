"""Test support: fixtures for real servers, ODBC drivers and the browser, shared by every test.

The one rule every fixture here follows: when something the test needs is missing (a server that does not
answer, a driver that is not registered, no Chromium), the test is skipped with a reason that says how to get
it, except under ``CI=true``, where nothing may skip and the test fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True when running under CI (``CI=true``), where every test must run and nothing may skip."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip the current test because of ``reason``; under CI fail it, since CI must run everything."""
    if in_ci():
        pytest.fail(f"{reason} [CI=true: a missing server, driver or browser is a failure, not a skip]",
                    pytrace=False)
    pytest.skip(reason)


#: The repository's root folder, and the deliberately broken fixture notebooks.
ROOT = Path(__file__).resolve().parents[2]
FIXTURE_NOTEBOOKS = ROOT / "tests" / "data" / "notebooks"
