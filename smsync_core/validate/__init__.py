"""Housekeeping rules on the Sage 100 client list (the source document's "do some housekeeping first").

Each rule is a whole-column test over the Sage frame; a row can have several findings. Errors make a client
ineligible for import; warnings do not, but inactive clients start unchecked. Rule names are the design's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smsync_core import schema
from smsync_core.config import Config
from smsync_core.frames import TEXT, id_sort_keys
from smsync_core.validate.found import _arrow, _blank, _coded, _Found, _longer_than, _same, _text
from smsync_core.validate.found import blank as blank
from smsync_core.validate.found import text_lengths as text_lengths
from smsync_core.validate.ids import _id_findings, _id_problems

FINDING_COLUMNS = ("row", "customer_id", "rule", "severity", "field", "message")


def numeric_ids(ids: pd.Series) -> bool:
    """Whether the company's Client Numbers are numbers (as in every real Sage 100 Contractor company, where
    ``recnum`` is a bigint): most present IDs are digits only. Text IDs come from imagined tables or edited
    exports; the advice then speaks of the characters SMSTurbo allows."""
    data = _arrow(ids)
    present = pc.sum(pc.invert(pc.fill_null(pc.utf8_is_space(data), True))).as_py() or 0
    # ascii_is_decimal is the regex ^[0-9]+$ without the regex engine (measured at 1,000,000 clients: 73 -> 6 ms)
    digits = pc.sum(pc.fill_null(pc.ascii_is_decimal(data), False)).as_py() or 0
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


def inactive_mask(sage: pd.DataFrame, config: Config) -> pd.Series:
    """Clients whose status is in the configured inactive set, or whose ``inactv`` flag is set."""
    _, by_status = _by_status(sage["status"], config)
    return pd.Series(by_status | sage["inactive"].astype(bool).to_numpy(dtype=bool), index=sage.index)


def _by_status(status: pd.Series, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Each client's status number (0 when it has none) and whether that status is one of the inactive ones."""
    numbers = status.astype("Int64")
    values = numbers.to_numpy(dtype="int64", na_value=0)
    return values, np.isin(values, sorted(config.inactive_statuses)) & ~numbers.isna().to_numpy(dtype=bool)


def _reasons(numbers: np.ndarray, by_status: np.ndarray, flag: np.ndarray, config: Config
             ) -> tuple[np.ndarray, list[str]]:
    """What made each client inactive, as a code into the texts: 0 ``""`` (active), 1 ``the Inactive flag``, then
    ``status 6 - Do Not Accept Contract Again`` for each inactive status. The status wins when both apply."""
    statuses = np.array(sorted(config.inactive_statuses), dtype="int64")
    codes = np.where(by_status, 2 + np.searchsorted(statuses, numbers), np.where(flag, 1, 0))
    return codes, ["", "the Inactive flag", *("status " + ref for ref in _status_labels(statuses, config))]


def inactive_reason(rows: pd.DataFrame, config: Config) -> pd.Series:
    """What made each client inactive: ``status 6 - Do Not Accept Contract Again`` or ``the Inactive flag``
    ("" for an active client). The status wins when both apply."""
    numbers, by_status = _by_status(rows["status"], config)
    flag = rows["inactive"].astype(bool).to_numpy(dtype=bool) if "inactive" in rows else np.zeros(len(rows), bool)
    codes, texts = _reasons(numbers, by_status, flag, config)
    return pd.Series(_text(codes, texts), index=rows.index)


def status_sort(status: pd.Series, inactive: pd.Series | np.ndarray) -> np.ndarray:
    """The order of the Client Status Ref column: active clients by status, then every inactive client together
    (by status, whichever of the status or the Inactive flag made it inactive); no status last in its group."""
    numbers = status.astype("Int64").to_numpy(dtype="float64", na_value=np.nan)
    key = np.where(np.isnan(numbers), float(2**31), numbers)
    return (key + np.where(np.asarray(inactive, dtype=bool), float(2**32), 0.0)).astype("int64")


def _status_labels(values: Iterable[int], config: Config) -> list[str]:
    """``6 - Do Not Accept Contract Again`` for each status number; the number alone when unnamed."""
    names = dict(config.status_names)
    return [f"{v} - {names[int(v)]}" if int(v) in names else str(int(v)) for v in values]


def status_ref(status: pd.Series, config: Config) -> pd.Series:
    """The "Client Status Ref" column: ``6 - Do Not Accept Contract Again``; the number alone when unnamed."""
    codes, uniques = pd.factorize(status.astype("Int64"))
    labels = [*_status_labels(uniques, config), ""]  # code -1 (no status) is the last, ""
    return pd.Series(_text(np.where(codes < 0, len(labels) - 1, codes), labels), index=status.index)


def _too_long_fields(sage: pd.DataFrame, lengths: Mapping[str, int | None], advice: Mapping[str, str]
                     ) -> list[_Found]:
    """``field-too-long`` for each field SMSTurbo gives a length; one message per distinct length."""
    found = []
    for field_name, limit in sorted(lengths.items()):
        if limit is None or field_name not in sage.columns or field_name == "customer_id":
            continue
        data = _arrow(sage[field_name])
        if (pc.max(pc.binary_length(data)).as_py() or 0) <= limit:  # bytes bound characters: none too long
            continue
        positions, chars = _longer_than(data, limit)
        distinct, codes = np.unique(chars, return_inverse=True)
        texts = [f"{field_name} is {n} characters, more than SMSTurbo's {limit}. " + advice["field-too-long"]
                 for n in distinct.tolist()]
        found.append(_coded(positions, "field-too-long", codes, texts, field=field_name))
    return found


def _warning_findings(sage: pd.DataFrame, config: Config, advice: Mapping[str, str]) -> list[_Found]:
    """``inactive`` (saying what made the client inactive) and the ``missing-*`` rules."""
    numbers, by_status = _by_status(sage["status"], config)
    flag = sage["inactive"].astype(bool).to_numpy(dtype=bool)
    inactive = np.flatnonzero(by_status | flag)
    codes, reasons = _reasons(numbers[inactive], by_status[inactive], flag[inactive], config)
    inactive_texts = [f"Client is inactive ({reason}). " + advice["inactive"] for reason in reasons]
    # A field the source does not carry (a client list exported without it) is unknown, never missing.
    unknown = set(sage.attrs.get("unknown_fields", ()))

    def gap(field_name: str) -> np.ndarray:
        if field_name in unknown:  # not even read
            return np.zeros(len(sage), dtype=bool)
        return _blank(_arrow(sage[field_name]))

    address_fields = tuple(f for f in ("address1", "city", "state", "postal_code") if f not in unknown)
    combo = np.zeros(len(sage), dtype="int64")  # one bit per missing part of the address
    for i, field_name in enumerate(address_fields):
        combo |= gap(field_name).astype("int64") << i
    address = np.flatnonzero(combo)
    address_texts = [
        "Address is incomplete (missing "
        + ", ".join(f for i, f in enumerate(address_fields) if c >> i & 1)
        + "). "
        + advice["missing-address"]
        for c in range(1 << len(address_fields))
    ]
    return [
        _coded(inactive, "inactive", codes, inactive_texts),
        _same(np.flatnonzero(_blank(_arrow(sage["name"]))), "missing-name", "Client has no name. "
              + advice["missing-name"]),
        _coded(address, "missing-address", combo[address], address_texts),
        _same(
            np.flatnonzero(gap("phone") & gap("mobile")),
            "missing-phone",
            "Client has no phone or cell phone number. " + advice["missing-phone"],
        ),
        _same(np.flatnonzero(gap("contact")), "missing-contact", "Client has no contact name. "
              + advice["missing-contact"]),
    ]


#: The rules whose advice names the new Client Number to give (``rule_advice``'s ``numeric``).
_NUMBERED_RULES = tuple(rule for rule in schema.RULES if rule.startswith("id-"))


def check(sage: pd.DataFrame, config: Config, lengths: Mapping[str, int | None] | None = None) -> pd.DataFrame:
    """Every finding on the Sage clients, sorted by customer_id (missing IDs first), then rule.

    Parameters
    ----------
    sage
        The canonical Sage frame (see ``sources``).
    lengths
        SMSTurbo column lengths by field; when given, ``field-too-long`` is checked against them.

    Each rule gives the positions it picked and a code per position into its few messages; the findings are put
    together and sorted once, as codes, and their texts decoded in Arrow at the end.
    """
    ids = _arrow(sage["customer_id"])
    problems = _id_problems(ids)
    # Only the Client Number rules' advice depends on numeric_ids (a pass over every ID): asked when one found.
    numbered = any(len(p) for p in (problems.empty, problems.too_long, problems.invalid, problems.duplicate,
                                    problems.reserved))
    advice = rule_advice(config, numeric_ids(sage["customer_id"]) if numbered else True)
    found = [
        *_id_findings(ids, problems, advice),
        *_too_long_fields(sage, lengths or {}, advice),
        *_warning_findings(sage, config, advice),
    ]
    return _sorted_findings(sage, ids, found, advice)


def _sorted_findings(sage: pd.DataFrame, ids: pa.Array, found: Sequence[_Found], advice: Mapping[str, str]
                     ) -> pd.DataFrame:
    """The findings frame: by customer_id (missing IDs first, numbers by value, then text IDs), row, the design's
    rule order, then field."""
    positions = np.concatenate([f.positions for f in found])
    rules = list(schema.RULES)
    rule = np.concatenate([np.full(len(f.positions), rules.index(f.rule), dtype="int64") for f in found])
    fields = sorted({f.field for f in found if f.field is not None})
    field = np.concatenate(
        [np.full(len(f.positions), -1 if f.field is None else fields.index(f.field), dtype="int64") for f in found]
    )
    starts = np.cumsum([0, *(len(f.texts) for f in found)])
    message = np.concatenate([f.codes + start for f, start in zip(found, starts, strict=False)])
    row = sage["row"].to_numpy()[positions]
    customer_ids = ids.take(positions)
    keys = id_sort_keys(customer_ids)  # numbers by value, then text IDs
    keys = keys.append_column("row", pa.array(np.asarray(row, dtype="int64")))
    keys = keys.append_column("rule", pa.array(rule))
    keys = keys.append_column("field", pa.array(field))  # -1 (no field) first, then by name
    order = pc.sort_indices(keys, sort_keys=[(key, "ascending", "at_start") for key in keys.column_names])
    order_np = np.asarray(order.to_numpy(), dtype="int64")
    rule = rule[order_np]
    field = field[order_np]
    return pd.DataFrame(
        {
            "row": pd.array(row[order_np], dtype="Int64"),
            "customer_id": pd.array(customer_ids.take(order), dtype=TEXT),
            "rule": _text(rule, rules),
            "severity": _text(rule, list(schema.RULES.values())),
            "field": _text(np.where(field < 0, len(fields), field), [*fields, None]),
            "message": _text(message[order_np], pa.concat_arrays([f.texts for f in found])),
            "advice": _text(rule, [advice[r] for r in rules]),  # the rule's own text, for "what to do" columns
        }
    )


#: Bit of each rule in a row's rule mask, in the design's order.
_RULE_BITS = {rule: 1 << i for i, rule in enumerate(schema.RULES)}
_ERROR_BITS = sum(bit for rule, bit in _RULE_BITS.items() if schema.RULES[rule] == "error")
_NUMBERED_BITS = sum(_RULE_BITS[rule] for rule in _NUMBERED_RULES)


def _rules_of_mask(mask: int) -> tuple[str, ...]:
    return tuple(rule for rule, bit in _RULE_BITS.items() if mask & bit)


def _rule_masks(sage: pd.DataFrame, findings: pd.DataFrame) -> np.ndarray:
    """Each Sage row's rules as a bit mask (one bit per rule); findings on rows not in ``sage`` are left out."""
    found_rows = findings["row"].astype("int64").to_numpy(dtype="int64")
    rows = sage["row"].to_numpy()
    if np.array_equal(rows, np.arange(len(rows))):  # the readers' rows are positions: no hash table (1M: 25 ms)
        positions = np.where((found_rows >= 0) & (found_rows < len(rows)), found_rows, -1)
    else:
        positions = pd.Index(sage["row"]).get_indexer(found_rows)
    # Arrow's index_in instead of a pandas map over the rule text (measured at 240,000 findings: 34 -> 5 ms).
    rule = pc.index_in(_arrow(findings["rule"]), value_set=pa.array(list(_RULE_BITS), pa.large_string()))
    if rule.null_count:
        raise ValueError("findings with a rule that is not in schema.RULES")
    bits = np.left_shift(1, np.asarray(rule.to_numpy(zero_copy_only=False), dtype="int64"))
    masks = np.zeros(len(sage), dtype="int64")
    keep = positions >= 0
    np.bitwise_or.at(masks, positions[keep], bits[keep])
    return masks


def row_status(sage: pd.DataFrame, findings: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per Sage row: ``status_ref``, ``inactive``, ``has_error``, ``eligible``, ``rules`` (every rule found),
    ``status_sort`` (the order of the Client Status Ref column, inactive clients together) and ``why`` (the
    advice of the row's rules, saying what made an inactive client inactive).

    The rules of a row are gathered as a bit mask (one bit per rule), so the work is per distinct combination of
    rules (and, for inactive clients, of what made them inactive), not per row: a row keeps a code.
    """
    masks = _rule_masks(sage, findings)
    errors = (masks & _ERROR_BITS) != 0
    numbers, by_status = _by_status(sage["status"], config)
    flag = sage["inactive"].astype(bool).to_numpy(dtype=bool)
    inactive = by_status | flag
    lookup = np.empty(int(masks.max(initial=0)) + 1, dtype=object)
    for mask in np.flatnonzero(np.bincount(masks, minlength=1)).tolist():
        lookup[mask] = _rules_of_mask(mask)
    reasons, reason_texts = _reasons(numbers, by_status, flag, config)
    # The reason is read by the inactive rule's advice only: other rows keep code 0, fewer combinations.
    reasons = np.where((masks & _RULE_BITS["inactive"]) != 0, reasons, 0)
    combo = masks * len(reason_texts) + reasons
    combos = np.flatnonzero(np.bincount(combo, minlength=1))
    numbered = bool(np.any((combos // len(reason_texts)) & _NUMBERED_BITS))
    advice = rule_advice(config, numeric_ids(sage["customer_id"]) if numbered else True)
    whys = [_why(c // len(reason_texts), reason_texts[c % len(reason_texts)], advice) for c in combos.tolist()]
    why_code = np.zeros(len(combo) and int(combo.max()) + 1, dtype="int64")
    why_code[combos] = np.arange(len(combos))
    return pd.DataFrame(
        {
            "status_ref": status_ref(sage["status"], config).array,
            "inactive": inactive,
            "has_error": errors,
            "eligible": ~errors & ~inactive,
            "rules": lookup[masks],
            "status_sort": status_sort(sage["status"], inactive),
            "why": _text(why_code[combo], whys),
        },
        index=sage.index,
    )


def _why(mask: int, reason: str, advice: Mapping[str, str]) -> str:
    """The advice of a row's rules; an inactive client's says what made it inactive."""
    parts = []
    for rule in _rules_of_mask(mask):
        if rule == "inactive" and reason:
            parts.append(f"Inactive ({reason}): {advice[rule]}")
        else:
            parts.append(advice[rule])
    return " ".join(parts)


def rule_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """How many Sage rows each rule found, in the design's rule order (rules with no finding left out)."""
    counts = findings.groupby("rule")["row"].nunique()
    rows = [(schema.RULES[r], r, int(counts[r])) for r in schema.RULES if r in counts.index]
    return pd.DataFrame(rows, columns=["severity", "rule", "clients"])
