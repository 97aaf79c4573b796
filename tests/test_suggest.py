"""Ranked match suggestions, measured against the labelled set in ``tests/data/suggest_labelled.csv``.

The labelled set: Sage clients; SMSTurbo customers typed in by hand under other IDs (column ``match`` names
the Sage client each one really is, column ``variation`` says what was changed); SMSTurbo customers with no
counterpart that resemble a Sage client (same postal code, a shared word or surname, even the same phone
number of a property manager); Sage clients that are new; and customers with the same ID on both sides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smsync_core.schema import COMPARED_FIELDS, FIELDS
from smsync_core.suggest import normalise
from smsync_core.suggest.engine import DEFAULT_THRESHOLD, suggest
from smsync_core.suggest.normalise import _KINDS, MAX_BLOCK, _entries, candidate_pairs, keys, prepare

LABELLED = Path(__file__).parent / "data" / "suggest_labelled.csv"
SMSTURBO_FIELDS = ("customer_id", *COMPARED_FIELDS)


def _frames(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sage clients and SMSTurbo customers frames shaped as ``read_clients`` / ``read_customers`` give them."""
    text = table.astype("string").replace("", pd.NA)
    sage = text[text["side"] == "sage"].reset_index(drop=True)
    sage = sage[[f for f in FIELDS if f not in ("status", "inactive")]].assign(
        status=sage["status"].astype("Int64"), inactive=sage["inactive"] == "1"
    )
    sage.insert(0, "row", np.arange(len(sage)))
    smsturbo = text[text["side"] == "smsturbo"][list(SMSTURBO_FIELDS)].reset_index(drop=True)
    return sage, smsturbo


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return pd.read_csv(LABELLED, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def frames(labelled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _frames(labelled)


@pytest.fixture(scope="module")
def result(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return suggest(*frames)


@pytest.fixture(scope="module")
def truth(labelled: pd.DataFrame) -> dict[str, str]:
    """SMSTurbo-only customer ID -> the Sage client it really is ("" for none)."""
    smsturbo = labelled[labelled["side"] == "smsturbo"]
    return {cid: match for cid, match in zip(smsturbo["customer_id"], smsturbo["match"], strict=True)
            if cid != match}  # fmt: skip


def test_labelled_set_is_large_enough(truth: dict[str, str]) -> None:
    assert sum(1 for m in truth.values() if m) >= 80
    assert sum(1 for m in truth.values() if not m) >= 20


def test_top_suggestion_precision_and_recall(result: pd.DataFrame, truth: dict[str, str]) -> None:
    # Floors: a wrong top suggestion sends someone to rename the wrong customer, so precision must stay
    # near perfect; recall may miss the few pairs the set makes deliberately hard (moved, new phone and
    # a different name: nothing in the data ties them together).
    top = result[(result["direction"] == "smsturbo->sage") & (result["rank"] == 1)]
    found = dict(zip(top["smsturbo_id"], top["sage_id"], strict=True))
    right = sum(1 for cid, sage_id in found.items() if truth.get(cid) == sage_id)
    positives = sum(1 for m in truth.values() if m)
    assert right / len(found) >= 0.95
    assert right / positives >= 0.90


def test_sage_side_top_suggestion_precision(result: pd.DataFrame, truth: dict[str, str]) -> None:
    counterpart = {sage_id: cid for cid, sage_id in truth.items() if sage_id}
    top = result[(result["direction"] == "sage->smsturbo") & (result["rank"] == 1)]
    right = sum(1 for s, g in zip(top["smsturbo_id"], top["sage_id"], strict=True) if counterpart.get(g) == s)
    assert right / len(top) >= 0.95
    assert right / len(counterpart) >= 0.90


def test_customers_without_counterpart_get_nothing(result: pd.DataFrame, labelled: pd.DataFrame,
                                                   truth: dict[str, str]) -> None:  # fmt: skip
    lonely_smsturbo = {cid for cid, m in truth.items() if not m}
    matched_sage = set(truth.values())
    sage_ids = labelled.loc[labelled["side"] == "sage", "customer_id"]
    smsturbo_ids = set(labelled.loc[labelled["side"] == "smsturbo", "customer_id"])
    lonely_sage = {cid for cid in sage_ids if cid not in matched_sage and cid not in smsturbo_ids}
    assert len(lonely_sage) >= 20
    assert not set(result.loc[result["direction"] == "smsturbo->sage", "smsturbo_id"]) & lonely_smsturbo
    assert not set(result.loc[result["direction"] == "sage->smsturbo", "sage_id"]) & lonely_sage
    assert (result["score"] >= DEFAULT_THRESHOLD).all()


def test_exact_id_matches_are_never_suggested(result: pd.DataFrame, frames: tuple[pd.DataFrame, ...]) -> None:
    sage, smsturbo = frames
    both = set(sage["customer_id"]) & set(smsturbo["customer_id"])
    assert len(both) >= 10
    assert not set(result["smsturbo_id"]) & both
    assert not set(result["sage_id"]) & both


def test_reasons_name_the_evidence(result: pd.DataFrame) -> None:
    assert all(len(reasons) > 0 for reasons in result["reasons"])
    columns = zip(result["smsturbo_id"], result["sage_id"], result["reasons"], strict=True)
    pairs: dict[tuple[str, str], tuple[str, ...]] = {(s, g): reasons for s, g, reasons in columns}
    assert "IDs equal after normalising case, separators and leading zeros" in pairs[("0001005", "1005")]
    assert any(r.startswith("ID ACMEPAVING is the start of the name") for r in pairs[("ACMEPAVING", "1001")])
    assert any(r.startswith("names match (") for r in pairs[("OBRIEN", "1013")])
    assert all(isinstance(r, str) for reasons in result["reasons"] for r in reasons)


def test_removing_evidence_lowers_the_score_and_its_reason(frames: tuple[pd.DataFrame, pd.DataFrame],
                                                           labelled: pd.DataFrame) -> None:  # fmt: skip
    sage, smsturbo = frames
    rich = labelled["variation"].str.contains("phone reformatted") & labelled["variation"].str.contains("e-mail")
    rich &= labelled["variation"].str.contains("same address") & ~labelled["variation"].str.contains("other")
    first = labelled[rich].iloc[0]
    pair = (first["customer_id"], first["match"])
    before = suggest(sage, smsturbo, threshold=0)
    row = before[(before["smsturbo_id"] == pair[0]) & (before["sage_id"] == pair[1])]
    reasons_before: tuple[str, ...] = next(iter(row["reasons"]))
    phone_reasons = [r for r in reasons_before if r.startswith("same phone digits")]
    assert phone_reasons
    digits = phone_reasons[0].rsplit(" ", 1)[1]
    assert len(digits) == 10 and digits.isdigit()
    stripped = smsturbo.copy()
    target = stripped["customer_id"] == pair[0]
    for field in ("phone", "fax", "mobile", "email", "address1", "postal_code"):
        stripped.loc[target, field] = pd.NA
    after = suggest(sage, stripped, threshold=0)
    row_after = after[(after["smsturbo_id"] == pair[0]) & (after["sage_id"] == pair[1])]
    reasons_after: tuple[str, ...] = next(iter(row_after["reasons"]))
    assert not any(r.startswith("same phone digits") for r in reasons_after)
    assert "same e-mail" in reasons_before and "same e-mail" not in reasons_after
    assert float(row_after["score"].iloc[0]) < float(row["score"].iloc[0])


def test_shape_order_and_limits(result: pd.DataFrame) -> None:
    assert list(result.columns) == ["smsturbo_id", "sage_id", "score", "reasons", "direction", "rank"]
    assert set(result["direction"]) == {"smsturbo->sage", "sage->smsturbo"}
    assert ((result["score"] >= 0) & (result["score"] <= 100)).all()
    assert (result["score"] == result["score"].round(1)).all()
    key = result["smsturbo_id"].where(result["direction"] == "smsturbo->sage", result["sage_id"])
    order = pd.DataFrame({"d": result["direction"], "k": key, "r": result["rank"]})
    assert order.equals(order.sort_values(["d", "k", "r"]))
    for _, group in result.groupby([result["direction"], key]):
        assert list(group["rank"]) == list(range(1, len(group) + 1))
        assert len(group) <= 3
        assert group["score"].is_monotonic_decreasing


def test_limit_and_threshold_parameters(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    wide = suggest(*frames, threshold=0, limit=5)
    assert wide["rank"].max() == 5
    assert (wide["score"] < DEFAULT_THRESHOLD).any()
    one = suggest(*frames, threshold=90, limit=1)
    assert (one["rank"] == 1).all() and (one["score"] >= 90).all()


def test_deterministic_and_independent_of_row_order(frames: tuple[pd.DataFrame, pd.DataFrame],
                                                    result: pd.DataFrame) -> None:  # fmt: skip
    sage, smsturbo = frames
    again = suggest(sage, smsturbo)
    shuffled = suggest(sage.sample(frac=1, random_state=3), smsturbo.sample(frac=1, random_state=4))
    pd.testing.assert_frame_equal(again, result)
    pd.testing.assert_frame_equal(shuffled, result)


def test_empty_inputs(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sage, smsturbo = frames
    for left, right in ((sage.iloc[:0], smsturbo), (sage, smsturbo.iloc[:0]), (sage.iloc[:0], smsturbo.iloc[:0])):
        empty = suggest(left, right)
        assert empty.empty
        assert list(empty.columns) == ["smsturbo_id", "sage_id", "score", "reasons", "direction", "rank"]


def test_missing_optional_columns_and_values(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sage, smsturbo = frames
    bare = smsturbo[["customer_id", "name"]]
    out = suggest(sage, bare)
    assert ("0001005", "1005") in set(zip(out["smsturbo_id"], out["sage_id"], strict=True))
    blank = smsturbo.copy()
    blank.loc[:, ["name", "phone", "postal_code"]] = pd.NA
    suggest(sage, blank)  # all-missing fields are no evidence, not an error


def test_progress_reports_every_pair(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    calls: list[tuple[int, int]] = []
    suggest(*frames, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] > 0


def test_blocks_are_capped() -> None:
    size = 400
    names = [f"Builder{n:03d} Construction" for n in range(size)]
    frame = pd.DataFrame(
        {"customer_id": [f"C{n}" for n in range(size)], "name": names, "postal_code": ["80202"] * size},
        dtype="string",
    )
    i, j = candidate_pairs(prepare(frame), prepare(frame.assign(customer_id=frame["customer_id"] + "X")))
    assert len(i) < size * MAX_BLOCK
    assert set(zip(i, j, strict=True)) >= {(n, n) for n in range(size)}


def test_json_shape_and_worklist(result: pd.DataFrame, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    import json

    from smsync_core.errors import UsageError
    from smsync_core.suggest.report import ENTER, RENAME, WORKLIST_COLUMNS, choose_pair, side_by_side, to_dict, worklist

    sage, smsturbo = frames
    shaped = json.loads(json.dumps(to_dict(result)))
    assert len(shaped["suggestions"]) == len(result)
    first = shaped["suggestions"][0]
    assert {"smsturbo_id", "sage_id", "score", "reasons"} <= set(first)
    assert isinstance(first["reasons"], list) and isinstance(first["score"], float)

    only = smsturbo[~smsturbo["customer_id"].isin(sage["customer_id"])]
    work = worklist(result, sage, only)
    assert list(work.columns) == list(WORKLIST_COLUMNS)
    assert sorted(work["smsturbo_id"]) == sorted(only["customer_id"])
    row = work[work["smsturbo_id"] == "0001005"].iloc[0]
    assert (row["sage_id"], row["action"]) == ("1005", RENAME)
    assert (work.loc[work["sage_id"].isna(), "action"] == ENTER).all()

    assert choose_pair("", result) == ("0001005", "1005") or choose_pair("", result)[0] in set(work["smsturbo_id"])
    assert choose_pair("ACMEPAVING=1001", result) == ("ACMEPAVING", "1001")
    with pytest.raises(UsageError):
        choose_pair("ACMEPAVING", result)
    table = side_by_side(sage, smsturbo, "0001005", "1005")
    assert not table.loc["customer_id", "same"]
    assert table.loc["name", "smsturbo"] == "Julie Smith"


def test_the_worklist_workbook_reads_in_words(result: pd.DataFrame, frames: tuple[pd.DataFrame, pd.DataFrame],
                                              tmp_path: Path) -> None:
    import openpyxl

    from smsync_core.suggest.report import WORKLIST_COLUMNS, WORKLIST_HEADINGS, worklist, write_worklist

    sage, smsturbo = frames
    only = smsturbo[~smsturbo["customer_id"].isin(sage["customer_id"])]
    work = worklist(result, sage, only)
    work.loc[0, "sage_id"] = "  "  # a Sage client whose Client Number is spaces
    book = openpyxl.load_workbook(write_worklist(work, result, tmp_path / "ids.xlsx"))
    sheet, every = book["worklist"], book["suggestions"]
    assert [c.value for c in sheet[1]] == [WORKLIST_HEADINGS[c] for c in WORKLIST_COLUMNS]
    assert [c.value for c in sheet[1]][:3] == ["SMSTurbo Customer ID", "SMSTurbo name", "Sage 100 Client Number"]
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert sheet["C2"].value is None  # blank, not "  "
    assert sheet.column_dimensions["H"].width > len("What to fix")  # the action's text is wide
    headings = [c.value for c in every[1]]
    assert "For" in headings and "direction" not in headings and "smsturbo_id" not in headings
    directions = {r[headings.index("For")] for r in every.iter_rows(min_row=2, values_only=True)}
    assert directions <= {"SMSTurbo customer not in Sage 100", "Sage 100 client not in SMSTurbo"} and directions


def test_customers_with_nothing_to_compare_get_no_suggestion_and_no_crash() -> None:
    """Every name, phone, e-mail and address blank on one side: no blocking key, so no pair (was a crash)."""
    from smsync_core.suggest import suggest

    blank = pd.DataFrame({"customer_id": pd.array(["A", "B"], dtype="string"),
                          **{f: pd.array([None, None], dtype="string") for f in COMPARED_FIELDS}})
    other = pd.DataFrame({"customer_id": pd.array(["0001"], dtype="string"),
                          **{f: pd.array(["Mesa Verde Landscaping"], dtype="string") for f in COMPARED_FIELDS}})
    assert len(suggest(blank, blank.assign(customer_id=pd.array(["0001", "0002"], dtype="string")))) == 0
    assert len(suggest(blank, other)) == 0
    assert len(suggest(other, blank)) == 0


def test_normalisation_rules() -> None:
    """The normalised columns follow the documented rules (whole-column code: accents, apostrophes, "&",
    abbreviations, legal words, leading zeros, phone placeholders, postal codes, e-mail case)."""
    frame = pd.DataFrame(
        {
            "customer_id": ["00012-a", "x007y008", "0,01", "AB"],
            "name": ["O'Brien Bros. Const & Sons, Inc.", "Café Élan", "  ", pd.NA],
            "address1": ["12 North Main Street #4", "Main & 5th", pd.NA, ""],
            "postal_code": [" 80202-1234", "8020", "abcde", pd.NA],
            "phone": ["(303) 555-0100", "1-303-555-0100", "0000000000", "555-1111"],
            "email": [" Bob@Example.COM ", "none", pd.NA, "a@b"],
        },
        dtype="string",
    )
    side = prepare(frame)
    assert side.id_norm.to_pylist() == ["12A", "X7Y8", "01", "AB"]
    assert side.id_letters.to_pylist() == ["A", "XY", "", "AB"]
    assert side.name.to_pylist() == ["obrien brothers construction sons", "cafe elan", "", ""]
    assert side.core.to_pylist() == ["obrien brothers sons", "cafe elan", "", ""]
    assert side.compact.to_pylist() == ["OBRIENBROTHERSCONSTRUCTIONSONS", "CAFEELAN", "", ""]
    assert side.street.to_pylist() == ["12 n main st 4", "main and 5th", "", ""]
    assert side.postal.to_pylist() == ["80202", "", "", ""]
    assert side.phones[0].to_pylist() == ["3035550100", "3035550100", "", ""]
    assert side.email.to_pylist() == ["bob@example.com", "", "", "a@b"]
    assert list(side.compact_len) == [30, 8, 0, 0] and list(side.letters_len) == [1, 2, 0, 2]


def test_one_direction_is_that_part_of_both(frames: tuple[pd.DataFrame, pd.DataFrame], result: pd.DataFrame) -> None:
    from smsync_core.suggest.engine import TO_SAGE, TO_SMSTURBO

    for direction in (TO_SMSTURBO, TO_SAGE):
        one = suggest(*frames, direction=direction)
        both = result[result["direction"] == direction].reset_index(drop=True)
        pd.testing.assert_frame_equal(one, both)


def _pairs_by_definition(left: pd.DataFrame, right: pd.DataFrame) -> set[tuple[int, int]]:
    """Every (left row, right row) sharing a key of one kind that at most MAX_BLOCK rows of each side hold,
    by plain pandas joins of the normalised keys (the definition candidate_pairs must keep, however it cuts)."""
    sides = []
    for frame in (left, right):
        parts: dict[str, list[pd.DataFrame]] = {}
        for kind in _KINDS:
            for values, rows, usable in _entries(keys(frame), kind):
                parts.setdefault(kind, []).append(
                    pd.DataFrame({"key": values.filter(usable).to_pylist(), "row": rows[usable]})
                )
        sides.append({kind: pd.concat(p).drop_duplicates() for kind, p in parts.items()})
    found: set[tuple[int, int]] = set()
    for kind, ours in sides[0].items():
        theirs = sides[1][kind]
        common = set(ours["key"].value_counts().loc[lambda c: c <= MAX_BLOCK].index) & set(
            theirs["key"].value_counts().loc[lambda c: c <= MAX_BLOCK].index
        )
        met = ours[ours["key"].isin(common)].merge(theirs[theirs["key"].isin(common)], on="key")
        found |= set(zip(met["row_x"], met["row_y"], strict=True))
    return found


def test_candidate_pairs_keep_every_pair_of_shared_keys_on_a_small_and_a_large_side() -> None:
    """The larger side is cut to the smaller side's keys before it is sorted, and keys too common on the smaller
    side are dropped first: no pair the keys share may be lost, whichever side is larger, and a key that only
    meets after normalising (phone punctuation, ZIP+4, case, apostrophes, abbreviations, leading zeros) still
    pairs; a key held by more than MAX_BLOCK rows of either side still pairs nothing."""
    rng = np.random.default_rng(17)
    big, small = 600, 60
    words = np.array(["Acme", "Paving", "O'Brien", "Bros", "Construction", "Élan", "Castle", "Wood", "Stone"])

    def side(n: int, prefix: str) -> pd.DataFrame:
        number = pd.Series(rng.integers(0, 80, n).astype(str))
        name = pd.Series(rng.choice(words, n)).str.cat([pd.Series(rng.choice(words, n)), number], sep=" ")
        digits = pd.Series(rng.integers(3_035_550_000, 3_035_550_300, n).astype(str))
        postal = pd.Series((80000 + rng.integers(0, 40, n)).astype(str))
        return pd.DataFrame({
            "customer_id": prefix + pd.Series(rng.integers(0, 400, n).astype(str)).str.zfill(6),
            "name": name,
            "postal_code": postal,
            "phone": digits,
            "email": pd.Series(rng.integers(0, 300, n).astype(str)) + "@x.com",
        }).astype("string")

    large, few = side(big, "L"), side(small, "S")
    # keys held by exactly MAX_BLOCK rows of one side pair; by one more, they pair nothing
    large.loc[: MAX_BLOCK - 1, "postal_code"], few.loc[:2, "postal_code"] = "80900", "80900"
    large.loc[MAX_BLOCK : 2 * MAX_BLOCK, "postal_code"], few.loc[3:5, "postal_code"] = "80901", "80901"
    few.loc[: MAX_BLOCK - 1, "email"], large.loc[200:202, "email"] = "forty@x.com", "forty@x.com"
    few.loc[MAX_BLOCK - 1 :, "fax"], large.loc[300:302, "mobile"] = "3035559999", "303 555 9999"
    # look-alikes of large rows that meet only after normalising
    few.loc[50, ["name", "phone", "postal_code"]] = ["OBRIEN BROTHERS CONSTR", "(303) 555-0042", " 80777-1234"]
    large.loc[500, ["name", "phone", "postal_code"]] = ["O'Brien Bros. Construction", "303.555.0042", "80777"]
    few.loc[51, "customer_id"], large.loc[501, "customer_id"] = "ab-0012", "AB12"
    for left, right in ((few, large), (large, few)):
        i, j = candidate_pairs(keys(left), keys(right))
        assert list(zip(i, j, strict=True)) == sorted(_pairs_by_definition(left, right))
        assert np.all(np.diff(i * len(right) + j) > 0)
        with pytest.MonkeyPatch.context() as patch:  # the kinds on two threads (as from PARALLEL_ROWS rows on)
            patch.setattr(normalise, "PARALLEL_ROWS", 0)
            threaded = candidate_pairs(keys(left), keys(right))
        assert np.array_equal(threaded[0], i) and np.array_equal(threaded[1], j)
    i, j = candidate_pairs(keys(few), keys(large))
    met = set(zip(i, j, strict=True))
    assert {(50, 500), (51, 501), (0, 200), (39, 202)} <= met


@pytest.mark.parametrize(
    "values",
    [
        ["", "", ""],  # no bytes at all
        ["(303) 555-0100", "", "12345", " 80202-1234", "x1-303-555-0100 ext 7", "0000000000", "8020", "abcde"],
        ["\u00e9 80202", "80202\u00e9", "5551234567", "1234\u00e95678901", "\t80202", "99999"],
    ],
)
def test_byte_reads_of_phones_postal_codes_and_ids_match_plain_python(values: list[str]) -> None:
    """The byte-level readings (sliding windows, range tests, running counts) against their plain definitions,
    on columns with no bytes, short values, characters outside ASCII and leading spaces."""
    import re

    import pyarrow as pa

    from smsync_core.suggest.textbytes import ALNUM, DIGITS, kept, phone_digits, postal_code

    text = pa.array(values, pa.large_string())

    def phone(value: str) -> str:
        digits = re.sub(r"[^0-9]", "", value)[-10:]
        return digits if len(digits) == 10 and len(set(digits)) > 1 else ""

    def postal(value: str) -> str:
        found = re.match(r"\s*([0-9]{5})", value, flags=re.ASCII)
        return found.group(1) if found else ""

    assert phone_digits(text).to_pylist() == [phone(v) for v in values]
    assert postal_code(text).to_pylist() == [postal(v) for v in values]
    assert kept(text, DIGITS).to_pylist() == [re.sub(r"[^0-9]", "", v) for v in values]
    assert kept(text, ALNUM).to_pylist() == [re.sub(r"[^0-9A-Z]", "", v) for v in values]


def test_nulls_read_as_empty_text_with_or_without_bytes_behind_them() -> None:
    """A null is "" whether Arrow left it no bytes (the validity bitmap is dropped) or some (filled)."""
    import pyarrow as pa

    from smsync_core.suggest.normalise import _nulls_empty

    plain = pa.array(["ab", None, "c", None, ""], pa.large_string())
    assert _nulls_empty(plain).to_pylist() == ["ab", "", "c", "", ""]
    assert _nulls_empty(plain.slice(1)).to_pylist() == ["", "c", "", ""]
    valid = pa.array([True, False, True]).buffers()[1]
    offsets = pa.py_buffer(np.array([0, 2, 4, 5], dtype=np.int64))
    with_bytes = pa.LargeStringArray.from_buffers(3, offsets, pa.py_buffer(b"abcde"), valid)
    assert _nulls_empty(with_bytes).to_pylist() == ["ab", "", "e"]
