"""``smsync sync``: plan, confirm ("Import N new customers ... ? [y/N]"), import, print "Import completed"."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from smsync_core.cli._options import add_connection_args, add_format_arg
from smsync_core.errors import UsageError
from smsync_core.schema import counted

if TYPE_CHECKING:
    from smsync_core.apply.run import ApplyResult
    from smsync_core.plan import Plan

#: Imports with at least this many changes show a progress bar on stderr.
PROGRESS_FROM = 1_000
#: What a cut table tells the reader to run for every row (sync prints a table or JSON, no CSV).
EVERY_ROW = "--format json"
#: How many skipped IDs the confirmation lists before asking.
SKIPPED_SHOWN = 50
#: The widest cell of a skipped list: a reason in words is shown whole (only an absurdly long ID is cut).
SKIPPED_WIDTH = 160


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``sync``."""
    parser = subparsers.add_parser(
        "sync", help="import the selected Sage 100 clients into SMSTurbo (one transaction, with a record)",
        description="Insert the selected clients that are only in Sage 100 and, with Replace Options, update "
        "the checked fields of selected customers that differ. One transaction; asks for confirmation "
        "unless --yes; writes the run's record under --reports.",
    )
    add_connection_args(parser, smsturbo="required")
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--select", metavar="ID,...", help="Client Numbers to import, comma-separated")
    chosen.add_argument("--select-file", metavar="FILE", help="a file with one Client Number per line")
    chosen.add_argument("--all-eligible", action="store_true",
                        help="every eligible client of the right pane (no errors, not inactive): Check All")
    parser.add_argument("--all", action="store_true",
                        help="all differences: customers on both sides can be updated (Replace Options)")
    parser.add_argument("--replace", metavar="GROUP,...",
                        help="Replace Options for this run: name, address, phones, email, contact "
                        "(default: the saved ones)")
    parser.add_argument("--dry-run", action="store_true", help="show the plan field by field; write nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--reports", metavar="DIR", default="reports", help="where records go (default: reports)")
    add_format_arg(parser, ("table", "json"))
    parser.set_defaults(run=run)


def read_selection(args: argparse.Namespace) -> list[str] | Literal["all-eligible"]:
    """The selection from ``--select``, ``--select-file`` or ``--all-eligible`` (IDs kept exactly)."""
    from smsync_core.plan import ALL_ELIGIBLE, parse_selection

    if args.all_eligible:
        return ALL_ELIGIBLE
    if args.select is not None:
        text = args.select
    else:
        try:
            text = Path(args.select_file).read_text("utf-8-sig")
        except OSError as exc:
            raise UsageError(f"Cannot read the selection file {args.select_file} ({exc.strerror}); "
                             "check the path.") from None
        except UnicodeDecodeError:
            raise UsageError(f"The selection file {args.select_file} is not UTF-8 text; save it as UTF-8 "
                             "(one Client Number per line) and run smsync again.") from None
    ids = parse_selection(text)
    if not ids:
        raise UsageError("The selection is empty; give Client Numbers with --select or --select-file, "
                         "or use --all-eligible.")
    return ids


def confirm(question: str) -> bool:
    """Ask on stderr; no terminal on stdin counts as No."""
    if not sys.stdin or not sys.stdin.isatty():
        return False
    sys.stderr.write(question + " [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar on stderr for long imports (None for short ones)."""
    if total < PROGRESS_FROM:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="row", file=sys.stderr, desc="Importing") as bar:
        def update(done: int, _total: int) -> None:
            bar.update(done - bar.n)

        yield update


def _print_plan(plan: Plan) -> None:
    from smsync_core.cli._common import table_text

    out = sys.stdout
    out.write(f"Plan {plan.plan_id} ({'all differences' if plan.mode == 'all' else 'missing customers only'}; "
              f"Replace Options: {', '.join(plan.replace_groups) or 'none'})\n")
    out.write(f"Insert {len(plan.insert_ids)} new customers, update {len(plan.update_ids)}, "
              f"skip {len(plan.skipped)}.\n\n")
    if not plan.empty:
        out.write(table_text(plan.to_frame(), max_rows=400, max_width=40, every_row=EVERY_ROW) + "\n")
    if len(plan.skipped):
        out.write("\nSkipped\n" + table_text(plan.skipped, max_rows=200, max_width=SKIPPED_WIDTH,
                                             every_row=EVERY_ROW) + "\n")


def _print_skipped(plan: Plan) -> None:
    """Before asking: the selected IDs the import leaves out, each with its reason (on stderr, with the question)."""
    from smsync_core.cli._common import table_text

    sys.stderr.write(f"Not imported ({len(plan.skipped)} of the selected IDs)\n")
    sys.stderr.write(table_text(plan.skipped, max_rows=SKIPPED_SHOWN, max_width=SKIPPED_WIDTH,
                                every_row="--dry-run --format json") + "\n")


def _print_result(result: ApplyResult, plan: Plan, fmt: str) -> None:
    from smsync_core.cli._common import records, table_text, write_json

    if fmt == "json":
        data = result.to_dict()
        if result.outcome == "dry-run":
            data["changes"] = records(plan.to_frame())
            data["replace_groups"] = list(plan.replace_groups)
        write_json(data)
        if not result.ok:  # stdout is the JSON alone; the failure still gets its one sentence on stderr
            sys.stderr.write("smsync: " + result.message() + "\n")
        return
    if result.outcome == "dry-run":
        _print_plan(plan)
    if len(result.conflicts):
        sys.stdout.write("Conflicts (SMSTurbo now holds something else)\n")
        sys.stdout.write(table_text(result.conflicts, max_rows=200, every_row=EVERY_ROW) + "\n")
    stream = sys.stdout if result.ok else sys.stderr
    stream.write(("" if result.ok else "smsync: ") + result.message() + "\n")
    if result.outcome != "dry-run" and len(result.skipped):
        sys.stdout.write(f"\nNot imported ({len(result.skipped)})\n")
        sys.stdout.write(table_text(result.skipped, max_rows=200, max_width=SKIPPED_WIDTH, every_row=EVERY_ROW) + "\n")


def run(args: argparse.Namespace) -> int:
    """Plan, confirm and import; exit 0 when done or nothing to do, 1 on conflict, failure or No."""
    from smsync_core.apply.run import dry_run_result
    from smsync_core.cli._common import workbench_from_args
    from smsync_core.config import parse_replace_groups

    selection = read_selection(args)
    wb = workbench_from_args(args)
    groups = None if args.replace is None else parse_replace_groups(args.replace, "--replace")
    plan = wb.plan(selection, replace=groups, missing_only=False if args.all else None)
    if args.dry_run:
        _print_result(dry_run_result(plan), plan, args.format)
        return 0
    if plan.empty:  # nothing to confirm; applying still finishes any record a crash left pending
        _print_result(wb.apply(plan, reports_dir=Path(args.reports)), plan, args.format)
        return 0
    question = (f"Import {len(plan.insert_ids)} new customers and update {len(plan.update_ids)} "
                "into SMSTurbo?")
    if not args.yes and len(plan.skipped):
        _print_skipped(plan)
        question = question[:-1] + f" ({counted(len(plan.skipped), 'selected ID')} not imported, listed above)?"
    if not args.yes and not confirm(question):
        sys.stderr.write("smsync: the import was not confirmed, so nothing was written; answer y, or pass "
                         "--yes to import without asking.\n")
        return 1
    total = len(plan.insert_ids) + len(plan.update_ids)
    with progress_bar(total) as progress:
        result = wb.apply(plan, reports_dir=Path(args.reports), progress=progress)
    _print_result(result, plan, args.format)
    return 0 if result.ok else 1
