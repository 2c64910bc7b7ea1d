"""``rugsbot alerts test``: send one alert to every ``RUGSBOT_ALERT_URLS`` endpoint and say which got it.

Exit codes: 0 every endpoint accepted it · 2 no URL configured, or one apprise does not understand ·
4 an endpoint did not accept it (network, credentials, service down: the environment).
"""

from __future__ import annotations

import argparse
import sys
import time

from bot.commands.common import add_profile_arg, emit_json, load
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["test"], help="test: send one alert now")
    add_profile_arg(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from bot.config.sections import AlertKind
    from bot.ops.alerts import Alert, Alerter, InvalidAlertURL

    settings, profile = load(args)
    if not settings.alert_url_list():
        print("rugsbot alerts: RUGSBOT_ALERT_URLS is not set (space-separated apprise URLs)", file=sys.stderr)
        return EXIT_USAGE
    try:
        alerter = Alerter.from_settings(settings, profile.alerts, source=f"{profile.name}")
    except InvalidAlertURL as exc:
        print(f"rugsbot alerts: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = f"test alert from rugsbot (profile {profile.name}): if you read this, alerts reach you"
    # sent as the least urgent kind, with its own title: a test must not read like a real run's end
    results = alerter.deliver(Alert(AlertKind.RUN_END, text, time.time(), heading="test alert"))
    ok = all(r.ok for r in results)
    if args.json:
        emit_json(
            {
                "ok": ok,
                "endpoints": [{"endpoint": r.endpoint, "ok": r.ok, "detail": r.detail} for r in results],
            }
        )
    else:
        for r in results:
            print(f"{r.endpoint}: {'delivered' if r.ok else 'FAILED: ' + r.detail}")
    if not ok:
        failed = sum(1 for r in results if not r.ok)
        print(
            f"rugsbot alerts: {failed} of {len(results)} endpoint(s) did not accept the alert",
            file=sys.stderr,
        )
        return EXIT_ENVIRONMENT
    return EXIT_OK
