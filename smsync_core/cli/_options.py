"""The options the subcommands share (``--sage``, ``--smsturbo``, ``--sheet``, ``--config``, ``--format``).

Only argparse here: building the parser imports every subcommand module, and ``smsync --help`` should not pay
for pandas or SQLAlchemy. What the subcommands share once they run is in :mod:`smsync_core.cli._common`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def add_connection_args(parser: argparse.ArgumentParser, *, smsturbo: str = "optional") -> None:
    """``--sage``, ``--smsturbo`` (``smsturbo`` is "required", "optional" or "none"), ``--sheet`` and ``--config``."""
    parser.add_argument(
        "--sage",
        metavar="URL",
        help="Sage 100 company: a SQLAlchemy URL (or an exported client list .csv/.xlsx); default $SMSYNC_SAGE_URL",
    )
    if smsturbo != "none":
        parser.add_argument(
            "--smsturbo",
            metavar="URL",
            help="SMSTurbo database: a SQLAlchemy URL; default $SMSYNC_SMSTURBO_URL",
        )
    parser.add_argument(
        "--sheet",
        metavar="NAME",
        help="the sheet of an Excel client list given as --sage (default: sage.sheet in smsync.toml, else the first)",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (default ./smsync.toml if present)")
    parser.set_defaults(_smsturbo_need=smsturbo)


def add_format_arg(parser: argparse.ArgumentParser, choices: Sequence[str] = ("table", "json", "csv")) -> None:
    """``--format`` with a readable table by default (and ``--output FILE`` where Excel is a choice)."""
    parser.add_argument("--format", choices=list(choices), default="table", help="output format (default: table)")
    if "xlsx" in choices:
        parser.add_argument("--output", metavar="FILE",
                            help="the Excel workbook --format xlsx writes (one sheet per list)")
