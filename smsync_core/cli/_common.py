"""What the subcommands share once they run: building the workbench, printing results (their options: ``_options``)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

import pandas as pd

from smsync_core import outputs
from smsync_core.config import load_config
from smsync_core.errors import UsageError
from smsync_core.redact import redact_url
from smsync_core.sources.client_list import EXCEL_SUFFIXES
from smsync_core.workbench import Workbench, connect


def workbench_from_args(args: argparse.Namespace) -> Workbench:
    """Open the workbench the options describe; a missing required connection is a usage error, and so is
    ``--sheet`` where Sage 100 is not an Excel client list."""
    config: Any = getattr(args, "config", None)
    sheet = getattr(args, "sheet", None)
    if sheet is not None:
        loaded = load_config(config)
        config = loaded.replace(sage=dataclasses.replace(loaded.sage, sheet=sheet))
    wb = connect(getattr(args, "sage", None), getattr(args, "smsturbo", None), config)
    if wb.sage_url is None:
        raise UsageError("No Sage 100 connection was given; pass --sage URL or set SMSYNC_SAGE_URL.")
    if sheet is not None and not wb.sage_url.lower().endswith(EXCEL_SUFFIXES):
        raise UsageError(f"--sheet chooses a sheet of an Excel client list (.xlsx, .xlsm), and the Sage 100 "
                         f"connection is {redact_url(wb.sage_url)}; leave --sheet out or give the workbook as --sage.")
    if getattr(args, "_smsturbo_need", "optional") == "required" and wb.smsturbo_url is None:
        raise UsageError("No SMSTurbo connection was given; pass --smsturbo URL or set SMSYNC_SMSTURBO_URL.")
    if sys.stderr is not None and sys.stderr.isatty():
        wb.on_read = read_notice
    return wb


#: A read that takes longer than this many seconds is announced on a terminal (stderr).
READ_NOTICE_AFTER = 0.5


def read_notice(what: str) -> Callable[[int | None], None]:
    """"Reading the Sage 100 clients…" on stderr once a read has taken :data:`READ_NOTICE_AFTER` seconds, and when
    it is done how many rows came in how long; a short read says nothing. The read itself is not touched."""
    started = time.perf_counter()
    lock = threading.Lock()
    shown = False

    def announce() -> None:
        nonlocal shown
        with lock:
            shown = True
            sys.stderr.write(f"Reading the {what}…\n")
            sys.stderr.flush()

    timer = threading.Timer(READ_NOTICE_AFTER, announce)
    timer.daemon = True
    if READ_NOTICE_AFTER <= 0:
        announce()
    else:
        timer.start()

    def done(rows: int | None) -> None:
        timer.cancel()
        with lock:
            if shown and rows is not None:
                sys.stderr.write(f"Read {rows:,} {what} in {time.perf_counter() - started:.1f} s.\n")
                sys.stderr.flush()

    return done


def plain(value: Any) -> Any:
    """A JSON-friendly value: NA -> None, numpy scalars -> Python, tuples -> lists."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def _json_value(value: Any) -> Any:
    """``json.dump``'s fallback: plain values; a Decimal (money columns) as its exact text, dates in ISO 8601."""
    converted = plain(value)
    if converted is not value:
        return converted
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)  # Decimal and anything else: text, never the same object again (a "circular reference")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain values."""
    columns = list(frame.columns)
    return [dict(zip(columns, map(plain, row), strict=True)) for row in frame.itertuples(index=False)]


def write_json(data: Any, out: TextIO | None = None) -> None:
    """Indented, UTF-8, keys in insertion order (to ``sys.stdout`` as it is at call time by default)."""
    out = sys.stdout if out is None else out
    json.dump(data, out, indent=2, ensure_ascii=False, default=_json_value)
    out.write("\n")


def write_csv(frame: pd.DataFrame, out: TextIO | None = None) -> None:
    """CSV with a header; tuples joined with ';'; no cell that a spreadsheet would run as a formula (to
    ``sys.stdout`` as it is at call time by default)."""
    outputs.write_csv(frame, sys.stdout if out is None else out)


def table_text(
    frame: pd.DataFrame, *, max_rows: int | None = None, max_width: int = 40, every_row: str = "--format csv"
) -> str:
    """A fixed-width table of ``frame`` for people (long values shortened, NA shown blank); a cut table names
    ``every_row``, the option of the command that shows every row."""
    if frame.empty:
        return "  (none)"
    shown = frame if max_rows is None else frame.head(max_rows)
    cells = [[_cell(v, max_width) for v in row] for row in shown.itertuples(index=False)]
    headers = [outputs.escape_controls(str(c)) for c in frame.columns]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    if max_rows is not None and len(frame) > max_rows:
        lines.append(f"  ... and {len(frame) - max_rows} more (use {every_row} for every row)")
    return "\n".join(lines)


def _cell(value: Any, max_width: int) -> str:
    value = plain(value)
    if value is None:
        text = ""
    elif isinstance(value, list):
        text = ", ".join(map(str, value))
    elif isinstance(value, bool):
        text = "yes" if value else ""
    else:
        text = str(value)
    text = outputs.escape_controls(text.replace("\n", " "))  # ESC, OSC links, \r shown, never obeyed
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
