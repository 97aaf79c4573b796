"""One exception hierarchy for everything smsync reports to a person.

Every message is one sentence that says what happened and what to do. The command line maps
``exit_code`` straight to the process exit status: 1 when the job could not be done, 2 for bad usage or
configuration.
"""

from __future__ import annotations


class SmsyncError(Exception):
    """Base class: a problem smsync explains to the user instead of crashing."""

    exit_code: int = 1


class ConfigurationError(SmsyncError):
    """The configuration file, a mapping or a connection URL is missing or malformed."""

    exit_code = 2


class UsageError(SmsyncError):
    """The command was called with arguments that cannot work together."""

    exit_code = 2


class ConnectionFailed(SmsyncError):
    """A database could not be reached or opened."""


class AccessDenied(SmsyncError):
    """The database refused the login or the statement: an authorization problem, not a crash."""


class ReadOnlyViolation(SmsyncError):
    """Something tried to write through the Sage 100 (source) connection, which is read-only by construction."""


class SchemaMismatch(SmsyncError):
    """A mapped table or column does not exist where the configuration says it does."""

    exit_code = 2


class ConflictError(SmsyncError):
    """The target changed between plan and apply; nothing was written."""


class ImportFailed(SmsyncError):
    """An import failed and was rolled back; nothing was written."""


class VerificationFailed(SmsyncError):
    """An archived run record does not match its manifest or the chain of records."""


class NotebookFailed(SmsyncError):
    """A parameterised notebook raised an error while papermill executed it."""


class InputError(SmsyncError):
    """An input file (client list, selection file) cannot be read as given."""

    exit_code = 2


class DiskFull(SmsyncError):
    """A file (a run's record, an export) could not be written because its disk is full."""
