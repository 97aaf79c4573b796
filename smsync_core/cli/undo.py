"""``smsync undo RUN_ID``: reverse a committed run where SMSTurbo still holds what it wrote."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smsync_core.cli._options import add_format_arg
from smsync_core.cli.sync import confirm
from smsync_core.errors import UsageError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``undo``."""
    parser = subparsers.add_parser(
        "undo", help="reverse a committed run (customers edited since are reported and left alone)",
        description="Remove the customers a run inserted and restore the fields it updated, but only where "
        "SMSTurbo still holds exactly what that run wrote. The undo is itself a run with its own record.",
    )
    parser.add_argument("run_id", metavar="RUN_ID", help="the run to undo (its folder name under reports/)")
    parser.add_argument("--smsturbo", metavar="URL", help="SMSTurbo database; default $SMSYNC_SMSTURBO_URL")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default ./smsync.toml if present)")
    parser.add_argument("--reports", metavar="DIR", default="reports", help="where records go (default: reports)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_format_arg(parser, ("table", "json"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Confirm, undo, print; exit 0 when something was undone or nothing needed to be, else 1."""
    from smsync_core.apply.undo import recorded_changes, undo_changes
    from smsync_core.cli._common import table_text, write_json
    from smsync_core.workbench import connect

    wb = connect(None, args.smsturbo, args.config)
    if wb.smsturbo_url is None:
        raise UsageError("No SMSTurbo connection was given; pass --smsturbo URL or set SMSYNC_SMSTURBO_URL.")
    reports = Path(args.reports)
    changes = undo_changes(recorded_changes(args.run_id, wb.smsturbo_engine, wb.config, reports))
    counts = {a: sum(c.action == a for c in changes) for a in ("delete", "update", "insert")}
    question = (f"Undo run {args.run_id}: remove {counts['delete']} customers, restore {counts['update']} "
                f"and put back {counts['insert']} in SMSTurbo?")
    if not args.yes and not confirm(question):
        sys.stderr.write("smsync: the undo was not confirmed, so nothing was changed; answer y, or pass --yes.\n")
        return 1
    result = wb.undo(args.run_id, reports_dir=reports)
    if args.format == "json":  # stdout is the JSON alone; a failure still gets its sentence on stderr
        write_json(result.to_dict())
        if not result.ok:
            sys.stderr.write("smsync: " + result.message() + "\n")
        return 0 if result.ok else 1
    if len(result.conflicts):
        sys.stdout.write("Left alone (changed in SMSTurbo since that run)\n")
        sys.stdout.write(table_text(result.conflicts, max_rows=200, every_row="--format json") + "\n")
    stream = sys.stdout if result.ok else sys.stderr
    stream.write(("" if result.ok else "smsync: ") + result.message() + "\n")
    return 0 if result.ok else 1
