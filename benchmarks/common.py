"""Helpers shared by the benchmarks: a measured thing in a fresh interpreter, medians, and the results table.

Every figure is measured in a subprocess of its own, so its peak memory (``VmHWM``) is that of the measured
work plus the libraries it imports, and nothing one measurement leaves behind (caches, freed-but-kept memory)
helps or hurts the next. smsync and the baseline it is compared with alternate run by run, so slow spells of
this shared machine fall on both; a figure is the median over the runs of the ratio's two sides.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from importlib.metadata import version
from pathlib import Path
from statistics import median
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
Measurement = dict[str, Any]


def peak_mib() -> float:
    """The peak resident memory of this process so far (MiB).

    Linux's ``VmHWM`` (the high-water mark of this program's own memory), not ``ru_maxrss``: a child keeps the
    ``ru_maxrss`` of the parent it was forked from across ``exec``, so a child of a large parent would report
    the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(action: Callable[[], Measurement | None]) -> Measurement:
    """Wall and CPU seconds of ``action()`` and this process's peak memory after it; plus what it returns."""
    wall, cpu = time.perf_counter(), time.process_time()
    extra = action() or {}
    return {"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu,
            "peak_mib": peak_mib(), **extra}


def report_child(result: Measurement) -> None:
    """How a child process hands its measurement back: one JSON line, last on stdout."""
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_child(script: Path, *args: str, timeout: float = 3600) -> Measurement:
    """Run ``script --child ...`` in a fresh interpreter and return the measurement it reports."""
    done = subprocess.run([sys.executable, str(script), "--child", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    result: Measurement = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def alternate(repeat: int, *runs: Callable[[], Measurement]) -> list[list[Measurement]]:
    """Call each of ``runs`` once per round, ``repeat`` rounds; the measurements per run."""
    out: list[list[Measurement]] = [[] for _ in runs]
    for _ in range(repeat):
        for i, run in enumerate(runs):
            out[i].append(run())
    return out


def med(results: Sequence[Measurement], key: str = "seconds") -> float:
    """Median of one figure over runs."""
    return float(median(float(r[key]) for r in results))


@dataclass
class Row:
    """One line of the table: smsync against its baseline, as measured in the same run."""

    figure: str
    clients: int
    smsync: str
    baseline: str
    smsync_s: float
    baseline_s: float
    ratio: float
    goal: str
    smsync_mib: float | None = None
    baseline_mib: float | None = None
    runs: int = 0
    note: str = ""
    smsync_cpu_s: float | None = None
    baseline_cpu_s: float | None = None

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio in CPU seconds of the measuring process (less disturbed by the machine's other load)."""
        if self.smsync_cpu_s is None or not self.baseline_cpu_s:
            return None
        return self.smsync_cpu_s / self.baseline_cpu_s

    @property
    def memory_ratio(self) -> float | None:
        if self.smsync_mib is None or not self.baseline_mib:
            return None
        return self.smsync_mib / self.baseline_mib

    @property
    def met(self) -> str:
        """Whether the goal (``<= x``) is met by the median ratio (and, where given, peak memory)."""
        if not self.goal.startswith("<="):
            return ""
        limit = float(re.findall(r"<=\s*([0-9.]+)", self.goal)[0])
        ok = self.ratio <= limit and (self.memory_ratio is None or "memory" not in self.goal
                                      or self.memory_ratio <= 1.0)
        return "yes" if ok else "no"


def compare(figure: str, clients: int, smsync: str, baseline: str, ours: Sequence[Measurement],
            theirs: Sequence[Measurement], goal: str, *, memory: bool = False, note: str = "") -> Row:
    """A table row from the per-run measurements of smsync and its baseline."""
    ours_s, theirs_s = med(ours), med(theirs)
    cpu = all("cpu_seconds" in r for r in [*ours, *theirs])
    return Row(figure, clients, smsync, baseline, ours_s, theirs_s, ours_s / theirs_s, goal,
               med(ours, "peak_mib") if memory else None, med(theirs, "peak_mib") if memory else None,
               min(len(ours), len(theirs)), note, med(ours, "cpu_seconds") if cpu else None,
               med(theirs, "cpu_seconds") if cpu else None)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "python": platform.python_version(),
            "pandas": version("pandas"), "sqlalchemy": version("sqlalchemy"), "pyarrow": version("pyarrow"),
            "datacompy": version("datacompy"), "os": platform.platform()}


HEADER = ("figure", "clients", "smsync", "baseline", "smsync s", "baseline s", "ratio", "goal", "met",
          "smsync MiB", "baseline MiB", "memory ratio", "runs", "note", "CPU ratio")


def _cells(row: Row) -> list[str]:
    def mib(value: float | None) -> str:
        return "" if value is None else f"{value:,.0f}"

    memory, cpu = row.memory_ratio, row.cpu_ratio
    return [row.figure, f"{row.clients:,}", row.smsync, row.baseline, f"{row.smsync_s:.2f}",
            f"{row.baseline_s:.2f}", f"{row.ratio:.2f}", row.goal, row.met, mib(row.smsync_mib),
            mib(row.baseline_mib), "" if memory is None else f"{memory:.2f}", str(row.runs), row.note,
            "" if cpu is None else f"{cpu:.2f}"]


def markdown(rows: Sequence[Row], info: dict[str, str]) -> str:
    """The table as Markdown, with the machine under it."""
    keep = [0, 1, 2, 3, 6, 7, 8, 11, 14, 4, 5, 9, 10, 12, 13]
    lines = ["| " + " | ".join(HEADER[i] for i in keep) + " |", "|" + "---|" * len(keep)]
    for row in rows:
        cells = _cells(row)
        lines.append("| " + " | ".join(cells[i].replace("|", "/") for i in keep) + " |")
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items())]
    return "\n".join(lines) + "\n"


def write_table(rows: Sequence[Row], info: dict[str, str], stem: str = "bench") -> tuple[Path, Path]:
    """Write ``results/<stem>.csv`` and ``results/<stem>.md``; returns their paths."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = RESULTS / f"{stem}.csv", RESULTS / f"{stem}.md"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(f.name for f in fields(Row)), "memory_ratio", "cpu_ratio", "met", *info])
        for row in rows:
            writer.writerow([*asdict(row).values(), row.memory_ratio, row.cpu_ratio, row.met, *info.values()])
    md_path.write_text(markdown(rows, info), encoding="utf-8")
    return csv_path, md_path


def text_table(rows: Sequence[Row]) -> str:
    """The table for the terminal."""
    keep = [0, 1, 6, 7, 8, 11, 14, 4, 5, 12]
    table = [[HEADER[i] for i in keep], *([_cells(r)[i] for i in keep] for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(keep))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths,
                     strict=True))) for line in table)


def demo_main(doc: str | None, children: Mapping[str, Callable[[Path], Measurement]],
              run: Callable[[Path, int, int], Sequence[Row]], *, repeat: int) -> None:
    """The command line of a benchmark on a demo pair: ``--clients``, ``--repeat``, and the hidden ``--child``
    that runs one measured thing in a fresh interpreter (see :func:`run_child`)."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, directory = args.child
        report_child(children[which](Path(directory)))
        return
    from smsync_core.demo import build_demo

    with tempfile.TemporaryDirectory(prefix="smsync-bench-") as tmp:
        build_demo(Path(tmp), clients=args.clients)
        print(text_table(run(Path(tmp), args.clients, args.repeat)))
