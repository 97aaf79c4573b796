"""Views of match suggestions for people: overview counts, a side-by-side comparison, the ID worklist, JSON.

smsync never renames a customer ID. The worklist is for the people who fix IDs by hand; what it proposes
follows the source document: an SMSTurbo Customer ID must equal the Sage Client Number exactly, and a Sage
client whose number has invalid characters is made inactive and set up again under a valid number.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from smsync_core.errors import UsageError
from smsync_core.outputs.xlsx import blank_ids, write_xlsx
from smsync_core.schema import COMPARED_FIELDS, ID_MAX_LENGTH, ID_PATTERN

if TYPE_CHECKING:  # the reconciliation uses the suggestion engine; this view only reads its result
    from smsync_core.reconcile import Reconciliation

#: Columns of the ID worklist, in order.
WORKLIST_COLUMNS: Final = (
    "smsturbo_id",
    "smsturbo_name",
    "sage_id",
    "sage_name",
    "score",
    "reasons",
    "other_candidates",
    "action",
)

#: The worklist's headings, in words (the columns keep their names in code).
WORKLIST_HEADINGS: Final = {
    "smsturbo_id": "SMSTurbo Customer ID",
    "smsturbo_name": "SMSTurbo name",
    "sage_id": "Sage 100 Client Number",
    "sage_name": "Sage 100 name",
    "score": "Score (0-100)",
    "reasons": "Why it is probably the same client",
    "other_candidates": "Other candidates",
    "action": "What to do",
    "rank": "Rank",
    "direction": "For",
}
#: The suggestions sheet's ``direction`` in words.
DIRECTION_WORDS: Final = {"smsturbo->sage": "SMSTurbo customer not in Sage 100",
                          "sage->smsturbo": "Sage 100 client not in SMSTurbo"}

RENAME: Final = "If this is the same client, change the SMSTurbo Customer ID to the Sage Client Number by hand."
FIX_SAGE: Final = (
    "If this is the same client, the Sage Client Number has invalid characters: make it inactive in Sage 100 "
    "and set the client up again under a valid number (A-Z, 0-9, dash, underscore, at most 15)."
)
ENTER: Final = "No likely match: enter this customer in Sage 100 by hand."
DUPLICATE: Final = (
    "Probably a second SMSTurbo customer for a Sage client SMSTurbo already has under its own Client Number: do "
    "not enter it in Sage 100; merge or retire it in SMSTurbo by hand."
)
#: The suggestion columns in words (one row per suggested pair).
PAIR_HEADINGS: Final = {"smsturbo_id": "SMSTurbo Customer ID", "sage_id": "Sage Client Number", "score": "Score",
                        "reasons": "Why they look alike"}


def overview_counts(rec: Reconciliation) -> pd.Series:
    """Number of customers matched, different, Sage-only and SMSTurbo-only (run ``reconcile`` in all mode)."""
    return pd.Series(
        {
            "matched": len(rec.matched),
            "different": len(rec.different),
            "sage-only": len(rec.sage_only),
            "smsturbo-only": len(rec.smsturbo_only),
        },
        name="customers",
    )


def best(suggestions: pd.DataFrame, direction: str = "smsturbo->sage") -> pd.DataFrame:
    """The rank-1 suggestion of every unpartnered customer in ``direction``, best score first."""
    top = suggestions[(suggestions["direction"] == direction) & (suggestions["rank"] == 1)]
    return top.sort_values(["score", "smsturbo_id", "sage_id"], ascending=[False, True, True]).reset_index(drop=True)


def choose_pair(pair: str, suggestions: pd.DataFrame) -> tuple[str, str]:
    """Parse ``"SMSTURBO_ID=SAGE_ID"``; an empty string picks the best suggestion."""
    if pair.strip():
        smsturbo_id, sep, sage_id = pair.partition("=")
        if not sep or not smsturbo_id or not sage_id:
            raise UsageError(f"The pair {pair!r} is not SMSTURBO_ID=SAGE_ID; write it like ACMEPAVING=1001.")
        return smsturbo_id, sage_id
    top = best(suggestions)
    if top.empty:
        raise UsageError("There is no suggestion to compare; give a pair as SMSTURBO_ID=SAGE_ID.")
    return str(top["smsturbo_id"].iloc[0]), str(top["sage_id"].iloc[0])


def _record(frame: pd.DataFrame, customer_id: str, side: str) -> pd.Series:
    rows = frame[frame["customer_id"] == customer_id]
    if rows.empty:
        raise UsageError(f"There is no {side} customer with ID {customer_id!r}; check the pair parameter.")
    return rows.iloc[0]


def side_by_side(sage: pd.DataFrame, smsturbo: pd.DataFrame, smsturbo_id: str, sage_id: str) -> pd.DataFrame:
    """Every compared field of one SMSTurbo customer beside one Sage client, with ``same`` per field.

    ``same`` uses the reconciliation's comparison (missing = "", surrounding whitespace ignored, exact).
    """
    left, right = _record(smsturbo, smsturbo_id, "SMSTurbo"), _record(sage, sage_id, "Sage")
    fields = ["customer_id", *COMPARED_FIELDS]
    values = {
        "smsturbo": [left.get(f, pd.NA) for f in fields],
        "sage": [right.get(f, pd.NA) for f in fields],
    }
    frame = pd.DataFrame(values, index=pd.Index(fields, name="field")).astype("string")
    frame["same"] = frame["smsturbo"].fillna("").str.strip() == frame["sage"].fillna("").str.strip()
    return frame


def pairs(suggestions: pd.DataFrame) -> pd.DataFrame:
    """One row per suggested pair (a pair found from both sides is listed once), best score first, reasons in
    words, headed in words."""
    if suggestions.empty:
        return pd.DataFrame(columns=list(PAIR_HEADINGS.values()))
    best_first = suggestions.sort_values(["score", "smsturbo_id", "sage_id"], ascending=[False, True, True])
    once = best_first.drop_duplicates(["smsturbo_id", "sage_id"])
    frame = pd.DataFrame({
        "smsturbo_id": once["smsturbo_id"].astype(str).to_numpy(),
        "sage_id": once["sage_id"].astype(str).to_numpy(),
        "score": once["score"].to_numpy(),
        "reasons": once["reasons"].map(lambda r: "; ".join(r)).to_numpy(),
    })
    return frame.rename(columns=PAIR_HEADINGS).reset_index(drop=True)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for people: missing values blank (never ``<NA>``/``None``/``NaN``), yes/no for True/False."""
    out = frame.astype(object)
    for column in out.columns:
        values = out[column]
        flags = values.map(lambda v: isinstance(v, bool))
        out[column] = values.where(~flags, values.map({True: "yes", False: "no"}))
    return out.where(out.notna(), "")


def worklist(suggestions: pd.DataFrame, sage: pd.DataFrame, smsturbo_only: pd.DataFrame,
             in_smsturbo: Any = ()) -> pd.DataFrame:
    """One row per SMSTurbo-only customer: its best Sage candidate, why, the others, and what to do by hand.

    ``in_smsturbo``: Client Numbers SMSTurbo already holds under their own number. A customer whose best
    candidate is one of them is a second SMSTurbo customer for that client (say, ``0001005`` beside ``1005`` after
    an import): the worklist says so, instead of asking for it to be keyed into Sage 100.
    """
    to_sage = suggestions[suggestions["direction"] == "smsturbo->sage"]
    first = to_sage[to_sage["rank"] == 1].set_index("smsturbo_id")
    others = (
        to_sage[to_sage["rank"] > 1]
        .assign(text=lambda f: f["sage_id"] + " (" + f["score"].astype(str) + ")")
        .groupby("smsturbo_id")["text"]
        .agg(", ".join)
    )
    names = sage.drop_duplicates("customer_id").set_index("customer_id")["name"]
    ids = smsturbo_only["customer_id"].astype("string").reset_index(drop=True)
    sage_id = ids.map(first["sage_id"]).astype("string")
    valid = sage_id.str.fullmatch(ID_PATTERN).fillna(False) & (sage_id.str.len() <= ID_MAX_LENGTH).fillna(False)
    action = pd.Series(ENTER, index=ids.index).where(sage_id.isna(), pd.Series(FIX_SAGE, index=ids.index))
    action = action.where(~valid.astype(bool), RENAME)
    known = sage_id.isin(list(in_smsturbo)).fillna(False).astype(bool)
    action = action.where(~known, DUPLICATE)
    frame = pd.DataFrame(
        {
            "smsturbo_id": ids,
            "smsturbo_name": smsturbo_only["name"].astype("string").reset_index(drop=True),
            "sage_id": sage_id,
            "sage_name": sage_id.map(names).astype("string"),
            "score": ids.map(first["score"]).astype("float64"),
            "reasons": ids.map(first["reasons"].map("; ".join)).astype("string"),
            "other_candidates": ids.map(others).astype("string"),
            "action": action.astype("string"),
        }
    )
    return frame.sort_values(["score", "smsturbo_id"], ascending=[False, True], na_position="last").reset_index(
        drop=True
    )[list(WORKLIST_COLUMNS)]


def write_worklist(frame: pd.DataFrame, suggestions: pd.DataFrame, path: str | Path) -> Path:
    """Write the worklist (sheet ``worklist``) and every suggestion (sheet ``suggestions``) to an Excel file:
    headings in words, an empty ID blank, no live formula in any cell."""
    target = Path(path)
    flat = suggestions.assign(reasons=suggestions["reasons"].map("; ".join),
                              direction=suggestions["direction"].map(DIRECTION_WORDS))
    ids = ("smsturbo_id", "sage_id")
    sheets = {"worklist": frame.assign(**{c: blank_ids(frame[c]) for c in ids}),
              "suggestions": flat.assign(**{c: blank_ids(flat[c]) for c in ids})}
    write_xlsx(sheets, target, headings=WORKLIST_HEADINGS)
    return target


def to_dict(suggestions: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """The ``suggest`` JSON shape: ``{"suggestions": [{smsturbo_id, sage_id, score, reasons, direction, rank}]}``."""
    columns = [suggestions[c].tolist() for c in ("smsturbo_id", "sage_id", "score", "reasons", "direction", "rank")]
    return {
        "suggestions": [
            {
                "smsturbo_id": str(smsturbo_id),
                "sage_id": str(sage_id),
                "score": float(score),
                "reasons": list(reasons),
                "direction": str(direction),
                "rank": int(rank),
            }
            for smsturbo_id, sage_id, score, reasons, direction, rank in zip(*columns, strict=True)
        ]
    }
