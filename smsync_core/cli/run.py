"""``smsync run``: execute a parameterised notebook with papermill; its record goes to ``reports/<run-id>/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smsync_core.errors import NotebookFailed


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run``."""
    parser = subparsers.add_parser(
        "run",
        help="execute a notebook with papermill; the executed notebook, its HTML and a manifest are the record",
        description="Execute NOTEBOOK with papermill. Parameters are checked against the notebook's parameters "
        "cell and typed like its defaults. The executed notebook, an HTML rendering without code and a manifest "
        "with the SHA-256 of each file go to REPORTS/<run-id>/; passwords in URLs are never written.",
    )
    parser.add_argument("notebook", metavar="NOTEBOOK", type=Path, help="the .ipynb file to run")
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable); the name must be declared in the notebook's parameters cell",
    )
    parser.add_argument("--reports", metavar="DIR", type=Path, default=Path("reports"),
                        help="where the record goes (default: ./reports)")
    parser.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                        help="stop a cell that runs longer than this (default: no limit)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the notebook; exit 0 when it ran to its end, 1 (with its record left) when it failed."""
    from smsync_core.notebooks.jupyter import import_jsonschema

    import_jsonschema()  # before papermill does: without the 1-2 s IRI grammar no notebook needs
    from smsync_core.notebooks.runner import run_notebook

    parameters: dict[str, str] = {}
    for name, value in args.parameter:
        parameters[name] = value
    result = run_notebook(args.notebook, parameters, reports_dir=args.reports, timeout=args.timeout)
    out = sys.stdout
    out.write(f"Run {result.run_id}: {result.outcome}\nRecord: {result.record_dir}\n")
    for name in sorted((*result.files, "manifest.json")):
        out.write(f"  {result.record_dir / name}\n")
    if result.import_run_id:  # the import is part of this run's record: `smsync undo RUN_ID` reverses it
        out.write(f"Import: {len(result.inserted)} inserted, {len(result.updated)} updated, "
                  f"{len(result.skipped)} skipped; undo with `smsync undo {result.run_id}`\n")
    if not result.ok:
        raise NotebookFailed(result.message())
    return 0
