"""``rugsbot``: one CLI, one module per subcommand (bot/commands/), imported only when used.

Exit codes: bot/exitcodes.py (the one table; ``rugsbot --help`` prints it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from bot.exitcodes import EXIT_INTERRUPTED, EXIT_USAGE, MEANING

# name → (module under bot.commands, one-line help). Each module defines add_arguments(parser) and run(args).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("show-config", "show_config", "print the merged configuration (secrets redacted)"),
    ("replay", "replay", "run recordings through codec and tracker; print what was seen"),
    ("verify", "verify", "provably-fair audit and side-bet settlement check over recordings"),
    ("sim", "sim", "run the local rugs.fun simulator (server + page)"),
    ("run", "run", "run the bot (dry-run, practice or live) in a browser"),
    ("login", "login", "open a headed browser on the profile so the wallet can be set up by hand"),
    ("wallet", "wallet", "get the real Phantom extension: `wallet install [--from FILE | --url URL]`"),
    ("halt", "halt", "halt a running bot (persisted; survives restarts)"),
    ("resume", "resume", "clear a halt"),
    ("status", "status", "state, halts and why, last session, bankroll"),
    ("bets", "bets", "every bet with its account, coin, status and the evidence it rests on"),
    ("backtest", "backtest", "replay recordings through the engine and governor"),
    ("simulate", "simulate", "Monte Carlo over freshly generated games"),
    ("sweep", "sweep", "grid over a strategy's parameters"),
    ("report", "report", "HTML report with charts and a text summary"),
    ("calibrate", "calibrate", "calibration of P(win) on recordings (Brier score, bins)"),
    ("schedule", "schedule", "run the profile's run windows with APScheduler"),
    ("doctor", "doctor", "check browser, extension, profile lock, secrets, database, disk, clock"),
    ("probe", "probe", "dry check of a site build: the profile's page controls and protocol drift"),
    ("dashboard-url", "dashboard_url", "print the operator console's tokenized URL again"),
    ("alerts", "alerts", "send a test alert to RUGSBOT_ALERT_URLS (apprise)"),
    ("prune", "prune", "remove old decisions, statistics and recordings (never bets, halts or the ledger)"),
)


def build_parser(available: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rugsbot",
        description="rugs.fun side-bet bot",
        epilog="exit codes: " + " · ".join(f"{code} {text}" for code, text in MEANING),
    )
    from bot import __version__

    parser.add_argument("--version", action="version", version=f"rugsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        if available is not None and name not in available:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        mod = _load(module)
        if mod is not None:
            mod.add_arguments(p)
    return parser


def _load(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"bot.commands.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bot.commands.{module}":
            return None
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Import only the chosen command's module (fast start, and a broken optional part cannot break others).
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    names = [c[0] for c in COMMANDS]
    parser = build_parser([chosen] if chosen in names else None)
    args = parser.parse_args(args_list)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    mod = _load(args._module)
    if mod is None:
        print(f"rugsbot: '{args.command}' is not available in this build", file=sys.stderr)
        return EXIT_USAGE
    from bot.config import ConfigError

    try:
        return int(mod.run(args) or 0)
    except ConfigError as exc:
        print(f"rugsbot: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rugsbot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
