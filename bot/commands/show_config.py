"""``rugsbot show-config``: the merged configuration with secrets redacted."""

from __future__ import annotations

import argparse

from bot.commands.common import add_json_arg, add_profile_arg, emit_json, load
from bot.config.resolve import resolve
from bot.exitcodes import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    add_json_arg(parser)


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    resolved = resolve(settings, profile)
    merged = {
        "resolved": resolved.as_dict(),
        "settings": {
            k: ("**********" if k == "wallet_password" and v is not None else v)
            for k, v in settings.model_dump(mode="json").items()
        },
        "profile": profile.model_dump(mode="json"),
    }
    if args.json:
        emit_json(merged)
        return EXIT_OK
    from rich.console import Console
    from rich.pretty import Pretty

    Console().print(Pretty(merged))
    return EXIT_OK
