"""Sage 100 Contractor: the client table ``dbo.reccln`` read into the canonical record (read only)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.reading import read_mapped
from smsync_core.sources.canonical import canonical_clients


def read_clients(engine: Engine, config: Config) -> pd.DataFrame:
    """All clients of the open Sage 100 company, in source order, as the canonical Sage frame.

    The ``inactv`` flag is optional (older companies do not have it); any other mapped column must exist.
    """
    frame = read_mapped(engine, config.sage, "sage", schema.FIELDS, optional=("inactive", "short_name"))
    return canonical_clients(frame)
