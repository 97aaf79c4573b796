"""Configuration: connections, table and column mappings, client statuses, SQL Server options, Replace Options.

Read from ``smsync.toml`` (or a mapping, for notebooks and tests) and from the environment variables
``SMSYNC_SAGE_URL`` / ``SMSYNC_SMSTURBO_URL``. Every malformed value is a :class:`ConfigurationError` naming the key.

A connection URL is taken, in this order, from the command line (or the Set Up screen), then the environment, then
``smsync.toml``. Saving writes only what was given to be saved: a URL that came from the environment is never
copied into the file (whatever the file held for that side is kept), a password never, and the file's comments and
layout stay as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from smsync_core import schema
from smsync_core.errors import ConfigurationError
from smsync_core.redact import Scrubber, strip_password

DEFAULT_FILE = "smsync.toml"
ENV_SAGE_URL = "SMSYNC_SAGE_URL"
ENV_SMSTURBO_URL = "SMSYNC_SMSTURBO_URL"
ENV_CONFIG = "SMSYNC_CONFIG"
ENV_HOME = "SMSYNC_HOME"
#: Where a connection URL of a loaded configuration came from (``Config.url_origins``).
FROM_ENVIRONMENT, FROM_FILE, GIVEN = "environment", "file", "given"


def default_config_path() -> Path:
    """Where ``smsync.toml`` is looked for and saved by default: ``$SMSYNC_HOME`` (set by ``smsync app`` for its
    kernels, which run in the notebooks folder) or the current directory."""
    home = os.environ.get(ENV_HOME)
    return Path(home) / DEFAULT_FILE if home else Path(DEFAULT_FILE)


@dataclass(frozen=True)
class TableMapping:
    """Where one side keeps its customers: table, optional schema, canonical field -> column; for Sage 100 given
    as an exported Excel client list, the sheet holding the clients (None: the workbook's first)."""

    table: str
    columns: Mapping[str, str]
    schema: str | None = None
    sheet: str | None = None

    def column(self, field_name: str) -> str | None:
        """The column mapped to a canonical field, or None when this side does not have it."""
        return self.columns.get(field_name)


#: Sage 100 Contractor's client contacts table (newer versions).
CONTACTS_TABLE = "clncnt"
#: The fields a client's primary contact in ``clncnt`` can fill, and the ``clncnt`` columns that hold them.
CONTACT_COLUMNS: Mapping[str, str] = {"contact": "cntnme", "phone": "phnnum", "email": "e_mail", "mobile": "cllphn"}


@dataclass(frozen=True)
class ContactsMapping:
    """Where newer Sage 100 Contractor companies keep client contacts (``clncnt``): a contact row's ``key``
    column holds the client's ``client_key`` (``reccln._idnum``), line 1 (``line``) is the primary contact, whose
    ``columns`` fill the client's blank contact fields. ``table`` None: contacts are not read."""

    table: str | None = CONTACTS_TABLE
    client_key: str = "_idnum"
    key: str = "_idref"
    line: str = "linnum"
    columns: Mapping[str, str] = field(default_factory=lambda: dict(CONTACT_COLUMNS))


@dataclass(frozen=True)
class SqlServerOptions:
    """How smsync logs on to SQL Server (Sage 100 Contractor's instance is usually ``SAGE100CON``)."""

    driver: str = "ODBC Driver 18 for SQL Server"
    app_name: str = "smsync"
    trusted_connection: bool = False
    encrypt: bool = True
    trust_server_certificate: bool = False


@dataclass(frozen=True)
class Config:
    """Everything a run needs besides the data. Frozen: derive a changed copy with :meth:`replace`."""

    sage_url: str | None = None
    smsturbo_url: str | None = None
    sage: TableMapping = field(default_factory=lambda: TableMapping(schema.SAGE_TABLE, dict(schema.SAGE_COLUMNS)))
    smsturbo: TableMapping = field(
        default_factory=lambda: TableMapping(schema.SMSTURBO_TABLE, dict(schema.SMSTURBO_COLUMNS))
    )
    #: The client contacts table (``[sage] contacts_table``, ``[sage.contacts_columns]``).
    contacts: ContactsMapping = field(default_factory=ContactsMapping)
    inactive_statuses: frozenset[int] = schema.INACTIVE_STATUSES
    status_names: Mapping[int, str] = field(default_factory=lambda: dict(schema.STATUS_NAMES))
    #: True when ``[status] names`` was given: those names override the company's own (``clnsts``).
    status_names_set: bool = False
    sqlserver: SqlServerOptions = field(default_factory=SqlServerOptions)
    replace_groups: tuple[str, ...] = ()
    audit_table: str = "smsync_runs"
    path: Path | None = None
    #: side -> FROM_ENVIRONMENT, FROM_FILE or GIVEN: where each connection URL came from (a side left out: given).
    url_origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed (validated like a loaded file); a URL set here counts as given."""
        if "replace_groups" in changes:
            changes["replace_groups"] = parse_replace_groups(changes["replace_groups"], "replace.groups")
        if "url_origins" not in changes:
            given = {side for side in ("sage", "smsturbo") if f"{side}_url" in changes}
            changes["url_origins"] = {k: v for k, v in self.url_origins.items() if k not in given}
        return dataclasses.replace(self, **changes)


def parse_replace_groups(value: Any, key: str = "replace") -> tuple[str, ...]:
    """Replace Options from a list or a comma-separated string, in the canonical order, duplicates removed."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = [str(part).strip() for part in value]
    else:
        raise ConfigurationError(f"{key} must be a list of Replace Options groups, not {value!r}.")
    unknown = sorted(set(items) - set(schema.REPLACE_GROUPS))
    if unknown:
        raise ConfigurationError(
            f"{key} names unknown Replace Options group {', '.join(unknown)}; "
            f"choose from {', '.join(schema.REPLACE_GROUPS)}."
        )
    return tuple(group for group in schema.REPLACE_GROUPS if group in items)


def load_config(source: str | Path | Mapping[str, Any] | Config | None = None) -> Config:
    """Load the configuration.

    Parameters
    ----------
    source
        A ``Config`` (returned as is), a mapping shaped like ``smsync.toml``, a path to a TOML file, or None:
        ``$SMSYNC_CONFIG`` or ``./smsync.toml`` when it exists, otherwise the defaults. An environment URL
        (``SMSYNC_SAGE_URL`` / ``SMSYNC_SMSTURBO_URL``) wins over the file's; the command line wins over both
        (:func:`smsync_core.workbench.connect`).
    """
    if isinstance(source, Config):
        return source
    path: Path | None = None
    data: Mapping[str, Any]
    if source is None:
        env_path = os.environ.get(ENV_CONFIG)
        candidate = Path(env_path) if env_path else default_config_path()
        if env_path and not candidate.is_file():
            raise ConfigurationError(f"{ENV_CONFIG} names {candidate}, which does not exist; fix the path.")
        source = candidate if candidate.is_file() else {}
    if isinstance(source, str | Path):
        path = Path(source)
        data = _read_toml(path)
    else:
        data = source
    config = _from_mapping(data, path)
    urls: dict[str, str | None] = {}
    origins: dict[str, str] = {}
    for side, env, from_file in (("sage", ENV_SAGE_URL, config.sage_url),
                                 ("smsturbo", ENV_SMSTURBO_URL, config.smsturbo_url)):
        from_env = os.environ.get(env) or None
        urls[side] = from_env or from_file
        if urls[side] is not None:
            origins[side] = FROM_ENVIRONMENT if from_env else FROM_FILE
    return dataclasses.replace(config, sage_url=urls["sage"], smsturbo_url=urls["smsturbo"], url_origins=origins)


def secrets_in_play(
    *urls: str | None, config: Config | str | Path | Mapping[str, Any] | None = None
) -> Scrubber:
    """A scrubber that knows every secret in play, whatever its source: the URLs given (command line, Set Up
    screen), the environment (URLs and password variables), and the configuration: its connections and, when it
    comes from a file (``config``, ``$SMSYNC_CONFIG`` or ``./smsync.toml``), everything that file says."""
    scrubber = Scrubber.collect(urls)
    path: Path | None = None
    if isinstance(config, Config):
        scrubber.add_url(config.sage_url).add_url(config.smsturbo_url)
        path = config.path
    elif isinstance(config, Mapping):
        scrubber.add_mapping(config)
    elif config is not None:
        path = Path(config)
    else:
        path = Path(os.environ.get(ENV_CONFIG) or default_config_path())
    if path is not None and path.is_file():
        with contextlib.suppress(ConfigurationError, OSError):  # an unreadable file has nothing to hide here
            scrubber.add_mapping(_read_toml(path))
    return scrubber


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"Configuration file {path} does not exist; create it or fix the path.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"Configuration file {path} is not valid TOML ({exc}); fix that line.") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"Configuration file {path} is not valid TOML (it is not UTF-8 text); "
                                 "save it as UTF-8.") from None


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"[{key}] in the configuration must be a table of settings.")
    return value


def _known(section: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    """The section itself, after refusing keys it does not know (a typo must not be silently ignored)."""
    extra = sorted(set(section) - set(allowed))
    if extra:
        raise ConfigurationError(f"[{name}] has unknown key {', '.join(extra)}; use {', '.join(allowed)}.")
    return section


def _text(data: Mapping[str, Any], key: str, name: str, default: str | None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{name} in the configuration must be text, not {value!r}.")
    return value


def _flag(data: Mapping[str, Any], key: str, name: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} in the configuration must be true or false, not {value!r}.")
    return value


def _mapping(data: Mapping[str, Any], side: str, table: str, columns: Mapping[str, str]) -> TableMapping:
    section = _section(data, side)
    known = ("table", "schema", "columns", "sheet", *_CONTACT_KEYS) if side == "sage" else (
        "table", "schema", "columns")
    extra = sorted(set(section) - set(known))
    if extra:
        raise ConfigurationError(f"[{side}] has unknown key {', '.join(extra)}; use {', '.join(known)}.")
    merged = dict(columns)
    overrides = _section(section, "columns") if "columns" in section else {}
    for field_name, column in overrides.items():
        if field_name not in schema.FIELDS:
            raise ConfigurationError(
                f"{side}.columns.{field_name} is not a customer field; use one of {', '.join(schema.FIELDS)}."
            )
        if column is None or column == "":
            merged.pop(field_name, None)
        elif isinstance(column, str):
            merged[field_name] = column
        else:
            raise ConfigurationError(f"{side}.columns.{field_name} must be a column name, not {column!r}.")
    if "customer_id" not in merged:
        raise ConfigurationError(f"{side}.columns.customer_id must name the customer ID column.")
    _refuse_collisions(side, merged)
    table_name = _text(section, "table", f"{side}.table", table)
    if not table_name:
        raise ConfigurationError(f"{side}.table must name the customer table.")
    return TableMapping(table_name, merged, _text(section, "schema", f"{side}.schema", None),
                        _text(section, "sheet", f"{side}.sheet", None) or None)


_CONTACT_KEYS = ("contacts_table", "contacts_columns")
_CONTACT_ROLES = ("client_key", "key", "line")


def _contacts(data: Mapping[str, Any]) -> ContactsMapping:
    """``[sage] contacts_table`` ("" turns contacts off) and ``[sage.contacts_columns]``: ``client_key``, ``key``,
    ``line`` and the contact fields (``contact``, ``phone``, ``email``, ``mobile``; "" leaves one out)."""
    section = _section(data, "sage")
    default = ContactsMapping()
    table = _text(section, "contacts_table", "sage.contacts_table", default.table) or None
    given = _known(_section(section, "contacts_columns"), "sage.contacts_columns", (*_CONTACT_ROLES, *CONTACT_COLUMNS))
    names: dict[str, str] = {}
    for key, value in given.items():
        if not isinstance(value, str) or (not value and key in _CONTACT_ROLES):
            raise ConfigurationError(f"sage.contacts_columns.{key} must be a column name, not {value!r}.")
        names[key] = value
    columns = {f: names.get(f, c) for f, c in CONTACT_COLUMNS.items() if names.get(f, c)}
    roles = {role: names.get(role, getattr(default, role)) for role in _CONTACT_ROLES}
    return ContactsMapping(table, columns=columns, **roles)


def _contacts_section(contacts: ContactsMapping) -> dict[str, Any]:
    """The ``[sage]`` keys that say how contacts differ from the default (nothing when they do not)."""
    default = ContactsMapping()
    section: dict[str, Any] = {}
    if contacts.table != default.table:
        section["contacts_table"] = contacts.table or ""
    columns = {role: getattr(contacts, role) for role in _CONTACT_ROLES if getattr(contacts, role) !=
               getattr(default, role)}
    columns |= {f: contacts.columns.get(f, "") for f, c in CONTACT_COLUMNS.items() if contacts.columns.get(f) != c}
    if columns:
        section["contacts_columns"] = columns
    return section


def _refuse_collisions(side: str, columns: Mapping[str, str]) -> None:
    """Two fields mapped onto one column (names compared as the databases do, ignoring case) would overwrite each
    other; a field mapped onto the key column would rewrite customer IDs: both are configuration errors."""
    seen: dict[str, str] = {}
    key_column = columns["customer_id"].casefold()
    for field_name in ["customer_id", *(f for f in columns if f != "customer_id")]:
        column = columns[field_name]
        other = seen.get(column.casefold())
        if other is not None:
            what = "the customer ID column" if column.casefold() == key_column else "the same column"
            raise ConfigurationError(
                f"{side}.columns.{field_name} and {side}.columns.{other} both name {what} '{column}', so one would "
                f"overwrite the other; map {field_name} to a column of its own (or to \"\" to leave it out)."
            )
        seen[column.casefold()] = field_name


def _from_mapping(data: Mapping[str, Any], path: Path | None) -> Config:
    allowed = {"connections", "sage", "smsturbo", "status", "sqlserver", "replace", "audit"}
    extra = sorted(set(data) - allowed)
    if extra:
        raise ConfigurationError(
            f"The configuration has unknown section [{extra[0]}]; use {', '.join(sorted(allowed))}."
        )
    connections = _known(_section(data, "connections"), "connections", ("sage", "smsturbo"))
    status = _known(_section(data, "status"), "status", ("inactive", "names"))
    inactive_raw = status.get("inactive", sorted(schema.INACTIVE_STATUSES))
    if not isinstance(inactive_raw, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in inactive_raw
    ):
        raise ConfigurationError(f"status.inactive must be a list of status numbers, not {inactive_raw!r}.")
    names_raw = _section(status, "names") if "names" in status else {}
    names = dict(schema.STATUS_NAMES) if "names" not in status else {}
    for key, value in names_raw.items():
        try:
            number = int(key)
        except ValueError:
            raise ConfigurationError(f"status.names key {key!r} must be a status number.") from None
        if not isinstance(value, str):
            raise ConfigurationError(f"status.names.{key} must be the status name as text.")
        names[number] = value
    sql = _known(
        _section(data, "sqlserver"),
        "sqlserver",
        tuple(f.name for f in dataclasses.fields(SqlServerOptions)),
    )
    defaults = SqlServerOptions()
    sqlserver = SqlServerOptions(
        driver=_text(sql, "driver", "sqlserver.driver", defaults.driver) or defaults.driver,
        app_name=_text(sql, "app_name", "sqlserver.app_name", defaults.app_name) or defaults.app_name,
        trusted_connection=_flag(sql, "trusted_connection", "sqlserver.trusted_connection", False),
        encrypt=_flag(sql, "encrypt", "sqlserver.encrypt", True),
        trust_server_certificate=_flag(sql, "trust_server_certificate", "sqlserver.trust_server_certificate", False),
    )
    replace = _known(_section(data, "replace"), "replace", ("groups",))
    audit = _known(_section(data, "audit"), "audit", ("table",))
    return Config(
        sage_url=_text(connections, "sage", "connections.sage", None),
        smsturbo_url=_text(connections, "smsturbo", "connections.smsturbo", None),
        sage=_mapping(data, "sage", schema.SAGE_TABLE, schema.SAGE_COLUMNS),
        smsturbo=_mapping(data, "smsturbo", schema.SMSTURBO_TABLE, schema.SMSTURBO_COLUMNS),
        contacts=_contacts(data),
        inactive_statuses=frozenset(inactive_raw),
        status_names=names,
        status_names_set="names" in status,
        sqlserver=sqlserver,
        replace_groups=parse_replace_groups(replace.get("groups", []), "replace.groups"),
        audit_table=_text(audit, "table", "audit.table", "smsync_runs") or "smsync_runs",
        path=path,
    )


def to_mapping(config: Config, *, include_urls: bool = True) -> dict[str, Any]:
    """The configuration as a ``smsync.toml``-shaped mapping (URLs with their passwords removed)."""

    data: dict[str, Any] = {}
    if include_urls:
        pairs = (("sage", config.sage_url), ("smsturbo", config.smsturbo_url))
        urls = {k: strip_password(v) for k, v in pairs if v}
        if urls:
            data["connections"] = urls
    defaults = (("sage", config.sage, schema.SAGE_COLUMNS), ("smsturbo", config.smsturbo, schema.SMSTURBO_COLUMNS))
    for side, mapping, default_columns in defaults:
        # a default column the mapping leaves out is written as "" so that loading does not bring it back
        columns = {f: "" for f in default_columns if f not in mapping.columns} | dict(mapping.columns)
        section: dict[str, Any] = {"table": mapping.table, "columns": columns}
        if mapping.schema:
            section["schema"] = mapping.schema
        if mapping.sheet:
            section["sheet"] = mapping.sheet
        if side == "sage":
            section |= _contacts_section(config.contacts)
        data[side] = section
    data["status"] = {"inactive": sorted(config.inactive_statuses)}
    if config.status_names_set:  # else the company's own list (clnsts) stays in charge
        data["status"]["names"] = {str(k): v for k, v in sorted(config.status_names.items())}
    data["sqlserver"] = dataclasses.asdict(config.sqlserver)
    data["replace"] = {"groups": list(config.replace_groups)}
    data["audit"] = {"table": config.audit_table}
    return data


def _read_document(target: Path) -> tomlkit.TOMLDocument:
    if not target.is_file():
        return tomlkit.document()
    try:
        return tomlkit.parse(target.read_text("utf-8"))
    except (tomlkit.exceptions.ParseError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"Configuration file {target} is not valid TOML ({exc}); fix it before saving."
                                 ) from None


def _merge(table: Any, values: Mapping[str, Any]) -> None:
    """Write ``values`` into a TOML table in place: changed keys set, missing ones added, stale ones removed;
    an unchanged key is left untouched, so its comments and layout stay."""
    for key in [k for k in table if k not in values]:
        del table[key]
    for key, value in values.items():
        current = table.get(key)
        if isinstance(value, Mapping):
            if not isinstance(current, Mapping):
                current = tomlkit.table()
                table[key] = current
            _merge(current, value)
        elif current is None or _plain(current) != value:
            table[key] = value


def _plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def save_config(config: Config, path: str | Path | None = None) -> Path:
    """Write the configuration to ``smsync.toml`` (the Set Up screen's Save button), keeping the file's comments.

    Passwords are never written: connection URLs are saved with every secret removed, and the password is
    supplied at run time (``SMSYNC_SAGE_PASSWORD`` / ``SMSYNC_SMSTURBO_PASSWORD`` or the Set Up screen's masked
    field). A URL that came from the environment is not written: the file keeps what it held for that side.
    """
    target = Path(path) if path is not None else (config.path or default_config_path())
    document = _read_document(target)
    data = to_mapping(config, include_urls=False)
    connections = document.get("connections")
    kept = {str(k): _plain(v) for k, v in connections.items()} if isinstance(connections, Table) else {}
    for side, url in (("sage", config.sage_url), ("smsturbo", config.smsturbo_url)):
        if config.url_origins.get(side, GIVEN) == FROM_ENVIRONMENT:
            continue
        if url:
            kept[side] = strip_password(url)
        else:
            kept.pop(side, None)
    if kept:
        data = {"connections": kept, **data}
    _merge(document, data)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
