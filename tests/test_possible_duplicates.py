"""Possible duplicates: a Sage-only client that is probably an SMSTurbo-only customer under another ID.

DESIGN "Reconciliation": it carries ``possible_match`` (the suggestion engine's best candidate at or above its
threshold), is not eligible (Check All and ``--all-eligible`` skip it), and can still be checked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import smsync_core
from smsync_core.suggest import report, suggest
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

MESA = {"name": "Mesa Verde Landscaping", "address1": "2150 N Academy Blvd", "city": "Colorado Springs",
        "state": "CO", "postal_code": "80909", "phone": "(719) 555-0141", "email": "mesa@example.com"}


@pytest.fixture
def wb(tmp_path: Path) -> smsync_core.Workbench:
    sage = make_sage_db(tmp_path / "sage.db", [client("1005", **MESA), client("1006"), client("1007")])
    # 0001005 was typed into SMSTurbo by hand; 1007 is in both; T900 is unrelated
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [customer("0001005", **MESA), customer("1007"),
                                                         customer("T900", name="Old Customer")])
    return smsync_core.connect(sage, target, config={})


def test_a_look_alike_carries_its_possible_match_and_is_not_eligible(wb: smsync_core.Workbench) -> None:
    rec = wb.reconcile(missing_only=True)
    right = rec.right_pane().set_index("customer_id")
    assert right.loc["1005", "possible_match"] == "0001005"
    assert right.loc["1005", "possible_match_score"] >= 50 and not right.loc["1005", "eligible"]
    assert "IDs equal after normalising case, separators and leading zeros" in right.loc["1005",
                                                                                         "possible_match_reasons"]
    assert right["possible_match"].isna()["1006"] and right.loc["1006", "eligible"]  # an unrelated client
    assert rec.counts()["eligible"] == 1
    entry = {e["customer_id"]: e for e in json.loads(json.dumps(rec.to_dict()))["sage_only"]}
    assert entry["1005"]["possible_match"]["smsturbo_id"] == "0001005" and entry["1005"]["eligible"] is False
    assert entry["1006"]["possible_match"] is None


def test_all_eligible_skips_it_and_checked_by_hand_it_imports(wb: smsync_core.Workbench) -> None:
    assert wb.plan("all-eligible").insert_ids == ("1006",)
    assert wb.plan(["1005", "1006"]).insert_ids == ("1005", "1006")


def test_clients_on_both_sides_are_never_possible_duplicates(wb: smsync_core.Workbench) -> None:
    right = wb.reconcile(missing_only=False).right_pane()
    assert right.loc[right["kind"] == "update", "possible_match"].isna().all()
    assert "1007" not in set(right.loc[right["possible_match"].notna(), "customer_id"])


def test_the_worklist_does_not_send_a_known_pair_to_sage_by_hand(wb: smsync_core.Workbench) -> None:
    wb.apply(wb.plan(["1005"]), reports_dir=wb.smsturbo_url.removeprefix("sqlite:///") + ".reports")
    wb.refresh()
    rec = wb.reconcile(missing_only=False)  # 1005 and 0001005 are both in SMSTurbo now
    candidates = suggest(wb.sage_clients(), rec.smsturbo_only)
    work = report.worklist(candidates, wb.sage_clients(), rec.smsturbo_only,
                           in_smsturbo=wb.smsturbo_customers()["customer_id"])
    action = dict(zip(work["smsturbo_id"], work["action"], strict=True))
    assert action["0001005"] == report.DUPLICATE and "do not enter it in Sage 100" in action["0001005"]
    assert action["T900"] == report.ENTER


def test_one_row_per_pair_in_words() -> None:
    sage = [client("1005", **MESA)]
    turbo = [customer("0001005", **MESA)]
    import pandas as pd

    found = suggest(pd.DataFrame(sage), pd.DataFrame(turbo))
    assert len(found) == 2  # the pair, found from both sides
    table = report.pairs(found)
    assert len(table) == 1 and list(table.columns) == list(report.PAIR_HEADINGS.values())
    assert "; " in table.iloc[0]["Why they look alike"]
    readable = report.readable(report.side_by_side(pd.DataFrame(sage), pd.DataFrame(turbo), "0001005", "1005"))
    text = readable.to_string()
    assert "<NA>" not in text and "True" not in text and "False" not in text and "yes" in text
