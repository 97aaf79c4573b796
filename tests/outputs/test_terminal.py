"""Names printed to a terminal show their control characters escaped: nothing is cleared, linked or overwritten."""

from __future__ import annotations

import pandas as pd

from smsync_core.outputs import escape_controls, escape_controls_column

OSC8 = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"


def test_escape_sequences_links_and_carriage_returns_are_shown() -> None:
    assert escape_controls("Julie\x1b[2J") == "Julie\\x1b[2J"
    assert escape_controls(OSC8) == "\\x1b]8;;http://evil.example\\x1b\\click\\x1b]8;;\\x1b\\"
    assert escape_controls("paid\rUNPAID") == "paid\\rUNPAID"
    assert escape_controls("a\tb\nc\x00d\x7fe\x9bf\u202eg") == "a\\tb\\nc\\x00d\\x7fe\\x9bf\\u202eg"


def test_ordinary_text_is_left_alone() -> None:
    for text in ("Zoë O'Brien", "株式会社", "👩‍👩‍👧", "C:\\data", ""):
        assert escape_controls(text) == text


def test_a_whole_column_at_once() -> None:
    column = pd.Series(["ok", "bad\x1b[31m", None, 7], dtype=object)
    escaped = escape_controls_column(column)
    assert escaped.tolist()[:2] == ["ok", "bad\\x1b[31m"]
    assert escaped.isna().iloc[2] and escaped.iloc[3] == 7
    numbers = pd.Series([1, -2])
    pd.testing.assert_series_equal(escape_controls_column(numbers), numbers)
    strings = pd.Series(["x\ry", None], dtype="string")
    assert escape_controls_column(strings).tolist()[0] == "x\\ry"
