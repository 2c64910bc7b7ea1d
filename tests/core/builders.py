"""Small builders for realistic frames (shapes copied from the real captures), for table-driven tests."""

from __future__ import annotations

import json
from typing import Any

TRACE = {"__trace": True, "traceparent": "00-1c995641e009e87229031ee3bdd317cb-f49b235078490b89-01"}
G1 = "20251212-aaaaaaaaaaaaaaaa"
G2 = "20251212-bbbbbbbbbbbbbbbb"
G3 = "20251212-cccccccccccccccc"


def event(name: str, *args: Any, ack_id: int | None = None) -> str:
    return "42" + ("" if ack_id is None else str(ack_id)) + json.dumps([name, *args], separators=(",", ":"))


def price_at(tick: int) -> float:
    return round(1.0 + 0.01 * tick, 6)


def active(
    game: str,
    tick: int,
    *,
    price: float | None = None,
    window: int = 5,
    rugged: bool = False,
    skip_pp: bool = False,
    **extra: Any,
) -> str:
    """An ACTIVE (or, with rugged=True, the rug) gameStateUpdate with partialPrices of the last ``window`` ticks."""
    p = price_at(tick) if price is None else price
    start = max(0, tick - window + 1)
    values = {str(k): price_at(k) for k in range(start, tick + 1)}
    values[str(tick)] = p
    body: dict[str, Any] = {
        "active": True,
        "price": p,
        "rugged": rugged,
        "tickCount": tick,
        "cooldownTimer": 0,
        "cooldownPaused": False,
        "allowPreRoundBuys": False,
        "gameId": game,
        "provablyFair": {"serverSeedHash": "ab" * 32, "version": "v3"},
    }
    if not skip_pp:
        body["partialPrices"] = {"startTick": start, "endTick": tick, "values": values}
    body.update(extra)
    return event("gameStateUpdate", body)


def rug(
    game: str, tick: int, *, price: float = 0.005, tick_count: int | None = None, history: bool = False
) -> str:
    """The rug frame (active still true, rugged true); ``tick_count`` > tick mimics the post-rug frame."""
    values = {str(k): price_at(k) for k in range(max(0, tick - 4), tick)}
    values[str(tick)] = price
    body: dict[str, Any] = {
        "active": True,
        "price": price,
        "rugged": True,
        "tickCount": tick if tick_count is None else tick_count,
        "cooldownTimer": 0,
        "allowPreRoundBuys": False,
        "gameId": game,
        "partialPrices": {"startTick": max(0, tick - 4), "endTick": tick, "values": values},
    }
    if history:
        body["gameHistory"] = [{"id": game, "prices": [1.0, price], "rugged": True}]
    return event("gameStateUpdate", body)


def cooldown(game: str, timer: int, *, history: bool = False, paused: bool = False) -> str:
    """Minimal cooldown frame (the fields real minimal frames carry)."""
    body: dict[str, Any] = {
        "gameId": game,
        "cooldownTimer": timer,
        "cooldownPaused": paused,
        "allowPreRoundBuys": timer <= 10000,
        "leaderboard": [],
        "connectedPlayers": 100,
        "provablyFair": {"serverSeedHash": "cd" * 32, "version": "v3"},
    }
    if history:
        body["gameHistory"] = [{"id": "20251212-0000000000000000", "prices": [1.0, 0.01]}]
    return event("gameStateUpdate", body)


def presale(game: str, timer: int = 10000) -> str:
    return event(
        "gameStateUpdate",
        {
            "active": False,
            "price": 1,
            "rugged": False,
            "tickCount": 0,
            "cooldownTimer": timer,
            "allowPreRoundBuys": True,
            "gameId": game,
            "partialPrices": {"startTick": 0, "endTick": 0, "values": {"0": 1}},
        },
    )
