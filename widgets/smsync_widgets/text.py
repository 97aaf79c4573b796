"""The words the panes and the guided flow show, in the source document's vocabulary.

Labels and advice only: which rows are eligible, inactive or in error is decided by ``smsync_core``.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final

from smsync_core.schema import FIELD_TITLES

LEFT_NOTE: Final = "Export SMSTurbo Customers to Sage 100 is NOT supported — enter these in Sage 100 by hand"
LEFT_TITLE: Final = "In SMSTurbo, not in Sage 100"
LEFT_TITLE_ALL: Final = "In SMSTurbo: not in Sage 100, or different (SMSTurbo's values)"
#: Beside Check All: which clients it leaves for the accountant to decide.
CHECK_ALL_NOTE: Final = "Check All skips inactive clients, possible duplicates and clients with errors"
#: A Sage-only client that is probably an SMSTurbo customer under another ID: "probably SMSTurbo 0001005".
PROBABLY: Final = "probably SMSTurbo"
DUPLICATE_ADVICE: Final = (
    "Importing it would make a second SMSTurbo customer for the same client, so it starts unchecked; check it by "
    "hand only if it is another client."
)
RIGHT_NOTE: Final = (
    "Check the clients to bring over to SMSTurbo — inactive clients and possible duplicates start unchecked"
)
RIGHT_TITLE: Final = "In Sage 100, not in SMSTurbo"
RIGHT_TITLE_ALL: Final = "In Sage 100: missing from SMSTurbo or different"
#: The flow's tables and links (the panes' stylesheet loads only with the panes, so the steps before carry this).
TABLE_STYLE: Final = (
    "<style>.smsync-housekeeping th,.smsync-housekeeping td,.smsync-changes th,.smsync-changes td"
    "{text-align:left!important;vertical-align:top;padding:3px 14px 3px 0}"
    ".smsync-download-link{color:#1a4fa0;text-decoration:underline;font-weight:600}</style>"
)
#: The page's title (the browser tab) and the printable views' default heading.
PAGE_TITLE: Final = "Customer Sync"
COMPANY_PROMPT: Final = "Make sure you have the correct Sage 100 company open"
MISSING_ONLY_QUESTION: Final = "Do you want to see Missing Customers only?"

#: Column headers, by pane column: the fields by the core's words (``schema.FIELD_TITLES``), then the panes' own.
COLUMN_LABELS: Final = MappingProxyType(
    {
        **{f: title for f, title in FIELD_TITLES.items() if f != "inactive"},
        "status_ref": "Client Status Ref",
        "kind": "Kind",
        "rules": "Why",
        "reason": "Why",
        "fields": "Differs in",
        "differs": "Differs in",
        "duplicate_of": "Possible duplicate",
    }
)

#: How a pane row's ``kind`` reads in the Kind column (``data-kind`` keeps the raw value).
KIND_LABELS: Final = MappingProxyType(
    {"new": "New", "update": "Differs", "smsturbo-only": "Only in SMSTurbo", "different": "Differs"}
)

REPLACE_LABELS: Final = MappingProxyType(
    {
        "name": "Name",
        "address": "Address (address lines, city, state, zip)",
        "phones": "Phone numbers (phone, fax, cell phone)",
        "email": "Email",
        "contact": "Contact",
    }
)


def label(column: str) -> str:
    """The header shown for a pane column."""
    return COLUMN_LABELS.get(column, column.replace("_", " ").title())


#: An absolute path of this machine (POSIX or Windows), not part of a URL.
_PATH: Final = re.compile(r"(?<![\w.:/\\])(?:[A-Za-z]:)?[\\/](?:[^\s\\/'\"`()]+[\\/])*([^\s\\/'\"`()]+)")


def without_paths(said: str) -> str:
    """``said`` with each folder or file of this machine named by its last part (a record by its run id)."""
    return _PATH.sub(lambda found: found.group(1), said)
