"""One module per ``smsync`` subcommand, each with ``add_parser(subparsers)`` and ``run(args) -> int``."""
