"""The records' pages on the accountant's page: ``smsync app`` serves a record's HTML and PDF, behind its token.

After an import the page links the run's record. The server answers ``smsync/records/<run-id>/<file>`` with that
file of ``<reports>/<run-id>/`` when the record's manifest lists it and it is a page (``.html``) or its PDF;
nothing else of the reports folder (changes, manifests, notebooks) and nothing outside it is reachable. The page's
kernel learns the route from ``SMSYNC_RECORDS_URL`` (set by :func:`~smsync_core.app.server.kernel_environment`):
outside the app (JupyterLab) there is no such route, and :func:`record_href` says so with None.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from smsync_core.audit.record import MANIFEST

#: Where the app serves records (relative to its base URL).
RECORDS_ROUTE = "smsync/records"
#: Tells the page's kernel the route (only the app's kernels have it).
ENV_RECORDS_URL = "SMSYNC_RECORDS_URL"
#: What a record may show in the browser, by suffix, with its content type.
SERVED = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}
#: A run id as :func:`smsync_core.clock.new_run_id` makes them (a folder name, never a path).
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4,32}")


def record_href(record_dir: Path, name: str) -> str | None:
    """The link (relative to the page) to file ``name`` of the record in ``record_dir``, or None when the page is not
    served by ``smsync app`` or the record has no such file."""
    prefix = os.environ.get(ENV_RECORDS_URL)
    if not prefix or record_file(record_dir.parent, record_dir.name, name) is None:
        return None
    return f"{prefix.rstrip('/')}/{quote(record_dir.name)}/{quote(name)}"


def record_file(reports: Path, run_id: str, name: str) -> Path | None:
    """File ``name`` of record ``run_id`` under ``reports``, if it may be served: a page or PDF its manifest lists."""
    if not RUN_ID.fullmatch(run_id) or Path(name).name != name or Path(name).suffix.lower() not in SERVED:
        return None
    folder = reports / run_id
    try:
        listed = json.loads((folder / MANIFEST).read_text("utf-8")).get("files") or {}
    except (OSError, ValueError, AttributeError):
        return None
    path = folder / name
    return path if name in listed and path.is_file() else None


def record_handlers(reports: Path, base_url: str = "/") -> list[tuple[str, type[Any], dict[str, Any]]]:
    """The Tornado route serving the records' pages; a request needs the app's token (or its login cookie)."""
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.utils import url_path_join
    from tornado import web

    class RecordHandler(JupyterHandler):
        @web.authenticated
        def get(self, run_id: str, name: str) -> None:
            path = record_file(reports, run_id, name)
            if path is None:
                raise web.HTTPError(404, "No such record page")
            self.set_header("Content-Type", SERVED[path.suffix.lower()])
            self.set_header("Content-Disposition", f"inline; filename=\"{run_id}{path.suffix.lower()}\"")
            self.set_header("Cache-Control", "no-store")
            self.finish(path.read_bytes())

    pattern = url_path_join(base_url, RECORDS_ROUTE, r"([^/]+)/([^/]+)")
    return [(pattern, RecordHandler, {})]
