"""The ``smsync`` command line: one module per subcommand, one catch site for errors (:func:`main`)."""

from smsync_core.cli.dispatch import entry, main

__all__ = ["entry", "main"]
