"""A stored session (bot.store) as report input: settled bets, their predicted P(win), latencies, rug ticks.

The session's own numbers: its coin (FREE, SOL or paper SOL, bot.bets.model.coin_label) and its starting
bankroll — the profile's for a paper session, the first server balance the session recorded when logged in
(the balance every later bet of the session is counted from).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.bets.model import BetStatus, coin_label
from bot.optimize.metrics import BetRecords
from bot.store.rows import EventKind, SessionRow


class SessionNotFound(LookupError):
    pass


def starting_bankroll(store: Any, row: SessionRow) -> int | None:
    """The session's starting bankroll in lamports: the profile's (paper) or its first server balance of the
    session's coin; None when a logged-in session never saw one."""
    if row.starting_bankroll_lamports is not None:
        return int(row.starting_bankroll_lamports)
    for ev in store.events(session=row.id, kinds=(EventKind.BALANCE,)):
        if ev.data.get("coin") == row.coin:
            return int(ev.data["lamports"])
    return None


def records_from_store(db_path: Path, session: str) -> tuple[str, BetRecords, dict[str, Any]]:
    """``session`` is an id or ``last``. Only won/lost bets count; open, rejected or unknown bets do not.

    Returns the session id, its bets and what the report needs to say about them (``meta``: ``coin``,
    ``coin_label``, ``mode``, ``account``, ``bankroll_known``)."""
    from bot.store.db import Store

    if not db_path.exists():
        raise SessionNotFound(f"no database at {db_path}")
    store = Store.open(db_path)
    try:
        row = store.last_session() if session == "last" else store.session(session)
        if row is None:
            raise SessionNotFound(f"no session {session!r} in {db_path}")
        bets = [b for b in store.bets(row.id) if b.status in (BetStatus.WON, BetStatus.LOST)]
        p_at = {(d.game, d.tick): d.p_win for d in store.decisions(row.id) if d.p_win is not None}
        p = [p_at.get((b.game, b.decided_tick)) for b in bets]
        lat = [b.latency_s for b in bets if b.latency_s is not None]
        # finished games seen whole only: a game joined mid-way is biased long (the inspection paradox) and a
        # lost rug frame leaves only a lower bound (both stored seen_complete = 0), as the backtest's pool
        finals = [
            int(r["final_tick"])
            for r in store.db.query(
                "SELECT final_tick FROM games WHERE final_tick IS NOT NULL AND seen_complete = 1"
            )
        ]
        start = starting_bankroll(store, row)
        records = BetRecords(
            stake=np.array([b.amount_lamports for b in bets], dtype=np.int64),
            won=np.array([b.status is BetStatus.WON for b in bets], dtype=bool),
            starting_bankroll=start or 0,
            games=len({b.game for b in bets}),
            p_pred=np.array(p, dtype=float) if bets and all(x is not None for x in p) else None,
            latency_s=np.array(lat, dtype=float) if lat else None,
            final_pool=np.array(finals, dtype=np.int64) if finals else None,
            guard_trips=tuple(f"{g['guard']}: {g['action']}" for g in store.guard_events(row.id)),
        )
        meta = {
            "coin": row.coin,
            "coin_label": coin_label(row.coin, row.mode),
            "mode": row.mode,
            "account": row.account,
            "bankroll_known": start is not None,
        }
        return row.id, records, meta
    finally:
        store.close()
