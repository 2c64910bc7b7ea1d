"""Recordings in the May 2025 wire format, built from the shape in issue 16 (values invented, games real).

The shape (shared/protocol.md, "Other eras of the wire"; third-party sniffer logs of May 2025):

    gameStateUpdate  A, tickCount r, active:false, rugged:true, cooldownTimer 15000     (A's rug, no +1)
    gameStateUpdate  B, tickCount r, active:false, rugged:true, cooldownTimer 14700     (B's cooldown)
    ...              B, same repeated rug until presale
    gameStateUpdate  B, active:false, rugged:false, allowPreRoundBuys:true, cooldownTimer 10000
    gameStateUpdate  B, tickCount 0, active:true, rugged:false
    gameStateUpdate  B, tickCount 1, active:true, rugged:false

Every game is a provably-fair game of :mod:`bot.fair.generator` (seed + game id → prices, rug loop index r);
on this wire the rug frame is tick r itself, so the revealed ``gameHistory`` entry holds the r prices shown
plus the rug price (``len(prices) == r + 1``). The reveal of a game comes on the next game's first cooldown
frame, with two side bets of other players settled on rug tick r (one won, one lost).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.fair.generator import generate_prices, make_rug_price, seed_hash

VERSION = "v3"
DAY = "20250515"
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "eras" / "may2025.frames.jsonl.gz"


@dataclass(frozen=True, slots=True)
class MayGame:
    game_id: str
    seed: str
    prices: list[float]  # the generator's prices 0..r
    rug_index: int  # r: also the wire's rug tick in this era
    rug_price: float

    @property
    def shown(self) -> list[float]:
        """What the wire showed, tick by tick: the generator's prices 0..r-1, then the rug price at tick r."""
        return [*self.prices[: self.rug_index], self.rug_price]


def games(n: int, *, lo: int = 30, hi: int = 160) -> list[MayGame]:
    """The first ``n`` generated games (deterministic seeds) that rug between loop index ``lo`` and ``hi``."""
    out: list[MayGame] = []
    k = 0
    while len(out) < n:
        seed = hashlib.sha256(f"may2025-{k}".encode()).hexdigest()
        gid = f"{DAY}-{hashlib.sha256(seed.encode()).hexdigest()[:16]}"
        k += 1
        gen = generate_prices(seed, gid, VERSION)
        if lo <= gen.rug_index <= hi:
            rug = make_rug_price(random.Random(seed).random, gen.prices[gen.rug_index - 1])
            out.append(MayGame(gid, seed, list(gen.prices), gen.rug_index, rug))
    return out


def _gsu(payload: dict[str, Any]) -> str:
    return "42" + json.dumps(["gameStateUpdate", payload], separators=(",", ":"))


def history_entry(g: MayGame) -> dict[str, Any]:
    r = g.rug_index
    won_start, lost_start = r - 30, max(0, r - 70)
    bets = [
        {
            "playerId": "did:anon:w",
            "gameId": g.game_id,
            "type": "placed",
            "betAmount": 0.01,
            "startTick": won_start,
        },
        {
            "playerId": "did:anon:w",
            "gameId": g.game_id,
            "type": "payout",
            "betAmount": 0.01,
            "payout": 0.05,
            "startTick": won_start,
            "endTick": won_start + 40,
            "tickIndex": r,
            "xPayout": 5,
        },
    ]
    if lost_start + 40 < r:
        bets += [
            {
                "playerId": "did:anon:l",
                "gameId": g.game_id,
                "type": "payout",
                "betAmount": 0.002,
                "payout": 0,
                "startTick": lost_start,
                "endTick": lost_start + 40,
                "tickIndex": lost_start,
                "xPayout": 5,
            }
        ]
    return {
        "id": g.game_id,
        "prices": g.shown,
        "peakMultiplier": max(g.shown),
        "rugged": True,
        "gameVersion": VERSION,
        "globalSidebets": bets,
        "provablyFair": {"serverSeed": g.seed, "serverSeedHash": seed_hash(g.seed)},
    }


def frames(played: list[MayGame], *, t0: float = 1747300000.0) -> list[dict[str, Any]]:
    """Recording lines ``{"t", "dir", "frame"}`` for ``played`` in order, then the cooldown of one more game
    (so the last game is revealed too)."""
    lines: list[dict[str, Any]] = []
    t = t0

    def put(payload: dict[str, Any], dt: float) -> None:
        nonlocal t
        lines.append({"t": round(t, 3), "dir": "in", "frame": _gsu(payload)})
        t += dt

    nxt = games(len(played) + 1)[-1]
    revealed: list[dict[str, Any]] = []
    prev: MayGame | None = None
    for g in [*played, nxt]:
        pf = {"serverSeedHash": seed_hash(g.seed), "version": VERSION}
        for k, timer in enumerate(range(14700, 10000, -500)):
            cooldown: dict[str, Any] = {
                "gameId": g.game_id,
                "cooldownTimer": timer,
                "active": False,
                "provablyFair": pf,
            }
            if prev is not None:  # the next game's id, the previous game's rug repeated
                cooldown.update(rugged=True, tickCount=prev.rug_index, price=prev.rug_price)
            else:
                cooldown.update(rugged=False, tickCount=0, price=1)
            if k == 0 and prev is not None:
                revealed.insert(0, history_entry(prev))
                cooldown["gameHistory"] = revealed[:10]
            put(cooldown, 0.5)
        if g is nxt:
            break
        for timer in range(10000, -1, -2500):
            put(
                {
                    "gameId": g.game_id,
                    "cooldownTimer": timer,
                    "active": False,
                    "rugged": False,
                    "allowPreRoundBuys": True,
                    "tickCount": 0,
                    "price": 1,
                    "provablyFair": pf,
                },
                2.5 if timer else 0.25,
            )
        r = g.rug_index
        for tick in range(r + 1):
            low = max(0, tick - 4)
            values = {str(k): g.shown[k] for k in range(low, tick + 1)}
            frame: dict[str, Any] = {
                "gameId": g.game_id,
                "tickCount": tick,
                "price": g.shown[tick],
                "active": tick < r,
                "rugged": tick == r,
                "cooldownTimer": 15000 if tick == r else 0,
                "allowPreRoundBuys": False,
                "partialPrices": {"startTick": low, "endTick": tick, "values": values},
                "provablyFair": pf,
            }
            put(frame, 0.25 if tick < r else 0.3)
        prev = g
    return lines


def write(path: Path, played: list[MayGame]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in frames(played))
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    return path


if __name__ == "__main__":  # regenerate the committed fixture: python -m tests.fair.may2025
    print(write(FIXTURE, games(4)))
