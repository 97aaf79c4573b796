"""The one shape every source of Sage 100 clients has, and how the workbench picks one for a location."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import pandas as pd
from sqlalchemy.engine import Engine

from smsync_core import schema
from smsync_core.config import Config


class Source(Protocol):
    """Where Sage 100 Contractor clients come from: the company database, or a client list it exported.

    ``read_clients`` answers with the canonical Sage frame (``sources.canonical``), in source order.
    """

    #: What the user calls it ("the Sage 100 company", "the exported client list").
    title: str
    #: Whether it is read through a read-only database engine (an exported file is not).
    database: bool

    def handles(self, location: str) -> bool:
        """Whether this source reads ``location`` (a SQLAlchemy URL or a file path)."""
        ...

    def read_clients(self, location: str, engine: Callable[[], Engine], config: Config) -> pd.DataFrame:
        """Every client at ``location``; ``engine`` opens the read-only engine when the source needs one."""
        ...

    def status_names(self, location: str, engine: Callable[[], Engine], config: Config) -> dict[int, str]:
        """The company's own client status names (number -> name); empty when the source does not know them."""
        ...


def company_config(config: Config, names: dict[int, str]) -> Config:
    """``config`` with the status names a run shows: the company's own (``names``) where it has a list, else the
    help's default list; names set in ``smsync.toml`` override either."""
    merged = dict(names) if names else dict(schema.STATUS_NAMES)
    if config.status_names_set:
        merged.update(config.status_names)
    return config.replace(status_names=merged)
