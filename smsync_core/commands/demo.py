"""``smsync demo``: build the demo databases and show what an accountant would see."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smsync_core.commands import diff
from smsync_core.commands._common import table_text
from smsync_core.validate import rule_counts


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="build the demo Sage 100 and SMSTurbo databases and run the reconciliation on them",
    )
    parser.add_argument("--dir", default="demo", type=Path, help="where the demo databases go (default: demo/)")
    parser.add_argument("--clients", type=int, default=300, help="number of Sage 100 clients (default 300)")
    parser.add_argument("--seed", type=int, default=100, help="random seed (same seed, same data)")
    parser.add_argument("--build-only", action="store_true", help="only build the databases")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build, then print the housekeeping summary and the two panes."""
    from smsync_core.demo import build_demo

    if not 1 <= args.clients <= 1_000_000:
        from smsync_core.errors import UsageError

        raise UsageError("--clients must be between 1 and 1,000,000.")
    paths = build_demo(args.dir, clients=args.clients, seed=args.seed)
    out = sys.stdout
    out.write(f"Demo Sage 100 company: {paths.sage_url}\nDemo SMSTurbo:         {paths.smsturbo_url}\n\n")
    if args.build_only:
        return 0
    ns = argparse.Namespace(
        sage=paths.sage_url,
        smsturbo=paths.smsturbo_url,
        config=None,
        format="table",
        _smsturbo_need="required",
        all=False,
    )
    from smsync_core.commands._common import workbench_from_args

    wb = workbench_from_args(ns)
    findings = wb.check()
    counts = rule_counts(findings)
    out.write("Housekeeping findings\n" + table_text(counts) + "\n\n")
    return diff.run(ns)
