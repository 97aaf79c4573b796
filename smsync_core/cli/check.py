"""``smsync check``: the housekeeping findings on the Sage 100 client list."""

from __future__ import annotations

import argparse
import sys

from smsync_core.cli._options import add_connection_args, add_format_arg


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``check``."""
    parser = subparsers.add_parser(
        "check",
        help="housekeeping: what to fix in Sage 100 before synchronizing",
        description="List every finding on the Sage 100 clients (invalid Client Numbers, inactive clients, "
        "incomplete addresses...). With --smsturbo, values longer than SMSTurbo's columns are found too.",
    )
    add_connection_args(parser, smsturbo="optional")
    add_format_arg(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the findings; exit 0 whatever was found."""
    from smsync_core.cli._common import records, table_text, workbench_from_args, write_csv, write_json
    from smsync_core.validate import FINDING_COLUMNS, rule_counts

    wb = workbench_from_args(args)
    findings = wb.check()
    public = findings[[c for c in FINDING_COLUMNS if c != "row"]]
    if args.format == "json":
        write_json({"findings": records(public), "clients": len(wb.sage_clients())})
    elif args.format == "csv":
        write_csv(findings)
    else:
        clients = len(wb.sage_clients())
        errors = findings[findings["severity"] == "error"]["row"].nunique()
        out = sys.stdout
        out.write(f"Sage 100 clients: {clients}   with errors (cannot be imported): {errors}\n\n")
        counts = rule_counts(findings)
        out.write("Findings by rule\n" + table_text(counts) + "\n\n")
        out.write("Findings\n" + table_text(public, max_rows=200, max_width=120) + "\n")
    return 0
