"""Read everything the invariants need after a step (no run active): the operator's views (``rugsbot bets --json
--all``, ``rugsbot status --json``), the bot's database (read-only: sessions, halts, guard events, decisions,
feed times of bets), the bot's books per account (its own ledger, rebuilt from the database) and the simulator's
``/__sim/state``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bot.money import PRACTICE_COIN
from bot.risk.ledger import Ledger
from bot.store.db import Store
from tests.model.invariants import PRACTICE, Bet, Halt, Observation, ServerBet, Session
from tests.model.world import World

_GUARD_IN_VERDICT = re.compile(r"^(?:pause|halt|deny|kill) \[([a-z_:]+?)(?::|\])")


def observe(world: World, truth: dict[str, Any]) -> Observation:
    listed, status, status_code = world.read_views()
    decided = dict(world.query("SELECT bet_id, decided_t FROM bets"))
    bets = [
        Bet(
            bet_id=b["bet_id"],
            session=b["session"],
            mode=b["mode"],
            account=b["account"],
            game_id=b["game_id"],
            start_tick=b["start_tick"],
            end_tick=b["end_tick"],
            status=b["status"],
            amount=b["amount_lamports"],
            payout=b["payout_lamports"],
            evidence=b["evidence"],
            message=b["message"],
            decided_t=float(decided[b["bet_id"]]),
        )
        for b in listed["bets"]
    ]
    sessions = {
        sid: Session(sid, mode, profile, account, started)
        for sid, mode, profile, account, started in world.query(
            "SELECT id, mode, profile, account, started FROM sessions"
        )
    }
    halt_sessions = {
        (guard, round(t, 3)): session
        for session, guard, t in world.query(
            "SELECT session, guard, t FROM guard_events WHERE action = 'halt'"
        )
    }
    halts = [
        Halt(
            hid,
            reason,
            source,
            set_at,
            halt_sessions.get((source.removeprefix("guard:"), round(set_at, 3))),
            cleared,
        )
        for hid, reason, source, set_at, cleared in world.query(
            "SELECT id, reason, source, set_at, cleared_at FROM halts"
        )
    ]
    active = world.query("SELECT id FROM halts WHERE active = 1 ORDER BY id LIMIT 1")
    named: dict[str, Counter[str]] = {}
    for session, verdict, n in world.query(
        "SELECT session, verdict, count(*) FROM decisions WHERE verdict NOT IN ('allow', 'no proposal') "
        "GROUP BY session, verdict"
    ):
        m = _GUARD_IN_VERDICT.match(verdict or "")
        if m:
            named.setdefault(session, Counter())[m.group(1)] += n
    for session, guard, n in world.query(
        "SELECT session, guard, count(*) FROM guard_events WHERE action IN ('pause', 'halt', 'deny') "
        "GROUP BY session, guard"
    ):
        named.setdefault(session, Counter())[guard] += n
    intents = {s: n for s, n in world.query("SELECT session, count(*) FROM bets GROUP BY session")}
    return Observation(
        bets=bets,
        sessions=sessions,
        halts=halts,
        active_halt=active[0][0] if active else None,
        status=status,
        status_code=status_code,
        server_bets=[
            ServerBet(
                b["player_id"],
                b["game_id"],
                b["amount_lamports"],
                b["start_tick"],
                b["end_tick"],
                b["outcome"],
                b["payout_lamports"],
            )
            for b in truth["bets"]
        ],
        balances={a["player_id"]: int(a["balances"][PRACTICE_COIN]) for a in truth["accounts"]},
        requests={k: int(v) for k, v in truth["sidebet_requests"].items()},
        rug_ticks={g["id"]: int(g["rug_tick"]) for g in truth["games"]},
        books=_books(
            world,
            {b.account for b in bets if b.mode == PRACTICE}
            | {s.account for s in sessions.values() if s.mode == PRACTICE and s.account is not None},
        ),
        verdict_guards=named,
        intents=intents,
    )


def _books(world: World, accounts: set[str]) -> dict[str, int | None]:
    """The bot's own expected cash per practice account: its ledger folded from the database's event log, as
    a restart folds it (every practice session in scope)."""
    if not world.db.exists() or not accounts:
        return {}
    with Store.open(world.db) as store:
        ledger = Ledger.rebuild(
            store,
            session="model-observer",  # no such session: every PRACTICE session of the coin is in scope
            mode=PRACTICE,
            coin=PRACTICE_COIN,
            logged_in=True,
            starting_bankroll_lamports=0,
        )
        return {acct: ledger.expected_cash_of(acct) for acct in accounts}
