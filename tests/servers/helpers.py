"""What the server tests share: running the CLI, reading a server table straight, comparing with SQLite."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from smsync_core.cli import main

#: Keys of the sync JSON that differ on every run by construction (new ids, paths).
RUN_KEYS = ("run_id", "record_dir")


@dataclass(frozen=True)
class Ran:
    """One ``smsync`` command: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    @property
    def data(self) -> Any:
        """stdout as JSON."""
        return json.loads(self.out)

    def one_error_line(self) -> str:
        """The single stderr line of a failed command (asserting there is exactly one, and no traceback)."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("smsync: "), self.err
        assert "Traceback" not in self.err
        return lines[0]


def smsync(capsys: pytest.CaptureFixture[str], *argv: str) -> Ran:
    """Run ``smsync argv...`` in this process, as a user would, and capture what it prints."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return Ran(code, out, err)


def without_run_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """A sync/undo JSON result without the keys that differ on every run."""
    return {k: v for k, v in data.items() if k not in RUN_KEYS}


def plain_value(value: Any) -> Any:
    """A value as any backend gives it back, made comparable: Decimal and float as float, bytes as text."""
    if isinstance(value, Decimal | float):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    return value


def table_rows(url: str, table: str = "Customer", key: str = "CustomerID") -> dict[str, dict[str, Any]]:
    """Every row of ``table`` read straight through SQLAlchemy (not through smsync): key -> row."""
    engine = sa.create_engine(url)
    try:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            found = connection.execute(sa.select(reflected)).mappings().all()
    finally:
        engine.dispose()
    return {str(r[key]): {c: plain_value(v) for c, v in r.items()} for r in found}


def count_rows(url: str, table: str) -> int:
    """Rows in ``table`` (0 when it does not exist)."""
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table(table):
            return 0
        reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(reflected)).scalar_one())
    finally:
        engine.dispose()


def execute(url: str, *statements: str, params: Mapping[str, Any] | None = None) -> None:
    """Run statements as the administrator (test setup only), in one transaction."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement), dict(params or {}))
    finally:
        engine.dispose()


def quote(url: str, name: str) -> str:
    """``name`` quoted for the server behind ``url`` (case preserved)."""
    return sa.create_engine(url).dialect.identifier_preparer.quote_identifier(name)


def reports(tmp_path: Path, name: str = "reports") -> str:
    """A reports directory under ``tmp_path`` (as text for the command line)."""
    return str(tmp_path / name)
