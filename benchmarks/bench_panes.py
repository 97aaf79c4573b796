"""Build the two panes, Check All, sort and filter at 100,000 and 1,000,000 rows; print the times next to the
reconciliation's own time on the same data, and the number of widget models created.

The frames are generated in memory in the canonical shapes (no database: this measures the widgets), with exactly
``rows`` rows in the right pane in all-differences mode: 90% new clients, 10% differing (phone), 5% inactive,
1% invalid Client Numbers; the left pane gets a tenth as many SMSTurbo-only customers. The reference is measured
in the same run on the same frames: ``reconcile(...)`` (validation included), and a plain
``DataFrame.sort_values`` of the right pane by name. Machines are shared and noisy, so ratios matter more than
seconds.

    .venv/bin/python benchmarks/bench_panes.py --rows 100000 1000000

``run(directory, clients, repeat)`` (what ``run_all.py`` calls) measures the same steps on a demo pair instead:
in a fresh interpreter per run, the read + reconciliation (all differences) the panes show, then building the two
panes + Check All + one sort (by "Client Status Ref"), and the widget models created. The possible-duplicate hints
the right pane shows are found between the two clocks (on the first use of ``rec.sage_only``): ``bench_suggest.py``
measures them against the reconciliation (issue 17 goal 2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pandas as pd
from ipywidgets.widgets import widget as widget_module

import smsync_core
from smsync_core import schema
from smsync_core.config import Config
from smsync_core.reconcile import reconcile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, compare, measure, report_child, run_child

from smsync_widgets import SyncPanes

TEXT = pd.StringDtype("pyarrow")
FIRST = np.array(["Julie", "Pat", "Alex", "Sam", "Chris", "Morgan", "Lee", "Dana", "Robin", "Terry"])
LAST = np.array(["Smith", "Baker", "Carter", "Dunn", "Evans", "Frost", "Garcia", "Hill", "Irwin", "Jones"])


def _text(values: np.ndarray) -> pd.arrays.ArrowStringArray:
    return pd.array(values.astype(object), dtype=TEXT)


def frames(rows: int, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical Sage clients and SMSTurbo customers giving ``rows`` right-pane rows in all mode."""
    rng = np.random.default_rng(seed)
    update = rows // 10
    new = rows - update
    matched = rows // 10
    n = new + update + matched
    number = np.arange(n) + 100_000
    ids = np.char.add("C", number.astype(str))
    invalid = (rng.random(n) < 0.01) & (np.arange(n) < new)  # only new clients, so the pane has `rows` rows
    ids = np.where(invalid, np.char.add("c ", number.astype(str)), ids)
    sage = pd.DataFrame({"row": np.arange(n)})
    sage["customer_id"] = _text(ids)
    first, last = rng.choice(FIRST, n), rng.choice(LAST, n)
    sage["name"] = _text(np.char.add(np.char.add(first, " "), np.char.add(last, number.astype(str))))
    sage["short_name"] = _text(np.char.upper(last))
    sage["address1"] = _text(np.char.add(rng.integers(1, 9999, n).astype(str), " Main Street"))
    sage["address2"] = pd.array([pd.NA] * n, dtype=TEXT)
    sage["city"] = _text(rng.choice(np.array(["Springfield", "Riverton", "Fairview", "Madison"]), n))
    sage["state"] = _text(rng.choice(np.array(["IL", "WI", "TX", "OH"]), n))
    sage["postal_code"] = _text(rng.integers(10000, 99999, n).astype(str))
    phone = np.char.add("217-555-", np.char.zfill(rng.integers(0, 9999, n).astype(str), 4))
    sage["phone"] = _text(phone)
    sage["fax"] = pd.array([pd.NA] * n, dtype=TEXT)
    sage["mobile"] = _text(phone)
    sage["email"] = _text(np.char.add(np.char.lower(last), "@example.com"))
    sage["contact"] = _text(first)
    sage["status"] = pd.array(np.where(rng.random(n) < 0.05, 6, 3), dtype="Int64")
    sage["inactive"] = False
    # SMSTurbo: the differing and matched clients (valid IDs only), plus customers only in SMSTurbo.
    on_both = np.arange(new, n)
    turbo = sage.iloc[on_both][["customer_id", *schema.COMPARED_FIELDS]].reset_index(drop=True)
    turbo = turbo[~turbo["customer_id"].str.startswith("c ")]
    differs = turbo.index < update
    turbo.loc[differs, "phone"] = "000-000-0000"
    only = rows // 10
    extra = pd.DataFrame({"customer_id": _text(np.char.add("T", np.arange(only).astype(str)))})
    for field in schema.COMPARED_FIELDS:
        extra[field] = _text(np.full(only, f"{field} T"))
    return sage, pd.concat([turbo, extra], ignore_index=True)


def timed(action: Callable[[], Any], repeat: int = 3) -> tuple[tuple[float, float], Any]:
    """Median (wall seconds, CPU seconds) of ``repeat`` runs, and the last value."""
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        value = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (median(walls), median(cpus)), value


def bench(rows: int) -> dict[str, Any]:
    sage, turbo = frames(rows)
    config = Config()
    results: dict[str, Any] = {}
    results["reconcile (reference)"], rec = timed(lambda: reconcile(sage, turbo, config, missing_only=False), 1)
    right = rec.right_pane()
    results["DataFrame.sort_values by name (reference)"] = timed(lambda: right.sort_values("name", kind="stable"))[0]
    results["rows"], results["left_rows"] = len(right), len(rec.left_pane())
    results["build the two panes"] = timed(lambda: SyncPanes(rec))[0]
    models_before = len(widget_module._instances)
    panes = SyncPanes(rec)
    results["widget models created"] = len(widget_module._instances) - models_before
    results["Check All"] = timed(panes.check_all)[0]
    results['sort by "Client Status Ref"'] = timed(lambda: panes.sort_by("status_ref"))[0]
    results["sort by name, descending"] = timed(lambda: panes.sort_by("name", ascending=False))[0]
    starts = iter(range(0, rows, max(1, rows // 7)))

    def scroll() -> Any:
        start = next(starts)
        return panes.right.handle_message({"type": "window", "start": start, "stop": start + 80, "seq": 1})

    results["one scroll window (80 rows)"], reply = timed(scroll, 5)
    results["window reply size (bytes of JSON)"] = len(json.dumps(reply))
    results["first filter (builds the search index)"] = timed(lambda: panes.filter("smith"), 1)[0]
    results["filter, typing on (smith -> smith1)"] = timed(lambda: panes.filter("smith1"), 1)[0]
    results["filter, a new word (searches every row)"] = timed(lambda: panes.filter("riverton"))[0]
    panes.filter("")
    results["selected (frozenset of IDs)"] = timed(lambda: panes.selected)[0]
    results["checked"] = panes.right.checked_count
    return results


def demo_child(directory: Path) -> dict[str, Any]:
    """One run on a demo pair: the reconciliation, then the panes on it (wall seconds of each)."""
    wb = smsync_core.connect(f"sqlite:///{directory / 'sage.db'}", f"sqlite:///{directory / 'smsturbo.db'}")
    holder: dict[str, Any] = {}

    def reconciliation() -> dict[str, Any]:
        holder["rec"] = wb.reconcile(missing_only=False)
        return {}

    rec = measure(reconciliation)
    holder["rec"].sage_only  # noqa: B018  (the possible-duplicate hints: their own figure, bench_suggest.py)
    before = len(widget_module._instances)

    def panes() -> dict[str, Any]:
        built = SyncPanes(holder["rec"])
        built.check_all()
        built.sort_by("status_ref")
        holder["panes"] = built
        return {}

    shown = measure(panes)
    return {"seconds": shown["seconds"], "cpu_seconds": shown["cpu_seconds"], "peak_mib": shown["peak_mib"],
            "reconcile_seconds": rec["seconds"], "reconcile_cpu_seconds": rec["cpu_seconds"],
            "models": len(widget_module._instances) - before, "rows": holder["panes"].right.total_count,
            "checked": holder["panes"].right.checked_count}


def run(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table row: panes (build + Check All + one sort) against the reconciliation they show."""
    runs = [run_child(Path(__file__).resolve(), "panes", str(directory)) for _ in range(repeat)]
    reference = [{"seconds": r["reconcile_seconds"], "cpu_seconds": r["reconcile_cpu_seconds"]} for r in runs]
    return [compare("panes: build + Check All + one sort", clients, "SyncPanes(rec), check_all(), sort_by()",
                    "read + reconcile (all differences), same run", runs, reference, "<= 0.3x",
                    note=f"{runs[0]['rows']:,} rows in the right pane; {runs[0]['models']} widget models")]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        report_child(demo_child(Path(args.child[1])))
        return
    for rows in args.rows:
        out = bench(rows)
        ref_cpu = out["reconcile (reference)"][1]
        print(f"\n{out['rows']:,} rows in the right pane, {out['left_rows']:,} in the left (median of runs)")
        print(f"{'step':<44}{'wall s':>9}{'CPU s':>9}{'CPU x reconcile':>17}")
        for key, value in out.items():
            if key in {"rows", "left_rows"}:
                continue
            if isinstance(value, tuple):
                wall, cpu = value
                print(f"{key:<44}{wall:>9.3f}{cpu:>9.3f}{cpu / ref_cpu:>17.4f}")
            else:
                print(f"{key:<44}{value:>9,}")


if __name__ == "__main__":
    main()
