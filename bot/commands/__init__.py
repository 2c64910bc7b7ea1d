"""One module per ``rugsbot`` subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""
