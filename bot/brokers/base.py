"""The broker contract: the one seam where modes differ (paper bets in dry-run and replay, clicks in practice and
live).

The trading loop hands a broker a :class:`~bot.bets.model.BetIntent` *after* the intent row is committed
(write-ahead). A broker never retries a placement: one decision, at most one click. Outcomes come back as
:class:`~bot.bets.model.BrokerReport` values the loop applies to the ledger and the database. The run and the
assembly use only this contract: no ``hasattr``/``getattr`` on a broker anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.bets.model import BetIntent, BrokerReport
from bot.game.signals import Signal
from bot.game.state import GameView
from bot.mode import Mode


@dataclass(frozen=True, slots=True)
class BrokerStats:
    """What a broker did, for the screen, the summary and the metrics.

    ``clicks``: clicks made since start (a paper broker makes none). ``confirm_latency_s``: click → confirmation
    of the most recent clicks, seconds, oldest first (bounded: a multi-day run keeps the last few thousand)."""

    clicks: int = 0
    confirm_latency_s: tuple[float, ...] = ()


class Broker(Protocol):
    mode: Mode

    @property
    def armed(self) -> bool:
        """True when :meth:`submit` may place a bet now (controls verified, not halted)."""
        ...

    async def arm(self) -> None:
        """Make ready to place bets (verify the page's controls); raises ``ControlMissing`` when it cannot."""
        ...

    def halt(self, reason: str) -> None:
        """Disarm for good: no placement after a halt, whatever happens next."""
        ...

    def stats(self) -> BrokerStats:
        """Click counts and latencies so far."""
        ...

    async def submit(self, intent: BetIntent) -> BrokerReport:
        """Place the bet once. Returns CLICKED/CONFIRMED/REJECTED/UNKNOWN/CANCELLED; never re-clicks."""
        ...

    def on_signal(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        """Feed-driven progress of submitted bets: confirmations, settlements, reconciliations."""
        ...

    def forget(self, bet_id: str) -> None:
        """The loop settled this bet from the server's truth (bot/bets/reconcile.py): stop tracking it."""
        ...
