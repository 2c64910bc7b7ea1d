"""Read-only views of the game that the tracker publishes and everything downstream consumes.

Frozen dataclasses: a strategy or guard can hold a view without being able to change the tracker.
All times are feed receive times (unix seconds), never the wall clock, so replays are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Phase(StrEnum):
    UNKNOWN = "UNKNOWN"
    COOLDOWN = "COOLDOWN"
    PRESALE = "PRESALE"
    ACTIVE = "ACTIVE"
    RUGGED = "RUGGED"


@dataclass(frozen=True, slots=True)
class TickTiming:
    """Tick-interval statistics from receive times (seconds)."""

    samples: int = 0
    ewma_s: float = 0.25
    jitter_s: float = 0.0  # EWMA of |gap - ewma|
    p50_s: float = 0.25
    p99_s: float = 0.25
    max_s: float = 0.0
    stalls: int = 0  # gaps > stall threshold (1 s)
    last_gap_s: float = 0.0


@dataclass(frozen=True, slots=True)
class GameView:
    """The current game as of the last frame."""

    game_id: str | None
    phase: Phase
    tick: int  # last wire tickCount seen (-1 before the first tick of a game)
    price: float
    t: float  # receive time of the last frame
    last_tick_t: float  # receive time of the last frame that advanced the tick
    version: str | None = None  # provablyFair.version, e.g. "v3"
    server_seed_hash: str | None = None
    cooldown_timer_ms: int | None = None
    paused: bool = False  # cooldownPaused
    maintenance: bool = False
    rug_tick: int | None = None  # set once rugged
    peak: float = 1.0
    timing: TickTiming = field(default_factory=TickTiming)


@dataclass(frozen=True, slots=True)
class FinishedGame:
    """A game the feed showed to its end. ``complete`` when seen from tick 0 (usable for hazard estimates)."""

    game_id: str
    rug_tick: int  # wire tick of the rug frame
    peak: float
    rug_t: float
    first_tick_seen: int
    complete: bool
    version: str | None = None
    server_seed_hash: str | None = None
    # False when the rug frame was never seen (feed gap): rug_tick is then only a lower bound, and no bet may
    # be booked as won on it.
    proven: bool = True
    rug_price: float | None = (
        None  # the price the rug frame showed (not from the generator); None if not seen
    )


@dataclass(frozen=True, slots=True)
class OwnSidebet:
    """The player's own side bet as the authenticated feed reports it (``currentSidebet``/``Result``)."""

    game_id: str
    start_tick: int
    end_tick: int
    amount_lamports: int
    coin: str
    placed_t: float
    outcome: str = "pending"  # bot.game.rules.Outcome value
    payout_lamports: int = 0
    settled_tick: int | None = None


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the server says about our account (``playerUpdate``); ``None`` when not logged in."""

    player_id: str | None = None
    cash_lamports: int | None = None  # SOL balance, the truth for the bankroll
    coin_balances_lamports: tuple[tuple[str, int], ...] = ()  # e.g. (("0xPractice", ...),)
    authenticated: bool = False
    active_bet: OwnSidebet | None = None
    updated_t: float = 0.0
    # playerUpdate.sidebets: the account's side bets as the server lists them (protocol.md); a record with a
    # payout is settled, one without is pending. Empty when the field is missing or empty.
    bet_history: tuple[OwnSidebet, ...] = ()

    def balance(self, coin: str) -> int | None:
        from bot.money import SOL_MINT

        if coin == SOL_MINT:
            return self.cash_lamports
        for c, v in self.coin_balances_lamports:
            if c == coin:
                return v
        return None
