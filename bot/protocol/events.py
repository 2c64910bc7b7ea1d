"""Typed, tolerant models for the rugs.fun events (shared/protocol.md).

Every field is optional: the real feed drops fields (minimal cooldown frames, ``tradeCount`` missing on
~2 % of ticks) and adds new ones without notice, so missing and unknown keys are never errors. Heavy,
rarely-needed parts (``leaderboard``, ``gameHistory``, ``prices``) stay :class:`msgspec.Raw` and are parsed
on demand, which keeps a normal tick frame cheap and lets the 300 KB transition frames pass the decision
path without being parsed there.

A payload whose *known* fields have the wrong type becomes :class:`InvalidEvent` (counted, never fatal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import msgspec

from bot.protocol.frames import Packet
from bot.shorten import shorten

_ABSENT = msgspec.Raw(b"")  # a Raw field that was not in the payload


class _Model(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    pass


# ------------------------------------------------------------ shared pieces


class ProvablyFair(_Model):
    server_seed_hash: str | None = None
    server_seed: str | None = None
    version: str | None = None


class PartialPrices(_Model):
    start_tick: int | None = None
    end_tick: int | None = None
    values: dict[str, float] | None = None


class SidebetRecord(_Model):
    """One side-bet record: ``currentSidebet``, ``currentSidebetResult``, ``newSideBet``, ``globalSidebets[]``."""

    player_id: str | None = None
    game_id: str | None = None
    username: str | None = None
    price: float | None = None
    bet_amount: float | None = None
    x_payout: float | None = None
    coin_address: str | None = None
    start_tick: int | None = None
    end_tick: int | None = None
    tick_index: int | None = None
    timestamp: int | None = None
    type: str | None = None
    payout: float | None = None
    profit: float | None = None
    started_at_tick: int | None = None
    bonus_portion: float | None = None
    real_portion: float | None = None


class LeaderboardSideBet(_Model):
    started_at_tick: int | None = None
    game_id: str | None = None
    end: int | None = None
    bet_amount: float | None = None
    x_payout: float | None = None
    coin_address: str | None = None
    bonus_portion: float | None = None
    real_portion: float | None = None


class LeaderboardEntry(_Model):
    id: str | None = None
    username: str | None = None
    level: int | None = None
    pnl: float | None = None
    sidebet_pnl: float | None = None
    sidebet_active: bool | None = None
    side_bet: LeaderboardSideBet | None = None
    position_qty: float | None = None


class HistoryGame(_Model):
    """One entry of ``gameHistory``: a finished game with its revealed seed and everyone's side bets."""

    id: str | None = None
    timestamp: int | None = None
    prices: list[float] | None = None
    peak_multiplier: float | None = None
    rugged: bool | None = None
    game_version: str | None = None
    global_sidebets: list[SidebetRecord] | None = None
    provably_fair: ProvablyFair | None = None


_LEADERBOARD = msgspec.json.Decoder(list[LeaderboardEntry])
_HISTORY = msgspec.json.Decoder(list[HistoryGame])
_FLOATS = msgspec.json.Decoder(list[float])


def _lazy(raw: msgspec.Raw, decoder: msgspec.json.Decoder[Any]) -> Any:
    if len(raw) == 0 or memoryview(raw)[:4].tobytes() == b"null":
        return []
    return decoder.decode(raw)


# ------------------------------------------------------------ server → client


class GameStateUpdate(_Model):
    """The main feed frame. ``has_history`` is the cheap test for a heavy transition frame."""

    game_id: str | None = None
    active: bool | None = None
    rugged: bool | None = None
    price: float | None = None
    tick_count: int | None = None
    cooldown_timer: int | None = None
    cooldown_paused: bool | None = None
    pause_message: str | None = None
    allow_pre_round_buys: bool | None = None
    partial_prices: PartialPrices | None = None
    trade_count: int | None = None
    connected_players: int | None = None
    average_multiplier: float | None = None
    game_version: str | None = None
    provably_fair: ProvablyFair | None = None
    rugpool: msgspec.Raw = _ABSENT
    leaderboard: msgspec.Raw = _ABSENT
    game_history: msgspec.Raw = _ABSENT
    prices: msgspec.Raw = _ABSENT

    @property
    def has_history(self) -> bool:
        return len(self.game_history) > 4

    def leaderboard_entries(self) -> list[LeaderboardEntry]:
        """Parse the leaderboard on demand (raises msgspec errors on a malformed one; callers catch)."""
        return _lazy(self.leaderboard, _LEADERBOARD)

    def history_games(self) -> list[HistoryGame]:
        """Parse ``gameHistory`` on demand: the expensive part of a transition frame."""
        return _lazy(self.game_history, _HISTORY)

    def price_list(self) -> list[float]:
        return _lazy(self.prices, _FLOATS)


class HistoryOnly(_Model):
    """Just ``gameHistory`` of a ``gameStateUpdate`` whose other fields did not fit :class:`GameStateUpdate`
    (a drifted field must not hide the revealed games from the provably-fair audit)."""

    game_history: msgspec.Raw = _ABSENT


class Trade(_Model):
    id: str | None = None
    game_id: str | None = None
    player_id: str | None = None
    username: str | None = None
    level: int | None = None
    type: str | None = None
    price: float | None = None
    tick_index: int | None = None
    coin: str | None = None
    amount: float | None = None
    qty: float | None = None
    leverage: float | None = None
    bonus_portion: float | None = None
    real_portion: float | None = None


class PlayerUpdate(_Model):
    id: str | None = None
    cash: float | None = None
    bonus_balance: float | None = None
    position_qty: float | None = None
    sidebet_pnl: float | None = None
    side_bet: SidebetRecord | None = None
    sidebets: list[SidebetRecord] | None = None
    shitcoin_balances: dict[str, float] | None = None
    authenticated: bool | None = None


class CurrentSidebet(SidebetRecord):
    pass


class CurrentSidebetResult(SidebetRecord):
    pass


class NewSideBet(SidebetRecord):
    pass


class GameStatePlayerUpdate(_Model):
    game_id: str | None = None
    leaderboard_entry: LeaderboardEntry | None = None
    rugpool: msgspec.Raw = _ABSENT


class UsernameStatus(_Model):
    id: str | None = None
    has_username: bool | None = None
    username: str | None = None


class MaintenanceUpdate(_Model):
    active: bool | None = None
    message: str | None = None
    mega: bool | None = None


class SidebetRequest(_Model):
    """Client → server ``requestSidebet`` payload (what the page sends when the bet button is clicked)."""

    amount: float | None = None
    coin_address: str | None = None
    x_payout: float | None = None


class Authenticate(_Model):
    """Client → server ``authenticate`` payload; the real site sends only a trace header (cookie auth)."""

    public_key: str | None = None
    message: str | None = None
    signature: str | None = None


class Ack(_Model):
    """An ack body (``43<id>[{...}]``): ``success`` and ``message`` for requests such as ``requestSidebet``."""

    success: bool | None = None
    message: str | None = None
    sidebet: SidebetRecord | None = None
    error: str | None = None


# ------------------------------------------------------------ decode results


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """An event we have no model for: kept raw and counted, never fatal."""

    name: str
    payload: msgspec.Raw | None


@dataclass(frozen=True, slots=True)
class InvalidEvent:
    """A known event whose payload did not fit its model (wrong types, not an object)."""

    name: str
    error: str


EVENT_MODELS: Mapping[str, type[_Model]] = MappingProxyType(
    {
        "gameStateUpdate": GameStateUpdate,
        "standard/newTrade": Trade,
        "newTrade": Trade,
        "playerUpdate": PlayerUpdate,
        "currentSidebet": CurrentSidebet,
        "currentSidebetResult": CurrentSidebetResult,
        "newSideBet": NewSideBet,
        "gameStatePlayerUpdate": GameStatePlayerUpdate,
        "usernameStatus": UsernameStatus,
        "maintenanceUpdate": MaintenanceUpdate,
        "requestSidebet": SidebetRequest,
        "authenticate": Authenticate,
    }
)

_DECODERS: Mapping[str, msgspec.json.Decoder[Any]] = MappingProxyType(
    {name: msgspec.json.Decoder(model) for name, model in EVENT_MODELS.items()}
)
_ACK = msgspec.json.Decoder(Ack)

Event = (
    GameStateUpdate
    | Trade
    | PlayerUpdate
    | CurrentSidebet
    | CurrentSidebetResult
    | NewSideBet
    | GameStatePlayerUpdate
    | UsernameStatus
    | MaintenanceUpdate
    | SidebetRequest
    | Authenticate
)


def decode_event(packet: Packet) -> Event | UnknownEvent | InvalidEvent:
    """Typed payload of an event packet. Never raises.

    A traced event whose payload was stripped (the shared CDP capture keeps only the trace header)
    decodes to an empty model: all fields ``None``.
    """
    name = packet.name or ""
    decoder = _DECODERS.get(name)
    payload = packet.payload
    if decoder is None:
        return UnknownEvent(name, payload)
    if payload is None:
        return EVENT_MODELS[name]()  # type: ignore[return-value]
    try:
        return decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return InvalidEvent(name, shorten(str(exc), 200))
    except RecursionError:
        return InvalidEvent(name, "too deeply nested")


def decode_ack(packet: Packet) -> Ack | InvalidEvent:
    """The first argument of an ack, as :class:`Ack`. Never raises."""
    if not packet.args:
        return Ack()
    try:
        return _ACK.decode(packet.args[0])
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return InvalidEvent("ack", shorten(str(exc), 200))
    except RecursionError:
        return InvalidEvent("ack", "too deeply nested")
