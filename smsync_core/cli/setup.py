"""``smsync setup``: the Set Up screen — choose the Replace Options and save them in ``smsync.toml``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smsync_core import schema


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``setup``."""
    parser = subparsers.add_parser(
        "setup", help="Set Up: save the Replace Options (fields an update may overwrite) in smsync.toml",
        description="Replace Options are the groups of SMSTurbo fields that an update of an existing customer "
        f"may overwrite: {', '.join(schema.REPLACE_GROUPS)}. None checked: existing customers are never "
        "changed. Saved in the configuration file and read back by every later run.",
    )
    parser.add_argument("--replace", metavar="GROUP,...",
                        help="the groups to check, comma-separated; 'none' (or empty) unchecks all")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default ./smsync.toml)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Save the Replace Options (or show them when --replace is not given)."""
    from smsync_core.config import load_config, parse_replace_groups, save_config

    path = Path(args.config) if args.config else None
    config = load_config(path if path is not None and path.exists() else None)
    if args.replace is None:
        sys.stdout.write(f"Replace Options: {', '.join(config.replace_groups) or 'none'}\n")
        return 0
    value = "" if args.replace.strip().lower() == "none" else args.replace
    updated = config.replace(replace_groups=parse_replace_groups(value, "--replace"))
    saved = save_config(updated, path)
    groups = ", ".join(updated.replace_groups) or "none (existing customers are never changed)"
    sys.stdout.write(f"Replace Options saved in {saved}: {groups}\n")
    return 0
