"""What people open: CSV and Excel files without live formulas, and terminal text without live control codes.

- :func:`write_csv` and :func:`write_xlsx` are the only writers of CSV and Excel files; both write a text cell
  that would start a formula (``=``, ``+``, ``-``, ``@``, tab, CR) as text (:mod:`smsync_core.outputs.cells`).
- :func:`escape_controls` (and :func:`escape_controls_column`) show control characters escaped for a terminal.
"""

from __future__ import annotations

from smsync_core.outputs.cells import (
    FORMULA_PREFIXES,
    formula_mask,
    neutralise_formula_cell,
    neutralise_formula_column,
    neutralise_formulas,
)
from smsync_core.outputs.csv import write_csv
from smsync_core.outputs.terminal import escape_controls, escape_controls_column
from smsync_core.outputs.xlsx import blank_ids, heading, write_xlsx

__all__ = [
    "FORMULA_PREFIXES",
    "blank_ids",
    "escape_controls",
    "escape_controls_column",
    "formula_mask",
    "heading",
    "neutralise_formula_cell",
    "neutralise_formula_column",
    "neutralise_formulas",
    "write_csv",
    "write_xlsx",
]
