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

#: Each field as people see it (the panes' column headers, the Set Up screen, skip reasons).
FIELD_TITLES: Final = MappingProxyType(
    {
        "customer_id": "Client Number",
        "name": "Name",
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
        "inactive": "Inactive",
    }
)

#: Each Replace Options group by the name the Set Up screen gives it.
REPLACE_TITLES: Final = MappingProxyType(
    {"name": "Name", "address": "Address", "phones": "Phone numbers", "email": "Email", "contact": "Contact"}
)


def counted(n: int, word: str) -> str:
    """``1 record``, ``2 records``, ``1,000 records``: a number and the word it counts."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def in_words(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list as a sentence says it."""
    given = list(items)
    return given[0] if len(given) == 1 else f"{', '.join(given[:-1])} and {given[-1]}"


def fields_in_words(fields: Iterable[str]) -> str:
    """Fields by the words people see, in the record's order (``Address 1 and Zip``), each once."""
    given = set(fields)
    return in_words([FIELD_TITLES[f] for f in FIELDS if f in given] + sorted(given.difference(FIELDS)))


def replace_groups_of(fields: Iterable[str]) -> tuple[str, ...]:
    """The Replace Options groups that cover ``fields``, in the Set Up screen's order."""
    given = set(fields)
    return tuple(g for g, members in REPLACE_GROUPS.items() if given.intersection(members))


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
