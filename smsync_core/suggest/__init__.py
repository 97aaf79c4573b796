"""Suggestions for analysts: which SMSTurbo customer is probably the same client under another ID, and why.

Never used to match: the reconciliation joins on exact IDs. ``engine`` scores candidate pairs (``normalise``
prepares names, phones, e-mails and addresses); ``report`` turns them into the investigate worklist.
"""

from smsync_core.suggest import report
from smsync_core.suggest.engine import DEFAULT_THRESHOLD, suggest

__all__ = ["DEFAULT_THRESHOLD", "report", "suggest"]
