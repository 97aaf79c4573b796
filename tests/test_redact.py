"""Secrets in every form a connection URL or ODBC string carries them: none survives any rendering.

The canary is a password no output may contain, in any encoding: every encoding keeps its leading letters
``Canary7``, so finding that word anywhere is a leak. It holds the characters that break naive parsers
(``@ : % ; }`` and a space).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy.engine import URL, make_url

from smsync_core.redact import (
    MASK,
    Scrubber,
    encodings,
    is_secret_key,
    redact_url,
    strip_password,
    url_secrets,
)

CANARY = "Canary7 S3cr@t:50%;x}y"
MARK = "Canary7"
BRACED = "{" + CANARY.replace("}", "}}") + "}"


def _odbc(key: str = "PWD", value: str = BRACED) -> str:
    return f"DRIVER={{MariaDB ODBC 3.1 Driver}};SERVER=db.example;UID=clerk;{key}={value};DATABASE=sales"


@dataclass(frozen=True)
class Form:
    id: str
    url: str | URL
    readable: tuple[str, ...]  # what redact_url must still show


FORMS = [
    Form("userinfo", f"postgresql+psycopg://clerk:{quote(CANARY, safe='')}@db.example:5432/sales",
         ("postgresql+psycopg://clerk:***@db.example:5432/sales",)),
    Form("userinfo-unencoded-at", "postgresql+psycopg://clerk:Canary7p@ss@db.example/sales",
         ("clerk:***@db.example/sales",)),
    Form("userinfo-unencoded-slash", "postgresql+psycopg://clerk:Canary7a/b@db.example/sales",
         ("clerk:***@db.example/sales",)),
    Form("query-password", f"postgresql+psycopg://clerk@db.example/sales?password={quote_plus(CANARY)}&sslmode=require",
         ("clerk@db.example/sales", "sslmode=require", "password=***")),
    Form("query-PassWord", f"postgresql+psycopg://clerk@db.example/sales?PassWord={quote(CANARY, safe='')}",
         ("clerk@db.example/sales", "PassWord=***")),
    Form("query-pwd", f"mssql+pyodbc://clerk@db.example/sales?driver=FreeTDS&PWD={quote_plus(CANARY)}",
         ("driver=FreeTDS", "PWD=***")),
    Form("query-token", f"postgresql+psycopg://db.example/sales?access_token={quote_plus(CANARY)}&api_key=Canary7key",
         ("db.example/sales", "access_token=***", "api_key=***")),
    Form("odbc_connect-PWD", f"mysql+pyodbc:///?odbc_connect={quote_plus(_odbc())}",
         ("mysql+pyodbc:///?odbc_connect=", "SERVER%3Ddb.example", "PWD%3D***", "DATABASE%3Dsales")),
    Form("odbc_connect-PASSWORD", f"mysql+pyodbc:///?odbc_connect={quote_plus(_odbc('PASSWORD', 'Canary7plain'))}",
         ("SERVER%3Ddb.example", "PASSWORD%3D***", "DATABASE%3Dsales")),
    Form("odbc_connect-lowercase-pwd", f"mysql+pyodbc:///?odbc_connect={quote(_odbc('pwd'), safe='')}",
         ("SERVER%3Ddb.example", "pwd%3D***")),
    Form("odbc_connect-twice-encoded", f"mysql+pyodbc:///?odbc_connect={quote_plus(quote_plus(_odbc()))}",
         ("SERVER%253Ddb.example", "PWD%253D***")),
    Form("odbc_connect-not-encoded", f"mssql+pyodbc:///?odbc_connect={_odbc('PWD', 'Canary7plain')}",
         ("SERVER%3Ddb.example", "PWD%3D***")),
    Form("raw-odbc", "DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:db.example,1433;UID=clerk;PWD=Canary7plain;"
         "Encrypt=yes", ("DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:db.example,1433;UID=clerk;PWD=***;",
                         "Encrypt=yes")),
    Form("raw-odbc-braces", _odbc("Password"), ("SERVER=db.example;UID=clerk;Password=***;DATABASE=sales",)),
    Form("url-object", URL.create("mssql+pyodbc", username="clerk", password=CANARY, host="db.example",
                                  database="sales", query={"odbc_connect": _odbc(), "APP": "smsync"}),
         ("mssql+pyodbc://clerk:***@db.example/sales", "APP=smsync", "PWD%3D***")),
    Form("malformed-url", f"postgresql+psycopg://clerk@db.example:notaport/sales?password={quote_plus(CANARY)}",
         ("password=***",)),
]
IDS = [f.id for f in FORMS]


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_redact_url_shows_no_secret_and_keeps_the_rest(form: Form) -> None:
    shown = redact_url(form.url)
    assert MARK not in shown
    for part in form.readable:
        assert part in shown


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_strip_password_keeps_no_secret_nor_its_key(form: Form) -> None:
    saved = strip_password(form.url)
    assert MARK not in saved
    assert MASK not in saved
    assert "db.example" in saved
    if "://" in str(form.url) and form.id != "malformed-url":
        assert make_url(saved).password is None


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_url_secrets_finds_the_password_as_typed(form: Form) -> None:
    found = url_secrets(form.url)
    assert found, "a secret was missed"
    assert any(MARK in s for s in found)
    assert MASK not in found


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_scrubber_removes_the_secret_from_any_text_that_quotes_the_url(form: Form) -> None:
    scrubber = Scrubber().add_url(form.url)
    raw = form.url.render_as_string(hide_password=False) if isinstance(form.url, URL) else form.url
    text = (f"could not connect to {raw}\n{CANARY!r} {quote_plus(CANARY)} {quote(quote(CANARY, safe=''), safe='')}"
            f' "{CANARY}" {CANARY.replace("}", "}}")}')
    if "Canary7p@ss" in raw or "Canary7a/b" in raw or "Canary7plain" in raw or "Canary7key" in raw:
        text = raw  # these forms carry their own short canary, not CANARY
    assert MARK not in scrubber.scrub(text)
    assert MARK.encode() not in scrubber.scrub_bytes(text.encode())


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_redacting_twice_changes_nothing_more(form: Form) -> None:
    once = redact_url(form.url)
    assert redact_url(once) == once


def test_a_url_without_secret_is_shown_as_given() -> None:
    for url in ("sqlite:///tmp/x.db", "sqlite://", "postgresql+psycopg://clerk@db.example:5432/sales?sslmode=require"):
        assert redact_url(url) == url
        assert strip_password(url) == url
        assert url_secrets(url) == frozenset()
    assert redact_url(None) == ""


def test_an_empty_password_leaks_nothing_and_scrubs_nothing() -> None:
    assert "***" in redact_url("postgresql+psycopg://clerk:@db.example/sales")
    assert url_secrets("postgresql+psycopg://clerk:@db.example/sales") == frozenset()
    assert Scrubber().add_url("postgresql+psycopg://clerk:@db.example/sales").scrub("clerk@db") == "clerk@db"


def test_secret_keys_in_any_case_and_spelling() -> None:
    for key in ("password", "PassWord", "PWD", "pwd", "passwd", "secret", "client_secret", "token", "access_token",
                "api_key", "apiKey", "sslpassword", "Access-Token"):
        assert is_secret_key(key), key
    for key in ("driver", "DRIVER", "SERVER", "UID", "user", "sslmode", "APP", "TrustServerCertificate",
                "Trusted_Connection", "Authentication", "odbc_connect", "database"):
        assert not is_secret_key(key), key


def test_encodings_cover_percent_plus_double_and_escaped_forms() -> None:
    forms = encodings(CANARY)
    for form in (CANARY, quote(CANARY, safe=""), quote_plus(CANARY), quote(quote(CANARY, safe=""), safe=""),
                 quote_plus(quote_plus(CANARY)), CANARY.replace("}", "}}")):
        assert form in forms
    assert encodings("") == frozenset()


def test_the_longest_secret_goes_first() -> None:
    scrubber = Scrubber(["Canary7abc", "Canary7abcdef"])
    assert scrubber.scrub("x Canary7abcdefgh y") == f"x {MASK}gh y"


def test_short_secrets_are_not_hunted_in_free_text() -> None:
    scrubber = Scrubber(["ab"])
    assert scrubber.scrub("Fabian's table") == "Fabian's table"
    assert "ab" not in redact_url("postgresql+psycopg://clerk:ab@db.example/sales")


def test_the_scrubber_knows_the_environment_and_the_configuration() -> None:
    environ = {
        "SMSYNC_SAGE_URL": f"mysql+pyodbc:///?odbc_connect={quote_plus(_odbc('PASSWORD', 'Canary7sage'))}",
        "SMSYNC_SMSTURBO_URL": "postgresql+psycopg://clerk@db.example/turbo?password=Canary7turbo",
        "SMSYNC_SAGE_PASSWORD": "Canary7env",
        "HOME": "/home/clerk",
    }
    config = {"sage": {"url": "postgresql+psycopg://clerk:Canary7toml@db.example/sales"},
              "smsturbo": {"password": "Canary7cfg", "columns": {"name": "CustomerName"}},
              "hosts": ["DRIVER=x;PWD=Canary7list"]}
    scrubber = Scrubber.collect(["sqlite:///x.db", "postgresql+psycopg://u:Canary7cli@h/d"], config=config,
                                environ=environ)
    text = "\n".join(["Canary7sage", "Canary7turbo", "Canary7env", "Canary7toml", "Canary7cfg", "Canary7list",
                      "Canary7cli", "CustomerName", "/home/clerk"])
    assert scrubber.scrub(text).split("\n") == [MASK] * 7 + ["CustomerName", "/home/clerk"]
    assert MARK not in repr(scrubber)


def test_scrub_value_reaches_every_string_of_a_json_value() -> None:
    scrubber = Scrubber(["Canary7x"])
    value = {"cells": [{"outputs": ["see Canary7x"], "n": 3}], "Canary7x": None}
    assert scrubber.scrub_value(value) == {"cells": [{"outputs": [f"see {MASK}"], "n": 3}], MASK: None}
