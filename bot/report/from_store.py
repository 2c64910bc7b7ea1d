"""A stored session (bot.store) as report input: settled bets, their predicted P(win), latencies, rug ticks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.bets.model import BetStatus
from bot.optimize.metrics import BetRecords


class SessionNotFound(LookupError):
    pass


def records_from_store(db_path: Path, session: str) -> tuple[str, BetRecords]:
    """``session`` is an id or ``last``. Only won/lost bets count; open, rejected or unknown bets do not."""
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
        finals = [
            int(r["final_tick"])
            for r in store.db.query("SELECT final_tick FROM games WHERE final_tick IS NOT NULL")
        ]
        start = row.starting_bankroll_lamports
        if (
            start is None
        ):  # logged-in sessions start from the server's balance: first bet's view is not stored
            start = 0
        records = BetRecords(
            stake=np.array([b.amount_lamports for b in bets], dtype=np.int64),
            won=np.array([b.status is BetStatus.WON for b in bets], dtype=bool),
            starting_bankroll=int(start),
            games=len({b.game for b in bets}),
            p_pred=np.array(p, dtype=float) if bets and all(x is not None for x in p) else None,
            latency_s=np.array(lat, dtype=float) if lat else None,
            final_pool=np.array(finals, dtype=np.int64) if finals else None,
            guard_trips=tuple(f"{g['guard']}: {g['action']}" for g in store.guard_events(row.id)),
        )
        return row.id, records
    finally:
        store.close()
