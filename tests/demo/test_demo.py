"""The demo databases: deterministic, the source document's whole story, portable tables, any size."""

from __future__ import annotations

import filecmp
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, mysql, postgresql
from sqlalchemy.schema import CreateTable

from smsync_core import demo
from smsync_core.errors import UsageError
from smsync_core.sources.sage100 import sage_table
from smsync_core.targets.smsturbo import smsturbo_table

VALID_ID = re.compile(r"[A-Z0-9_-]{1,15}")
PHONE = re.compile(r"\(\d{3}\) \d{3}-\d{4}")
COMPARED = {
    "CustomerName": "clnnme", "Address1": "addrs1", "Address2": "addrs2", "City": "ctynme", "State": "state_",
    "PostalCode": "zipcde", "Phone": "phnnum", "Fax": "faxnum", "CellPhone": "cllphn", "Email": "e_mail",
    "Contact": "contct",
}


def rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()


def records(path: Path, table: str, where: str = "1 = 1", *args: Any) -> list[dict[str, Any]]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in connection.execute(f'SELECT * FROM "{table}" WHERE {where}', args)]
    finally:
        connection.close()


def one(path: Path, table: str, where: str, *args: Any) -> dict[str, Any]:
    found = records(path, table, where, *args)
    assert len(found) == 1, found
    return found[0]


def one_status(sage_rows: list[dict[str, Any]], status: int) -> list[str]:
    return [r["clnnme"] for r in sage_rows if r["status"] == status]


def normalised(value: str | None) -> str:
    return (value or "").strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.DemoPaths:
    return demo.build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def sage_rows(built: demo.DemoPaths) -> list[dict[str, Any]]:
    return records(built.sage, "reccln")


@pytest.fixture(scope="module")
def customers(built: demo.DemoPaths) -> dict[str, dict[str, Any]]:
    return {r["CustomerID"]: r for r in records(built.smsturbo, "Customer")}


# -- determinism -----------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_databases(tmp_path: Path) -> None:
    first = demo.build_demo(tmp_path / "a", clients=500, seed=7)
    second = demo.build_demo(tmp_path / "b", clients=500, seed=7)
    assert rows(first.sage, "reccln") == rows(second.sage, "reccln")
    assert rows(first.smsturbo, "Customer") == rows(second.smsturbo, "Customer")
    assert filecmp.cmp(first.sage, second.sage, shallow=False)
    assert filecmp.cmp(first.smsturbo, second.smsturbo, shallow=False)


def test_another_seed_gives_other_clients_but_the_same_story(tmp_path: Path) -> None:
    first = demo.build_demo(tmp_path / "a", clients=500, seed=7)
    other = demo.build_demo(tmp_path / "b", clients=500, seed=8)
    assert rows(first.sage, "reccln") != rows(other.sage, "reccln")
    assert rows(first.smsturbo, "Customer") != rows(other.smsturbo, "Customer")
    story = demo.minimum_clients()
    assert rows(first.sage, "reccln")[:story] == rows(other.sage, "reccln")[:story]


def test_frames_are_the_rows_written(built: demo.DemoPaths) -> None:
    sage, smsturbo = demo.demo_frames()
    text = pd.StringDtype("pyarrow")
    assert (sage["clnnme"].dtype, smsturbo["CustomerID"].dtype, sage["ntetxt"].dtype) == (text, text, text)
    assert str(sage["status"].dtype) == "int64" and str(sage["dteopn"].dtype).startswith("datetime64")
    sage["dteopn"] = sage["dteopn"].dt.strftime("%Y-%m-%d")  # SQLite holds dates as ISO text
    for name in ("insdte", "upddte"):
        sage[name] = sage[name].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    for frame, path, table in ((sage, built.sage, "reccln"), (smsturbo, built.smsturbo, "Customer")):
        plain = frame.astype(object).where(frame.notna(), None)
        assert [tuple(r) for r in plain.itertuples(index=False)] == rows(path, table)
    assert list(sage.columns)[:3] == ["recnum", "clnnme", "shtnme"]
    assert "ZZDEFAULT" in set(smsturbo["CustomerID"])


# -- the story ------------------------------------------------------------------------------------------------


def test_story_ids_name_rows_that_exist(
    sage_rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]
) -> None:
    sage_ids = {str(r["recnum"]) for r in sage_rows}
    story = demo.story_ids()
    list_ids = set(demo.client_list_frame()["Client#"])
    for role, ids in story.items():
        if role == "smsturbo_only":
            assert set(ids) <= set(customers) - sage_ids
        elif role in ("invalid", "duplicate"):  # the exported list's: a numeric company cannot hold them
            assert set(ids) <= list_ids - sage_ids, role
        else:
            assert set(ids) <= sage_ids, role
    for role in ("different", "whitespace_only", "identical"):
        assert set(story[role]) <= set(customers)


def test_julie_smith_is_inactive_with_status_6_and_not_in_smsturbo(
    built: demo.DemoPaths, customers: dict[str, dict[str, Any]]
) -> None:
    julie = one(built.sage, "reccln", "clnnme = ?", "Julie Smith")
    assert (julie["recnum"], julie["status"], julie["inactv"]) == (842, 6, 0)
    assert "842" not in customers and "SMITHJ" not in customers
    assert demo.story_ids()["inactive"] == ("842", "1020")


@pytest.mark.parametrize(
    ("client_number", "kind"),
    [
        ("acme01", "lowercase"),
        ("SMITH J", "space"),
        ("O'BRIEN", "punctuation"),
        ("A&B.PAVING", "punctuation"),
        ("MÜLLER", "non-ASCII"),
        ("CONCRETESUPPLY-NORTH", "too long"),
        ("   ", "blank"),
    ],
)
def test_each_kind_of_invalid_client_number_is_in_the_exported_list(built: demo.DemoPaths, client_number: str,
                                                                      kind: str) -> None:
    exported = pd.read_csv(built.client_list, dtype=str, keep_default_na=False)
    (name,) = exported.loc[exported["Client#"] == client_number, "Long Name"]
    assert name
    assert one(built.sage, "reccln", "clnnme = ?", name)["recnum"] > 0  # the company holds it under a number
    assert not VALID_ID.fullmatch(client_number)
    checks = {
        "lowercase": client_number != client_number.upper(),
        "space": " " in client_number.strip(),
        "punctuation": bool(re.search(r"[^\w\s-]", client_number)),
        "non-ASCII": not client_number.isascii(),
        "too long": len(client_number) > 15 and VALID_ID.fullmatch(client_number[:15]) is not None,
        "blank": client_number.strip() == "",
    }
    assert checks[kind]


def test_one_client_number_is_on_two_rows_of_the_list_and_two_numbers_in_the_company(
    built: demo.DemoPaths, sage_rows: list[dict[str, Any]]
) -> None:
    exported = pd.read_excel(built.client_list_xlsx, dtype=str)
    holloway = exported.loc[exported["Client#"] == "HOLLOWAY", "Long Name"].tolist()
    assert holloway == ["Holloway Builders", "Holloway Homes LLC"]
    assert [r["recnum"] for r in sage_rows if r["clnnme"] in holloway] == [910, 911]
    assert len({r["recnum"] for r in sage_rows}) == len(sage_rows)  # numbers cannot repeat


def test_template_customer_zzdefault(customers: dict[str, dict[str, Any]]) -> None:
    template = customers["ZZDEFAULT"]
    assert template["CustomerName"] == "DEFAULT TEMPLATE"
    assert (template["TaxCode"], template["PriceLevel"], template["Terms"]) == ("CO-STD", 2, "Net 30")
    assert float(template["CreditLimit"]) == 5000.00
    assert template["Active"] == 1


def test_incomplete_clients(built: demo.DemoPaths) -> None:
    no_address = one(built.sage, "reccln", "recnum = '1008'")
    assert no_address["ctynme"] is no_address["state_"] is no_address["zipcde"] is None
    no_phone = one(built.sage, "reccln", "recnum = '1009'")
    assert no_phone["phnnum"] is no_phone["cllphn"] is None
    assert one(built.sage, "reccln", "recnum = '1010'")["contct"] is None
    assert one(built.sage, "reccln", "recnum = '1011'")["clnnme"] is None
    long_address = one(built.sage, "reccln", "recnum = '1012'")["addrs1"]
    assert 40 < len(long_address) <= 50  # SMSTurbo's Address1 is 40 wide; its CustomerName 500
    assert getattr(smsturbo_table(sa.MetaData()).c.CustomerName.type, "length", None) == 500


def test_smsturbo_only_customers_include_hand_typed_near_matches(
    built: demo.DemoPaths, sage_rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]
) -> None:
    sage_ids = {str(r["recnum"]) for r in sage_rows}
    only = set(customers) - sage_ids - {"ZZDEFAULT"}
    assert {"ACMEPAVING", "SMITH-01", "0001005", "WALKIN", "PEAKVIEW-HOA", "GOLDENRENTALS"} <= only
    for typed, client_number in (("0001005", "1005"), ("ACMEPAVING", "517"), ("SMITH-01", "733")):
        client = one(built.sage, "reccln", "recnum = ?", client_number)
        assert customers[typed]["Phone"] == client["phnnum"]
        assert customers[typed]["PostalCode"] == client["zipcde"]
        first_word = client["clnnme"].split()[0].upper()
        assert customers[typed]["CustomerName"].upper().startswith(first_word)
    # More than the story: the bulk has hand-typed near-matches too.
    assert len(only) > len(demo.story_ids()["smsturbo_only"])


def test_customers_in_both_identical_changed_cosmetic_and_case(
    built: demo.DemoPaths, customers: dict[str, dict[str, Any]]
) -> None:
    def differing(customer_id: str) -> dict[str, tuple[str, str]]:
        client = one(built.sage, "reccln", "recnum = ?", customer_id)
        customer = customers[customer_id]
        return {
            target: (normalised(client[source]), normalised(customer[target]))
            for target, source in COMPARED.items()
            if normalised(client[source]) != normalised(customer[target])
        }

    assert differing("1001") == {}
    assert set(differing("1002")) == {"Phone"}
    assert set(differing("1003")) >= {"Address1", "City", "PostalCode"}
    assert set(differing("1018")) == {"Email", "Contact"}
    assert differing("1006") == {"CustomerName": ("Castle Rock Plumbing", "CASTLE ROCK PLUMBING")}
    for cosmetic in ("1004", "1007"):  # raw values differ, normalised values do not
        assert differing(cosmetic) == {}
        client = one(built.sage, "reccln", "recnum = ?", cosmetic)
        assert any(client[source] != customers[cosmetic][target] for target, source in COMPARED.items())


def test_bulk_has_every_kind_of_difference(
    sage_rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]
) -> None:
    counts = {"identical": 0, "different": 0, "cosmetic": 0, "case": 0}
    for client in sage_rows[demo.minimum_clients():]:
        customer = customers.get(str(client["recnum"]))
        if customer is None:
            continue
        raw = [client[s] != customer[t] for t, s in COMPARED.items()]
        norm = [(normalised(client[s]), normalised(customer[t])) for t, s in COMPARED.items()]
        differs = [a != b for a, b in norm]
        if any(differs):
            counts["different"] += 1
            counts["case"] += all(a.lower() == b.lower() for a, b in norm)
        elif any(raw):
            counts["cosmetic"] += 1
        else:
            counts["identical"] += 1
    assert counts["identical"] > counts["different"] > 0
    assert counts["cosmetic"] > 0


def test_statuses_and_inactive_flags_are_spread(sage_rows: list[dict[str, Any]]) -> None:
    statuses = pd.Series([r["status"] for r in sage_rows]).value_counts()
    assert set(statuses.index) == {1, 2, 3, 4, 5, 6, 7}  # 7: the company's own Collections Hold (clnsts)
    assert one_status(sage_rows, 7) == ["Dunn Brothers Paving"]
    assert statuses.idxmax() == 3
    assert statuses[3] > len(sage_rows) / 2
    inactive = sum(r["inactv"] for r in sage_rows)
    assert 0 < inactive < len(sage_rows) / 10


def test_data_looks_like_us_contractor_clients(
    sage_rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]
) -> None:
    assert all(isinstance(r["recnum"], int) and 0 < r["recnum"] < 10**15 for r in sage_rows)
    phones = [r[c] for r in sage_rows for c in ("phnnum", "faxnum", "cllphn") if r[c]]
    assert all(PHONE.fullmatch(p) for p in phones)
    assert all(re.fullmatch(r"\d{5}", r["zipcde"]) for r in sage_rows if r["zipcde"])
    assert all(re.fullmatch(r"[A-Z]{2}", r["state_"]) for r in sage_rows if r["state_"])
    assert all(re.fullmatch(r"[a-z0-9.]+@[a-z0-9]+\.[a-z]+", r["e_mail"]) for r in sage_rows if r["e_mail"])
    names = [r["clnnme"] for r in sage_rows if r["clnnme"]]
    assert any(n.endswith(" LLC") for n in names) and any(" & Sons " in n for n in names)
    assert all(PHONE.fullmatch(c["Phone"]) for c in customers.values() if c["Phone"])


def test_every_value_fits_its_column(sage_rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]) -> None:
    """So that loading the demo into a server that enforces lengths cannot fail."""
    metadata = sa.MetaData()
    for table, values in ((sage_table(metadata, recnum_type="int"), sage_rows), (smsturbo_table(metadata),
                                                                  list(customers.values()))):
        for column in table.columns:
            length = getattr(column.type, "length", None)
            if length:
                longest = max(len(r[column.name] or "") for r in values)
                assert longest <= length, (table.name, column.name, longest)


# -- sizes, options and errors ----------------------------------------------------------------------------------


def test_sizes_scale_with_clients() -> None:
    small_sage, small_target = demo.demo_frames(clients=200, recnum_type="text")
    large_sage, large_target = demo.demo_frames(clients=4000, recnum_type="text")
    assert (len(small_sage), len(large_sage)) == (200, 4000)
    assert 10 < len(large_target) / len(small_target) < 30
    def invalid(ids: pd.Series) -> int:
        return int((~ids.str.fullmatch(VALID_ID.pattern).astype(bool)).sum())

    large_ids = large_sage["recnum"]
    assert invalid(large_ids) > invalid(small_sage["recnum"]) + 10
    assert large_ids.duplicated().sum() > small_sage["recnum"].duplicated().sum() + 3
    assert (~large_target["CustomerID"].isin(large_ids)).sum() > 30


def test_too_few_clients_or_a_negative_seed_is_refused() -> None:
    with pytest.raises(UsageError, match="at least"):
        demo.demo_frames(clients=demo.minimum_clients() - 1)
    with pytest.raises(UsageError, match="seed"):
        demo.demo_frames(seed=-1)
    sage, _ = demo.demo_frames(clients=demo.minimum_clients())
    assert len(sage) == demo.minimum_clients()


def test_urls_name_the_absolute_files(built: demo.DemoPaths) -> None:
    assert built.sage_url == "sqlite:///" + str(built.sage.resolve())
    assert built.smsturbo_url.endswith("/smsturbo.db")
    engine = sa.create_engine(built.sage_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM reccln")).scalar_one() == 300
    finally:
        engine.dispose()


def test_existing_files_are_kept_unless_overwrite(tmp_path: Path) -> None:
    demo.build_demo(tmp_path, clients=100)
    with pytest.raises(UsageError, match="already exist"):
        demo.build_demo(tmp_path, clients=200, overwrite=False)
    assert len(rows(tmp_path / "sage.db", "reccln")) == 100
    demo.build_demo(tmp_path, clients=200)
    assert len(rows(tmp_path / "sage.db", "reccln")) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv", "clients.xlsx", "sage.db", "smsturbo.db"]


def test_integer_client_numbers_round_trip(tmp_path: Path) -> None:
    column = sage_table(sa.MetaData(), recnum_type="int").c.recnum
    assert isinstance(column.type, sa.BigInteger)
    assert isinstance(sage_table(sa.MetaData()).c.recnum.type, sa.String)
    paths = demo.build_demo(tmp_path)  # numeric by default, as in a real company
    sage, _ = demo.demo_frames()
    expected = sage["recnum"].tolist()
    assert len(expected) == 300
    with sqlite3.connect(paths.sage) as connection:
        types = {t for (t,) in connection.execute("SELECT DISTINCT typeof(recnum) FROM reccln")}
    assert types == {"integer"}
    engine = sa.create_engine(paths.sage_url)
    try:
        table = sa.Table("reccln", sa.MetaData(), autoload_with=engine)
        assert isinstance(table.c.recnum.type, sa.BigInteger)
        with engine.connect() as connection:
            stored = list(connection.execute(sa.select(table.c.recnum)).scalars())
    finally:
        engine.dispose()
    assert stored == expected
    assert 1001 in stored and 1005 in stored


def test_write_demo_through_sqlalchemy_matches_build_demo(tmp_path: Path) -> None:
    built = demo.build_demo(tmp_path / "fast", clients=400, seed=3)
    sage_url = "sqlite:///" + str(tmp_path / "sage.db")
    target_url = "sqlite:///" + str(tmp_path / "smsturbo.db")
    demo.write_demo(sage_url, target_url, clients=400, seed=3)
    assert rows(tmp_path / "sage.db", "reccln") == rows(built.sage, "reccln")
    assert rows(tmp_path / "smsturbo.db", "Customer") == rows(built.smsturbo, "Customer")
    with pytest.raises(UsageError, match="already exists"):
        demo.write_demo(sage_url, target_url, clients=400, seed=3)
    demo.write_demo(sage_url, target_url, clients=100, seed=3, overwrite=True)
    assert len(rows(tmp_path / "sage.db", "reccln")) == 100


@pytest.mark.parametrize("dialect_module", [postgresql, mysql, mssql])
def test_tables_compile_for_server_databases(dialect_module: Any) -> None:
    dialect: sa.Dialect = dialect_module.dialect()
    metadata = sa.MetaData()
    sage = str(CreateTable(sage_table(metadata, schema="dbo")).compile(dialect=dialect))
    target = str(CreateTable(smsturbo_table(metadata)).compile(dialect=dialect))
    assert "VARCHAR(20)" in sage and "UNIQUE" not in sage and "PRIMARY KEY" not in sage
    assert "VARCHAR(15)" in target and "PRIMARY KEY" in target and "NUMERIC(12, 2)" in target


# -- large ------------------------------------------------------------------------------------------------------


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


@pytest.fixture
def timed() -> Iterator[list[float]]:
    spent: list[float] = []
    yield spent
    print(f"built in {sum(spent):.1f} s")


@pytest.mark.slow
def test_200_000_clients(tmp_path: Path, timed: list[float]) -> None:
    start = time.perf_counter()
    paths = demo.build_demo(tmp_path, clients=200_000, seed=11)
    timed.append(time.perf_counter() - start)
    assert _count(paths.sage, "reccln") == 200_000
    customers = _count(paths.smsturbo, "Customer")
    assert 80_000 < customers < 150_000
    with sqlite3.connect(paths.sage) as connection:
        julie = connection.execute("SELECT status FROM reccln WHERE recnum = 842").fetchall()
        duplicated = connection.execute(
            "SELECT count(*) FROM (SELECT recnum FROM reccln GROUP BY recnum HAVING count(*) > 1)"
        ).fetchone()[0]
    assert julie == [(6,)]
    assert duplicated == 0


# -- a company like the real one, and its exported client list -----------------------------------------------------


def test_the_checks_of_the_company_and_of_its_exported_list(built: demo.DemoPaths) -> None:
    """The database shows the company's status 7 by name and no ID finding; the list shows every ID rule."""
    import smsync_core

    wb = smsync_core.connect(built.sage_url, built.smsturbo_url)
    findings = wb.check()
    assert not findings["rule"].str.startswith("id-").any()
    assert wb.company_config().status_names[7] == "Collections Hold"
    padded = [r for r in records(built.sage, "reccln") if (r["ctynme"] or "").endswith("  ")]
    assert padded and all(len(r["ctynme"]) == 50 for r in padded)  # legacy padding, over SMSTurbo's City 30
    assert not findings.query("rule == 'field-too-long'")["field"].isin(["city", "contact"]).any()
    for exported in (built.client_list, built.client_list_xlsx):
        listed = smsync_core.connect(str(exported)).check()
        ids = {rule: set(group) for rule, group in listed.groupby("rule")["customer_id"]}
        assert ids["id-duplicate"] == {"HOLLOWAY"} and ids["id-too-long"] == {"CONCRETESUPPLY-NORTH"}
        assert {"acme01", "SMITH J", "O'BRIEN", "A&B.PAVING", "MÜLLER"} <= ids["id-invalid-chars"]
        assert "id-empty" in ids


def test_the_primary_contacts_are_joined_through_the_client_key_index(built: demo.DemoPaths) -> None:
    """``reccln._idnum`` is indexed, as in a company database: the contacts' join looks clients up instead of
    making SQLite index every client first (a second of CPU at 1,000,000 clients)."""
    with sqlite3.connect(built.sage) as con:
        plan = " ".join(row[-1] for row in con.execute(
            "EXPLAIN QUERY PLAN SELECT reccln.recnum FROM reccln JOIN clncnt ON clncnt._idref = reccln._idnum "
            "WHERE clncnt.linnum = 1"))
    assert "USING INDEX ix_reccln__idnum" in plan and "AUTOMATIC" not in plan
