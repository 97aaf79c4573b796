"""The Python API notebooks, widgets and the command line call: one workbench per pair of databases."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from smsync_core import validate
from smsync_core.config import Config, load_config, parse_replace_groups
from smsync_core.db import arrow as arrow_read
from smsync_core.db.connect import database_errors, source_engine, target_engine
from smsync_core.errors import ConfigurationError, UsageError
from smsync_core.reconcile import Reconciliation, reconcile
from smsync_core.redact import redact_url
from smsync_core.sources import Source, source_for
from smsync_core.sources.base import company_config
from smsync_core.targets import smsturbo

if TYPE_CHECKING:
    from smsync_core.apply.run import ApplyResult
    from smsync_core.plan import Plan

ProgressCallback = Callable[[int, int], None]
#: Told when a whole side is read: called with what is read ("Sage 100 clients") as the read starts, it returns
#: what to call with the number of rows read once it is done, None if it failed (the command line shows long reads
#: on a terminal).
ReadNotice = Callable[[str], Callable[[int | None], None]]


class Workbench:
    """Reads both sides once (cached), validates, reconciles, plans and applies imports.

    Build one with :func:`connect`.
    """

    def __init__(self, sage_url: str | None, smsturbo_url: str | None, config: Config) -> None:
        self.config = config
        self.sage_url = sage_url
        self.smsturbo_url = smsturbo_url
        self._sage_engine: Engine | None = None
        self._smsturbo_engine: Engine | None = None
        self._cache: dict[str, Any] = {}
        self.on_read: ReadNotice | None = None

    def __repr__(self) -> str:
        return f"Workbench(sage={redact_url(self.sage_url)!r}, smsturbo={redact_url(self.smsturbo_url)!r})"

    # --- connections --------------------------------------------------------------------------------------------
    @property
    def sage_is_client_list(self) -> bool:
        """True when Sage clients come from an exported client list file instead of the database."""
        return self.sage_url is not None and not self.source.database

    @property
    def source(self) -> Source:
        """Where the Sage 100 clients are read from (the company database or an exported client list)."""
        if self.sage_url is None:
            raise UsageError("No Sage 100 connection was given; pass --sage URL or set SMSYNC_SAGE_URL.")
        return source_for(self.sage_url)

    @property
    def sage_engine(self) -> Engine:
        """The read-only engine on the Sage 100 company."""
        if self.sage_url is None:
            raise UsageError("No Sage 100 connection was given; pass --sage URL or set SMSYNC_SAGE_URL.")
        if self.sage_is_client_list:
            raise UsageError("The Sage 100 clients come from an exported list, so there is no database to open.")
        if self._sage_engine is None:
            self._sage_engine = source_engine(self.sage_url, self.config)
        return self._sage_engine

    @property
    def smsturbo_engine(self) -> Engine:
        """The engine on the SMSTurbo database."""
        if self.smsturbo_url is None:
            raise UsageError("No SMSTurbo connection was given; pass --smsturbo URL or set SMSYNC_SMSTURBO_URL.")
        if self._smsturbo_engine is None:
            self._smsturbo_engine = target_engine(self.smsturbo_url, self.config)
        return self._smsturbo_engine

    def refresh(self) -> None:
        """Forget what was read, so the next call reads both databases again."""
        self._cache.clear()

    def close(self) -> None:
        """Release the database connections."""
        for engine in (self._sage_engine, self._smsturbo_engine):
            if engine is not None:
                engine.dispose()

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    # --- read ---------------------------------------------------------------------------------------------------
    def sage_clients(self) -> pd.DataFrame:
        """Every client of the Sage 100 company (canonical frame, source order)."""

        def read() -> pd.DataFrame:
            source = self.source
            assert self.sage_url is not None
            return source.read_clients(self.sage_url, lambda: self.sage_engine, self.config)

        return self._cached("sage", lambda: self._told("Sage 100 clients", read))  # type: ignore[no-any-return]

    def smsturbo_customers(self) -> pd.DataFrame:
        """Every SMSTurbo customer except the ``ZZDEFAULT`` template."""
        def read() -> pd.DataFrame:
            return smsturbo.read_customers(self.smsturbo_engine, self.config)

        return self._cached("smsturbo", lambda: self._told("SMSTurbo customers", read))  # type: ignore[no-any-return]

    def _told(self, what: str, read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``read()``, with :attr:`on_read` told when it starts and how many rows it gave (None: it failed)."""
        if self.on_read is None:
            return read()
        done = self.on_read(what)
        rows: int | None = None
        try:
            frame = read()
            rows = len(frame)
        finally:
            done(rows)
        return frame

    def column_lengths(self) -> dict[str, int | None]:
        """SMSTurbo column lengths by field, read from the database."""
        return self._cached(  # type: ignore[no-any-return]
            "lengths", lambda: smsturbo.column_lengths(self.smsturbo_engine, self.config)
        )

    def describe(self) -> dict[str, Any]:
        """What the accountant confirms first: which company and SMSTurbo database are open, and their sizes."""
        info: dict[str, Any] = {"sage": redact_url(self.sage_url), "smsturbo": redact_url(self.smsturbo_url)}
        if self.sage_url is not None:
            info["sage_database"] = (
                Path(self.sage_url).name if self.sage_is_client_list else sa.make_url(self.sage_url).database
            )
            info["sage_clients"] = len(self.sage_clients())
        if self.smsturbo_url is not None:
            info["smsturbo_database"] = sa.make_url(self.smsturbo_url).database  # as given, not as opened
            info["smsturbo_customers"] = len(self.smsturbo_customers())
        return info

    def company_config(self) -> Config:
        """The configuration with the company's own client status names (``clnsts``; see
        :func:`smsync_core.sources.base.company_config`): what validation and the panes use."""

        def read() -> Config:
            names = self.sage_clients().attrs.get("status_names")  # an exported list's status cells name them
            if names is None:
                names = self.source.status_names(self.sage_url or "", lambda: self.sage_engine, self.config)
            return company_config(self.config, names)

        return self._cached("company_config", read)  # type: ignore[no-any-return]

    # --- validate and reconcile ----------------------------------------------------------------------------------
    def check(self) -> pd.DataFrame:
        """The housekeeping findings (``field-too-long`` too when an SMSTurbo connection is given)."""

        def run() -> pd.DataFrame:
            lengths = self.column_lengths() if self.smsturbo_url is not None else None
            return validate.check(self.sage_clients(), self.company_config(), lengths)

        return self._cached("findings", run)  # type: ignore[no-any-return]

    def read_both(self) -> None:
        """Read the Sage clients and the SMSTurbo customers at the same time (each database in its own thread).

        Only where both sides have an Arrow driver: those read without holding Python's lock, so the two reads
        overlap, where two DBAPI fetches would only contend for it (measured: 1,000,000 clients, reads 2.2 s ->
        1.4 s with ADBC; slower through sqlite3). Errors are raised as reading one side after the other would raise
        them (the Sage side's first).
        """
        if "sage" in self._cache or "smsturbo" in self._cache or self.smsturbo_url is None:
            return
        try:
            both_arrow = not self.sage_is_client_list and (
                arrow_read.has_reader(self.sage_engine) and arrow_read.has_reader(self.smsturbo_engine)
            )
        except Exception:  # an engine that cannot be made: the reads one by one report it, in their order
            return
        if not both_arrow:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smsync-read") as pool:
            target = pool.submit(self.smsturbo_customers)
            try:
                self.sage_clients()
            finally:
                wait([target])  # the SMSTurbo read finishes (or fails) before a Sage error goes on
            target.result()

    def reconcile(self, missing_only: bool = True) -> Reconciliation:
        """The two panes: ``missing_only`` is the answer to "Do you want to see Missing Customers only?"."""
        key = f"reconcile-{missing_only}"
        if key not in self._cache:
            self.read_both()
        return self._cached(  # type: ignore[no-any-return]
            key,
            lambda: reconcile(
                self.sage_clients(),
                self.smsturbo_customers(),
                self.company_config(),
                self.check,  # validated in reconcile's second thread, beside the join and comparison
                missing_only=missing_only,
            ),
        )

    # --- import -------------------------------------------------------------------------------------------------
    def plan(
        self,
        selected_ids: Iterable[str] | Literal["all-eligible"],
        replace: Sequence[str] | str | None = None,
        *,
        missing_only: bool | None = None,
    ) -> Plan:
        """The dry run: exactly what an import of ``selected_ids`` would change (nothing is written).

        ``replace`` defaults to the saved Replace Options. ``missing_only`` defaults to False when Replace Options
        are in force (so differing customers can be updated), else True.
        """
        from smsync_core.plan import build_plan

        groups = self.config.replace_groups if replace is None else parse_replace_groups(replace)
        mode = (not groups) if missing_only is None else missing_only
        rec = self.reconcile(missing_only=mode)
        table = smsturbo.reflect_table(self.smsturbo_engine, self.config)
        with database_errors("smsturbo", self.smsturbo_url), self.smsturbo_engine.connect() as conn:
            template = smsturbo.template_row(conn, self.config, table)
        selection: Iterable[str] | Literal["all-eligible"]
        selection = selected_ids if isinstance(selected_ids, str) else list(selected_ids)
        return build_plan(rec, selection, groups, self.config, template, [c.name for c in table.columns])

    def run_context(self) -> Any:
        """Who and where, for the record of a run (passwords removed)."""
        from smsync_core.audit.context import run_context

        return run_context(self)

    def apply(
        self, plan: Plan, *, reports_dir: str | Path = "reports", progress: ProgressCallback | None = None,
        within: str | None = None,
    ) -> ApplyResult:
        """Import the plan in one transaction on SMSTurbo, with its record under ``reports_dir``.

        ``within``: the id of the notebook run this import belongs to (its one record; set by the notebook cells).
        """
        from smsync_core.apply.run import apply_plan

        result = apply_plan(
            plan,
            self.smsturbo_engine,
            self.config,
            context=self.run_context(),
            reports_dir=Path(reports_dir),
            progress=progress,
            within=within,
        )
        self.refresh()
        return result

    def undo(self, run_id: str, *, reports_dir: str | Path = "reports") -> ApplyResult:
        """Reverse a committed run where SMSTurbo still holds what it wrote."""
        from smsync_core.apply.undo import undo_run

        result = undo_run(
            run_id,
            self.smsturbo_engine,
            self.config,
            context=self.run_context(),
            reports_dir=Path(reports_dir),
        )
        self.refresh()
        return result

    def suggest(self, **options: Any) -> pd.DataFrame:
        """Ranked match suggestions for customers without a partner on the other side."""
        from smsync_core.suggest.engine import suggest

        return suggest(self.sage_clients(), self.smsturbo_customers(), **options)


def connect(
    sage_url: str | None = None,
    smsturbo_url: str | None = None,
    config: str | Path | Mapping[str, Any] | Config | None = None,
) -> Workbench:
    """Open a workbench on a Sage 100 company (or exported client list) and an SMSTurbo database.

    URLs are SQLAlchemy URLs; when left out they come from the configuration file or ``SMSYNC_SAGE_URL`` /
    ``SMSYNC_SMSTURBO_URL``. Nothing is read until a method needs it.
    """
    loaded = load_config(config)
    sage = sage_url or loaded.sage_url
    target = smsturbo_url or loaded.smsturbo_url
    if sage is not None and not isinstance(sage, str):
        raise ConfigurationError("The Sage 100 connection must be a URL string.")
    return Workbench(sage, target, loaded)


def ping(engine: Engine, side: Literal["sage", "smsturbo"]) -> None:
    """Open a connection and run a trivial read, translating any failure."""
    with database_errors(side, engine.url), engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
