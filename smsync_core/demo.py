"""Deterministic demo databases that tell the source document's story.

A Sage 100 Contractor company (table ``reccln``) and an SMSTurbo customer table (``Customer``) are generated
from a seed: the same seed always gives the same rows. A few hand-written story rows are always present (Julie
Smith with status 6, Client Numbers with invalid characters, a duplicated Client Number, incomplete clients,
customers typed into SMSTurbo by hand under another ID, whitespace-only and letter-case differences); the bulk of
the clients is drawn with numpy, whole columns at a time, in the same proportions at every size.
"""

from __future__ import annotations

import operator
import os
import re
import sqlite3
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import sqlalchemy as sa
from numpy.dtypes import StringDType
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateTable

from smsync_core.errors import UsageError
from smsync_core.schema import ID_PATTERN, SAGE_TABLE, SMSTURBO_TABLE, TEMPLATE_ID

Array: TypeAlias = npt.NDArray[Any]
Columns: TypeAlias = dict[str, Array]
RecnumType: TypeAlias = Literal["text", "int"]

_SQLITE_BATCH: Final = 20_000
_SQLALCHEMY_BATCH: Final = 5_000


@dataclass(frozen=True)
class DemoPaths:
    """Where :func:`build_demo` wrote the two SQLite databases."""

    sage: Path
    smsturbo: Path

    @property
    def sage_url(self) -> str:
        """SQLAlchemy URL of the Sage 100 Contractor demo company."""
        return "sqlite:///" + str(self.sage.resolve())

    @property
    def smsturbo_url(self) -> str:
        """SQLAlchemy URL of the SMSTurbo demo database."""
        return "sqlite:///" + str(self.smsturbo.resolve())


# -- tables ------------------------------------------------------------------------------------------------


def sage_table(
    metadata: sa.MetaData, *, schema: str | None = None, recnum_type: RecnumType = "text"
) -> sa.Table:
    """Sage 100 Contractor's client table ``reccln`` (the columns smsync reads and a few it ignores).

    ``recnum`` (the Client Number) is text by default so that invalid and duplicated Client Numbers can be
    stored; ``recnum_type="int"`` gives the numeric column of a stock company. No unique constraint.
    """
    recnum: sa.types.TypeEngine[Any] = sa.String(20) if recnum_type == "text" else sa.BigInteger()
    return sa.Table(
        SAGE_TABLE,
        metadata,
        sa.Column("recnum", recnum),
        sa.Column("clnnme", sa.String(50)),
        sa.Column("shtnme", sa.String(15)),
        sa.Column("addrs1", sa.String(50)),
        sa.Column("addrs2", sa.String(50)),
        sa.Column("ctynme", sa.String(50)),
        sa.Column("state_", sa.String(10)),
        sa.Column("zipcde", sa.String(10)),
        sa.Column("phnnum", sa.String(14)),
        sa.Column("faxnum", sa.String(14)),
        sa.Column("cllphn", sa.String(14)),
        sa.Column("e_mail", sa.String(75)),
        sa.Column("contct", sa.String(50)),
        sa.Column("status", sa.Integer),
        sa.Column("inactv", sa.SmallInteger),
        sa.Column("clntyp", sa.Integer),
        sa.Column("dteopn", sa.Date),
        sa.Column("ntetxt", sa.Text),
        schema=schema,
    )


def smsturbo_table(metadata: sa.MetaData, *, schema: str | None = None) -> sa.Table:
    """SMSTurbo's ``Customer`` table: the mapped columns and the ones new customers copy from ``ZZDEFAULT``."""
    return sa.Table(
        SMSTURBO_TABLE,
        metadata,
        sa.Column("CustomerID", sa.String(15), primary_key=True),
        sa.Column("CustomerName", sa.String(40)),
        sa.Column("Address1", sa.String(40)),
        sa.Column("Address2", sa.String(40)),
        sa.Column("City", sa.String(30)),
        sa.Column("State", sa.String(2)),
        sa.Column("PostalCode", sa.String(10)),
        sa.Column("Phone", sa.String(14)),
        sa.Column("Fax", sa.String(14)),
        sa.Column("CellPhone", sa.String(14)),
        sa.Column("Email", sa.String(60)),
        sa.Column("Contact", sa.String(40)),
        sa.Column("TaxCode", sa.String(10)),
        sa.Column("PriceLevel", sa.Integer),
        sa.Column("CreditLimit", sa.Numeric(12, 2)),
        sa.Column("Terms", sa.String(20)),
        sa.Column("Active", sa.SmallInteger, nullable=False, server_default=sa.text("1")),
        sa.Column("Notes", sa.String(255)),
        schema=schema,
    )


# -- the story: fixed rows every demo contains ---------------------------------------------------------------

#: Sage rows, in the column order of :func:`sage_table` (recnum ... ntetxt).
_SAGE_STORY: Final[tuple[tuple[Any, ...], ...]] = (
    ("1001", "Benson Excavating LLC", "Benson Excavat", "4821 W Colfax Ave", None, "Lakewood", "CO", "80214",
     "(303) 555-0101", "(303) 555-0102", "(720) 555-0103", "office@bensonexcavating.com", "Dale Benson",
     3, 0, 1, "2004-03-15", None),
    ("1002", "Rivera & Sons Concrete", "Rivera Concrete", "1290 S Federal Blvd", None, "Denver", "CO", "80219",
     "(303) 555-0114", None, "(720) 555-0115", "mrivera@riverasonsconcrete.com", "Marco Rivera",
     3, 0, 1, "2006-07-01", "New office line since spring."),
    ("1003", "Front Range Roofing Inc.", "Front Range Roo", "775 Kipling St", "Suite 210", "Lakewood", "CO",
     "80215", "(303) 555-0121", None, None, "info@frontrangeroofing.com", "Tom Kowalski",
     3, 0, 1, "2008-02-11", "Moved to Kipling St."),
    ("1004", "Hartley Custom Homes", "Hartley Homes", "9 Inverness Dr E", None, "Englewood", "CO", "80112",
     "(303) 555-0131", None, "(720) 555-0132", "ghartley@hartleyhomes.com", "Greg Hartley",
     3, 0, 4, "2009-09-30", None),
    ("1005", "Mesa Verde Landscaping", "Mesa Verde Land", "2150 N Academy Blvd", None, "Colorado Springs", "CO",
     "80909", "(719) 555-0141", None, "(719) 555-0143", "mesaverdelandscaping@gmail.com", "Ana Morales",
     3, 0, 1, "2010-04-12", None),
    ("1006", "Castle Rock Plumbing", "Castle Rock Plu", "410 Wilcox St", None, "Castle Rock", "CO", "80104",
     "(303) 555-0151", None, "(303) 555-0152", "service@castlerockplumbing.com", "Jim Whitaker",
     3, 0, 1, "2011-01-18", None),
    ("1007", "Summit Electric Co.", "Summit Electric", "6200 W 52nd Ave", "", "Arvada", "CO", "80002",
     "(303) 555-0161", None, "(720) 555-0162", "dispatch@summitelectric.com", "Karen Lee",
     3, 0, 1, "2011-06-02", None),
    ("1008", "Timberline Framing", "Timberline Fram", "County Road 21", None, None, None, None,
     "(970) 555-0163", None, None, "timberlineframing@outlook.com", "Wes Harlan",
     3, 0, 4, "2013-08-21", "Address incomplete: ask for city and ZIP."),
    ("1009", "Granite Peak Drywall", "Granite Peak Dr", "88 Commerce St", None, "Broomfield", "CO", "80020",
     None, None, None, "granitepeakdrywall@yahoo.com", "Ray Dominguez",
     3, 0, 1, "2014-02-27", None),
    ("1010", "Alpine Masonry", "Alpine Masonry", "3021 Walnut St", None, "Boulder", "CO", "80301",
     "(303) 555-0164", None, None, "alpinemasonry@gmail.com", None,
     3, 0, 1, "2014-10-09", None),
    ("1011", None, None, "14 Aspen Ct", None, "Evergreen", "CO", "80439",
     "(303) 555-0165", None, "(720) 555-0166", None, "Rick Dawson",
     2, 0, 2, "2015-03-03", "Name to be entered."),
    ("1012", "Rocky Mountain Commercial Concrete Restoration LLC", "Rocky Mtn Concr", "5600 Pecos St", None,
     "Denver", "CO", "80221", "(303) 555-0167", "(303) 555-0168", None, "estimating@rmccr.com",
     "Paula Grant", 3, 0, 1, "2015-11-16", None),
    ("1013", "Bear Creek Homes", "Bear Creek Home", "11 Bear Creek Rd", None, "Morrison", "CO", "80465",
     "(303) 555-0169", None, None, "bearcreekhomes@gmail.com", "Dan Sutter",
     1, 0, 4, "2016-05-05", None),
    ("1014", "Evergreen Tile & Stone", "Evergreen Tile", "27 Main St", None, "Evergreen", "CO", "80439",
     "(303) 555-0172", None, "(720) 555-0173", "evergreentile@comcast.net", "Lisa Park",
     3, 1, 1, "2016-08-24", "Closed the shop; keep for history."),
    ("1015", "Pikes Peak Paving Co.", "Pikes Peak Pavi", "1601 S Nevada Ave", None, "Colorado Springs", "CO",
     "80905", "(719) 555-0174", None, "(719) 555-0175", "office@pikespeakpaving.com", "Hank Ellis",
     4, 0, 1, "2017-01-10", None),
    ("1016", "Dunn Brothers Paving", "Dunn Bros Pavin", "940 N Main St", None, "Pueblo", "CO", "81003",
     "(719) 555-0176", None, None, "dunnbros@outlook.com", "Pete Dunn",
     5, 0, 1, "2017-06-19", None),
    ("1017", "Clearwater Irrigation", "Clearwater Irri", "2400 E Harmony Rd", None, "Fort Collins", "CO", "80528",
     "(970) 555-0177", None, "(970) 555-0178", "sales@clearwaterirrigation.com", "Nina Vasquez",
     2, 0, 1, "2018-03-14", None),
    ("1018", "Foothills Fencing LLC", "Foothills Fenci", "12 S Golden Rd", None, "Golden", "CO", "80401",
     "(303) 555-0179", None, "(720) 555-0180", "sarah@foothillsfencing.com", "Sarah Jensen",
     3, 0, 1, "2018-09-07", "Sarah took over from her father."),
    ("1019", "Michael Chen", "Chen, Michael", "3357 S Holly St", None, "Denver", "CO", "80222",
     None, None, "(720) 555-0182", "michael.chen@gmail.com", "Michael Chen",
     3, 0, 2, "2019-04-22", None),
    ("1020", "Lakewood Glass & Mirror", "Lakewood Glass", "7100 W Alameda Ave", None, "Lakewood", "CO", "80226",
     "(303) 555-0183", None, None, "lakewoodglass@comcast.net", "Ed Novak",
     6, 0, 1, "2019-12-02", "Collections: do not accept contract again."),
    ("SMITHJ", "Julie Smith", "Smith, Julie", "1842 Elm St", None, "Littleton", "CO", "80120",
     "(303) 555-0142", None, "(720) 555-0199", "julie.smith@comcast.net", "Julie Smith",
     6, 0, 2, "2012-05-20", "Do not accept contract again: unpaid balance."),
    ("acme01", "Acme Paving Inc.", "Acme Paving", "15500 E 6th Ave", None, "Aurora", "CO", "80011",
     "(303) 555-0171", None, "(720) 555-0184", "lortega@acmepaving.com", "Luis Ortega",
     3, 0, 1, "2005-05-16", None),
    ("SMITH J", "Smith & Johnson Roofing", "Smith Johnson R", "8700 Sheridan Blvd", None, "Westminster", "CO",
     "80031", "(303) 555-0181", None, "(720) 555-0185", "smithjohnsonroofing@gmail.com", "Bob Johnson",
     3, 0, 1, "2007-10-08", None),
    ("O'BRIEN", "O'Brien Plumbing & Heating", "O'Brien Plumbin", "2250 30th St", None, "Boulder", "CO", "80301",
     "(303) 555-0186", "(303) 555-0187", None, "kevin@obrienph.com", "Kevin O'Brien",
     3, 0, 1, "2009-01-26", None),
    ("A&B.PAVING", "A & B Paving Co.", "A&B Paving", "455 N Main St", None, "Brighton", "CO", "80601",
     "(303) 555-0188", None, None, "abpaving@aol.com", "Al Becker",
     3, 0, 1, "2010-07-19", None),
    ("MÜLLER", "Müller Stone Works", "Muller Stone", "1300 Ford St", None, "Golden", "CO", "80401",
     "(303) 555-0189", None, "(720) 555-0190", "info@mullerstone.com", "Jürgen Müller",
     3, 0, 1, "2012-11-05", None),
    ("CONCRETESUPPLY-NORTH", "Concrete Supply North Inc.", "Concrete Supply", "10200 Grant St", None,
     "Thornton", "CO", "80229", "(303) 555-0191", "(303) 555-0192", None, "orders@concretesupplynorth.com",
     "Gary Fisk", 3, 0, 1, "2013-04-15", None),
    ("   ", "Pioneer Fence Company", "Pioneer Fence", "620 Pioneer Rd", None, "Parker", "CO", "80134",
     "(303) 555-0193", None, "(720) 555-0194", "pioneerfence@gmail.com", "Joe Tate",
     3, 0, 1, "2020-02-10", "Client Number lost in the 2020 conversion."),
    ("HOLLOWAY", "Holloway Builders", "Holloway Build", "7400 E Arapahoe Rd", "Suite 300", "Centennial", "CO",
     "80112", "(303) 555-0195", "(303) 555-0196", None, "jim@hollowaybuilders.com", "Jim Holloway",
     3, 0, 4, "2008-06-30", None),
    ("HOLLOWAY", "Holloway Homes LLC", "Holloway Homes", "1 Plum Creek Pkwy", None, "Castle Rock", "CO", "80104",
     "(303) 555-0197", None, "(720) 555-0198", "sue@hollowayhomes.com", "Sue Holloway",
     3, 0, 4, "2021-03-01", "Same Client Number as Holloway Builders."),
)

#: SMSTurbo rows, in the column order of :func:`smsturbo_table` (CustomerID ... Notes).
_SMSTURBO_STORY: Final[tuple[tuple[Any, ...], ...]] = (
    (TEMPLATE_ID, "DEFAULT TEMPLATE", None, None, None, None, None, None, None, None, None, None,
     "CO-STD", 2, 5000.0, "Net 30", 1, "Template for new customers."),
    ("1001", "Benson Excavating LLC", "4821 W Colfax Ave", None, "Lakewood", "CO", "80214",
     "(303) 555-0101", "(303) 555-0102", "(720) 555-0103", "office@bensonexcavating.com", "Dale Benson",
     "CO-STD", 2, 10000.0, "Net 30", 1, None),
    ("1002", "Rivera & Sons Concrete", "1290 S Federal Blvd", None, "Denver", "CO", "80219",
     "(303) 555-0110", None, "(720) 555-0115", "mrivera@riverasonsconcrete.com", "Marco Rivera",
     "CO-DEN", 2, 10000.0, "Net 30", 1, None),
    ("1003", "Front Range Roofing Inc.", "3300 Youngfield St", None, "Wheat Ridge", "CO", "80033",
     "(303) 555-0121", None, None, "info@frontrangeroofing.com", "Tom Kowalski",
     "CO-STD", 2, 5000.0, "Net 30", 1, None),
    ("1004", "Hartley Custom Homes  ", " 9 Inverness Dr E", "", "Englewood", "CO", "80112",
     "(303) 555-0131", None, "(720) 555-0132", "ghartley@hartleyhomes.com", "Greg Hartley",
     "CO-STD", 3, 25000.0, "Net 30", 1, None),
    ("1006", "CASTLE ROCK PLUMBING", "410 Wilcox St", None, "Castle Rock", "CO", "80104",
     "(303) 555-0151", None, "(303) 555-0152", "service@castlerockplumbing.com", "Jim Whitaker",
     "CO-STD", 2, 5000.0, "Net 30", 1, None),
    ("1007", "Summit Electric Co.", "6200 W 52nd Ave", None, "Arvada", "CO", "80002",
     "(303) 555-0161", "", "(720) 555-0162", "dispatch@summitelectric.com", "Karen Lee",
     "CO-STD", 2, 5000.0, "Net 30", 1, None),
    ("1015", "Pikes Peak Paving Co.", "1601 S Nevada Ave", None, "Colorado Springs", "CO", "80905",
     "(719) 555-0174", None, "(719) 555-0175", "office@pikespeakpaving.com", "Hank Ellis",
     "CO-STD", 1, 2500.0, "Net 15", 1, None),
    ("1018", "Foothills Fencing LLC", "12 S Golden Rd", None, "Golden", "CO", "80401",
     "(303) 555-0179", None, "(720) 555-0180", "bill@foothillsfencing.com", "Bill Jensen",
     "CO-STD", 2, 5000.0, "Net 30", 1, None),
    ("0001005", "Mesa Verde Landscaping", "2150 N Academy Blvd", None, "Colorado Springs", "CO", "80909",
     "(719) 555-0141", None, "(719) 555-0143", "mesaverdelandscaping@gmail.com", "Ana Morales",
     "CO-STD", 2, 5000.0, "Net 30", 1, "Entered by hand before the migration."),
    ("ACMEPAVING", "ACME PAVING INC", "15500 E 6th Ave", None, "Aurora", "CO", "80011",
     "(303) 555-0171", None, None, "lortega@acmepaving.com", "Luis Ortega",
     "CO-STD", 2, 10000.0, "Net 30", 1, "Entered by hand before the migration."),
    ("SMITH-01", "Smith and Johnson Roofing", "8700 Sheridan Blvd", None, "Westminster", "CO", "80031",
     "(303) 555-0181", None, None, None, "Bob Johnson",
     "CO-STD", 2, 5000.0, "Net 30", 1, "Entered by hand before the migration."),
    ("WALKIN", "Walk-in Customer", None, None, "Denver", "CO", None, None, None, None, None, None,
     "CO-DEN", 1, 0.0, "Due on Receipt", 1, "Counter sales."),
    ("PEAKVIEW-HOA", "Peakview Homeowners Assn", "PO Box 2210", None, "Centennial", "CO", "80122",
     "(303) 555-0140", None, None, "board@peakviewhoa.org", "Maria Lopez",
     "EXEMPT", 3, 15000.0, "Net 45", 1, None),
    ("GOLDENRENTALS", "Golden Property Rentals", "1010 Washington Ave", "Unit 2", "Golden", "CO", "80401",
     "(303) 555-0144", None, "(720) 555-0145", "manager@goldenrentals.com", "Chris Adler",
     "CO-STD", 2, 5000.0, "Net 30", 1, None),
)

# -- word lists for the bulk ----------------------------------------------------------------------------------

_SURNAMES: Final = (
    "Anderson", "Baker", "Barnes", "Becker", "Bennett", "Brooks", "Bryant", "Campbell", "Carter", "Castillo",
    "Chavez", "Clark", "Coleman", "Collins", "Cooper", "Cruz", "Davis", "Diaz", "Dixon", "Duncan", "Edwards",
    "Ellis", "Evans", "Fischer", "Fisher", "Flores", "Ford", "Foster", "Garcia", "Gibson", "Gomez",
    "Gonzalez", "Graham", "Grant", "Gray", "Green", "Griffin", "Hall", "Hamilton", "Hansen", "Harris",
    "Hayes", "Henderson", "Hernandez", "Hill", "Holmes", "Howard", "Hughes", "Hunt", "Jackson", "James",
    "Jenkins", "Jensen", "Johnson", "Jones", "Kelly", "Kennedy", "Kim", "King", "Klein", "Knight", "Kowalski",
    "Larsen", "Lee", "Lewis", "Long", "Lopez", "Marshall", "Martin", "Martinez", "Mason", "Meyer", "Miller",
    "Mitchell", "Moore", "Morales", "Morgan", "Morris", "Murphy", "Murray", "Nelson", "Nguyen", "Olson",
    "Ortiz", "Owens", "Parker", "Patel", "Perez", "Perry", "Peterson", "Phillips", "Porter", "Powell",
    "Price", "Ramirez", "Reed", "Reyes", "Reynolds", "Richardson", "Rivera", "Roberts", "Robinson",
    "Rodriguez", "Rogers", "Ross", "Russell", "Sanchez", "Sanders", "Schmidt", "Scott", "Shaw", "Simmons",
    "Snyder", "Stewart", "Sullivan", "Taylor", "Thompson", "Torres", "Tucker", "Turner", "Vargas", "Wagner",
    "Walker", "Wallace", "Ward", "Warren", "Watson", "Weber", "Wells", "West", "White", "Williams", "Wilson",
    "Wood", "Wright", "Young", "Zimmerman", "Peña", "Muñoz", "Núñez", "Müller", "O'Connor",
)
_FIRST_NAMES: Final = (
    "Aaron", "Adam", "Alex", "Amanda", "Amy", "Andrew", "Angela", "Anna", "Anthony", "Ben", "Beth", "Brandon",
    "Brian", "Carlos", "Carol", "Chris", "Cindy", "Dan", "Dave", "Deb", "Dennis", "Diana", "Doug", "Ed",
    "Elena", "Eric", "Frank", "Gary", "Greg", "Heather", "Jake", "James", "Jason", "Jeff", "Jen", "Jim",
    "Joe", "John", "Jose", "Juan", "Julie", "Karen", "Kate", "Keith", "Kelly", "Ken", "Kevin", "Kim", "Kyle",
    "Laura", "Linda", "Lisa", "Luis", "Maria", "Mark", "Matt", "Megan", "Mike", "Nancy", "Nick", "Pam", "Pat",
    "Paul", "Ray", "Rick", "Rob", "Ron", "Rosa", "Ryan", "Sam", "Sandra", "Sarah", "Scott", "Sean", "Steve",
    "Sue", "Susan", "Terry", "Tim", "Todd", "Tom", "Tony", "Tyler", "Victor", "Will",
)
_TRADES: Final = (
    "Excavating", "Concrete", "Roofing", "Plumbing", "Electric", "Landscaping", "Drywall", "Masonry", "Paving",
    "Framing", "Painting", "Heating & Air", "Construction", "Builders", "Homes", "Fencing", "Tile & Stone",
    "Glass", "Insulation", "Steel", "Welding", "Demolition", "Flooring", "Cabinets", "Remodeling", "Grading",
    "Septic", "Irrigation", "Gutters", "Siding", "Mechanical", "Restoration",
)
_PLACES: Final = (
    "Front Range", "Rocky Mountain", "Summit", "Pikes Peak", "Foothills", "High Plains", "Mile High", "Canyon",
    "Aspen", "Blue Spruce", "Cherry Creek", "Red Rocks", "Timberline", "Continental", "Western Slope", "Prairie",
    "Eagle", "Silver State", "Cornerstone", "Keystone", "Pinnacle", "Heritage", "Premier", "Alpine", "Granite",
    "Columbine", "Bluebird", "Centennial", "Platte River", "Bear Creek",
)
_SUFFIXES: Final = (" LLC", " Inc.", " Co.", " Company", " Corp.", "", " Ltd.", " LLC")
_STREETS: Final = (
    "Colfax", "Broadway", "Federal", "Wadsworth", "Main", "Oak", "Pine", "Elm", "Cedar", "Maple", "Aspen",
    "Juniper", "Spruce", "Mountain View", "Ridge", "Canyon", "Lincoln", "Washington", "Jefferson", "Kipling",
    "Sheridan", "Union", "Alameda", "Evans", "Hampden", "Arapahoe", "Dry Creek", "Quebec", "Havana", "Yosemite",
    "Tower", "Chambers", "Simms", "Youngfield", "Ward", "Garrison", "Pecos", "Zuni", "Lowell", "Tejon",
    "Academy", "College", "Harmony", "Prospect", "Horsetooth", "Baseline", "Belleview", "Valmont", "Pearl",
    "Walnut",
)
_STREET_TYPES: Final = ("St", "Ave", "Blvd", "Dr", "Rd", "Way", "Ct", "Ln", "Pkwy", "Cir", "Pl")
_DIRECTIONS: Final = ("", "", "", "W ", "E ", "N ", "S ")
#: (city, state, lowest ZIP, highest ZIP, area codes, weight)
_CITIES: Final = (
    ("Denver", "CO", 80202, 80239, ("303", "720"), 18), ("Aurora", "CO", 80010, 80019, ("303", "720"), 8),
    ("Lakewood", "CO", 80214, 80235, ("303", "720"), 6), ("Littleton", "CO", 80120, 80130, ("303", "720"), 5),
    ("Arvada", "CO", 80002, 80007, ("303", "720"), 4), ("Westminster", "CO", 80030, 80031, ("303", "720"), 3),
    ("Thornton", "CO", 80229, 80241, ("303", "720"), 3), ("Englewood", "CO", 80110, 80113, ("303",), 3),
    ("Centennial", "CO", 80111, 80122, ("303", "720"), 3), ("Boulder", "CO", 80301, 80305, ("303",), 4),
    ("Longmont", "CO", 80501, 80504, ("303", "720"), 3), ("Broomfield", "CO", 80020, 80023, ("303", "720"), 2),
    ("Golden", "CO", 80401, 80403, ("303",), 2), ("Parker", "CO", 80134, 80138, ("303", "720"), 3),
    ("Castle Rock", "CO", 80104, 80109, ("303", "720"), 3), ("Brighton", "CO", 80601, 80603, ("303",), 2),
    ("Wheat Ridge", "CO", 80033, 80034, ("303",), 1), ("Commerce City", "CO", 80022, 80022, ("303",), 1),
    ("Evergreen", "CO", 80439, 80439, ("303",), 1), ("Colorado Springs", "CO", 80903, 80925, ("719",), 8),
    ("Pueblo", "CO", 81001, 81008, ("719",), 2), ("Fort Collins", "CO", 80521, 80528, ("970",), 4),
    ("Loveland", "CO", 80537, 80538, ("970",), 2), ("Greeley", "CO", 80631, 80634, ("970",), 2),
    ("Grand Junction", "CO", 81501, 81507, ("970",), 2), ("Cheyenne", "WY", 82001, 82009, ("307",), 1),
    ("Laramie", "WY", 82070, 82072, ("307",), 1), ("Albuquerque", "NM", 87101, 87123, ("505",), 1),
    ("Santa Fe", "NM", 87501, 87508, ("505",), 1), ("Salt Lake City", "UT", 84101, 84121, ("801", "385"), 1),
    ("Omaha", "NE", 68102, 68164, ("402",), 1), ("Wichita", "KS", 67202, 67230, ("316",), 1),
)
_FREE_MAIL: Final = ("gmail.com", "yahoo.com", "outlook.com", "comcast.net", "icloud.com", "hotmail.com")
_OFFICE_MAIL: Final = ("office", "info", "billing", "estimating", "admin")
_NOTES: Final = (
    "Gate code 4471.", "Prefers invoices by e-mail.", "Tax exempt certificate on file.", "Call before delivery.",
    "Retainage 10% on commercial jobs.", "Lien waiver required with each draw.", "Net 30 approved by owner.",
    "Send statements to the PO box.",
)
_TERMS: Final = ("Net 30", "Net 15", "Net 45", "COD", "Due on Receipt")

#: Company name shapes: (share of companies, name, short name, e-mail domain, Client Number code word).
_COMPANY_FORMS: Final = (
    (0.35, "{S} {T}{X}", "{S} {T}", "{s}{t}.com", "{SC}"),
    (0.10, "{S} & Sons {T}", "{S} & Sons", "{s}andsons.com", "{SC}"),
    (0.30, "{P} {T}{X}", "{P} {T}", "{p}{t}.com", "{PC}"),
    (0.05, "{S} Brothers {T}", "{S} Bros {T}", "{s}bros.com", "{SC}"),
    (0.10, "{S} & {S2} {T}", "{S} & {S2}", "{s}{s2}.com", "{SC}"),
    (0.10, "{S} {T}", "{S} {T}", "{s}{t}.com", "{SC}"),
)
#: Homeowners and other private clients.
_PERSON_FORM: Final = (0.0, "{F} {S}", "{S}, {F}", "{M}", "{SC}")

_SD: Final = StringDType()


def _slug(text: str) -> str:
    """Lowercase ASCII letters and digits only: the shape of an e-mail domain or local part."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _words(values: Iterable[Any]) -> Array:
    """A vocabulary as an object array: gathering from it shares the same Python strings."""
    return np.array(list(values), dtype=object)


_W: Final = {
    "S": _words(_SURNAMES), "s": _words(map(_slug, _SURNAMES)), "SC": _words(s.upper()[:6] for s in _SURNAMES),
    "SU": _words(s.upper() for s in _SURNAMES), "F": _words(_FIRST_NAMES), "f": _words(map(_slug, _FIRST_NAMES)),
    "i": _words(_slug(s)[0] for s in _FIRST_NAMES), "T": _words(_TRADES), "t": _words(map(_slug, _TRADES)),
    "TU": _words(_slug(s).upper() for s in _TRADES), "P": _words(_PLACES), "p": _words(map(_slug, _PLACES)),
    "PC": _words(_slug(s).upper()[:6] for s in _PLACES), "X": _words(_SUFFIXES), "M": _words(_FREE_MAIL),
}
_SURNAME_CODE_OK: Final = np.array([re.fullmatch(ID_PATTERN, s.upper()[:6]) is not None for s in _SURNAMES])
_CITY_NAME: Final = _words(c[0] for c in _CITIES)
_CITY_STATE: Final = _words(c[1] for c in _CITIES)
_CITY_WEIGHT: Final = np.array([c[5] for c in _CITIES], dtype=float) / sum(c[5] for c in _CITIES)
_ZIP_LOW: Final = np.array([c[2] for c in _CITIES])
_ZIP_SPAN: Final = np.array([c[3] - c[2] + 1 for c in _CITIES])
_AREA: Final = np.array([[int(c[4][0]), int(c[4][-1])] for c in _CITIES])


def _cat(*parts: Array | str) -> Array:
    """Concatenate text columns (and constants) element-wise."""
    return cast(Array, reduce(operator.add, parts))


def _render(template: str, parts: Mapping[str, Array]) -> Array:
    """Fill a ``{field}`` template from columns of words, element-wise."""
    pieces: list[Array | str] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if field:
            pieces.append(parts[field])
    return _cat(*pieces)


def _strings(function: Callable[..., Array], values: Array, *args: Any) -> Array:
    """Apply a ``numpy.strings`` function to a text column without NULLs."""
    return function(values.astype(_SD), *args).astype(object)


def _digit_codes(values: Array, width: int) -> Array:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + ord("0")).astype(np.uint32)


def _digits(values: Array, width: int) -> Array:
    """Non-negative whole numbers as text of exactly ``width`` digits."""
    return _digit_codes(values, width).view(f"<U{width}")[:, 0].astype(object)


def _decimal(values: Array) -> Array:
    """Whole numbers as plain decimal text (``1001``)."""
    return np.asarray(values).astype(np.str_).astype(object)


def _pick(rng: np.random.Generator, words: Sequence[str], size: int, p: Sequence[float] | None = None) -> Array:
    return _words(words)[rng.choice(len(words), size=size, p=p)]


def _phones(rng: np.random.Generator, area: Array) -> Array:
    """Phone numbers like ``(303) 284-0142`` (the 555 exchange is left to the story rows)."""
    n = len(area)
    exchange = rng.integers(201, 990, n)
    exchange[exchange == 555] = 556
    codes = np.empty((n, 14), dtype=np.uint32)
    codes[:, [0, 4, 5, 9]] = [ord("("), ord(")"), ord(" "), ord("-")]
    codes[:, 1:4] = _digit_codes(area, 3)
    codes[:, 6:9] = _digit_codes(exchange, 3)
    codes[:, 10:14] = _digit_codes(rng.integers(0, 10_000, n), 4)
    return codes.view("<U14")[:, 0].astype(object)


def _address(rng: np.random.Generator, n: int) -> Array:
    number = _decimal(np.where(rng.random(n) < 0.7, rng.integers(100, 9999, n), rng.integers(10, 19_999, n)))
    return _cat(number, " ", _pick(rng, _DIRECTIONS, n), _pick(rng, _STREETS, n), " ",
                _pick(rng, _STREET_TYPES, n))


def _clients(rng: np.random.Generator, n: int) -> Columns:
    """Names, addresses, phones, e-mails and contacts of ``n`` clients, plus a code word for an ID.

    Every bulk value fits SMSTurbo's columns by construction (names at most 37 characters, addresses 26).
    """
    person = rng.random(n) < 0.22
    shares = [form[0] for form in _COMPANY_FORMS]
    form = np.where(person, len(_COMPANY_FORMS), rng.choice(len(_COMPANY_FORMS), size=n, p=shares))
    index = {
        "S": rng.integers(0, len(_SURNAMES), n), "S2": rng.integers(0, len(_SURNAMES), n),
        "T": rng.integers(0, len(_TRADES), n), "P": rng.integers(0, len(_PLACES), n),
        "F": rng.integers(0, len(_FIRST_NAMES), n), "X": rng.integers(0, len(_SUFFIXES), n),
        "M": rng.integers(0, len(_FREE_MAIL), n),
    }
    fields = {  # template field -> (vocabulary, which index)
        "S": ("S", "S"), "s": ("s", "S"), "SC": ("SC", "S"), "S2": ("S", "S2"), "s2": ("s", "S2"),
        "T": ("T", "T"), "t": ("t", "T"), "P": ("P", "P"), "p": ("p", "P"), "PC": ("PC", "P"),
        "F": ("F", "F"), "X": ("X", "X"), "M": ("M", "M"),
    }
    name, short, domain, code = (np.empty(n, dtype=object) for _ in range(4))
    for k, (_, *templates) in enumerate((*_COMPANY_FORMS, _PERSON_FORM)):
        rows = np.flatnonzero(form == k)
        parts = {field: _W[vocabulary][index[which][rows]] for field, (vocabulary, which) in fields.items()}
        for column, template in zip((name, short, domain, code), templates, strict=True):
            column[rows] = _render(template, parts)
    short = _strings(lambda v: np.strings.rstrip(np.strings.slice(v, 0, 15)), short)

    # The contact: family businesses are often run by someone with the company's surname.
    c_first = np.where(person, index["F"], rng.integers(0, len(_FIRST_NAMES), n))
    c_sur = np.where(person | (rng.random(n) < 0.45), index["S"], rng.integers(0, len(_SURNAMES), n))
    local = _pick(rng, _OFFICE_MAIL, n)
    own = np.flatnonzero(person | (rng.random(n) < 0.55))
    local[own] = _cat(np.where(person[own], _W["f"][c_first[own]] + ".", _W["i"][c_first[own]]),
                      _W["s"][c_sur[own]])

    city = rng.choice(len(_CITIES), size=n, p=_CITY_WEIGHT)
    area = _AREA[city, (rng.random(n) < 0.5).astype(np.int64)]
    has_address2 = rng.random(n) < 0.15
    address2 = np.full(n, "", dtype=object)
    rows = np.flatnonzero(has_address2)
    m = rows.shape[0]
    address2[rows] = np.where(rng.random(m) < 0.6, _cat("Suite ", _decimal(rng.integers(1, 46, m) * 10)),
                              _cat("Unit ", _decimal(rng.integers(1, 40, m)), _pick(rng, ("", "A", "B"), m)))
    return {
        "person": person, "name": name, "short": short, "code": code,
        "code_ok": np.where(form == 2, True, _SURNAME_CODE_OK[index["S"]]),
        "contact": _cat(_W["F"][c_first], " ", _W["S"][c_sur]), "email": _cat(local, "@", domain),
        "address1": _address(rng, n), "address2": address2, "has_address2": has_address2,
        "city": _CITY_NAME[city], "state": _CITY_STATE[city],
        "zip": _digits(_ZIP_LOW[city] + (rng.random(n) * _ZIP_SPAN[city]).astype(np.int64), 5),
        "area": area, "phone": _phones(rng, area), "fax": _phones(rng, area), "mobile": _phones(rng, area),
        "surname_upper": _W["SU"][index["S"]], "trade_upper": _W["TU"][index["T"]],
    }


@dataclass
class _Bulk:
    """Generated rows before NULLs are applied: text ("" where missing), missing masks, other columns."""

    text: dict[str, Array]
    missing: dict[str, Array]
    other: Columns

    def columns(self) -> Columns:
        out = {name: values.copy() for name, values in self.text.items()}
        for name, missing in self.missing.items():
            out[name][missing] = None
        return out | self.other


def _invalid_ids(rng: np.random.Generator, c: Columns, number: Array) -> Array:
    """Client Numbers SMSTurbo cannot take: lowercase, a space, punctuation, too long, blank."""
    n = number.shape[0]
    code, kind = c["code"], rng.choice(5, size=n, p=[0.3, 0.2, 0.25, 0.2, 0.05])
    too_long = _cat(c["surname_upper"], c["trade_upper"], "-", number, "-",
                    _pick(rng, ("NORTH", "SOUTH", "EAST", "WEST"), n))  # at least 19 characters
    variants = (
        _strings(np.strings.lower, _cat(code, number)),
        _cat(code, " ", number),
        _cat(code, _pick(rng, (".", "&", "/", "'", "#"), n), number),
        _strings(np.strings.slice, too_long, 0, 20),
        _pick(rng, (" ", "  "), n),
    )
    out = np.empty(n, dtype=object)
    for k, values in enumerate(variants):
        out[kind == k] = values[kind == k]
    return out


def _sage_bulk(rng: np.random.Generator, n: int, first_number: int) -> tuple[_Bulk, Columns]:
    """The generated Sage clients, and what the SMSTurbo side needs to know about them."""
    c = _clients(rng, n)
    number = first_number - 1 + np.cumsum(1 + (rng.random(n) < 0.08) * rng.integers(1, 4, n))
    numtext = _decimal(number)
    alpha = rng.random(n) < 0.12
    recnum = numtext.copy()
    recnum[alpha] = _cat(c["code"][alpha], numtext[alpha])
    invalid = np.flatnonzero(rng.random(n) < 0.006)
    recnum[invalid] = _invalid_ids(rng, {k: v[invalid] for k, v in c.items()}, numtext[invalid])
    dup = rng.random(n) < 0.003  # entered twice under the same Client Number
    dup &= ~np.roll(dup, 1)
    dup[:1] = False
    recnum[dup] = recnum[np.flatnonzero(dup) - 1]
    valid = np.where(alpha, c["code_ok"], True) & ~dup & ~np.roll(dup, -1)
    valid[invalid] = False

    person = c["person"]
    status = rng.choice(np.arange(1, 7), size=n, p=[0.05, 0.07, 0.62, 0.13, 0.08, 0.05])
    no_address = rng.random(n) < 0.03
    no_phone = rng.random(n) < 0.03
    office_missing = person & (rng.random(n) < 0.4)
    mobile_missing = rng.random(n) >= np.where(person, 0.85, 0.55)
    no_fax = person | (rng.random(n) >= 0.2) | no_phone
    blank = rng.random(n) < 0.1  # an empty string rather than NULL, as some entry screens leave it
    no_name = rng.random(n) < 0.002
    notes = np.full(n, "", dtype=object)
    noted = np.flatnonzero(rng.random(n) < 0.08)
    notes[noted] = _pick(rng, _NOTES, noted.shape[0])
    text = {
        "recnum": recnum, "clnnme": c["name"], "shtnme": c["short"], "addrs1": c["address1"],
        "addrs2": c["address2"], "ctynme": c["city"], "state_": c["state"], "zipcde": c["zip"],
        "phnnum": c["phone"], "faxnum": c["fax"], "cllphn": c["mobile"], "e_mail": c["email"],
        "contct": c["contact"], "ntetxt": notes,
    }
    missing = {
        "clnnme": no_name, "shtnme": no_name, "addrs1": no_address & (rng.random(n) < 0.4),
        "addrs2": ~c["has_address2"] & ~blank, "ctynme": no_address, "state_": no_address, "zipcde": no_address,
        "phnnum": no_phone | office_missing, "cllphn": no_phone | (mobile_missing & ~office_missing),
        "faxnum": no_fax & ~blank, "e_mail": rng.random(n) < 0.07,
        "contct": rng.random(n) < np.where(person, 0.3, 0.05), "ntetxt": notes == "",
    }
    text["faxnum"] = np.where(no_fax & blank, "", text["faxnum"])
    start, end = np.datetime64("1998-01-05", "D"), np.datetime64("2026-10-30", "D")
    other: Columns = {
        "status": status.astype(np.int64),
        "inactv": (rng.random(n) < np.where((status == 4) | (status == 5), 0.08, 0.008)).astype(np.int16),
        "clntyp": np.where(person, 2, rng.choice([1, 3, 4, 5], size=n, p=[0.6, 0.05, 0.25, 0.1])).astype(np.int64),
        "dteopn": start + rng.integers(0, int((end - start).astype(np.int64)), n).astype("timedelta64[D]"),
    }
    facts = {"valid": valid, "status": status, "numeric": ~alpha, "numtext": numtext, "code": c["code"],
             "area": c["area"]}
    return _Bulk(text, missing, other), facts


#: SMSTurbo column <- Sage column, for the mapped fields.
_TARGET_FROM_SAGE: Final = {
    "CustomerName": "clnnme", "Address1": "addrs1", "Address2": "addrs2", "City": "ctynme", "State": "state_",
    "PostalCode": "zipcde", "Phone": "phnnum", "Fax": "faxnum", "CellPhone": "cllphn", "Email": "e_mail",
    "Contact": "contct",
}


def _copy_of_sage(sage: _Bulk, rows: Array) -> tuple[dict[str, Array], dict[str, Array]]:
    text = {target: sage.text[source][rows] for target, source in _TARGET_FROM_SAGE.items()}
    missing = {target: sage.missing[source][rows] for target, source in _TARGET_FROM_SAGE.items()}
    return text, missing


def _drift(rng: np.random.Generator, text: dict[str, Array], missing: dict[str, Array], area: Array) -> None:
    """What happened to customers in both systems: most identical, some changed in Sage since, some cosmetic."""
    n = len(area)
    kind: Array = rng.choice(6, size=n, p=[0.78, 0.07, 0.06, 0.02, 0.06, 0.01])

    def change(column: str, rows: Array, values: Array) -> None:
        text[column][rows] = values[rows]
        missing[column][rows] = False

    change("Address1", kind == 1, _address(rng, n))  # SMSTurbo still has the old address
    missing["Address2"][kind == 1] = True
    change("Phone", kind == 2, _phones(rng, area))  # ... or the old phone number
    change("Contact", kind == 3, _cat(_pick(rng, _FIRST_NAMES, n), " ", _pick(rng, _SURNAMES, n)))
    # Only whitespace, or NULL against empty: not a difference once values are normalised.
    how = np.where(kind == 4, rng.integers(0, 3, n), -1)
    pad_name = (how == 0) & ~missing["CustomerName"]
    pad_address = (how == 1) & ~missing["Address1"]
    text["CustomerName"][pad_name] = _cat(text["CustomerName"][pad_name], " ")
    text["Address1"][pad_address] = _cat(" ", text["Address1"][pad_address])
    rows = np.flatnonzero((how >= 0) & ~pad_name & ~pad_address)
    text["Address2"][rows] = np.where(missing["Address2"][rows], "", _cat(text["Address2"][rows], " "))
    missing["Address2"][rows] = False
    # Only letter case: a difference (the comparison is case-sensitive).
    shout = np.flatnonzero((kind == 5) & ~missing["CustomerName"])
    text["CustomerName"][shout] = _strings(np.strings.upper, text["CustomerName"][shout])


def _smsturbo_bulk(rng: np.random.Generator, sage: _Bulk, facts: Columns) -> _Bulk:
    """Customers already in SMSTurbo: copies of Sage clients, hand-typed near-matches and strangers."""
    status, valid = facts["status"], facts["valid"]
    n = status.shape[0]
    shared = valid & (rng.random(n) < np.array([0.0, 0.05, 0.1, 0.7, 0.55, 0.25, 0.15])[status])
    near = valid & ~shared & ((status == 3) | (status == 4)) & ~sage.missing["clnnme"] & (rng.random(n) < 0.04)
    s_rows, n_rows = np.flatnonzero(shared), np.flatnonzero(near)

    s_text, s_missing = _copy_of_sage(sage, s_rows)
    _drift(rng, s_text, s_missing, facts["area"][s_rows])
    s_text["CustomerID"] = sage.text["recnum"][s_rows]

    # Typed in by hand before the migration, under another ID: a zero-padded number or a name code.
    m = n_rows.shape[0]
    n_text, n_missing = _copy_of_sage(sage, n_rows)
    shout = np.flatnonzero(rng.random(m) < 0.5)
    n_text["CustomerName"][shout] = _strings(np.strings.upper, n_text["CustomerName"][shout])
    n_missing["Email"] |= rng.random(m) < 0.3
    n_text["CustomerID"] = np.where(facts["numeric"][n_rows] & (rng.random(m) < 0.5),
                                    _cat("000", facts["numtext"][n_rows]),
                                    _cat(facts["code"][n_rows], "-", _digits(rng.integers(1, 100, m), 2)))

    # Customers with no counterpart in Sage at all (their code word is always a valid ID).
    c = _clients(rng, max(1, n // 80))
    keep = np.flatnonzero(c["code_ok"])
    k = keep.shape[0]
    o_text = {target: c[source][keep] for target, source in (
        ("CustomerName", "name"), ("Address1", "address1"), ("Address2", "address2"), ("City", "city"),
        ("State", "state"), ("PostalCode", "zip"), ("Phone", "phone"), ("Fax", "fax"),
        ("CellPhone", "mobile"), ("Email", "email"), ("Contact", "contact"))}
    o_text["CustomerID"] = _cat(c["code"][keep], "-", _digits(rng.integers(1, 100, k), 2))
    o_missing = {"Address2": ~c["has_address2"][keep], "Fax": rng.random(k) < 0.8,
                 "CellPhone": rng.random(k) < 0.4, "Email": rng.random(k) < 0.2, "Contact": c["person"][keep]}

    hand = "Entered by hand before the migration."
    parts = (
        (s_text, s_missing, np.full(s_rows.shape[0], "", dtype=object),
         rng.random(s_rows.shape[0]) >= np.where(status[s_rows] >= 4, 0.3, 0.01)),
        (n_text, n_missing, np.full(m, hand, dtype=object), np.ones(m, dtype=bool)),
        (o_text, o_missing, _pick(rng, ("", hand), k), np.ones(k, dtype=bool)),
    )
    text: dict[str, Array] = {}
    missing: dict[str, Array] = {}
    for name in ("CustomerID", *_TARGET_FROM_SAGE):
        text[name] = np.concatenate([part[0][name] for part in parts])
        missing[name] = np.concatenate([part[1].get(name, np.zeros(part[2].shape[0], dtype=bool))
                                        for part in parts])
    text["Notes"] = np.concatenate([part[2] for part in parts])
    missing["Notes"] = text["Notes"] == ""
    total = text["Notes"].shape[0]
    text["TaxCode"] = _pick(rng, ("CO-STD", "CO-DEN", "EXEMPT", "CO-BLD"), total, p=[0.7, 0.15, 0.05, 0.1])
    text["Terms"] = _pick(rng, _TERMS, total, p=[0.6, 0.15, 0.1, 0.05, 0.1])
    other: Columns = {
        "PriceLevel": rng.choice([1, 2, 3], size=total, p=[0.2, 0.6, 0.2]).astype(np.int64),
        "CreditLimit": rng.choice([2500.0, 5000.0, 10000.0, 25000.0, 50000.0], size=total,
                                  p=[0.2, 0.4, 0.25, 0.1, 0.05]),
        "Active": np.concatenate([part[3] for part in parts]).astype(np.int16),
    }
    return _Bulk(text, missing, other)


# -- assembling both tables ---------------------------------------------------------------------------------------


def _typed(column: sa.Column[Any], values: Sequence[Any]) -> Array:
    if isinstance(column.type, sa.String):
        return _words(values)
    if isinstance(column.type, sa.Date):
        return np.array(values, dtype="datetime64[D]")
    if isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Integer):
        return np.array(values, dtype=np.float64)
    return np.array(values, dtype=np.int16 if isinstance(column.type, sa.SmallInteger) else np.int64)


def _table_columns(table: sa.Table, story: Sequence[tuple[Any, ...]], bulk: Columns) -> Columns:
    """The story rows followed by the bulk, one array per column of ``table``."""
    return {
        column.name: np.concatenate([_typed(column, [row[position] for row in story]), bulk[column.name]])
        for position, column in enumerate(table.columns)
    }


def minimum_clients() -> int:
    """The smallest ``clients`` a demo can have: the story's own Sage rows."""
    return len(_SAGE_STORY)


def _generate(clients: int, seed: int) -> tuple[Columns, Columns]:
    """Both tables as columns: the story rows first, then the bulk (Sage clients in Client Number order)."""
    if clients < minimum_clients():
        raise UsageError(f"The demo needs at least {minimum_clients()} clients to tell its story; ask for more.")
    if seed < 0:
        raise UsageError("The demo seed must be zero or a positive whole number; choose another seed.")
    metadata = sa.MetaData()
    rng = np.random.Generator(np.random.PCG64([seed, 0x5A6E]))
    bulk, facts = _sage_bulk(rng, clients - len(_SAGE_STORY), first_number=1021)
    sage = _table_columns(sage_table(metadata), _SAGE_STORY, bulk.columns())
    target = _table_columns(smsturbo_table(metadata), _SMSTURBO_STORY, _smsturbo_bulk(rng, bulk, facts).columns())
    # One row per CustomerID: an ID typed by hand may repeat another one.
    unique = ~pd.Series(target["CustomerID"], dtype=object).duplicated().to_numpy()
    return sage, {name: values[unique] for name, values in target.items()}


def _with_int_recnum(sage: Columns) -> Columns:
    """Only the clients whose Client Number is a plain number, with ``recnum`` as integers."""
    recnum = sage["recnum"].astype(_SD)
    keep = (np.strings.str_len(recnum) > 0) & (np.strings.lstrip(recnum, "0123456789") == "")
    out = {name: values[keep] for name, values in sage.items()}
    out["recnum"] = recnum[keep].astype(np.int64)
    return out


def _frame(table: sa.Table, columns: Columns) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for column in table.columns:
        values = columns[column.name]
        if isinstance(column.type, sa.String):
            data[column.name] = pd.array(values, dtype="string[pyarrow]")
        elif isinstance(column.type, sa.Date):
            data[column.name] = values.astype("datetime64[s]")
        else:
            data[column.name] = values
    return pd.DataFrame(data)


def demo_frames(clients: int = 300, seed: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw rows of both demo tables, with the real column names.

    Returns
    -------
    (sage, smsturbo)
        Sage ``reccln`` rows (story rows first) and SMSTurbo ``Customer`` rows (``ZZDEFAULT`` included, sorted
        by ``CustomerID``). Text columns are ``string[pyarrow]`` with ``<NA>`` for NULL.
    """
    sage, target = _generate(clients, seed)
    metadata = sa.MetaData()
    return _frame(sage_table(metadata), sage), _frame(smsturbo_table(metadata), target)


# -- writing ------------------------------------------------------------------------------------------------------


def _batches(table: sa.Table, columns: Columns, size: int, *, iso_dates: bool) -> Iterator[Iterator[tuple[Any, ...]]]:
    """Rows as tuples, ``size`` at a time; dates as ISO text when the driver has no date type."""
    names = [c.name for c in table.columns]
    total = columns[names[0]].shape[0]
    for start in range(0, total, size):
        parts = []
        for name in names:
            values = columns[name][start : start + size]
            if iso_dates and values.dtype.kind == "M":
                values = np.datetime_as_string(values, unit="D")
            parts.append(values.tolist())
        yield zip(*parts, strict=True)


def _sqlite_file(path: Path, table: sa.Table, columns: Columns) -> None:
    """Write one table into a fresh SQLite file: journal off during the load, then a normal database."""
    scratch = path.with_name(path.name + ".building")
    scratch.unlink(missing_ok=True)
    names = [c.name for c in table.columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    insert = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    connection = sqlite3.connect(scratch, isolation_level=None)
    try:
        for pragma in ("page_size = 16384", "journal_mode = OFF", "synchronous = OFF", "cache_size = -262144",
                       "locking_mode = EXCLUSIVE"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute(str(CreateTable(table).compile(dialect=sqlite_dialect.dialect())))
        connection.execute("BEGIN")
        for rows in _batches(table, columns, _SQLITE_BATCH, iso_dates=True):
            connection.executemany(insert, rows)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()
    for leftover in ("-journal", "-wal", "-shm"):
        path.with_name(path.name + leftover).unlink(missing_ok=True)
    os.replace(scratch, path)


def build_demo(
    directory: Path,
    clients: int = 300,
    seed: int = 100,
    *,
    overwrite: bool = True,
    recnum_type: RecnumType = "text",
) -> DemoPaths:
    """Write the demo as two SQLite files, ``directory/sage.db`` and ``directory/smsturbo.db``.

    Parameters
    ----------
    directory
        Created if needed.
    clients, seed
        Number of Sage client rows and the seed; the same pair always gives the same rows.
    overwrite
        Replace existing files; when false an existing file is an error.
    recnum_type
        ``"int"`` writes a numeric Client Number column and leaves out the clients whose number is not one.
    """
    directory = Path(directory)
    paths = DemoPaths(directory / "sage.db", directory / "smsturbo.db")
    if not overwrite and (paths.sage.exists() or paths.smsturbo.exists()):
        raise UsageError(f"Demo databases already exist in {directory}; remove them or allow overwriting.")
    sage, target = _generate(clients, seed)
    if recnum_type == "int":
        sage = _with_int_recnum(sage)
    directory.mkdir(parents=True, exist_ok=True)
    metadata = sa.MetaData()
    _sqlite_file(paths.sage, sage_table(metadata, recnum_type=recnum_type), sage)
    _sqlite_file(paths.smsturbo, smsturbo_table(metadata), target)
    return paths


def _load(url: str, table: sa.Table, columns: Columns, overwrite: bool) -> None:
    engine = sa.create_engine(url)
    names = [c.name for c in table.columns]
    try:
        with engine.begin() as connection:
            if sa.inspect(connection).has_table(table.name, schema=table.schema):
                if not overwrite:
                    raise UsageError(
                        f"Table {table.name} already exists in the database; use another database or allow "
                        "overwriting."
                    )
                table.drop(connection)
            table.create(connection)
            for rows in _batches(table, columns, _SQLALCHEMY_BATCH, iso_dates=False):
                connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
    finally:
        engine.dispose()


def write_demo(
    sage_url: str,
    smsturbo_url: str,
    clients: int = 300,
    seed: int = 100,
    *,
    recnum_type: RecnumType = "text",
    sage_schema: str | None = None,
    smsturbo_schema: str | None = None,
    overwrite: bool = False,
) -> None:
    """Create both demo tables and load them through SQLAlchemy, on any database.

    One transaction per database, rows inserted in batches. The rows are those of :func:`build_demo` with
    the same arguments. An existing ``reccln`` or ``Customer`` table is an error unless ``overwrite`` is true,
    in which case it is dropped first.
    """
    sage, target = _generate(clients, seed)
    if recnum_type == "int":
        sage = _with_int_recnum(sage)
    metadata = sa.MetaData()
    _load(sage_url, sage_table(metadata, schema=sage_schema, recnum_type=recnum_type), sage, overwrite)
    _load(smsturbo_url, smsturbo_table(metadata, schema=smsturbo_schema), target, overwrite)


def story_ids() -> Mapping[str, tuple[str, ...]]:
    """The Client Numbers and Customer IDs the story rows use, by role (for tests, docs and screenshots)."""
    return {
        "inactive": ("SMITHJ", "1020"),
        "inactive_flag": ("1014",),
        "invalid": ("acme01", "SMITH J", "O'BRIEN", "A&B.PAVING", "MÜLLER", "CONCRETESUPPLY-NORTH", "   "),
        "duplicate": ("HOLLOWAY",),
        "missing_address": ("1008",),
        "missing_phone": ("1009",),
        "missing_contact": ("1010",),
        "missing_name": ("1011",),
        "name_too_long": ("1012",),
        "different": ("1002", "1003", "1006", "1018"),
        "whitespace_only": ("1004", "1007"),
        "identical": ("1001", "1015"),
        "smsturbo_only": ("0001005", "ACMEPAVING", "SMITH-01", "WALKIN", "PEAKVIEW-HOA", "GOLDENRENTALS"),
    }
