"""Values read off ``gameStateUpdate`` frames the same way everywhere: finite prices, partialPrices keys and
the rug tick a rugged frame shows."""

from __future__ import annotations

from bot.protocol.events import GameStateUpdate

__all__ = ["finite", "price_or", "rug_tick_of_rugged_frame", "tick_key"]


def finite(x: float | None) -> bool:
    return x is not None and x == x and abs(x) != float("inf")


def tick_key(key: str) -> int | None:
    """partialPrices keys are decimal tick numbers as strings; anything else is ignored."""
    if 0 < len(key) <= 9 and key.isascii() and key.isdigit():
        return int(key)
    return None


def rug_tick_of_rugged_frame(ev: GameStateUpdate, fallback: int) -> tuple[int, float | None]:
    """(rug tick, rug price) a rugged frame shows.

    A later rugged frame (the post-rug ``gameHistory`` frame says tickCount 231 for a game that rugged at
    229, real capture 2025-12-12) counts only to its ``partialPrices.endTick``. The price is the one
    ``partialPrices`` gives for that tick, else the frame's price (post-rug frames repeat the rug price).
    """
    tick = ev.tick_count if ev.tick_count is not None and ev.tick_count >= 0 else fallback
    pp = ev.partial_prices
    if pp is not None and pp.end_tick is not None and 0 <= pp.end_tick < tick:
        tick = pp.end_tick
    price = ev.price if finite(ev.price) else None
    if pp is not None and pp.values:
        v = pp.values.get(str(tick))
        if v is not None and finite(v):
            price = v
    return tick, price


def price_or(x: float | None, default: float) -> float:
    return x if x is not None and finite(x) else default
