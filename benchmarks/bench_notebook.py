"""A papermill run of ``notebooks/reconcile.ipynb`` on the demo data against a papermill run of an empty notebook.

Both runs use the same kernel (smsync's, as ``smsync run`` does) and the same papermill call; the empty notebook
has only a parameters cell taking the same parameters. The difference is what our cells cost: imports, reading
the demo, validation, reconciliation, the panes and the plan (the notebook's defaults: missing customers only,
nothing selected, no import). The two alternate run by run. Run:

    .venv/bin/python benchmarks/bench_notebook.py [--clients 300] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, alternate, compare, text_table

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "reconcile.ipynb"


def empty_notebook(path: Path) -> Path:
    """A notebook with nothing but a parameters cell (same parameter names as the reconcile notebook)."""
    cell = {"cell_type": "code", "execution_count": None, "id": "parameters", "metadata": {"tags": ["parameters"]},
            "outputs": [], "source": ['sage_url = ""\n', 'smsturbo_url = ""']}
    notebook = {"cells": [cell], "nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def papermill_run(source: Path, out: Path, parameters: dict[str, Any], kernel: str) -> dict[str, Any]:
    """Seconds of one papermill execution."""
    import papermill

    start = time.perf_counter()
    papermill.execute_notebook(str(source), str(out), parameters=parameters, kernel_name=kernel, progress_bar=False,
                               cwd=str(out.parent))
    return {"seconds": time.perf_counter() - start}


def run(directory: Path, clients: int, repeat: int) -> list[Row]:
    """The table row: reconcile.ipynb against an empty notebook, on the demo pair in ``directory``."""
    from smsync_core.notebooks.runner import ensure_kernel

    kernel = ensure_kernel()
    empty = empty_notebook(directory / "empty.ipynb")
    parameters = {"sage_url": f"sqlite:///{directory / 'sage.db'}",
                  "smsturbo_url": f"sqlite:///{directory / 'smsturbo.db'}"}
    ours, theirs = alternate(
        repeat,
        lambda: papermill_run(NOTEBOOK, directory / "reconcile-out.ipynb", parameters, kernel),
        lambda: papermill_run(empty, directory / "empty-out.ipynb", parameters, kernel),
    )
    row = compare("papermill run of reconcile.ipynb", clients, "notebooks/reconcile.ipynb (defaults)",
                  "papermill run of an empty notebook", ours, theirs, "", note="")
    row.note = f"overhead of our cells: {row.smsync_s - row.baseline_s:.2f} s (kernel start included in both)"
    return [row]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=300, help="demo size (smsync demo builds 300)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from smsync_core.demo import build_demo

    with tempfile.TemporaryDirectory(prefix="smsync-bench-") as tmp:
        build_demo(Path(tmp), clients=args.clients)
        print(text_table(run(Path(tmp), args.clients, args.repeat)))


if __name__ == "__main__":
    main()
