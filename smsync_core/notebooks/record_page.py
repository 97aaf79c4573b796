"""The auditor's page of a record: one HTML page read top to bottom, and a printable PDF beside it.

Who ran it (OS user, database logins), when, which Sage 100 company and which SMSTurbo (names, not paths), what
was asked (parameters, Replace Options, the selection summarised), every change with its before and after values,
every skipped client with the reason, the outcome, and how to check the record. Values are shown as text: a
missing value is blank, never ``None``/``NaN``/``<NA>``. The PDF is printed by Debian's Chromium (headless) where
it is installed; elsewhere the record says why there is none.

A record no notebook made (an undo's) gets the same page from :func:`record_files`, without a notebook's output:
which run it undoes, every change it reversed with the values before and after, what it left alone and why.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from smsync_core.audit.record import PENDING
from smsync_core.schema import counted

if TYPE_CHECKING:  # the change types bring pandas and numpy: imported only for a record that has changes
    from smsync_core.audit.changes import Change

#: Lists longer than this start folded (all rows are still in the page; the PDF prints them unfolded).
OPEN_UP_TO = 200
#: Parameter values longer than this are summarised on the page (the manifest keeps them whole).
LONG_VALUE = 120
#: Where Debian installs Chromium; the first that exists prints the PDF.
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
PDF_SECONDS = 300


def database_name(url: str | None) -> str:
    """A database as people name it: the database (or file) name and its server, never a path or a password."""
    if not url:
        return "not given"
    try:
        parsed = sa.make_url(url)
    except Exception:  # an exported client list file
        return f"the client list {Path(url).name}"
    database = parsed.database or ""
    name = Path(database).stem if ("/" in database or "\\" in database or "." in database) else database
    if parsed.host:
        return f"{name or 'the default database'} on server {parsed.host}"
    return f"{name} (a database file)" if name else "an in-memory database"


def when(stamp: Any) -> str:
    """An ISO 8601 time as ``2026-11-29 04:44:46 UTC``."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return str(stamp)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def text(value: Any) -> str:
    """A value as plain text: missing values blank, numbers without ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    shown = str(value)
    return "" if shown in ("<NA>", "NaT", "nan", "None") and not isinstance(value, str) else shown


def summarise(value: Any) -> str:
    """A parameter value short enough for the page: a long comma list is counted, with its first items."""
    shown = text(value)
    if len(shown) <= LONG_VALUE:
        return shown
    parts = [p.strip() for p in shown.split(",") if p.strip()]
    if len(parts) > 1:
        first = ", ".join(parts[:8])
        return f"{len(parts):,} Client Numbers ({first}, …; every one is in manifest.json)"
    return shown[:LONG_VALUE] + "… (whole in manifest.json)"


def parameter_words(name: str, value: Any, is_default: bool) -> str:
    """A notebook parameter as the page shows it: databases by name, yes/no, long lists summarised.

    A default is the text of the notebook's parameters cell (``True``, ``"none"``); a given value is typed.
    """
    if is_default:
        value = {"True": True, "False": False}.get(str(value), str(value).strip("\"'"))
    if name.endswith("_url"):
        return database_name(str(value)) if value else "(empty: smsync.toml, the environment or the demo)"
    if value == "":
        return "(empty)"
    return summarise(value)


@dataclass(frozen=True)
class ChangeRow:
    """One line of the changes table: a customer, what happened, and the fields before and after."""

    customer_id: str
    action: str
    fields: tuple[tuple[str, str, str], ...]  # (column, before, after)


#: What each kind of change is called on the page of an import, and on the page of an undo.
ACTION_WORDS = {"insert": "new customer", "update": "updated", "delete": "removed"}
UNDO_WORDS = {"insert": "put back", "update": "earlier values restored", "delete": "removed"}


def change_rows(changes: Sequence[Change], words: Mapping[str, str] = ACTION_WORDS) -> list[ChangeRow]:
    """The changes as the page lists them (inserts with the values written, updates field by field)."""
    rows = []
    for change in changes:
        before, after = change.before or {}, change.after or {}
        columns = list(dict.fromkeys([*before, *after]))
        fields = tuple((c, text(before.get(c)), text(after.get(c))) for c in columns
                       if text(before.get(c)) or text(after.get(c)))
        rows.append(ChangeRow(change.customer_id, words.get(change.action, change.action), fields))
    return rows


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def selection_words(details: Mapping[str, Any]) -> str:
    """What was selected, in one line."""
    selection = details.get("selection")
    if selection is None:
        return ""
    if selection == "all-eligible" or selection == ["all-eligible"]:
        return "every eligible client (Check All)"
    chosen = [text(s) for s in selection]
    if len(chosen) <= 10:
        return ", ".join(chosen)
    return f"{len(chosen):,} clients chosen ({', '.join(chosen[:8])}, …)"


def outcome_words(manifest: Mapping[str, Any], inserted: int, updated: int, removed: int) -> str:
    """The outcome as a sentence."""
    outcome = manifest.get("outcome")
    if outcome == "committed" and manifest.get("kind") == "undo":
        return (f"Undone and committed: {counted(removed, 'customer')} removed, {updated:,} restored, "
                f"{inserted:,} put back.")
    if outcome == "committed":
        return f"Committed to SMSTurbo: {counted(inserted, 'new customer')} inserted, {updated:,} updated."
    if outcome == "completed":
        return "Completed; nothing was written to SMSTurbo."
    if outcome == "conflict":
        return "Stopped: SMSTurbo changed since the plan was made, so nothing was written."
    if outcome == "failed":
        return "Failed; nothing was written to SMSTurbo."
    return "Not finished yet: whether the import committed is settled by the next run or `smsync verify`."


def page_context(record: Path, manifest: Mapping[str, Any], parameters: Mapping[str, tuple[Any, bool]],
                 ) -> dict[str, Any]:
    """Everything the template shows about a record (its folder holds changes.jsonl, skipped.jsonl...)."""
    who = manifest.get("who") or {}
    changes_file = record / "changes.jsonl"
    words = UNDO_WORDS if manifest.get("kind") == "undo" else ACTION_WORDS
    changes: list[ChangeRow] = []
    if changes_file.is_file():
        from smsync_core.audit.lines import decode_changes

        changes = change_rows(decode_changes(changes_file.read_bytes()), words)
    counts = {a: sum(r.action == words[a] for r in changes) for a in ("insert", "update", "delete")}
    skipped = [{"customer_id": text(r.get("customer_id")) or "(no Client Number)", "reason": text(r.get("reason"))}
               for r in _jsonl(record / "skipped.jsonl")]
    conflicts = [{k: text(v) for k, v in r.items()} for r in _jsonl(record / "conflicts.jsonl")]
    shown = {name: (parameter_words(name, value, is_default), is_default) for name, (value, is_default)
             in parameters.items()}
    logins = [f"{who.get('source_db_user')} on Sage 100" if who.get("source_db_user") else "",
              f"{who.get('target_db_user')} on SMSTurbo" if who.get("target_db_user") else ""]
    return {
        "os_user": text(who.get("os_user")) or "unknown",
        "host": text(who.get("host")),
        "logins": ", ".join(x for x in logins if x) or "none (file databases need no login)",
        "started": when(manifest.get("started_at")),
        "finished": when(manifest.get("finished_at")),
        "company": database_name(manifest.get("source")),
        "smsturbo": database_name(manifest.get("target")),
        "mode": {"missing-only": "missing customers only", "all": "all differences"}.get(
            str(manifest.get("mode")), ""),
        "replace_groups": ", ".join(manifest.get("replace_groups") or []) or "none",
        "selection": selection_words(manifest),
        "parameters": shown,
        "changes": changes,
        "changes_open": len(changes) <= OPEN_UP_TO,
        "skipped": skipped,
        "skipped_open": len(skipped) <= OPEN_UP_TO,
        "conflicts": conflicts,
        "outcome_words": outcome_words(manifest, counts["insert"], counts["update"], counts["delete"]),
        "undoes": text(manifest.get("undoes")),
        "sequence": manifest.get("sequence"),
        "previous": text(manifest.get("previous_manifest_sha256")),
        "changes_sha256": text((manifest.get("files") or {}).get("changes.jsonl")),
        "has_import": manifest.get("kind") in ("sync", "undo"),
    }


def template_text(name: str) -> str:
    """A packaged template (``smsync_core/templates``)."""
    return resources.files("smsync_core.templates").joinpath(name).read_text("utf-8")


def render_page(record: Path, manifest: Mapping[str, Any], *, body: str = "", notebook: str = "",
                parameters: Mapping[str, tuple[Any, bool]] | None = None) -> str:
    """The auditor's page of the record in folder ``record`` (``body``: a notebook's output, already HTML)."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(template_text("record.html.j2"))
    root = record.parent.parent if record.parent.name == PENDING else record.parent
    error = text(manifest.get("error")).replace(str(root), "reports")  # no folder of this machine
    return template.render(css=template_text("record.css"), body=Markup(body), notebook=notebook,
                           run_id=text(manifest.get("run_id")), outcome=text(manifest.get("outcome")),
                           error=error, **page_context(record, manifest, parameters or {}))


def record_files(record: Path, manifest: Mapping[str, Any], stem: str) -> tuple[dict[str, bytes], str | None]:
    """The page of a record no notebook made (``<stem>.html``) and its PDF (``<stem>.pdf``), to be listed in its
    manifest; the second value says why there is no PDF (None when there is one)."""
    page = render_page(record, manifest)
    files = {f"{stem}.html": page.encode("utf-8")}
    pdf, no_pdf = print_pdf(page)
    if pdf is not None:
        files[f"{stem}.pdf"] = pdf
    return files, no_pdf


def chromium() -> str | None:
    """Debian's Chromium, if installed."""
    for candidate in CHROMIUM:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium")
    return found


def print_pdf(page: str) -> tuple[bytes | None, str | None]:
    """The page printed to PDF by headless Chromium (folded lists unfolded): ``(pdf, None)`` or ``(None, why)``."""
    browser = chromium()
    if browser is None:
        return None, "no PDF: Chromium is not installed on this machine (apt-get install chromium)"
    printable = page.replace("<details class=\"list\">", "<details class=\"list\" open>")
    with tempfile.TemporaryDirectory(prefix="smsync-pdf-") as folder:
        source, target = Path(folder) / "record.html", Path(folder) / "record.pdf"
        source.write_text(printable, "utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(folder) / 'profile'}", f"--print-to-pdf={target}", source.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=PDF_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"no PDF: Chromium could not print the page ({type(exc).__name__})"
        if not target.is_file() or not target.read_bytes().startswith(b"%PDF"):
            return None, "no PDF: Chromium did not print the page"
        return target.read_bytes(), None
