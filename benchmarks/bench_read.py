"""Reading the Sage client table: smsync's ``wb.sage_clients()`` against a bare DBAPI ``fetchall`` of the same query.

The bare fetch is what any reader pays to get the rows out of the driver (sqlite3 here): the same mapped columns,
no types, no frame. smsync's read adds the table's reflection (the mapping is checked against the database),
typed Arrow columns (exact text, Int64 status, bool flag) and the canonical frame. Each run is a fresh
interpreter. Run:

    .venv/bin/python benchmarks/bench_read.py --clients 100000 --repeat 5
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, alternate, compare, demo_main, measure, run_child

SCRIPT = Path(__file__).resolve()
GOAL = "<= 1.3x"


def sage_query() -> str:
    """The SELECT smsync's read sends for the default mapping (every canonical field, labelled)."""
    from smsync_core import schema
    from smsync_core.config import Config

    columns = Config().sage.columns
    return f'SELECT {", ".join(f"{columns[f]} AS {f}" for f in schema.FIELDS)} FROM {Config().sage.table}'


def _smsync(directory: Path) -> dict[str, Any]:
    import smsync_core

    wb = smsync_core.connect(f"sqlite:///{directory / 'sage.db'}", None)
    return measure(lambda: {"rows": len(wb.sage_clients())})


def _bare(directory: Path) -> dict[str, Any]:
    import sqlite3

    query = sage_query()

    def run() -> dict[str, Any]:
        con = sqlite3.connect(directory / "sage.db")
        rows = con.execute(query).fetchall()
        con.close()
        return {"rows": len(rows)}

    return measure(run)


def _pandas(directory: Path) -> dict[str, Any]:
    """For comparison: what the usual one-liner costs (``pandas.read_sql`` of the same query)."""
    import sqlite3

    import pandas as pd

    query = sage_query()

    def run() -> dict[str, Any]:
        con = sqlite3.connect(directory / "sage.db")
        frame = pd.read_sql(query, con)
        con.close()
        return {"rows": len(frame)}

    return measure(run)


CHILDREN = {"smsync": _smsync, "bare": _bare, "pandas": _pandas}


def run(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table rows for the demo pair in ``directory``."""
    ours, theirs, pandas = alternate(repeat, lambda: run_child(SCRIPT, "smsync", str(directory)),
                                     lambda: run_child(SCRIPT, "bare", str(directory)),
                                     lambda: run_child(SCRIPT, "pandas", str(directory)))
    assert ours[0]["rows"] == theirs[0]["rows"] == pandas[0]["rows"], (ours[0], theirs[0], pandas[0])
    return [compare("read the client table", clients, "wb.sage_clients()", "sqlite3 fetchall, same query", ours,
                    theirs, GOAL, note=f"{ours[0]['rows']:,} rows x 15 columns"),
            compare("  for comparison: pandas.read_sql", clients, "pandas.read_sql, same query",
                    "sqlite3 fetchall, same query", pandas, theirs, "", note="object columns, no types")]


def main() -> None:
    demo_main(__doc__, CHILDREN, run, repeat=5)


if __name__ == "__main__":
    main()
