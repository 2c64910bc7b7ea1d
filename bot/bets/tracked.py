"""A bet as the tracker follows it, and the pure rules that match server evidence to it.

The tracker (bot/bets/tracker.py) keeps one :class:`TrackedBet` per bet it knows: written ahead by this
process, or left open in the database by a process that stopped. Matching is by the bet's own facts only:
its game, coin and amount, a start tick not before the decision, and — once known — its window.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from bot.bets.model import TERMINAL, BetStatus, BrokerReport, Owner
from bot.game.rules import PAYOUT_MULTIPLIER
from bot.game.state import OwnSidebet

LOSS_GRACE_TICKS = (
    10  # a real loss is called by the rules this many ticks after its window, if no result came
)


class BetRowLike(Protocol):
    """What the tracker needs of a stored bet (bot.store.rows.BetRow)."""

    @property
    def bet_id(self) -> str: ...
    @property
    def session(self) -> str: ...
    @property
    def game(self) -> str: ...
    @property
    def decided_tick(self) -> int: ...
    @property
    def decided_t(self) -> float: ...
    @property
    def amount_lamports(self) -> int: ...
    @property
    def coin(self) -> str: ...
    @property
    def strategy(self) -> str: ...
    @property
    def status(self) -> BetStatus: ...
    @property
    def start_tick(self) -> int | None: ...
    @property
    def end_tick(self) -> int | None: ...
    @property
    def account(self) -> str | None: ...
    @property
    def mode(self) -> str | None: ...


@dataclass(slots=True, eq=False)
class TrackedBet:
    bet_id: str
    owner: Owner
    game_id: str
    amount_lamports: int
    decided_tick: int
    decided_t: float
    status: BetStatus
    paper: bool  # settled by the rules on the feed (no server to ask)
    strategy: str = ""
    session: str | None = None
    left_open: bool = False  # written by a process that stopped
    looked_at: bool = False  # left open: its first look (marked unknown, or voided) was done
    start_tick: int | None = None
    end_tick: int | None = None
    clicked_t: float | None = None
    placed_t: float | None = None  # when the server's confirmation arrived
    sent_t: float | None = None  # the page's requestSidebet was sniffed
    unobserved: bool = (
        False  # the page that clicked died or navigated: its requestSidebet may have gone unseen
    )
    ack_id: int | None = None
    submitting: bool = False  # inside the broker's submit(): placement facts are returned by submit itself
    rejection: str | None = None  # a rejection ack that arrived during submit
    stale: bool = False  # its game ended and no settlement was seen
    stale_t: float | None = None  # when the feed showed its game over
    undelivered: list[BrokerReport] = field(default_factory=list)
    placed_event: asyncio.Event | None = None

    @property
    def open(self) -> bool:
        return self.status not in TERMINAL

    @property
    def window_known(self) -> bool:
        return self.start_tick is not None and self.end_tick is not None

    def same_window(self, bet: OwnSidebet) -> bool:
        return self.game_id == bet.game_id and self.start_tick == bet.start_tick

    def explains(self, bet: OwnSidebet) -> bool:
        """Could this server bet be this one? Same game, coin and amount, not started before the decision."""
        return (
            bet.game_id == self.game_id
            and bet.coin == self.owner.coin
            and bet.amount_lamports == self.amount_lamports
            and bet.start_tick >= self.decided_tick
        )

    def wake(self) -> None:
        if self.placed_event is not None:
            self.placed_event.set()


def outcome_from_balance(diff: int, stake: int) -> tuple[BetStatus, int] | None:
    """The one outcome of a single ``stake``-lamport bet that moves a balance by ``diff`` against books that
    already debited it: 0 lost, +5×stake won (5x payout, protocol.md), +stake never taken. None: none does."""
    if diff == 0:
        return BetStatus.LOST, 0
    if diff == PAYOUT_MULTIPLIER * stake:
        return BetStatus.WON, PAYOUT_MULTIPLIER * stake
    if diff == stake:
        return BetStatus.CANCELLED, 0
    return None
