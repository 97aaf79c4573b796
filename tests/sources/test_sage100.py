"""A company built to the real Sage 100 Contractor schema (``sage_table``: bigint Client Numbers, real lengths,
``clnsts``, CHAR(n) padding) and real client-list exports (both heading sets), on SQLite (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import smsync_core
from smsync_core.cli.dispatch import main
from tests.support.data import client, customer, sqlite_url
from tests.support.real_sage import real_company, real_smsturbo


def test_padding_is_never_counted_compared_or_inserted(tmp_path: Path) -> None:
    pad = "Northfield Fill" + " " * 20  # 35 characters: longer than SMSTurbo's City (30) only by its padding
    sage = real_company(sqlite_url(tmp_path / "s.db"), [
        client(1001, city=pad, contact="Dale Benson   "),
        client(1002, city=pad, name="   "),
    ])
    target = real_smsturbo(sqlite_url(tmp_path / "t.db"), [customer("1001", city="Northfield Fill",
                                                                     contact="Dale Benson")])
    wb = smsync_core.connect(sage, target)
    findings = wb.check()
    assert "field-too-long" not in set(findings["rule"])  # not blocked by padding
    assert set(findings.loc[findings["customer_id"] == "1002", "rule"]) == {"missing-name"}  # spaces are blank
    rec = wb.reconcile(missing_only=False)
    assert rec.different.empty and rec.differences.empty  # padding is never a difference
    plan = wb.plan(["1002"], missing_only=False)
    inserted = plan.inserts.iloc[0]
    assert inserted["City"] == "Northfield Fill" and inserted["CustomerName"] is None  # NULL, not 3 spaces


@pytest.mark.parametrize("char", [True, False], ids=["char", "varchar"])
def test_char_columns_block_no_client(tmp_path: Path, char: bool) -> None:
    sage = real_company(sqlite_url(tmp_path / "s.db"), [client(n, state="CO") for n in (1001, 1002, 1003)],
                        char=char)
    engine = sa.create_engine(sage)
    with engine.begin() as conn:  # what SQL Server's CHAR(n) returns: every value right-padded to its width
        conn.execute(sa.text("UPDATE reccln SET ctynme = ctynme || '" + " " * 38 + "', clnnme = clnnme || '"
                             + " " * 60 + "'"))
    engine.dispose()
    target = real_smsturbo(sqlite_url(tmp_path / "t.db"), [])
    wb = smsync_core.connect(sage, target)
    assert wb.check().query("severity == 'error'").empty
    assert wb.reconcile().sage_only["eligible"].all()


def test_company_status_names_inactive_flag_and_numeric_order(tmp_path: Path) -> None:
    statuses = [(3, "Current Customer"), (6, "Do Not Accept Contract Again"), (7, "Collections Hold")]
    rows = [client(1060), client(999, status=7), client(1005, inactive=1), client(1001, status=6),
            client(123456789012345), client(1234567890123456), client(1003, inactive=None)]
    sage = real_company(sqlite_url(tmp_path / "s.db"), rows, statuses=statuses)
    target = real_smsturbo(sqlite_url(tmp_path / "t.db"), [])
    rec = smsync_core.connect(sage, target).reconcile()
    right = rec.sage_only.set_index("customer_id")
    assert right.loc["999", "status_ref"] == "7 - Collections Hold"
    # numbers by value: 999 before 1060, the 15- and 16-digit numbers last
    assert list(rec.sage_only["customer_id"]) == ["999", "1001", "1003", "1005", "1060", "123456789012345",
                                                  "1234567890123456"]
    assert right.loc["1234567890123456", "rules"] == ("id-too-long",)
    assert "123456789012345" not in set(rec.findings["customer_id"])  # 15 digits are fine
    message = rec.findings.set_index("customer_id").loc["1234567890123456", "message"]
    assert "a number of at most 15 digits" in str(message) and "A-Z" not in str(message)
    # Client Status Ref sorts every inactive client together, whichever made it inactive, and says which
    by_status = rec.sage_only.sort_values("status_sort", kind="stable")
    assert list(by_status["customer_id"])[-2:] == ["1005", "1001"]  # flag (status 3), then status 6
    assert "the Inactive flag" in str(right.loc["1005", "why"])
    assert "status 6 - Do Not Accept Contract Again" in str(right.loc["1001", "why"])
    assert not right.loc["1003", "inactive"]  # a NULL inactv is not inactive


def test_missing_only_counts_ids_on_both_sides_not_identical(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    sage = real_company(sqlite_url(tmp_path / "s.db"), [client(1001), client(1002, city="Elsewhere")])
    target = real_smsturbo(sqlite_url(tmp_path / "t.db"), [customer("1001"), customer("1002")])
    assert main(["diff", "--sage", sage, "--smsturbo", target]) == 0
    out = capsys.readouterr().out
    assert "On both sides (fields not compared): 2" in out and "Identical" not in out
    assert main(["diff", "--sage", sage, "--smsturbo", target, "--all"]) == 0
    assert "Different: 1   Identical: 1" in capsys.readouterr().out


FIELD_HEADINGS = ["Client#", "Short Name", "Long Name", "Address 1", "City", "State", "Zip", "Contact 1", "Phone 1",
                  "Fax 1", "Cell 1", "Email 1", "Status"]
WINDOW_HEADINGS = ["Client Number", "Client Name", "Phone", "Cell Phone", "Email", "Contact", "Status"]


def _export(path: Path, headings: list[str], rows: list[list[str]], encoding: str) -> str:
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(headings)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        lines = [",".join(headings)] + [",".join(row) for row in rows]
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return str(path)


@pytest.mark.parametrize(("headings", "suffix", "encoding"), [
    (FIELD_HEADINGS, ".csv", "cp1252"), (FIELD_HEADINGS, ".csv", "utf-8"), (FIELD_HEADINGS, ".xlsx", ""),
    (WINDOW_HEADINGS, ".csv", "cp1252"), (WINDOW_HEADINGS, ".csv", "utf-8"), (WINDOW_HEADINGS, ".xlsx", ""),
], ids=["fields-cp1252", "fields-utf8", "fields-xlsx", "window-cp1252", "window-utf8", "window-xlsx"])
def test_exports_with_sages_headings_never_blank_smsturbo(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          headings: list[str], suffix: str, encoding: str) -> None:
    values = {"Client#": "1001", "Client Number": "1001", "Short Name": "Cafe", "Long Name": "Café Müller Bau",
              "Client Name": "Café Müller Bau", "Address 1": "1 Main St", "City": "Denver", "State": "CO",
              "Zip": "80202", "Contact 1": "Zoë Ørsted", "Contact": "Zoë Ørsted", "Phone 1": "(303) 555-0100",
              "Phone": "(303) 555-0100", "Fax 1": "(303) 555-0101", "Cell 1": "(720) 555-0102",
              "Cell Phone": "(720) 555-0102", "Email 1": "c@m.de",
              "Email": "c@m.de", "Status": "3-Current Customer"}
    new = dict(values, **{"Client#": "1002", "Client Number": "1002", "Status": "7-Collections Hold"})
    export = _export(tmp_path / f"clients{suffix}", headings,
                     [[values[h] for h in headings], [new[h] for h in headings]], encoding)
    target = real_smsturbo(sqlite_url(tmp_path / "t.db"), [customer("1001", name="Old Name", fax="(303) 555-0199",
                                                                     address2="Unit 4")])
    wb = smsync_core.connect(export, target)
    sage = wb.sage_clients()
    assert sage["name"].tolist() == ["Café Müller Bau"] * 2 and sage["status"].tolist() == [3, 7]
    assert wb.reconcile().sage_only.set_index("customer_id").loc["1002", "status_ref"] == "7 - Collections Hold"
    code = main(["sync", "--sage", export, "--smsturbo", target, "--all-eligible", "--all",
                 "--replace", "name,phones,email,contact", "--dry-run", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    plan = json.loads(out)
    assert plan["inserted"] == ["1002"] and plan["updated"] == ["1001"]
    dry = wb.plan(["1001", "1002"], replace=("name", "phones", "email", "contact"), missing_only=False)
    updates = dry.to_frame().query("action == 'update'") if "action" in dry.to_frame() else dry.updates
    assert len(updates) and updates["after"].notna().all()  # no field is set to NULL on an existing customer
    # what the file carries is written; what it does not (address2, and fax in the window's list) never is
    assert "address2" not in set(dry.updates["field"]) and "address2" not in set(dry.to_frame()["field"])
    assert ("fax" in set(dry.updates["field"])) == ("Fax 1" in headings)
    inserted = dry.inserts.iloc[0]
    assert inserted["CustomerName"] == "Café Müller Bau"


def test_a_file_without_the_name_column_is_refused_naming_its_headings(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    export = _export(tmp_path / "c.csv", ["Client#", "City"], [["1001", "Denver"]], "utf-8")
    assert main(["check", "--sage", export]) == 2
    err = capsys.readouterr().err
    assert "no client name" in err and "'Client#', 'City'" in err


def test_check_warns_once_that_only_the_status_marks_clients_inactive(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    export = _export(tmp_path / "c.csv", WINDOW_HEADINGS, [["1001", "A", "", "", "", "", "6-Do Not Accept"]], "utf-8")
    assert main(["check", "--sage", export]) == 0
    err = capsys.readouterr().err
    assert err.count("only the status can mark clients inactive") == 1


def test_a_list_without_address_columns_gives_no_missing_address_warning(tmp_path: Path) -> None:
    """The 3-6 window's list carries no address: unknown, not missing (every client was warned before)."""
    export = _export(tmp_path / "c.csv", WINDOW_HEADINGS,
                     [["1001", "A", "(303) 555-0100", "", "a@b.c", "Ann", "3-Current Customer"],
                      ["1002", "B", "", "", "", "", "3-Current Customer"]], "utf-8")
    findings = smsync_core.connect(export).check()
    rules = {(r.customer_id, r.rule) for r in findings.itertuples()}
    assert not any(rule == "missing-address" for _, rule in rules)
    assert {("1002", "missing-phone"), ("1002", "missing-contact")} <= rules  # carried and blank: still missing
    assert not any(cid == "1001" for cid, _ in rules)
