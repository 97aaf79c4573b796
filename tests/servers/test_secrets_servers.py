"""No secret in any output, against the real servers: logins whose password is the canary, given in every form.

PostgreSQL (psycopg) takes the password as ``?password=`` (raw, or percent-encoded once) or as ``user:password@``;
MariaDB (Debian's ``MariaDB Unicode`` ODBC driver, through pyodbc) as ``PWD=``, ``PWD={...}`` or ``PASSWORD=``
inside ``odbc_connect`` (percent-encoded once, or not at all) or as a ``?password=`` the connector hands to the
driver. Each login is real: PostgreSQL checks its password even from 127.0.0.1 (``scripts/system-setup.sh``
makes members of ``smsync_password_logins`` give one; a wrong password is refused before the test trusts it),
MariaDB always does. With that login on both sides, a ``check``, ``diff``, ``sync``, a
``smsync run notebooks/reconcile.ipynb -p select all-eligible -p apply True`` and a ``verify`` succeed, and
neither their stdout and stderr nor any file of the records (gzip members unpacked) holds the canary.

Forms that cannot connect for reasons outside smsync (a password percent-encoded twice reaches the server still
encoded once; SQLAlchemy 2.1 no longer decodes ``odbc_connect`` a second time, so unixODBC gets an encoded
string; libpq's keywords are case-sensitive, so ``?PassWord=`` is an unknown option) fail in one sentence
without the canary, and so does the record of the notebook run that failed on it.
"""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from smsync_core.demo import write_demo
from smsync_core.redact import encodings
from tests.servers.helpers import Ran, smsync, table_rows
from tests.support import unavailable
from tests.support.servers import LoginFactory

pytestmark = [pytest.mark.server, pytest.mark.filterwarnings("ignore:Query string argument")]

ROOT = Path(__file__).resolve().parents[2]
RECONCILE = ROOT / "notebooks" / "reconcile.ipynb"
CLIENTS, SEED = 100, 7
#: The group whose members PostgreSQL asks for a password even from 127.0.0.1 (scripts/system-setup.sh).
PG_PASSWORD_GROUP = "smsync_password_logins"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Canary:
    """A password made of two random halves, so that a leak is found whatever encoding or partial scrub it went
    through: each half is plain letters and digits, which no URL, JSON, HTML or ODBC encoding changes."""

    head: str
    tail: str
    special: bool

    @classmethod
    def new(cls, *, special: bool) -> Canary:
        return cls(secrets.token_hex(6), secrets.token_hex(6), special)

    @property
    def password(self) -> str:
        """With ``special``, characters a URL must encode (``@ / + & % !``) sit between the halves."""
        return f"CANARY{self.head}{'@/+&%!' if self.special else ''}{self.tail}pw"

    def leaks(self, data: str | bytes) -> list[str]:
        """The forms of the canary (or of either half) found in ``data``."""
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")
        forms = encodings(self.password) | {self.head, self.tail}
        return sorted(form for form in forms if form.encode() in raw)

    def record_leaks(self, reports: Path) -> dict[str, list[str]]:
        """Every file under ``reports`` (gzip members unpacked) that holds the canary, with the forms found."""
        found: dict[str, list[str]] = {}
        for path in sorted(p for p in reports.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data += gzip.decompress(data)
            if hits := self.leaks(data):
                found[str(path.relative_to(reports))] = hits
        return found


# --- the logins ------------------------------------------------------------------------------------------------


def _pg_admin(database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=HOST, port=5432, user="postgres", dbname=database, autocommit=True,
                           connect_timeout=5)


def pg_canary_login(pg_url: str, pg_role: LoginFactory, password: str) -> tuple[str, str]:
    """A PostgreSQL login on the demo's tables whose password is ``password``, and that must give it:
    (user, database). Skips (fails under CI) where the server would let it in without the password."""
    database = make_url(pg_url).database or ""
    user = make_url(pg_role(pg_url, "canary", {"*": ["SELECT", "INSERT", "UPDATE", "DELETE"]})).username or ""
    with closing(_pg_admin()) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PG_PASSWORD_GROUP,)).fetchone() is None:
            unavailable(f"PostgreSQL has no role {PG_PASSWORD_GROUP}, so it does not check the test logins' "
                        "passwords from 127.0.0.1; run scripts/system-setup.sh as root")
        admin.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(user), sql.Literal(password)))
        admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(PG_PASSWORD_GROUP), sql.Identifier(user)))
    with closing(_pg_admin(database)) as admin:  # the first import creates smsync_runs
        admin.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(user)))
    try:
        psycopg.connect(host=HOST, port=5432, user=user, dbname=database, password="not-" + password,
                        connect_timeout=5).close()
    except psycopg.OperationalError as refused:
        assert "password authentication failed" in str(refused), refused
    else:
        unavailable("PostgreSQL lets a test login in from 127.0.0.1 with a wrong password (pg_hba.conf trust), so "
                    "the canary password would not be checked; run scripts/system-setup.sh as root")
    return user, database


def mariadb_canary_login(mariadb_odbc_url: str, mariadb_user: LoginFactory, password: str) -> tuple[str, str]:
    """A MariaDB login on the demo's database whose password is ``password``: (user, database)."""
    from tests.support.native import pyodbc

    url = make_url(mariadb_user(mariadb_odbc_url, "canary", {"*": ["SELECT", "INSERT", "UPDATE", "DELETE"]}))
    user, database, driver = url.username or "", url.database or "", str(url.query["driver"])
    account = f"`{user}`@'%'"
    with closing(pyodbc.connect(f"DRIVER={{{driver}}};SERVER={HOST};PORT=3306;UID=root;", autocommit=True)) as admin:
        admin.cursor().execute(f"ALTER USER {account} IDENTIFIED BY '{password}'")
        admin.cursor().execute(f"GRANT CREATE, INDEX ON `{database}`.* TO {account}")  # smsync_runs
    return user, database


# --- the URL forms ---------------------------------------------------------------------------------------------

URLMaker = Callable[[str, str, str], str]  # (user, database, password) -> URL


def _pg(query: str = "", userinfo: str = "") -> URLMaker:
    def make(user: str, database: str, password: str) -> str:
        secret = userinfo.format(password=quote(password, safe=""))
        return f"postgresql+psycopg://{user}{secret}@{HOST}:5432/{database}" + query.format(
            password=password, once=quote(password, safe=""), twice=quote(quote(password, safe=""), safe=""))
    return make


_MARIADB_ODBC = "DRIVER={{MariaDB Unicode}};SERVER=127.0.0.1;PORT=3306;DATABASE={database};UID={user};{secret}"


def _odbc_connect(secret: str, times: int = 1) -> URLMaker:
    def make(user: str, database: str, password: str) -> str:
        text = _MARIADB_ODBC.format(database=database, user=user, secret=secret.format(password=password))
        text += ";CHARSET=utf8mb4"
        for _ in range(times):
            text = quote_plus(text)
        return "mysql+pyodbc:///?odbc_connect=" + text
    return make


def _mariadb_query(user: str, database: str, password: str) -> str:
    return (f"mysql+pyodbc://{user}@{HOST}/{database}?driver=MariaDB+Unicode&port=3306&charset=utf8mb4"
            f"&password={quote(password, safe='')}")


@dataclass(frozen=True)
class Form:
    """One way of giving the password: which server, the URL, and whether the password has characters to encode."""

    server: str
    url: URLMaker
    special: bool = True


#: Forms with which the canary login connects.
CONNECTING: dict[str, Form] = {
    "pg ?password= raw": Form("postgresql", _pg("?password={password}"), special=False),
    "pg ?password= encoded once": Form("postgresql", _pg("?password={once}")),
    "pg user:password@ encoded once": Form("postgresql", _pg(userinfo=":{password}")),
    "mariadb odbc_connect PWD= encoded once": Form("mariadb", _odbc_connect("PWD={password}")),
    "mariadb odbc_connect PASSWORD= encoded once": Form("mariadb", _odbc_connect("PASSWORD={password}")),
    "mariadb odbc_connect PWD={...} encoded once": Form("mariadb", _odbc_connect("PWD={{{password}}}")),
    "mariadb odbc_connect PWD= not encoded": Form("mariadb", _odbc_connect("PWD={password}", times=0),
                                                  special=False),
    "mariadb ?password= encoded once": Form("mariadb", _mariadb_query),
}
#: Forms with which it cannot (see the module's docstring): the error must still hold no canary.
REFUSED: dict[str, Form] = {
    "pg ?password= encoded twice": Form("postgresql", _pg("?password={twice}")),
    "pg ?PassWord= raw": Form("postgresql", _pg("?PassWord={password}"), special=False),
    "mariadb odbc_connect PWD= encoded twice": Form("mariadb", _odbc_connect("PWD={password}", times=2)),
    "mariadb odbc_connect PASSWORD= encoded twice": Form("mariadb", _odbc_connect("PASSWORD={password}", times=2)),
}


@dataclass(frozen=True)
class Login:
    """The demo on a server, a login to it whose password is the canary, and its URL in the form under test."""

    url: str
    user: str
    canary: Canary


def _login(form: Form, request: pytest.FixtureRequest) -> Iterator[Login]:
    canary = Canary.new(special=form.special)
    if form.server == "postgresql":
        admin_url: str = request.getfixturevalue("pg_url")
        write_demo(admin_url, admin_url, CLIENTS, SEED)
        user, database = pg_canary_login(admin_url, request.getfixturevalue("pg_role"), canary.password)
    else:
        admin_url = request.getfixturevalue("mariadb_odbc_url")
        write_demo(admin_url, admin_url, CLIENTS, SEED)
        user, database = mariadb_canary_login(admin_url, request.getfixturevalue("mariadb_user"), canary.password)
    yield Login(form.url(user, database, canary.password), user, canary)


@pytest.fixture(params=list(CONNECTING))
def connecting(request: pytest.FixtureRequest) -> Iterator[Login]:
    yield from _login(CONNECTING[request.param], request)


@pytest.fixture(params=list(REFUSED))
def refused(request: pytest.FixtureRequest) -> Iterator[Login]:
    yield from _login(REFUSED[request.param], request)


# --- the tests -------------------------------------------------------------------------------------------------


def test_a_sync_and_a_notebook_import_through_a_canary_login_leave_no_secret(
    connecting: Login, here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, canary, reports = connecting.url, connecting.canary, here / "reports"
    printed: list[Ran] = []

    def ok(*argv: str) -> Ran:
        ran = smsync(capsys, *argv)
        printed.append(ran)
        assert ran.code == 0, (argv[0], ran.err)
        return ran

    before = set(table_rows(url))  # the login really connects with the password in this form
    ok("check", "--sage", url, "--smsturbo", url, "--format", "json")
    diff = ok("diff", "--sage", url, "--smsturbo", url, "--format", "json").data
    eligible = sorted(row["customer_id"] for row in diff["sage_only"] if row["eligible"])
    assert len(eligible) > 3, diff
    # sync: both URLs on the command line
    sync = ok("sync", "--sage", url, "--smsturbo", url, "--select", ",".join(eligible[:3]), "--yes",
              "--format", "json", "--reports", str(reports)).data
    assert sync["outcome"] == "committed" and sorted(sync["inserted"]) == eligible[:3], sync
    # run: Sage as a notebook parameter, SMSTurbo from the environment (the kernel takes it from there)
    monkeypatch.setenv("SMSYNC_SMSTURBO_URL", url)
    run = ok("run", str(RECONCILE), "-p", "sage_url", url, "-p", "select", "all-eligible", "-p", "apply", "True",
             "--reports", str(reports))
    assert ": committed" in run.out, run.out
    assert set(table_rows(url)) - before == set(eligible), "the notebook did not import the rest"
    ok("verify", str(reports), "--smsturbo", url)

    records = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(records) == 2, records
    assert any(p.suffix == ".html" for p in reports.rglob("*"))
    everything = b"".join(p.read_bytes() for p in reports.rglob("*") if p.is_file())
    assert connecting.user.encode() in everything, "the record does not name the login (nothing was rendered)"
    assert canary.record_leaks(reports) == {}
    for ran in printed:
        assert canary.leaks(ran.out + ran.err) == [], ran


def test_a_form_that_cannot_connect_says_so_without_the_secret(
    refused: Login, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = str(here / "reports")
    for argv in (["check", "--sage", refused.url], ["diff", "--sage", refused.url, "--smsturbo", refused.url],
                 ["sync", "--sage", refused.url, "--smsturbo", refused.url, "--all-eligible", "--yes",
                  "--reports", reports],
                 ["run", str(RECONCILE), "-p", "sage_url", refused.url, "-p", "smsturbo_url", refused.url,
                  "-p", "select", "all-eligible", "-p", "apply", "True", "--reports", reports]):
        ran = smsync(capsys, *argv)
        assert ran.code in (1, 2), ran
        ran.one_error_line()
        assert refused.canary.leaks(ran.out + ran.err) == [], ran
    assert any(p.name == "manifest.json" for p in (here / "reports").rglob("*")), "the failed run left no record"
    assert refused.canary.record_leaks(here) == {}
