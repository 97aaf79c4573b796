"""No secret in any output: every form a password takes in a URL x every place smsync writes or prints.

Forms: ``user:password@``, ``?password=``, ``?PassWord=``, ``odbc_connect`` with ``PWD=`` and ``PASSWORD=``, and
``odbc_connect`` percent-encoded twice. Sources: the command line, the environment, ``smsync.toml``. Outputs:
stdout and stderr of a failing connection, ``smsync.toml`` after ``setup``, every file of the record of a
``sync`` and of a ``run`` (SQLite ignores the query's password, so a successful run carries it end to end).
The real PostgreSQL and MariaDB logins are in ``tests/servers/test_secrets_servers.py``.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from smsync_core.cli.dispatch import main
from smsync_core.redact import encodings
from tests.support.data import client, customer, make_sage_db, make_smsturbo_db

CANARY = "Kn4ry-Zq9"
_ODBC = "DRIVER={{MariaDB Unicode}};SERVER=127.0.0.1;PORT=1;UID=u;{key}={secret};DATABASE=x"


def _odbc(key: str, times: int = 1) -> str:
    text = _ODBC.format(key=key, secret=CANARY)
    for _ in range(times):
        text = quote_plus(text)
    return text


#: form -> a URL that cannot connect (port 1), carrying the canary.
FAILING: dict[str, str] = {
    "userinfo": f"postgresql+psycopg://u:{CANARY}@127.0.0.1:1/x",
    "query": f"postgresql+psycopg://u@127.0.0.1:1/x?password={CANARY}",
    "query-PassWord": f"postgresql+psycopg://u@127.0.0.1:1/x?PassWord={CANARY}",
    "odbc_connect-PWD": f"mysql+pyodbc:///?odbc_connect={_odbc('PWD')}",
    "odbc_connect-PASSWORD": f"mysql+pyodbc:///?odbc_connect={_odbc('PASSWORD')}",
    "odbc_connect-twice": f"mysql+pyodbc:///?odbc_connect={_odbc('PWD', 2)}",
}
#: form -> a query SQLite ignores (with a warning) but that smsync must treat as a secret.
SQLITE_QUERY: dict[str, str] = {
    "query": f"?password={CANARY}",
    "query-PassWord": f"?PassWord={CANARY}",
    "odbc_connect-PWD": f"?odbc_connect={_odbc('PWD')}",
    "odbc_connect-PASSWORD": f"?odbc_connect={_odbc('PASSWORD')}",
    "odbc_connect-twice": f"?odbc_connect={_odbc('PWD', 2)}",
}
SOURCES = ("command line", "environment", "smsync.toml")

pytestmark = pytest.mark.filterwarnings("ignore:Query string argument")


def leaks(text: str | bytes) -> list[str]:
    """The forms of the canary found in ``text`` (raw, percent-, JSON- or HTML-encoded)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    return sorted(form for form in encodings(CANARY) if form.encode() in data)


def record_leaks(reports: Path) -> dict[str, list[str]]:
    """Every file under ``reports`` (gzip members unpacked) that holds the canary, with the forms found."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in reports.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data += gzip.decompress(data)
        hits = leaks(data)
        if hits:
            found[str(path.relative_to(reports))] = hits
    return found


def give(source: str, side: str, url: str, here: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make ``url`` the ``side`` connection through ``source``; the command line options it needs."""
    if source == "command line":
        return [f"--{side}", url]
    if source == "environment":
        monkeypatch.setenv(f"SMSYNC_{side.upper()}_URL", url)
    else:
        (here / "smsync.toml").write_text(f"[connections]\n{side} = '{url}'\n", encoding="utf-8")
    return []


def _needs_odbc(form: str, request: pytest.FixtureRequest) -> None:
    if form.startswith("odbc_connect"):
        request.getfixturevalue("odbc")  # skips (fails under CI) without unixODBC


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("form", FAILING)
def test_a_failing_connection_prints_no_secret(
    form: str, source: str, here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    _needs_odbc(form, request)
    for command in (["check"], ["diff", "--sage", "sqlite:///nowhere.db"]):
        side = "sage" if command == ["check"] else "smsturbo"
        argv = [*command, *give(source, side, FAILING[form], here, monkeypatch)]
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (1, 2), err
        assert err.startswith("smsync: ") and err.count("\n") == 1, err
        assert leaks(out + err) == [], (argv, err)


@pytest.mark.parametrize("form", FAILING)
def test_setup_writes_no_secret_whatever_the_environment_holds(
    form: str, here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMSYNC_SAGE_URL", FAILING[form])
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", FAILING[form])
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", CANARY)
    assert main(["setup", "--replace", "phones"]) == 0
    assert main(["setup"]) == 0
    out, err = capsys.readouterr()
    assert leaks((here / "smsync.toml").read_bytes()) == [] and leaks(out + err) == []


@pytest.fixture
def databases(here: Path) -> tuple[Path, Path]:
    make_sage_db(here / "sage.db", [client("1001"), client("1002", name="Baker")])
    make_smsturbo_db(here / "smsturbo.db", [customer("1002", name="Baker")])
    return here / "sage.db", here / "smsturbo.db"


SyncRunner = Callable[[list[str]], tuple[int, str, str]]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("form", SQLITE_QUERY)
def test_a_sync_record_holds_no_secret(
    form: str, source: str, databases: tuple[Path, Path], here: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sage, target = databases
    monkeypatch.setenv("SMSYNC_SAGE_PASSWORD", CANARY + "-sage")
    sage_url = f"sqlite:///{sage}"  # the read-only Sage file is opened as a URI: its query would be the path's
    target_url = f"sqlite:///{target}{SQLITE_QUERY[form]}"
    argv = ["sync", *give(source, "sage", sage_url, here, monkeypatch)]
    if source == "smsync.toml":
        (here / "smsync.toml").write_text(f"[connections]\nsage = '{sage_url}'\nsmsturbo = '{target_url}'\n",
                                          encoding="utf-8")
    else:
        argv += give(source, "smsturbo", target_url, here, monkeypatch)
    code = main([*argv, "--select", "1001", "--yes", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    records = [p for p in (here / "reports").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert records, "the sync wrote no record"
    assert record_leaks(here / "reports") == {}
    assert leaks(out + err) == []


@pytest.mark.notebook
@pytest.mark.parametrize("form", ["query", "odbc_connect-PASSWORD"])
def test_a_notebook_run_record_holds_no_secret(
    form: str, databases: tuple[Path, Path], here: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sage, target = databases
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "reconcile.ipynb"
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", f"sqlite:///{target}{SQLITE_QUERY[form]}")
    monkeypatch.setenv("SMSYNC_SAGE_PASSWORD", CANARY + "-sage")
    argv = ["run", str(notebook), "-p", "sage_url", f"sqlite:///{sage}"]
    if form == "query":  # given as a parameter; otherwise the kernel takes it from the environment
        argv += ["-p", "smsturbo_url", f"sqlite:///{target}{SQLITE_QUERY[form]}"]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert any(p.suffix == ".html" for p in (here / "reports").rglob("*"))
    assert record_leaks(here / "reports") == {}
    assert leaks(out + err) == []


@pytest.mark.parametrize("form", FAILING)
def test_the_run_context_knows_the_secrets_of_every_source(
    form: str, here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smsync_core.audit.context import RunContext
    from smsync_core.config import load_config

    monkeypatch.setenv("SMSYNC_SAGE_URL", FAILING[form])  # the environment
    monkeypatch.setenv("SMSYNC_SMSTURBO_PASSWORD", "Env-" + CANARY)
    (here / "smsync.toml").write_text(  # the file: a URL the environment overrides, and a commented-out one
        f"[connections]\nsage = '{FAILING[form].replace(CANARY, 'File-' + CANARY)}'\n", encoding="utf-8")
    context = RunContext.create("sqlite:///target.db", FAILING[form], load_config(None))
    assert leaks(str(context.to_dict())) == [] and leaks(repr(context)) == []
    for secret in (CANARY, "Env-" + CANARY, "File-" + CANARY):
        assert leaks(context.scrub(f"printed by a cell: {secret}")) == []
        assert leaks(context.scrub(f"bytes: {secret}".encode())) == []
