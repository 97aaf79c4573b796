"""Benchmark of :func:`smsync_core.suggest.suggest` on synthetic unpartnered customers, and of the possible-duplicate
hints that the panes and `diff` show with a reconciliation (issue 17 goal 2).

Each size runs in its own subprocess so that peak memory belongs to that size alone. The reference figures,
measured in the same process on the same data, are the time to build the two frames and the time of an exact-ID
merge of them (what reconciliation does), so the result reads as a ratio.

    python benchmarks/bench_suggest.py [SIZE ...]            # suggest, SIZE x SIZE (default 10000 100000)
    python benchmarks/bench_suggest.py --clients N --repeat R   # the hints inside read + validate + reconcile

The hints (the suggestion engine over the Sage-only x SMSTurbo-only rows) are found on the first use of
``rec.sage_only``, after ``reconcile()``; a fresh interpreter per run times read + validate + reconcile (all
differences), then that first use: the figure is hints / reconciliation. ``run_all.py`` gives both goals: the hints
<= 0.25x at 1,000,000 clients, ``suggest`` on 100,000 x 100,000 <= 10 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Measurement, Row, compare, demo_main, measure, peak_mib, run_child

from smsync_core.suggest.engine import suggest

#: Issue 17 goal 2: suggest on 100,000 x 100,000 unpartnered customers within this many seconds.
SUGGEST_GOAL_S = 10.0


def _words(text: str) -> npt.NDArray[np.str_]:
    """The words of ``text`` as an array."""
    return np.array(text.split())


SURNAMES = _words(
    "Smith Johnson Garcia Miller Davis Martinez Lopez Wilson Anderson Taylor Thomas Moore Jackson Martin Lee "
    "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker "
    "Nelson Carter Mitchell Perez Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris "
    "Rogers Reed Cook Morgan Bell Murphy Bailey Rivera Cooper Richardson Cox Howard Ward Torres Peterson Gray "
    "Ramirez James Watson Brooks Kelly Sanders Price Bennett Wood Barnes Ross Henderson Coleman Jenkins Perry "
    "Powell Long Patterson Hughes Flores Washington Butler Simmons Foster Gonzales Bryant Alexander Russell"
)
PLACES = _words(
    "Rocky Mountain Front Range Mile High Summit Alpine Evergreen Aspen Cedar Pine Eagle Golden Silver "
    "Blue Sky Red Rock Canyon Prairie Valley River Lake Peak Ridge Highland Timberline Crestview"
)
TRADES = _words(
    "Construction Construction Construction Roofing Plumbing Electric Paving Concrete Excavating Landscaping "
    "Builders Homes Masonry Drywall Painting Flooring Mechanical Services"
)
SUFFIXES = np.array(["Inc", "LLC", "Co", "Corp", "", "", ""])
STREETS = _words("Main Colfax Elm Oak Broadway Federal Wadsworth Kipling Alameda Hampden Pearl Walnut")


def _customers(rng: np.random.Generator, n: int, start: int) -> pd.DataFrame:
    """``n`` synthetic customers: common trade words, 300 postal codes of very uneven size, 10-digit phones."""
    first = np.where(rng.random(n) < 0.5, rng.choice(SURNAMES, n), rng.choice(PLACES, n))
    # A distinctive word (a number-like brand) for most names, so that names are not all alike.
    brand = np.char.add(rng.choice(SURNAMES, n), rng.integers(0, 500, n).astype(str))
    name = (
        pd.Series(first, dtype="string")
        + " "
        + pd.Series(brand, dtype="string")
        + " "
        + rng.choice(TRADES, n)
        + " "
        + rng.choice(SUFFIXES, n)
    )
    postal = 80000 + (rng.zipf(1.3, n) % 300)
    phone = rng.integers(2_000_000_000, 9_999_999_999, n).astype(str)
    street = pd.Series(rng.integers(1, 20000, n).astype(str)) + " " + rng.choice(STREETS, n) + " St"
    return pd.DataFrame(
        {
            "customer_id": pd.Series(np.arange(start, start + n).astype(str)),
            "name": name.str.strip(),
            "address1": street,
            "address2": pd.NA,
            "city": "Denver",
            "state": "CO",
            "postal_code": pd.Series(postal.astype(str)),
            "phone": pd.Series(phone),
            "fax": pd.NA,
            "mobile": pd.NA,
            "email": pd.NA,
            "contact": pd.NA,
        }
    ).astype("string")


def build(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sage clients and SMSTurbo customers, ``n`` each, none partnered by ID.

    Half the SMSTurbo side are re-typed copies of Sage clients: a new ID, the name upper-cased (a third also
    lose their last word, a fifth get one letter dropped), the phone reformatted (a third have no phone) and
    a fifth without postal code. The other half are customers of their own built from the same words.
    """
    rng = np.random.default_rng(n)
    sage = _customers(rng, n, 100_000)
    copies = sage.sample(n // 2, random_state=1).reset_index(drop=True)
    size = len(copies)
    copies["customer_id"] = "C" + copies["customer_id"]
    name = copies["name"].str.upper()
    name = name.where(rng.random(size) > 0.33, name.str.replace(r"\s+\S+$", "", regex=True))
    cut = pd.Series(rng.integers(2, 8, size))
    typo = pd.Series([s[:c] + s[c + 1 :] for s, c in zip(name, cut, strict=True)], dtype="string")
    copies["name"] = name.where(rng.random(size) > 0.2, typo)
    phone = copies["phone"]
    phone = phone.str.slice(0, 3) + "-" + phone.str.slice(3, 6) + "-" + phone.str.slice(6)
    copies["phone"] = phone.where(rng.random(size) > 0.33, pd.NA)
    copies["postal_code"] = copies["postal_code"].where(rng.random(size) > 0.2, pd.NA)
    others = _customers(rng, n - n // 2, 10_000_000)
    others["customer_id"] = "N" + others["customer_id"]
    smsturbo = pd.concat([copies, others], ignore_index=True)
    sage.insert(0, "row", np.arange(n))
    return sage, smsturbo


def measure_suggest(n: int) -> dict[str, float]:
    """Time building, an exact-ID merge and ``suggest`` for ``n`` per side; peak memory of this process."""
    started = time.perf_counter()
    sage, smsturbo = build(n)
    built = time.perf_counter() - started
    started = time.perf_counter()
    sage.merge(smsturbo, on="customer_id", how="outer", indicator=True)
    merged = time.perf_counter() - started
    pairs: list[int] = []
    started, cpu = time.perf_counter(), time.process_time()
    result = suggest(sage, smsturbo, progress=lambda done, total: pairs.append(total))
    took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
    top = result[(result["direction"] == "smsturbo->sage") & (result["rank"] == 1)]
    found = len(top)
    right = int((top["smsturbo_id"].str.slice(1) == top["sage_id"]).sum())
    return {"n": n, "build_s": built, "merge_s": merged, "suggest_s": took, "suggest_cpu_s": took_cpu,
            "pairs": pairs[-1] if pairs else 0, "rows": len(result), "copies_found": found, "copies_right": right,
            "peak_mib": peak_mib()}  # fmt: skip


def _suggest_child(n: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True)
    measured: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return measured


def run_suggest(n: int, repeat: int) -> list[Row]:
    """The table row of goal 2's second half: ``suggest`` on ``n`` x ``n`` (a fresh interpreter per run)."""
    runs = [_suggest_child(n) for _ in range(repeat)]
    ours = [{"seconds": m["suggest_s"], "cpu_seconds": m["suggest_cpu_s"]} for m in runs]
    first, copies = runs[0], n // 2
    note = (f"{first['pairs']:,.0f} candidate pairs; recall {first['copies_right'] / copies:.3f}, precision "
            f"{first['copies_right'] / max(first['copies_found'], 1):.3f} of the re-typed copies")  # fmt: skip
    return [compare("suggest, unpartnered customers per side", n, "suggest(sage, smsturbo)",
                    f"goal: {SUGGEST_GOAL_S:.0f} s", ours, [{"seconds": SUGGEST_GOAL_S}] * repeat,
                    f"<= 1x ({SUGGEST_GOAL_S:.0f} s)", note=note)]  # fmt: skip


def hints_child(directory: Path) -> Measurement:
    """One run on a demo pair: read + validate + reconcile (all differences), then the hints that the first use of
    ``rec.sage_only`` finds (what the panes and ``diff`` ask for next), each timed."""
    import smsync_core
    import smsync_core.workbench  # smsync's modules, pandas and SQLAlchemy: imported before the clock

    wb = smsync_core.connect(f"sqlite:///{directory / 'sage.db'}", f"sqlite:///{directory / 'smsturbo.db'}")
    holder: dict[str, Any] = {}
    whole = measure(lambda: holder.update(rec=wb.reconcile(missing_only=False)))
    rec = holder["rec"]
    def hints() -> None:
        rec.sage_only  # noqa: B018  (the first use finds the hints)

    spent = measure(hints)
    return {"seconds": spent["seconds"], "cpu_seconds": spent["cpu_seconds"], "peak_mib": spent["peak_mib"],
            "rest_seconds": whole["seconds"], "rest_cpu_seconds": whole["cpu_seconds"],
            "sage_only": len(rec.sage_only), "smsturbo_only": len(rec.smsturbo_only),
            "hinted": int(rec.sage_only["possible_match"].notna().sum())}


def run_hints(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table row of goal 2's first half: the hints against the rest of the reconciliation, same runs."""
    runs = [run_child(Path(__file__).resolve(), "hints", str(directory)) for _ in range(repeat)]
    rest = [{"seconds": r["rest_seconds"], "cpu_seconds": r["rest_cpu_seconds"]} for r in runs]
    first = runs[0]
    note = (f"{first['sage_only']:,} Sage-only x {first['smsturbo_only']:,} SMSTurbo-only rows; "
            f"{first['hinted']:,} hinted")  # fmt: skip
    return [compare("possible-duplicate hints", clients, "first use of rec.sage_only (the suggestion engine)",
                    "read + validate + reconcile (all differences), same run", runs, rest, "<= 0.25x",
                    note=note)]  # fmt: skip


def main(argv: list[str]) -> None:
    """Run every size in a subprocess and print one line per size (or, with ``--clients``, the hints)."""
    if argv[:1] == ["--one"]:
        print(json.dumps(measure_suggest(int(argv[1]))))
        return
    if argv[:1] in (["--clients"], ["--repeat"], ["--child"]):
        demo_main(__doc__, {"hints": hints_child}, run_hints, repeat=3)
        return
    if any(a in ("-h", "--help") for a in argv) or not all(a.isdigit() for a in argv):
        print(__doc__)
        sys.exit(0 if any(a in ("-h", "--help") for a in argv) else 2)
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print(f"{'per side':>9} {'pairs':>10} {'suggest s':>10} {'build s':>8} {'merge s':>8} "
          f"{'x build':>8} {'x merge':>8} {'peak MiB':>9} {'recall':>7} {'precision':>9}")  # fmt: skip
    for n in sizes:
        m = _suggest_child(n)
        copies = m["n"] // 2
        print(f"{m['n']:>9} {m['pairs']:>10} {m['suggest_s']:>10.1f} {m['build_s']:>8.2f} {m['merge_s']:>8.3f} "
              f"{m['suggest_s'] / m['build_s']:>8.0f} {m['suggest_s'] / m['merge_s']:>8.0f} {m['peak_mib']:>9.0f} "
              f"{m['copies_right'] / copies:>7.3f} {m['copies_right'] / max(m['copies_found'], 1):>9.3f}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
