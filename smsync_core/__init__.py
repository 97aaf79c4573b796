"""smsync: move customer records one way, from a Sage 100 Contractor company into SMSTurbo, with a record of every run.

The pipeline: read -> validate -> reconcile -> plan -> apply -> audit. Start with :func:`connect`.
"""

from __future__ import annotations

from smsync_core.apply import ApplyResult
from smsync_core.audit import VerifyReport, verify
from smsync_core.config import Config, load_config, save_config
from smsync_core.errors import (
    AccessDenied,
    ConfigurationError,
    ConflictError,
    ConnectionFailed,
    ReadOnlyViolation,
    SmsyncError,
)
from smsync_core.plan import Plan
from smsync_core.reconcile import Reconciliation
from smsync_core.workbench import Workbench, connect

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "ApplyResult",
    "Config",
    "ConfigurationError",
    "ConflictError",
    "ConnectionFailed",
    "Plan",
    "ReadOnlyViolation",
    "Reconciliation",
    "SmsyncError",
    "VerifyReport",
    "Workbench",
    "__version__",
    "connect",
    "load_config",
    "save_config",
    "verify",
]
