"""Contacts in ``clncnt`` (issue 15 item 5): a client's blank contact fields come from its primary contact, on a
company built to the real schema (``sage_table``, ``contacts_table``) in SQLite."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import smsync_core
from smsync_core.cli.dispatch import main
from smsync_core.config import ContactsMapping, load_config, to_mapping
from smsync_core.errors import ConfigurationError
from smsync_core.sources.sage100 import contacts_table, sage_table
from tests.support.data import client, customer, sqlite_url
from tests.support.real_sage import COLUMNS, real_smsturbo

BLANK_CONTACT = {"contact": None, "phone": None, "email": "", "mobile": "   "}


def idnum(number: int) -> str:
    return f"6f1c2a3e-0b7d-4c1a-9e2f-{number:012d}"


def person(number: int, line: int, name: str | None, phone: str | None = None, email: str | None = None,
           mobile: str | None = None) -> dict[str, Any]:
    """A ``clncnt`` row of client ``number``."""
    return {"_idref": idnum(number), "linnum": line, "cntnme": name, "phnnum": phone, "e_mail": email,
            "cllphn": mobile}


def company(path: Path, rows: Sequence[Mapping[str, Any]], contacts: Sequence[Mapping[str, Any]] | None, *,
            recnum_type: Any = "int", contacts_name: str = "clncnt", drop: Sequence[str] = ()) -> str:
    """A Sage company with the real ``reccln`` (``_idnum`` from the Client Number) and, unless None, ``clncnt``."""
    url = sqlite_url(path)
    metadata = sa.MetaData()
    clients = sage_table(metadata, recnum_type=recnum_type)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        clients.create(conn)
        conn.execute(clients.insert(), [
            {**{COLUMNS[f]: v for f, v in r.items() if f in COLUMNS},
             "_idnum": r.get("_idnum") or idnum(r["customer_id"])} for r in rows])
        if contacts is not None:
            table = contacts_table(metadata)
            table.name = contacts_name
            for column in drop:
                table._columns.remove(table.c[column])  # an older or different contacts table
            table.create(conn)
            if contacts:
                conn.execute(table.insert(), [{k: v for k, v in c.items() if k not in drop} for c in contacts])
    engine.dispose()
    return url


def clients_of(url: str, config: Mapping[str, Any] | None = None) -> Any:
    wb = smsync_core.connect(url, None, dict(config or {}))
    try:
        return wb.sage_clients()
    finally:
        wb.close()


def by_id(frame: Any) -> dict[str, dict[str, Any]]:
    fields = ("contact", "phone", "email", "mobile")
    return {str(r["customer_id"]): {f: (None if r[f] is None or r[f] != r[f] else r[f]) for f in fields}
            for r in frame.astype(object).where(frame.notna(), None).to_dict("records")}


def test_blank_contact_fields_come_from_the_primary_contact_and_check_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = company(tmp_path / "s.db", [
        client(1001, **BLANK_CONTACT),  # everything in clncnt
        client(1002, contact="Marco Rivera", phone="303-555-0114", email="marco@example.com", mobile=None),
        client(1003, **BLANK_CONTACT),  # no contact rows: stays blank
        client(999, contact=None, email="own@example.com"),  # only the blank fields are taken
    ], [
        person(1001, 1, "Dale Benson   ", "303-555-0101", "dale@example.com", "720-555-0103"),
        person(1001, 2, "Accounts Payable", "303-555-0199", "ap@example.com", "720-555-0198"),  # not primary
        person(1002, 1, "Maria Rivera", "303-555-0116", "maria@example.com", "720-555-0117"),
        person(999, 1, "Ana Morales", "719-555-0141", "ana@example.com", None),
    ])
    got = by_id(clients_of(url))
    assert got["1001"] == {"contact": "Dale Benson", "phone": "303-555-0101", "email": "dale@example.com",
                           "mobile": "720-555-0103"}  # line 1, padding removed
    assert got["1002"] == {"contact": "Marco Rivera", "phone": "303-555-0114", "email": "marco@example.com",
                           "mobile": "720-555-0117"}  # the client record's own details stay; its blank cell filled
    assert got["1003"] == {"contact": None, "phone": None, "email": "", "mobile": None}  # as read
    assert got["999"]["contact"] == "Ana Morales" and got["999"]["email"] == "own@example.com"

    assert main(["check", "--sage", url, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "Note: Contact from clncnt for 3 clients" in err and err.count("\n") == 1, err
    findings = json.loads(out)["findings"]
    contactless = {f["customer_id"] for f in findings if f["rule"] in ("missing-contact", "missing-phone")}
    assert contactless == {"1003"}  # 1001 and 999 have their contact now


def test_an_import_carries_the_contact_read_from_clncnt(tmp_path: Path) -> None:
    sage = company(tmp_path / "s.db", [client(1001, **BLANK_CONTACT), client(1002, contact=None)],
                   [person(1001, 1, "Dale Benson", "303-555-0101", "dale@example.com"),
                    person(1002, 1, "Marco Rivera")])
    target = real_smsturbo(sqlite_url(tmp_path / "t.db"), [customer("1002", contact="Marco Rivera")])
    wb = smsync_core.connect(sage, target)
    rec = wb.reconcile(missing_only=False)
    assert rec.different.empty  # the contact from clncnt is the one SMSTurbo has: not a difference
    inserted = wb.plan(["1001"]).inserts.iloc[0]
    assert (inserted["Contact"], inserted["Phone"], inserted["Email"]) == (
        "Dale Benson", "303-555-0101", "dale@example.com")
    assert inserted["CellPhone"] is None
    wb.close()


@pytest.mark.parametrize("how", ["no table", "turned off", "a column missing", "no _idnum"])
def test_without_a_usable_contacts_table_the_clients_are_read_as_they_are(tmp_path: Path, how: str) -> None:
    rows = [client(1001, **BLANK_CONTACT)]
    contacts = [person(1001, 1, "Dale Benson", "303-555-0101")]
    config: dict[str, Any] = {}
    if how == "no table":
        url = company(tmp_path / "s.db", rows, None)
    elif how == "turned off":
        url = company(tmp_path / "s.db", rows, contacts)
        config = {"sage": {"contacts_table": ""}}
    elif how == "a column missing":
        url = company(tmp_path / "s.db", rows, contacts, drop=("cllphn",))
    else:
        url = company(tmp_path / "s.db", rows, contacts)
        config = {"sage": {"contacts_columns": {"client_key": "no_such_column"}}}
    clients = clients_of(url, config)
    assert by_id(clients)["1001"] == {"contact": None, "phone": None, "email": "", "mobile": None}
    assert not clients.attrs.get("notes")


def test_the_contacts_table_and_its_columns_are_configurable(tmp_path: Path) -> None:
    url = company(tmp_path / "s.db", [client(1001, **BLANK_CONTACT)],
                  [person(1001, 1, "Dale Benson", "303-555-0101", "dale@example.com", "720-555-0103")],
                  contacts_name="people")
    config = {"sage": {"contacts_table": "people", "contacts_columns": {"email": "", "mobile": ""}}}
    clients = clients_of(url, config)
    assert by_id(clients)["1001"] == {"contact": "Dale Benson", "phone": "303-555-0101", "email": "",
                                      "mobile": None}  # e-mail and cell left out of the mapping
    assert clients.attrs["notes"][0].startswith("Contact from people for 1 client: where the client record's "
                                                "contact or phone was blank")
    loaded = load_config(config)
    assert loaded.contacts == ContactsMapping("people", columns={"contact": "cntnme", "phone": "phnnum"})
    assert load_config(to_mapping(loaded)).contacts == loaded.contacts  # Save writes it back
    assert "contacts_table" not in to_mapping(load_config({}))["sage"]  # the default is not written out
    off = load_config({"sage": {"contacts_table": ""}})
    assert off.contacts.table is None and load_config(to_mapping(off)).contacts.table is None
    with pytest.raises(ConfigurationError, match=r"\[sage\.contacts_columns\] has unknown key cell"):
        load_config({"sage": {"contacts_columns": {"cell": "cllphn"}}})
    with pytest.raises(ConfigurationError, match=r"sage\.contacts_columns\.key must be a column name"):
        load_config({"sage": {"contacts_columns": {"key": ""}}})


def test_a_client_number_on_two_clients_or_with_two_primary_contacts_is_left_alone(tmp_path: Path) -> None:
    url = company(tmp_path / "s.db", [
        client("HOLLOWAY", _idnum=idnum(1), **BLANK_CONTACT), client("HOLLOWAY", _idnum=idnum(2), **BLANK_CONTACT),
        client("TWICE", _idnum=idnum(3), **BLANK_CONTACT), client("ONCE", _idnum=idnum(4), **BLANK_CONTACT),
    ], [person(1, 1, "Jim"), person(2, 1, "Sue"), person(3, 1, "Ann"), person(3, 1, "Bob"), person(4, 1, "Cy")],
        recnum_type="text")
    clients = clients_of(url)
    contacts = clients.set_index("row")["contact"].astype(object).where(clients["contact"].notna(), None)
    assert list(contacts) == [None, None, None, "Cy"]  # which of two would it be? none is guessed


def test_the_demo_company_keeps_some_contacts_in_clncnt(tmp_path: Path) -> None:
    from smsync_core.demo import build_demo, story_ids

    paths = build_demo(tmp_path, clients=60)
    with sa.create_engine(paths.sage_url).connect() as conn:
        blank = conn.execute(sa.text(
            "SELECT recnum FROM reccln WHERE contct IS NULL AND e_mail IS NULL AND phnnum IS NULL AND cllphn IS NULL "
            "AND _idnum IN (SELECT _idref FROM clncnt WHERE linnum = 1)")).scalars().all()
    moved = story_ids()["contact_in_clncnt"]
    assert sorted(str(n) for n in blank) == sorted(moved) and len(moved) == 3
    clients = clients_of(paths.sage_url)
    got = by_id(clients)
    assert all(got[n]["contact"] and got[n]["email"] for n in moved)
    assert got["1002"]["contact"] == "Marco Rivera"  # its primary contact in clncnt is someone else: the record wins
    assert "Contact from clncnt for 3 clients" in clients.attrs["notes"][0]
