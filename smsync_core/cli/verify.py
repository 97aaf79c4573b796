"""``smsync verify``: check archived run records against their manifests, their chain and SMSTurbo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smsync_core.cli._options import add_format_arg


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``verify``."""
    parser = subparsers.add_parser(
        "verify", help="check archived records: file hashes, the chain of records, unfinished runs",
        description="Check every record under the given directories (default ./reports): each file against "
        "the SHA-256 in its manifest, each manifest against the chain, and, with --smsturbo, each committed "
        "run against the smsync_runs table of SMSTurbo (this also resolves runs a crash left unfinished).",
    )
    parser.add_argument("dirs", nargs="*", metavar="DIR", help="a reports directory or one record directory")
    parser.add_argument("--smsturbo", metavar="URL", help="also check against this SMSTurbo database")
    parser.add_argument("--config", metavar="FILE", help="configuration file (for the audit table name)")
    add_format_arg(parser, ("table", "json"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every record matches, 1 naming each file that does not."""
    from smsync_core.audit.verify import verify
    from smsync_core.cli._common import write_json
    from smsync_core.config import load_config
    from smsync_core.db.connect import target_engine

    config = load_config(args.config)
    engine = target_engine(args.smsturbo, config) if args.smsturbo else None
    try:
        report = verify([Path(d) for d in args.dirs], engine=engine, config=config)
    finally:
        if engine is not None:
            engine.dispose()
    if args.format == "json":
        write_json(report.to_dict())
    else:
        for run_id, outcome in report.resolved:
            sys.stdout.write(f"Run {run_id} had not finished (its record was pending); SMSTurbo's ledger settles "
                             f"it as {outcome}.\n")
        for run_id, error in report.interrupted:
            sys.stdout.write(f"Interrupted run {run_id}: {error}\n")
        for problem in report.problems:
            sys.stdout.write(f"Problem: {problem}\n")
        sys.stdout.write(report.summary() + "\n")
    if not report.ok:
        count = "1 problem" if len(report.problems) == 1 else f"{len(report.problems)} problems"
        sys.stderr.write(f"smsync: verification failed ({count}); the first is {report.problems[0]}\n")
        return 1
    return 0
