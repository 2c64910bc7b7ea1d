"""``rugsbot resume [--by NAME]``: clear the halt. A running bot sees it on its next poll and resets its loss
streak and drawdown peak (the operator has looked at them); limits that are still exceeded trip again."""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import add_json_arg, emit_json, open_store
from bot.commands.halt import _user
from bot.exitcodes import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", default=None, help="who clears the halt (default: the OS user)")
    add_json_arg(parser)


def run(args: argparse.Namespace) -> int:
    from bot.bets.model import BetStatus
    from bot.config import Settings

    path = Settings().db_path
    if not path.exists():
        print(f"rugsbot resume: no database at {path}: nothing to resume", file=sys.stderr)
        return EXIT_OK
    with open_store(path) as store:
        cleared = store.clear_halt(args.by or _user())
        unknown = [b for b in store.open_bets() if b.status is BetStatus.UNKNOWN]
    if args.json:
        emit_json(
            {
                "cleared": [{"id": h.id, "reason": h.reason, "source": h.source} for h in cleared],
                "unknown_bets": [b.bet_id for b in unknown],
            }
        )
    elif cleared:
        for h in cleared:
            print(f"cleared halt #{h.id}: {h.reason} (source {h.source})")
    else:
        print("not halted: nothing to clear")
    if unknown and not args.json:
        print(
            f"note: {len(unknown)} unknown bet(s) still block betting until reconciled: "
            + ", ".join(b.bet_id for b in unknown)
        )
    return EXIT_OK
