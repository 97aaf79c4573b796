"""Servers the browser tests start and stop themselves: ``smsync app`` (Voila) and JupyterLab.

Each server listens on 127.0.0.1 on a free port, needs a token, and works on a temporary copy of the demo
databases (built once per session with ``smsync_core.demo.build_demo(tmp, clients=300)``), with its own reports
and selection-state folders, so nothing the tests do touches the project's ``demo/``, ``reports/`` or a user's
state. Stopping sends SIGTERM to the server process the fixture started (Voila and Jupyter shut their kernels
down on it), then waits, bounded.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests.browser.limits import CLICK_TIMEOUT_MS, NOTEBOOK, START_TIMEOUT, VIEWPORT
from tests.support import unavailable
from tests.support.browser import free_port, wait_for_http


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo databases (300 clients), built once; servers get copies."""
    from smsync_core.demo import build_demo

    folder = tmp_path_factory.mktemp("demo-template")
    build_demo(folder, clients=300)
    return folder


@dataclass
class Server:
    """A server a test started: where to point the browser and what it works on."""

    url: str  # with the token
    base: str  # without it
    token: str
    workdir: Path
    sage_url: str
    smsturbo_url: str
    reports: Path
    state_dir: Path
    process: subprocess.Popen[str]
    log: Path

    @property
    def selections_file(self) -> Path:
        return self.state_dir / "selections.json"

    def stored_selection(self) -> set[str]:
        """Every Client Number the selection store holds (all its entries)."""
        if not self.selections_file.is_file():
            return set()
        entries = json.loads(self.selections_file.read_text("utf-8"))["entries"]
        return {cid for entry in entries.values() for cid in entry.get("selected", ())}  # not the flow's entry


def _copy_demo(template: Path, workdir: Path) -> tuple[str, str]:
    demo = workdir / "demo"
    demo.mkdir(parents=True)
    for name in ("sage.db", "smsturbo.db"):
        shutil.copy2(template / name, demo / name)
    return f"sqlite:///{demo / 'sage.db'}", f"sqlite:///{demo / 'smsturbo.db'}"


def _server_env(workdir: Path) -> dict[str, str]:
    """This interpreter's environment, with Jupyter's per-user folders moved into the test's folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMSYNC_", "JUPYTER", "VOILA"))}
    for name, sub in (("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                      ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"), ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
                      ("IPYTHONDIR", "ipython")):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(workdir / sub)
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def _stop(process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """SIGTERM the server this fixture started (kernels are shut down by it), then SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the session the fixture started for it (start_new_session)
        process.wait(timeout=10)


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _require(module: str, what: str) -> None:
    try:
        __import__(module)
    except ImportError:
        unavailable(f"{what} is not installed in this environment; install the test extras: make test")


def _failure(log: Path, what: str) -> str:
    tail = log.read_text("utf-8", errors="replace")[-3000:] if log.is_file() else ""
    return f"{what}; server log:\n{tail}"


def start_app(template: Path, workdir: Path) -> Server:
    """``smsync app --no-browser`` on a free port, on a copy of ``template``'s demo; the URL read from its output.

    The caller stops it with ``_stop(server.process)``; a server that does not come up is stopped here.
    """
    workdir.mkdir(parents=True)
    sage, target = _copy_demo(template, workdir)
    reports, state, log = workdir / "reports", workdir / "state", workdir / "server.log"
    command = [sys.executable, "-m", "smsync_core.cli.dispatch", "app", "--no-browser", "--port", str(free_port()),
               "--sage", sage, "--smsturbo", target, "--reports", str(reports), "--state-dir", str(state)]
    with log.open("w") as err:
        process = subprocess.Popen(command, cwd=workdir, env=_server_env(workdir), stdout=subprocess.PIPE,
                                   stderr=err, text=True, start_new_session=True)
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        url = _wait_for_url(lines, process, log)
        base = url.split("?", 1)[0]
        _wait_until_up(base, process, log)
    except BaseException:
        _stop(process)
        raise
    return Server(url, base, url.split("token=", 1)[1], workdir, sage, target, reports, state, process, log)


@pytest.fixture
def app_server(demo_template: Path, tmp_path: Path) -> Iterator[Server]:
    """``smsync app --no-browser`` on a free port, on a copy of the demo (:func:`start_app`)."""
    _require("voila", "Voila")
    server = start_app(demo_template, tmp_path / "app")
    try:
        yield server
    finally:
        _stop(server.process)


def _wait_until_up(url: str, process: subprocess.Popen[str], log: Path) -> None:
    """Wait until ``url`` answers; fail at once, with the server's log, if the server exits first."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise AssertionError(_failure(log, f"the server exited with {process.returncode}"))
        try:
            wait_for_http(url, timeout=2)
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                raise AssertionError(_failure(log, f"{url} did not answer within {START_TIMEOUT:.0f} s")) from None


def _wait_for_url(lines: queue.Queue[str], process: subprocess.Popen[str], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                raise AssertionError(_failure(log, f"smsync app exited with {process.returncode}")) from None
            continue
        found = re.search(r"open (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(_failure(log, f"smsync app printed no URL within {START_TIMEOUT:.0f} s"))


@pytest.fixture
def lab_server(demo_template: Path, tmp_path: Path) -> Iterator[Server]:
    """JupyterLab on a free port with a token, serving a copy of ``notebooks/reconcile.ipynb``.

    The kernels find the demo copy, the reports and the state folder in their environment, as in app mode.
    """
    _require("jupyterlab", "JupyterLab")
    workdir = tmp_path / "lab"
    root = workdir / "notebooks"
    root.mkdir(parents=True)
    shutil.copy2(NOTEBOOK, root / NOTEBOOK.name)  # JupyterLab saves what it runs: never the project's file
    sage, target = _copy_demo(demo_template, workdir)
    reports, state = workdir / "reports", workdir / "state"
    token, port = secrets.token_hex(16), free_port()
    env = _server_env(workdir)
    env.update({"SMSYNC_SAGE_URL": sage, "SMSYNC_SMSTURBO_URL": target, "SMSYNC_REPORTS_DIR": str(reports),
                "SMSYNC_STATE_DIR": str(state)})
    settings = workdir / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "Would you like to get notified about official Jupyter news?" toast
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    log = workdir / "server.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               "--ServerApp.allow_root=True", f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
               "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True",
               "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    with log.open("w") as err:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=err, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        _wait_until_up(f"{base}api/status", process, log)
        url = f"{base}lab/tree/{NOTEBOOK.name}?token={token}"
        yield Server(url, base, token, workdir, sage, target, reports, state, process, log)
    finally:
        _stop(process)


@pytest.fixture
def page_1280(chromium_browser: Any) -> Iterator[Any]:
    """A fresh page at 1280×800 with generous but bounded timeouts."""
    context = chromium_browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(CLICK_TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()
