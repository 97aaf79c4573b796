"""smsync: move customer records one way, from a Sage 100 Contractor company into SMSTurbo, with a record of every run.

The pipeline: read -> validate -> reconcile -> plan -> apply -> audit. Start with :func:`connect`.

The names below are imported on first use (``smsync_core.connect`` imports the workbench, and with it pandas and
SQLAlchemy, when it is first asked for), so that importing a light part of the package -- the command line's
parser, the errors, the configuration -- does not pay for the heavy ones.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smsync_core.apply import ApplyResult
    from smsync_core.audit.verify import VerifyReport, verify
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

#: Each public name and the module that defines it.
_HOMES = {
    "AccessDenied": "smsync_core.errors",
    "ApplyResult": "smsync_core.apply",
    "Config": "smsync_core.config",
    "ConfigurationError": "smsync_core.errors",
    "ConflictError": "smsync_core.errors",
    "ConnectionFailed": "smsync_core.errors",
    "Plan": "smsync_core.plan",
    "ReadOnlyViolation": "smsync_core.errors",
    "Reconciliation": "smsync_core.reconcile",
    "SmsyncError": "smsync_core.errors",
    "VerifyReport": "smsync_core.audit.verify",
    "Workbench": "smsync_core.workbench",
    "connect": "smsync_core.workbench",
    "load_config": "smsync_core.config",
    "save_config": "smsync_core.config",
    "verify": "smsync_core.audit.verify",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'smsync_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
