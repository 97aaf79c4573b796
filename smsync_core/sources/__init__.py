"""Where Sage 100 clients are read from, each source in one shape (:class:`Source`), chosen by location.

- ``sage100``: the company database (``dbo.reccln``), read only; owns Sage's table and column knowledge.
- ``client_list``: a client list exported from Sage 100 (CSV, Excel), with Sage's own headings.
- ``canonical``: the canonical Sage frame every source answers with.
"""

from __future__ import annotations

from smsync_core.sources import client_list, sage100
from smsync_core.sources.base import Source

#: Asked in order; the first that handles a location reads it (the company database takes any other URL).
SOURCES: tuple[Source, ...] = (client_list.SOURCE, sage100.SOURCE)


def source_for(location: str) -> Source:
    """The source that reads ``location``."""
    return next(source for source in SOURCES if source.handles(location))


__all__ = ["SOURCES", "Source", "source_for"]
