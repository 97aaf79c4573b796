"""Modules that need a native library, imported when a test first uses them, never at collection time.

``pyodbc`` and ``arrow_odbc`` load unixODBC's ``libodbc.so.2`` as they are imported; on a machine without it the
import fails. Imported at the top of a test module (or of a conftest), that failure would stop the whole suite
from collecting. Here each stands as a :class:`NativeModule`: a placeholder that imports the real module on the
first attribute a test reads (``pyodbc.Error``, ``pyodbc.drivers()``) and, where it cannot be loaded, skips that
test with the reason and how to get it, or fails it under ``CI=true`` (:func:`tests.support.unavailable`).

Use them only inside tests, fixtures and helpers they call, never at module level; the ``odbc`` fixture loads
pyodbc up front for tests that need it without naming it (an ``mssql+pyodbc://`` engine imports it).
``tests/test_fresh_machine.py`` checks that the suite collects with these modules unimportable.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.support import unavailable

__all__ = ["NativeModule", "arrow_odbc", "loaded", "odbc", "pyodbc"]

ODBC_HINT = ("install unixODBC and the drivers: apt-get install unixodbc odbc-mariadb odbc-postgresql tdsodbc "
             "(`make test` run as root on Debian does it)")


class NativeModule:
    """A module imported on first use; where it cannot be, the test using it skips (fails under CI)."""

    def __init__(self, name: str, hint: str) -> None:
        self._name = name
        self._hint = hint

    def load(self) -> ModuleType:
        """The real module, imported now if it was not yet."""
        try:
            return importlib.import_module(self._name)
        except ImportError as error:
            problem = str(error)
        unavailable(f"{self._name} cannot be imported ({problem}); {self._hint}")  # outside `except`: no chain

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("_"):  # pytest, inspect and copy probe objects for dunders: never load for them
            raise AttributeError(attribute)
        return getattr(self.load(), attribute)

    def __repr__(self) -> str:
        return f"<NativeModule {self._name!r}, imported on first use>"


pyodbc: Any = NativeModule("pyodbc", ODBC_HINT)
arrow_odbc: Any = NativeModule("arrow_odbc", ODBC_HINT)


def loaded(name: str) -> ModuleType | None:
    """The module ``name`` if something already imported it, else None (without importing it)."""
    return sys.modules.get(name)


@pytest.fixture
def odbc() -> ModuleType:
    """pyodbc, loaded for this test: skips with the reason (fails under CI) where ``libodbc.so.2`` is missing."""
    module: ModuleType = pyodbc.load()
    return module
