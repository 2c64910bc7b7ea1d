"""``rugsbot status [--json]``: is the bot halted and why, the last session and its P&L, the bankroll, open and
unknown bets. Read-only (it never creates the database). Exit code 3 when halted, so scripts can test it.

Every open bet shows whose it is (``account``; ``foreign`` when it is not the last session's account: such a bet
is never settled, counted or blocking there). The last session's counts are its own; ``consecutive_losses`` is
the account's streak over every session (``consecutive_losses_scope``: cumulative). Amounts carry their coin
(``coin_label``: FREE, SOL, paper SOL)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands.common import add_json_arg, emit_json
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_HALTED, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_json_arg(parser)


def collect(path: Any) -> dict[str, Any]:
    """The status as plain data (also what ``--json`` prints)."""
    from bot.bets.model import LEGACY_ACCOUNT, coin_label
    from bot.risk.ledger import Ledger
    from bot.store.db import Store

    with Store.open(path) as store:
        halt = store.active_halt()
        last = store.last_session()
        open_bets = store.open_bets()
        modes = {s.id: s.mode for s in store.sessions()}
        mine = last.account if last is not None else None
        out: dict[str, Any] = {
            "db": str(path),
            "state": "HALTED" if halt is not None else "NOT HALTED",
            "halt": None
            if halt is None
            else {"reason": halt.reason, "source": halt.source, "set_at": halt.set_at},
            "open_bets": [
                {
                    "bet_id": b.bet_id,
                    "status": b.status.value,
                    "game": b.game,
                    "amount_lamports": b.amount_lamports,
                    "decided_t": b.decided_t,
                    "session": b.session,
                    "account": b.account or LEGACY_ACCOUNT,
                    "mode": b.mode or modes.get(b.session),
                    "coin": b.coin,
                    "coin_label": coin_label(b.coin, b.mode or modes.get(b.session)),
                    "foreign": mine is not None and (b.account or LEGACY_ACCOUNT) != mine,
                }
                for b in open_bets
            ],
            "unknown_bets": [b.bet_id for b in open_bets if b.status.value == "unknown"],
            "last_session": None,
            "integrity": store.integrity_check(),
            "recent_guard_events": [
                {k: e[k] for k in ("t", "session", "guard", "action", "reason")}
                for e in store.db.query("SELECT * FROM guard_events ORDER BY id DESC LIMIT 5")
            ],
        }
        if last is not None:
            perf = store.rebuild_session(last.id)
            logged_in = last.starting_bankroll_lamports is None
            ledger = Ledger.rebuild(
                store,
                session=last.id,
                mode=last.mode,
                coin=last.coin,
                logged_in=logged_in,
                starting_bankroll_lamports=last.starting_bankroll_lamports or 0,
                account=last.account,
            )
            out["last_session"] = {
                "id": last.id,
                "mode": last.mode,
                "profile": last.profile,
                "coin": last.coin,
                "coin_label": coin_label(last.coin, last.mode),
                "account": last.account,
                "started": last.started,
                "ended": last.ended,
                "running_or_crashed": last.ended is None,
                "bets": perf.bets,
                "won": perf.won,
                "lost": perf.lost,
                "open": perf.open,
                "pnl_lamports": perf.pnl_lamports,
                "staked_lamports": perf.staked_lamports,
                "bankroll_lamports": ledger.bankroll,
                "consecutive_losses": ledger.consecutive_losses,
                "consecutive_losses_scope": "cumulative",
                "drawdown_pct": round(ledger.drawdown_pct, 3),
                "summary": last.summary,
            }
        return out


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.money import fmt_sol
    from bot.utc import iso

    path = Settings().db_path
    if not path.exists():
        if args.json:
            emit_json({"db": str(path), "state": "NEVER RUN", "halt": None, "last_session": None})
        else:
            print(f"no database at {path}: the bot has never run here")
        return EXIT_OK
    try:
        st = collect(path)
    except Exception as exc:
        print(f"rugsbot status: cannot read {path}: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if args.json:
        emit_json(st)
    else:
        print(f"state: {st['state']}")
        if st["halt"]:
            h = st["halt"]
            print(f"  halted since {iso(h['set_at'])} by {h['source']}: {h['reason']}")
            print("  `rugsbot resume` clears it")
        s = st["last_session"]
        if s is None:
            print("last session: none")
        else:
            unit = s["coin_label"]
            bankroll = (
                "unknown" if s["bankroll_lamports"] is None else f"{fmt_sol(s['bankroll_lamports'])} {unit}"
            )
            print(
                f"last session: {s['id']} {s['mode']} profile={s['profile']} account={s['account'] or 'unknown'}"
                f"{' (running or crashed)' if s['running_or_crashed'] else ''}"
            )
            print(
                f"  this session: bets {s['bets']} (won {s['won']}, lost {s['lost']}, open {s['open']})  "
                f"P&L {fmt_sol(s['pnl_lamports'])} {unit}  bankroll {bankroll}"
            )
            print(
                f"  account: loss streak {s['consecutive_losses']} (cumulative)  drawdown {s['drawdown_pct']:.1f}%"
            )
        for b in st["open_bets"]:
            whose = f" — belongs to {b['account']} ({b['mode']}), left alone" if b["foreign"] else ""
            print(
                f"  open bet {b['bet_id']} {b['status']} {fmt_sol(b['amount_lamports'])} {b['coin_label']} "
                f"on {b['game']}{whose}"
            )
        for e in st["recent_guard_events"]:
            print(f"  guard {e['guard']} {e['action']}: {e['reason']}")
        if st["integrity"] != "ok":
            print(f"  database integrity: {st['integrity']}")
    return EXIT_HALTED if st["state"] == "HALTED" else EXIT_OK
