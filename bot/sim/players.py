"""The crowd: simulated players who trade and side-bet, so the feed looks like the real one.

A bot must cope with a busy leaderboard, other people's side bets in ``leaderboard[].sideBet`` and
``gameHistory[].globalSidebets``, and a stream of traced ``standard/newTrade`` events; an empty simulator
would hide parser and performance problems. The behaviour is deliberately simple and cheap (a few
random draws per player per tick); key sets and orders are copied from the real Feb 2026 samples.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.game.rules import PAYOUT_MULTIPLIER, WINDOW_TICKS, Outcome, Window, settle
from bot.money import SOL_MINT

__all__ = ["Crowd", "SimPlayer", "sidebet_payout_record", "sidebet_placed_record"]

_CHAT = (
    "gm",
    "rug incoming",
    "sidebet hit!",
    "nice 2x",
    "lol",
    "wen moon",
    "rip",
    "who else is in",
    "send it",
    "that was fast",
)
CHAT_RATE = 0.03  # per tick: the Dec 2025 capture shows ~0.12 chat messages a second
_BET_SIZES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(slots=True)
class CrowdBet:
    window: Window
    amount: float
    game_id: str
    timestamp: int
    coin: str = SOL_MINT


@dataclass(slots=True)
class SimPlayer:
    id: str
    username: str
    level: int
    side_bettor: bool
    trade_rate: float  # probability of a trade per tick
    pnl: float = 0.0
    sidebet_pnl: float = 0.0
    invested: float = 0.0
    qty: float = 0.0
    bet: CrowdBet | None = None
    traded: bool = False


def sidebet_placed_record(
    *,
    player_id: str,
    username: str,
    game_id: str,
    amount: float,
    coin: str,
    start_tick: int,
    timestamp: int,
    rec_id: str,
) -> dict[str, Any]:
    """A ``globalSidebets`` "placed" record (real key order)."""
    return {
        "playerId": player_id,
        "username": username,
        "gameId": game_id,
        "betAmount": amount,
        "xPayout": 5,
        "coinAddress": coin,
        "bonusPortion": 0,
        "realPortion": amount,
        "timestamp": timestamp,
        "type": "placed",
        "startedAtTick": start_tick,
        "end": start_tick + WINDOW_TICKS,
        "id": rec_id,
    }


def sidebet_payout_record(
    *,
    player_id: str,
    username: str,
    level: int,
    game_id: str,
    amount: float,
    coin: str,
    window: Window,
    won: bool,
    tick_index: int,
    price: float,
    timestamp: int,
    rec_id: str,
) -> dict[str, Any]:
    """A ``globalSidebets`` "payout" record: win → tickIndex is the rug tick; loss → tickIndex = startTick."""
    payout = round(amount * PAYOUT_MULTIPLIER, 9) if won else 0
    rec: dict[str, Any] = {
        "playerId": player_id,
        "gameId": game_id,
        "username": username,
        "level": level,
        "betAmount": amount,
        "payout": payout,
        "profit": round(payout - amount, 9),
        "xPayout": 5,
        "coinAddress": coin,
        "endTick": window.end_tick,
        "startTick": window.start_tick,
        "tickIndex": tick_index if won else window.start_tick,
    }
    if won:
        rec["price"] = price
    rec.update({"timestamp": timestamp, "type": "payout", "id": rec_id})
    return rec


@dataclass(slots=True)
class Crowd:
    """All simulated players. ``rng`` is the simulator's own (seeded) generator, never the provably-fair one."""

    rng: random.Random
    size: int = 24
    players: list[SimPlayer] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = self.rng
        for _ in range(self.size):
            hexid = f"{rng.getrandbits(64):016x}"
            self.players.append(
                SimPlayer(
                    id=f"did:sim:{hexid}",
                    username=f"sim_{hexid[:8]}",
                    level=rng.randint(0, 70),
                    side_bettor=rng.random() < 0.6,
                    trade_rate=rng.uniform(0.002, 0.008),
                )
            )

    def new_game(self) -> None:
        for p in self.players:
            p.pnl = p.sidebet_pnl = p.invested = p.qty = 0.0
            p.bet = None
            p.traded = False

    def on_tick(
        self, game_id: str, tick: int, price: float, now_ms: int, global_sidebets: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Advance the crowd by one tick: settle lost side bets, place new ones; return the trades made."""
        rng = self.rng
        trades: list[dict[str, Any]] = []
        for p in self.players:
            if p.bet is not None and settle(p.bet.window, rug_tick=None, current_tick=tick) is Outcome.LOST:
                self._settle(
                    p, game_id, won=False, tick=tick, price=price, now_ms=now_ms, out=global_sidebets
                )
            if p.side_bettor and p.bet is None and rng.random() < 0.08:
                amount = rng.choice(_BET_SIZES)
                p.bet = CrowdBet(Window.starting_at(tick), amount, game_id, now_ms)
                global_sidebets.append(
                    sidebet_placed_record(
                        player_id=p.id,
                        username=p.username,
                        game_id=game_id,
                        amount=amount,
                        coin=SOL_MINT,
                        start_tick=tick,
                        timestamp=now_ms,
                        rec_id=new_uuid(rng),
                    )
                )
            if rng.random() < p.trade_rate:
                trades.append(self._trade(p, game_id, tick, price))
            if p.qty:
                p.pnl = p.qty * price - p.invested + p.sidebet_pnl
        return trades

    def on_rug(
        self, game_id: str, rug_tick: int, price: float, now_ms: int, global_sidebets: list[dict[str, Any]]
    ) -> None:
        for p in self.players:
            if p.bet is not None:
                won = settle(p.bet.window, rug_tick=rug_tick, current_tick=rug_tick) is Outcome.WON
                self._settle(
                    p, game_id, won=won, tick=rug_tick, price=price, now_ms=now_ms, out=global_sidebets
                )
            if p.qty:  # positions are wiped out by the rug
                p.pnl = -p.invested + p.sidebet_pnl
                p.qty = 0.0

    def _settle(
        self,
        p: SimPlayer,
        game_id: str,
        *,
        won: bool,
        tick: int,
        price: float,
        now_ms: int,
        out: list[dict[str, Any]],
    ) -> None:
        bet = p.bet
        assert bet is not None
        out.append(
            sidebet_payout_record(
                player_id=p.id,
                username=p.username,
                level=p.level,
                game_id=game_id,
                amount=bet.amount,
                coin=SOL_MINT,
                window=bet.window,
                won=won,
                tick_index=tick,
                price=price,
                timestamp=now_ms,
                rec_id=new_uuid(self.rng),
            )
        )
        p.sidebet_pnl += bet.amount * 4 if won else -bet.amount
        p.pnl += bet.amount * 4 if won else -bet.amount
        p.bet = None

    def _trade(self, p: SimPlayer, game_id: str, tick: int, price: float) -> dict[str, Any]:
        rng = self.rng
        p.traded = True
        if p.qty > 0 and rng.random() < 0.5:
            qty = round(p.qty, 9)
            amount = round(qty * price, 9)
            p.invested -= amount
            p.qty = 0.0
            return {
                "id": new_uuid(rng),
                "gameId": game_id,
                "playerId": p.id,
                "type": "sell",
                "price": price,
                "tickIndex": tick,
                "coin": "solana",
                "amount": amount,
                "qty": qty,
                "bonusPortion": 0,
                "realPortion": amount,
                "username": p.username,
                "level": p.level,
            }
        amount = rng.choice(_BET_SIZES)
        qty = round(amount / price, 9) if price > 0 else 0.0
        p.qty += qty
        p.invested += amount
        return {
            "id": new_uuid(rng),
            "gameId": game_id,
            "playerId": p.id,
            "price": price,
            "type": "buy",
            "qty": qty,
            "tickIndex": tick,
            "coin": "solana",
            "amount": amount,
            "bonusPortion": 0,
            "realPortion": amount,
            "username": p.username,
            "level": p.level,
        }

    def maybe_chat(self, now_ms: int) -> dict[str, Any] | None:
        """A ``newChatMessage`` payload now and then (real key order), so bots meet side events too."""
        rng = self.rng
        if not self.players or rng.random() >= CHAT_RATE:
            return None
        p = rng.choice(self.players)
        return {
            "playerId": p.id,
            "username": p.username,
            "level": p.level,
            "message": rng.choice(_CHAT),
            "timestamp": now_ms,
            "filtered": False,
            "role": None,
            "tag": None,
            "verified": True,
            "discordUsername": None,
            "replyTo": None,
        }

    def leaderboard(self, *, full: bool = True, extra: Sequence[SimPlayer] = ()) -> list[dict[str, Any]]:
        """Top 10 by pnl, real key order; ``full=False`` is the shorter presale entry shape.

        ``extra``: logged-in accounts with an open side bet, ranked with the crowd as the real board does."""
        active = [p for p in self.players if p.traded or p.bet is not None or p.sidebet_pnl]
        active.extend(extra)
        active.sort(key=lambda p: p.pnl, reverse=True)
        out: list[dict[str, Any]] = []
        for pos, p in enumerate(active[:10], start=1):
            side = None
            if p.bet is not None:
                side = {
                    "startedAtTick": p.bet.window.start_tick,
                    "gameId": p.bet.game_id,
                    "end": p.bet.window.end_tick,
                    "betAmount": p.bet.amount,
                    "xPayout": 5,
                    "coinAddress": p.bet.coin,
                    "bonusPortion": 0,
                    "realPortion": p.bet.amount,
                }
            pct = (p.pnl / p.invested * 100) if p.invested > 0 else 0
            if full:
                out.append(
                    {
                        "id": p.id,
                        "username": p.username,
                        "level": p.level,
                        "pnl": p.pnl,
                        "regularPnl": p.pnl - p.sidebet_pnl,
                        "sidebetPnl": p.sidebet_pnl,
                        "shortPnl": 0,
                        "sidebetActive": True if side else None,
                        "sideBet": side,
                        "shortPosition": None,
                        "pnlPercent": pct,
                        "hasActiveTrades": True,
                        "positionQty": p.qty,
                        "avgCost": 0,
                        "totalInvested": p.invested,
                        "selectedCoin": None,
                        "position": pos,
                    }
                )
            else:
                out.append(
                    {
                        "id": p.id,
                        "username": p.username,
                        "level": p.level,
                        "pnl": p.pnl,
                        "pnlPercent": pct,
                        "sidebetActive": True if side else None,
                        "sideBet": side,
                        "shortPosition": None,
                        "hasActiveTrades": True,
                        "positionQty": p.qty,
                        "avgCost": 0,
                        "totalInvested": p.invested,
                        "selectedCoin": None,
                        "position": pos,
                    }
                )
        return out
