"""``smsync demo``: build the demo databases, then run the housekeeping and reconcile notebooks on them.

Both runs leave their records under ``reports/`` exactly as ``smsync run`` does; the reconcile run imports every
eligible client into the demo SMSTurbo database (a fresh copy each time the demo is built).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import smsync_core
from smsync_core.errors import NotebookFailed, UsageError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="build the demo Sage 100 and SMSTurbo databases and run the housekeeping and reconcile notebooks",
        description="Build two SQLite databases that tell the Customer Sync story, run notebooks/housekeeping.ipynb "
        "and notebooks/reconcile.ipynb (all eligible clients, applied to the demo SMSTurbo) with papermill, and "
        "print where their records are.",
    )
    parser.add_argument("--dir", default="demo", type=Path, help="where the demo databases go (default: demo/)")
    parser.add_argument("--clients", type=int, default=300, help="number of Sage 100 clients (default 300)")
    parser.add_argument("--seed", type=int, default=100, help="random seed (same seed, same data)")
    parser.add_argument("--reports", default=Path("reports"), type=Path, help="where the records go (default reports/)")
    parser.add_argument("--notebooks", type=Path, default=None, help="folder of the notebooks (default notebooks/)")
    parser.add_argument("--build-only", action="store_true", help="only build the databases")
    parser.set_defaults(run=run)


def notebooks_dir(given: Path | None = None) -> Path:
    """The project's ``notebooks/``: the given folder, ./notebooks, or the one beside the installed package."""
    for candidate in (given, Path("notebooks"), Path(smsync_core.__file__).resolve().parent.parent / "notebooks"):
        if candidate is not None and (candidate / "reconcile.ipynb").is_file():
            return candidate
    raise UsageError("The notebooks folder (with reconcile.ipynb) was not found; run from the project folder "
                     "or pass --notebooks DIR.")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def run(args: argparse.Namespace) -> int:
    """Build, run both notebooks, print the records and how to open the interactive notebook."""
    from smsync_core.demo import build_demo
    from smsync_core.notebooks.jupyter import import_jsonschema

    import_jsonschema()  # before papermill does: without the 1-2 s IRI grammar no notebook needs
    from smsync_core.notebooks.runner import run_notebook

    if not 1 <= args.clients <= 1_000_000:
        raise UsageError("--clients must be between 1 and 1,000,000.")
    folder = None if args.build_only else notebooks_dir(args.notebooks)
    paths = build_demo(args.dir, clients=args.clients, seed=args.seed)
    out = sys.stdout
    out.write(f"Demo Sage 100 company: {paths.sage_url}\nDemo SMSTurbo:         {paths.smsturbo_url}\n")
    out.write(f"Its exported client list (Sage's headings; Client Numbers as a hand-kept list has them, with "
              f"letters, spaces and duplicates): {paths.client_list} and {paths.client_list_xlsx.name}; see what "
              f"the ID rules find with `smsync check --sage {paths.client_list}`\n\n")
    if folder is None:
        return 0
    urls = {"sage_url": paths.sage_url, "smsturbo_url": paths.smsturbo_url}
    out.write("Running the housekeeping notebook...\n")
    out.flush()
    housekeeping = run_notebook(folder / "housekeeping.ipynb", urls, reports_dir=args.reports)
    out.write(f"  {housekeeping.message()}\n")
    if not housekeeping.ok:
        raise NotebookFailed(housekeeping.message())
    out.write("Running the reconcile notebook (all eligible clients, applied to the demo SMSTurbo)...\n")
    out.flush()
    reconcile = run_notebook(folder / "reconcile.ipynb",
                             {**urls, "select": "all-eligible", "apply": True}, reports_dir=args.reports)
    out.write(f"  {reconcile.message()}\n")
    if not reconcile.ok:
        raise NotebookFailed(reconcile.message())
    out.write("\nRecords (open the .html files to read them; check them with `.venv/bin/smsync verify`):\n")
    records = [housekeeping.record_dir, reconcile.record_dir]  # the import is part of the reconcile run's record
    for record in records:
        files = ", ".join(sorted(p.name for p in record.iterdir() if p.is_file()))
        out.write(f"  {record}  ({_size(record) / 1024:,.0f} KB: {files})\n")
    out.write("\nOpen the interactive notebook (guided flow and panes) with:\n"
              "  .venv/bin/jupyter lab notebooks/reconcile.ipynb\n")
    return 0
