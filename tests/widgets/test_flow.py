"""The guided first-time migration, step by step, on real SQLite databases."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import smsync_core
from smsync_core import schema
from smsync_core.errors import ConnectionFailed
from smsync_widgets import GuidedFlow
from tests.support.data import sha256

from .conftest import ELIGIBLE_NEW


def test_the_whole_flow_imports_exactly_what_was_checked(story: Any, tmp_path: Path) -> None:
    sage_before = sha256(story.sage_url.removeprefix("sqlite:///"))
    flow = GuidedFlow(story, reports_dir=tmp_path / "reports")
    assert flow.step == "company"
    company = flow.body.children[0].value
    assert "Make sure you have the correct Sage 100 company open" in company
    assert "sage.db" in company and ">8</span> clients" in company

    flow.confirm_company()
    assert flow.step == "housekeeping"
    findings = flow.body.children[0].value
    for rule in ("id-invalid-chars", "id-duplicate", "inactive", "missing-address"):
        assert "-" not in rule or rule not in findings  # said in words, not as the rule's code
        assert html.escape(schema.RULE_TITLES[rule], quote=False) in findings
    assert "set up a new client whose Client Number is" in findings  # the core's advice

    flow.to_setup()
    assert flow.step == "setup" and flow.setup is not None
    flow.setup.replace_boxes["phones"].value = True
    flow.to_question()
    assert flow.step == "question" and "Do you want to see Missing Customers only?" in flow.body.children[0].value
    flow.answer(False)
    assert flow.step == "panes" and flow.panes is not None
    assert flow.reconciliation.mode == "all"

    flow.panes.check_all()
    assert flow.panes.selected == ELIGIBLE_NEW | {"1005"}
    flow.panes.set_checked("1006", False)
    flow.panes.synchronize_button.click()
    assert flow.step == "confirm" and flow.dialog is not None
    assert set(flow.plan.insert_ids) == {"1002"} and set(flow.plan.update_ids) == {"1005"}
    assert "1 new customer will be inserted" in flow.dialog.text and "(replacing phone numbers)" in flow.dialog.text

    flow.dialog.yes_button.click()
    assert "Import completed: 1 inserted, 1 updated" in flow.dialog.text
    assert flow.result.outcome == "committed"
    story.refresh()
    target = set(story.smsturbo_customers()["customer_id"])
    assert "1002" in target and "1006" not in target
    assert sha256(story.sage_url.removeprefix("sqlite:///")) == sage_before  # never writes to Sage


def test_no_at_the_confirm_step_goes_back_to_the_panes_with_the_selection(story: Any, tmp_path: Path) -> None:
    flow = GuidedFlow(story, reports_dir=tmp_path)
    flow.confirm_company()
    flow.to_setup()
    flow.to_question()
    flow.answer(True)
    assert flow.reconciliation.mode == "missing-only"
    flow.panes.check_all()  # type: ignore[union-attr]
    flow.panes.synchronize()  # type: ignore[union-attr]
    flow.dialog.no_button.click()  # type: ignore[union-attr]
    assert flow.step == "panes" and flow.panes.selected == ELIGIBLE_NEW  # type: ignore[union-attr]
    story.refresh()
    assert not ELIGIBLE_NEW & set(story.smsturbo_customers()["customer_id"])


def test_a_connection_failure_is_one_sentence_on_the_first_step(tmp_path: Path) -> None:
    def connect() -> Any:
        raise ConnectionFailed("Could not open the Sage 100 company ACCT01; check the server name and try again.")

    flow = GuidedFlow(connect)
    assert flow.step == "company"
    assert "check the server name and try again." in flow.message.value
    assert "Traceback" not in flow.message.value


def test_a_missing_database_is_reported_not_raised(tmp_path: Path) -> None:
    import smsync_core

    flow = GuidedFlow(lambda: smsync_core.connect(f"sqlite:///{tmp_path / 'nope.db'}", None, config={}))
    assert flow.step == "company"
    assert flow.message.value and "Traceback" not in flow.message.value


def test_the_housekeeping_intro_names_the_companys_inactive_statuses(tmp_path: Path) -> None:
    from tests.support.data import client, make_sage_db, make_smsturbo_db

    sage = make_sage_db(tmp_path / "sage.db", [client("1001", status=7), client("1002", address1=None)])
    target = make_smsturbo_db(tmp_path / "smsturbo.db", [])
    config = {"status": {"inactive": [6, 7], "names": {"7": "Collections Hold"}}}
    flow = GuidedFlow(smsync_core.connect(sage, target, config=config), reports_dir=tmp_path / "reports")
    flow.confirm_company()
    intro = flow.body.children[0].value
    assert "make a client inactive with status 6 - Do Not Accept Contract Again or status 7 - Collections Hold or " \
           "the Inactive flag." in intro
    assert "Status 6 –" not in intro
