"""``rugsbot halt [--reason R]``: halt a running bot from another terminal.

Writes an active halt row (fsync'd) to the bot's database; the running bot polls it and stops betting within one
tick; a bot started later starts halted. Only ``rugsbot resume`` clears it. Works when no bot is running too
(the database is created if needed), so an operator can arm the brake before starting.
"""

from __future__ import annotations

import argparse
import getpass

from bot.commands.common import add_json_arg, emit_json, open_store
from bot.exitcodes import EXIT_OK
from bot.utc import iso


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", "-r", default="halted by the operator", help="why (shown by status)")
    add_json_arg(parser)


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings

    path = Settings().db_path
    # a database that cannot be opened or written is one line and exit 4: the brake says loudly that it failed
    with open_store(path) as store:
        before = store.active_halt()
        row = store.set_halt(args.reason, source=f"cli:{_user()}")
    if args.json:
        emit_json(
            {
                "halted": True,
                "already": before is not None,
                "id": row.id,
                "reason": row.reason,
                "source": row.source,
                "set_at": row.set_at,
                "db": str(path),
            }
        )
    elif before is not None:
        print(f"already halted since {iso(row.set_at)}: {row.reason} (source {row.source})")
    else:
        print(f"HALTED: {row.reason} (written to {path}; `rugsbot resume` clears it)")
    return EXIT_OK


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "operator"
