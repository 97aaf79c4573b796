"""The right pane's checked Client Numbers, kept on the server so that a page reload does not lose them.

One small JSON file (``selections.json``) under a state directory holds one entry per pair of databases and
mode: the key is a SHA-256 of the Sage and SMSTurbo URLs *with passwords redacted* and the mode, so the file
names no database and holds no secret. Every save replaces the file atomically (write a temporary file beside
it, then ``os.replace``), so a reader never sees half a file and a crash never leaves one.

The state directory is ``$SMSYNC_STATE_DIR``, else ``$XDG_STATE_HOME/smsync``, else ``~/.local/state/smsync``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smsync_core.audit.record import reports_lock
from smsync_core.clock import utc_now
from smsync_core.errors import ConfigurationError
from smsync_core.redact import redact_url

#: Environment variable naming the state directory (``smsync app --state-dir`` sets it for the kernels).
ENV_STATE_DIR = "SMSYNC_STATE_DIR"
FILE_NAME = "selections.json"
#: Format of the file; a file of another version is ignored (and replaced on the next save).
VERSION = 1


def default_state_dir() -> Path:
    """``$SMSYNC_STATE_DIR``, else ``$XDG_STATE_HOME/smsync``, else ``~/.local/state/smsync``."""
    given = os.environ.get(ENV_STATE_DIR)
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "smsync"


def selection_key(sage_url: object, smsturbo_url: object, mode: str) -> str:
    """The entry's key: SHA-256 of the redacted URLs and the mode (``missing-only`` or ``all``)."""
    parts = [redact_url(None if u is None else str(u)) or "" for u in (sage_url, smsturbo_url)]
    text = json.dumps([*parts, str(mode)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SelectionSlot:
    """The stored selection of one pair of databases in one mode (what ``SyncPanes(selection_store=...)`` takes)."""

    store: SelectionStore
    key: str

    def load(self) -> frozenset[str] | None:
        """The stored Client Numbers, or None when nothing was ever stored for this pair and mode."""
        return self.store.load_key(self.key)

    def save(self, customer_ids: Iterable[str]) -> None:
        """Replace the stored Client Numbers."""
        self.store.save_key(self.key, customer_ids)

    def clear(self) -> None:
        """Forget this pair's selection (e.g. after an import)."""
        self.store.clear_key(self.key)


@dataclass(frozen=True)
class FlowSlot:
    """Where the guided flow was for one pair of databases (step, Missing-only answer, the panes' sort), so a
    page reload comes back to it. Small JSON values only; a damaged entry reads as None."""

    store: SelectionStore
    key: str

    def load(self) -> dict[str, Any] | None:
        """The stored state, or None."""
        entry = self.store._read().get(self.key)
        state = entry.get("state") if isinstance(entry, dict) else None
        return state if isinstance(state, dict) else None

    def save(self, state: dict[str, Any]) -> None:
        """Replace the stored state."""
        with self.store._locked():
            entries = self.store._read()
            entries[self.key] = {"state": state, "saved_at": utc_now()}
            self.store._write(entries)


class SelectionStore:
    """Checked Client Numbers by (Sage database, SMSTurbo database, mode) in ``<state_dir>/selections.json``."""

    def __init__(self, state_dir: str | Path | None = None) -> None:
        self.state_dir = Path(state_dir) if state_dir is not None else default_state_dir()

    @property
    def path(self) -> Path:
        """The JSON file."""
        return self.state_dir / FILE_NAME

    def slot(self, sage_url: object, smsturbo_url: object, mode: str) -> SelectionSlot:
        """The entry of one pair of databases and mode."""
        return SelectionSlot(self, selection_key(sage_url, smsturbo_url, mode))

    def flow_slot(self, sage_url: object, smsturbo_url: object) -> FlowSlot:
        """Where the guided flow was, for one pair of databases."""
        return FlowSlot(self, selection_key(sage_url, smsturbo_url, "flow"))

    # -- whole file ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the state directory's lock across processes for a read-modify-write (two open pages)."""
        try:
            lock = reports_lock(self.state_dir)
            lock.__enter__()
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            yield
        finally:
            lock.__exit__(None, None, None)

    def _unwritable(self, exc: OSError) -> ConfigurationError:
        return ConfigurationError(
            f"The selection store {self.state_dir} cannot be written ({exc.strerror or exc}); "
            f"set {ENV_STATE_DIR} to a writable folder."
        )

    def _read(self) -> dict[str, Any]:
        """The file's entries; a missing, unreadable or foreign file reads as empty (selections are a comfort)."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("entries"), dict):
            return {}
        entries: dict[str, Any] = data["entries"]
        return entries

    def _write(self, entries: dict[str, Any]) -> None:
        """Replace the file atomically (temporary file in the same directory, fsync, rename)."""
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"version": VERSION, "entries": entries}, indent=1, sort_keys=True, ensure_ascii=False)
            fd, temporary = tempfile.mkstemp(prefix=".selections-", suffix=".tmp", dir=self.state_dir)
        except OSError as exc:
            raise self._unwritable(exc) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    # -- one entry -----------------------------------------------------------------------------------
    def load_key(self, key: str) -> frozenset[str] | None:
        """The Client Numbers stored under ``key`` (None: never stored)."""
        entry = self._read().get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("selected"), list):
            return None
        return frozenset(str(cid) for cid in entry["selected"])

    def save_key(self, key: str, customer_ids: Iterable[str]) -> None:
        """Store the Client Numbers under ``key`` (sorted, with the time of the save)."""
        selected = sorted({str(cid) for cid in customer_ids})
        with self._locked():
            entries = self._read()
            entries[key] = {"selected": selected, "saved_at": utc_now()}
            self._write(entries)

    def clear_key(self, key: str) -> None:
        """Remove ``key``'s entry."""
        with self._locked():
            entries = self._read()
            if entries.pop(key, None) is not None:
                self._write(entries)
