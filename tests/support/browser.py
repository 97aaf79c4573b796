"""Browser fixtures: Debian's Chromium driven by Playwright's sync API, and a local HTTP server.

Playwright never downloads a browser here: the fixture launches ``/usr/bin/chromium`` (``apt-get install
chromium``) with the flags this closed network needs (without the background-networking ones Chromium keeps
trying to reach hosts it cannot). Each launch gets a new, empty profile: Playwright creates a fresh
``--user-data-dir`` in the temp directory and removes it when the browser closes.

Playwright is imported only inside the fixture and :func:`expect`, never when the tests are collected.
Mark tests that use them ``@pytest.mark.browser``.
"""

from __future__ import annotations

import functools
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["CHROMIUM_ARGS", "chromium_browser", "expect", "free_port", "serve_directory", "wait_for_http"]

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture
def chromium_browser() -> Iterator[Browser]:
    """A headless Debian Chromium under Playwright's sync API, closed after the test."""
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("Debian's Chromium is not installed (no `chromium` on PATH); "
                    "install it: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright's Python package is missing; "
                    "install the test extras: make test (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def expect(actual: Any, message: str | None = None) -> Any:
    """Playwright's ``expect``, imported when a test first calls it (browser tests import this, not Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual, message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for a server a test starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 on a free port; yields the base URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-http-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Wait until ``url`` answers HTTP (any status), e.g. a Voila or Jupyter server a test started."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never goes via a proxy
    deadline = time.monotonic() + timeout
    while True:
        try:
            with opener.open(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError as error:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f} s: {error}") from error
            time.sleep(0.2)
