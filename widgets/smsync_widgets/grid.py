"""``PaneGrid``: one anywidget per pane; rows are drawn in the browser with virtual scrolling.

The browser asks for the window of rows it is about to draw (a custom message ``{"type": "window"}``) and gets
only those rows back; clicks, Check All, sorting and the filter come back as messages too and change the
:class:`~smsync_widgets.pane_state.PaneState` kept here in Python. Synced traits carry only small things:
column headers, counts, the sort, the filter text, an error sentence and a ``version`` that tells every view to
ask for its window again. The JavaScript ships in ``static/`` (no CDN, works offline).
"""

from __future__ import annotations

import html
import io
import logging
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from smsync_core.errors import SmsyncError
from smsync_core.outputs import write_csv, write_xlsx
from smsync_widgets import text
from smsync_widgets.pane_state import PaneState

STATIC = Path(__file__).parent / "static"
#: Most rows one window request may ask for (a screenful plus overscan is about 100).
MAX_WINDOW = 500

log = logging.getLogger(__name__)


def sentence(exc: BaseException) -> str:
    """An error as the one sentence a person reads in the widget (never a traceback)."""
    if isinstance(exc, SmsyncError):
        return str(exc)
    log.exception("unexpected error in a widget", exc_info=exc)
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"Something went wrong ({type(exc).__name__}: {first}); nothing was changed, try again."


class PaneGrid(anywidget.AnyWidget):
    """One pane: a keyboard-usable grid with checkboxes whose rows live in Python."""

    _esm = STATIC / "grid.js"
    _css = STATIC / "grid.css"

    pane = traitlets.Unicode("right").tag(sync=True)
    selectable = traitlets.Bool(True).tag(sync=True)
    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    total_count = traitlets.Int(0).tag(sync=True)
    shown_count = traitlets.Int(0).tag(sync=True)
    checked_count = traitlets.Int(0).tag(sync=True)
    hidden_checked_count = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    check_all_note = traitlets.Unicode("").tag(sync=True)
    sort_column = traitlets.Unicode("").tag(sync=True)
    sort_ascending = traitlets.Bool(True).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)

    def __init__(
        self, frame: pd.DataFrame, *, pane: str, selectable: bool, start_checked: bool = False, **kwargs: Any
    ) -> None:
        self.state = PaneState(frame, selectable=selectable, start_checked=start_checked)
        super().__init__(
            pane=pane,
            selectable=selectable,
            columns=self.state.column_specs(),
            total_count=len(self.state.frame),
            **kwargs,
        )
        self._publish()
        self.on_msg(self._on_custom_message)

    # -- Python API ----------------------------------------------------------------------------------
    def check_all(self) -> None:
        self.state.check_all()
        self._publish()

    def uncheck_all(self) -> None:
        self.state.uncheck_all()
        self._publish()

    def set_checked(self, customer_id: str, checked: bool) -> None:
        self.state.set_checked(customer_id, checked)
        self._publish()

    def sort_by(self, column: str, ascending: bool = True) -> None:
        self.state.sort_by(column, ascending)
        self._publish()

    def filter(self, query: str) -> None:
        self.state.filter(query)
        self._publish()

    def download(self, kind: str) -> tuple[str, str, bytes]:
        """The pane as a file, rows and columns as shown (filter and sort): ``(file name, MIME type, bytes)``.

        ``kind``: ``xlsx`` (Excel, formula-safe), ``csv`` or ``html`` (the printable view: every row, one page).
        """
        frame = self.state.export_frame()
        name = "smsturbo-customers-to-enter-in-sage" if self.pane == "left" else "sage-clients-to-bring-over"
        if kind == "xlsx":
            buffer = io.BytesIO()
            write_xlsx({self.title or name: frame}, buffer, headings={c: c for c in frame.columns})
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return f"{name}.xlsx", mime, buffer.getvalue()
        if kind == "csv":
            stream = io.StringIO()
            write_csv(frame, stream)
            return f"{name}.csv", "text/csv", ("\ufeff" + stream.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8
        if kind == "html":
            return f"{name}.html", "text/html", printable(frame, self.title, self.note).encode("utf-8")
        raise SmsyncError(f"There is no download as {kind!r}; choose Excel, CSV or Print.")

    def window(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The rows the browser would get for the shown positions ``start:stop``."""
        return self.state.window(start, min(stop, start + MAX_WINDOW))

    # -- browser messages ----------------------------------------------------------------------------
    def handle_message(self, content: dict[str, Any]) -> dict[str, Any] | None:
        """Act on one message from the browser; return the reply to send back (if any).

        Errors become the ``message`` trait (one sentence), never an exception in the kernel log.
        """
        kind = content.get("type")
        try:
            if kind == "window":
                start, stop = int(content.get("start", 0)), int(content.get("stop", 0))
                return {
                    "type": "rows",
                    "seq": content.get("seq", 0),
                    "version": self.version,
                    "start": start,
                    "shown": self.state.shown_count,
                    "rows": self.window(start, stop),
                }
            if kind == "toggle":
                self.state.toggle(int(content["row"]))
            elif kind == "check_all":
                self.state.check_all()
            elif kind == "uncheck_all":
                self.state.uncheck_all()
            elif kind == "download":
                name, mime, data = self.download(str(content.get("format", "xlsx")))
                self.send({"type": "file", "name": name, "mime": mime, "seq": content.get("seq", 0)}, [data])
                return None
            elif kind == "sort":
                self.state.sort_by(str(content["column"]), bool(content.get("ascending", True)))
            elif kind == "filter":
                self.state.filter(str(content.get("query", "")))
            else:
                return None
            self.message = ""
        except (SmsyncError, KeyError, ValueError, TypeError) as exc:
            self.message = sentence(exc)
        self._publish()
        return None

    def _on_custom_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict):
            reply = self.handle_message(content)
            if reply is not None:
                self.send(reply)

    def _publish(self) -> None:
        """Push counts, sort and filter to the views and tell them to fetch their window again."""
        with self.hold_sync():
            self.shown_count = self.state.shown_count
            self.checked_count = self.state.checked_count
            self.hidden_checked_count = self.state.hidden_checked_count
            self.sort_column = self.state.sort_column or ""
            self.sort_ascending = self.state.ascending
            self.query = self.state.query
            self.version += 1


def printable(frame: pd.DataFrame, title: str, note: str = "") -> str:
    """A pane as one printable HTML page: every row, the headers repeated on each printed page."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    heading = html.escape(title or text.PAGE_TITLE)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{heading}</title><style>"
        "body{font:12px sans-serif;margin:12px} table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
        "thead{display:table-header-group} tr{page-break-inside:avoid}</style></head><body>"
        f"<h2>{heading}</h2><p>{html.escape(note)}</p><p>{len(frame):,} rows</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
