"""``rugsbot run --games N``: the run ends after N games the bot played, once the bets it placed are settled.

Why wait: the N-th game's rug is also the moment a bet open on it is won or lost, and its result
(``currentSidebetResult``, then the balance) arrives just after the rug frame. A run that stopped on the rug
frame left a bet it had just won open: the summary, the run-end alert and the P&L metric counted it as
neither, and only the next start reconciled it (found by a new operator's tryout). So from the N-th game on no
new bet is decided (``TradingLoop.stop_betting``) and the run ends when this session has no open bet and the
server's balance shows every payout it booked (``Ledger.unseen_credit``), or after :data:`SETTLE_WAIT_S` (then
the next start reconciles it from the server, as after any stop).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app.screen import games_played

if TYPE_CHECKING:
    from bot.app.live import LiveRun

SETTLE_WAIT_S = 30.0  # wall clock: a result comes within a second of the rug; the cooldown is 15 s at 1x


class GamesLimit:
    """``games``: the ``--games`` value (``None``: no limit)."""

    def __init__(self, games: int | None) -> None:
        self.games = games
        self._reached_t: float | None = None

    def stop_reason(self, run: LiveRun, now: float) -> str | None:
        """Why the run should stop now (``now``: wall-clock seconds), or ``None`` to go on."""
        if self.games is None or not run.ready or run.loop is None or run.parts is None:
            return None
        if games_played(run) < self.games:
            return None
        if self._reached_t is None:
            self._reached_t = now
            run.loop.stop_betting()
        governor = run.parts.governor
        led = governor.ledger
        open_here = [b.bet_id for b in led.open_bets if b.session == governor.session]
        done = f"{self.games} games finished"
        # settled, and a win's payout seen in a server balance too: the session's bankroll is the server's
        if not open_here and not led.unseen_credit:
            return done
        if now - self._reached_t > SETTLE_WAIT_S:
            waiting = ", ".join(open_here) or "the balance after the last payout"
            return f"{done}; {waiting} not seen within {SETTLE_WAIT_S:g} s (reconciled at the next start)"
        return None
