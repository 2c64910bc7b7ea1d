"""The one seam where modes differ: dry (paper), browser (clicks), replay (recorded timeline).

The session hands a broker a :class:`BetIntent` *after* the intent row is committed (write-ahead). A broker
never retries a placement: one decision, at most one click. Outcomes come back as :class:`BrokerReport`
values the session applies to the ledger and the database.
"""

from __future__ import annotations

from typing import Protocol

from bot.bets.model import BetIntent, BrokerReport
from bot.game.signals import Signal
from bot.game.state import GameView
from bot.mode import Mode


class Broker(Protocol):
    mode: Mode

    async def submit(self, intent: BetIntent) -> BrokerReport:
        """Place the bet once. Returns CLICKED/CONFIRMED/REJECTED/UNKNOWN/CANCELLED; never re-clicks."""
        ...

    def on_signal(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        """Feed-driven progress of submitted bets: confirmations, settlements, reconciliations."""
        ...

    def forget(self, bet_id: str) -> None:
        """The session settled this bet from the server's truth (bot/bets/reconcile.py): stop tracking it."""
        ...
