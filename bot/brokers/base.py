"""The one seam where modes differ: dry (paper), browser (clicks), replay (recorded timeline).

The session hands a broker a :class:`BetIntent` *after* the intent row is committed (write-ahead). A broker
never retries a placement: one decision, at most one click. Outcomes come back as :class:`BrokerReport`
values the session applies to the ledger and the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.game.signals import Signal
from bot.game.state import GameView, Mode


class BetStatus(StrEnum):
    INTENT = "intent"  # committed before any click
    CLICKED = "clicked"
    CONFIRMED = "confirmed"
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # clicked, no confirmation in time: pause and reconcile from later frames
    CANCELLED = "cancelled"  # never clicked (e.g. halted between intent and click)


TERMINAL = frozenset({BetStatus.WON, BetStatus.LOST, BetStatus.REJECTED, BetStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class BetIntent:
    bet_id: str  # unique, from the database row
    game_id: str
    decided_tick: int
    decided_t: float
    amount_lamports: int
    coin: str
    strategy: str
    reason: str


@dataclass(frozen=True, slots=True)
class BrokerReport:
    bet_id: str
    status: BetStatus
    t: float
    start_tick: int | None = None
    end_tick: int | None = None
    payout_lamports: int = 0
    latency_s: float | None = None  # click → confirmation
    message: str = ""


class Broker(Protocol):
    mode: Mode

    async def submit(self, intent: BetIntent) -> BrokerReport:
        """Place the bet once. Returns CLICKED/CONFIRMED/REJECTED/UNKNOWN/CANCELLED; never re-clicks."""
        ...

    def on_signal(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        """Feed-driven progress of submitted bets: confirmations, settlements, reconciliations."""
        ...

    def forget(self, bet_id: str) -> None:
        """The session settled this bet from the server's truth (bot/recovery.py): stop tracking it."""
        ...
