"""Typed rows read from and written to the database (frozen: a row is a fact as of when it was read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.bets.model import BetStatus


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    mode: str
    profile: str
    coin: str
    started: float
    ended: float | None
    starting_bankroll_lamports: int | None
    summary: dict[str, Any] | None
    account: str | None = None  # the player id (logged in, once known) or paper:<profile>


@dataclass(frozen=True, slots=True)
class HaltRow:
    id: int
    active: bool
    reason: str
    source: str
    set_at: float
    cleared_at: float | None
    cleared_by: str | None


@dataclass(frozen=True, slots=True)
class BetRow:
    seq: int
    bet_id: str
    session: str
    game: str
    decided_tick: int
    decided_t: float
    amount_lamports: int
    coin: str
    strategy: str
    reason: str
    status: BetStatus
    start_tick: int | None
    end_tick: int | None
    payout_lamports: int
    latency_s: float | None
    message: str
    created_t: float
    updated_t: float
    settled_t: float | None
    account: str | None = None  # None: written before bets knew their account (legacy)
    mode: str | None = None  # the session's mode label (PRACTICE, LIVE, DRY-RUN, REPLAY)
    evidence: str | None = None  # bot.bets.model.Evidence of the last status

    @property
    def pnl_lamports(self) -> int:
        """Realised profit: only a settled bet has one (a rejected or cancelled bet never cost anything)."""
        if self.status is BetStatus.WON:
            return self.payout_lamports - self.amount_lamports
        if self.status is BetStatus.LOST:
            return -self.amount_lamports
        return 0


@dataclass(frozen=True, slots=True)
class EventRow:
    seq: int
    t: float
    session: str | None
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One decision of the engine, whether or not it proposed a bet (the 'why not' matters as much)."""

    t: float
    game: str | None
    tick: int
    p_win: float | None
    p_low: float | None
    p_high: float | None
    ev: float | None
    zone: str | None
    amount_lamports: int | None
    strategy: str
    reason: str
    verdict: str
    session: str | None = None


@dataclass(frozen=True, slots=True)
class SessionPerformance:
    """A session's results recomputed from the append-only event log alone."""

    session: str
    bets: int
    won: int
    lost: int
    open: int
    staked_lamports: int
    payout_lamports: int
    pnl_lamports: int


class EventKind:
    """Kinds the store itself appends (others may append their own kinds too)."""

    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"
    BET_INTENT = "bet_intent"
    BET_STATUS = "bet_status"
    BALANCE = "balance"
    HALT_SET = "halt_set"
    HALT_CLEARED = "halt_cleared"
    GUARD = "guard"
