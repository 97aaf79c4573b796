"""Workbench.reconcile reads the two databases at the same time where both have an Arrow driver."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import smsync_core
from smsync_core.config import Config
from smsync_core.db import arrow as arrow_read
from smsync_core.db import reading
from smsync_core.db.connect import target_engine
from smsync_core.errors import SchemaMismatch
from smsync_core.frames import TEXT
from smsync_core.sources import sage100
from smsync_core.targets import smsturbo
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db


def _pair(tmp_path: Path) -> tuple[str, str]:
    sage = make_sage_db(tmp_path / "sage.db", [client("A1"), client("B2", name="Beta"), client("C3")])
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("A1"), customer("B2"), customer("Z9")])
    return sage, target


def _threads_of_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    seen: dict[str, str] = {}
    read_clients, read_customers = sage100.read_clients, smsturbo.read_customers

    def clients(*args: Any) -> Any:
        seen["sage"] = threading.current_thread().name
        return read_clients(*args)

    def customers(*args: Any) -> Any:
        seen["smsturbo"] = threading.current_thread().name
        return read_customers(*args)

    monkeypatch.setattr(sage100, "read_clients", clients)
    monkeypatch.setattr(smsturbo, "read_customers", customers)
    return seen


def test_both_sides_are_read_at_once_with_arrow_drivers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    sage, target = _pair(tmp_path)
    seen = _threads_of_reads(monkeypatch)
    rec = smsync_core.connect(sage, target).reconcile(missing_only=False)
    assert seen["sage"] == threading.current_thread().name
    assert seen["smsturbo"].startswith("smsync-read")
    assert rec.counts() == {"smsturbo_only": 1, "sage_only": 1, "different": 1, "matched": 1, "eligible": 2}
    sequential = smsync_core.connect(sage, target)
    sequential.sage_clients()  # read one by one: the same answer
    assert sequential.reconcile(missing_only=False).to_dict() == rec.to_dict()


def test_dbapi_reads_stay_one_after_the_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(arrow_read.READER_ENV, "dbapi")  # two DBAPI fetches would only contend for the GIL
    sage, target = _pair(tmp_path)
    seen = _threads_of_reads(monkeypatch)
    smsync_core.connect(sage, target).reconcile()
    assert seen == {"sage": threading.current_thread().name, "smsturbo": threading.current_thread().name}


@pytest.mark.parametrize("broken", ["sage", "both"])
def test_the_sage_error_comes_first_as_when_read_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           broken: str) -> None:
    monkeypatch.delenv(arrow_read.READER_ENV, raising=False)
    sage, target = _pair(tmp_path)
    config = Config()
    config = config.replace(sage=dataclasses.replace(config.sage, table="no_such_clients"))
    if broken == "both":
        config = config.replace(smsturbo=dataclasses.replace(config.smsturbo, table="no_such_customers"))
    wb = smsync_core.connect(sage, target, config=config)
    with pytest.raises(SchemaMismatch, match="Sage 100 database has no table no_such_clients"):
        wb.reconcile()


def test_an_smsturbo_error_is_raised_when_sage_reads_fine(tmp_path: Path) -> None:
    sage, target = _pair(tmp_path)
    config = Config()
    wb = smsync_core.connect(sage, target, Config().replace(
        smsturbo=dataclasses.replace(config.smsturbo, table="no_such_customers")))
    with pytest.raises(SchemaMismatch, match="no_such_customers"):
        wb.reconcile()
    assert "sage" in wb._cache  # the Sage side was read meanwhile



@pytest.mark.parametrize("where", ["first", "last", "middle", "none"])
def test_the_template_customer_is_left_out_wherever_it_is(tmp_path: Path, where: str) -> None:
    ids = {"first": ["ZZDEFAULT", "A1", "B2"], "last": ["A1", "B2", "ZZDEFAULT"],
           "middle": ["A1", "ZZDEFAULT", "B2"], "none": ["A1", "B2", "C3"]}[where]
    url = make_smsturbo_db(tmp_path / "smsturbo.db", [customer(i, name=f"n{n}") for n, i in enumerate(ids)],
                           template=False)
    config = smsync_core.load_config({})
    engine = target_engine(url, config)
    whole = reading.read_mapped(engine, config.smsturbo, "smsturbo",
                                [f for f in smsturbo.TARGET_FIELDS if f in config.smsturbo.columns])
    expected = whole[whole["customer_id"] != "ZZDEFAULT"].reset_index(drop=True)  # what the read always gave
    pd.testing.assert_frame_equal(smsturbo.read_customers(engine, config), expected, check_exact=True)


@pytest.mark.parametrize("ids", [
    ["ZZDEFAULT", None, "A1", "B2"], ["A1", "B2", None, "ZZDEFAULT"], ["ZZDEFAULT", "A1", "ZZDEFAULT", "B2"],
    [None, "A1", "B2"], ["A1", "B2"], ["ZZDEFAULT"], [],
])
def test_template_and_missing_customer_ids_are_left_out_as_a_mask_would(ids: list[str | None]) -> None:
    frame = pd.DataFrame({"customer_id": pd.array(ids, dtype=TEXT),
                          "status": pd.array(range(len(ids)), dtype="Int64")})
    expected = frame[frame["customer_id"] != "ZZDEFAULT"].reset_index(drop=True)
    pd.testing.assert_frame_equal(smsturbo._without_template(frame), expected, check_exact=True)
