"""Issue 17 goal 3, "a command line that starts at once": three commands and the page, each against its goal.

On the 300-client demo (built into a temporary folder unless ``--dir`` names one that has it):

- ``smsync --help`` (goal 0.25 s),
- ``smsync diff --sage ... --smsturbo ...`` (goal 0.6 s),
- ``smsync run notebooks/reconcile.ipynb -p sage_url ... -p smsturbo_url ...``, the whole process with its record
  (goal 3.5 s),
- ``smsync app``: from the start of its process to the flow's first step (its heading and its "This is the
  right company" button) visible in headless Chromium under Playwright (goal 2 s). Chromium is launched before
  the clock starts: an accountant's browser is already open.

Each command runs in a fresh process, round-robin with the others so a slow spell of this shared machine falls
on all of them; a figure is the median wall time, with the median CPU time (user+sys of the process and its
children, less disturbed by other work on the machine) beside it. Run:

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5] [--dir /tmp/cli300] [--no-page]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SMSYNC = str(Path(sys.executable).with_name("smsync"))
NOTEBOOK = ROOT / "notebooks" / "reconcile.ipynb"
#: Goals of issue 17, in seconds.
GOALS = {"help": 0.25, "diff": 0.6, "run": 3.5, "page": 2.0}
Timing = tuple[float, float]  # (wall, cpu) seconds


def children_cpu() -> float:
    """User+sys seconds of every child this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_command(words: Sequence[str]) -> Timing:
    """Wall and CPU seconds of one command in a fresh process (its output is discarded; it must succeed)."""
    cpu, wall = children_cpu(), time.perf_counter()
    subprocess.run(words, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, cwd=ROOT)
    return time.perf_counter() - wall, children_cpu() - cpu


def commands(demo: Path, reports: Path) -> dict[str, list[str]]:
    """The three measured command lines on the demo pair in ``demo``."""
    sage, turbo = f"sqlite:///{demo / 'sage.db'}", f"sqlite:///{demo / 'smsturbo.db'}"
    return {
        "help": [SMSYNC, "--help"],
        "diff": [SMSYNC, "diff", "--sage", sage, "--smsturbo", turbo],
        "run": [SMSYNC, "run", str(NOTEBOOK), "-p", "sage_url", sage, "-p", "smsturbo_url", turbo,
                "--reports", str(reports)],
    }


def page_timer(demo: Path, work: Path) -> Callable[[int], Timing]:
    """A function timing one start of ``smsync app`` to its first step in an already open headless Chromium.

    Uses the browser tests' :func:`tests.browser.conftest.start_app` (a copy of the demo, its own reports and state)
    and stops the server it started. CPU time is the server's and its kernel's (Chromium's is not counted).
    """
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import expect, sync_playwright

    from tests.browser.conftest import _stop, start_app
    from tests.support.browser import CHROMIUM_ARGS

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=list(CHROMIUM_ARGS))

    def once(number: int) -> Timing:
        page = browser.new_page()
        cpu, wall = children_cpu(), time.perf_counter()
        server = start_app(demo, work / f"app-{number}")
        try:
            page.goto(server.url)
            ready = page.get_by_role("button").filter(has_text=re.compile(r"^\s*This is the right company\s*$"))
            failed = page.get_by_text("Something went wrong")
            expect(page.locator("h3[data-step=company]")).to_be_visible(timeout=120_000)
            expect(ready.or_(failed)).to_be_visible(timeout=120_000)
            seconds = time.perf_counter() - wall
            if failed.is_visible():  # a broken first step is no start-up time
                raise RuntimeError(f"the page's first step failed: {page.locator('body').inner_text()[-400:]}")
        finally:
            page.close()
            _stop(server.process)
        return seconds, children_cpu() - cpu  # the server is waited for by _stop: its CPU time is counted

    return once


def measure_all(demo: Path, work: Path, repeat: int, *, page: bool = True) -> dict[str, list[Timing]]:
    """Every figure's (wall, cpu) timings: one warm-up each, then ``repeat`` rounds, the figures taking turns."""
    runs: dict[str, Callable[[int], Timing]] = {
        name: (lambda _n, w=words: timed_command(w)) for name, words in commands(demo, work / "reports").items()
    }
    if page:
        runs["page"] = page_timer(demo, work)
    for warm_up in runs.values():  # one each first: the page cache, Python's bytecode, Chromium's profile
        warm_up(-1)
    found: dict[str, list[Timing]] = {name: [] for name in runs}
    for number in range(repeat):
        for name, run in runs.items():
            found[name].append(run(number))
    return found


#: What each figure is, in the table of ``make bench``.
FIGURES = {
    "help": "smsync --help",
    "diff": "smsync diff (300-client demo)",
    "run": "smsync run notebooks/reconcile.ipynb (whole process, with its record)",
    "page": "smsync app: start to the first step visible in Chromium",
}


def run(demo: Path, repeat: int) -> list[Any]:
    """The table rows of ``make bench`` (``run_all.py``): each figure against its goal (the demo pair in ``demo``)."""
    from common import compare

    with tempfile.TemporaryDirectory(prefix="smsync-startup-") as tmp:
        found = measure_all(demo, Path(tmp), repeat)
    return [compare(f"start-up: {name}", 300, FIGURES[name], f"goal: {GOALS[name]:g} s",
                    [{"seconds": wall, "cpu_seconds": cpu} for wall, cpu in timings],
                    [{"seconds": GOALS[name]}] * len(timings), f"<= 1x ({GOALS[name]:g} s)")
            for name, timings in found.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--dir", type=Path, default=None, help="a folder holding the demo's sage.db and smsturbo.db")
    parser.add_argument("--no-page", action="store_true", help="only the three commands")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smsync-startup-") as tmp:
        work = Path(tmp)
        demo = args.dir
        if demo is None or not (demo / "sage.db").is_file():
            demo = work / "demo"
            subprocess.run([SMSYNC, "demo", "--build-only", "--dir", str(demo)], stdout=subprocess.DEVNULL,
                           check=True)
        found = measure_all(demo, work, args.repeat, page=not args.no_page)
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs; medians of {args.repeat} runs")
    print(f"{'what':<6} {'wall s':>7} {'cpu s':>7} {'goal s':>7}  met")
    for name, timings in found.items():
        wall, cpu = median(t[0] for t in timings), median(t[1] for t in timings)
        print(f"{name:<6} {wall:7.3f} {cpu:7.3f} {GOALS[name]:7.2f}  {'met' if wall <= GOALS[name] else 'not met'}")


if __name__ == "__main__":
    main()
