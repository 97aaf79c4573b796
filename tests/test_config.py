"""Configuration: defaults, a TOML file overriding them, every malformed value named, environment URLs, and
saving (the Set Up screen's Save button) that round-trips and never writes a password."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from smsync_core.config import Config, load_config, save_config
from smsync_core.errors import ConfigurationError
from tests.support.data import SAGE_COLUMNS

SAGE_DEFAULT = SAGE_COLUMNS  # written out in tests/support/data.py, not taken from the code under test


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test starts in an empty directory with no smsync environment variables."""
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG", "SMSYNC_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "smsync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    config = load_config(None)
    assert config.sage.table == "reccln" and dict(config.sage.columns) == SAGE_DEFAULT
    assert config.smsturbo.table == "Customer"
    assert config.smsturbo.columns["customer_id"] == "CustomerID"
    assert config.smsturbo.columns["mobile"] == "CellPhone"
    assert "status" not in config.smsturbo.columns
    assert config.inactive_statuses == frozenset({6})
    assert config.status_names[6] == "Do Not Accept Contract Again"
    assert config.status_names[1] == "Contact"
    assert config.sqlserver.driver == "ODBC Driver 18 for SQL Server"
    assert config.replace_groups == ()
    assert config.sage_url is None and config.smsturbo_url is None


def test_a_toml_file_overrides_tables_columns_statuses_and_sqlserver(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[connections]
sage = "sqlite:///company.db"

[sage]
table = "clients"
schema = "sage"
[sage.columns]
name = "ClientName"
inactive = ""

[smsturbo]
table = "Customers"
[smsturbo.columns]
mobile = "Mobile"

[status]
inactive = [5, 6]
[status.names]
3 = "Active"
6 = "Closed"

[sqlserver]
driver = "FreeTDS"
app_name = "SMSTurboSync"
trust_server_certificate = true
encrypt = false

[replace]
groups = ["phones", "name"]
""",
    )
    config = load_config(path)
    assert config.path == path
    assert config.sage_url == "sqlite:///company.db"
    assert (config.sage.table, config.sage.schema) == ("clients", "sage")
    assert config.sage.columns["name"] == "ClientName"
    assert "inactive" not in config.sage.columns  # "" removes a mapping
    assert config.sage.columns["city"] == "ctynme"  # the rest keeps its default
    assert config.smsturbo.table == "Customers" and config.smsturbo.columns["mobile"] == "Mobile"
    assert config.inactive_statuses == frozenset({5, 6})
    assert dict(config.status_names) == {3: "Active", 6: "Closed"}
    assert config.sqlserver.driver == "FreeTDS" and config.sqlserver.app_name == "SMSTurboSync"
    assert config.sqlserver.trust_server_certificate is True and config.sqlserver.encrypt is False
    assert config.replace_groups == ("name", "phones")  # canonical order


def test_smsync_toml_in_the_working_directory_is_read_by_default(tmp_path: Path) -> None:
    write(tmp_path, '[status]\ninactive = [4]\n')
    assert load_config(None).inactive_statuses == frozenset({4})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[sage\ntable = 'x'\n", "not valid TOML"),
        ("[sage]\ntable = \n", "not valid TOML"),
        ("[bogus]\nx = 1\n", "bogus"),
        ("[sage]\ntabel = 'clients'\n", "tabel"),
        ("[sage.columns]\nnmae = 'x'\n", "nmae"),
        ("[sage.columns]\nname = 5\n", "sage.columns.name"),
        ("[sage.columns]\ncustomer_id = ''\n", "customer_id"),
        ("[smsturbo]\ntable = ''\n", "smsturbo.table"),
        ("[status]\ninactive = 6\n", "status.inactive"),
        ("[status]\ninactive = '6'\n", "status.inactive"),
        ("[status]\ninactive = [true]\n", "status.inactive"),
        ("[status]\ninactiv = [6]\n", "inactiv"),
        ("[status.names]\nsix = 'x'\n", "six"),
        ("[sqlserver]\ndrvier = 'FreeTDS'\n", "drvier"),
        ("[sqlserver]\nencrypt = 'yes'\n", "sqlserver.encrypt"),
        ("[connections]\nsaeg = 'sqlite:///x.db'\n", "saeg"),
        ("[connections]\nsage = 5\n", "connections.sage"),
        ("[replace]\ngroups = ['phone']\n", "phone"),
        ("[replace]\ngruops = ['name']\n", "gruops"),
        ("[audit]\ntabel = 'runs'\n", "tabel"),
        ("sage = 'x'\n", "[sage]"),
    ],
)
def test_malformed_configuration_is_a_configuration_error_naming_the_key(
    tmp_path: Path, text: str, named: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    assert info.value.exit_code == 2
    message = str(info.value)
    assert named in message, message
    assert "\n" not in message


def test_a_missing_configuration_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_smsync_config_pointing_nowhere_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSYNC_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match="SMSYNC_CONFIG"):
        load_config(None)


def test_environment_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSYNC_SAGE_URL", "sqlite:///from-env-sage.db")
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", "sqlite:///from-env-turbo.db")
    config = load_config(None)
    assert config.sage_url == "sqlite:///from-env-sage.db"
    assert config.smsturbo_url == "sqlite:///from-env-turbo.db"
    # precedence: the environment wins over the file; the file fills a side the environment leaves out
    path = write(tmp_path, '[connections]\nsage = "sqlite:///from-file.db"\nsmsturbo = "sqlite:///file-turbo.db"\n')
    config = load_config(path)
    assert config.sage_url == "sqlite:///from-env-sage.db"
    assert config.smsturbo_url == "sqlite:///from-env-turbo.db"
    monkeypatch.delenv("SMSYNC_SAGE_URL")
    config = load_config(path)
    assert config.sage_url == "sqlite:///from-file.db"
    assert config.smsturbo_url == "sqlite:///from-env-turbo.db"
    assert dict(config.url_origins) == {"sage": "file", "smsturbo": "environment"}


def test_a_config_object_is_returned_as_is() -> None:
    config = Config(sage_url="sqlite:///x.db")
    assert load_config(config) is config


def test_replace_validates_replace_groups() -> None:
    config = load_config({})
    assert config.replace(replace_groups="contact, name").replace_groups == ("name", "contact")
    with pytest.raises(ConfigurationError, match="addresses"):
        config.replace(replace_groups=["addresses"])


def _comparable(config: Config) -> dict[str, object]:
    values = dataclasses.asdict(config)
    values.pop("path")
    return values


def test_save_config_round_trips_every_setting(tmp_path: Path) -> None:
    config = load_config(
        {
            "connections": {"sage": "sqlite:///company.db", "smsturbo": "sqlite:///turbo.db"},
            "sage": {"table": "clients", "columns": {"inactive": "", "name": "ClientName"}},
            "smsturbo": {"schema": "dbo", "columns": {"fax": ""}},
            "status": {"inactive": [5, 6], "names": {"6": "Closed", "7": "Archived"}},
            "sqlserver": {"driver": "FreeTDS", "app_name": "Sync", "trusted_connection": True},
            "replace": {"groups": ["address", "email"]},
            "audit": {"table": "runs"},
        }
    )
    path = save_config(config, tmp_path / "saved.toml")
    again = load_config(path)
    assert _comparable(again) == _comparable(config)
    assert "inactive" not in again.sage.columns and "fax" not in again.smsturbo.columns
    assert again.path == path


def test_smsync_home_is_where_the_file_is_found_and_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, elsewhere = tmp_path / "project", tmp_path / "project" / "notebooks"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # where a page's kernel runs
    monkeypatch.setenv("SMSYNC_HOME", str(home))
    saved = save_config(load_config().replace(replace_groups=("phones",)))
    assert saved == home / "smsync.toml" and not (elsewhere / "smsync.toml").exists()
    assert load_config().replace_groups == ("phones",)  # a later kernel reads it back
    monkeypatch.delenv("SMSYNC_HOME")
    assert load_config().replace_groups == ()  # without it: the current directory, which has none


def test_save_config_writes_to_the_loaded_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[replace]\ngroups = []\n")
    config = load_config(path).replace(replace_groups=["phones"])
    assert save_config(config) == path
    assert load_config(path).replace_groups == ("phones",)


@pytest.mark.parametrize(
    "url",
    [
        "mssql+pyodbc://reader:Sup3rS3cret@srv/Company1?driver=ODBC+Driver+18+for+SQL+Server",
        "postgresql+psycopg://clerk:Sup3rS3cret@db.example.com:5432/smsturbo",
        "mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BFreeTDS%7D%3BUID%3Dsa%3BPWD%3DSup3rS3cret%3BAPP%3Dsmsync",
    ],
)
def test_save_config_never_writes_a_password(tmp_path: Path, url: str) -> None:
    config = load_config({"connections": {"sage": url, "smsturbo": url}})
    path = save_config(config, tmp_path / "smsync.toml")
    text = path.read_text(encoding="utf-8")
    assert "Sup3rS3cret" not in text
    again = load_config(path)
    assert again.sage_url is not None and "Sup3rS3cret" not in again.sage_url
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, nothing left behind


@pytest.mark.parametrize(("side", "field_name", "other", "column"), [
    ("smsturbo", "name", "customer_id", "CustomerID"),
    ("smsturbo", "contact", "name", "CustomerName"),
    ("sage", "name", "customer_id", "recnum"),
    ("sage", "email", "phone", "PHNNUM"),  # databases compare column names without case
])
def test_two_fields_onto_one_column_or_onto_the_key_are_refused_naming_both(
    side: str, field_name: str, other: str, column: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_config({side: {"columns": {field_name: column}}})
    message = str(raised.value)
    assert f"{side}.columns.{field_name}" in message and f"{side}.columns.{other}" in message
    assert raised.value.exit_code == 2


def test_a_field_left_out_frees_its_column_for_another() -> None:
    config = load_config({"smsturbo": {"columns": {"contact": "", "name": "Contact"}}})
    assert config.smsturbo.columns["name"] == "Contact" and "contact" not in config.smsturbo.columns


COMMENTED = """\
# Company settings: kept by every Save
[connections]
sage = "sqlite:///company.db"  # the live company

[replace]
# which groups an update may overwrite
groups = []
"""


def test_save_keeps_the_files_comments(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    save_config(load_config(path).replace(replace_groups=["phones"]))
    text = path.read_text(encoding="utf-8")
    for comment in ("# Company settings: kept by every Save", "# the live company",
                    "# which groups an update may overwrite"):
        assert comment in text
    assert load_config(path).replace_groups == ("phones",)


def test_save_never_writes_a_url_taken_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, COMMENTED)
    monkeypatch.setenv("SMSYNC_SAGE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", "sqlite:///test.db")
    save_config(load_config(path).replace(replace_groups=["phones"]))
    text = path.read_text(encoding="utf-8")
    assert "from-env.db" not in text and "test.db" not in text
    assert 'sage = "sqlite:///company.db"' in text  # the file's own value is kept
    monkeypatch.delenv("SMSYNC_SAGE_URL")
    monkeypatch.delenv("SMSYNC_SMSTURBO_URL")
    again = load_config(path)
    assert again.sage_url == "sqlite:///company.db" and again.smsturbo_url is None
    # a URL given on purpose (the Set Up screen's field) is written
    save_config(again.replace(smsturbo_url="sqlite:///chosen.db"))
    assert load_config(path).smsturbo_url == "sqlite:///chosen.db"
