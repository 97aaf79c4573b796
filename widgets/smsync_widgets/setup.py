"""``SetupScreen``: the Set Up screen — Replace Options and the connection settings, saved to ``smsync.toml``.

Passwords are typed into masked ``ipywidgets.Password`` fields. On Save or Use the password is moved out of the
widget (the field is cleared, so it is not in any widget state a notebook could save) into this object for the
session; it is never written to the file (``save_config`` removes it) and never shown. The same holds for a
secret typed inside a URL, in any form (``user:password@``, ``?password=``, ``PWD=`` of ``odbc_connect``). A
connection that came from the environment is shown, but Save writes it only when it was changed on the screen.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
from sqlalchemy.engine import make_url

from smsync_core import schema
from smsync_core.config import FROM_ENVIRONMENT, Config, load_config, save_config
from smsync_core.db.connect import is_sqlserver, parse_url, sage_sqlserver_url
from smsync_core.errors import ConfigurationError
from smsync_core.redact import strip_password, url_secrets
from smsync_widgets import text
from smsync_widgets.grid import sentence

SIDES = {"sage": "Sage 100", "smsturbo": "SMSTurbo"}
_KEPT = "•••••• (kept for this session)"


class ConnectionFields(w.VBox):  # type: ignore[misc]
    """One side's connection: a SQLAlchemy URL, or SQL Server host / instance / database / login / password."""

    def __init__(self, side: str, url: str | None, config: Config) -> None:
        self.side = side
        self.config = config
        self._password: str | None = None
        self._secret_url: str | None = url if url and url_secrets(url) else None  # the URL as given, secrets too
        parsed = None
        if url:
            try:
                parsed = make_url(url)
            except Exception:  # an unparsable saved URL is shown as typed
                parsed = None
        sqlserver = parsed is not None and is_sqlserver(parsed)
        self.kind = w.ToggleButtons(options=["URL", "SQL Server"], value="SQL Server" if sqlserver else "URL")
        self.url = w.Text(
            value=strip_password(url) if url else "", description="URL", placeholder="sqlite:///company.db"
        )
        host, _, instance = (parsed.host or "").partition("\\") if sqlserver and parsed else ("", "", "")
        self.host = w.Text(value=host, description="Server", placeholder="SERVER")
        self.instance = w.Text(value=instance or "SAGE100CON", description="Instance")
        self.database = w.Text(value=(parsed.database or "") if sqlserver and parsed else "", description="Database")
        self.login = w.Text(value=(parsed.username or "") if sqlserver and parsed else "", description="Login")
        self.password = w.Password(value="", description="Password", placeholder="password")
        self._url_box = w.VBox([self.url])
        self._sql_box = w.VBox([self.host, self.instance, self.database, self.login])
        self.kind.observe(lambda _change: self._show(), names="value")
        super().__init__([w.HTML(f"<b>{SIDES[side]}</b>"), self.kind, self._url_box, self._sql_box, self.password])
        self._show()
        self.initial = self._shown_url()

    def _shown_url(self) -> str | None:
        try:
            return self.connection_url(with_password=False)
        except ConfigurationError:
            return None

    @property
    def changed(self) -> bool:
        """True when the connection on the screen differs from the one it was opened with."""
        return self._shown_url() != self.initial

    def _show(self) -> None:
        self._url_box.layout.display = "" if self.kind.value == "URL" else "none"
        self._sql_box.layout.display = "" if self.kind.value == "SQL Server" else "none"

    def take_password(self) -> None:
        """Move a typed password (or one typed inside the URL) out of the widgets into this object."""
        if self.password.value:
            self._password = self.password.value
            self.password.value = ""
            self.password.placeholder = _KEPT
        typed = self.url.value.strip()
        if self.kind.value == "URL" and typed and url_secrets(typed):  # a secret in any form, query keys included
            self._secret_url = typed
            self.url.value = strip_password(typed)
            self.password.placeholder = _KEPT

    def connection_url(self, *, with_password: bool) -> str | None:
        """The side's URL (None when not set); with the session's password only when asked."""
        password = self._password if with_password else None
        if self.kind.value == "SQL Server":
            if not (self.host.value.strip() and self.database.value.strip()):
                return None
            if password is None and with_password and self._secret_url is not None:
                with contextlib.suppress(Exception):  # the password of the URL the screen was opened with
                    password = make_url(self._secret_url).password
            url = sage_sqlserver_url(
                self.host.value.strip(),
                self.database.value.strip(),
                instance=self.instance.value.strip() or None,
                username=self.login.value.strip() or None,
                password=password,
                options=self.config.sqlserver,
            )
            return url.render_as_string(hide_password=False)
        typed = self.url.value.strip()
        if not typed:
            return None
        if with_password and self._secret_url is not None and strip_password(self._secret_url) == typed:
            typed = self._secret_url  # the field still shows the URL whose secrets were moved out
        parsed = parse_url(typed, self.side)  # type: ignore[arg-type]
        if not with_password:
            return strip_password(parsed.render_as_string(hide_password=False))
        if password and parsed.username:
            parsed = parsed.set(password=password)
        return parsed.render_as_string(hide_password=False)


class SetupScreen(w.VBox):  # type: ignore[misc]
    """Replace Options and connection settings; Save writes ``smsync.toml`` (never a password).

    Parameters
    ----------
    config
        A ``Config`` or anything ``load_config`` takes (path, mapping, None).
    path
        Where Save writes; default the config's own file or ``./smsync.toml``.
    on_save
        Called with the saved ``Config``.
    """

    def __init__(
        self,
        config: Config | str | Path | None = None,
        *,
        path: str | Path | None = None,
        on_save: Callable[[Config], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.config = load_config(config)
        self.path = Path(path) if path is not None else None
        self.on_save = on_save
        self.saved_path: Path | None = None
        self.replace_boxes = {
            group: w.Checkbox(
                value=group in self.config.replace_groups,
                description=text.REPLACE_LABELS[group],
                indent=False,
            )
            for group in schema.REPLACE_GROUPS
        }
        self.connections = {
            "sage": ConnectionFields("sage", self.config.sage_url, self.config),
            "smsturbo": ConnectionFields("smsturbo", self.config.smsturbo_url, self.config),
        }
        self.save_button = w.Button(description="Save", button_style="primary", icon="save")
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.HTML("")
        super().__init__(
            [
                w.HTML(
                    "<h3>Set Up</h3><b>Replace Options</b>: fields of existing SMSTurbo customers an update may "
                    "overwrite (none checked: existing customers are never changed)."
                ),
                w.VBox(list(self.replace_boxes.values())),
                w.HTML("<b>Connections</b>"),
                w.HBox(list(self.connections.values()), layout=w.Layout(grid_gap="24px")),
                w.HBox([self.save_button, self.message], layout=w.Layout(align_items="center", grid_gap="12px")),
            ],
            **kwargs,
        )
        self.add_class("smsync-setup")

    @property
    def replace_groups(self) -> tuple[str, ...]:
        """The checked Replace Options, in the canonical order."""
        return tuple(group for group, box in self.replace_boxes.items() if box.value)

    def connection_urls(self) -> tuple[str | None, str | None]:
        """Sage and SMSTurbo URLs to connect with, including the session's passwords (never display these)."""
        for fields in self.connections.values():
            fields.take_password()
        return (
            self.connections["sage"].connection_url(with_password=True),
            self.connections["smsturbo"].connection_url(with_password=True),
        )

    def current(self) -> Config:
        """The configuration as the screen shows it (URLs without passwords)."""
        for fields in self.connections.values():
            fields.take_password()
        changes: dict[str, Any] = {}
        for side, fields in self.connections.items():
            # a connection the environment supplied and the screen did not change is not the screen's to save
            if self.config.url_origins.get(side) != FROM_ENVIRONMENT or fields.changed:
                changes[f"{side}_url"] = fields.connection_url(with_password=False)
        return self.config.replace(replace_groups=self.replace_groups, **changes)

    def save(self) -> Path | None:
        """Save: write ``smsync.toml``; the message says where, or what is wrong in one sentence."""
        try:
            config = self.current()
            target = save_config(config, self.path)
        except (ConfigurationError, OSError, ValueError) as exc:
            self._say(sentence(exc), error=True)
            return None
        self.config = config
        self.saved_path = target
        self._say(f"Saved to {target}.")
        if self.on_save is not None:
            self.on_save(config)
        return target

    def _say(self, message: str, *, error: bool = False) -> None:
        color = "#a40000" if error else "inherit"
        self.message.value = f'<span data-role="message" style="color:{color}">{html.escape(message)}</span>'
