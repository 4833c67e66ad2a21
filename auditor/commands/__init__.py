"""One module per subcommand; each offers ``add_parser(subparsers)`` and ``run(args) -> int``."""
