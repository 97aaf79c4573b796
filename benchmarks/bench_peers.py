"""Read + reconcile (all differences) of a demo pair: smsync against polars + connectorx and DuckDB, and the floor.

Each contender starts from the same two SQLite files and ends with the same answer: the IDs only in Sage (every
Sage row whose ID SMSTurbo lacks), only in SMSTurbo (the ``ZZDEFAULT`` template left out), the IDs on both sides
whose compared fields differ with the differing fields and both values (NULL -> "" and surrounding whitespace
stripped, otherwise exact; a Sage ID held by several rows: the first differing row per field), and the IDs that
match. The ID join is exact; IDs are compared as plain decimal text.

- smsync: ``connect(sage, smsturbo).reconcile(missing_only=False)``, exactly as ``bench_datacompy.py`` calls it:
  both tables read (at the same time, through ADBC), the housekeeping validation (``reconcile`` runs
  ``wb.check()`` itself, after the parallel read), the reconciliation.
- polars + connectorx: both tables read by ``connectorx.read_sql(..., return_type="arrow")`` in two threads, the
  same job as one lazy polars query (``collect_all``), no validation.
- DuckDB: both tables read by ADBC SQLite into Arrow in two threads (DuckDB's own sqlite extension is a download),
  the same job in DuckDB SQL over the Arrow tables, the answers fetched as Arrow.
- floor: the two ADBC reads alone, in two threads: smsync's own two SELECTs (every mapped column), nothing else.

Every run is a fresh interpreter, contenders alternating; libraries are imported before the clock starts. The
first run of each contender writes its answer (outside the clock) and the answers are compared row for row with
smsync's: any difference fails the benchmark, naming what differs. Run:

    .venv/bin/python benchmarks/bench_peers.py --clients 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Measurement, Row, alternate, compare, measure, report_child, run_child, text_table

SCRIPT = Path(__file__).resolve()
TEMPLATE_ID = "ZZDEFAULT"  # the SMSTurbo template customer (DESIGN.md), never a customer
#: Unicode's White_Space characters: what "surrounding whitespace" means to Arrow's and polars' trim; DuckDB's
#: ``trim`` strips only spaces unless given the characters.
WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
             "\u2028\u2029\u202f\u205f\u3000"
#: The answer every contender writes: name -> its columns.
ANSWER = {"sage_only": ("customer_id",), "smsturbo_only": ("customer_id",), "matched": ("customer_id",),
          "differences": ("customer_id", "field", "sage", "smsturbo")}
CONTENDERS = ("smsync", "polars", "duckdb", "floor")
GOAL_PEER, GOAL_FLOOR = "<= 0.9x", "<= 2.0x"
GOAL_SIZE = 100_000  # the goals are for 100,000 clients and more (issue 17)


# --- what each side reads ------------------------------------------------------------------------------------

def _mapping() -> tuple[Any, list[str]]:
    """smsync's default configuration and the compared fields SMSTurbo maps (the fields smsync compares)."""
    import smsync_core

    config = smsync_core.Config()
    return config, [f for f in config.smsturbo.columns if f != "customer_id"]


def _select(columns: Mapping[str, str], table: str, fields: Iterable[str]) -> str:
    return f'SELECT {", ".join(f"{columns[f]} AS {f}" for f in fields if f in columns)} FROM "{table}"'


def peer_queries() -> tuple[str, str, list[str]]:
    """The peers' SELECTs of Sage and SMSTurbo (customer_id + the compared fields) and the compared fields."""
    config, compared = _mapping()
    fields = ["customer_id", *compared]
    return (_select(config.sage.columns, config.sage.table, fields),
            _select(config.smsturbo.columns, config.smsturbo.table, fields), compared)


def smsync_queries() -> tuple[str, str]:
    """The SELECTs smsync sends: every mapped column of each side (Sage's status and flags feed validation)."""
    config, _ = _mapping()
    return (_select(config.sage.columns, config.sage.table, config.sage.columns),
            _select(config.smsturbo.columns, config.smsturbo.table, config.smsturbo.columns))


def _adbc_read(path: Path, sql: str) -> Any:
    """One table through ADBC SQLite into Arrow, read only, in batches as large as smsync's."""
    from contextlib import closing

    import adbc_driver_sqlite.dbapi as adbc_sqlite

    with closing(adbc_sqlite.connect(f"file:{path}?mode=ro")) as conn, closing(conn.cursor()) as cursor:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(1 << 20)})
        cursor.execute(sql)
        return cursor.fetch_arrow_table()


def _both(read: Callable[[Path, str], Any], directory: Path, sage_sql: str, turbo_sql: str) -> tuple[Any, Any]:
    """Read the two tables at the same time, one thread each."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        sage = pool.submit(read, directory / "sage.db", sage_sql)
        turbo = pool.submit(read, directory / "smsturbo.db", turbo_sql)
        return sage.result(), turbo.result()


# --- the contenders (each in its own process) ------------------------------------------------------------------

def _smsync(directory: Path, out: Path | None) -> Measurement:
    # the libraries smsync reads with, imported before the clock starts (on all sides): ADBC's own
    # bindings, as smsync uses them (its DBAPI module would import polars too)
    import adbc_driver_manager  # noqa: F401
    import adbc_driver_sqlite  # noqa: F401
    import pyarrow as pa

    import smsync_core
    import smsync_core.workbench  # smsync's modules, pandas and SQLAlchemy: imported before the clock

    config, _ = _mapping()
    done: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        wb = smsync_core.connect(f"sqlite:///{directory / 'sage.db'}", f"sqlite:///{directory / 'smsturbo.db'}",
                                 config)
        done["rec"] = rec = wb.reconcile(missing_only=False)
        # the job the peers do: the possible-duplicate hints (found on first use of rec.sage_only) are goal 2's,
        # measured by bench_suggest.py; the answer below reads rec.sage_only, with them, after the clock
        return {"sage_only": len(rec.unhinted_sage_only), "smsturbo_only": len(rec.smsturbo_only),
                "different": len(rec.different), "matched": len(rec.matched)}

    result = measure(run)
    if out is not None:
        rec = done["rec"]
        tables = {name: pa.table({"customer_id": pa.array(getattr(rec, name)["customer_id"].array, pa.string())})
                  for name in ("sage_only", "smsturbo_only", "matched")}
        tables["differences"] = pa.Table.from_pandas(rec.differences[list(ANSWER["differences"])],
                                                     preserve_index=False)
        tables["different"] = pa.table({"customer_id": pa.array(rec.different["customer_id"].array, pa.string()),
                                        "fields": pa.array([list(f) for f in rec.different["fields"]],
                                                           pa.list_(pa.string()))})
        _write(out, tables)
    return result


def _polars(directory: Path, out: Path | None) -> Measurement:
    import connectorx as cx
    import polars as pl
    import pyarrow  # noqa: F401  (connectorx's Arrow answer)

    sage_sql, turbo_sql, compared = peer_queries()
    done: dict[str, Any] = {}

    def read(path: Path, sql: str) -> Any:
        return cx.read_sql(f"sqlite://{path}", sql, return_type="arrow")

    def norm(name: str) -> pl.Expr:
        return pl.col(name).fill_null("").str.strip_chars()

    def run() -> dict[str, Any]:
        sage_arrow, turbo_arrow = _both(read, directory, sage_sql, turbo_sql)
        ids = pl.col("customer_id").cast(pl.String)
        sage = pl.from_arrow(sage_arrow).lazy().with_columns(ids).with_row_index("row")
        turbo = pl.from_arrow(turbo_arrow).lazy().with_columns(ids).filter(pl.col("customer_id") != TEMPLATE_ID)
        pairs = sage.join(turbo, on="customer_id", how="inner", suffix="_t")
        long = pl.concat([
            pairs.filter(pl.col(f).ne_missing(pl.col(f"{f}_t")))
            .select("row", "customer_id", pl.lit(f).alias("field"), norm(f).alias("sage"),
                    norm(f"{f}_t").alias("smsturbo"))
            .filter(pl.col("sage") != pl.col("smsturbo"))
            for f in compared])
        differences = (long.filter(pl.col("row") == pl.col("row").min().over("customer_id", "field"))
                       .select(*ANSWER["differences"]))
        sage_ids, turbo_ids = sage.select("customer_id"), turbo.select("customer_id")
        answer = pl.collect_all([
            sage_ids.join(turbo_ids, on="customer_id", how="anti"),
            turbo_ids.join(sage_ids, on="customer_id", how="anti"),
            turbo_ids.join(sage_ids, on="customer_id", how="semi").join(differences, on="customer_id", how="anti"),
            differences])
        done.update(zip(ANSWER, answer, strict=True))
        return {"sage_only": len(answer[0]), "smsturbo_only": len(answer[1]),
                "different": answer[3]["customer_id"].n_unique(), "matched": len(answer[2])}

    result = measure(run)
    if out is not None:
        _write(out, {name: frame.to_arrow() for name, frame in done.items()})
    return result


def duckdb_statements(compared: Sequence[str]) -> list[str]:
    """The DuckDB job over the registered Arrow tables ``sage_read`` (with ``source_row``) and ``turbo_read``.

    The ID pairs whose fields are not all exactly equal are joined once (``pairs``); each field's normalised values
    are compared only there, and a Sage ID on several rows keeps its first row's values per field.
    """
    as_text = "SELECT * REPLACE (CAST(customer_id AS VARCHAR) AS customer_id) FROM"
    pairs = ", ".join(f"s.{f} AS s_{f}, t.{f} AS t_{f}" for f in compared)
    unequal = " OR ".join(f"s.{f} IS DISTINCT FROM t.{f}" for f in compared)
    per_field = " UNION ALL ".join(
        f"SELECT source_row, customer_id, '{f}' AS field, trim(coalesce(s_{f}, ''), $ws) AS sage, "
        f"trim(coalesce(t_{f}, ''), $ws) AS smsturbo FROM pairs WHERE s_{f} IS DISTINCT FROM t_{f}"
        for f in compared)
    return [
        f"CREATE TEMP VIEW sage AS {as_text} sage_read",
        f"CREATE TEMP VIEW turbo AS {as_text} turbo_read WHERE CAST(customer_id AS VARCHAR) <> '{TEMPLATE_ID}'",
        f"CREATE TEMP TABLE pairs AS SELECT source_row, customer_id, {pairs} "
        f"FROM sage s JOIN turbo t USING (customer_id) WHERE {unequal}",
        f"CREATE TEMP TABLE differences AS SELECT customer_id, field, sage, smsturbo FROM ({per_field}) "
        "WHERE sage <> smsturbo QUALIFY source_row = min(source_row) OVER (PARTITION BY customer_id, field)",
    ]


#: The answer's tables from DuckDB, after :func:`duckdb_statements`.
DUCKDB_ANSWER = {
    "sage_only": "SELECT customer_id FROM sage ANTI JOIN turbo USING (customer_id)",
    "smsturbo_only": "SELECT customer_id FROM turbo ANTI JOIN sage USING (customer_id)",
    "matched": "SELECT customer_id FROM turbo SEMI JOIN sage USING (customer_id) "
               "ANTI JOIN differences USING (customer_id)",
    "differences": "SELECT * FROM differences",
}


def _duckdb(directory: Path, out: Path | None) -> Measurement:
    import adbc_driver_sqlite.dbapi  # noqa: F401
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    sage_sql, turbo_sql, compared = peer_queries()
    statements = duckdb_statements(compared)
    done: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        sage_arrow, turbo_arrow = _both(_adbc_read, directory, sage_sql, turbo_sql)
        sage_arrow = sage_arrow.append_column("source_row", pa.array(np.arange(sage_arrow.num_rows)))
        with duckdb.connect() as con:
            con.register("sage_read", sage_arrow)
            con.register("turbo_read", turbo_arrow)
            for sql in statements:
                con.execute(sql, {"ws": WHITESPACE} if "$ws" in sql else None)
            done.update({name: con.sql(sql).to_arrow_table() for name, sql in DUCKDB_ANSWER.items()})
        return {"sage_only": done["sage_only"].num_rows, "smsturbo_only": done["smsturbo_only"].num_rows,
                "different": pc.count_distinct(done["differences"].column("customer_id")).as_py(),
                "matched": done["matched"].num_rows}

    result = measure(run)
    if out is not None:
        _write(out, done)
    return result


def _floor(directory: Path, out: Path | None) -> Measurement:
    import adbc_driver_sqlite.dbapi  # noqa: F401
    import pyarrow  # noqa: F401

    sage_sql, turbo_sql = smsync_queries()

    def run() -> dict[str, Any]:
        sage, turbo = _both(_adbc_read, directory, sage_sql, turbo_sql)
        return {"rows": sage.num_rows + turbo.num_rows}

    return measure(run)


CHILDREN: dict[str, Callable[[Path, Path | None], Measurement]] = {
    "smsync": _smsync, "polars": _polars, "duckdb": _duckdb, "floor": _floor}


# --- the answers compared --------------------------------------------------------------------------------------

def _write(out: Path, tables: Mapping[str, Any]) -> None:
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")


def _read(out: Path, name: str) -> list[tuple[Any, ...]]:
    import pyarrow.parquet as pq

    table = pq.read_table(out / f"{name}.parquet")
    columns = list(ANSWER.get(name, table.column_names))
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def _fields_by_id(differences: Iterable[tuple[Any, ...]]) -> Counter[tuple[Any, frozenset[str]]]:
    by_id: dict[Any, set[str]] = {}
    for cid, field, *_ in differences:
        by_id.setdefault(cid, set()).add(field)
    return Counter((cid, frozenset(fields)) for cid, fields in by_id.items())


def _differ(what: str, ours: Counter[Any], theirs: Counter[Any], peer: str) -> list[str]:
    if ours == theirs:
        return []
    only_ours, only_theirs = ours - theirs, theirs - ours
    return [f"{what}: {sum(ours.values()):,} from smsync, {sum(theirs.values()):,} from {peer}; "
            f"{sum(only_ours.values()):,} only smsync's (e.g. {sorted(only_ours, key=repr)[:3]}), "
            f"{sum(only_theirs.values()):,} only {peer}'s (e.g. {sorted(only_theirs, key=repr)[:3]})"]


def check_answers(smsync_out: Path, peer_out: Path, peer: str) -> list[str]:
    """What differs between smsync's answer and a peer's, row for row (as multisets); empty when they agree."""
    problems: list[str] = []
    for name in ANSWER:
        problems += _differ(name, Counter(_read(smsync_out, name)), Counter(_read(peer_out, name)), peer)
    ours = Counter((cid, frozenset(fields)) for cid, fields in _read(smsync_out, "different"))
    problems += _differ("different (IDs and their differing fields)", ours,
                        _fields_by_id(_read(peer_out, "differences")), peer)
    if not problems:  # smsync's own two views of the differences agree too
        problems += _differ("smsync's different against its differences", ours,
                            _fields_by_id(_read(smsync_out, "differences")), "its differences")
    return problems


# --- the table ---------------------------------------------------------------------------------------------------

def run(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table rows for the demo pair in ``directory``: smsync against polars, DuckDB and the floor.

    Raises SystemExit (non-zero) naming what differs when a peer's answer is not smsync's.
    """
    with tempfile.TemporaryDirectory(prefix="smsync-peers-") as tmp:
        answers = Path(tmp)

        def child(which: str) -> Callable[[], Measurement]:
            def once() -> Measurement:
                out = answers / which
                return run_child(SCRIPT, which, str(directory), "" if out.exists() or which == "floor" else str(out))
            return once

        ours, polars_runs, duck_runs, floor_runs = alternate(repeat, *(child(which) for which in CONTENDERS))
        problems = [*check_answers(answers / "smsync", answers / "polars", "polars"),
                    *check_answers(answers / "smsync", answers / "duckdb", "duckdb")]
    if problems:
        raise SystemExit(f"bench_peers, {clients:,} clients: the peers' answers differ from smsync's:\n  "
                         + "\n  ".join(problems))
    counts = ours[0]
    peer_goal, floor_goal = (GOAL_PEER, GOAL_FLOOR) if clients >= GOAL_SIZE else ("", "")
    note = (f"same answer: {counts['sage_only']:,} Sage only, {counts['smsturbo_only']:,} SMSTurbo only, "
            f"{counts['different']:,} different, {counts['matched']:,} matched")
    return [compare("read + reconcile vs polars", clients, "connect().reconcile(missing_only=False)",
                    "connectorx (2 threads) + polars lazy query", ours, polars_runs,
                    f"{peer_goal}, memory <= 1x" if peer_goal else "",
                    memory=True, note=note),
            compare("read + reconcile vs DuckDB", clients, "connect().reconcile(missing_only=False)",
                    "ADBC SQLite -> Arrow (2 threads) + DuckDB SQL", ours, duck_runs, peer_goal, memory=True,
                    note="no validation on either peer; smsync also runs the ten housekeeping rules"),
            compare("  floor: ADBC reads of both tables", clients, "connect().reconcile(missing_only=False)",
                    "ADBC fetch_arrow_table of smsync's two SELECTs, 2 threads", ours, floor_runs, floor_goal,
                    memory=True, note="the least an Arrow reader pays before comparing anything")]


def goals(rows: Sequence[Row]) -> str:
    """One line per figure: the seconds and memory of both sides, and whether its goal (if any) is met."""
    lines = []
    for row in rows:
        line = (f"{row.figure.strip()} ({row.clients:,}): smsync {row.smsync_s:.2f} s, {row.smsync_mib or 0:,.0f} "
                f"MiB; peer {row.baseline_s:.2f} s, {row.baseline_mib or 0:,.0f} MiB; smsync/peer {row.ratio:.2f} "
                f"(CPU {row.cpu_ratio or 0:.2f}, memory {row.memory_ratio or 0:.2f})")
        if row.goal:
            line += f"; goal {row.goal}: {'met' if row.met == 'yes' else 'not met'}"
        lines.append(line)
    return "\n".join(lines)


def _build_demo(directory: Path, clients: int) -> None:
    try:
        from smsync_core.demo import build_demo
    except ImportError:  # while smsync_core moves into subpackages
        from smsync_core.demo import build_demo
    build_demo(directory, clients=clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo", type=Path, help="a demo pair already built (sage.db, smsturbo.db) of --clients")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, directory, out = args.child
        report_child(CHILDREN[which](Path(directory), Path(out) if out else None))
        return
    if args.demo:
        rows = run(args.demo.resolve(), args.clients, args.repeat)
    else:
        with tempfile.TemporaryDirectory(prefix="smsync-bench-") as tmp:
            _build_demo(Path(tmp), args.clients)
            rows = run(Path(tmp), args.clients, args.repeat)
    print(text_table(rows))
    print()
    print(goals(rows))


if __name__ == "__main__":
    main()
