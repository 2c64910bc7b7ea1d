"""``rugsbot bets [--json] [--session ID | --all]``: every bet with whose it is and what its status rests on.

Default: the last session's bets. Read-only (it never creates the database). Each bet: ``bet_id``,
``session``, ``mode``, ``account`` (the server's player id, ``paper:<profile>``, or ``legacy`` for rows written
before bets knew their account), ``coin`` (and ``coin_label``: FREE, SOL, paper SOL), ``game_id``,
``start_tick``, ``end_tick``, ``status``, ``amount_lamports``, ``payout_lamports``, ``evidence``
(bot.bets.model.Evidence; null for rows written before it was recorded) and ``message``.
Exit codes: 0, 2 for an unknown session, 4 when the database cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands.common import add_json_arg, emit_json
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--session", default=None, metavar="ID", help="one session's bets (default: the last)")
    which.add_argument("--all", action="store_true", help="every session's bets")
    add_json_arg(parser)


class UnknownSession(LookupError):
    pass


def collect(path: Any, *, session: str | None = None, every: bool = False) -> dict[str, Any]:
    """The bets as plain data (what ``--json`` prints): ``{"db", "session", "bets": [...]}``."""
    from bot.bets.model import LEGACY_ACCOUNT, coin_label
    from bot.store.db import Store

    with Store.open(path) as store:
        modes = {s.id: s.mode for s in store.sessions()}
        if every:
            chosen, rows = None, store.bets()
        else:
            row = store.session(session) if session is not None else store.last_session()
            if row is None:
                if session is not None:
                    raise UnknownSession(f"no session {session!r} in {path}")
                return {"db": str(path), "session": None, "bets": []}
            chosen, rows = row.id, store.bets(row.id)
        out = []
        for b in rows:
            mode = b.mode or modes.get(b.session)
            out.append(
                {
                    "bet_id": b.bet_id,
                    "session": b.session,
                    "mode": mode,
                    "account": b.account or LEGACY_ACCOUNT,
                    "coin": b.coin,
                    "coin_label": coin_label(b.coin, mode),
                    "game_id": b.game,
                    "decided_tick": b.decided_tick,
                    "start_tick": b.start_tick,
                    "end_tick": b.end_tick,
                    "status": b.status.value,
                    "amount_lamports": b.amount_lamports,
                    "payout_lamports": b.payout_lamports,
                    "evidence": b.evidence,
                    "message": b.message,
                }
            )
        return {"db": str(path), "session": chosen, "bets": out}


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings

    path = Settings().db_path
    if not path.exists():
        if args.json:
            emit_json({"db": str(path), "session": None, "bets": []})
        else:
            print(f"no database at {path}: the bot has never run here")
        return EXIT_OK
    try:
        data = collect(path, session=args.session, every=args.all)
    except UnknownSession as exc:
        print(f"rugsbot bets: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        print(f"rugsbot bets: cannot read {path}: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if args.json:
        emit_json(data)
    else:
        _print_table(data)
    return EXIT_OK


def _print_table(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.money import fmt_sol

    title = "every session" if data["session"] is None and data["bets"] else f"session {data['session']}"
    table = Table(title=f"bets — {title}")
    for col in ("bet", "mode", "account", "game", "window", "status", "stake", "payout", "evidence"):
        table.add_column(col)
    for b in data["bets"]:
        window = "—" if b["start_tick"] is None else f"{b['start_tick']}–{b['end_tick']}"
        table.add_row(
            b["bet_id"],
            str(b["mode"] or "?"),
            b["account"],
            b["game_id"],
            window,
            b["status"],
            f"{fmt_sol(b['amount_lamports'])} {b['coin_label']}",
            f"{fmt_sol(b['payout_lamports'])} {b['coin_label']}",
            b["evidence"] or "—",
        )
    Console().print(table)
    if not data["bets"]:
        print("no bets")
