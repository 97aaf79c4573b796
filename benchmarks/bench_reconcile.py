"""Read + validate + reconcile a demo pair of N clients; print time and peak memory next to a reference.

The reference is measured in the same process on the same files: a bare DBAPI ``fetchall`` of the Sage and
SMSTurbo tables (what any tool has to pay just to get the rows). Figures are reported as ratios because the
machines are shared and noisy.

    .venv/bin/python benchmarks/bench_reconcile.py --clients 1000000
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from common import peak_mib  # VmHWM: a child would inherit ru_maxrss from a large parent


def measure(directory: Path, stage: str) -> dict[str, float]:
    """Run one stage in this process (called in a fresh subprocess so peak memory is the stage's own)."""
    import smsync_core
    import smsync_core.workbench  # smsync's modules, pandas and SQLAlchemy: imported before the clock

    sage, target = directory / "sage.db", directory / "smsturbo.db"
    start = time.perf_counter()
    if stage == "fetchall":
        for path, table in ((sage, "reccln"), (target, '"Customer"')):
            con = sqlite3.connect(path)
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
            con.close()
            del rows
    else:
        wb = smsync_core.connect(f"sqlite:///{sage}", f"sqlite:///{target}")
        wb.sage_clients()
        wb.smsturbo_customers()
        read = time.perf_counter() - start
        wb.check()
        rec = wb.reconcile(missing_only=stage == "missing-only")
        total = time.perf_counter() - start
        return {"seconds": total, "read_seconds": read, "peak_mib": peak_mib(),
                "sage_only": len(rec.unhinted_sage_only)}
    return {"seconds": time.perf_counter() - start, "peak_mib": peak_mib()}


def run_stage(directory: Path, stage: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--dir", str(directory)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(measure(args.dir, args.stage)))
        return
    from smsync_core.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        build_demo(Path(tmp), clients=args.clients)
        print(f"demo pair of {args.clients:,} clients built in {time.perf_counter() - started:.1f} s")
        results: dict[str, list[dict[str, float]]] = {"fetchall": [], "missing-only": [], "all": []}
        for _ in range(args.repeat):
            for stage in results:
                results[stage].append(run_stage(Path(tmp), stage))
    ref_s = median(r["seconds"] for r in results["fetchall"])
    ref_m = median(r["peak_mib"] for r in results["fetchall"])
    print(f"{'stage':<40}{'median s':>10}{'x fetchall':>12}{'peak MiB':>10}{'x fetchall':>12}")
    print(f"{'bare DBAPI fetchall (reference)':<40}{ref_s:>10.2f}{1:>12.2f}{ref_m:>10.0f}{1:>12.2f}")
    for stage, label in (("missing-only", "read + check + reconcile (missing only)"),
                         ("all", "read + check + reconcile (all differences)")):
        s = median(r["seconds"] for r in results[stage])
        m = median(r["peak_mib"] for r in results[stage])
        print(f"{label:<40}{s:>10.2f}{s / ref_s:>12.2f}{m:>10.0f}{m / ref_m:>12.2f}")
        read = median(r["read_seconds"] for r in results[stage])
        print(f"{'  of which reading both tables':<40}{read:>10.2f}{read / ref_s:>12.2f}")


if __name__ == "__main__":
    main()
