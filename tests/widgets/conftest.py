"""The seed's story as two small real SQLite databases, and panes built from their reconciliation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import smsync_core
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

#: Sage 100 clients: eligible, inactive (Julie Smith, status 6), invalid and duplicated Client Numbers,
#: an incomplete address (a warning only), one identical and one differing customer.
SAGE_ROWS = [
    client("1001", name="Acme Heating"),
    client("1002", name="Baker Plumbing", city="Chicago"),
    client("1003", name="Julie Smith", status=6),
    client("ab 12", name="Lowercase Id Co"),
    client("1005", name="Carter Electric", phone="217-555-0111"),
    client("1006", name="Dunn Roofing", city=None),
    client("1008", name="Dup One"),
    client("1008", name="Dup Two"),
]
#: SMSTurbo customers: two typed in by hand (only in SMSTurbo), one identical, one with another phone.
SMSTURBO_ROWS = [
    customer("1001", name="Acme Heating"),
    customer("1005", name="Carter Electric"),
    customer("T900", name="Old Customer"),
    customer("T901", name="Walk-in Customer"),
]
ELIGIBLE_NEW = frozenset({"1002", "1006"})


@pytest.fixture
def story(tmp_path: Path) -> Any:
    """A workbench on the story databases."""
    sage = make_sage_db(tmp_path / "sage.db", SAGE_ROWS)
    target = make_smsturbo_db(tmp_path / "smsturbo.db", SMSTURBO_ROWS)
    return smsync_core.connect(sage, target, config={})


@pytest.fixture
def big_story(tmp_path: Path) -> Callable[[int], Any]:
    """A workbench whose Sage company has ``n`` clients not yet in SMSTurbo (every 10th inactive)."""

    def build(n: int) -> Any:
        rows = [client(f"C{i:06d}", status=6 if i % 10 == 0 else 3) for i in range(n)]
        sage = make_sage_db(tmp_path / f"sage{n}.db", rows)
        target = make_smsturbo_db(tmp_path / f"smsturbo{n}.db", SMSTURBO_ROWS[2:])
        return smsync_core.connect(sage, target, config={})

    return build
