"""The game's rules, written once: its constants and the side-bet rules, for the tracker, the brokers, the
engine, the backtester, Monte Carlo and the simulator.

Source: shared/protocol.md, checked against real captures (23 games reproduced bit-exactly, 1,071 real side-bet
settlements). The generator draws ``prng() < 0.005`` first at every loop index, so the rug is memoryless; the
rug frame comes one wire tick after the generator's last price, so the **rug tick** (the one name used for it
everywhere) is the wire ``tickCount`` of the rug frame = the generator's rug loop index + 1.
Side bets: ``endTick = startTick + 40``; WIN iff the rug tick ≤ endTick (a rug exactly on endTick wins); payout
5× stake (profit 4×), stake debited at placement; one active bet per player; no cooldown (a new bet may start
on the tick the previous one ended).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

RUG_HAZARD = 0.005  # per generator loop index, memoryless (v1, v2 and v3 alike)
MAX_TICKS = 5000  # the generator's loop bound
NOMINAL_TICK_S = 0.25  # the server's nominal tick (measured 250.8 ms/tick)
WINDOW_TICKS = 40
PAYOUT_MULTIPLIER = 5
MIN_BET_LAMPORTS = 1_000_000  # 0.001 SOL
P_WIN = 1.0 - (1.0 - RUG_HAZARD) ** WINDOW_TICKS  # 0.18168 at every tick
BREAK_EVEN = 1.0 / PAYOUT_MULTIPLIER  # P(win) a bet needs for EV = 0 (0.20)
EV_PER_STAKE = PAYOUT_MULTIPLIER * P_WIN - 1.0  # -9.16 % of every stake


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
