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
        "incomplete addresses...). With --smsturbo, values longer than SMSTurbo's columns are found too. "
        "--format xlsx --output FILE writes the findings and the count by rule as an Excel workbook.",
    )
    add_connection_args(parser, smsturbo="optional")
    add_format_arg(parser, ("table", "json", "csv", "xlsx"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the findings (or write them to Excel); exit 0 whatever was found."""
    from smsync_core.cli._common import records, table_text, workbench_from_args, write_csv, write_json
    from smsync_core.cli._excel import check_output, check_sheets, write_excel
    from smsync_core.validate import FINDING_COLUMNS, rule_counts

    excel = check_output(args)
    wb = workbench_from_args(args)
    findings = wb.check()
    for note in wb.sage_clients().attrs.get("notes", ()):  # said once, whatever the format
        sys.stderr.write(f"Note: {note}\n")
    clients = wb.sage_clients()
    names = findings["row"].map(clients.set_index("row")["name"]).astype("string")
    public = findings[[c for c in FINDING_COLUMNS if c != "row"]]
    public.insert(1, "name", names.to_numpy())  # a client with no Client Number is known by its name
    if excel is not None:
        write_excel(check_sheets(public, rule_counts(findings)), excel)
    elif args.format == "json":
        write_json({"findings": records(public), "clients": len(clients)})
    elif args.format == "csv":
        every = findings.copy()
        every.insert(2, "name", names.to_numpy())
        write_csv(every)
    else:
        errors = findings[findings["severity"] == "error"]["row"].nunique()
        out = sys.stdout
        out.write(f"Sage 100 clients: {len(clients)}   with errors (cannot be imported): {errors}\n\n")
        counts = rule_counts(findings)
        out.write("Findings by rule\n" + table_text(counts) + "\n\n")
        out.write("Findings\n" + table_text(public, max_rows=200, max_width=120) + "\n")
    return 0
