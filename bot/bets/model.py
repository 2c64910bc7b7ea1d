"""The bet model: statuses, the write-ahead intent and the reports that move a bet through its life.

A bet is written ahead (``intent``) before any click, then moves forward only (see
:func:`bot.store.db.legal_transition`): ``intent → clicked → confirmed → won | lost``, or ends ``rejected`` /
``cancelled``; ``unknown`` means a click whose fate the feed has not told yet. Amounts are integer lamports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
