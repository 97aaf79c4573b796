"""The canonical customer record and the fixed vocabulary of the source document.

Every adapter reads into these field names; every rule, pane and report speaks them.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Final

#: Canonical fields in display order.
FIELDS: Final = (
    "customer_id",
    "name",
    "short_name",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "phone",
    "fax",
    "mobile",
    "email",
    "contact",
    "status",
    "inactive",
)

#: Text fields of the record (everything but status and the inactive flag).
TEXT_FIELDS: Final = FIELDS[:13]

#: Fields compared between Sage and SMSTurbo in "all differences" mode.
COMPARED_FIELDS: Final = (
    "name",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "phone",
    "fax",
    "mobile",
    "email",
    "contact",
)

#: Replace Options: groups of SMSTurbo fields an update of an existing customer may overwrite.
REPLACE_GROUPS: Final = MappingProxyType(
    {
        "name": ("name",),
        "address": ("address1", "address2", "city", "state", "postal_code"),
        "phones": ("phone", "fax", "mobile"),
        "email": ("email",),
        "contact": ("contact",),
    }
)

#: Default Sage 100 Contractor client table (``dbo.reccln``) columns.
SAGE_COLUMNS: Final = MappingProxyType(
    {
        "customer_id": "recnum",
        "name": "clnnme",
        "short_name": "shtnme",
        "address1": "addrs1",
        "address2": "addrs2",
        "city": "ctynme",
        "state": "state_",
        "postal_code": "zipcde",
        "phone": "phnnum",
        "fax": "faxnum",
        "mobile": "cllphn",
        "email": "e_mail",
        "contact": "contct",
        "status": "status",
        "inactive": "inactv",
    }
)
SAGE_TABLE: Final = "reccln"

#: Default SMSTurbo customer table columns (fields SMSTurbo does not have are absent).
SMSTURBO_COLUMNS: Final = MappingProxyType(
    {
        "customer_id": "CustomerID",
        "name": "CustomerName",
        "address1": "Address1",
        "address2": "Address2",
        "city": "City",
        "state": "State",
        "postal_code": "PostalCode",
        "phone": "Phone",
        "fax": "Fax",
        "mobile": "CellPhone",
        "email": "Email",
        "contact": "Contact",
    }
)
SMSTURBO_TABLE: Final = "Customer"

#: The SMSTurbo customer that is the template for new customers; never listed as a customer.
TEMPLATE_ID: Final = "ZZDEFAULT"

#: SMSTurbo Customer IDs: at most 15 characters of A-Z, 0-9, dash and underscore.
ID_MAX_LENGTH: Final = 15
ID_PATTERN: Final = r"[A-Z0-9_-]+"

#: Sage 100 Contractor's default client status list.
STATUS_NAMES: Final = MappingProxyType(
    {
        1: "Contact",
        2: "Prospect",
        3: "Current Customer",
        4: "Customer 2-5 Years Ago",
        5: "Customer 6-10 Years Ago",
        6: "Do Not Accept Contract Again",
    }
)
INACTIVE_STATUSES: Final = frozenset({6})

#: Validation rules: name -> severity (the design's table, exact names).
RULES: Final = MappingProxyType(
    {
        "id-empty": "error",
        "id-too-long": "error",
        "id-invalid-chars": "error",
        "id-duplicate": "error",
        "id-reserved": "error",  # beyond the design's table: the Client Number is SMSTurbo's template ID
        "field-too-long": "error",
        "inactive": "warning",
        "missing-name": "warning",
        "missing-address": "warning",
        "missing-phone": "warning",
        "missing-contact": "warning",
    }
)

#: Each rule in words, as a short title (tables, the panes' Why column); what to do is ``validate.rule_advice``.
RULE_TITLES: Final = MappingProxyType(
    {
        "id-empty": "No Client Number",
        "id-too-long": "Client Number longer than 15 characters",
        "id-invalid-chars": "Client Number has characters SMSTurbo does not accept",
        "id-duplicate": "Client Number used by more than one client",
        "id-reserved": "Client Number is SMSTurbo's template (ZZDEFAULT)",
        "field-too-long": "A value is too long for SMSTurbo",
        "inactive": "Inactive client",
        "missing-name": "No name",
        "missing-address": "Incomplete address",
        "missing-phone": "No phone number",
        "missing-contact": "No contact name",
    }
)


def rules_in_words(rules: Iterable[str]) -> str:
    """Rules as one phrase in words (``Client Number longer than 15 characters; a value is too long for
    SMSTurbo``): what the command line, the JSON, the record and the page say for a client skipped by them.
    Each rule once, in the order of the rules' table."""
    given = list(dict.fromkeys(rules))
    titles = [RULE_TITLES[r] for r in RULE_TITLES if r in given] + [r for r in given if r not in RULE_TITLES]
    return "; ".join(t if i == 0 or t.startswith("Client Number") else t[:1].lower() + t[1:]
                     for i, t in enumerate(titles))
