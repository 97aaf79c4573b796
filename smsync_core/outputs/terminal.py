"""Text for a terminal: control characters shown escaped, never obeyed.

A client name holding ``ESC [2J`` would clear the screen, an OSC 8 sequence would plant a hidden link, a ``\\r``
would overwrite the start of the line and hide what came before. Every C0 control (tab, LF and CR included, as
``\\t``, ``\\n``, ``\\r``), DEL, every C1 control and the Unicode bidirectional overrides and isolates (which can
reorder what a line seems to say) are shown as escapes such as ``\\x1b`` or ``\\u202e``; everything else, emoji
and accents included, is left alone.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\r``...), safe to print."""
    return _CONTROL.sub(_escaped, text)


def escape_controls_column(column: pd.Series[Any]) -> pd.Series[Any]:
    """``column`` with every control character of its text cells escaped; other cells (numbers, NA) unchanged."""
    try:
        escaped = column.str.replace(_CONTROL, _escaped, regex=True)
    except AttributeError:  # no text in the column
        return column
    return escaped.where(escaped.notna(), column)
