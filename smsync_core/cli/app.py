"""``smsync app``: the guided Customer Sync as a page (Voila on 127.0.0.1, token, no code) for accountants."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from smsync_core.errors import UsageError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``app``."""
    parser = subparsers.add_parser(
        "app",
        help="serve the guided Customer Sync as a page in the browser (Voila; no code shown)",
        description="Serve notebooks/reconcile.ipynb as a page with Voila on 127.0.0.1: the guided flow from "
        "'Make sure you have the correct Sage 100 company open' to 'Import completed'. The page needs the token "
        "printed in its URL. Without --sage/--smsturbo (and none in smsync.toml or SMSYNC_*_URL) it opens the "
        "demo databases in demo/, building them first if needed. Passwords in URLs reach the page's kernel "
        "through its environment only, never the page.",
    )
    parser.add_argument("--sage", metavar="URL", help="Sage 100 company (SQLAlchemy URL); wins over "
                        "$SMSYNC_SAGE_URL, which wins over smsync.toml; none anywhere: the demo")
    parser.add_argument("--smsturbo", metavar="URL", help="SMSTurbo database (SQLAlchemy URL); likewise")
    parser.add_argument("--config", metavar="FILE", type=Path,
                        help="configuration file (default ./smsync.toml if present)")
    parser.add_argument("--port", type=int, default=None,
                        help="port on 127.0.0.1 (default 8866, or the next free port near it)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser; just print the URL")
    parser.add_argument("--reports", metavar="DIR", type=Path, default=Path("reports"),
                        help="where imports leave their records (default ./reports)")
    parser.add_argument("--state-dir", metavar="DIR", type=Path, default=None,
                        help="where the checked clients are kept between page loads "
                        "(default $SMSYNC_STATE_DIR or ~/.local/state/smsync)")
    parser.add_argument("--demo-dir", metavar="DIR", type=Path, default=Path("demo"),
                        help="the demo databases' folder, used when no database is configured (default demo/)")
    parser.add_argument("--cull-idle", metavar="MINUTES", type=int, default=30,
                        help="shut down a page's kernel after this many idle minutes (default 30; 0 never)")
    parser.set_defaults(run=run)


def databases(args: argparse.Namespace, config_path: Path | None) -> tuple[str, str]:
    """The two URLs the page opens, each side taken from the command line, else ``SMSYNC_*_URL``, else smsync.toml
    (what Set Up's Save wrote never blocks a later launch), else the demo (built if missing)."""
    from smsync_core.config import load_config

    config = load_config(config_path)
    sage, target = args.sage or config.sage_url, args.smsturbo or config.smsturbo_url
    if sage and target:
        return str(sage), str(target)
    if sage or target:
        missing = "--smsturbo" if sage else "--sage"
        raise UsageError(f"The page needs both databases; pass {missing} URL too (or neither, for the demo).")
    from smsync_core.demo import DemoPaths, build_demo

    paths = DemoPaths(args.demo_dir / "sage.db", args.demo_dir / "smsturbo.db")
    if not (paths.sage.is_file() and paths.smsturbo.is_file()):
        paths = build_demo(args.demo_dir)
        sys.stdout.write(f"Built the demo databases in {args.demo_dir}.\n")
    return paths.sage_url, paths.smsturbo_url


def run(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl+C."""
    from smsync_core.app.selections import default_state_dir
    from smsync_core.app.server import AppSettings, kernel_environment, serve
    from smsync_core.cli.demo import notebooks_dir
    from smsync_core.config import DEFAULT_FILE

    if args.port is not None and not 1 <= args.port <= 65535:
        raise UsageError("--port must be between 1 and 65535.")
    if args.cull_idle < 0:
        raise UsageError("--cull-idle takes minutes, 0 or more.")
    config_path = args.config if args.config is not None else (Path(DEFAULT_FILE) if Path(DEFAULT_FILE).is_file()
                                                                else None)
    sage, target = databases(args, config_path)
    environment = kernel_environment(
        sage, target, config_path=config_path, reports_dir=args.reports,
        state_dir=args.state_dir if args.state_dir is not None else default_state_dir(),
    )
    settings = AppSettings(
        notebook=(notebooks_dir() / "reconcile.ipynb").resolve(),
        token=secrets.token_urlsafe(24),
        port=args.port,
        open_browser=not args.no_browser,
        cull_idle_minutes=args.cull_idle,
        environment=environment,
    )
    return serve(settings, sys.stdout)
