"""The housekeeping rules on Sage 100 clients, read from real SQLite companies: names, severities, messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from smsync_core.config import Config, load_config
from smsync_core.db.connect import source_engine, target_engine
from smsync_core.sources import sage100
from smsync_core.targets import smsturbo
from smsync_core.validate import check, row_status, rule_advice
from tests.support.data import client, make_sage_db, make_smsturbo_db

ID_RULES = {"id-empty", "id-too-long", "id-invalid-chars", "id-duplicate"}
SEVERITY = {
    "id-empty": "error",
    "id-too-long": "error",
    "id-invalid-chars": "error",
    "id-duplicate": "error",
    "field-too-long": "error",
    "inactive": "warning",
    "missing-name": "warning",
    "missing-address": "warning",
    "missing-phone": "warning",
    "missing-contact": "warning",
}
BLANKS = [None, "", "   ", "\t \n"]

Reader = Callable[..., pd.DataFrame]


@pytest.fixture
def read_sage(tmp_path: Path) -> Reader:
    """Write rows into a real SQLite ``reccln`` and read them back through the Sage adapter."""
    counter = iter(range(1000))

    def read(rows: Sequence[Mapping[str, Any]], config: Config | None = None, **db: Any) -> pd.DataFrame:
        url = make_sage_db(tmp_path / f"sage{next(counter)}.db", rows, **db)
        engine = source_engine(url)
        try:
            return sage100.read_clients(engine, config or load_config({}))
        finally:
            engine.dispose()

    return read


def findings_of(
    read_sage: Reader, rows: Sequence[Mapping[str, Any]], config: Config | None = None, **kw: Any
) -> pd.DataFrame:
    cfg = config or load_config({})
    lengths = kw.pop("lengths", None)
    return check(read_sage(rows, cfg, **kw), cfg, lengths)


def rules_by_row(findings: pd.DataFrame) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for row, rule in zip(findings["row"], findings["rule"], strict=True):
        out.setdefault(int(row), set()).add(rule)
    return out


def test_a_complete_valid_client_has_no_finding(read_sage: Reader) -> None:
    findings = findings_of(read_sage, [client("ACME-01"), client("1001"), client("A_B-9")])
    assert findings.empty
    assert list(findings.columns) == ["row", "customer_id", "rule", "severity", "field", "message", "advice"]


@pytest.mark.parametrize("blank_id", BLANKS, ids=["null", "empty", "spaces", "whitespace"])
def test_id_empty_for_null_empty_and_whitespace_and_no_other_id_rule(read_sage: Reader, blank_id: Any) -> None:
    # two blank rows: they are not reported as duplicates of each other, nor as invalid characters
    findings = findings_of(read_sage, [client("OK1"), client(blank_id), client(blank_id)])
    id_findings = findings[findings["rule"].isin(ID_RULES)]
    assert sorted(id_findings["row"].tolist()) == [1, 2]
    assert set(id_findings["rule"]) == {"id-empty"}
    assert set(id_findings["severity"]) == {"error"}
    assert all("Client Number" in m for m in id_findings["message"])


def test_id_too_long_at_sixteen_characters_not_fifteen(read_sage: Reader) -> None:
    fifteen, sixteen = "A" * 15, "B" * 16
    findings = findings_of(read_sage, [client(fifteen), client(sixteen)])
    assert findings[["customer_id", "rule", "severity"]].values.tolist() == [[sixteen, "id-too-long", "error"]]
    message = findings["message"].iloc[0]
    assert "16" in message and "15" in message and "new client" in message


@pytest.mark.parametrize(
    "bad_id",
    [
        "acme01",  # lowercase
        "ACME 01",  # space
        "ACME.01",
        "ACME/01",
        "O'BRIEN",
        "A&B",
        "MÜLLER",  # non-ASCII letter
        "\u0410CME",  # Cyrillic А, looks like Latin A
        "ACME\u00a0",  # no-break space
        "AC\x00ME",  # NUL
        "ACME\n",  # a trailing newline from a paste
        "\uff21\uff22",  # fullwidth ＡＢ
        "1\u0661",  # Arabic-Indic digit one
        "A\u200b1",  # zero-width space
    ],
    ids=["lower", "space", "dot", "slash", "quote", "amp", "umlaut", "cyrillic", "nbsp", "nul", "newline",
         "fullwidth", "arabic-digit", "zero-width"],
)
def test_id_invalid_chars(read_sage: Reader, bad_id: str) -> None:
    findings = findings_of(read_sage, [client("GOOD-1"), client(bad_id)])
    assert findings[["row", "rule", "severity"]].values.tolist() == [[1, "id-invalid-chars", "error"]]
    assert findings["customer_id"].iloc[0] == bad_id  # reported exactly as stored
    message = findings["message"].iloc[0]
    assert "A-Z, 0-9, dash and underscore" in message
    assert "inactive" in message  # says what to do: make it inactive, set up a new client


@pytest.mark.parametrize("good_id", ["A", "0", "ZZ-9_X", "1001", "-_-", "A" * 15])
def test_valid_ids_pass_every_id_rule(read_sage: Reader, good_id: str) -> None:
    assert findings_of(read_sage, [client(good_id)]).empty


def test_id_duplicate_on_each_duplicated_row_exact_match_only(read_sage: Reader) -> None:
    rows = [client("DUP"), client("X1"), client("DUP"), client("dup"), client(" DUP"), client("DUP")]
    findings = findings_of(read_sage, rows)
    dup = findings[findings["rule"] == "id-duplicate"]
    assert sorted(dup["row"].tolist()) == [0, 2, 5]
    assert set(dup["severity"]) == {"error"}
    assert all("3 clients" in m for m in dup["message"])
    # "dup" and " DUP" are other IDs (invalid ones), not duplicates of "DUP"
    assert rules_by_row(findings)[3] == {"id-invalid-chars"}
    assert rules_by_row(findings)[4] == {"id-invalid-chars"}


def test_id_reserved_for_the_smsturbo_template_id_only(read_sage: Reader) -> None:
    rows = [client("ZZDEFAULT"), client("zzdefault"), client("ZZDEFAULT1")]
    sage = read_sage(rows)
    findings = check(sage, load_config({}))
    reserved = findings[findings["rule"] == "id-reserved"]
    assert reserved["row"].tolist() == [0] and set(reserved["severity"]) == {"error"}
    assert "template" in reserved["message"].iloc[0] and "new client" in reserved["message"].iloc[0]
    status = row_status(sage, findings, load_config({}))
    assert status["eligible"].tolist() == [False, False, True]  # lowercase is invalid anyway; ZZDEFAULT1 is fine
    assert "id-reserved" in status["rules"].iloc[0]


def test_field_too_long_only_with_target_lengths_and_names_the_field(read_sage: Reader, tmp_path: Path) -> None:
    target = make_smsturbo_db(tmp_path / "t.db", [], lengths={"city": 10, "contact": 5})
    engine = target_engine(target)
    lengths = smsturbo.column_lengths(engine, load_config({}))
    engine.dispose()
    assert lengths["city"] == 10 and lengths["customer_id"] == 15
    rows = [client("C1", city="A" * 10, contact="Ann"), client("C2", city="B" * 11, contact="Robert")]
    assert findings_of(read_sage, rows).empty  # no target given: lengths are not checked
    findings = findings_of(read_sage, rows, lengths=lengths)
    got = findings[["customer_id", "rule", "severity", "field"]].values.tolist()
    assert got == [["C2", "field-too-long", "error", "city"], ["C2", "field-too-long", "error", "contact"]]
    assert all(f in m for f, m in zip(findings["field"], findings["message"], strict=True))
    assert "11" in findings["message"].iloc[0] and "10" in findings["message"].iloc[0]


def test_field_too_long_never_reported_for_customer_id(read_sage: Reader) -> None:
    findings = findings_of(read_sage, [client("X" * 20)], lengths={"customer_id": 15, "name": 50})
    assert findings["rule"].tolist() == ["id-too-long"]


def test_inactive_by_status_six(read_sage: Reader) -> None:
    findings = findings_of(read_sage, [client("JSMITH", name="Julie Smith", status=6), client("OK", status=3)])
    assert findings[["customer_id", "rule", "severity"]].values.tolist() == [["JSMITH", "inactive", "warning"]]
    assert "6 - Do Not Accept Contract Again" in findings["message"].iloc[0]
    assert "unchecked" in findings["message"].iloc[0]


def test_inactive_by_configured_set(read_sage: Reader) -> None:
    config = load_config({"status": {"inactive": [4, 5]}})
    rows = [client("S4", status=4), client("S5", status=5), client("S6", status=6), client("SN", status=None)]
    findings = findings_of(read_sage, rows, config)
    assert findings[findings["rule"] == "inactive"]["customer_id"].tolist() == ["S4", "S5"]


def test_inactive_by_inactv_flag_says_so(read_sage: Reader) -> None:
    rows = [client("FLAG", status=3, inactive=1), client("ZERO", inactive=0), client("NULL", inactive=None)]
    findings = findings_of(read_sage, rows)
    assert findings[["customer_id", "rule", "severity"]].values.tolist() == [["FLAG", "inactive", "warning"]]
    message = findings["message"].iloc[0]
    assert "Inactive flag" in message
    assert "Current Customer" not in message  # status 3 is not why the client is inactive


def test_without_inactv_column_only_status_counts(read_sage: Reader) -> None:
    findings = findings_of(read_sage, [client("A", status=6), client("B", status=3)], with_inactv=False)
    assert findings[findings["rule"] == "inactive"]["customer_id"].tolist() == ["A"]


@pytest.mark.parametrize("blank", BLANKS, ids=["null", "empty", "spaces", "whitespace"])
@pytest.mark.parametrize(
    ("field", "rule"), [("name", "missing-name"), ("contact", "missing-contact")]
)
def test_missing_name_and_contact(read_sage: Reader, field: str, rule: str, blank: Any) -> None:
    findings = findings_of(read_sage, [client("C1", **{field: blank}), client("C2", **{field: " x "})])
    assert findings[["customer_id", "rule", "severity"]].values.tolist() == [["C1", rule, "warning"]]
    assert "enter" in findings["message"].iloc[0].lower()


@pytest.mark.parametrize("field", ["address1", "city", "state", "postal_code"])
@pytest.mark.parametrize("blank", BLANKS, ids=["null", "empty", "spaces", "whitespace"])
def test_missing_address_for_each_required_part(read_sage: Reader, field: str, blank: Any) -> None:
    findings = findings_of(read_sage, [client("C1", **{field: blank}), client("C2", address2=blank)])
    assert findings[["customer_id", "rule", "severity"]].values.tolist() == [["C1", "missing-address", "warning"]]
    assert field in findings["message"].iloc[0]


def test_missing_address_names_every_missing_part(read_sage: Reader) -> None:
    findings = findings_of(read_sage, [client("C1", city=None, postal_code=" ")])
    message = findings["message"].iloc[0]
    assert "city" in message and "postal_code" in message and "address1" not in message


@pytest.mark.parametrize("blank", BLANKS, ids=["null", "empty", "spaces", "whitespace"])
def test_missing_phone_only_when_phone_and_mobile_both_blank(read_sage: Reader, blank: Any) -> None:
    rows = [
        client("BOTH", phone=blank, mobile=blank),
        client("CELL", phone=blank, mobile="555-0101"),
        client("DESK", phone="555-0102", mobile=blank),
    ]
    findings = findings_of(read_sage, rows)
    assert findings[["customer_id", "rule", "severity"]].values.tolist() == [["BOTH", "missing-phone", "warning"]]


def test_several_findings_on_one_row(read_sage: Reader) -> None:
    row = client("julie smith", name=None, city="", phone=None, mobile=" ", contact=None, status=6)
    findings = findings_of(read_sage, [row, client("OK")])
    assert set(findings["row"]) == {0}
    assert set(findings["rule"]) == {
        "id-invalid-chars",
        "inactive",
        "missing-name",
        "missing-address",
        "missing-phone",
        "missing-contact",
    }
    assert all(SEVERITY[r] == s for r, s in zip(findings["rule"], findings["severity"], strict=True))


def test_every_rule_has_its_severity_and_a_one_sentence_message(read_sage: Reader) -> None:
    rows = [
        client(None),
        client("X" * 16),
        client("bad"),
        client("D"),
        client("D"),
        client("F", city="Y" * 40),
        client("I", status=6),
        client("N", name=""),
        client("AD", state=None),
        client("P", phone=None, mobile=None),
        client("CT", contact=None),
    ]
    findings = findings_of(read_sage, rows, lengths={"city": 30})
    assert set(findings["rule"]) == set(SEVERITY)
    for rule, severity, message in findings[["rule", "severity", "message"]].itertuples(index=False):
        assert SEVERITY[rule] == severity
        assert "\n" not in message and message.endswith(".")
        assert "Sage 100" in message or "SMSTurbo" in message, message  # says where to act


def test_findings_sorted_by_customer_id_missing_first_then_rule(read_sage: Reader) -> None:
    rows = [client("ZED", name=None, status=6), client("ABC", contact=None), client(None), client("MID", phone=None,
                                                                                                   mobile=None)]
    findings = findings_of(read_sage, rows)
    ids = findings["customer_id"].tolist()
    assert ids[0] is pd.NA
    assert ids[1:] == sorted(ids[1:])
    zed = findings[findings["customer_id"] == "ZED"]["rule"].tolist()
    assert zed == ["inactive", "missing-name"]  # the design's rule order


def test_integer_client_numbers_read_as_plain_decimal_text(read_sage: Reader) -> None:
    sage = read_sage([client(1001), client(7), client(12345678901)], recnum_type="int")
    assert sage["customer_id"].tolist() == ["1001", "7", "12345678901"]
    assert check(sage, load_config({})).empty


def test_real_client_numbers_read_without_decimal_point(read_sage: Reader) -> None:
    sage = read_sage([client(1001.0), client(42.0)], recnum_type="real")
    assert sage["customer_id"].tolist() == ["1001", "42"]


def test_text_client_numbers_kept_exactly(read_sage: Reader) -> None:
    ids = ["0042", " 1001", "1001 ", "acme01", "1001.0", "00"]
    sage = read_sage([client(i) for i in ids], recnum_type="text")
    assert sage["customer_id"].tolist() == ids
    findings = check(sage, load_config({}))
    invalid = findings[findings["rule"] == "id-invalid-chars"]["customer_id"].tolist()
    assert sorted(invalid) == sorted([" 1001", "1001 ", "acme01", "1001.0"])


def test_row_status_eligibility_and_status_ref(read_sage: Reader) -> None:
    config = load_config({"status": {"names": {"3": "Current Customer", "6": "Do Not Accept Contract Again"}}})
    rows = [
        client("GOOD", status=3),
        client("JULIE", status=6),
        client("bad", status=3),
        client("WARN", status=None, contact=None),
        client("FLAG", status=2, inactive=1),
    ]
    sage = read_sage(rows, config)
    findings = check(sage, config)
    status = row_status(sage, findings, config)
    got = dict(zip(sage["customer_id"], status[["status_ref", "inactive", "has_error", "eligible"]].values.tolist(),
                   strict=True))
    assert got["GOOD"] == ["3 - Current Customer", False, False, True]
    assert got["JULIE"] == ["6 - Do Not Accept Contract Again", True, False, False]
    assert got["bad"] == ["3 - Current Customer", False, True, False]
    assert got["WARN"] == ["", False, False, True]  # a warning does not make a client ineligible
    assert got["FLAG"] == ["2", True, False, False]  # 2 has no configured name here: the number alone
    assert status["rules"].tolist()[3] == ("missing-contact",)


def test_id_duplicate_compares_the_exact_text_of_digit_ids(read_sage: Reader) -> None:
    # Digit IDs are compared as numbers with their length: 0042 is not 42, and 17 or 18 digits are not cut short.
    ids = ["42", "0042", "42", "042", "42", "1" * 17, "1" * 17, "1" * 18, "1" * 18, "1" * 17 + "2", "A-1", "A-1",
           "a-1"]
    findings = findings_of(read_sage, [client(i) for i in ids])
    dup = findings[findings["rule"] == "id-duplicate"]
    assert sorted(dup["row"].tolist()) == [0, 2, 4, 5, 6, 7, 8, 10, 11]
    counts = {int(r): m for r, m in zip(dup["row"], dup["message"], strict=True)}
    assert counts[0].startswith("Client Number '42' is used by 3 clients in Sage 100. ")
    assert counts[5].startswith(f"Client Number '{'1' * 17}' is used by 2 clients in Sage 100. ")
    assert counts[7].startswith(f"Client Number '{'1' * 18}' is used by 2 clients in Sage 100. ")
    assert counts[10].startswith("Client Number 'A-1' is used by 2 clients in Sage 100. ")
    too_long = findings[findings["rule"] == "id-too-long"]
    assert sorted(too_long["row"].tolist()) == [5, 6, 7, 8, 9]
    assert too_long[too_long["row"] == 7]["message"].iloc[0].startswith(
        f"Client Number '{'1' * 18}' has 18 characters, more than SMSTurbo's 15. "
    )


def test_row_status_when_rows_are_not_positions(read_sage: Reader) -> None:
    config = load_config({"status": {"names": {"3": "Current Customer", "6": "Do Not Accept Contract Again"}}})
    rows = [
        client("GOOD", status=3),
        client("JULIE", status=6, contact=None),
        client("bad", status=3, inactive=1),
        client("FLAG", status=None, inactive=1, city=" ", state=None),
        client("DUP"),
        client("DUP", status=6, inactive=1),
    ]
    sage = read_sage(rows, config)
    findings = check(sage, config)
    status = row_status(sage, findings, config)
    advice = rule_advice(config, numeric=False)
    assert status["rules"].tolist() == [
        (),
        ("inactive", "missing-contact"),
        ("id-invalid-chars", "inactive"),
        ("inactive", "missing-address"),
        ("id-duplicate",),
        ("id-duplicate", "inactive"),
    ]
    assert status["why"].tolist() == [
        "",
        f"Inactive (status 6 - Do Not Accept Contract Again): {advice['inactive']} {advice['missing-contact']}",
        f"{advice['id-invalid-chars']} Inactive (the Inactive flag): {advice['inactive']}",
        f"Inactive (the Inactive flag): {advice['inactive']} {advice['missing-address']}",
        advice["id-duplicate"],
        f"{advice['id-duplicate']} Inactive (status 6 - Do Not Accept Contract Again): {advice['inactive']}",
    ]
    assert status["eligible"].tolist() == [True, False, False, False, False, False]
    # The same rows in another order and without the first: looked up by their row number, not their place.
    part = sage.iloc[[5, 3, 1, 2, 4]].reset_index(drop=True)
    expected = status.iloc[[5, 3, 1, 2, 4]].reset_index(drop=True)
    pd.testing.assert_frame_equal(row_status(part, findings, config), expected)
    assert row_status(sage.iloc[:0], findings, config)["why"].tolist() == []
