"""What the tracker tells the rest of the bot after each frame: small, typed, immutable signals.

The session (bot/app/loop.py) routes them: ticks to the engine, rugs to brokers and the probability
model, own-bet events and acks to the broker and ledger, history frames to the off-path auditor.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from bot.game.state import AccountView, FinishedGame, OwnSidebet, Phase
from bot.protocol.events import Ack


@dataclass(frozen=True, slots=True)
class FeedConnected:
    """An Engine.IO open or namespace connect: the socket (re)connected."""

    t: float
    sid: str | None = None


@dataclass(frozen=True, slots=True)
class TickAdvanced:
    game_id: str
    tick: int
    price: float
    t: float
    backfilled: int = 0  # ticks filled in from partialPrices because their frames were skipped


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    game_id: str | None
    old: Phase
    new: Phase
    t: float


@dataclass(frozen=True, slots=True)
class GameStarted:
    game_id: str
    t: float
    server_seed_hash: str | None
    version: str | None


@dataclass(frozen=True, slots=True)
class GameRugged:
    game: FinishedGame


@dataclass(frozen=True, slots=True)
class HistoryReceived:
    """A heavy frame carrying ``gameHistory``: parse it off the decision path (bot/fair/auditor.py)."""

    raw: msgspec.Raw
    t: float


@dataclass(frozen=True, slots=True)
class OwnBetPlaced:
    bet: OwnSidebet


@dataclass(frozen=True, slots=True)
class OwnBetSettled:
    bet: OwnSidebet


@dataclass(frozen=True, slots=True)
class AccountUpdated:
    account: AccountView


@dataclass(frozen=True, slots=True)
class AckReceived:
    ack_id: int
    ack: Ack
    t: float


@dataclass(frozen=True, slots=True)
class SidebetRequested:
    """An outgoing ``requestSidebet`` the page sent (sniffed): proof of a click reaching the socket."""

    ack_id: int | None
    amount_lamports: int
    coin: str
    t: float


@dataclass(frozen=True, slots=True)
class MaintenanceNotice:
    active: bool
    message: str
    t: float


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """Undecodable frame, invalid payload or unknown event: counted; logged once per kind."""

    # "undecodable" | "invalid" | "unknown" | "duplicate" | "out-of-order" | "dropped" (a frame that changed
    # nothing: bot.game.round) | "internal" (a tracker bug caught by its last-resort guard)
    kind: str
    detail: str
    t: float


Signal = (
    FeedConnected
    | TickAdvanced
    | PhaseChanged
    | GameStarted
    | GameRugged
    | HistoryReceived
    | OwnBetPlaced
    | OwnBetSettled
    | AccountUpdated
    | AckReceived
    | SidebetRequested
    | MaintenanceNotice
    | FeedProblem
)
