"""Who ran an import and against what: the part of a run record that names people and databases.

Secrets are removed here, once, when the context is built: its :class:`~smsync_core.redact.Scrubber` learns every
secret in play (the URLs of the run, the environment's URLs and password variables, the configuration and its
file) and the URLs are redacted by :func:`~smsync_core.redact.redact_url`. Everything the record writes passes
through that scrubber again (:meth:`RunContext.scrub`).
"""

from __future__ import annotations

import dataclasses
import getpass
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from smsync_core.config import Config, secrets_in_play, to_mapping
from smsync_core.errors import UsageError
from smsync_core.redact import MASK, Scrubber, is_secret_key, redact_url, url_secrets


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


def _redacted(value: Any, key: str = "") -> Any:
    """A config snapshot with the value of each secret-named key masked and every URL redacted."""
    if isinstance(value, dict):
        return {k: _redacted(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, key) for v in value]
    if isinstance(value, str) and value:
        if is_secret_key(key):
            return MASK
        if url_secrets(value):
            return redact_url(value)
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
    scrubber: Scrubber = field(default_factory=Scrubber, repr=False, compare=False)

    @classmethod
    def create(cls, target_url: str | sa.URL, source_url: str | sa.URL | None = None,
               config: Any = None, *, scrubber: Scrubber | None = None) -> RunContext:
        """Build the context from the URLs as given: secrets are removed here, once.

        ``scrubber`` adds secrets known elsewhere (a notebook's parameters); the context's scrubber also learns
        those of the URLs, the environment and the configuration (its file included).
        """
        known = secrets_in_play(None if target_url is None else str(target_url),
                                None if source_url is None else str(source_url),
                                config=config if isinstance(config, Config | Mapping) else None)
        if scrubber is not None:
            known.add_scrubber(scrubber)
        snapshot = jsonable(to_mapping(config) if isinstance(config, Config) else config)
        return cls(
            target_url=known.scrub(redact_url(target_url)),
            source_url=known.scrub(redact_url(source_url)) if source_url is not None else None,
            target_user=_username(target_url),
            source_user=_username(source_url),
            config=known.scrub_value(_redacted(snapshot if snapshot is not None else {})),
            scrubber=known,
        )

    def scrub(self, value: Any) -> Any:
        """``value`` (text, bytes or a JSON-like value) with every secret this run knows replaced by ``***``."""
        if isinstance(value, bytes):
            return self.scrubber.scrub_bytes(value)
        return self.scrubber.scrub_value(value)

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
        scrubbed: dict[str, Any] = self.scrubber.scrub_value(data)
        return scrubbed


def _username(url: str | sa.URL | None) -> str | None:
    try:
        return None if url is None else sa.make_url(url).username
    except Exception:  # an exported client list file, not a database URL
        return None


def run_context(workbench: Any) -> RunContext:
    """The context of a run started from a workbench (anything with ``sage_url``, ``smsturbo_url``, ``config``)."""
    target = workbench.smsturbo_url
    if target is None:
        raise UsageError("No SMSTurbo connection was given; pass --smsturbo URL or set SMSYNC_SMSTURBO_URL.")
    return RunContext.create(target, workbench.sage_url, workbench.config)
