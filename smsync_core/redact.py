"""Secrets in connection URLs and ODBC strings: found, redacted for people, removed for saving, scrubbed from text.

One module knows every form a secret takes, so every rendering (records, outputs, errors, logs, the page,
``smsync.toml``) agrees:

- userinfo: ``scheme://user:password@host`` (also an unencoded ``@`` or ``/`` inside the password);
- query keys named like secrets, in any case: ``password``, ``pwd``, ``passwd``, ``pass``, ``secret``, ``token``,
  ``access_token``, ``api_key``... (:func:`is_secret_key`);
- ``PWD=``/``PASSWORD=`` (any secret key) inside an ODBC connection string, whether the string is a query value
  such as ``odbc_connect`` (raw, percent-encoded once or twice, ``+`` for spaces) or given on its own
  (``DRIVER={...};SERVER=...;PWD=...``), braces-quoted values (``PWD={a;b}}c}``) included.

:func:`redact_url` shows a URL with each secret as ``***``; :func:`strip_password` drops the secrets (what a
configuration file may keep); :func:`url_secrets` lists every secret value in every encoding it could be printed
in; a :class:`Scrubber` collects the secrets in play from every source and replaces them in any text or bytes.
A leaf: it imports the standard library and SQLAlchemy only.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

#: What a secret is shown as.
MASK = "***"
#: Secrets shorter than this are not searched for in free text (a 1-2 character "password" would match
#: everywhere); URLs and ODBC strings are still redacted by their structure whatever the length.
MIN_SECRET_LENGTH = 3
#: The environment variables that carry each side's connection URL.
URL_ENV: dict[str, str] = {"sage": "SMSYNC_SAGE_URL", "smsturbo": "SMSYNC_SMSTURBO_URL"}
#: The environment variables that carry each side's database password.
PASSWORD_ENV: dict[str, str] = {"sage": "SMSYNC_SAGE_PASSWORD", "smsturbo": "SMSYNC_SMSTURBO_PASSWORD"}

_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "api_key", "accesskey", "access_key",
                 "credential")
_SECRET_EXACT = frozenset({"pwd", "pass", "pw"})
_MAX_DEPTH = 3  # percent-encoding levels looked through (raw, once, twice, thrice)

# userinfo: "scheme://user:password@" (any scheme, malformed too) up to the last "@" before the first "/" or "?";
# failing that, up to the last "@" before the query (a password with an unencoded "/").
_USERINFO = (
    re.compile(r"^(?P<head>[^:/?@#]+://[^:/?@#]*:)(?P<password>[^/?]*)@"),
    re.compile(r"^(?P<head>[^:/?@#]+://[^:/?@#]*:)(?P<password>[^?]*)@"),
)
# A query pair of a URL that SQLAlchemy cannot parse.
_QUERY_PAIR = re.compile(r"(?P<head>[?&;](?P<key>[^=&;#?]+)=)(?P<value>[^&#]*)")
# One pair of an ODBC connection string: starts the string or follows ";", value braced ("}" escaped as "}}")
# or up to the next ";".
_ODBC_PAIR = re.compile(
    r"(?:^|(?<=;))(?P<lead>\s*)(?P<key>[^;={}?&/]+?)\s*=\s*(?P<value>\{(?:[^}]|\}\})*(?:\}|$)|[^;]*)(?P<end>;?)"
)


def is_secret_key(key: str) -> bool:
    """True for a URL query key or ODBC keyword that names a secret (``PWD``, ``Password``, ``api_key``...)."""
    name = unquote_plus(key).strip().lower().replace("-", "_").replace(" ", "_")
    return name in _SECRET_EXACT or name.endswith("_pwd") or any(word in name for word in _SECRET_WORDS)


def redact_url(url: str | URL | None) -> str:
    """The URL (or ODBC string) for people, logs and records: every secret shown as ``***``, the rest readable."""
    if url is None:
        return ""
    return _scrub_leftovers(_rewrite(url, _mask), url)


def strip_password(url: str | URL) -> str:
    """The URL (or ODBC string) with every secret removed, keys and all: what a configuration file may keep."""
    return _scrub_leftovers(_rewrite(url, _drop), url)


def url_secrets(url: str | URL | None) -> frozenset[str]:
    """Every secret value ``url`` carries, in every encoding it could be printed in (raw, percent-encoded,
    ``+``-encoded, twice encoded, JSON- and HTML-escaped, ODBC-brace-escaped); empty values are left out."""
    if url is None:
        return frozenset()
    found: set[str] = set()
    for value in _raw_secrets(url):
        found |= encodings(value)
    found.discard(MASK)
    return frozenset(found)


def encodings(secret: str) -> frozenset[str]:
    """``secret`` as it could appear in output: raw and in each encoding a URL, JSON, HTML or ODBC gives it."""
    if not secret:
        return frozenset()
    forms = {secret, secret.replace("}", "}}")}
    for form in list(forms):
        once = {quote(form, safe=""), quote(form), quote(form, safe=" +"), quote_plus(form)}
        forms |= once
        forms |= {quote(x, safe="") for x in once} | {quote_plus(x) for x in once}
    for form in list(forms):
        forms |= {json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1], html.escape(form),
                  html.escape(form, quote=False), repr(form)[1:-1]}
    forms.discard("")
    return frozenset(forms)


class Scrubber:
    """Every secret in play, whatever its source, and the one place that replaces them in text and bytes.

    Feed it the URLs given on the command line or the Set Up screen (:meth:`add_url`), the environment
    (:meth:`add_environment`), configuration mappings (:meth:`add_mapping`) and bare passwords (:meth:`add`);
    :meth:`scrub` then replaces every occurrence of every encoding of each, longest first, with ``***``.
    """

    def __init__(self, secrets: Iterable[str] = (), *, min_length: int = MIN_SECRET_LENGTH) -> None:
        self._min_length = min_length
        self._secrets: set[str] = set()
        self._text: re.Pattern[str] | None = None
        self._bytes: re.Pattern[bytes] | None = None
        for secret in secrets:
            self.add(secret)

    @classmethod
    def collect(
        cls,
        urls: Iterable[str | URL | None] = (),
        *,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Scrubber:
        """A scrubber knowing the secrets of ``urls``, ``config`` and the environment (``os.environ`` by default)."""
        scrubber = cls()
        for url in urls:
            scrubber.add_url(url)
        if config is not None:
            scrubber.add_mapping(config)
        scrubber.add_environment(environ)
        return scrubber

    def __repr__(self) -> str:  # never the secrets themselves
        return f"Scrubber({len(self._secrets)} forms)"

    @property
    def secrets(self) -> frozenset[str]:
        """Every form of every known secret that :meth:`scrub` replaces."""
        return frozenset(self._secrets)

    def add(self, secret: str | None) -> Scrubber:
        """A bare secret (a password as typed), in all its encodings."""
        if secret:
            self._extend(encodings(secret))
        return self

    def add_scrubber(self, other: Scrubber) -> Scrubber:
        """Every secret another scrubber knows."""
        self._extend(other.secrets)
        return self

    def add_url(self, url: str | URL | None) -> Scrubber:
        """The secrets a connection URL or ODBC string carries."""
        self._extend(url_secrets(url))
        return self

    def add_environment(self, environ: Mapping[str, str] | None = None) -> Scrubber:
        """The connection URLs and passwords of the environment: ``SMSYNC_SAGE_URL``, ``SMSYNC_SMSTURBO_URL``,
        the password variables, and any other ``SMSYNC_*`` variable named like a secret or a URL."""
        env = os.environ if environ is None else environ
        for name, value in env.items():
            upper = name.upper()
            if not value or not upper.startswith("SMSYNC_"):
                continue
            if name in PASSWORD_ENV.values() or is_secret_key(name):
                self.add(value)
            elif name in URL_ENV.values() or upper.endswith("_URL") or "://" in value:
                self.add_url(value)
        return self

    def add_mapping(self, mapping: Mapping[str, Any]) -> Scrubber:
        """The secrets of a configuration mapping (nested mappings and lists too): the value of every key named
        like a secret, and the secrets of every connection URL or ODBC string among the values."""
        for key, value in mapping.items():
            self._add_value(value, secret=is_secret_key(str(key)))
        return self

    def _add_value(self, value: Any, *, secret: bool) -> None:
        if isinstance(value, Mapping):
            self.add_mapping(value)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                self._add_value(item, secret=secret)
        elif secret and value is not None and not isinstance(value, bool):
            self.add(str(value))
        elif isinstance(value, URL) or (isinstance(value, str) and _may_hold_secret(value)):
            self.add_url(value)

    def _extend(self, forms: Iterable[str]) -> None:
        new = {f for f in forms if len(f) >= self._min_length and f != MASK} - self._secrets
        if new:
            self._secrets |= new
            self._text = self._bytes = None

    def scrub(self, text: str) -> str:
        """``text`` with every known secret replaced by ``***`` (longest first, so no tail of one survives)."""
        if not self._secrets or not text:
            return text
        if self._text is None:
            self._text = re.compile("|".join(re.escape(s) for s in _longest_first(self._secrets)))
        return self._text.sub(MASK, text)

    def scrub_bytes(self, data: bytes) -> bytes:
        """``data`` (a file's content, as UTF-8) with every known secret replaced by ``***``."""
        if not self._secrets or not data:
            return data
        if self._bytes is None:
            forms = {s.encode("utf-8") for s in self._secrets}
            self._bytes = re.compile(b"|".join(re.escape(s) for s in _longest_first(forms)))
        return self._bytes.sub(MASK.encode(), data)

    def scrub_value(self, value: Any) -> Any:
        """A copy of a JSON-like value (mappings, lists, strings; keys too) with every known secret as ``***``."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {self.scrub(k) if isinstance(k, str) else k: self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_value(v) for v in value]
        return value


# --- finding and rewriting -------------------------------------------------------------------------------------

# A rewrite turns a secret's text into its replacement: the mask, or nothing (the key goes as well).
_Rewrite = Callable[[str], str | None]


def _mask(_: str) -> str | None:
    return MASK


def _drop(_: str) -> str | None:
    return None


def _longest_first(forms: Iterable[Any]) -> list[Any]:
    return sorted(forms, key=lambda f: (-len(f), f))


def _may_hold_secret(text: str) -> bool:
    return "://" in text or any(is_secret_key(m.group("key")) for m in _ODBC_PAIR.finditer(text))


def _parse(text: str) -> URL | None:
    if "://" not in text:
        return None
    try:
        return make_url(text)
    except (ArgumentError, ValueError):
        return None


def _raw_secrets(url: str | URL) -> Iterator[str]:
    """Each secret value of ``url`` as it is written there and as it decodes."""
    text = "" if isinstance(url, URL) else str(url)
    for pattern in _USERINFO:
        match = pattern.match(text)
        if match:
            yield match.group("password")
            yield unquote(match.group("password"))
    parsed = url if isinstance(url, URL) else _parse(text)
    if parsed is None:
        for match in _QUERY_PAIR.finditer(text):
            if is_secret_key(match.group("key")):
                yield match.group("value")
                yield unquote_plus(match.group("value"))
        yield from _odbc_secrets(text)
        return
    if parsed.password is not None:
        yield str(parsed.password)
    for key, values in parsed.query.items():
        for value in (values,) if isinstance(values, str) else values:
            if is_secret_key(key):
                yield value
                yield from _decoded(value)
            else:
                yield from _odbc_secrets(value)


def _decoded(value: str) -> list[str]:
    """``value`` and what it decodes to, once, twice..., with ``unquote_plus`` and ``unquote``."""
    levels = [value]
    for decode in (unquote_plus, unquote):
        current = value
        for _ in range(_MAX_DEPTH):
            decoded = decode(current)
            if decoded == current:
                break
            levels.append(decoded)
            current = decoded
    return levels


def _odbc_secrets(value: str) -> Iterator[str]:
    for level in _decoded(value):
        for match in _ODBC_PAIR.finditer(level):
            if is_secret_key(match.group("key")):
                written = match.group("value").strip()
                yield written
                if written.startswith("{"):
                    inner = written[1:-1] if written.endswith("}") and len(written) > 1 else written[1:]
                    yield inner
                    yield inner.replace("}}", "}")


def _rewrite_odbc(text: str, rewrite: _Rewrite) -> str:
    """An ODBC connection string with each secret pair's value rewritten (or the pair dropped)."""

    def replace(match: re.Match[str]) -> str:
        if not is_secret_key(match.group("key")):
            return match.group(0)
        new = rewrite(match.group("value"))
        if new is None:
            return ""
        return f"{match.group('lead')}{match.group('key')}={new}{match.group('end')}"

    return _ODBC_PAIR.sub(replace, text)


def _rewrite_embedded(value: str, rewrite: _Rewrite) -> str:
    """A query value that may hold an ODBC string, raw or percent-encoded: rewritten at the level it reads."""
    levels = [value]
    for _ in range(_MAX_DEPTH):
        decoded = unquote_plus(levels[-1])
        if decoded == levels[-1]:
            break
        levels.append(decoded)
    for depth, level in enumerate(levels):
        if any(is_secret_key(m.group("key")) for m in _ODBC_PAIR.finditer(level)):
            rewritten = _rewrite_odbc(level, rewrite)
            for _ in range(depth):
                rewritten = quote_plus(rewritten, safe="{}*")
            return rewritten
    return value


def _rewrite(url: str | URL, rewrite: _Rewrite) -> str:
    text = "" if isinstance(url, URL) else str(url)
    for pattern in _USERINFO:
        match = pattern.match(text)
        if match:
            new = rewrite(match.group("password"))
            head = match.group("head") if new is not None else match.group("head")[:-1]
            text = f"{head}{new or ''}@{text[match.end():]}"
            break
    parsed = url if isinstance(url, URL) else _parse(text)
    if parsed is None:
        return _rewrite_text(text, rewrite)
    query: dict[str, str | list[str]] = {}
    for key, values in parsed.query.items():
        kept: list[str] = []
        for value in (values,) if isinstance(values, str) else values:
            new = rewrite(value) if is_secret_key(key) else _rewrite_embedded(value, rewrite)
            if new is not None:
                kept.append(new)
        if kept:
            query[key] = kept[0] if len(kept) == 1 else kept
    password = None if parsed.password is None else rewrite(str(parsed.password))
    rebuilt = URL.create(
        parsed.drivername,
        username=parsed.username,
        password=password,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=query,
    )
    rendered = rebuilt.render_as_string(hide_password=False)
    return rendered.replace(quote_plus(quote_plus(MASK)), MASK).replace(quote_plus(MASK), MASK)


def _rewrite_text(text: str, rewrite: _Rewrite) -> str:
    """A string SQLAlchemy cannot parse: a raw ODBC string, or a malformed URL."""

    def replace_query(match: re.Match[str]) -> str:
        if not is_secret_key(match.group("key")):
            return match.group("head") + _rewrite_embedded(match.group("value"), rewrite)
        new = rewrite(match.group("value"))
        return "" if new is None and match.group("head")[0] != "?" else match.group("head") + (new or "")

    if "://" in text:
        return _QUERY_PAIR.sub(replace_query, text)
    return _rewrite_embedded(text, rewrite)


def _scrub_leftovers(rendered: str, original: str | URL) -> str:
    """The safety net: whatever a malformed URL hid from the structural pass is replaced as text."""
    return Scrubber().add_url(original).scrub(rendered)
