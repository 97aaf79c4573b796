"""Deterministic demo databases that tell the source document's story.

A Sage 100 Contractor company (table ``reccln``) and an SMSTurbo customer table (``Customer``) are generated
from a seed: the same seed always gives the same rows. A few hand-written story rows are always present
(``story``: Julie Smith with status 6, Client Numbers with invalid characters, a duplicated Client Number,
incomplete clients, customers typed into SMSTurbo by hand under another ID, whitespace-only and letter-case
differences); the bulk of the clients (``generate``) is drawn with numpy, whole columns at a time, in the same
proportions at every size; ``build`` assembles both and writes them. The tables are the adapters' own
(``sources.sage100.sage_table``, ``targets.smsturbo.smsturbo_table``).
"""

from smsync_core.demo.build import (
    DemoPaths,
    build_demo,
    client_list_frame,
    demo_frames,
    minimum_clients,
    story_ids,
    write_demo,
)

__all__ = ["DemoPaths", "build_demo", "client_list_frame", "demo_frames", "minimum_clients", "story_ids", "write_demo"]
