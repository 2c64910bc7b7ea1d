"""The ``gameStateUpdate`` payloads of the round cycle, in the real key orders (Dec 2025 / Feb 2026 captures).

:class:`StateFrames` builds them from the game loop's state; :class:`bot.sim.game.GameLoop` inherits it so
``loop.state_frame()`` and friends read the loop's own fields. Nothing here advances the game.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import Any

from bot.money import PRACTICE_COIN
from bot.protocol.frames import trace_header as with_traceparent
from bot.sim.accounts import Accounts
from bot.sim.config import SimConfig
from bot.sim.players import Crowd
from bot.sim.rounds import VERSION, CurrentGame, GameRecord
from bot.sim.timing import PRESALE_MS

__all__ = ["Out", "StateFrames", "trace_header"]

_SHITCOINS = [
    {"address": PRACTICE_COIN, "ticker": "FREE", "name": "Practice SOL", "max_bet": 10000, "max_win": 100000}
]
_RUG_ROYALE: dict[str, Any] = {
    "status": "INACTIVE",
    "activeEventId": None,
    "currentEvent": None,
    "upcomingEvents": [],
    "events": [],
}


@dataclass(frozen=True, slots=True)
class Out:
    """One event to send: ``to`` is a player id for private events, ``None`` to broadcast."""

    event: str
    args: tuple[Any, ...]
    to: str | None = None


def trace_header(rng: random.Random) -> dict[str, object]:
    """A random OpenTelemetry-style header like the real traced events carry as their first argument."""
    return with_traceparent(f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01")


class StateFrames:
    """Frame builders over the loop's state (the attributes below are the game loop's)."""

    config: SimConfig
    accounts: Accounts
    crowd: Crowd
    current: CurrentGame
    history: deque[GameRecord]
    finished: list[GameRecord]
    phase: str
    tick: int
    price: float
    cooldown_ms: int
    paused: bool
    pause_message: str
    rug_price: float | None
    connected_players: int

    def _pf(self) -> dict[str, Any]:
        # the hash is out from here on: a chosen rug can no longer be drawn fairly for this game
        self.current.announced = True
        return {"serverSeedHash": self.current.hash, "version": VERSION}

    def _partial(self, tick: int) -> dict[str, Any]:
        prices = self._wire_prices()
        lo = max(0, tick - 4)
        return {"startTick": lo, "endTick": tick, "values": {str(k): prices[k] for k in range(lo, tick + 1)}}

    def _wire_prices(self) -> list[float]:
        prices = self.current.gen.prices
        if self.rug_price is not None:
            return [*prices, self.rug_price]
        return prices

    def _stats(self) -> dict[str, Any]:
        peaks = [g.peak for g in self.finished] or [1.0]
        return {
            "averageMultiplier": sum(peaks) / len(peaks),
            "count2x": sum(p >= 2 for p in peaks),
            "count10x": sum(p >= 10 for p in peaks),
            "count50x": sum(p >= 50 for p in peaks),
            "count100x": sum(p >= 100 for p in peaks),
        }

    def _rugpool(self) -> dict[str, Any]:
        return {"instarugCount": len(self.finished) % 10, "threshold": 10, "rugpoolAmount": 4.25}

    def _board(self, *, full: bool = True) -> list[dict[str, Any]]:
        return self.crowd.leaderboard(full=full, extra=self.accounts.board_entries())

    def minimal_cooldown(self) -> dict[str, Any]:
        return {
            "gameId": self.current.id,
            "cooldownTimer": self.cooldown_ms,
            "cooldownPaused": self.paused,
            "allowPreRoundBuys": self.cooldown_ms <= PRESALE_MS,
            "leaderboard": self._board(),
            "connectedPlayers": self.connected_players,
            "provablyFair": self._pf(),
        }

    def state_frame(self, *, sparse: bool = False) -> dict[str, Any]:
        """The 21-key frame of presale transitions, active ticks and the rug (real key order)."""
        frame: dict[str, Any] = {
            "active": self.phase in ("ACTIVE", "RUGGED"),
            "price": self.price,
            "partialPrices": self._partial(self.tick),
        }
        if not sparse:
            frame["tradeCount"] = self.current.trade_count
        frame.update(
            {
                "rugged": self.phase == "RUGGED",
                "tickCount": self.tick,
                "cooldownTimer": self.cooldown_ms if self.phase in ("COOLDOWN", "PRESALE") else 0,
                "cooldownPaused": self.paused,
                "pauseMessage": self.pause_message,
                "allowPreRoundBuys": self.phase == "PRESALE",
            }
        )
        frame.update(self._stats())
        frame.update(
            {
                "leaderboard": self._board(full=self.phase != "PRESALE"),
                "gameId": self.current.id,
                "connectedPlayers": self.connected_players,
            }
        )
        if not sparse:
            frame["rugpool"] = self._rugpool()
        frame.update({"rugRoyale": _RUG_ROYALE, "provablyFair": self._pf()})
        return frame

    def start_frame(self) -> dict[str, Any]:
        return {
            "active": True,
            "price": 1.0,
            "rugged": False,
            "tickCount": 0,
            "cooldownTimer": 0,
            "cooldownPaused": False,
            "pauseMessage": "",
            "allowPreRoundBuys": False,
            "leaderboard": [],
            "gameId": self.current.id,
            "connectedPlayers": self.connected_players,
            "gameVersion": VERSION,
            "partialPrices": {"startTick": 0, "endTick": 0, "values": {"0": 1.0}},
            "provablyFair": self._pf(),
        }

    def history_frame(self, *, on_connect: bool = False) -> dict[str, Any]:
        """A heavy transition frame: ``gameHistory`` (newest first), records of the day, then the state.

        On connect it carries ``prices`` (the running game so far) instead of ``partialPrices``.
        """
        frame: dict[str, Any] = {"gameHistory": [g.history_entry() for g in reversed(self.history)]}
        frame.update(self._stats())
        best = max(self.finished, key=lambda g: g.peak, default=None)
        frame.update(
            {
                "highestToday": best.peak if best else None,
                "highestTodayTimestamp": best.timestamp_ms if best else None,
                "highestTodayPrices": best.prices if best else None,
            }
        )
        for level in ("2x", "10x", "50x"):
            frame.update(
                {
                    f"godCandle{level}": None,
                    f"godCandle{level}Timestamp": None,
                    f"godCandle{level}Prices": None,
                    f"godCandle{level}MassiveJump": None,
                }
            )
        active = self.phase in ("ACTIVE", "RUGGED")
        frame.update(
            {
                "availableShitcoins": _SHITCOINS,
                "active": active,
                "price": self.price,
                "rugged": self.phase == "RUGGED",
                "tickCount": self.tick,
                "cooldownTimer": 0 if active else self.cooldown_ms,
                "cooldownPaused": self.paused,
                "pauseMessage": self.pause_message,
                "allowPreRoundBuys": self.phase == "PRESALE",
                "leaderboard": self._board(),
                "gameId": self.current.id,
                "connectedPlayers": self.connected_players,
                "gameVersion": VERSION,
            }
        )
        if on_connect:
            frame["prices"] = self._wire_prices()[: self.tick + 1] if active else []
        else:
            frame["partialPrices"] = self._partial(self.tick)
        frame["provablyFair"] = self._pf()
        return frame

    def player_rugpool(self) -> dict[str, Any]:
        """The detailed rugpool of ``gameStatePlayerUpdate`` (real key order; values are the crowd's)."""
        base = self._rugpool()
        players = self.crowd.players[:10]
        counts = [100 * (i + 1) for i in range(len(players))]
        total = sum(counts) or 1
        entries = [
            {"playerId": p.id, "entries": n, "username": p.username, "percentage": 100 * n / total}
            for p, n in zip(players, counts, strict=True)
        ]
        return {
            "instarugCount": base["instarugCount"],
            "rugpoolAmount": base["rugpoolAmount"],
            "totalEntries": total,
            "threshold": base["threshold"],
            "playersWithEntries": len(entries),
            "solPerEntry": 0.001,
            "maxEntriesPerPlayer": 5000,
            "playerEntries": entries,
            "lastDrawing": None,
            "config": {"threshold": 10, "instarugThreshold": 6, "rugpoolPercentage": 0.5},
        }
