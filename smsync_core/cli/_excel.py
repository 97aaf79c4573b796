"""``--format xlsx --output FILE`` for ``check``, ``diff`` and ``suggest``: one sheet per list, headings in words.

The workbook itself (bold frozen header, filters, widths, no live formula) is :func:`smsync_core.outputs.write_xlsx`;
here are the sheets' names and headings each command shows, and the one check of the options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from smsync_core.errors import UsageError
from smsync_core.outputs.xlsx import blank_ids

if TYPE_CHECKING:
    import pandas as pd

    from smsync_core.reconcile import Reconciliation

#: Sheet names (Excel allows 31 characters).
LEFT_SHEET: Final = "To enter in Sage 100 by hand"
RIGHT_SHEET: Final = "Sage 100 clients to bring over"
DIFFERENCES_SHEET: Final = "Differences field by field"
FINDINGS_SHEET: Final = "Findings"
RULES_SHEET: Final = "Clients by rule"
TO_SAGE_SHEET: Final = "For SMSTurbo-only customers"
TO_SMSTURBO_SHEET: Final = "For Sage 100-only clients"

#: Headings where the column's name read as words is not what people call it.
HEADINGS: Final[Mapping[str, str]] = {
    "address1": "Address 1",
    "address2": "Address 2",
    "email": "E-mail",
    "status_ref": "Status",
    "eligible": "Eligible to import",
    "why": "Why not",
    "possible_match": "Probably SMSTurbo customer",
    "possible_match_score": "Match score",
    "possible_match_reasons": "Match reasons",
    "sage": "In Sage 100",
    "smsturbo": "In SMSTurbo",
    "smsturbo_id": "SMSTurbo customer",
    "sage_id": "Sage 100 client",
    "clients": "Clients",
    "rule_code": "Rule code",
}


def check_output(args: argparse.Namespace) -> Path | None:
    """The Excel file to write (None: print as usual); checked before anything is read."""
    output = getattr(args, "output", None)
    if args.format == "xlsx" and output is None:
        raise UsageError("--format xlsx writes a file: name it with --output FILE (for example --output panes.xlsx).")
    if output is not None and args.format != "xlsx":
        raise UsageError(f"--output is for --format xlsx; --format {args.format} prints to the screen (redirect it "
                         "with > FILE to keep it).")
    return None if output is None else Path(output)


def yes_no(values: pd.Series[Any]) -> pd.Series[Any]:
    """A true/false column in words."""
    return values.astype("boolean").map({True: "yes", False: "no"}).astype("string")


def write_excel(sheets: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Write the workbook and say on stdout where it is and what each sheet holds."""
    from smsync_core.outputs import write_xlsx

    written = write_xlsx(sheets, path, headings=HEADINGS)
    counts = "; ".join(f"{name}: {len(frame):,}" for name, frame in sheets.items())
    sys.stdout.write(f"Excel workbook written to {written} ({counts}).\n")


def check_sheets(findings: pd.DataFrame, counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """check's findings and its count by rule, each rule in words (its title); the code stays in a last column
    (``Rule code``) for analysts who filter or join on it."""
    from smsync_core import schema

    def in_words(frame: pd.DataFrame) -> pd.DataFrame:
        titles = frame["rule"].map(lambda r: schema.RULE_TITLES.get(str(r), str(r)))
        return frame.assign(rule=titles, rule_code=frame["rule"])

    return {FINDINGS_SHEET: in_words(findings.assign(customer_id=blank_ids(findings["customer_id"]))),
            RULES_SHEET: in_words(counts)}


def diff_sheets(rec: Reconciliation) -> dict[str, pd.DataFrame]:
    """The two panes as sheets (and, with --all, the differences field by field)."""
    from smsync_core import schema

    left = rec.smsturbo_only.assign(customer_id=blank_ids(rec.smsturbo_only["customer_id"]))
    right = rec.sage_only
    fields = [f for f in schema.TEXT_FIELDS if f not in ("customer_id", "name") and f in right.columns]
    right = right.assign(
        customer_id=blank_ids(right["customer_id"]),
        eligible=yes_no(right["eligible"]),
        possible_match_reasons=right["possible_match_reasons"].map(_joined, na_action="ignore"),
    )[["customer_id", "name", "status_ref", "eligible", "why", "possible_match", "possible_match_score",
       "possible_match_reasons", *fields]]
    sheets = {LEFT_SHEET: left, RIGHT_SHEET: right}
    if not rec.missing_only:
        sheets[DIFFERENCES_SHEET] = rec.differences
    return sheets


def _joined(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value)) or None
    return value
