"""A large SQLite table is read as two rowid ranges on two connections at once: the same frame as one read, and
never two states of the table (a commit between the halves sends the read back to one connection)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from smsync_core.config import load_config
from smsync_core.db import arrow as arrow_read
from smsync_core.db.connect import source_engine
from smsync_core.sources.sage100 import read_clients
from tests.support.data import client, make_sage_db
from tests.support.readers import assert_same, read_twice

CONFIG = load_config({})


@pytest.fixture
def splits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Tables above 10 rows are split; each read records whether it was (True) or fell back to one read (False)."""
    monkeypatch.setattr(arrow_read, "SPLIT_ROWS", 10)
    found: list[bool] = []
    split = arrow_read._split_read

    def recorded(*args: object) -> object:
        halves = split(*args)  # type: ignore[arg-type]
        found.append(halves is not None)
        return halves

    monkeypatch.setattr(arrow_read, "_split_read", recorded)
    return found


def _clients(n: int) -> list[dict[str, object]]:
    # padding, blanks, NULLs, emoji, numbers as text: whatever sits on either side of the middle row
    return [client(f"{1000 + i}", name=f"Client {i} 🚜  " if i % 3 else None, phone=" " * (i % 4),
                   city=f"Town {i % 7}", status=i % 8) for i in range(n)]


def test_a_large_table_read_in_two_halves_gives_the_frame_of_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, splits: list[bool]
) -> None:
    url = make_sage_db(tmp_path / "sage.db", _clients(57))
    engine = source_engine(url, CONFIG)
    fast, slow, used = read_twice(lambda: read_clients(engine, CONFIG), monkeypatch)
    assert used == "adbc-sqlite" and splits[0] is True
    assert_same(fast, slow)
    assert fast["customer_id"].tolist() == [f"{1000 + i}" for i in range(57)]  # the table's order


def test_a_commit_between_the_halves_falls_back_to_one_consistent_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, splits: list[bool]
) -> None:
    path = tmp_path / "sage.db"
    url = make_sage_db(path, _clients(40))

    def commit_elsewhere() -> None:  # another program changes both halves while smsync reads
        with sqlite3.connect(path) as other:
            other.execute("UPDATE reccln SET clnnme = 'Renamed' WHERE recnum IN ('1001', '1038')")
        monkeypatch.setattr(arrow_read, "_between_halves", None)  # once

    monkeypatch.setattr(arrow_read, "_between_halves", commit_elsewhere)
    engine = source_engine(url, CONFIG)
    frame = read_clients(engine, CONFIG)
    assert splits[0] is False  # the halves were dropped
    names = dict(zip(frame["customer_id"], frame["name"], strict=True))
    assert names["1001"] == names["1038"] == "Renamed"  # one state: after the commit, on both sides of the middle
    assert len(frame) == 40


def test_small_and_without_rowid_tables_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, splits: list[bool]
) -> None:
    small = make_sage_db(tmp_path / "small.db", _clients(9))
    read_clients(source_engine(small, CONFIG), CONFIG)
    path = tmp_path / "norowid.db"
    make_sage_db(path, _clients(30))
    with sqlite3.connect(path) as con:
        columns = ", ".join(f'"{row[1]}"' for row in con.execute("PRAGMA table_info(reccln)"))
        con.execute(f"CREATE TABLE copy ({columns}, PRIMARY KEY (recnum)) WITHOUT ROWID")
        con.execute("INSERT INTO copy SELECT * FROM reccln")
        con.execute("DROP TABLE reccln")
        con.execute("ALTER TABLE copy RENAME TO reccln")
    engine = source_engine(f"sqlite:///{path}", CONFIG)
    fast, slow, used = read_twice(lambda: read_clients(engine, CONFIG), monkeypatch)
    assert used == "adbc-sqlite" and splits == [False, False]
    assert_same(fast, slow)


@pytest.mark.parametrize("missing_only", [True, False])
def test_a_reconciliation_of_split_reads_is_that_of_single_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing_only: bool, splits: list[bool]
) -> None:
    """Columns read in two halves (two chunks) go through validation, the comparison and the panes as one."""
    import smsync_core
    from smsync_core.demo import build_demo

    paths = build_demo(tmp_path, clients=600, seed=5)

    def everything() -> list[object]:
        wb = smsync_core.connect(paths.sage_url, paths.smsturbo_url, {})
        rec = wb.reconcile(missing_only=missing_only)
        frames = [rec.sage_only, rec.smsturbo_only, rec.different, rec.differences, rec.matched, rec.findings,
                  rec.right_pane(), rec.left_pane()]
        wb.close()
        return [*frames, rec.counts()]

    monkeypatch.setattr(arrow_read, "SPLIT_ROWS", 10**9)
    single = everything()
    monkeypatch.setattr(arrow_read, "SPLIT_ROWS", 50)
    before = arrow_read.READS.copy()
    split = everything()
    assert (arrow_read.READS - before)["adbc-sqlite"] == 2 and splits == [False, False, True, True]
    for ours, theirs in zip(split, single, strict=True):
        if isinstance(ours, dict):
            assert ours == theirs
        else:
            pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
