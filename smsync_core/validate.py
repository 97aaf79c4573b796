"""Housekeeping rules on the Sage 100 client list (the source document's "do some housekeeping first").

Each rule is a whole-column test over the Sage frame; a row can have several findings. Errors make a client
ineligible for import; warnings do not, but inactive clients start unchecked. Rule names are the design's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.frames import TEXT

FINDING_COLUMNS = ("row", "customer_id", "rule", "severity", "field", "message")

_NEW_CLIENT_ADVICE = (
    "make this client inactive in Sage 100 (status 6) and set up a new client whose Client Number uses only "
    "A-Z, 0-9, dash and underscore, at most 15 characters"
)


def blank(values: pd.Series) -> pd.Series:
    """NULL, empty or only whitespace."""
    return values.isna() | (values.fillna("").str.strip() == "")


def _quoted(ids: pd.Series) -> pd.Series:
    return "'" + ids.fillna("") + "'"


def _findings(
    sage: pd.DataFrame, mask: pd.Series, rule: str, message: pd.Series | str, field: str | None = None
) -> pd.DataFrame:
    picked = sage.loc[mask.to_numpy(dtype=bool)]
    text = message[mask.to_numpy(dtype=bool)] if isinstance(message, pd.Series) else message
    return pd.DataFrame(
        {
            "row": picked["row"].to_numpy(),
            "customer_id": picked["customer_id"].array,
            "rule": rule,
            "severity": schema.RULES[rule],
            "field": field,
            "message": text if isinstance(text, str) else text.to_numpy(dtype=object),
        }
    )


def inactive_mask(sage: pd.DataFrame, config: Config) -> pd.Series:
    """Clients whose status is in the configured inactive set, or whose ``inactv`` flag is set."""
    status = sage["status"].astype("Int64")
    by_status = status.isin(sorted(config.inactive_statuses)).fillna(False).astype(bool)
    return by_status | sage["inactive"].astype(bool)


def status_ref(status: pd.Series, config: Config) -> pd.Series:
    """The "Client Status Ref" column: ``6 - Do Not Accept Contract Again``; the number alone when unnamed."""
    numbers = status.astype("Int64")
    text = numbers.astype(TEXT)
    names = numbers.map(dict(config.status_names)).astype(TEXT)
    ref = (text + " - " + names).fillna(text)
    return ref.fillna("").astype(TEXT)


def check(sage: pd.DataFrame, config: Config, lengths: Mapping[str, int | None] | None = None) -> pd.DataFrame:
    """Every finding on the Sage clients, sorted by customer_id (missing IDs first), then rule.

    Parameters
    ----------
    sage
        The canonical Sage frame (see ``sources``).
    lengths
        SMSTurbo column lengths by field; when given, ``field-too-long`` is checked against them.
    """
    ids = sage["customer_id"].astype(TEXT)
    parts: list[pd.DataFrame] = []

    empty = blank(ids)
    parts.append(
        _findings(sage, empty, "id-empty", "Client has no Client Number; give it a valid Client Number in Sage 100.")
    )
    present = ~empty
    id_length = ids.str.len().fillna(0).astype("int64")
    too_long = present & (id_length > schema.ID_MAX_LENGTH)
    parts.append(
        _findings(
            sage,
            too_long,
            "id-too-long",
            "Client Number "
            + _quoted(ids)
            + " has "
            + id_length.astype(str)
            + f" characters, more than SMSTurbo's {schema.ID_MAX_LENGTH}; "
            + _NEW_CLIENT_ADVICE
            + ".",
        )
    )
    valid_chars = ids.str.fullmatch(schema.ID_PATTERN).fillna(False).astype(bool)
    invalid = present & ~valid_chars
    offending = ids.where(invalid, "").fillna("").str.replace(r"[A-Z0-9_-]", "", regex=True)
    shown = offending.map(_describe_chars, na_action="ignore") if invalid.any() else offending
    parts.append(
        _findings(
            sage,
            invalid,
            "id-invalid-chars",
            "Client Number "
            + _quoted(ids)
            + " contains "
            + shown.fillna("")
            + " which SMSTurbo does not allow; "
            + _NEW_CLIENT_ADVICE
            + ".",
        )
    )
    dup_count = ids.where(present).map(ids[present].value_counts()).fillna(0).astype("int64")
    duplicate = present & (dup_count > 1)
    parts.append(
        _findings(
            sage,
            duplicate,
            "id-duplicate",
            "Client Number "
            + _quoted(ids)
            + " is used by "
            + dup_count.astype(str)
            + " clients in Sage 100; give each client its own Client Number.",
        )
    )
    for field_name, limit in sorted((lengths or {}).items()):
        if limit is None or field_name not in sage.columns or field_name == "customer_id":
            continue
        length = sage[field_name].astype(TEXT).str.len().fillna(0).astype("int64")
        over = length > limit
        parts.append(
            _findings(
                sage,
                over,
                "field-too-long",
                f"{field_name} is "
                + length.astype(str)
                + f" characters, longer than SMSTurbo's {limit}; shorten it in Sage 100.",
                field=field_name,
            )
        )

    inactive = inactive_mask(sage, config)
    ref = status_ref(sage["status"], config)
    by_status = sage["status"].astype("Int64").isin(sorted(config.inactive_statuses)).fillna(False).astype(bool)
    reason = ("status " + ref).where(by_status, "the Inactive flag").fillna("the Inactive flag")
    parts.append(
        _findings(
            sage,
            inactive,
            "inactive",
            "Client is inactive (" + reason + "); it starts unchecked so it is not brought over to SMSTurbo.",
        )
    )
    parts.append(
        _findings(
            sage,
            blank(sage["name"]),
            "missing-name",
            "Client has no name; enter the client name in Sage 100.",
        )
    )
    address_fields = ("address1", "city", "state", "postal_code")
    gaps = pd.DataFrame({f: blank(sage[f]) for f in address_fields})
    missing_address = gaps.any(axis=1)
    gap_names = pd.Series("", index=sage.index, dtype=object)
    for f in address_fields:
        gap_names = gap_names.where(~gaps[f], gap_names + np.where(gap_names == "", "", ", ") + f)
    parts.append(
        _findings(
            sage,
            missing_address,
            "missing-address",
            "Address is incomplete (missing " + gap_names.astype(str) + "); complete it in Sage 100.",
        )
    )
    parts.append(
        _findings(
            sage,
            blank(sage["phone"]) & blank(sage["mobile"]),
            "missing-phone",
            "Client has no phone or cell phone number; enter one in Sage 100.",
        )
    )
    parts.append(
        _findings(
            sage,
            blank(sage["contact"]),
            "missing-contact",
            "Client has no contact name; enter one in Sage 100.",
        )
    )
    findings = pd.concat(parts, ignore_index=True)
    findings["row"] = findings["row"].astype("Int64")
    for name in ("customer_id", "rule", "severity", "field", "message"):
        findings[name] = findings[name].astype(TEXT)
    order = {rule: i for i, rule in enumerate(schema.RULES)}
    findings["_rule_order"] = findings["rule"].map(order).astype("int64")
    findings = findings.sort_values(
        ["customer_id", "row", "_rule_order", "field"], na_position="first", kind="stable"
    ).drop(columns="_rule_order")
    return findings.reset_index(drop=True)[list(FINDING_COLUMNS)]


def _describe_chars(chars: str) -> str:
    seen = list(dict.fromkeys(chars))
    names = [("a space" if c == " " else repr(c)) for c in seen[:5]]
    return ", ".join(names) + (" and more" if len(seen) > 5 else "")


_tuple_or_empty = np.frompyfunc(lambda value: value if isinstance(value, tuple) else (), 1, 1)


def _as_tuples(values: np.ndarray) -> np.ndarray:
    """Object array of tuples; anything else (no findings: NaN) becomes ``()``."""
    return np.asarray(_tuple_or_empty(values), dtype=object) if len(values) else values


def row_status(sage: pd.DataFrame, findings: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per Sage row: ``status_ref``, ``inactive``, ``has_error``, ``eligible`` and ``rules`` (every rule found)."""
    rows = findings["row"].astype("int64")
    errors = np.zeros(len(sage), dtype=bool)
    positions = pd.Index(sage["row"]).get_indexer(rows[findings["severity"] == "error"])
    errors[positions[positions >= 0]] = True
    inactive = inactive_mask(sage, config).to_numpy(dtype=bool)
    by_row = pd.Series(findings["rule"].to_numpy(dtype=object), index=rows.to_numpy()).groupby(level=0).agg(tuple)
    rules = _as_tuples(sage["row"].map(by_row).to_numpy(dtype=object))
    return pd.DataFrame(
        {
            "status_ref": status_ref(sage["status"], config).array,
            "inactive": inactive,
            "has_error": errors,
            "eligible": ~errors & ~inactive,
            "rules": rules,
        },
        index=sage.index,
    )


def rule_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """How many Sage rows each rule found, in the design's rule order (rules with no finding left out)."""
    counts = findings.groupby("rule")["row"].nunique()
    rows = [(schema.RULES[r], r, int(counts[r])) for r in schema.RULES if r in counts.index]
    return pd.DataFrame(rows, columns=["severity", "rule", "clients"])
