"""Housekeeping rules on the Sage 100 client list (the source document's "do some housekeeping first").

Each rule is a whole-column test over the Sage frame; a row can have several findings. Errors make a client
ineligible for import; warnings do not, but inactive clients start unchecked. Rule names are the design's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.frames import TEXT, id_sort_keys, text_from_codes

FINDING_COLUMNS = ("row", "customer_id", "rule", "severity", "field", "message")


def numeric_ids(ids: pd.Series) -> bool:
    """Whether the company's Client Numbers are numbers (as in every real Sage 100 Contractor company, where
    ``recnum`` is a bigint): most present IDs are digits only. Text IDs come from imagined tables or edited
    exports; the advice then speaks of the characters SMSTurbo allows."""
    data = pa.array(ids.astype(TEXT).array)
    present = pc.sum(pc.invert(pc.fill_null(pc.utf8_is_space(data), True))).as_py() or 0
    digits = pc.sum(pc.fill_null(pc.match_substring_regex(data, "^[0-9]+$"), False)).as_py() or 0
    return present > 0 and 2 * digits >= present


def inactive_words(config: Config) -> str:
    """How a client is made inactive in Sage 100, in the company's words (``status 6 - Do Not Accept ...``)."""
    names = dict(config.status_names)
    statuses = [f"status {s} - {names[s]}" if s in names else f"status {s}" for s in sorted(config.inactive_statuses)]
    return " or ".join([*statuses, "the Inactive flag"])


def rule_advice(config: Config, numeric: bool = True) -> dict[str, str]:
    """What to do about each rule, one text per rule: what the command line, the notebooks and the page show.

    ``numeric``: the company's Client Numbers are numbers (:func:`numeric_ids`); a new Client Number is then "a
    number of at most 15 digits", which Sage 100 Contractor can hold, not "A-Z, 0-9, dash and underscore".
    """
    new_number = (
        f"a number of at most {schema.ID_MAX_LENGTH} digits"
        if numeric
        else f"at most {schema.ID_MAX_LENGTH} characters of A-Z, 0-9, dash and underscore"
    )
    new_client = (
        f"Make this client inactive in Sage 100 ({inactive_words(config)}) and set up a new client whose "
        f"Client Number is {new_number}."
    )
    return {
        "id-empty": f"Give the client a Client Number in Sage 100 ({new_number}).",
        "id-too-long": new_client,
        "id-invalid-chars": new_client,
        "id-duplicate": f"Keep one client with this Client Number and give each other one its own ({new_number}).",
        "id-reserved": f"'{schema.TEMPLATE_ID}' is SMSTurbo's template for new customers: " + new_client[0].lower()
        + new_client[1:],
        "field-too-long": "Shorten the value in Sage 100: it is longer than SMSTurbo's column.",
        "inactive": "It starts unchecked so it is not brought over to SMSTurbo; check it by hand only if it should "
        "come over.",
        "missing-name": "Enter the client name in Sage 100.",
        "missing-address": "Complete the address (address, city, state and zip) in Sage 100.",
        "missing-phone": "Enter a phone or cell phone number in Sage 100.",
        "missing-contact": "Enter a contact name in Sage 100.",
    }


def blank(values: pd.Series) -> pd.Series:
    """NULL, empty or only whitespace (tested in Arrow, without building stripped copies of the text)."""
    data = pa.array(values.astype(TEXT).array)
    empty = pc.or_kleene(pc.equal(pc.utf8_length(data), 0), pc.utf8_is_space(data))
    return pd.Series(np.asarray(pc.fill_null(empty, True), dtype=bool), index=values.index)


def text_lengths(values: pd.Series) -> np.ndarray:
    """Characters in each value (0 for NULL)."""
    data = pa.array(values.astype(TEXT).array)
    return np.asarray(pc.fill_null(pc.utf8_length(data), 0), dtype="int64")


def _quoted(ids: pd.Series) -> pd.Series:
    return "'" + ids.fillna("") + "'"


Message = Callable[[pd.DataFrame], "pd.Series | str"]


#: The columns a finding or its message reads (a ``field-too-long`` message also reads its field).
_MESSAGE_COLUMNS = ("row", "customer_id", "status", "inactive")


def _findings(
    sage: pd.DataFrame, mask: pd.Series | np.ndarray, rule: str, message: Message | str, field: str | None = None
) -> pd.DataFrame:
    """The findings of one rule; the message is built only for the rows the rule picked.

    Only the columns a message reads are taken for the picked rows (not the whole client record).
    """
    wanted = ["row", "customer_id"] if isinstance(message, str) else [*_MESSAGE_COLUMNS, *([field] if field else [])]
    picked = sage[[c for c in dict.fromkeys(wanted) if c in sage.columns]].loc[np.asarray(mask, dtype=bool)]
    text = message(picked) if callable(message) else message
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


def _too_long_message(field_name: str, limit: int, advice: str) -> Message:
    def message(rows: pd.DataFrame) -> pd.Series:
        lengths = rows[field_name].str.len().astype(str)
        return f"{field_name} is " + lengths + f" characters, more than SMSTurbo's {limit}. " + advice

    return message


def inactive_mask(sage: pd.DataFrame, config: Config) -> pd.Series:
    """Clients whose status is in the configured inactive set, or whose ``inactv`` flag is set."""
    status = sage["status"].astype("Int64")
    by_status = status.isin(sorted(config.inactive_statuses)).fillna(False).astype(bool)
    return by_status | sage["inactive"].astype(bool)


def inactive_reason(rows: pd.DataFrame, config: Config) -> pd.Series:
    """What made each client inactive: ``status 6 - Do Not Accept Contract Again`` or ``the Inactive flag``
    ("" for an active client). The status wins when both apply."""
    ref = status_ref(rows["status"], config)
    by_status = rows["status"].astype("Int64").isin(sorted(config.inactive_statuses)).fillna(False).astype(bool)
    flag = rows["inactive"].astype(bool) if "inactive" in rows else pd.Series(False, index=rows.index)
    reason = ("status " + ref).where(by_status, "")
    return reason.where(by_status | ~flag, "the Inactive flag").astype(TEXT)


def status_sort(status: pd.Series, inactive: pd.Series | np.ndarray) -> np.ndarray:
    """The order of the Client Status Ref column: active clients by status, then every inactive client together
    (by status, whichever of the status or the Inactive flag made it inactive); no status last in its group."""
    numbers = status.astype("Int64").to_numpy(dtype="float64", na_value=np.nan)
    key = np.where(np.isnan(numbers), float(2**31), numbers)
    return (key + np.where(np.asarray(inactive, dtype=bool), float(2**32), 0.0)).astype("int64")


def status_ref(status: pd.Series, config: Config) -> pd.Series:
    """The "Client Status Ref" column: ``6 - Do Not Accept Contract Again``; the number alone when unnamed."""
    codes, uniques = pd.factorize(status.astype("Int64"))
    names = dict(config.status_names)
    labels = [f"{v} - {names[int(v)]}" if int(v) in names else str(int(v)) for v in uniques]
    return pd.Series(text_from_codes(codes, labels, missing=""), index=status.index)


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
    advice = rule_advice(config, numeric_ids(ids))
    parts: list[pd.DataFrame] = []

    empty = blank(ids).to_numpy(dtype=bool)
    parts.append(_findings(sage, empty, "id-empty", "Client has no Client Number. " + advice["id-empty"]))
    present = ~empty
    id_length = text_lengths(ids)
    too_long = present & (id_length > schema.ID_MAX_LENGTH)
    parts.append(
        _findings(
            sage,
            too_long,
            "id-too-long",
            lambda rows: (
                "Client Number "
                + _quoted(rows["customer_id"])
                + " has "
                + rows["customer_id"].str.len().astype(str)
                + f" characters, more than SMSTurbo's {schema.ID_MAX_LENGTH}. "
                + advice["id-too-long"]
            ),
        )
    )
    valid_chars = ids.str.fullmatch(schema.ID_PATTERN).fillna(False).to_numpy(dtype=bool)
    invalid = present & ~valid_chars
    parts.append(
        _findings(
            sage,
            invalid,
            "id-invalid-chars",
            lambda rows: (
                "Client Number "
                + _quoted(rows["customer_id"])
                + " contains "
                + rows["customer_id"].str.replace(r"[A-Z0-9_-]", "", regex=True).map(_describe_chars).astype(str)
                + " which SMSTurbo does not allow. "
                + advice["id-invalid-chars"]
            ),
        )
    )
    codes, _ = pd.factorize(ids.where(present))
    counts = np.bincount(codes[codes >= 0], minlength=1)
    dup_count = np.where(codes >= 0, counts[np.maximum(codes, 0)], 0)
    duplicate = present & (dup_count > 1)
    parts.append(
        _findings(
            sage,
            duplicate,
            "id-duplicate",
            lambda rows: (
                "Client Number "
                + _quoted(rows["customer_id"])
                + " is used by "
                + pd.Series(dup_count[duplicate], index=rows.index).astype(str)
                + " clients in Sage 100. "
                + advice["id-duplicate"]
            ),
        )
    )
    reserved = present & (ids == schema.TEMPLATE_ID).fillna(False).to_numpy(dtype=bool)
    parts.append(
        _findings(
            sage,
            reserved,
            "id-reserved",
            f"Client Number '{schema.TEMPLATE_ID}' can never be imported. " + advice["id-reserved"],
        )
    )
    for field_name, limit in sorted((lengths or {}).items()):
        if limit is None or field_name not in sage.columns or field_name == "customer_id":
            continue
        data = pa.array(sage[field_name].astype(TEXT).array)
        if (pc.max(pc.binary_length(data)).as_py() or 0) <= limit:  # bytes bound characters: none too long
            continue
        length = text_lengths(sage[field_name])
        parts.append(
            _findings(
                sage,
                length > limit,
                "field-too-long",
                _too_long_message(field_name, limit, advice["field-too-long"]),
                field=field_name,
            )
        )

    inactive = inactive_mask(sage, config).to_numpy(dtype=bool)

    def inactive_message(rows: pd.DataFrame) -> pd.Series:
        return "Client is inactive (" + inactive_reason(rows, config) + "). " + advice["inactive"]

    parts.append(_findings(sage, inactive, "inactive", inactive_message))
    # A field the source does not carry (a client list exported without it) is unknown, never missing.
    unknown = set(sage.attrs.get("unknown_fields", ()))

    def gap(field_name: str) -> pd.Series:
        return blank(sage[field_name]) & (field_name not in unknown)

    parts.append(
        _findings(sage, blank(sage["name"]), "missing-name", "Client has no name. " + advice["missing-name"])
    )
    address_fields = tuple(f for f in ("address1", "city", "state", "postal_code") if f not in unknown)
    gaps = pd.DataFrame({f: gap(f).to_numpy(dtype=bool) for f in address_fields}, index=sage.index)

    def address_message(rows: pd.DataFrame) -> pd.Series:
        missing = gaps.loc[rows.index].to_numpy(dtype="int64")
        combo = (missing << np.arange(len(address_fields))).sum(axis=1)  # one code per combination of gaps
        codes, uniques = pd.factorize(combo)
        labels = [", ".join(f for i, f in enumerate(address_fields) if int(u) >> i & 1) for u in uniques]
        names = pd.Series(text_from_codes(codes, labels), index=rows.index)
        return "Address is incomplete (missing " + names + "). " + advice["missing-address"]

    parts.append(_findings(sage, gaps.any(axis=1), "missing-address", address_message))
    parts.append(
        _findings(
            sage,
            gap("phone") & gap("mobile"),
            "missing-phone",
            "Client has no phone or cell phone number. " + advice["missing-phone"],
        )
    )
    parts.append(
        _findings(sage, gap("contact"), "missing-contact", "Client has no contact name. " + advice["missing-contact"])
    )
    findings = pd.concat(parts, ignore_index=True)
    findings["row"] = findings["row"].astype("Int64")
    for name in ("customer_id", "rule", "severity", "field", "message"):
        findings[name] = findings[name].astype(TEXT)
    rule_order = findings["rule"].map({rule: i for i, rule in enumerate(schema.RULES)}).to_numpy(dtype="int64")
    keys = id_sort_keys(pa.array(findings["customer_id"].array))  # numbers by value, then text IDs
    keys = keys.append_column("row", pa.array(findings["row"].to_numpy(dtype="int64")))
    keys = keys.append_column("rule", pa.array(rule_order))
    keys = keys.append_column("field", pa.array(findings["field"].array))
    order = pc.sort_indices(keys, sort_keys=[(key, "ascending", "at_start") for key in keys.column_names])
    ordered: pd.DataFrame = findings.iloc[order.to_numpy()].reset_index(drop=True)[list(FINDING_COLUMNS)]
    ordered["advice"] = ordered["rule"].map(advice).astype(TEXT)  # the rule's own text, for "what to do" columns
    return ordered


def _describe_chars(chars: str) -> str:
    seen = list(dict.fromkeys(chars))
    names = [("a space" if c == " " else repr(c)) for c in seen[:5]]
    return ", ".join(names) + (" and more" if len(seen) > 5 else "")


#: Bit of each rule in a row's rule mask, in the design's order.
_RULE_BITS = {rule: 1 << i for i, rule in enumerate(schema.RULES)}


def _rules_of_mask(mask: int) -> tuple[str, ...]:
    return tuple(rule for rule, bit in _RULE_BITS.items() if mask & bit)


def row_status(sage: pd.DataFrame, findings: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per Sage row: ``status_ref``, ``inactive``, ``has_error``, ``eligible``, ``rules`` (every rule found),
    ``status_sort`` (the order of the Client Status Ref column, inactive clients together) and ``why`` (the
    advice of the row's rules, saying what made an inactive client inactive).

    The rules of a row are gathered as a bit mask (one bit per rule), so the work is per distinct combination of
    rules, not per row.
    """
    positions = pd.Index(sage["row"]).get_indexer(findings["row"].astype("int64"))
    bits = findings["rule"].map(_RULE_BITS).to_numpy(dtype="int64")
    masks = np.zeros(len(sage), dtype="int64")
    keep = positions >= 0
    np.bitwise_or.at(masks, positions[keep], bits[keep])
    error_bits = sum(bit for rule, bit in _RULE_BITS.items() if schema.RULES[rule] == "error")
    errors = (masks & error_bits) != 0
    inactive = inactive_mask(sage, config).to_numpy(dtype=bool)
    codes, uniques = pd.factorize(masks)
    lookup = np.empty(len(uniques), dtype=object)
    lookup[:] = [_rules_of_mask(int(m)) for m in uniques]
    reasons = inactive_reason(sage.assign(inactive=inactive), config)
    reason_codes, reason_labels = pd.factorize(reasons)
    advice = rule_advice(config, numeric_ids(sage["customer_id"]))
    combos, combo_keys = pd.factorize(codes.astype("int64") * (len(reason_labels) + 1) + reason_codes)
    whys = [
        _why(lookup[int(k) // (len(reason_labels) + 1)], reason_labels, int(k) % (len(reason_labels) + 1), advice)
        for k in combo_keys
    ]
    return pd.DataFrame(
        {
            "status_ref": status_ref(sage["status"], config).array,
            "inactive": inactive,
            "has_error": errors,
            "eligible": ~errors & ~inactive,
            "rules": lookup[codes] if len(codes) else np.empty(0, dtype=object),
            "status_sort": status_sort(sage["status"], inactive),
            "why": text_from_codes(np.asarray(combos), whys),
        },
        index=sage.index,
    )


def _why(rules: tuple[str, ...], reasons: pd.Index, code: int, advice: Mapping[str, str]) -> str:
    """The advice of a row's rules; an inactive client's says what made it inactive."""
    parts = []
    for rule in rules:
        if rule == "inactive" and 0 <= code < len(reasons) and reasons[code]:
            parts.append(f"Inactive ({reasons[code]}): {advice[rule]}")
        else:
            parts.append(advice[rule])
    return " ".join(parts)


def rule_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """How many Sage rows each rule found, in the design's rule order (rules with no finding left out)."""
    counts = findings.groupby("rule")["row"].nunique()
    rows = [(schema.RULES[r], r, int(counts[r])) for r in schema.RULES if r in counts.index]
    return pd.DataFrame(rows, columns=["severity", "rule", "clients"])
