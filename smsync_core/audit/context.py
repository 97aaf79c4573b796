"""Who ran an import and against what: the part of a run record that names people and databases.

Passwords are removed here, once, when the context is built (URLs, ``odbc_connect`` strings, secret-looking
configuration keys, and the password environment variables), and every known password is scrubbed again when
the context is written into a manifest.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from smsync_core.config import Config, to_mapping
from smsync_core.errors import UsageError
from smsync_core.redact import redact_url, url_secrets


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of a config snapshot (dataclasses, mappings, sets, paths, tuples)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _scrub(value: Any, words: frozenset[str], key: str = "") -> Any:
    """Remove passwords from a config snapshot: secret keys, URLs and known secret strings."""
    if isinstance(value, dict):
        return {k: _scrub(v, words, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, words, key) for v in value]
    if isinstance(value, str):
        if value and any(part in key.lower() for part in ("password", "pwd", "secret", "token")):
            return "***"
        if "://" in value or "=" in value:
            value = redact_url(value)
        for word in words:
            value = value.replace(word, "***")
    return value


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("smsync")
    except Exception:
        return "unknown"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


@dataclass(frozen=True)
class RunContext:
    """Who ran an import and against what, as the record states it (no password anywhere)."""

    target_url: str
    source_url: str | None = None
    target_user: str | None = None
    source_user: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    os_user: str = field(default_factory=_os_user)
    host: str = field(default_factory=socket.gethostname)
    smsync_version: str = field(default_factory=_version)
    secrets: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def create(cls, target_url: str | sa.URL, source_url: str | sa.URL | None = None,
               config: Any = None) -> RunContext:
        """Build the context from the URLs as given: passwords are removed here, once."""
        words = url_secrets(target_url) | url_secrets(source_url) | _env_secrets()
        if isinstance(config, Config):
            config = to_mapping(config)
        return cls(
            target_url=redact_url(target_url),
            source_url=redact_url(source_url) if source_url is not None else None,
            target_user=_username(target_url),
            source_user=_username(source_url),
            config=_scrub(jsonable(config) if config is not None else {}, words),
            secrets=words,
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``who``/``where`` part of a manifest, scrubbed once more of every known password."""
        data = {
            "who": {"os_user": self.os_user, "host": self.host, "target_db_user": self.target_user,
                    "source_db_user": self.source_user},
            "target": self.target_url,
            "source": self.source_url,
            "config": jsonable(self.config),
            "smsync_version": self.smsync_version,
        }
        scrubbed: dict[str, Any] = _scrub(data, self.secrets)
        return scrubbed


def _username(url: str | sa.URL | None) -> str | None:
    try:
        return None if url is None else sa.make_url(url).username
    except Exception:  # an exported client list file, not a database URL
        return None


def _env_secrets() -> frozenset[str]:
    from smsync_core.db.connect import PASSWORD_ENV

    return frozenset(v for v in (os.environ.get(name) for name in PASSWORD_ENV.values()) if v and len(v) >= 3)


def run_context(workbench: Any) -> RunContext:
    """The context of a run started from a workbench (anything with ``sage_url``, ``smsturbo_url``, ``config``)."""
    target = workbench.smsturbo_url
    if target is None:
        raise UsageError("No SMSTurbo connection was given; pass --smsturbo URL or set SMSYNC_SMSTURBO_URL.")
    return RunContext.create(target, workbench.sage_url, workbench.config)
