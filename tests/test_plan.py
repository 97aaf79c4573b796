"""The plan (dry run): what an import would change, field by field, built from a reconciliation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smsync_core import schema
from smsync_core.plan import build_plan
from smsync_core.workbench import Workbench
from tests.support.data import client, customer
from tests.support.runs import open_pair


@pytest.fixture
def wb(tmp_path: Path) -> Workbench:
    """New, inactive, flagged-inactive, erroneous, duplicated, differing and identical clients."""
    clients = [
        client("A1"), client("A2", name="Second"), client("OLD", status=6), client("FLAG", inactive=1),
        client("too-long-client-number"), client("DUP"), client("DUP", name="Other"),
        client("B1", name="New name", phone="555-0000", contact="Someone Else"), client("C1"),
    ]
    return open_pair(tmp_path, clients, [customer("B1"), customer("C1")])


def test_all_eligible_takes_exactly_the_eligible_rows_of_the_right_pane(wb: Workbench) -> None:
    rec = wb.reconcile(missing_only=True)
    pane = rec.right_pane()
    plan = wb.plan("all-eligible")
    assert set(plan.insert_ids) == set(pane.loc[pane["eligible"], "customer_id"]) == {"A1", "A2"}
    assert plan.selection == ("all-eligible",)
    assert plan.skipped.empty and plan.updates.empty


def test_all_eligible_in_all_mode_updates_differing_clients_within_the_groups(wb: Workbench) -> None:
    plan = wb.plan("all-eligible", replace=("name", "phones"))
    assert plan.mode == "all"
    assert plan.update_ids == ("B1",)
    assert list(plan.updates["field"]) == ["name", "phone"]  # contact differs too, but is not replaced
    assert list(plan.updates["before"]) == ["Client B1", client("B1")["phone"]]
    assert list(plan.updates["after"]) == ["New name", "555-0000"]
    assert list(plan.updates["column"]) == ["CustomerName", "Phone"]


def test_skip_reasons(wb: Workbench) -> None:
    plan = wb.plan(["OLD", "FLAG", "too-long-client-number", "DUP", "C1", "B1", "ghost", "A1", "A1"],
                   replace=("email",))
    assert plan.insert_ids == ("OLD", "FLAG", "A1")  # inactive clients may be chosen by hand; A1 once
    reasons = dict(zip(plan.skipped["customer_id"], plan.skipped["reason"], strict=True))
    # rules in words, as the page, the JSON and the record say them: no rule codes
    assert reasons["too-long-client-number"].startswith("Client Number longer than 15 characters")
    assert reasons["DUP"] == "Client Number used by more than one client"
    assert not any(code in reason for reason in reasons.values() for code in schema.RULES)
    assert reasons["C1"] == "already in SMSTurbo and identical"
    assert reasons["B1"].startswith("nothing to replace")
    assert reasons["ghost"].startswith("not in Sage 100")
    assert plan.selection[-2:] == ("A1", "A1")  # as given


def test_nothing_to_replace_names_fields_and_replace_options_in_words(tmp_path: Path) -> None:
    """The reason says the fields as the panes do and which Replace Options would cover them: no internal names."""
    wb = open_pair(tmp_path, [client("B1", address1="1 New Street", postal_code="99999")], [customer("B1")])
    plan = wb.plan(["B1"], replace=("phones",))
    reason = plan.skipped["reason"].iloc[0]
    assert reason == ("nothing to replace: it differs only in Address 1 and Zip, which the checked Replace Options "
                      "do not cover; check Address in the Replace Options to update them")
    assert not any(name in reason for name in ("address1", "postal_code", "phones"))


def test_nothing_to_replace_lists_each_option_that_would_cover_the_differences(wb: Workbench) -> None:
    reason = wb.plan(["B1"], replace=("email",)).skipped["reason"].iloc[0]
    assert reason == ("nothing to replace: it differs only in Name, Phone and Contact, which the checked Replace "
                      "Options do not cover; check Name, Phone numbers and Contact in the Replace Options to update "
                      "them")


def test_no_replace_options_means_existing_customers_are_never_changed(wb: Workbench) -> None:
    plan = wb.plan(["B1"], replace=(), missing_only=False)
    assert plan.empty
    assert plan.skipped["reason"].iloc[0] == "nothing to replace: no Replace Options are checked"


def test_saved_replace_options_are_the_default(tmp_path: Path) -> None:
    clients = [client("B1", phone="555-0000")]
    wb = open_pair(tmp_path, clients, [customer("B1")], config={"replace": {"groups": ["phones"]}})
    plan = wb.plan(["B1"])
    assert plan.replace_groups == ("phones",) and plan.update_ids == ("B1",)


def test_inserts_take_mapped_fields_from_sage_and_the_rest_from_zzdefault(wb: Workbench) -> None:
    plan = wb.plan(["A2"])
    row = plan.inserts.iloc[0].to_dict()
    assert row["CustomerID"] == "A2" and row["CustomerName"] == "Second"
    assert (row["Terms"], row["TaxCode"], row["CreditLimit"]) == ("NET30", "TX1", 5000)
    assert row["Address2"] is None


def test_to_frame_lists_every_change_field_by_field(wb: Workbench) -> None:
    plan = wb.plan(["A1", "B1"], replace=("contact",))
    frame = plan.to_frame()
    assert list(frame.columns) == ["customer_id", "action", "field", "column", "before", "after"]
    inserts = frame[frame["action"] == "insert"]
    assert len(inserts) == len(plan.inserts.columns) - 1  # one row per column but the ID itself
    assert set(inserts["field"]) >= {"name", "postal_code", "Terms"}
    update = frame[frame["action"] == "update"].iloc[0].to_dict()
    assert update == {"customer_id": "B1", "action": "update", "field": "contact", "column": "Contact",
                      "before": "Pat Doe", "after": "Someone Else"}


def test_to_dict_is_json(wb: Workbench) -> None:
    plan = wb.plan("all-eligible", replace=("phones",))
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["insert_ids"] == ["A1", "A2"] and data["update_ids"] == ["B1"]
    assert data["inserts"][0]["values"]["CustomerID"] == "A1"


def test_changes_are_keyed_by_target_columns(wb: Workbench) -> None:
    plan = wb.plan(["A1", "B1"], replace=("name",))
    changes = {c.customer_id: c for c in plan.changes()}
    assert changes["A1"].action == "insert" and changes["A1"].before is None
    assert changes["B1"].before == {"CustomerName": "Client B1"}
    assert changes["B1"].after == {"CustomerName": "New name"}


def test_unknown_replace_group_is_refused(wb: Workbench) -> None:
    rec = wb.reconcile(missing_only=False)
    with pytest.raises(ValueError, match="unknown Replace Options group"):
        build_plan(rec, ["B1"], ["fax"], wb.config, None, [])


# --- one selection parser for the command line, selection files and notebook parameters ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1001,1002", ["1001", "1002"]),
        (" 1001 , 1002 ,", ["1001", "1002"]),
        ("customer_id\n1001\n\n# a comment\n1002\n", ["1001", "1002"]),
        ("1001\r\n1002\r\n", ["1001", "1002"]),
        ("all-eligible", "all-eligible"),
        ("ALL-ELIGIBLE ", "all-eligible"),
        ("none", None),
        ("  ", None),
        ("# nothing but a comment\n", None),
        ("abc1,ABC1", ["abc1", "ABC1"]),  # exact: no case folding
    ],
)
def test_a_selection_reads_the_same_everywhere(text: str, expected: object) -> None:
    from smsync_core.notebooks import cells
    from smsync_core.plan import parse_selection

    assert parse_selection(text) == expected
    assert cells.selection(text) == expected  # the notebook parameter goes through the same parser


def test_counts_read_as_people_write_them() -> None:
    from smsync_core.schema import counted

    assert [counted(0, "record"), counted(1, "record"), counted(1234, "new customer")] == [
        "0 records", "1 record", "1,234 new customers"]
