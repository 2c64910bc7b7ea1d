"""Daily totals of settled bets (for the daily summary alert), read from the ``bets`` table only."""

from __future__ import annotations

from bot.bets.model import BetStatus
from bot.store.base import StoreBase


class DailyStore(StoreBase):
    # ------------------------------------------------------------------ daily totals
    def settled_totals(self, t0: float, t1: float) -> list[tuple[str, int, int, int]]:
        """``(coin, bets, won, pnl_lamports)`` per coin for bets settled (won or lost) in ``[t0, t1)``."""
        won, lost = BetStatus.WON.value, BetStatus.LOST.value
        rows = self._conn.execute(
            "SELECT coin, COUNT(*), SUM(status = ?), "
            "SUM(CASE WHEN status = ? THEN payout_lamports - amount_lamports ELSE -amount_lamports END) "
            "FROM bets WHERE status IN (?, ?) AND settled_t >= ? AND settled_t < ? GROUP BY coin ORDER BY coin",
            (won, won, won, lost, t0, t1),
        ).fetchall()
        return [(str(c), int(n), int(w or 0), int(p or 0)) for c, n, w, p in rows]
