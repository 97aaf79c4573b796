"""Run ids and the clock: the two things every stage stamps a run with."""

from __future__ import annotations

import datetime as dt
import secrets


def utc_now() -> str:
    """The current UTC time as ISO 8601 text with microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    """A new run id: sortable UTC time plus randomness, safe as a directory name."""
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}Z-{secrets.token_hex(4)}"
