"""The ``smsync`` command line: parse, call the workbench, print; errors are one sentence and an exit code.

Exit codes: 0 the command did its job (differences are not an error); 1 it could not (connection, access
denied, conflict, verification failed); 2 bad usage or configuration. Every sentence on stderr passes through a
:class:`~smsync_core.redact.Scrubber` that knows the secrets of the command line, the environment and the
configuration file, so no password reaches the terminal whatever a driver quoted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from smsync_core import __version__
from smsync_core.errors import SmsyncError, UsageError

#: Subcommand modules under ``smsync_core.cli``, in the order ``--help`` lists them.
COMMANDS = ("check", "diff", "sync", "suggest", "setup", "run", "verify", "undo", "demo", "app")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one sentence and exit 2, like every other smsync error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message[:1].upper()}{message[1:]}; run `{self.prog} --help` to see the options.")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand whose module is installed."""
    parser = _Parser(
        prog="smsync",
        description="Move customer records one way, from a Sage 100 Contractor company into SMSTurbo, "
        "with an auditable record of every run.",
    )
    parser.add_argument("--version", action="version", version=f"smsync {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"smsync_core.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"smsync_core.cli.{name}":
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    words = [str(w) for w in (sys.argv[1:] if argv is None else argv)]
    parser = build_parser()
    config: str | None = None
    try:
        args = parser.parse_args(words)
        config = getattr(args, "config", None)
        code = args.run(args)
        return int(code or 0)
    except SmsyncError as exc:
        _say(f"smsync: {exc}", words, config)
        return exc.exit_code
    except KeyboardInterrupt:
        print("smsync: interrupted; nothing was changed that was not already committed.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the user gets a sentence, never a bare traceback
        if os.environ.get("SMSYNC_DEBUG"):
            raise
        _say(f"smsync: unexpected {type(exc).__name__}: {exc}; run again with SMSYNC_DEBUG=1 for details and "
             "report it.", words, config)
        return 1


def _say(sentence: str, words: Sequence[str], config: str | None) -> None:
    """Print one sentence on stderr with every secret in play replaced by ``***``."""
    from smsync_core.config import secrets_in_play  # on an error only: --help stays light (no SQLAlchemy)

    given = [w.split("=", 1)[1] if w.startswith("--") and "=" in w else w for w in words]
    print(secrets_in_play(*given, config=config).scrub(sentence), file=sys.stderr)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
