"""``make bench``: every benchmark in one run, one table (printed, and written to ``benchmarks/results/``).

For each size (clients per side; 100,000 and 1,000,000, or 10,000 and 100,000 with ``--quick``) a demo pair is
built once and measured: read + full reconciliation against pandas.read_sql + datacompy (wall and peak memory),
against polars + connectorx, DuckDB over ADBC Arrow (their answers checked equal to smsync's) and the bare ADBC
reads; smsync's read of the client table against a bare DBAPI fetchall; and the panes against the reconciliation
they show, and the possible-duplicate hints (found on the first use of the Sage-only clients) against that
reconciliation. Then the
import of 100,000 new customers (10,000 with ``--quick``) against a bare executemany on SQLite and
on PostgreSQL (a database created and dropped here; ``--no-postgres`` without a server), and a papermill run of
``notebooks/reconcile.ipynb`` on the demo against one of an empty notebook, and ``suggest`` on 100,000 x 100,000
unpartnered customers (10,000 with ``--quick``) against its 10 s goal, and ``smsync --help``, ``smsync diff``,
``smsync run notebooks/reconcile.ipynb`` and the page's first step against their goals (issue 17 goal 3). Every
figure is the median of ``--repeat`` runs (``--large-repeat`` at 1,000,000), smsync and its baseline alternating in
the same run.

    .venv/bin/python benchmarks/run_all.py [--quick] [--repeat 5] [--large-repeat 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_datacompy
import bench_import
import bench_notebook
import bench_panes
import bench_peers
import bench_read
import bench_startup
import bench_suggest
from common import Row, machine, markdown, text_table, write_table

from smsync_core.demo import build_demo


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 clients; import 10,000")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--large-repeat", type=int, default=3, help="runs per figure at 1,000,000 (default 3)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL import")
    parser.add_argument("--postgres", default=bench_import.POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--only", nargs="+", help="run only these benchmarks",
                        choices=["reconcile", "peers", "read", "panes", "hints", "import", "notebook", "suggest",
                                 "startup"])
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    import_rows = 10_000 if args.quick else 100_000
    wanted = set(args.only or ["reconcile", "peers", "read", "panes", "hints", "import", "notebook", "suggest",
                               "startup"])
    rows: list[Row] = []
    stem = "bench-quick" if args.quick else "bench"
    started = time.perf_counter()
    per_size: list[tuple[str, Callable[[Path, int, int], list[Row]]]] = [
        ("reconcile", bench_datacompy.run), ("peers", bench_peers.run), ("read", bench_read.run),
        ("panes", bench_panes.run), ("hints", bench_suggest.run_hints)]
    with tempfile.TemporaryDirectory(prefix="smsync-bench-") as tmp:
        base = Path(tmp)
        for clients in sizes:
            if not wanted & {name for name, _ in per_size}:
                break
            repeat = args.large_repeat if clients >= 1_000_000 else args.repeat
            directory = base / f"demo-{clients}"
            _say(f"building a demo pair of {clients:,} clients")
            build_demo(directory, clients=clients)
            for name, bench in per_size:
                if name in wanted:
                    _say(f"{name}, {clients:,} clients, {repeat} runs")
                    rows += bench(directory, clients, repeat)
                    write_table(rows, machine(), stem)  # what is measured so far survives a failure
        if "import" in wanted:
            _say(f"import of {import_rows:,} new customers, {args.repeat} runs")
            (base / "import").mkdir()
            rows += bench_import.run(base / "import", import_rows, min(args.repeat, 3) if not args.quick
                                     else args.repeat, None if args.no_postgres else args.postgres)
        if "notebook" in wanted:
            _say(f"papermill, {args.repeat} runs")
            directory = base / "notebook"
            build_demo(directory)
            rows += bench_notebook.run(directory, 300, args.repeat)
        if "suggest" in wanted:
            per_side = 10_000 if args.quick else 100_000
            _say(f"suggest, {per_side:,} x {per_side:,} unpartnered customers, {min(args.repeat, 3)} runs")
            rows += bench_suggest.run_suggest(per_side, min(args.repeat, 3))
        if "startup" in wanted:
            _say(f"start-up: smsync --help, diff, run and the page's first step, {args.repeat} runs")
            directory = base / "startup"
            build_demo(directory)
            rows += bench_startup.run(directory, args.repeat)
    info = machine()
    csv_path, md_path = write_table(rows, info, stem)
    print(text_table(rows))
    print()
    print(markdown(rows, info))
    _say(f"done in {time.perf_counter() - started:.0f} s; written {csv_path} and {md_path}")


if __name__ == "__main__":
    main()
