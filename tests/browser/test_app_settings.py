"""``smsync app``'s settings and the selection store, without a browser (fast; not marked ``browser``).

What the page's server is told (loopback, token, no code, culling), what its kernels receive (real URLs in the
environment only), and how the checked clients are kept between page loads.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from smsync_core.app.selections import ENV_STATE_DIR, SelectionStore, default_state_dir, selection_key
from smsync_core.app.server import AppSettings, app_url, kernel_environment, serve, voila_argv
from smsync_core.cli import dispatch as cli
from smsync_core.cli.app import databases
from smsync_core.config import load_config, save_config
from smsync_core.errors import ConnectionFailed, UsageError

SECRET = "Canary-pw-7731"
SAGE = f"mssql+pyodbc://reader:{SECRET}@ACCT\\SAGE100CON/Contoso?driver=ODBC+Driver+18+for+SQL+Server"
TARGET = "sqlite:////srv/smsturbo.db"


def settings(tmp_path: Path, **changes: object) -> AppSettings:
    notebook = tmp_path / "reconcile.ipynb"
    notebook.write_text("{}")
    env = kernel_environment(SAGE, TARGET, config_path=None, reports_dir=tmp_path / "r", state_dir=tmp_path / "s")
    values: dict[str, object] = {"notebook": notebook, "token": "tok-123", "environment": env, **changes}
    return AppSettings(**values)  # type: ignore[arg-type]


def test_voila_listens_on_loopback_with_a_token_strips_code_and_culls(tmp_path: Path) -> None:
    argv = voila_argv(settings(tmp_path, port=9001))
    assert "--Voila.ip=127.0.0.1" in argv and "--Voila.port=9001" in argv and "--Voila.port_retries=0" in argv
    assert "--Voila.token=tok-123" in argv
    assert "--VoilaConfiguration.strip_sources=True" in argv and "--VoilaConfiguration.show_tracebacks=False" in argv
    assert "--MappingKernelManager.cull_idle_timeout=1800" in argv
    assert argv[-1].endswith("reconcile.ipynb")
    assert "--Voila.port_retries=50" in voila_argv(settings(tmp_path))  # no --port: the next free one near 8866
    assert app_url(9001, "a/b+c") == "http://127.0.0.1:9001/?token=a%2Fb%2Bc"


def test_passwords_reach_the_kernels_environment_only(tmp_path: Path) -> None:
    app = settings(tmp_path)
    assert app.environment["SMSYNC_SAGE_URL"] == SAGE  # the kernel connects with the real URL
    assert not any(SECRET in arg for arg in voila_argv(app))
    assert SECRET not in repr(app) and "tok-123" not in repr(app)
    assert all(Path(app.environment[name]).is_absolute() for name in (ENV_STATE_DIR, "SMSYNC_REPORTS_DIR"))


def test_a_busy_port_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with (tmp_path / "out.txt").open("w") as out, pytest.raises(ConnectionFailed, match=f":{port}; pass --port"):
            serve(settings(tmp_path, port=port, environment={}), out)


def test_command_line_checks_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["app", "--port", "70000", "--no-browser"]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err
    args = cli.build_parser().parse_args(["app", "--sage", "sqlite:///a.db"])
    with pytest.raises(UsageError, match="pass --smsturbo URL too"):
        databases(args, None)


def saved_by_set_up(folder: Path) -> Path:
    """smsync.toml as Set Up's Save leaves it after the user typed both URLs."""
    typed = load_config({}).replace(sage_url="sqlite:///typed-sage.db", smsturbo_url="sqlite:///typed-smsturbo.db")
    return save_config(typed, folder / "smsync.toml")


def test_a_saved_url_gives_way_to_the_command_line_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = saved_by_set_up(tmp_path)
    for name in ("SMSYNC_SAGE_URL", "SMSYNC_SMSTURBO_URL", "SMSYNC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    other = argparse.Namespace(sage="sqlite:///other.db", smsturbo=None, demo_dir=tmp_path / "demo")
    assert databases(other, config) == ("sqlite:///other.db", "sqlite:///typed-smsturbo.db")
    neither = argparse.Namespace(sage=None, smsturbo=None, demo_dir=tmp_path / "demo")
    assert databases(neither, config) == ("sqlite:///typed-sage.db", "sqlite:///typed-smsturbo.db")
    monkeypatch.setenv("SMSYNC_SAGE_URL", "sqlite:///from-env.db")
    assert databases(neither, config) == ("sqlite:///from-env.db", "sqlite:///typed-smsturbo.db")
    assert databases(other, config) == ("sqlite:///other.db", "sqlite:///typed-smsturbo.db")
    assert not (tmp_path / "demo").exists()  # configured databases: no demo built


def test_smsync_app_starts_with_another_sage_than_the_saved_one(tmp_path: Path) -> None:
    saved_by_set_up(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSYNC_")}
    with socket.socket() as busy:  # the server is reached (and stops at once) only once the URLs were accepted
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [str(Path(sys.executable).with_name("smsync")), "app", "--sage", "sqlite:///other.db", "--no-browser",
             "--port", str(port), "--state-dir", str(tmp_path / "state")],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
        )
    assert "another database" not in done.stderr
    assert done.returncode == 1 and f"127.0.0.1:{port}; pass --port" in done.stderr, done.stderr


def test_without_databases_the_demo_is_built_once(tmp_path: Path) -> None:
    args = argparse.Namespace(sage=None, smsturbo=None, demo_dir=tmp_path / "demo")
    sage, target = databases(args, None)
    assert sage.endswith("demo/sage.db") and target.endswith("demo/smsturbo.db")
    built = (tmp_path / "demo" / "sage.db").stat().st_mtime_ns
    assert databases(args, None) == (sage, target)
    assert (tmp_path / "demo" / "sage.db").stat().st_mtime_ns == built


# --- the selection store ---------------------------------------------------------------------------------


def test_selections_are_kept_per_databases_and_mode(tmp_path: Path) -> None:
    store = SelectionStore(tmp_path / "state")
    missing = store.slot(SAGE, TARGET, "missing-only")
    assert missing.load() is None  # never stored: the panes keep their own start
    missing.save(["1003", "1001", "1001"])
    assert missing.load() == frozenset({"1001", "1003"})
    assert store.slot(SAGE, TARGET, "all").load() is None
    assert store.slot(SAGE, "sqlite:////srv/other.db", "missing-only").load() is None
    missing.save([])
    assert missing.load() == frozenset()  # stored as empty, not forgotten
    missing.clear()
    assert missing.load() is None


def test_the_file_names_no_database_and_holds_no_password(tmp_path: Path) -> None:
    store = SelectionStore(tmp_path)
    store.slot(SAGE, TARGET, "missing-only").save(["SMITHJ"])
    text = store.path.read_text("utf-8")
    assert SECRET not in text and "Contoso" not in text and "smsturbo.db" not in text
    assert json.loads(text)["entries"][selection_key(SAGE, TARGET, "missing-only")]["selected"] == ["SMITHJ"]
    # The key hashes the redacted URL: another password for the same database is the same selection.
    assert selection_key(SAGE.replace(SECRET, "new-password"), TARGET, "missing-only") == selection_key(
        SAGE, TARGET, "missing-only"
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # atomic: no leftovers


def test_a_damaged_file_reads_as_empty_and_is_replaced(tmp_path: Path) -> None:
    store = SelectionStore(tmp_path)
    store.path.write_text("{not json")
    slot = store.slot(SAGE, TARGET, "all")
    assert slot.load() is None
    slot.save(["A"])
    assert slot.load() == frozenset({"A"})


def test_state_dir_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_STATE_DIR, str(tmp_path / "x"))
    assert default_state_dir() == tmp_path / "x"
    monkeypatch.delenv(ENV_STATE_DIR)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "smsync"
