"""Generated games: the third feed (next to the sniffer's socket and a recording), for Monte Carlo.

Why a second generator: the ARC4 generator (bot/fair/generator.py) is byte-exact but runs one Python draw at a
time; statistics over 10^5 games need the same *distribution*, not the same bytes. The rules are the v3 loop of
protocol.md: per loop index a rug check with p = ``RUG_HAZARD`` comes first (so the rug loop index is geometric),
then a god candle, a big ±15–25 % move or a small drift move (constants from bot/fair/generator.py). Rug at loop
index ``k`` ⇒ prices for wire ticks ``0..k`` and the rug frame on wire tick ``k + 1``: the **rug tick**.

Feed time (:class:`Timeline`): every game is preceded by a 15 s cooldown and its ticks are exactly
``NOMINAL_TICK_S`` apart; the rug frame comes on the rug tick's time and the next cooldown starts 1 s later.
All tick times are multiples of 0.25 s (exact in binary floating point), so the frames of
:func:`session_frames` and the exact Monte Carlo runner (bot/optimize/exact.py) see *equal* times — the daily
loss limit, the bets-per-hour pause and the loss-streak cooldown run on the same clock in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bot.fair.generator import BIG_MOVE_CHANCE, GOD_CANDLE_CHANCE, GOD_CANDLE_MAX_PRICE
from bot.game.rules import MAX_TICKS, NOMINAL_TICK_S, RUG_HAZARD

FEED_T0 = 1_765_000_000.0  # 2025-12-06 05:46:40 UTC: the first cooldown frame of a generated feed
COOLDOWN_S = 15.0  # cooldown before each game (the first frame shows timer 15000 ms)
AFTER_RUG_S = 1.0  # rug frame → next cooldown frame
RUG_PRICE = 0.01
# cooldown frames before tick 0: (timer ms, seconds before tick 0); presale opens at 10 s
_PRELUDE = ((15_000, 15.0), (10_000, 10.1), (5_000, 5.1), (100, 0.1))


# --------------------------------------------------------------------------- games


def rug_ticks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rug ticks of ``n`` games (int64): the rug loop index (geometric from 0, capped) plus one."""
    k = rng.geometric(RUG_HAZARD, size=n) - 1
    np.minimum(k, MAX_TICKS - 1, out=k)
    return (k + 1).astype(np.int64)


@dataclass(frozen=True, slots=True)
class PricedGames:
    """Games with their price paths, stored ragged: game ``g`` has prices for ticks ``0..rug[g]-1``."""

    rug: np.ndarray  # rug tick per game (int64)
    offsets: np.ndarray  # start of game g in ``prices``
    prices: np.ndarray  # float64, concatenated paths

    def __len__(self) -> int:
        return int(self.rug.size)

    def price(self, game: int, tick: int) -> float:
        return float(self.prices[self.offsets[game] + tick])

    def path(self, game: int) -> np.ndarray:
        start = int(self.offsets[game])
        return self.prices[start : start + int(self.rug[game])]


def priced_games(rng: np.random.Generator, n: int, version: str = "v3") -> PricedGames:
    """``n`` games: rug ticks, then price paths of those lengths, both from ``rng``."""
    return price_paths(rng, rug_ticks(rng, n), version)


def price_paths(rng: np.random.Generator, rug: np.ndarray, version: str = "v3") -> PricedGames:
    """Price paths for games whose rug ticks are known, tick by tick, vectorised across games.

    The rug check is drawn before the moves and independently of them, so paths may be drawn after the rug
    ticks without changing either distribution; the runners draw rug ticks first (all the vectorised path needs)
    and prices only for the sessions the exact runner plays. The draws are not consumed in ARC4 order, which
    changes bytes but not the distribution.
    """
    rug = np.asarray(rug, dtype=np.int64)
    n = rug.size
    order = np.argsort(-rug, kind="stable")  # games still running at tick k are a prefix of ``order``
    alive_at = np.searchsorted(-rug[order], -np.arange(int(rug.max(initial=0)) + 1), side="left")
    price = np.ones(n)  # in ``order``
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(rug[:-1], out=offsets[1:])
    prices = np.empty(int(rug.sum()))
    base = offsets[order]
    prices[base[: alive_at[0]]] = 1.0
    for tick in range(1, alive_at.size):
        m = int(alive_at[tick])  # games with rug > tick have a price on ``tick``
        if m == 0:
            break
        p = price[:m]
        u_god, u_big, u_mag, u_sign, u_vol = (rng.random(m) for _ in range(5))
        if version == "v3":
            god = (u_god < GOD_CANDLE_CHANCE) & (p <= GOD_CANDLE_MAX_PRICE)
        else:
            god = np.zeros(m, dtype=bool)
        big = ~god & (u_big < BIG_MOVE_CHANCE)
        small = ~god & ~big
        new = p.copy()
        new[god] *= 10.0
        mag = 0.15 + u_mag[big] * 0.10
        new[big] *= 1.0 + np.where(u_sign[big] > 0.5, mag, -mag)
        ps = p[small]
        drift = -0.02 + u_mag[small] * 0.05  # u_mag is unused on small moves
        vol = 0.005 * (np.minimum(10.0, np.sqrt(ps)) if version == "v3" else np.sqrt(ps))
        new[small] = ps * (1.0 + drift + vol * (2.0 * u_vol[small] - 1.0))
        price[:m] = np.maximum(new, 0.0)
        prices[base[:m] + tick] = price[:m]
    return PricedGames(rug=rug, offsets=offsets, prices=prices)


def game_id(index: int) -> str:
    """The id of generated game ``index`` (the real site's ``YYYYMMDD-<hex>`` shape)."""
    return f"20251201-{index:016x}"


# --------------------------------------------------------------------------- feed time


@dataclass(frozen=True, slots=True)
class Timeline:
    """Feed times of a run of generated games: ``tick0[g]`` is the receive time of game ``g``'s tick 0.

    Tick ``k`` of game ``g`` arrives at ``tick0[g] + k * tick_s``; its rug frame at ``tick0[g] + rug[g] * tick_s``.
    """

    tick0: np.ndarray  # float64 per game
    tick_s: float = NOMINAL_TICK_S

    @classmethod
    def of(cls, rug: np.ndarray, t0: float = FEED_T0, tick_s: float = NOMINAL_TICK_S) -> Timeline:
        """Games back to back from ``t0``: cooldown, ticks ``0..rug-1``, the rug frame, one second of silence."""
        rug = np.asarray(rug, dtype=np.int64)
        length = rug * tick_s + (AFTER_RUG_S + COOLDOWN_S)
        tick0 = np.empty(rug.size)
        if rug.size:
            tick0[0] = t0 + COOLDOWN_S
            np.cumsum(length[:-1], out=tick0[1:])
            tick0[1:] += tick0[0]
        return cls(tick0, tick_s)

    def tick_t(self, game: int, tick: int) -> float:
        return float(self.tick0[game]) + tick * self.tick_s

    def end(self, rug: np.ndarray) -> float:
        """Feed time just after the last game (the next game's first cooldown frame)."""
        if not len(self.tick0):
            return FEED_T0
        return float(self.tick0[-1]) + int(rug[-1]) * self.tick_s + AFTER_RUG_S


# --------------------------------------------------------------------------- frames


def session_frames(
    games: PricedGames, timeline: Timeline | None = None, *, first_game: int = 0
) -> Iterator[tuple[float, str, str]]:
    """The games as minimal ``gameStateUpdate`` frames with receive times, so the *whole* trading loop —
    tracker, model, decider, governor, paper broker, database — can run on Monte Carlo games. Slow (the loop
    per frame) but the reference the exact runner is tested against. ``first_game`` numbers the game ids."""
    from bot.protocol.frames import encode_event

    timeline = timeline or Timeline.of(games.rug)
    tick_s = timeline.tick_s

    def frame(gid: str, fair: dict[str, str], **fields: object) -> str:
        payload = {"gameId": gid, "cooldownTimer": 0, "allowPreRoundBuys": False, "provablyFair": fair}
        payload.update(fields)
        return encode_event("gameStateUpdate", payload)

    for g in range(len(games)):
        index = first_game + g
        gid = game_id(index)
        fair = {"serverSeedHash": f"{index:064x}", "version": "v3"}
        t0 = float(timeline.tick0[g])
        for timer, before in _PRELUDE:
            yield (
                t0 - before,
                "in",
                frame(
                    gid,
                    fair,
                    active=False,
                    rugged=False,
                    price=1.0,
                    tickCount=0,
                    cooldownTimer=timer,
                    allowPreRoundBuys=timer <= 10_000,
                ),
            )
        path = games.path(g).tolist()
        rug = int(games.rug[g])
        for tick in range(rug):
            yield (
                t0 + tick * tick_s,
                "in",
                frame(gid, fair, active=True, rugged=False, price=path[tick], tickCount=tick),
            )
        yield (
            t0 + rug * tick_s,
            "in",
            frame(gid, fair, active=True, rugged=True, price=RUG_PRICE, tickCount=rug),
        )
