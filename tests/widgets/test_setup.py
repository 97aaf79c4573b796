"""The Set Up screen: Replace Options and connections saved to smsync.toml, the password never saved or kept
in a widget."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

import ipywidgets as w
import pytest

from smsync_core.config import Config, load_config
from smsync_widgets import SetupScreen

SECRET = "s3cr3t-Pa55"


def test_save_writes_replace_options_and_connections(tmp_path: Path) -> None:
    target = tmp_path / "smsync.toml"
    saved: list[Config] = []
    screen = SetupScreen(Config(), path=target, on_save=saved.append)
    assert not any(box.value for box in screen.replace_boxes.values())
    screen.replace_boxes["phones"].value = True
    screen.replace_boxes["address"].value = True
    screen.connections["sage"].url.value = "sqlite:///company.db"
    screen.connections["smsturbo"].url.value = "sqlite:///smsturbo.db"
    screen.save_button.click()
    assert f"Saved to {target}" in screen.message.value
    loaded = load_config(target)
    assert loaded.replace_groups == ("address", "phones")  # canonical order
    assert loaded.sage_url == "sqlite:///company.db" and loaded.smsturbo_url == "sqlite:///smsturbo.db"
    assert saved and saved[0].replace_groups == ("address", "phones")
    again = SetupScreen(loaded, path=target)  # read back by the next run
    assert again.replace_groups == ("address", "phones")


def test_the_password_is_masked_never_saved_and_leaves_the_widget(tmp_path: Path) -> None:
    target = tmp_path / "smsync.toml"
    screen = SetupScreen(Config(), path=target)
    sage = screen.connections["sage"]
    assert isinstance(sage.password, w.Password)
    sage.kind.value = "SQL Server"
    sage.host.value, sage.database.value, sage.login.value = "ACCT01", "Contractors Inc", "smsync_reader"
    sage.password.value = SECRET
    turbo = screen.connections["smsturbo"]
    turbo.url.value = f"postgresql+psycopg://turbo:{SECRET}@db.local/smsturbo"
    assert screen.save() == target
    text = target.read_text()
    assert SECRET not in text
    assert "ACCT01" in text and "smsync_reader" in text and "turbo@db.local" in text
    # The password is no longer in any widget's state (a saved notebook cannot carry it) ...
    for widget in (sage.password, turbo.url, turbo.password):
        assert SECRET not in str(widget.get_state())
    assert SECRET not in screen.message.value
    # ... but the session can still connect with it.
    sage_url, turbo_url = screen.connection_urls()
    assert sage_url is not None and SECRET in sage_url and "SAGE100CON" in sage_url
    assert turbo_url is not None and SECRET in turbo_url


def test_a_bad_url_is_one_sentence_and_nothing_is_saved(tmp_path: Path) -> None:
    target = tmp_path / "smsync.toml"
    screen = SetupScreen(Config(), path=target)
    screen.connections["sage"].url.value = "not a url"
    assert screen.save() is None
    assert "not a database URL" in screen.message.value
    assert not target.exists()


CANARY = "Canary-7f3e"
SECRET_URLS = {
    "userinfo": f"postgresql+psycopg://turbo:{CANARY}@db.local/smsturbo",
    "query": f"postgresql+psycopg://turbo@db.local/smsturbo?password={CANARY}",
    "query-mixed-case": f"postgresql+psycopg://turbo@db.local/smsturbo?PassWord={CANARY}",
    "odbc_connect-PWD": "mysql+pyodbc:///?odbc_connect=" + quote_plus(f"DRIVER={{MariaDB}};UID=u;PWD={CANARY}"),
    "odbc_connect-PASSWORD": "mysql+pyodbc:///?odbc_connect="
    + quote_plus(f"DRIVER={{MariaDB}};UID=u;PASSWORD={CANARY}"),
    "twice-encoded": "mysql+pyodbc:///?odbc_connect="
    + quote_plus(quote_plus(f"DRIVER={{MariaDB}};UID=u;PWD={CANARY}")),
}


@pytest.mark.parametrize("url", SECRET_URLS.values(), ids=SECRET_URLS.keys())
def test_a_secret_typed_in_a_url_in_any_form_leaves_the_widget_and_the_file(tmp_path: Path, url: str) -> None:
    target = tmp_path / "smsync.toml"
    screen = SetupScreen(Config(), path=target)
    screen.connections["smsturbo"].url.value = url
    assert screen.save() == target
    assert CANARY not in target.read_text(encoding="utf-8")
    assert CANARY not in json.dumps(screen.get_state(), default=str)
    fields = screen.connections["smsturbo"]
    for widget in (fields.url, fields.password, fields.host, fields.database, fields.login, screen.message):
        assert CANARY not in json.dumps(widget.get_state(), default=str)
    assert CANARY not in repr(screen.current())
    _sage, turbo = screen.connection_urls()  # the session still connects with it
    assert turbo is not None and CANARY in unquote_plus(unquote_plus(turbo))


@pytest.mark.parametrize("url", SECRET_URLS.values(), ids=SECRET_URLS.keys())
def test_an_environment_url_is_shown_without_its_secret_and_not_saved_unless_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", url)
    target = tmp_path / "smsync.toml"
    screen = SetupScreen(None, path=target)
    fields = screen.connections["smsturbo"]
    assert fields.url.value and CANARY not in json.dumps(fields.url.get_state(), default=str)
    screen.replace_boxes["phones"].value = True
    assert screen.save() == target
    text = target.read_text(encoding="utf-8")
    assert "db.local" not in text and "MariaDB" not in text and CANARY not in text
    _sage, turbo = screen.connection_urls()
    assert turbo is not None and CANARY in unquote_plus(unquote_plus(turbo))
    fields.url.value = "sqlite:///chosen.db"  # changed on the screen: now it is the screen's to save
    assert screen.save() == target
    assert 'smsturbo = "sqlite:///chosen.db"' in target.read_text(encoding="utf-8")
