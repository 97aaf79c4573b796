"""The plan (dry run): exactly what an import of a selection would change in SMSTurbo, field by field.

Inserts come from selected ``sage_only`` clients: mapped fields from Sage 100, every other target column from
the ``ZZDEFAULT`` template row (database defaults where there is none). Updates come from selected
``different`` clients, only for fields of the Replace Options groups. Everything else selected is skipped with
a reason. Nothing is ever deleted and nothing is read or written here: the plan is built from a
:class:`~smsync_core.reconcile.Reconciliation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import pandas as pd

from smsync_core import schema
from smsync_core.audit.changes import Change, Inserts, encode_value, python_value
from smsync_core.clock import new_run_id, utc_now
from smsync_core.config import Config
from smsync_core.reconcile import Reconciliation

ALL_ELIGIBLE: Final = "all-eligible"
UPDATE_COLUMNS = ("customer_id", "field", "column", "before", "after")
FRAME_COLUMNS = ("customer_id", "action", "field", "column", "before", "after")


@dataclass(frozen=True)
class Plan:
    """What an import would do; ``to_frame()`` lists every change field by field."""

    plan_id: str
    created_at: str
    mode: str
    selection: tuple[str, ...]
    replace_groups: tuple[str, ...]
    insert_ids: tuple[str, ...]
    update_ids: tuple[str, ...]
    inserts: pd.DataFrame
    updates: pd.DataFrame
    skipped: pd.DataFrame
    field_names: Mapping[str, str] = field(default_factory=lambda: {c: f for f, c in schema.SMSTURBO_COLUMNS.items()})
    id_column: str = schema.SMSTURBO_COLUMNS["customer_id"]
    #: The ``ZZDEFAULT`` row the inserts copied (None: there was none), checked again when the plan is applied.
    template: Mapping[str, Any] | None = None

    @property
    def empty(self) -> bool:
        """True when the plan changes nothing."""
        return not self.insert_ids and not self.update_ids

    def to_frame(self) -> pd.DataFrame:
        """Every change: customer_id, action ("insert"/"update"), field, column, before, after."""
        parts = []
        if len(self.inserts):
            long = self.inserts.melt(id_vars=[self.id_column], var_name="column", value_name="after",
                                     ignore_index=False)
            long["_row"], long["_col"] = long.index, long["column"].map(
                {c: i for i, c in enumerate(self.inserts.columns)})
            long = long.sort_values(["_row", "_col"], kind="stable")
            parts.append(pd.DataFrame({
                "customer_id": long[self.id_column].to_numpy(dtype=object),
                "action": "insert",
                "field": long["column"].map(lambda c: self.field_names.get(c, c)).to_numpy(dtype=object),
                "column": long["column"].to_numpy(dtype=object),
                "before": None,
                "after": long["after"].to_numpy(dtype=object),
            }))
        if len(self.updates):
            parts.append(self.updates.assign(action="update")[list(FRAME_COLUMNS)])
        if not parts:
            return pd.DataFrame(columns=list(FRAME_COLUMNS)).astype(object)
        frame = pd.concat(parts, ignore_index=True)
        return frame[list(FRAME_COLUMNS)].astype(object).reset_index(drop=True)

    def changes(self) -> list[Change]:
        """The plan as row changes keyed by target column: the inserts, then the updates."""
        inserts = self.insert_columns()
        return [*(inserts.changes() if inserts is not None else ()), *self.update_changes()]

    def insert_columns(self) -> Inserts | None:
        """The inserts column by column (what apply writes and records), None when there are none."""
        if not len(self.inserts):
            return None
        # the insert frame already holds plain Python values (see _inserts)
        return Inserts(tuple(str(c) for c in self.inserts.columns),
                       tuple(self.inserts[c].to_numpy(dtype=object).tolist() for c in self.inserts.columns),
                       self.id_column)

    def update_changes(self) -> list[Change]:
        """The updates as row changes: the replaced fields' columns with their before and after values."""
        return [
            Change(str(cid), "update",
                   {c: python_value(v) for c, v in zip(group["column"], group["before"], strict=True)},
                   {c: python_value(v) for c, v in zip(group["column"], group["after"], strict=True)})
            for cid, group in self.updates.groupby("customer_id", sort=False)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plan (values tagged like the run record where JSON has no type for them)."""
        return {
            "plan_id": self.plan_id,
            "created_at": self.created_at,
            "mode": self.mode,
            "selection": list(self.selection),
            "replace_groups": list(self.replace_groups),
            "insert_ids": list(self.insert_ids),
            "update_ids": list(self.update_ids),
            "inserts": [{"customer_id": str(r[self.id_column]),
                         "values": {c: encode_value(v) for c, v in r.items()}}
                        for r in self.inserts.to_dict("records")],
            "updates": [{k: encode_value(v) for k, v in r.items()} for r in self.updates.to_dict("records")],
            "skipped": [{"customer_id": r["customer_id"], "reason": r["reason"]}
                        for r in self.skipped.to_dict("records")],
        }


def _error_rules(rules: Any) -> list[str]:
    return [r for r in (rules or ()) if schema.RULES.get(r) == "error"]


def parse_selection(text: str) -> list[str] | Literal["all-eligible"] | None:
    """A selection as people write it, on the command line, in a file or in a notebook parameter.

    ``all-eligible`` (any case) is every eligible client; ``none`` or nothing is no selection (None); otherwise
    Client Numbers separated by commas or on lines of their own, as a selection file has them (blank lines,
    ``#`` comments and a ``customer_id`` heading line are skipped). Each ID is kept exactly, but for the white
    space around it.
    """
    stripped = text.strip()
    if stripped.lower() in ("", "none"):
        return None
    if stripped.lower() == ALL_ELIGIBLE:
        return ALL_ELIGIBLE
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and lines[0].strip().lower() == "customer_id":
        lines = lines[1:]
    ids = [part.strip() for line in lines for part in line.split(",") if part.strip()]
    return ids or None


def _selection(right: pd.DataFrame, selected: Iterable[str] | str) -> tuple[tuple[str, ...], list[str]]:
    """(selection as given, IDs to consider in order, duplicates removed)."""
    if isinstance(selected, str):
        if selected != ALL_ELIGIBLE:
            raise ValueError(f"select IDs as a list, or pass {ALL_ELIGIBLE!r}")
        ids = right.loc[right["eligible"].astype(bool), "customer_id"]
        return (ALL_ELIGIBLE,), list(dict.fromkeys(str(v) for v in ids.dropna()))
    given = tuple(str(v) for v in selected)
    return given, list(dict.fromkeys(given))


def build_plan(rec: Reconciliation, selected: Iterable[str] | Literal["all-eligible"],
               replace_groups: Sequence[str], config: Config, template: Mapping[str, Any] | None,
               target_columns: Sequence[str]) -> Plan:
    """Plan an import of ``selected`` (IDs, or ``"all-eligible"``: every eligible row of the right pane).

    Parameters
    ----------
    rec
        The reconciliation the user looked at (its mode decides whether differing clients can be updated).
    replace_groups
        Replace Options groups; fields outside them are never changed on an existing customer.
    template
        The ``ZZDEFAULT`` row (column -> value), or None to leave unmapped columns to database defaults.
    target_columns
        Every column of the SMSTurbo customer table.
    """
    unknown = sorted(set(replace_groups) - set(schema.REPLACE_GROUPS))
    if unknown:
        raise ValueError(f"unknown Replace Options group {', '.join(unknown)}")
    mapping = {
        f: c
        for f, c in config.smsturbo.columns.items()
        if (not target_columns or c in target_columns) and f not in rec.unknown_fields  # unknown: never written
    }
    id_column = config.smsturbo.columns["customer_id"]
    right = rec.right_pane()
    given, ids = _selection(right, selected)
    cids = right["customer_id"].to_numpy(dtype=object)
    has_error = right["has_error"].to_numpy(dtype=bool)
    kinds, rules, differs = (right[c].to_numpy(dtype=object) for c in ("kind", "rules", "fields"))
    first: dict[str, int] = {}
    repeated: set[str] = set()
    for index, cid in enumerate(cids):  # plain Python over arrays: no per-row pandas work
        if isinstance(cid, str):
            if cid in first:
                repeated.add(cid)
            first.setdefault(cid, index)
    known = set(rec.matched["customer_id"].dropna().astype(str))
    replace_fields = [f for g in schema.REPLACE_GROUPS if g in replace_groups for f in schema.REPLACE_GROUPS[g]]

    inserts: list[int] = []
    updates: list[tuple[str, list[str]]] = []
    skipped: list[tuple[str, str]] = []
    for cid in ids:
        position = first.get(cid)
        if cid == schema.TEMPLATE_ID:
            skipped.append((cid, f"{schema.TEMPLATE_ID} is the SMSTurbo template customer; it is never imported"))
        elif position is None:
            skipped.append((cid, _absent_reason(cid, known, rec.mode)))
        elif cid in repeated or has_error[position]:
            found = sorted({r for p, c in enumerate(cids) if c == cid for r in _error_rules(rules[p])}) \
                if cid in repeated else _error_rules(rules[position])
            skipped.append((cid, schema.rules_in_words(found or ["id-duplicate"])))
        elif kinds[position] == "new":
            inserts.append(position)
        else:
            differing = set(differs[position] or ())
            fields = [f for f in replace_fields if f in differing and f in mapping]
            if fields:
                updates.append((cid, fields))
            elif not replace_groups:
                skipped.append((cid, "nothing to replace: no Replace Options are checked"))
            else:
                skipped.append((cid, _outside_reason(differing, replace_groups)))

    insert_frame = _inserts(right.iloc[inserts], mapping, template, target_columns, id_column)
    update_frame = _updates(rec, updates, right, mapping)
    skipped_frame = pd.DataFrame(skipped, columns=["customer_id", "reason"]).astype(object)
    return Plan(
        plan_id=new_run_id(), created_at=utc_now(), mode=rec.mode, selection=given,
        replace_groups=tuple(g for g in schema.REPLACE_GROUPS if g in replace_groups),
        insert_ids=tuple(str(v) for v in insert_frame[id_column]) if len(insert_frame) else (),
        update_ids=tuple(cid for cid, _ in updates),
        inserts=insert_frame, updates=update_frame, skipped=skipped_frame,
        field_names={c: f for f, c in mapping.items()}, id_column=id_column,
        template=dict(template) if template is not None else None,
    )


def _outside_reason(differing: set[str], checked: Sequence[str]) -> str:
    """Why a differing customer has nothing to replace, in the words of the panes and the Set Up screen."""
    groups = [schema.REPLACE_TITLES[g] for g in schema.replace_groups_of(differing) if g not in checked]
    them = "it" if len(differing) == 1 else "them"
    advice = f"; check {schema.in_words(groups)} in the Replace Options to update {them}" if groups else ""
    return (f"nothing to replace: it differs only in {schema.fields_in_words(differing)}, which the checked "
            f"Replace Options do not cover{advice}")


def _absent_reason(cid: str, known: set[str], mode: str) -> str:
    if cid not in known:
        return "not in Sage 100 (or hidden by an error on its ID)"
    if mode == "all":
        return "already in SMSTurbo and identical"
    return "already in SMSTurbo; answer No to 'Missing Customers only' (--all) to update it with Replace Options"


def _column(values: pd.Series) -> list[Any]:
    array = values.to_numpy(dtype=object)
    array[pd.isna(array)] = None
    if values.dtype.kind in "OSU" or str(values.dtype).startswith("str"):
        return list(array)
    return [python_value(v) for v in array]


def _inserts(rows: pd.DataFrame, mapping: Mapping[str, str], template: Mapping[str, Any] | None,
             target_columns: Sequence[str], id_column: str) -> pd.DataFrame:
    """One row per new customer: mapped fields from Sage, other columns copied from ZZDEFAULT."""
    mapped = {column: field for field, column in mapping.items() if field in rows.columns}
    copied = {c: v for c, v in (template or {}).items() if c not in mapped and c != id_column}
    order = list(target_columns) or [*mapped, *copied]
    columns = [c for c in order if c in mapped or c in copied]
    if id_column not in columns:
        columns.insert(0, id_column)
    data = {c: _column(rows[mapped[c]]) if c in mapped else [python_value(copied[c])] * len(rows)
            for c in columns}
    return pd.DataFrame(data, columns=columns, dtype=object).reset_index(drop=True)


def _updates(rec: Reconciliation, updates: list[tuple[str, list[str]]], right: pd.DataFrame,
             mapping: Mapping[str, str]) -> pd.DataFrame:
    """Long form: customer_id, field, column, before (SMSTurbo now), after (Sage) for each replaced field."""
    if not updates:
        return pd.DataFrame(columns=list(UPDATE_COLUMNS)).astype(object)
    wanted = {cid for cid, _ in updates}
    theirs = rec.different_smsturbo[rec.different_smsturbo["customer_id"].isin(wanted)]
    ours = right[(right["kind"] == "update") & right["customer_id"].isin(wanted)]
    before = {r["customer_id"]: r for r in theirs.drop_duplicates("customer_id").to_dict("records")}
    after = {r["customer_id"]: r for r in ours.drop_duplicates("customer_id").to_dict("records")}
    out = [
        (cid, f, mapping[f], python_value(before[cid][f]), python_value(after[cid][f]))
        for cid, fields in updates for f in fields
    ]
    return pd.DataFrame(out, columns=list(UPDATE_COLUMNS)).astype(object)
