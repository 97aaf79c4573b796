"""``smsync diff``: the two panes, as text, JSON, CSV or an Excel workbook (one sheet per pane)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from smsync_core.cli._options import add_connection_args, add_format_arg

if TYPE_CHECKING:
    import pandas as pd

    from smsync_core.reconcile import Reconciliation

LEFT_NOTE = "Export SMSTurbo Customers to Sage 100 is NOT supported: enter these in Sage 100 by hand."


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``diff``."""
    parser = subparsers.add_parser(
        "diff",
        help="the two panes: customers only in SMSTurbo, clients only in Sage 100 (and differences)",
        description="Compare Sage 100 clients with SMSTurbo customers by exact Customer ID. By default only "
        "missing customers are shown (the answer Yes to 'Do you want to see Missing Customers only?'); "
        "--all also lists customers on both sides whose fields differ. --format xlsx --output FILE writes the "
        "panes as sheets of an Excel workbook: the SMSTurbo customers to enter in Sage 100 by hand, the Sage 100 "
        "clients to bring over (and with --all the differences field by field).",
    )
    add_connection_args(parser, smsturbo="required")
    parser.add_argument("--all", action="store_true", help="also list customers whose fields differ")
    add_format_arg(parser, ("table", "json", "csv", "xlsx"))
    parser.set_defaults(run=run)


def long_frame(rec: Reconciliation) -> pd.DataFrame:
    """One row per pane entry, for CSV: pane, customer_id, name, status_ref, eligible, rules, fields."""
    import pandas as pd

    left = rec.left_pane().assign(pane="smsturbo_only")
    right = rec.right_pane()
    right = right.assign(pane=right["kind"].map({"new": "sage_only", "update": "different"}))
    columns = ["pane", "customer_id", "name", "status_ref", "inactive", "eligible", "rules", "fields"]
    frame = pd.concat([left, right], ignore_index=True)
    return frame.reindex(columns=columns)


def run(args: argparse.Namespace) -> int:
    """Print the panes; exit 0 whether or not anything differs."""
    from smsync_core.cli._common import table_text, workbench_from_args, write_csv, write_json
    from smsync_core.cli._excel import check_output, diff_sheets, write_excel

    excel = check_output(args)
    wb = workbench_from_args(args)
    rec = wb.reconcile(missing_only=not args.all)
    if excel is not None:
        write_excel(diff_sheets(rec), excel)
        return 0
    if args.format == "json":
        write_json(rec.to_dict())
        return 0
    if args.format == "csv":
        write_csv(long_frame(rec))
        return 0
    out = sys.stdout
    out.write(f"Mode: {'missing customers only' if rec.missing_only else 'all differences'}\n{rec.summary()}\n\n")
    out.write(f"Left pane: in SMSTurbo, not in Sage 100\n  {LEFT_NOTE}\n")
    shown = [c for c in ("customer_id", "name", "city", "phone") if c in rec.smsturbo_only.columns]  # as mapped
    out.write(table_text(rec.smsturbo_only[shown], max_rows=100) + "\n\n")
    out.write("Right pane: in Sage 100, not in SMSTurbo\n")
    right = rec.sage_only[["customer_id", "name", "status_ref", "eligible", "rules"]]
    out.write(table_text(right, max_rows=200, max_width=60) + "\n")
    if not rec.missing_only:
        out.write("\nDifferent on both sides (Replace Options decide what an update may change)\n")
        out.write(table_text(rec.differences, max_rows=200) + "\n")
    return 0
