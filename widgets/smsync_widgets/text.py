"""The words the panes and the guided flow show, in the source document's vocabulary.

Labels and advice only: which rows are eligible, inactive or in error is decided by ``smsync_core``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

LEFT_NOTE: Final = "Export SMSTurbo Customers to Sage 100 is NOT supported — enter these in Sage 100 by hand"
LEFT_TITLE: Final = "In SMSTurbo, not in Sage 100"
RIGHT_NOTE: Final = "Check the clients to bring over to SMSTurbo — inactive clients start unchecked"
RIGHT_TITLE: Final = "In Sage 100, not in SMSTurbo"
RIGHT_TITLE_ALL: Final = "In Sage 100: missing from SMSTurbo or different"
COMPANY_PROMPT: Final = "Make sure you have the correct Sage 100 company open"
MISSING_ONLY_QUESTION: Final = "Do you want to see Missing Customers only?"

#: Column headers, by pane column.
COLUMN_LABELS: Final = MappingProxyType(
    {
        "customer_id": "Client Number",
        "name": "Name",
        "status_ref": "Client Status Ref",
        "kind": "Kind",
        "rules": "Why",
        "fields": "Differs in",
        "short_name": "Short Name",
        "address1": "Address 1",
        "address2": "Address 2",
        "city": "City",
        "state": "State",
        "postal_code": "Zip",
        "phone": "Phone",
        "fax": "Fax",
        "mobile": "Cell Phone",
        "email": "Email",
        "contact": "Contact",
        "status": "Status",
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
