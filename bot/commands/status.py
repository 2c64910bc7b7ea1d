"""``rugsbot status [--json]``: is a bot running, is it halted and why, the last session and its P&L, the bankroll,
open and unknown bets. Exit code 3 when halted, so scripts can test it.

Read-only: the database is opened with :meth:`Store.open_readonly` (SQLite refuses every write; no file, table or
migration is created), and a data directory without a database gets nothing created in it. Liveness comes from
the run's heartbeat row (bot/store/heartbeat.py: ``running``, ``pid``, ``heartbeat_age_s``); a session that never
ended while no bot is running crashed. Times are UTC ISO 8601 (bot/utc.py), never raw epochs.

Every open bet shows whose it is (``account``; ``foreign`` when it is not the last session's account: such a bet
is never settled, counted or blocking there). The last session's counts are its own; ``consecutive_losses`` is
the account's streak over every session (``consecutive_losses_scope``: cumulative). Amounts carry their coin
(``coin_label``: FREE, SOL, paper SOL)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from bot.commands.common import add_json_arg, emit_json
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_HALTED, EXIT_OK

if TYPE_CHECKING:
    from bot.store.heartbeat import Liveness


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_json_arg(parser)


def collect(path: Any) -> dict[str, Any]:
    """The status as plain data (also what ``--json`` prints)."""
    from bot.bets.model import LEGACY_ACCOUNT, coin_label
    from bot.risk.ledger import Ledger
    from bot.store.db import Store
    from bot.store.heartbeat import liveness
    from bot.utc import iso

    with Store.open_readonly(path) as store:
        live = liveness(store, time.time())
        halt = store.active_halt()
        last = store.last_session()
        open_bets = store.open_bets()
        modes = {s.id: s.mode for s in store.sessions()}
        mine = last.account if last is not None else None
        out: dict[str, Any] = {
            "db": str(path),
            "state": "HALTED" if halt is not None else "NOT HALTED",
            **live.as_dict(),
            "halt": None
            if halt is None
            else {"reason": halt.reason, "source": halt.source, "set_at": iso(halt.set_at)},
            "open_bets": [
                {
                    "bet_id": b.bet_id,
                    "status": b.status.value,
                    "game": b.game,
                    "amount_lamports": b.amount_lamports,
                    "decided_at": iso(b.decided_t),
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
                {"at": iso(e["t"]), **{k: e[k] for k in ("session", "guard", "action", "reason")}}
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
                "started": iso(last.started),
                "ended": None if last.ended is None else iso(last.ended),
                "run_state": _run_state(last.id, last.ended, live),
                "recoveries": store.recoveries(last.id),
                "protocol_drift": _protocol_drift(last.id, last.summary, live),
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


def _run_state(session: str, ended: float | None, live: Liveness) -> str:
    """``ended`` (closed by its run), ``running`` (the heartbeat of a live bot names it) or ``crashed``: not
    closed, and no live bot is writing it (a dead pid, a stale heartbeat, or a bot from before heartbeats)."""
    if ended is not None:
        return "ended"
    return "running" if live.running and live.session == session else "crashed"


def _protocol_drift(session: str, summary: dict[str, Any] | None, live: Liveness) -> int:
    """Drifted frames of the session: the running bot's counter, else what its summary kept at the end."""
    if live.session == session and "protocol_drift" in live.counters:
        return int(live.counters["protocol_drift"])
    drift = (summary or {}).get("protocol_drift")
    return int(drift.get("total", 0)) if isinstance(drift, dict) else 0


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.money import fmt_sol

    path = Settings().db_path
    if not path.exists():
        if args.json:
            emit_json(
                {
                    "db": str(path),
                    "state": "NEVER RUN",
                    "running": False,
                    "liveness": "never",
                    "pid": None,
                    "heartbeat_age_s": None,
                    "halt": None,
                    "last_session": None,
                }
            )
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
        print(f"bot: {_liveness_line(st)}")
        if st["halt"]:
            h = st["halt"]
            print(f"  halted since {h['set_at']} by {h['source']}: {h['reason']}")
            print("  `rugsbot resume` clears it")
        s = st["last_session"]
        if s is None:
            print("last session: none")
        else:
            unit = s["coin_label"]
            bankroll = (
                "unknown" if s["bankroll_lamports"] is None else f"{fmt_sol(s['bankroll_lamports'])} {unit}"
            )
            ended = f"ended {s['ended']}" if s["ended"] else s["run_state"]
            print(
                f"last session: {s['id']} {s['mode']} profile={s['profile']} account={s['account'] or 'unknown'}"
                f" started {s['started']}, {ended}"
            )
            print(f"  recoveries {s['recoveries']}  protocol drift {s['protocol_drift']} events")
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


def _liveness_line(st: dict[str, Any]) -> str:
    state, pid, age = st["liveness"], st["pid"], st["heartbeat_age_s"]
    if state == "never":
        return "no heartbeat (no run of this version here yet)"
    beat = f"last heartbeat {age:.1f} s ago" if age is not None else "no heartbeat"
    what = {
        "running": "running",
        "stopped": "not running (stopped cleanly)",
        "crashed": "CRASHED (not running)",
    }
    return f"{what.get(state, state)}, pid {pid} on {st['host']}, {beat}"
