"""The story every demo tells: the source document's clients, written out by hand (Julie Smith, status 6...)."""

from __future__ import annotations

from typing import Any, Final, Literal, TypeAlias

import numpy.typing as npt

from smsync_core.schema import TEMPLATE_ID

Array: TypeAlias = npt.NDArray[Any]
Columns: TypeAlias = dict[str, Array]
RecnumType: TypeAlias = Literal["text", "int"]

_SQLITE_BATCH: Final = 20_000
_SQLALCHEMY_BATCH: Final = 5_000


# -- the story: fixed rows every demo contains ---------------------------------------------------------------

#: Sage rows, in the column order of :func:`sage_table` (recnum ... ntetxt).
SAGE_STORY: Final[tuple[tuple[Any, ...], ...]] = (
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
    ("1012", "Rocky Mountain Commercial Concrete Restoration LLC", "Rocky Mtn Concr",
     "5600 Pecos St, Receiving Dock, Building C Rear", None,
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
     7, 0, 1, "2017-06-19", "Collections hold until the 2023 balance is paid."),
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
SMSTURBO_STORY: Final[tuple[tuple[Any, ...], ...]] = (
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

#: The Client Numbers of the story's clients in a real company, where ``recnum`` is a number (bigint): the text
#: IDs above are what a hand-kept or converted client list holds (the demo's exported list keeps them, so the ID
#: rules have something to find); in the company each of those clients has a number, some below 1001 (numeric
#: order puts them first). Julie Smith is 842; the two Holloways, one Client Number in the list, are 910 and 911.
STORY_NUMBERS: Final[tuple[int, ...]] = (
    *range(1001, 1021), 842, 517, 733, 618, 655, 790, 804, 960, 910, 911,
)

#: Clients whose contact details this (newer) company keeps only in ``clncnt``, as their primary contact (line 1):
#: in ``reccln`` their contct, phnnum, e_mail and cllphn are blank, and smsync reads them from ``clncnt``. None of
#: them is in SMSTurbo yet, so what an import would insert shows it.
CONTACTS_IN_CLNCNT: Final = ("Bear Creek Homes", "Clearwater Irrigation", "Michael Chen")
#: More ``clncnt`` rows: (client, line, contact, phone, e-mail, cell). Rivera & Sons' primary contact is not its
#: client record's: the record's own details stay; a second line is never the primary contact.
OTHER_CONTACTS: Final = (
    ("Rivera & Sons Concrete", 1, "Maria Rivera", "(303) 555-0116", "maria@riverasonsconcrete.com", None),
    ("Michael Chen", 2, "Lin Chen", None, "lin.chen@gmail.com", "(720) 555-0187"),
)
