"""``rugsbot``: one CLI, one module per subcommand (bot/commands/), imported only when used.

The error boundary: :func:`main` is the only place that turns an exception into output. Whatever a command
raises becomes one line on stderr, ``rugsbot COMMAND: what is wrong; what to do``, and the exit code of its class
(bot/errors.py, the table in bot/exitcodes.py); a traceback only with ``--debug``. A reader that closes stdout
early (``rugsbot status | head``) costs no traceback and no exit code: the rest of the output goes to
/dev/null and the command ends as it would have.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn, TextIO, cast

from bot.errors import DEBUG_HINT, UsageError, describe
from bot.exitcodes import EXIT_INTERRUPTED, MEANING

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


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad argument raised as a :class:`UsageError` (one line at the boundary, exit 2) instead
    of a usage block and ``SystemExit``."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hint=f"`{self.prog} --help` shows the arguments")


def build_parser(available: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rugsbot",
        description="rugs.fun side-bet bot",
        epilog="exit codes: " + " · ".join(f"{code} {text}" for code, text in MEANING),
    )
    from bot import __version__

    parser.add_argument("--version", action="version", version=f"rugsbot {__version__}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an error")
    # --debug is accepted after the command too (`rugsbot backtest --debug FILE`); SUPPRESS keeps a missing
    # one from overwriting a --debug given before the command
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        if available is not None and name not in available:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[debug])
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


class _StdoutGuard:
    """``sys.stdout`` while a command runs. When the reader of a pipe has gone, output goes to /dev/null from
    then on (the Python docs' advice for SIGPIPE, "Note on SIGPIPE" in the signal module) and the command
    carries on, so its exit code still tells the truth (a halted bot is 3 even under ``| head``)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._to_devnull()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._to_devnull()

    def _to_devnull(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self.stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and not faulthandler.is_enabled():
        # A crash in native code (Chromium's driver, SQLite, numpy) kills the process with a signal and no
        # Python traceback; the stacks of every thread on stderr are the only evidence it leaves.
        faulthandler.enable()
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Import only the chosen command's module (fast start, and a broken optional part cannot break others).
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    names = [c[0] for c in COMMANDS]
    prog = f"rugsbot {chosen}" if chosen in names else "rugsbot"
    debug = "--debug" in args_list
    guard = _StdoutGuard(sys.stdout)
    sys.stdout = cast(TextIO, guard)
    try:
        parser = build_parser([chosen] if chosen in names else None)
        args = parser.parse_args(args_list)
        debug = bool(getattr(args, "debug", False))
        if not getattr(args, "command", None):
            parser.print_help()
            raise UsageError("no command given", hint="`rugsbot --help` lists the commands")
        mod = _load(args._module)
        if mod is None:
            raise UsageError(f"'{args.command}' is not available in this build")
        return int(mod.run(args) or 0)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        code, line = describe(exc)
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
            line = line.replace(f"; {DEBUG_HINT}", "")
        print(f"{prog}: {line}", file=sys.stderr)
        return code
    finally:
        guard.flush()
        sys.stdout = guard.stream


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
