"""``rugsbot dashboard-url [--dashboard HOST:PORT]``: print the operator console's tokenized URL again.

The token is ``RUGSBOT_DASHBOARD_TOKEN`` or the one generated into the data dir (generated now if there is
none yet, so a phone can be set up before the first run). The address is the one the last run's console
listened on (remembered in the data dir), else 127.0.0.1:8780, unless ``--dashboard`` says otherwise.
The URL contains the secret: it goes to stdout only, never to a log.
"""

from __future__ import annotations

import argparse
import sys

from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dashboard",
        default=None,
        metavar="HOST:PORT",
        help="the console's address (default: the last run's)",
    )


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.console.auth import dashboard_url, parse_address, read_address, resolve_token

    settings = Settings()
    try:
        host, port = parse_address(args.dashboard) if args.dashboard else read_address(settings)
    except ValueError as exc:
        print(f"rugsbot dashboard-url: --dashboard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        token = resolve_token(settings)
    except OSError as exc:
        print(
            f"rugsbot dashboard-url: cannot write the token into {settings.data_dir}: {exc}", file=sys.stderr
        )
        return EXIT_ENVIRONMENT
    assert token is not None  # resolve_token(create=True) always has one
    if token.created:
        print(f"generated a new console token in {token.source} (mode 0600)", file=sys.stderr)
    print(dashboard_url(host, port, token))
    return EXIT_OK
