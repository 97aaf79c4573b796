"""``smsync suggest``: which record on the other side is probably the same client, and why."""

from __future__ import annotations

import argparse
import sys

from smsync_core.cli._options import add_connection_args, add_format_arg
from smsync_core.errors import UsageError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``suggest`` (the threshold's default is the engine's, looked up when the command runs)."""
    parser = subparsers.add_parser(
        "suggest",
        help="likely matches for customers without a partner (same client under another ID)",
        description="For each SMSTurbo customer not in Sage 100 (and each Sage 100 client not in SMSTurbo), "
        "rank the records on the other side that are probably the same client, with a score from 0 to 100 and "
        "the reasons. Suggestions only: smsync never renames customer IDs.",
    )
    add_connection_args(parser, smsturbo="required")
    parser.add_argument(
        "--threshold", type=float, default=None, help="lowest score shown, 0 to 100 (default 50: more likely the "
        "same client than not)",
    )
    parser.add_argument("--limit", type=int, default=3, help="most suggestions per customer (default 3)")
    add_format_arg(parser, ("table", "json", "csv", "xlsx"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the suggestions; exit 0 whether or not any were found."""
    from smsync_core.cli._common import table_text, workbench_from_args, write_csv, write_json
    from smsync_core.cli._excel import TO_SAGE_SHEET, TO_SMSTURBO_SHEET, check_output, write_excel
    from smsync_core.outputs import blank_ids
    from smsync_core.suggest.engine import DEFAULT_THRESHOLD
    from smsync_core.suggest.report import to_dict

    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if not 0 <= threshold <= 100:
        raise UsageError("--threshold must be a score between 0 and 100.")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1.")
    excel = check_output(args)
    wb = workbench_from_args(args)
    suggestions = wb.suggest(threshold=threshold, limit=args.limit)
    if excel is not None:
        flat = suggestions.assign(reasons=suggestions["reasons"].map("; ".join),
                                  sage_id=blank_ids(suggestions["sage_id"]))
        columns = ["smsturbo_id", "sage_id", "score", "rank", "reasons"]
        sheets = {title: flat.loc[flat["direction"] == direction, columns].reset_index(drop=True)
                  for direction, title in (("smsturbo->sage", TO_SAGE_SHEET), ("sage->smsturbo", TO_SMSTURBO_SHEET))}
        write_excel(sheets, excel)
    elif args.format == "json":
        write_json(to_dict(suggestions))
    elif args.format == "csv":
        write_csv(suggestions)
    else:
        for direction, title in (
            ("smsturbo->sage", "SMSTurbo customers not in Sage 100: probable Sage 100 clients"),
            ("sage->smsturbo", "Sage 100 clients not in SMSTurbo: probable SMSTurbo customers"),
        ):
            part = suggestions[suggestions["direction"] == direction]
            sys.stdout.write(
                f"{title} ({part['smsturbo_id' if direction == 'smsturbo->sage' else 'sage_id'].nunique()})\n"
            )
            columns = ["smsturbo_id", "sage_id", "score", "reasons"]
            sys.stdout.write(table_text(part[columns], max_rows=200, max_width=100) + "\n\n")
    return 0
