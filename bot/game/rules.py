"""The side-bet rules: one implementation for the tracker, the dry broker, the backtester and the simulator.

protocol.md: ``endTick = startTick + 40``; WIN iff the rug's wire tick ≤ endTick (a rug exactly on endTick
wins); payout 5× stake (profit 4×), stake debited at placement; one active bet per player; no cooldown (a
new bet may start on the tick the previous one ended).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WINDOW_TICKS = 40
PAYOUT_MULTIPLIER = 5
MIN_BET_LAMPORTS = 1_000_000  # 0.001 SOL


class Outcome(StrEnum):
    PENDING = "pending"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class Window:
    start_tick: int
    end_tick: int

    @classmethod
    def starting_at(cls, start_tick: int, length: int = WINDOW_TICKS) -> Window:
        return cls(start_tick, start_tick + length)

    def covers(self, tick: int) -> bool:
        return self.start_tick <= tick <= self.end_tick


def settle(window: Window, *, rug_tick: int | None, current_tick: int) -> Outcome:
    """Outcome of a bet given what the feed has shown.

    ``rug_tick`` is the wire tick of the rug frame if the game has rugged; ``current_tick`` the last
    tick seen. A bet is lost once a tick past ``end_tick`` has been seen without a rug.
    """
    if rug_tick is not None:
        return Outcome.WON if rug_tick <= window.end_tick else Outcome.LOST
    if current_tick > window.end_tick:
        return Outcome.LOST
    return Outcome.PENDING


def payout_lamports(stake_lamports: int, outcome: Outcome, multiplier: int = PAYOUT_MULTIPLIER) -> int:
    """Gross amount credited at settlement (the stake was debited at placement)."""
    return stake_lamports * multiplier if outcome is Outcome.WON else 0


def profit_lamports(stake_lamports: int, outcome: Outcome, multiplier: int = PAYOUT_MULTIPLIER) -> int:
    if outcome is Outcome.PENDING:
        return 0
    return payout_lamports(stake_lamports, outcome, multiplier) - stake_lamports


def can_place(active: Window | None, tick: int) -> bool:
    """One active bet per player; a new bet may start on the tick the previous one ended."""
    return active is None or tick >= active.end_tick
