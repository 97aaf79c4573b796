"""A company built to the real Sage 100 Contractor schema on PostgreSQL and MariaDB (issue 15, "Must show"):
bigint Client Numbers, real lengths, ``clnsts`` with a status of the company's own, ``clncnt``, legacy padding
(VARCHAR with trailing spaces, and CHAR(n)); SMSTurbo's ``Customer`` in the same database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import smsync_core
from smsync_core.sources.sage100 import contacts_table
from tests.servers.helpers import smsync, table_rows
from tests.support.data import client, customer
from tests.support.real_sage import real_company, real_smsturbo

pytestmark = pytest.mark.server

STATUSES = [(3, "Current Customer"), (6, "Do Not Accept Contract Again"), (7, "Collections Hold")]
PAD = "Northfield Fill" + " " * 20  # 35 characters: longer than SMSTurbo's City (30) only by its padding


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> str:
    """A fresh database on the server, holding both the Sage company and SMSTurbo's customers."""
    return str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "mariadb_odbc_url"))


def test_padding_is_never_a_difference_never_counted_and_never_inserted(
        server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real_company(server, [client(1001, city=PAD, contact="Dale Benson   "), client(1002, city=PAD, name="   "),
                          client(1003, email="c@example.com   ")],
                 statuses=STATUSES)
    real_smsturbo(server, [customer("1001", city="Northfield Fill", contact="Dale Benson")])
    wb = smsync_core.connect(server, server)
    findings = wb.check()
    assert "field-too-long" not in set(findings["rule"])  # not blocked by padding
    assert set(findings.loc[findings["customer_id"] == "1002", "rule"]) == {"missing-name"}  # spaces are blank
    rec = wb.reconcile(missing_only=False)
    assert rec.different.empty and rec.differences.empty  # padding is never a difference
    wb.close()

    ran = smsync(capsys, "sync", "--sage", server, "--smsturbo", server, "--select", "1002,1003", "--yes",
                 "--reports", str(tmp_path / "reports"), "--format", "json")
    assert ran.code == 0 and ran.data["inserted"] == ["1002", "1003"], ran.err
    rows = table_rows(server)
    assert rows["1002"]["City"] == "Northfield Fill" and rows["1002"]["CustomerName"] is None  # NULL, not spaces
    assert rows["1003"]["Email"] == "c@example.com"
    again = smsync(capsys, "diff", "--sage", server, "--smsturbo", server, "--all", "--format", "json")
    assert again.code == 0 and again.data["different"] == [] and again.data["sage_only"] == []


@pytest.mark.parametrize("char", [True, False], ids=["char", "varchar"])
def test_char_columns_block_no_client(server: str, char: bool) -> None:
    real_company(server, [client(n, state="CO") for n in (1001, 1002, 1003)], char=char)
    engine = sa.create_engine(server)
    with engine.begin() as conn:  # legacy data: every value right-padded (CHAR pads it anyway on PostgreSQL)
        conn.execute(sa.text("UPDATE reccln SET ctynme = CONCAT(ctynme, '" + " " * 38 + "'), clnnme = CONCAT(clnnme, '"
                             + " " * 60 + "')"))
    engine.dispose()
    real_smsturbo(server, [])
    wb = smsync_core.connect(server, server)
    assert wb.check().query("severity == 'error'").empty
    right = wb.reconcile().sage_only
    assert right["eligible"].all() and set(right["name"]) == {"Client 1001", "Client 1002", "Client 1003"}
    wb.close()


def test_status_names_inactive_flag_numeric_order_and_long_client_numbers(
        server: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [client(1060), client(999, status=7), client(1005, inactive=1), client(1001, status=6),
            client(123456789012345), client(1234567890123456), client(1003, inactive=None)]
    real_company(server, rows, statuses=STATUSES)
    real_smsturbo(server, [])
    rec = smsync_core.connect(server, server).reconcile()
    right = rec.sage_only.set_index("customer_id")
    assert right.loc["999", "status_ref"] == "7 - Collections Hold"  # the company's own status, from clnsts
    # numbers by value: 999 before 1060, the 15- and 16-digit numbers last
    assert list(rec.sage_only["customer_id"]) == ["999", "1001", "1003", "1005", "1060", "123456789012345",
                                                  "1234567890123456"]
    assert right.loc["1234567890123456", "rules"] == ("id-too-long",)
    assert not right.loc["1234567890123456", "eligible"] and right.loc["123456789012345", "eligible"]
    assert "123456789012345" not in set(rec.findings["customer_id"])  # 15 digits are fine
    message = str(rec.findings.set_index("customer_id").loc["1234567890123456", "message"])
    assert "a number of at most 15 digits" in message and "A-Z" not in message
    # Client Status Ref sorts every inactive client together, whichever made it inactive, and says which
    by_status = rec.sage_only.sort_values("status_sort", kind="stable")
    assert list(by_status["customer_id"])[-2:] == ["1005", "1001"]  # the flag (status 3), then status 6
    assert "the Inactive flag" in str(right.loc["1005", "why"])
    assert "status 6 - Do Not Accept Contract Again" in str(right.loc["1001", "why"])
    assert not right.loc["1003", "inactive"]  # a NULL inactv is not inactive

    ran = smsync(capsys, "diff", "--sage", server, "--smsturbo", server, "--format", "json")
    assert ran.code == 0, ran.err
    listed = {row["customer_id"]: row for row in ran.data["sage_only"]}
    assert [row["customer_id"] for row in ran.data["sage_only"]][:2] == ["999", "1001"]
    assert listed["999"]["status_ref"] == "7 - Collections Hold" and listed["1005"]["inactive"] is True
    assert listed["1234567890123456"]["rules"] == ["id-too-long"]


def test_blank_contacts_come_from_clncnt(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    real_company(server, [client(1001, contact=None, phone=None, email=None, mobile=None), client(1002)])
    engine = sa.create_engine(server)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE reccln SET _idnum = CONCAT('6f1c2a3e-0b7d-4c1a-9e2f-', recnum)"))
        table = contacts_table(sa.MetaData())
        table.create(conn)
        conn.execute(table.insert(), [
            {"_idref": "6f1c2a3e-0b7d-4c1a-9e2f-1001", "linnum": 1, "cntnme": "Dale Benson  ",
             "phnnum": "(303) 555-0101", "e_mail": "dale@example.com", "cllphn": None},
            {"_idref": "6f1c2a3e-0b7d-4c1a-9e2f-1002", "linnum": 1, "cntnme": "Someone Else", "phnnum": None,
             "e_mail": None, "cllphn": None},
        ])
    engine.dispose()
    ran = smsync(capsys, "check", "--sage", server, "--format", "json")
    assert ran.code == 0 and "Note: Contact from clncnt for 1 client:" in ran.err, ran.err
    assert not any(f["customer_id"] == "1001" and f["rule"] == "missing-contact" for f in ran.data["findings"])
    clients = smsync_core.connect(server).sage_clients().set_index("customer_id")
    assert (clients.loc["1001", "contact"], clients.loc["1001", "email"]) == ("Dale Benson", "dale@example.com")
    assert clients.loc["1002", "contact"] == "Pat Doe"  # the client record's own contact stays
