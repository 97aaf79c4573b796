"""The Set Up screen: Replace Options and connections saved to smsync.toml, the password never saved or kept
in a widget."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

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
