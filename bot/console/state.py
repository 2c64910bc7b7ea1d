"""What the console shows and streams: one frozen snapshot of the run and the events it publishes.

These are the console's own plain types (str, int, float, tuples): the run converts its tracker, engine,
governor, ledger and broker values into them, so the console depends on no part of the bot that is being
rewritten. Money is integer lamports of the run's coin; ``coin_label`` says which (``SOL`` or ``FREE``).
Times are seconds since the epoch (the run's receive time for feed values, wall time otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class GameInfo:
    game_id: str | None = None
    tick: int = -1
    phase: str = "UNKNOWN"  # the tracker's Phase value: PRESALE, ACTIVE, RUGGED, …
    price: float = 1.0


@dataclass(frozen=True, slots=True)
class EstimateInfo:
    """P(win) of a side bet placed now, with its 95 % credible interval, and EV per unit stake."""

    p_win: float
    p_low: float
    p_high: float
    ev: float
    break_even: float = 0.2
    zone: str = ""


@dataclass(frozen=True, slots=True)
class DecisionInfo:
    t: float
    game_id: str | None
    tick: int
    action: str  # "BET" or "SKIP"
    reason: str
    amount_lamports: int | None = None
    strategy: str = ""
    verdict: str = ""


@dataclass(frozen=True, slots=True)
class BetInfo:
    bet_id: str
    game_id: str
    status: str  # bot.bets.model.BetStatus value
    amount_lamports: int
    decided_tick: int
    start_tick: int | None = None
    end_tick: int | None = None
    payout_lamports: int = 0
    pnl_lamports: int = 0  # realised: only won/lost bets have one
    latency_s: float | None = None  # click → confirmation
    strategy: str = ""
    t: float = 0.0  # last change


@dataclass(frozen=True, slots=True)
class EquityPoint:
    t: float
    bankroll_lamports: int


@dataclass(frozen=True, slots=True)
class PauseInfo:
    guard: str
    reason: str
    until_t: float | None = None  # None: while the condition holds


@dataclass(frozen=True, slots=True)
class HaltInfo:
    reason: str
    source: str
    set_at: float


@dataclass(frozen=True, slots=True)
class GuardInfo:
    level: str = "ACTIVE"  # the governor's Level: ACTIVE, PAUSED, HALTED, KILLED
    reasons: tuple[str, ...] = ()
    pauses: tuple[PauseInfo, ...] = ()
    halt: HaltInfo | None = None

    @property
    def halted(self) -> bool:
        return self.level in ("HALTED", "KILLED")


@dataclass(frozen=True, slots=True)
class FeedInfo:
    connected: bool = False
    live: bool = False  # connected and the last frame younger than the run's feed-silence limit
    age_s: float | None = None
    frames_in: int = 0
    sockets_opened: int = 0


@dataclass(frozen=True, slots=True)
class ClickInfo:
    count: int = 0
    last_ms: float | None = None
    p50_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ConsoleState:
    """The run as of one moment (``ConsoleSource.snapshot``); serialised as is by GET /api/state."""

    mode: str  # Mode.label: DRY-RUN, PRACTICE, LIVE
    profile: str
    coin_label: str  # SOL or FREE: the unit of every *_lamports field
    running: bool
    armed: bool
    t: float
    started_t: float
    session: str | None = None  # the database's run id
    player: str | None = None  # shortened by the console before it leaves the process
    game: GameInfo = field(default_factory=GameInfo)
    estimate: EstimateInfo | None = None
    decisions: tuple[DecisionInfo, ...] = ()  # newest first
    open_bets: tuple[BetInfo, ...] = ()
    settled_bets: tuple[BetInfo, ...] = ()  # newest first
    bankroll_lamports: int | None = None
    session_pnl_lamports: int = 0
    equity: tuple[EquityPoint, ...] = ()
    guards: GuardInfo = field(default_factory=GuardInfo)
    feed: FeedInfo = field(default_factory=FeedInfo)
    clicks: ClickInfo = field(default_factory=ClickInfo)
    games: int = 0
    note: str = ""


# ----------------------------------------------------------------- control results


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What a pause or halt did. ``ok`` False: refused (``message`` says why)."""

    ok: bool
    level: str  # the guard level after the action
    message: str = ""


@dataclass(frozen=True, slots=True)
class ClearedHalt:
    id: int
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class ResumeResult:
    """The same facts as ``rugsbot resume --json``: the halts cleared and the unknown bets that still block
    betting until reconciled; ``unpaused`` is True when an operator pause was lifted."""

    cleared: tuple[ClearedHalt, ...] = ()
    unknown_bets: tuple[str, ...] = ()
    unpaused: bool = False
    level: str = "ACTIVE"


# ----------------------------------------------------------------- events (GET /api/events)


@dataclass(frozen=True, slots=True)
class TickEvent:
    KIND: ClassVar[str] = "tick"
    t: float
    game_id: str | None
    tick: int
    phase: str
    price: float
    estimate: EstimateInfo | None = None


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    KIND: ClassVar[str] = "decision"
    decision: DecisionInfo


@dataclass(frozen=True, slots=True)
class BetEvent:
    KIND: ClassVar[str] = "bet"
    bet: BetInfo
    bankroll_lamports: int | None = None
    session_pnl_lamports: int | None = None


@dataclass(frozen=True, slots=True)
class GuardEvent:
    KIND: ClassVar[str] = "guard"
    t: float
    guards: GuardInfo
    guard: str = ""  # the guard that changed ("" for a summary change)
    action: str = ""  # pause, clear, halt, resume, kill


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """Published by the console itself after an accepted control request, so every open page updates."""

    KIND: ClassVar[str] = "control"
    t: float
    action: str  # pause, halt, resume
    level: str
    by: str


ConsoleEvent = TickEvent | DecisionEvent | BetEvent | GuardEvent | ControlEvent
