"""Reconciliation: which customers are only in SMSTurbo, only in Sage 100, or on both sides but different.

IDs are joined EXACTLY (no trimming, no case folding): the source document requires SMSTurbo Customer IDs to
match the Sage Client Number exactly. Field values are compared after NULL -> "" and stripping surrounding
whitespace, otherwise exactly (case-sensitive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.frames import TEXT
from smsync_core.validate import check, row_status

Mode = Literal["missing-only", "all"]
STATUS_COLUMNS = ("status_ref", "inactive", "has_error", "eligible", "rules")
RIGHT_COLUMNS = (
    "customer_id", "name", "status", "status_ref", "inactive", "eligible", "has_error", "rules", "kind", "fields",
    *(f for f in schema.TEXT_FIELDS if f not in ("customer_id", "name")),
    "row",
)  # fmt: skip


def normalised(values: pd.Series) -> pd.Series:
    """A compared value: NULL -> "" and surrounding whitespace stripped; case and inner spacing kept."""
    return values.astype(TEXT).fillna("").str.strip()


def _object_column(values: list[Any] | np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = values if len(values) else []
    return out


@dataclass(frozen=True)
class Reconciliation:
    """The two panes' contents and everything needed to explain them (see docs/internals.md)."""

    mode: Mode
    smsturbo_only: pd.DataFrame
    sage_only: pd.DataFrame
    different: pd.DataFrame
    different_smsturbo: pd.DataFrame
    differences: pd.DataFrame
    matched: pd.DataFrame
    findings: pd.DataFrame

    @property
    def missing_only(self) -> bool:
        """True for the "Missing Customers only" answer."""
        return self.mode == "missing-only"

    def right_pane(self) -> pd.DataFrame:
        """Sage 100 data not in SMSTurbo (``kind="new"``), then, in all mode, clients that differ (``"update"``)."""
        new = self.sage_only.assign(kind="new", fields=_object_column([()] * len(self.sage_only), len(self.sage_only)))
        update = self.different.assign(kind="update")
        frame = pd.concat([new, update], ignore_index=True) if len(update) else new.reset_index(drop=True)
        frame["kind"] = frame["kind"].astype(TEXT)
        frame["selectable"] = ~frame["has_error"].astype(bool)
        return frame[[*RIGHT_COLUMNS, "selectable"]]

    def left_pane(self) -> pd.DataFrame:
        """SMSTurbo data not in Sage 100 (``kind="smsturbo-only"``), then the SMSTurbo side of differing IDs."""
        only = self.smsturbo_only.assign(
            kind="smsturbo-only",
            fields=_object_column([()] * len(self.smsturbo_only), len(self.smsturbo_only)),
        )
        frames = [only]
        if len(self.different):
            theirs = self.different_smsturbo.assign(
                kind="different", fields=self.different["fields"].to_numpy(dtype=object)
            )
            frames.append(theirs)
        frame = pd.concat(frames, ignore_index=True)
        frame["kind"] = frame["kind"].astype(TEXT)
        frame["selectable"] = False
        return frame

    def counts(self) -> dict[str, int]:
        """How many customers in each group, for the summary line."""
        return {
            "smsturbo_only": len(self.smsturbo_only),
            "sage_only": len(self.sage_only),
            "different": len(self.different),
            "matched": len(self.matched),
            "eligible": int(self.sage_only["eligible"].sum() + self.different["eligible"].sum()),
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``diff`` JSON shape of the design (lists sorted by customer_id)."""
        by_id: dict[str, dict[str, dict[str, str]]] = {}
        for cid, field_name, sage_value, turbo_value in self.differences.itertuples(index=False):
            by_id.setdefault(cid, {})[field_name] = {"sage": sage_value, "smsturbo": turbo_value}
        return {
            "mode": self.mode,
            "counts": self.counts(),
            "smsturbo_only": [
                {"customer_id": cid, "name": _json(name)}
                for cid, name in self.smsturbo_only[["customer_id", "name"]].itertuples(index=False)
            ],
            "sage_only": [
                {
                    "customer_id": _json(row.customer_id),
                    "name": _json(row.name),
                    "status": _json(row.status),
                    "status_ref": row.status_ref,
                    "inactive": bool(row.inactive),
                    "eligible": bool(row.eligible),
                    "rules": list(row.rules),  # type: ignore[arg-type]
                }
                for row in self.sage_only.itertuples(index=False)
            ],
            "different": [{"customer_id": cid, "fields": by_id.get(cid, {})} for cid in self.different["customer_id"]],
        }


def _json(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    return value


def reconcile(
    sage: pd.DataFrame,
    smsturbo: pd.DataFrame,
    config: Config,
    findings: pd.DataFrame | None = None,
    *,
    missing_only: bool = True,
) -> Reconciliation:
    """Compare the Sage clients with the SMSTurbo customers.

    Parameters
    ----------
    sage, smsturbo
        Canonical frames from the source and target adapters.
    findings
        The housekeeping findings (``validate.check``); computed without column lengths when not given.
    missing_only
        The answer to "Do you want to see Missing Customers only?". No also lists customers on both sides whose
        compared fields differ.
    """
    if findings is None:
        findings = check(sage, config)
    status = row_status(sage, findings, config)
    sage_full = pd.concat([sage.drop(columns="inactive"), status], axis=1)  # inactive: status set or flag
    target = smsturbo.drop_duplicates("customer_id", keep="first").reset_index(drop=True)
    sage_ids = sage["customer_id"].astype(TEXT)
    target_ids = target["customer_id"].astype(TEXT)
    in_target = is_in(sage_ids, target_ids)
    in_sage = is_in(target_ids, sage_ids)

    sage_only = _sorted(sage_full, ~in_target)
    smsturbo_only = _sorted(target, ~in_sage)
    both = sage_full.loc[in_target]
    empty_diffs = pd.DataFrame(
        {name: pd.Series([], dtype=TEXT) for name in ("customer_id", "field", "sage", "smsturbo")}
    )
    if missing_only:
        matched = pd.DataFrame({"customer_id": both["customer_id"].drop_duplicates().sort_values().array})
        different = both.iloc[0:0].assign(fields=pd.Series([], dtype=object))
        return Reconciliation(
            "missing-only",
            smsturbo_only,
            sage_only,
            different,
            target.iloc[0:0],
            empty_diffs,
            matched,
            findings,
        )

    compared = [f for f in schema.COMPARED_FIELDS if f in target.columns]
    # the SMSTurbo values lined up with the Sage rows (a left merge keeps the left order, and target IDs are
    # unique); only the compared columns are merged, the Sage columns stay where they are
    both = both.reset_index(drop=True)
    merged = both[["customer_id"]].merge(target[["customer_id", *compared]], on="customer_id", how="left")
    long_parts = []
    field_mask = np.zeros(len(merged), dtype="int64")  # bit i set: compared field i differs on this row
    for bit, name in enumerate(compared):
        ours, theirs = normalised(both[name]), normalised(merged[name])
        differs = (ours != theirs).to_numpy(dtype=bool)
        field_mask |= differs.astype("int64") << bit
        long_parts.append(
            pd.DataFrame(
                {
                    "customer_id": merged["customer_id"].array[differs],
                    "field": name,
                    "sage": ours.array[differs],
                    "smsturbo": theirs.array[differs],
                    "_row": np.flatnonzero(differs),
                    "_rank": bit,
                }
            )
        )
    differences = pd.concat(long_parts, ignore_index=True) if long_parts else empty_diffs.assign(_row=0, _rank=0)
    differences = (
        differences.sort_values(["customer_id", "_row"], kind="stable")
        .drop_duplicates(["customer_id", "field"])  # duplicated Sage IDs: the first row's values
        .sort_values(["customer_id", "_rank"], kind="stable")
        .drop(columns=["_row", "_rank"])
        .reset_index(drop=True)
    )
    for name in differences.columns:
        differences[name] = differences[name].astype(TEXT)

    # one mask per ID (union over duplicated Sage rows), turned into field-name tuples per distinct mask
    id_codes, _ = pd.factorize(merged["customer_id"])
    id_mask = np.zeros(id_codes.max() + 1 if len(id_codes) else 0, dtype="int64")
    np.bitwise_or.at(id_mask, id_codes, field_mask)
    any_diff = field_mask != 0
    differing_rows = both.loc[any_diff].assign(_mask=id_mask[id_codes[any_diff]])
    different = _sorted(differing_rows.drop_duplicates("customer_id", keep="first"))
    mask_codes, masks = pd.factorize(different.pop("_mask"))
    lookup = np.empty(len(masks), dtype=object)
    lookup[:] = [tuple(f for bit, f in enumerate(compared) if int(m) >> bit & 1) for m in masks]
    different = pd.DataFrame(
        different.assign(fields=lookup[mask_codes] if len(mask_codes) else np.empty(0, dtype=object))
    )
    matched_ids = both["customer_id"].drop_duplicates()
    matched_ids = matched_ids[~is_in(matched_ids, different["customer_id"])].sort_values()
    matched = pd.DataFrame({"customer_id": matched_ids.array})
    target_side = target.set_index("customer_id").loc[different["customer_id"].to_numpy()].reset_index()
    return Reconciliation("all", smsturbo_only, sage_only, different, target_side, differences, matched, findings)


def is_in(values: pd.Series, candidates: pd.Series) -> np.ndarray:
    """Exact, case-sensitive membership of each value among the candidates (NULL is never a member)."""
    found = pc.is_in(pa.array(values.array), value_set=pa.array(candidates.dropna().array), skip_nulls=True)
    return np.asarray(pc.fill_null(found, False), dtype=bool)


def _sorted(frame: pd.DataFrame, mask: np.ndarray | None = None) -> pd.DataFrame:
    """The rows (where ``mask``) sorted by customer_id (missing first), then row; every column taken once."""
    keys = ["customer_id", "row"] if "row" in frame.columns else ["customer_id"]
    picked = np.arange(len(frame)) if mask is None else np.flatnonzero(mask)
    order = (frame[keys].iloc[picked].reset_index(drop=True)
             .sort_values(keys, na_position="first", kind="stable").index.to_numpy())
    rows: pd.DataFrame = frame.iloc[picked[order]].reset_index(drop=True)
    return rows
