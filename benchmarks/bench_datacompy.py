"""Read + full reconciliation (all differences) of a demo pair: smsync against ``pandas.read_sql`` + datacompy.

Both sides start from the same two SQLite files and end with the IDs only in SMSTurbo, only in Sage and on both
sides but different, field by field. smsync: ``connect(...).reconcile(missing_only=False)`` (the read, the
validation and the reconciliation). Baseline: ``pandas.read_sql`` of the client and customer tables (the compared
fields) and ``datacompy.PandasCompare`` joined on customer_id with ``ignore_spaces=True`` (smsync strips
surrounding whitespace too), then its ``all_mismatch()`` (the differing rows with both values). Each run is a
fresh interpreter: peak memory is ``ru_maxrss`` of that process. Run:

    .venv/bin/python benchmarks/bench_datacompy.py --clients 100000 --repeat 3
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, alternate, compare, demo_main, measure, run_child

SCRIPT = Path(__file__).resolve()
GOAL = "<= 0.33x, memory <= 1x"


def _smsync(directory: Path) -> dict[str, Any]:
    # the libraries smsync reads with, imported before the clock starts (on both sides): ADBC's own
    # bindings, as smsync uses them (its DBAPI module would import polars too)
    import adbc_driver_manager  # noqa: F401
    import adbc_driver_sqlite  # noqa: F401

    import smsync_core
    import smsync_core.workbench  # smsync's modules, pandas and SQLAlchemy: imported before the clock

    def run() -> dict[str, Any]:
        wb = smsync_core.connect(f"sqlite:///{directory / 'sage.db'}", f"sqlite:///{directory / 'smsturbo.db'}")
        rec = wb.reconcile(missing_only=False)
        # the possible-duplicate hints wait for their first use (bench_suggest.py measures them)
        return {"sage_only": len(rec.unhinted_sage_only), "smsturbo_only": len(rec.smsturbo_only),
                "different": len(rec.different)}

    return measure(run)


def _smsync_dbapi(directory: Path) -> dict[str, Any]:
    import os

    os.environ["SMSYNC_READER"] = "dbapi"
    return _smsync(directory)


def _baseline(directory: Path) -> dict[str, Any]:
    import sqlite3

    import datacompy
    import pandas as pd

    from smsync_core import schema
    from smsync_core.config import Config

    config = Config()
    fields = ["customer_id", *schema.COMPARED_FIELDS]

    def query(columns: Mapping[str, str], table: str) -> str:
        return f'SELECT {", ".join(f"{columns[f]} AS {f}" for f in fields)} FROM "{table}"'

    def run() -> dict[str, Any]:
        with sqlite3.connect(directory / "sage.db") as con:
            sage = pd.read_sql(query(config.sage.columns, config.sage.table), con)
        with sqlite3.connect(directory / "smsturbo.db") as con:
            turbo = pd.read_sql(query(config.smsturbo.columns, config.smsturbo.table), con)
        turbo = turbo[turbo["customer_id"] != schema.TEMPLATE_ID]
        sage = sage[sage["customer_id"].notna()]
        sage["customer_id"] = sage["customer_id"].astype(str)  # a bigint Client Number joins as text, like smsync
        # datacompy joins duplicate keys by row number after sorting; keep one row per ID like a report would
        sage = sage.drop_duplicates("customer_id")
        cmp = datacompy.PandasCompare(sage, turbo, join_columns="customer_id", ignore_spaces=True,
                                      df1_name="sage", df2_name="smsturbo")
        mismatched = cmp.all_mismatch()
        return {"sage_only": len(cmp.df1_unq_rows), "smsturbo_only": len(cmp.df2_unq_rows),
                "different": len(mismatched)}

    return measure(run)


def _fetch(directory: Path) -> dict[str, Any]:
    """The driver's floor: a bare fetchall of the rows smsync reads from both tables (no types, no frame)."""
    import sqlite3

    from smsync_core import schema
    from smsync_core.config import Config
    from smsync_core.targets.smsturbo import TARGET_FIELDS

    config = Config()

    def query(columns: Mapping[str, str], table: str, fields: Sequence[str]) -> str:
        return f'SELECT {", ".join(f"{columns[f]} AS {f}" for f in fields if f in columns)} FROM "{table}"'

    def run() -> dict[str, Any]:
        count = 0
        for name, mapping, fields in (("sage.db", config.sage, schema.FIELDS),
                                      ("smsturbo.db", config.smsturbo, TARGET_FIELDS)):
            con = sqlite3.connect(directory / name)
            count += len(con.execute(query(mapping.columns, mapping.table, fields)).fetchall())
            con.close()
        return {"rows": count}

    return measure(run)


CHILDREN = {"smsync": _smsync, "dbapi": _smsync_dbapi, "baseline": _baseline, "fetch": _fetch}


def run(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table rows for one demo pair in ``directory``: smsync against datacompy, and the driver's floor."""
    ours, theirs, dbapi, fetch = alternate(
        repeat, *(lambda which=which: run_child(SCRIPT, which, str(directory))
                  for which in ("smsync", "baseline", "dbapi", "fetch")))
    counted = ("sage_only", "smsturbo_only", "different")
    assert all(ours[0][k] == dbapi[0][k] for k in counted), (ours[0], dbapi[0])  # both readers, same answer
    note = (f"smsync: {ours[0]['different']:,} different, {ours[0]['sage_only']:,} Sage only; "
            f"datacompy: {theirs[0]['different']:,} mismatched rows, {theirs[0]['sage_only']:,} df1 only")
    return [compare("read + reconcile, all differences", clients, "connect().reconcile(missing_only=False)",
                    "pandas.read_sql + datacompy.PandasCompare + all_mismatch()", ours, theirs, GOAL,
                    memory=True, note=note),
            compare("  smsync through its DBAPI path", clients, "the same with SMSYNC_READER=dbapi",
                    "pandas.read_sql + datacompy (as above)", dbapi, theirs, "", memory=True,
                    note="the reconciliation as any database without an Arrow driver gets it"),
            compare("  floor: bare fetchall of both tables", clients, "sqlite3 fetchall of smsync's two queries",
                    "pandas.read_sql + datacompy (as above)", fetch, theirs, "",
                    note="the least any DBAPI reader pays before comparing anything")]


def main() -> None:
    demo_main(__doc__, CHILDREN, run, repeat=3)


if __name__ == "__main__":
    main()
