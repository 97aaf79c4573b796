"""Reading the Sage client table: smsync's ``wb.sage_clients()`` against a bare DBAPI ``fetchall`` of the same query.

The bare fetch is what any row-by-row reader pays to get the rows out of the DBAPI driver (sqlite3 here): the same
mapped columns, no types, no frame. smsync's read adds the table's reflection (the mapping is checked against the
database), typed Arrow columns (exact text, Int64 status, bool flag) and the canonical frame, but fetches the
columns straight into Arrow where an Arrow-native driver exists (ADBC for SQLite). Two more rows tell where the
figure comes from: smsync's own DBAPI path (``SMSYNC_READER=dbapi``, what every other database falls back to)
and the Arrow driver alone (ADBC ``fetch_arrow_table`` of the same query, the floor of the Arrow path). Each run
is a fresh interpreter. Run:

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
    # the libraries smsync reads with, imported before the clock starts (on both sides): ADBC's own
    # bindings, as smsync uses them (its DBAPI module would import polars too)
    import adbc_driver_manager  # noqa: F401
    import adbc_driver_sqlite  # noqa: F401

    import smsync_core
    import smsync_core.workbench  # smsync's modules, pandas and SQLAlchemy: imported before the clock

    wb = smsync_core.connect(f"sqlite:///{directory / 'sage.db'}", None)
    return measure(lambda: {"rows": len(wb.sage_clients())})


def _smsync_dbapi(directory: Path) -> dict[str, Any]:
    import os

    os.environ["SMSYNC_READER"] = "dbapi"
    return _smsync(directory)


def _arrow(directory: Path) -> dict[str, Any]:
    """The Arrow driver alone: ADBC's ``fetch_arrow_table`` of the same query (read only, as smsync opens it)."""
    import adbc_driver_sqlite.dbapi as adbc

    query = sage_query()

    def run() -> dict[str, Any]:
        with adbc.connect(f"file:{directory / 'sage.db'}?mode=ro") as con, con.cursor() as cursor:
            cursor.execute(query)
            table = cursor.fetch_arrow_table()
        return {"rows": table.num_rows}

    return measure(run)


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


CHILDREN = {"smsync": _smsync, "dbapi": _smsync_dbapi, "arrow": _arrow, "bare": _bare, "pandas": _pandas}


def run(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table rows for the demo pair in ``directory``."""
    ours, theirs, dbapi, arrow, pandas = alternate(
        repeat, *(lambda which=which: run_child(SCRIPT, which, str(directory))
                  for which in ("smsync", "bare", "dbapi", "arrow", "pandas")))
    counts = {r[0]["rows"] for r in (ours, theirs, dbapi, arrow, pandas)}
    assert len(counts) == 1, counts
    fetch = "sqlite3 fetchall, same query"
    return [compare("read the client table", clients, "wb.sage_clients()", fetch, ours, theirs, GOAL,
                    note=f"{ours[0]['rows']:,} rows x 15 columns, Arrow-native driver (ADBC SQLite)"),
            compare("  smsync's DBAPI path", clients, "wb.sage_clients() with SMSYNC_READER=dbapi", fetch, dbapi,
                    theirs, "", note="what databases without an Arrow driver get"),
            compare("  floor: the Arrow driver alone", clients, "ADBC fetch_arrow_table, same query", fetch, arrow,
                    theirs, "", note="untyped Arrow table, no reflection, no frame"),
            compare("  for comparison: pandas.read_sql", clients, "pandas.read_sql, same query", fetch, pandas,
                    theirs, "", note="object columns, no types")]


def main() -> None:
    demo_main(__doc__, CHILDREN, run, repeat=5)


if __name__ == "__main__":
    main()
