"""Source and target adapters: exported client lists (CSV, Excel), the Sage 100 table, the SMSTurbo table."""

from __future__ import annotations

import itertools
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsync_core.config import load_config
from smsync_core.db.connect import source_engine, target_engine
from smsync_core.errors import ConnectionFailed, InputError, SchemaMismatch
from smsync_core.sources import client_list, sage100
from smsync_core.targets import smsturbo
from tests.support.data import TEMPLATE_EXTRA, client, customer, make_sage_db, make_smsturbo_db

CONFIG = load_config({})
FIELDS = ["customer_id", "name", "short_name", "address1", "address2", "city", "state", "postal_code", "phone", "fax",
          "mobile", "email", "contact", "status", "inactive"]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- exported client lists ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "customer_id,name,city,postal_code,status,inactive",  # canonical names
        "recnum,clnnme,ctynme,zipcde,status,inactv",  # Sage column names
        "Client Number,Client Name,City,Zip,Client Status Ref,Inactive",  # labels of Sage's client list
    ],
    ids=["canonical", "sage-columns", "labels"],
)
def test_csv_headers_canonical_sage_columns_or_labels(tmp_path: Path, header: str) -> None:
    path = write_csv(
        tmp_path / "clients.csv",
        header + "\n"
        "1001,Acme Corp,Dallas,75201,3 - Current Customer,0\n"
        "JSMITH,Julie Smith,Austin,73301,6 - Do Not Accept Contract Again,1\n",
    )
    sage = client_list.read_clients(path, CONFIG)
    assert list(sage.columns) == ["row", *FIELDS]
    assert sage["customer_id"].tolist() == ["1001", "JSMITH"]
    assert sage["name"].tolist() == ["Acme Corp", "Julie Smith"]
    assert sage["postal_code"].tolist() == ["75201", "73301"]
    assert sage["status"].tolist() == [3, 6]
    assert sage["inactive"].tolist() == [False, True]
    assert sage["row"].tolist() == [0, 1]
    assert sage["phone"].isna().all()  # a column the list does not have is missing, not invented


def test_csv_values_are_kept_exactly(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "clients.csv",
        'Client Number,Client Name,Phone\n'
        '0042,"  Spaces kept  ",NA\n'
        '" 1001",NULL,\n'
        'acme01,"Quote ""inside""",001-555\n'
        '1001.0,MÜLLER GmbH,\n',
    )
    sage = client_list.read_clients(path, CONFIG)
    assert sage["customer_id"].tolist() == ["0042", " 1001", "acme01", "1001.0"]
    # leading spaces are data, trailing ones padding (removed on read)
    assert sage["name"].tolist() == ["  Spaces kept", "NULL", 'Quote "inside"', "MÜLLER GmbH"]
    assert sage["phone"].tolist()[:1] == ["NA"]  # the text NA is a value, not a missing one
    assert sage["phone"].isna().tolist() == [False, True, False, True]


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "clients.csv", "\ufeffClient Number,Client Name\nA1,Acme\n")
    assert client_list.read_clients(path, CONFIG)["customer_id"].tolist() == ["A1"]


def test_excel_client_list(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Client Number", "Client Name", "Zip", "Status"])
    sheet.append([1001, "Acme Corp", "02134", "6 - Do Not Accept Contract Again"])
    sheet.append([1002.0, " Beta ", None, 3])
    sheet.append(["0042", "Gamma", "75201", None])
    path = tmp_path / "clients.xlsx"
    book.save(path)
    sage = client_list.read_clients(path, CONFIG)
    assert sage["customer_id"].tolist() == ["1001", "1002", "0042"]
    assert sage["name"].tolist() == ["Acme Corp", " Beta", "Gamma"]
    assert sage["postal_code"].tolist()[0] == "02134"
    assert sage["status"].tolist()[:2] == [6, 3] and sage["status"].isna().tolist()[2]


def test_a_windows_code_page_csv_reads_right(tmp_path: Path) -> None:
    # Excel's plain "CSV" is saved in cp1252: accented names read as written, not refused or garbled
    path = write_csv(tmp_path / "clients.csv", "Client Number,Client Name\nM1,MÜLLER\n", encoding="cp1252")
    assert client_list.read_clients(path, CONFIG)["name"].tolist() == ["MÜLLER"]


@pytest.mark.parametrize(
    "text",
    [
        "Client Number,Client Name,Zip\nA1,Acme,75201,extra\n",
        "Client Number,Client Name,Zip\nA1,Acme,75201\nA2,Beta,75202,extra\n",
        "Client Number,Client Name,Zip\nA1,Acme,75201\nA2,Beta\n",
    ],
    ids=["extra-field-only-row", "extra-field", "missing-field"],
)
def test_ragged_csv_is_an_input_error(tmp_path: Path, text: str) -> None:
    path = write_csv(tmp_path / "clients.csv", text)
    with pytest.raises(InputError, match="export it again"):
        client_list.read_clients(path, CONFIG)


def test_csv_without_client_number_is_an_input_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "clients.csv", "Client Name,City\nAcme,Dallas\n")
    with pytest.raises(InputError, match="Client Number"):
        client_list.read_clients(path, CONFIG)


def test_missing_client_list_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        client_list.read_clients(tmp_path / "missing.csv", CONFIG)


def test_a_client_list_is_recognised_by_its_suffix() -> None:
    assert client_list.is_client_list("exports/clients.csv")
    assert client_list.is_client_list("C:/Exports/Clients.XLSX")
    assert not client_list.is_client_list("sqlite:///company.db")
    assert not client_list.is_client_list("mssql+pyodbc://u@srv/Company1?driver=FreeTDS")


# --- the Sage 100 table -------------------------------------------------------------------------------------------


def test_sage_table_read_in_source_order_with_every_field(tmp_path: Path) -> None:
    url = make_sage_db(tmp_path / "s.db", [client("B2", status=6, inactive=1), client("A1", fax="555")])
    engine = source_engine(url)
    sage = sage100.read_clients(engine, CONFIG)
    engine.dispose()
    assert list(sage.columns) == ["row", *FIELDS]
    assert sage["customer_id"].tolist() == ["B2", "A1"]
    assert sage["status"].tolist() == [6, 3] and sage["inactive"].tolist() == [True, False]
    assert sage["fax"].tolist()[1] == "555" and sage["fax"].isna().tolist()[0]
    assert str(sage["customer_id"].dtype).startswith("string")


def test_sage_table_with_configured_names(tmp_path: Path) -> None:
    config = load_config({"sage": {"table": "clients", "columns": {"name": "ClientName", "city": "Town"}}})
    url = make_sage_db(tmp_path / "s.db", [client("A1", name="Acme", city="Dallas")], table="clients",
                       columns={"name": "ClientName", "city": "Town"})
    engine = source_engine(url)
    sage = sage100.read_clients(engine, config)
    engine.dispose()
    assert sage[["name", "city"]].values.tolist() == [["Acme", "Dallas"]]


def test_optional_sage_columns_may_be_absent(tmp_path: Path) -> None:
    url = make_sage_db(tmp_path / "s.db", [client("A1")], with_inactv=False, drop=["short_name"])
    engine = source_engine(url)
    sage = sage100.read_clients(engine, CONFIG)
    engine.dispose()
    assert sage["inactive"].tolist() == [False] and sage["short_name"].isna().all()


def test_a_mapped_column_missing_in_the_sage_table_is_a_schema_mismatch(tmp_path: Path) -> None:
    url = make_sage_db(tmp_path / "s.db", [client("A1")], drop=["city"])
    engine = source_engine(url)
    with pytest.raises(SchemaMismatch, match="ctynme") as info:
        sage100.read_clients(engine, CONFIG)
    engine.dispose()
    assert "city" in str(info.value) and info.value.exit_code == 2


def test_a_missing_sage_table_is_a_schema_mismatch(tmp_path: Path) -> None:
    url = make_sage_db(tmp_path / "s.db", [client("A1")], table="clients_old")
    engine = source_engine(url)
    with pytest.raises(SchemaMismatch, match="reccln"):
        sage100.read_clients(engine, CONFIG)
    engine.dispose()


def test_a_missing_sage_database_file_is_connection_failed(tmp_path: Path) -> None:
    with pytest.raises(ConnectionFailed, match="does not exist"):
        source_engine(f"sqlite:///{tmp_path / 'missing.db'}")
    assert not (tmp_path / "missing.db").exists()


def test_an_empty_sage_table_reads_as_an_empty_frame(tmp_path: Path) -> None:
    engine = source_engine(make_sage_db(tmp_path / "s.db", []))
    sage = sage100.read_clients(engine, CONFIG)
    engine.dispose()
    assert sage.empty and list(sage.columns) == ["row", *FIELDS]


# --- the SMSTurbo table -------------------------------------------------------------------------------------------


def test_smsturbo_customers_exclude_only_the_exact_template(tmp_path: Path) -> None:
    url = make_smsturbo_db(tmp_path / "t.db", [customer("A1"), customer("zzdefault"), customer("ZZDEFAULT1")])
    engine = target_engine(url)
    customers = smsturbo.read_customers(engine, CONFIG)
    assert sorted(customers["customer_id"]) == ["A1", "ZZDEFAULT1", "zzdefault"]
    assert list(customers.columns) == ["customer_id", "name", "address1", "address2", "city", "state", "postal_code",
                                       "phone", "fax", "mobile", "email", "contact"]
    with engine.connect() as conn:
        template = smsturbo.template_row(conn, CONFIG)
    engine.dispose()
    assert template is not None and template["CustomerID"] == "ZZDEFAULT"
    assert {k: template[k] for k in TEMPLATE_EXTRA} == TEMPLATE_EXTRA


def test_no_template_row_is_none(tmp_path: Path) -> None:
    engine = target_engine(make_smsturbo_db(tmp_path / "t.db", [customer("A1")], template=False))
    with engine.connect() as conn:
        assert smsturbo.template_row(conn, CONFIG) is None
    engine.dispose()


def test_smsturbo_column_lengths_come_from_the_database(tmp_path: Path) -> None:
    engine = target_engine(make_smsturbo_db(tmp_path / "t.db", [], lengths={"name": 35, "state": 3}))
    lengths = smsturbo.column_lengths(engine, CONFIG)
    engine.dispose()
    assert lengths["customer_id"] == 15 and lengths["name"] == 35 and lengths["state"] == 3


def test_a_missing_smsturbo_table_is_a_schema_mismatch(tmp_path: Path) -> None:
    engine = target_engine(make_smsturbo_db(tmp_path / "t.db", [], table="Customers"))
    with pytest.raises(SchemaMismatch, match="Customer"):
        smsturbo.read_customers(engine, CONFIG)
    engine.dispose()


def test_frames_use_text_dtype_with_na_for_null(tmp_path: Path) -> None:
    engine = target_engine(make_smsturbo_db(tmp_path / "t.db", [customer("A1", fax=None, email="")]))
    customers = smsturbo.read_customers(engine, CONFIG)
    engine.dispose()
    assert customers["fax"].isna().all() and customers["email"].tolist() == [""]
    assert isinstance(customers["name"].dtype, pd.StringDtype)


# --- round trip through a real database (hypothesis) -------------------------------------------------------------

_DB_NUMBER = itertools.count()
TEXT_VALUES = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["0042", " 1001", "1001.0", "1e3", "NULL", "  ", "acme01", "MÜLLER", "\u0410CME"]),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(TEXT_VALUES, TEXT_VALUES), min_size=1, max_size=6))
def test_text_values_survive_the_sage_table_exactly(tmp_path: Path, values: list[tuple[str | None, ...]]) -> None:
    path = tmp_path / f"s{next(_DB_NUMBER)}.db"
    url = make_sage_db(path, [client(cid, name=name) for cid, name in values])
    engine = source_engine(url)
    sage = sage100.read_clients(engine, CONFIG)
    engine.dispose()
    path.unlink()
    got = [(None if c is pd.NA else c, None if n is pd.NA else n) for c, n in zip(sage["customer_id"], sage["name"],
                                                                                    strict=True)]
    # the Client Number exactly; other text without its trailing spaces (padding), only spaces being blank
    unpadded = [(c, None if n is None or (n.strip(" ") == "" and n) else n.rstrip(" ")) for c, n in values]
    assert got == unpadded


def test_mixed_client_number_column_reads_as_text(tmp_path: Path) -> None:
    # SQLite keeps text that is not a number as text even in an INTEGER column: both must read back as written
    url = make_sage_db(tmp_path / "s.db", [client(1001), client("ACME"), client(None), client(7)], recnum_type="int")
    engine = source_engine(url)
    sage = sage100.read_clients(engine, CONFIG)
    engine.dispose()
    assert [None if v is pd.NA else v for v in sage["customer_id"]] == ["1001", "ACME", None, "7"]
