"""What the cells of ``notebooks/*.ipynb`` call, so that each cell is one short line of intent.

Inside a run started by :func:`smsync_core.notebooks.run_notebook` the kernel knows its record directory
(``SMSYNC_RECORD_DIR``) and the reports directory (``SMSYNC_REPORTS_DIR``); opened by hand in JupyterLab it uses
``reports/`` of the project (the nearest folder up from the notebook holding ``reports/`` or ``smsync.toml``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from smsync_core import validate
from smsync_core.config import parse_replace_groups
from smsync_core.errors import ImportFailed, UsageError
from smsync_core.notebooks.params import kernel_value
from smsync_core.notebooks.runner import (
    ENV_RECORD_DIR,
    ENV_REPORTS_DIR,
    ENV_RUN_ID,
    IMPORT_FILE,
    NotebookRun,
    run_notebook,
)
from smsync_core.outputs.xlsx import blank_ids, write_xlsx
from smsync_core.plan import parse_selection
from smsync_core.workbench import Workbench, connect

if TYPE_CHECKING:
    from smsync_core.apply.run import ApplyResult
    from smsync_core.plan import Plan

WORKLIST_COLUMNS = ("customer_id", "name", "status_ref", "severity", "rules", "what to fix")
#: The page's kernel names a file here when it runs an import headless; the import writes "written total" into
#: it as it goes, so the page shows the progress of an import running in another process.
ENV_PROGRESS_FILE = "SMSYNC_PROGRESS_FILE"
Progress = Callable[[int, int], None]
#: The housekeeping worklist's headings in Excel, in words.
WORKLIST_HEADINGS = {"customer_id": "Client Number", "name": "Name", "status_ref": "Status", "severity": "Severity",
                     "rules": "Rules", "what to fix": "What to fix"}


def project_root(start: Path | None = None) -> Path:
    """The nearest folder from ``start`` (default: the working directory) up holding ``reports/`` or smsync.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "reports").is_dir() or (folder / "smsync.toml").is_file():
            return folder
    return here


def reports_dir() -> Path:
    """Where imports write their records: the run's reports directory, else the project's ``reports/``."""
    env = os.environ.get(ENV_REPORTS_DIR)
    return Path(env) if env else project_root() / "reports"


def record_file(name: str) -> Path:
    """Where the notebook writes an output file: a relative name lands inside the run's record when headless, and
    under the project's ``reports/`` when the notebook is opened by hand (never beside the notebooks)."""
    path = Path(name)
    if path.is_absolute():
        return path
    record = os.environ.get(ENV_RECORD_DIR)
    return Path(record) / path if record else reports_dir() / path


def open_workbench(sage_url: str = "", smsturbo_url: str = "") -> Workbench:
    """The workbench the parameters name (URLs redacted in the record are restored from the kernel's environment).

    Empty URLs come from smsync.toml or ``SMSYNC_*_URL``; when none is configured, the demo databases of the
    project (``demo/``, built by ``smsync demo``) are used.
    """
    sage, target = kernel_value(sage_url, "sage_url"), kernel_value(smsturbo_url, "smsturbo_url")
    wb = connect(sage or None, target or None)
    if wb.sage_url is None and wb.smsturbo_url is None:
        demo = project_root() / "demo"
        if (demo / "sage.db").is_file():
            wb = connect(f"sqlite:///{demo / 'sage.db'}", f"sqlite:///{demo / 'smsturbo.db'}")
    return wb


# --- housekeeping --------------------------------------------------------------------------------------


def status_counts(wb: Workbench) -> pd.DataFrame:
    """Sage 100 clients by Client Status Ref, with how many of each can be imported."""
    status = validate.row_status(wb.sage_clients(), wb.check(), wb.config)
    status = status.assign(status_ref=status["status_ref"].replace("", "(no status)"))
    counts = status.groupby("status_ref", sort=True).agg(clients=("eligible", "size"),
                                                         eligible=("eligible", "sum"))
    return counts.reset_index().astype({"clients": int, "eligible": int})


def bar_chart(frame: pd.DataFrame, label: str, value: str, title: str) -> Any:
    """A horizontal bar chart of ``value`` by ``label``, as a PNG image (in the record, readable without code)."""
    import io

    from IPython.display import Image
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 0.4 * max(len(frame), 3) + 1))
    axes = figure.subplots()
    axes.barh(frame[label].astype(str), frame[value].astype(int), color="#4a78b0")
    axes.invert_yaxis()
    axes.set_xlabel(value)
    axes.set_title(title)
    for y, count in enumerate(frame[value].astype(int)):
        axes.annotate(f"{count:,}", (count, y), xytext=(3, 0), textcoords="offset points", va="center")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return Image(data=buffer.getvalue(), format="png")  # type: ignore[no-untyped-call]


def worklist(wb: Workbench) -> pd.DataFrame:
    """The clients to fix in Sage 100: one row per client with a finding other than ``inactive``, errors first."""
    findings = wb.check()
    findings = findings[findings["rule"] != "inactive"]
    if findings.empty:
        return pd.DataFrame(columns=list(WORKLIST_COLUMNS))
    sage = wb.sage_clients().set_index("row")
    status = validate.row_status(wb.sage_clients(), wb.check(), wb.config)
    status.index = wb.sage_clients()["row"].to_numpy()
    grouped = findings.groupby("row", sort=False).agg(
        rules=("rule", lambda r: ", ".join(r)),
        severity=("severity", lambda s: "error" if (s == "error").any() else "warning"),
        **{"what to fix": ("message", lambda m: " ".join(m))},
    )
    rows = grouped.index.astype(int)
    frame = grouped.assign(
        customer_id=sage.loc[rows, "customer_id"].to_numpy(),
        name=sage.loc[rows, "name"].to_numpy(),
        status_ref=status.loc[rows, "status_ref"].to_numpy(),
    )
    frame = frame.sort_values(["severity", "customer_id"], kind="stable", na_position="first")
    return frame[list(WORKLIST_COLUMNS)].reset_index(drop=True)


def export_worklist(frame: pd.DataFrame, path: str) -> Path:
    """Write the worklist to Excel (a relative path: inside the run's record, or under ``reports/`` when opened by
    hand): headings in words, an empty Client Number blank, text that would start a formula written as text."""
    target = record_file(path)
    sheet = frame.assign(customer_id=blank_ids(frame["customer_id"])) if "customer_id" in frame else frame
    write_xlsx({"Fix in Sage 100": sheet}, target, headings=WORKLIST_HEADINGS)
    return target


# --- reconcile and import ------------------------------------------------------------------------------


def selection(select: str) -> list[str] | str | None:
    """The ``select`` parameter: None for "none", "all-eligible", or the comma-separated Customer IDs."""
    return parse_selection(select)


def plan_selection(wb: Workbench, select: str, replace: str = "", missing_only: bool = True) -> Plan | None:
    """The dry run of the ``select`` / ``replace`` parameters (None when nothing is selected)."""
    chosen = selection(select)
    if chosen is None:
        return None
    groups = parse_replace_groups(replace) if replace.strip() else ()
    return wb.plan(chosen, replace=groups, missing_only=missing_only)


def describe_plan(plan: Plan | None) -> str:
    """One sentence: what the selection would change."""
    if plan is None:
        return "Nothing is selected (select is none), so nothing will be imported."
    skipped = f"; {len(plan.skipped):,} selected clients are skipped" if len(plan.skipped) else ""
    groups = ", ".join(plan.replace_groups) or "none"
    return (f"{len(plan.insert_ids):,} new customers to insert and {len(plan.update_ids):,} to update "
            f"(Replace Options: {groups}){skipped}.")


def import_plan(wb: Workbench, plan: Plan | None, apply: bool) -> ApplyResult | None:
    """Apply the plan when ``apply`` is true; a failed import raises.

    Inside a run (``smsync run``, Synchronize) the import is part of the run's one record and takes its id; its
    outcome is also written there as ``import.json`` (what the run reports).
    """
    if plan is None or not apply:
        return None
    result = wb.apply(plan, reports_dir=reports_dir(), within=os.environ.get(ENV_RUN_ID) or None,
                      progress=_progress_file())
    record = os.environ.get(ENV_RECORD_DIR)
    if record:
        (Path(record) / IMPORT_FILE).write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n",
                                                 "utf-8")
    if not result.ok:
        raise ImportFailed(result.message())
    return result


def _progress_file() -> Progress | None:
    """Inside a run started from the page: a callback writing the import's progress where the page reads it."""
    named = os.environ.get(ENV_PROGRESS_FILE)
    if not named:
        return None
    path = Path(named)

    def write(written: int, total: int) -> None:
        temporary = path.with_suffix(".tmp")
        with contextlib.suppress(OSError):  # progress is a comfort: the import never fails for it
            temporary.write_text(f"{int(written)} {int(total)}", "utf-8")
            os.replace(temporary, path)

    return write


@contextlib.contextmanager
def watching_progress(progress: Progress | None, every: float = 0.2) -> Iterator[None]:
    """While the block runs, a headless run this kernel starts reports its import's progress to ``progress``."""
    if progress is None:
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="smsync-progress-"))
    path = folder / "progress"
    previous = os.environ.get(ENV_PROGRESS_FILE)
    os.environ[ENV_PROGRESS_FILE] = str(path)  # the kernel the run starts inherits it
    stop = threading.Event()

    def poll() -> None:
        seen = ""
        while not stop.wait(every):
            try:
                said = path.read_text("utf-8")
                written, total = (int(part) for part in said.split())
            except (OSError, ValueError):
                continue
            if said != seen:
                seen = said
                progress(written, total)

    watcher = threading.Thread(target=poll, name="smsync-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=2)
        if previous is None:
            os.environ.pop(ENV_PROGRESS_FILE, None)
        else:
            os.environ[ENV_PROGRESS_FILE] = previous
        shutil.rmtree(folder, ignore_errors=True)


# --- the interactive notebook's Synchronize -------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedImport:
    """What the confirm step shows after Synchronize: the import's outcome and the notebook run's record."""

    run_id: str
    outcome: str  # the import's: committed, nothing-to-do, conflict or failed
    inserted: tuple[str, ...]
    updated: tuple[str, ...]
    record_dir: Path
    error: str | None
    notebook_run: NotebookRun

    @classmethod
    def of(cls, run: NotebookRun) -> ArchivedImport:
        """Summarise a headless run of the reconcile notebook."""
        imported = run.imported or {}
        outcome = str(imported.get("outcome") or ("nothing-to-do" if run.ok else "failed"))
        if not run.ok and outcome in ("committed", "nothing-to-do"):
            outcome = "failed"
        return cls(run.run_id, outcome, run.inserted, run.updated, run.record_dir, run.error, run)

    def message(self) -> str:
        """One sentence for people."""
        return self.notebook_run.message()


@dataclass
class ArchivedSync:
    """Synchronize from the interactive notebook by running the same notebook headless, so it leaves a record.

    ``apply(plan)`` fits the confirm step (``SynchronizeDialog``'s ``apply``); ``on_synchronize(selected)`` fits
    ``SyncPanes(on_synchronize=...)``. Both return an :class:`ArchivedImport`.
    """

    workbench: Workbench
    notebook: Path = field(default_factory=lambda: Path("reconcile.ipynb"))
    reports: Path = field(default_factory=reports_dir)
    missing_only: bool = True
    replace: tuple[str, ...] = ()
    on_done: Callable[[ArchivedImport], None] | None = None
    last: ArchivedImport | None = None

    def run(self, selected: list[str], missing_only: bool, replace: tuple[str, ...],
            progress: Progress | None = None) -> ArchivedImport:
        """Run the notebook headless on ``selected`` with ``apply`` true (``progress``: rows written, total)."""
        if any("," in cid for cid in selected):
            raise UsageError("A Customer ID with a comma cannot be imported; fix the Client Number in Sage 100.")
        parameters = {
            "sage_url": self.workbench.sage_url or "",
            "smsturbo_url": self.workbench.smsturbo_url or "",
            "missing_only": missing_only,
            "select": ",".join(selected) if selected else "none",
            "replace": ",".join(replace),
            "apply": True,
        }
        with watching_progress(progress):
            self.last = ArchivedImport.of(run_notebook(self.notebook, parameters, reports_dir=self.reports))
        self.workbench.refresh()
        if self.on_done is not None:
            self.on_done(self.last)
        return self.last

    def apply(self, plan: Plan, progress: Progress | None = None) -> ArchivedImport:
        """Import what the confirmed plan selected (the headless run plans again from the same selection)."""
        return self.run(list(plan.selection), plan.mode == "missing-only", tuple(plan.replace_groups), progress)

    def on_synchronize(self, selected: frozenset[str]) -> ArchivedImport:
        """Import the checked clients with this object's mode and Replace Options."""
        return self.run(sorted(selected), self.missing_only, self.replace)
