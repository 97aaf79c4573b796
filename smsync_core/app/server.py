"""App mode: ``notebooks/reconcile.ipynb`` served by Voila as a page for accountants (no code, a token, culling).

Voila runs inside this process (so the token never appears in a process list): the server listens on
127.0.0.1 only, every request needs the token (printed once, in the URL to open), the notebook's sources are
stripped from the page and tracebacks are not sent to it, and a kernel idle for ``cull_idle_minutes`` is shut
down (its page then asks for a reload; the checked clients come back from the selection store).

After an import the page links the run's record: its HTML and PDF are served here, behind the same token
(:mod:`smsync_core.app.records`); nothing else of the reports folder is reachable.

The kernels inherit this process's environment, and that is how the databases reach them: the real URLs
(passwords included) go into ``SMSYNC_SAGE_URL`` / ``SMSYNC_SMSTURBO_URL`` of the kernel environment, never
into the page, the notebook or the command line. The notebook's workbench reads them from there.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from smsync_core.app.records import ENV_RECORDS_URL, RECORDS_ROUTE, record_handlers
from smsync_core.app.selections import ENV_STATE_DIR
from smsync_core.config import ENV_CONFIG, ENV_HOME, ENV_SAGE_URL, ENV_SMSTURBO_URL
from smsync_core.errors import ConfigurationError, ConnectionFailed
from smsync_core.notebooks.runner import ENV_REPORTS_DIR

#: Where the app listens: this machine only.
LOOPBACK = "127.0.0.1"
#: Voila's own default port, tried first when no ``--port`` is given.
DEFAULT_PORT = 8866
#: A kernel without activity for this long is shut down (minutes).
CULL_IDLE_MINUTES = 30
#: How often the culler looks (seconds).
CULL_INTERVAL = 60
#: The page loads nothing from elsewhere (Voila's template links a font CDN; the widgets bundle their icons):
#: it works on a closed network and tells no third party that it was opened.
CONTENT_SECURITY_POLICY = (
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    f"connect-src 'self' ws://{LOOPBACK}:* ws://localhost:*; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)


@dataclass(frozen=True)
class AppSettings:
    """What ``smsync app`` serves and how.

    Parameters
    ----------
    notebook
        The notebook shown as the page (``notebooks/reconcile.ipynb``).
    token
        Required on every request (``?token=...`` the first time; a cookie afterwards).
    port
        The port; None: :data:`DEFAULT_PORT`, or the next free one near it.
    environment
        Variables added to the kernels' environment (databases, config, reports and state directories).
    """

    notebook: Path
    token: str
    port: int | None = None
    open_browser: bool = True
    cull_idle_minutes: int = CULL_IDLE_MINUTES
    environment: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # the environment may hold passwords, the token is a secret
        return f"AppSettings(notebook={str(self.notebook)!r}, port={self.port}, token='***', environment=...)"


def kernel_environment(
    sage_url: str,
    smsturbo_url: str,
    *,
    config_path: Path | None,
    reports_dir: Path,
    state_dir: Path,
) -> dict[str, str]:
    """The variables the page's kernels need: real URLs, config file, reports and selection-state folders.

    Paths are made absolute: a Voila kernel runs in the notebook's folder, not where ``smsync app`` started.
    """
    env = {
        ENV_SAGE_URL: sage_url,
        ENV_SMSTURBO_URL: smsturbo_url,
        ENV_REPORTS_DIR: str(reports_dir.resolve()),
        ENV_STATE_DIR: str(state_dir.resolve()),
        ENV_RECORDS_URL: RECORDS_ROUTE,  # the page links a record's HTML there (served below, behind the token)
    }
    if config_path is not None:
        env[ENV_CONFIG] = str(config_path.resolve())
    env[ENV_HOME] = str(Path.cwd().resolve())  # Set Up's Save writes smsync.toml here, not in notebooks/
    return env


def voila_argv(settings: AppSettings) -> list[str]:
    """Voila's arguments (in-process; never a command line): loopback, token, no code, culling, the notebook."""
    cull = max(0, int(settings.cull_idle_minutes)) * 60
    argv = [
        f"--Voila.ip={LOOPBACK}",
        f"--Voila.port={settings.port or DEFAULT_PORT}",
        # An explicit port is used or the app fails; the default looks for a free one near 8866.
        f"--Voila.port_retries={0 if settings.port else 50}",
        f"--Voila.token={settings.token}",
        "--Voila.open_browser=False",  # the app opens it, with the token (Voila's own opener drops it)
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={cull}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
        "--MappingKernelManager.cull_connected=True",  # an abandoned open tab must not hold a kernel forever
        str(settings.notebook),
    ]
    return argv


def app_url(port: int, token: str) -> str:
    """The URL to open: loopback, the port, the token."""
    return f"http://{LOOPBACK}:{port}/?token={quote(token, safe='')}"


def _open_in_browser(url: str) -> None:
    """Open ``url`` through a private redirect file, so the token is not on a browser's command line."""
    fd, name = tempfile.mkstemp(prefix="smsync-app-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f'<!doctype html><meta http-equiv="refresh" content="0;url={url}"><a href="{url}">smsync</a>\n')
    threading.Thread(target=webbrowser.open, args=(Path(name).as_uri(),), daemon=True).start()


def serve(settings: AppSettings, out: TextIO) -> int:
    """Serve the page until interrupted (Ctrl+C or SIGTERM); kernels are shut down on the way out."""
    if not settings.notebook.is_file():
        raise ConfigurationError(f"The notebook {settings.notebook} does not exist; run smsync app from the project.")
    from tornado.ioloop import IOLoop

    from smsync_core.notebooks.jupyter import import_jsonschema

    import_jsonschema()  # Jupyter's server validates its events with jsonschema: without an IRI grammar (~2 s)
    from voila.app import Voila

    os.environ.update(settings.environment)  # inherited by every kernel this server starts

    reports = Path(settings.environment.get(ENV_REPORTS_DIR) or "reports").resolve()

    class SmsyncVoila(Voila):  # type: ignore[misc]
        def init_handlers(self) -> list[Any]:
            # first: Voila's last route takes every path for the notebook
            return [*record_handlers(reports, self.server_url), *super().init_handlers()]

        def listen(self) -> None:
            IOLoop.current().add_callback(self.announce)
            super().listen()

        def announce(self) -> None:
            url = app_url(int(self.port), settings.token)
            out.write(f"smsync app: open {url}\n(the page runs {settings.notebook.name}; Ctrl+C stops the server)\n")
            out.flush()
            if settings.open_browser:
                _open_in_browser(url)

    previous = signal.getsignal(signal.SIGTERM)  # Voila installs its own (stop the server) while it runs
    app: Any = SmsyncVoila()
    try:
        app.initialize(voila_argv(settings))
        app.tornado_settings = {**app.tornado_settings, "headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}}
        app.start()
    except SystemExit as stopped:  # Voila exits when it cannot listen
        if stopped.code not in (None, 0):
            if getattr(app, "connection_dir", None):
                shutil.rmtree(app.connection_dir, ignore_errors=True)
            port = settings.port or DEFAULT_PORT
            raise ConnectionFailed(f"The app could not listen on {LOOPBACK}:{port}; pass --port with a free port.") \
                from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
