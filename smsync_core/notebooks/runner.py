"""Parameterised notebooks run by papermill, each leaving an auditable record under ``reports/<run-id>/``.

A run is executed in ``reports/.running/<run-id>/`` (the kernel finds that directory in ``SMSYNC_RECORD_DIR``
and writes its extra files there, e.g. the housekeeping worklist). When the kernel is done, whatever the outcome,
the run is sealed as one record of the chain kept by :mod:`smsync_core.audit.record`: the executed notebook (secrets
scrubbed, no widget state), its HTML rendering without code (what an auditor reads), the files the notebook wrote,
and ``manifest.json`` with their hashes, the parameters, versions, user, times and outcome.

One import, one record, one id: the runner holds the reports directory's lock for the whole run and gives the kernel
its run id (``SMSYNC_RUN_ID``); an import the notebook makes (``wb.apply`` via :func:`cells.import_plan`) takes that
id, commits with its ``smsync_runs`` row as any import does, and leaves its record pending with the outcome
settled. Sealing adds the notebook's files to that same record and links it into the chain, so the id printed is
the one ``smsync undo`` accepts. The auditor's page (:mod:`.record_page`) lists every change and skip; a PDF of
it is printed beside it by Chromium where installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import shutil
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from smsync_core.audit.context import RunContext, jsonable
from smsync_core.audit.interrupted import RUNNING, seal_interrupted
from smsync_core.audit.record import MANIFEST, OUTCOMES, PENDING, PendingRecord, reports_lock
from smsync_core.clock import new_run_id, utc_now
from smsync_core.config import load_config
from smsync_core.errors import SmsyncError, UsageError
from smsync_core.notebooks import record_page
from smsync_core.notebooks.params import check_parameters, declared_parameters, protect_parameters
from smsync_core.redact import Scrubber

#: The Jupyter kernel papermill runs notebooks with: this interpreter, registered under ``sys.prefix``.
KERNEL_NAME = "smsync"
#: Environment variables the kernel of a run receives.
ENV_RECORD_DIR = "SMSYNC_RECORD_DIR"
ENV_REPORTS_DIR = "SMSYNC_REPORTS_DIR"
ENV_RUN_ID = "SMSYNC_RUN_ID"
#: What the notebook writes for the runner when it imported (the ``sync`` JSON shape).
IMPORT_FILE = "import.json"
#: Outcome of a notebook that ran to its end ("committed" until the record format knows "completed").
DONE = "completed" if "completed" in OUTCOMES else "committed"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_VERSIONED = ("papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "pandas", "sqlalchemy", "matplotlib")


@dataclass(frozen=True)
class NotebookRun:
    """The result of :func:`run_notebook`: where its record is and what the notebook did."""

    run_id: str
    notebook: str
    outcome: str  # DONE or "failed"
    record_dir: Path
    parameters: Mapping[str, Any]
    error: str | None = None
    imported: Mapping[str, Any] | None = None  # the import's sync JSON, when the notebook imported
    files: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when the notebook ran to its end (and its import, if any, did not stop on a conflict)."""
        return self.outcome not in ("failed", "conflict", "pending")

    @property
    def html(self) -> Path:
        """The auditor's page of the record."""
        return self.record_dir / f"{Path(self.notebook).stem}.html"

    @property
    def pdf(self) -> Path | None:
        """The printable PDF of the page, when Chromium could print it."""
        path = self.html.with_suffix(".pdf")
        return path if path.name in self.files else None

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """(Customer ID, reason) of each selected client the import left out."""
        rows = (self.imported or {}).get("skipped") or ()
        return tuple((str(r.get("customer_id") or ""), str(r.get("reason") or "")) for r in rows)

    @property
    def inserted(self) -> tuple[str, ...]:
        """Customer IDs the notebook's import inserted."""
        return tuple((self.imported or {}).get("inserted") or ())

    @property
    def updated(self) -> tuple[str, ...]:
        """Customer IDs the notebook's import updated."""
        return tuple((self.imported or {}).get("updated") or ())

    @property
    def import_run_id(self) -> str | None:
        """The run id of the notebook's import: the run's own id (one record), or None when nothing was imported."""
        committed = self.imported is not None and self.imported.get("outcome") == "committed"
        return self.run_id if committed else None

    def message(self) -> str:
        """One sentence for people."""
        if self.outcome == "pending":
            return (f"{self.notebook} stopped during its import: {str(self.error).rstrip('. ')}; its record "
                    f"{self.run_id} stays pending until the next import or `smsync verify --smsturbo URL` "
                    "settles it.")
        if not self.ok:
            return f"{self.notebook} failed: {str(self.error).rstrip('. ')}; its record is in {self.record_dir}."
        if self.imported is not None and self.imported.get("outcome") == "committed":
            return (f"Import completed: {len(self.inserted)} inserted, {len(self.updated)} updated; "
                    f"the record of run {self.run_id} is in {self.record_dir}.")
        return f"{self.notebook} ran; its record is in {self.record_dir}."


# --- the kernel ------------------------------------------------------------------------------------------


def ensure_kernel() -> str:
    """The name of a kernel that runs this interpreter, registering it under ``sys.prefix`` when needed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if spec.argv and spec.argv[0] == sys.executable:
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (smsync)", prefix=sys.prefix)
    return KERNEL_NAME


def kernel_manager_class(environment: Mapping[str, str]) -> type[Any]:
    """A kernel manager that starts the kernel with ``environment`` added to this process's variables.

    The secrets of a run reach the kernel this way only (never this process's environment, never a file), over
    local IPC sockets rather than TCP where the platform has them.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    extra = dict(environment)

    class RunKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="tcp" if sys.platform == "win32" else "ipc")

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]  # async like its base
            kw["env"] = {**(kw.get("env") or os.environ), **extra}
            await super().start_kernel(**kw)

    return RunKernelManager


# --- running ---------------------------------------------------------------------------------------------


def run_notebook(
    notebook: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    reports_dir: str | Path = "reports",
    kernel_name: str | None = None,
    timeout: int | None = None,
) -> NotebookRun:
    """Execute ``notebook`` with papermill and seal its record; a failing notebook is recorded, not raised.

    Raises :class:`~smsync_core.errors.UsageError` (before anything runs) for an unknown or badly typed parameter
    or a notebook without a ``parameters`` cell.
    """
    import papermill

    path = Path(notebook)
    declared = declared_parameters(path)
    values = check_parameters(path, declared, parameters or {})
    if "interactive" in declared and "interactive" not in values:
        values["interactive"] = False  # papermill runs headless
    protected = protect_parameters(values)
    reports = Path(reports_dir).resolve()
    if os.environ.get(ENV_RUN_ID) and Path(os.environ.get(ENV_REPORTS_DIR) or ".").resolve() == reports:
        raise UsageError("A notebook run cannot start another run on the same reports folder while it holds it; "
                         "run the second notebook after this one.")
    run_id = new_run_id()
    stage = reports / RUNNING / run_id
    executed = stage / f"{path.stem}.ipynb"
    kernel = kernel_name or ensure_kernel()
    env = {**protected.environment, ENV_RECORD_DIR: str(stage), ENV_REPORTS_DIR: str(reports), ENV_RUN_ID: run_id}
    # The lock is held from the start to the seal: the kernel's import uses this run's id and record (see the
    # module docstring); other imports and verify on this reports directory wait for the run to finish.
    warm = warm_rendering()  # while the kernel runs, this process is idle: it prepares the record's page
    with reports_lock(reports):
        seal_interrupted(reports)  # a run left there by a process that died: no run is under way while we hold this
        stage.mkdir(parents=True)  # made under the lock, so that nobody takes it for an interrupted run
        started, error = utc_now(), None
        try:
            papermill.execute_notebook(
                str(path), str(executed), parameters=protected.recorded, kernel_name=kernel,
                progress_bar=False, log_output=False, store_widget_state=False, execution_timeout=timeout,
                kernel_manager_class=kernel_manager_class(env),
            )
        except papermill.PapermillExecutionError as exc:
            error = f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
        except Exception as exc:  # kernel died, timeout, unreadable output: still recorded
            error = f"{type(exc).__name__}: {exc}"
        finished = utc_now()
        warm.join()
        context = _context(values, protected.scrubber)
        return seal(
            path, stage, reports, run_id=run_id, recorded=protected.recorded, secrets=context.scrubber,
            context=context, started=started, finished=finished, error=error,
            kernel=kernel, defaults={name: p.default for name, p in declared.items()},
        )


def _context(values: Mapping[str, Any], secrets: Scrubber) -> RunContext:
    target = values.get("smsturbo_url") or ""
    source = values.get("sage_url") or None
    try:
        config: Any = load_config(None)
    except SmsyncError:
        config = None
    return RunContext.create(str(target), None if source is None else str(source), config, scrubber=secrets)


def versions(kernel_python: str | None = None) -> dict[str, str]:
    """Versions of the interpreter and the packages that shape a record."""
    found = {"python": sys.version.split()[0]}
    if kernel_python:
        found["kernel_python"] = kernel_python
    for name in _VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


# --- sealing the record --------------------------------------------------------------------------------


def scrub(value: Any, secrets: Scrubber) -> Any:
    """A copy of a JSON value (or text) with every secret the run knows replaced by ``***``."""
    return secrets.scrub_value(value)


def archived_notebook(executed: Path, source: Path, secrets: Scrubber) -> dict[str, Any]:
    """The executed notebook as archived: secrets scrubbed, no widget state or widget views.

    When the kernel never produced an output notebook the source notebook stands in, so the record still shows
    what was to be run.
    """
    data: dict[str, Any] = json.loads((executed if executed.is_file() else source).read_text("utf-8"))
    data.setdefault("metadata", {}).pop("widgets", None)
    for cell in data.get("cells", []):
        for output in cell.get("outputs", []):
            bundle = output.get("data")
            if isinstance(bundle, dict):
                bundle.pop(_WIDGET_VIEW, None)
    scrubbed: dict[str, Any] = scrub(data, secrets)
    return scrubbed


def warm_rendering() -> threading.Thread:
    """Render a one-cell notebook as the record's page is rendered, in a thread, and return the thread.

    Started while the kernel executes the notebook (this process then only waits on the kernel's messages, and the
    kernel runs on another core), it imports nbconvert, Jinja, BeautifulSoup and soupsieve and compiles soupsieve's
    selectors: ~0.4 s of CPU that :func:`render_html` would otherwise spend after the kernel is done. Its page is
    thrown away; any failure is left for the real rendering to meet and record.
    """
    def render() -> None:
        with contextlib.suppress(Exception):
            import nbformat
            from nbconvert import HTMLExporter

            cell = nbformat.v4.new_markdown_cell("warm-up")  # type: ignore[no-untyped-call]
            node = nbformat.v4.new_notebook(cells=[cell])  # type: ignore[no-untyped-call]
            HTMLExporter(template_name="basic").from_notebook_node(node)  # type: ignore[no-untyped-call]

    thread = threading.Thread(target=render, name="smsync-warm-rendering", daemon=True)
    thread.start()
    return thread


def render_html(notebook: Mapping[str, Any], header: Mapping[str, Any]) -> str:
    """The auditor's view: outputs and text without code, under a header naming the run."""
    import jinja2
    import nbformat
    from markupsafe import Markup
    from nbconvert import HTMLExporter

    node = nbformat.reads(json.dumps(notebook), as_version=4)  # type: ignore[no-untyped-call]
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        exclude_anchor_links=True,
    )
    body, _resources = exporter.from_notebook_node(node)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(template_text("record.html.j2"))
    return template.render(css=template_text("record.css"), body=Markup(body), **header)


def seal(source: Path, stage: Path, reports: Path, *, run_id: str, recorded: Mapping[str, Any],
         secrets: Scrubber, context: RunContext, started: str, finished: str, error: str | None,
         kernel: str, defaults: Mapping[str, str]) -> NotebookRun:
    """Turn a finished execution directory into the next record of the chain and remove the directory.

    Call holding the reports directory's lock. When the notebook imported, its import's record (pending, outcome
    settled, same run id) receives the notebook's files and becomes the run's one record; otherwise a record of
    kind ``notebook`` is started here. An import whose outcome the kernel never settled (it died mid-way) stays
    pending with the notebook's files, for the next import or ``verify --smsturbo`` to settle against SMSTurbo.
    """
    executed = stage / f"{source.stem}.ipynb"
    notebook = archived_notebook(executed, source, secrets)
    imported = read_import(stage)
    if imported is not None:
        imported = scrub(imported, secrets)
    error = None if error is None else scrub(error, secrets)
    kernel_python = notebook.get("metadata", {}).get("language_info", {}).get("version")
    defaults = scrub(dict(defaults), secrets)
    details = {
        "notebook": source.name,
        "notebook_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "notebook_started_at": started,
        "parameters": dict(recorded),
        "parameter_defaults": defaults,
        "kernel": kernel,
        "versions": versions(kernel_python),
    }
    held = reports / PENDING / run_id
    if (held / MANIFEST).is_file():  # the notebook imported: its import's record is this run's record
        record = PendingRecord.load(held)
        record.manifest.update(jsonable(details))
        outcome = str(record.manifest["outcome"])
        if outcome == "committed" and error is not None:  # a later cell failed; the import stands
            record.manifest["notebook_error"] = error
        error = (record.manifest.get("error") or error) if outcome != "committed" else None
    else:
        record = PendingRecord.begin(reports, run_id=run_id, kind="notebook", context=context,
                                     details={"started_at": started, **details})
        outcome = DONE if error is None else "failed"
    shown = {name: (recorded[name], False) if name in recorded else (text, True) for name, text in defaults.items()}
    view = {**record.manifest, "outcome": outcome, "error": error, "finished_at": finished}
    header = {"run_id": run_id, "notebook": source.name, "outcome": outcome, "error": error,
              **record_page.page_context(record.path, view, shown)}
    try:
        page = scrub(_no_machine_paths(render_html(notebook, header), reports, stage), secrets)
    except Exception as exc:  # the record is still written, and says why its HTML is missing
        error = scrub(f"{error + '; ' if error else ''}the HTML rendering failed ({type(exc).__name__}: {exc})",
                      secrets)
        outcome = "failed" if outcome == DONE else outcome
        page = f"<!DOCTYPE html><title>{run_id}</title><p>Run {run_id} of {html.escape(source.name)}: " \
               f"{html.escape(error)}</p>"
    files: dict[str, bytes] = {
        executed.name: (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
        f"{source.stem}.html": page.encode("utf-8"),
    }
    pdf, no_pdf = record_page.print_pdf(page)
    if pdf is not None:
        files[f"{source.stem}.pdf"] = pdf
    else:
        record.manifest["pdf"] = no_pdf
    for extra in sorted(p for p in stage.iterdir() if p.is_file() and p.name not in files):
        if extra.name.startswith(".") or extra.name in record.manifest["files"]:
            continue
        data = extra.read_bytes()
        # every file the notebook wrote, in whatever text encoding; a zip container (xlsx) is compressed, so its
        # text cannot be searched and is left whole
        files[extra.name] = data if data.startswith(b"PK\x03\x04") else secrets.scrub_bytes(data)
    for name, data in files.items():
        record.write_file(name, data)
    if outcome == "pending":
        record.save()
        final = record.path
        error = error or "the kernel stopped before the import's outcome was known"
    else:
        final = record.finalize(outcome, error=error, finished_at=finished)
    cleanup(stage)
    return NotebookRun(run_id, source.name, outcome, final, dict(recorded), error, imported, tuple(files))


def _no_machine_paths(page: str, reports: Path, stage: Path) -> str:
    """The page with the run's folders named as ``reports/...`` (an auditor's copy has other machine paths)."""
    for folder in (stage, reports):
        page = page.replace(str(folder), "reports" if folder == reports else f"reports/{stage.name}")
    return page


def read_import(stage: Path) -> dict[str, Any] | None:
    """The import summary the notebook wrote into its record directory, if any."""
    path = stage / IMPORT_FILE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def template_text(name: str) -> str:
    """A packaged template (``smsync_core/templates``)."""
    return resources.files("smsync_core.templates").joinpath(name).read_text("utf-8")


def cleanup(stage: Path) -> None:
    """Remove a run's execution directory once its record is sealed."""
    shutil.rmtree(stage, ignore_errors=True)
    with contextlib.suppress(OSError):
        stage.parent.rmdir()
