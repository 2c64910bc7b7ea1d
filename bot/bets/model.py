"""The bet model: statuses, the owner, the write-ahead intent and the reports that move a bet through its life.

A bet is written ahead (``intent``) before any click, then moves forward only (see
:func:`bot.store.bets.legal_transition`): ``intent → clicked → confirmed → won | lost``, or ends ``rejected`` /
``cancelled``; ``unknown`` means a click whose fate the feed has not told yet. Amounts are integer lamports.

Every bet knows whose it is (:class:`Owner`): the server's player id (``playerUpdate.id``; a paper account
``paper:<profile>`` for paper bets), its coin and its mode. Only evidence about that owner may move it; every
report says which evidence it rests on (:class:`Evidence`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.mode import Mode
from bot.money import PRACTICE_COIN

PAPER_PREFIX = "paper:"
LEGACY_ACCOUNT = "legacy"  # rows written before bets knew their account: never settled automatically


def paper_account(profile: str) -> str:
    """The account of paper bets (dry-run, replay): one per profile, so paper bankrolls never mix."""
    return f"{PAPER_PREFIX}{profile}"


def coin_label(coin: str, mode: Mode | str | None = None) -> str:
    """How an amount's coin is shown: ``FREE`` (practice coin), ``SOL`` (live), ``paper SOL`` (dry-run, replay)."""
    if coin == PRACTICE_COIN:
        return "FREE"
    m = Mode.from_label(mode) if isinstance(mode, str) else mode
    return "paper SOL" if m in (Mode.DRY_RUN, Mode.REPLAY) else "SOL"


class BetStatus(StrEnum):
    INTENT = "intent"  # committed before any click
    CLICKED = "clicked"
    CONFIRMED = "confirmed"
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # clicked, no confirmation in time: pause and reconcile from later frames
    CANCELLED = (
        "cancelled"  # never clicked (e.g. halted between intent and click), or the server never took it
    )


TERMINAL = frozenset({BetStatus.WON, BetStatus.LOST, BetStatus.REJECTED, BetStatus.CANCELLED})


def legal_transition(old: BetStatus, new: BetStatus) -> bool:
    """A bet only moves forward: never back to ``intent``, never out of a terminal status, and a confirmed
    bet cannot become merely clicked or unknown again (a stale report must not hide a confirmation)."""
    if old in TERMINAL or new is BetStatus.INTENT:
        return False
    if old is BetStatus.CONFIRMED and new in (BetStatus.CLICKED, BetStatus.UNKNOWN):
        return False
    return not (old is BetStatus.UNKNOWN and new is BetStatus.CLICKED)


class Evidence(StrEnum):
    """What a report rests on. Server evidence is always about the bet's own account (protocol.md events)."""

    SERVER_RESULT = "server_result"  # currentSidebetResult
    SERVER_ACTIVE = "server_active"  # currentSidebet, playerUpdate.sideBet or the ack's sidebet record
    SERVER_HISTORY = "server_history"  # a record in playerUpdate.sidebets
    SERVER_REJECTED = "server_rejected"  # the ack 43<id>[{success:false}]
    BALANCE_CHANGE = "balance_change"  # an exact change of the account's own balance
    RULES = "rules"  # the game's rules (bot/game/rules.py) on the feed's ticks and proven rug tick
    NEVER_PLACED = "never_placed"  # positive evidence the server never took it (no request left the page, or
    #                                 the account's balance shows the stake never debited and no active bet)
    NOT_CLICKED = "not_clicked"  # the broker refused before any click
    CLICK = "click"  # a click was made (or a paper bet submitted)
    TIMEOUT = "timeout"  # no confirmation within the broker's timeout
    RESTART = "restart"  # left open by a process that stopped
    VOID = "void"  # a paper bet whose outcome cannot be known (its rug was not seen, its process stopped)


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose bet it is. ``account`` is None only while a logged-in session has not learned its player id."""

    account: str | None
    mode: Mode
    coin: str

    @property
    def paper(self) -> bool:
        """Paper bets (dry-run, replay) are settled by the rules; there is no server to ask."""
        return not self.mode.clicks

    def __str__(self) -> str:
        return f"{self.account or 'unknown account'} ({self.mode.label}, {coin_label(self.coin, self.mode)})"


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
    account: str | None = None  # the owner, recorded with the write-ahead row (None: a bet built by hand)
    mode: Mode | None = None


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
    evidence: Evidence | None = None  # None: a report from outside the tracker (an operator, a test)
