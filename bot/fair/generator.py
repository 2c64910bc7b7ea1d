"""The rugs.fun provably-fair price generator, bit-exact with the server.

The server derives every game from ``seedrandom(serverSeed + "-" + gameId)`` (npm ``seedrandom``, default
ARC4 generator) and reveals the seed after the game. Reproducing it exactly lets us (a) audit every finished
game the feed shows us — a mismatch means the feed or the game is not what we think, which the governor
turns into a halt — and (b) run the simulator and Monte Carlo on the very process the real site uses.

Float arithmetic mirrors the JavaScript step for step (Python floats are IEEE doubles like JS numbers), so
the outputs are equal by ``==``, not approximately.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from bot.game.rules import MAX_TICKS, RUG_HAZARD

__all__ = [
    "MAX_TICKS",
    "RUG_CHANCE",
    "GeneratedGame",
    "SeedRandom",
    "generate_prices",
    "make_rug_price",
    "seed_hash",
    "seedrandom",
]

# seedrandom.js constants (width 256, chunks 6, digits 52).
_WIDTH = 256
_MASK = _WIDTH - 1
_CHUNKS = 6
_STARTDENOM = float(_WIDTH**_CHUNKS)  # 2**48
_SIGNIFICANCE = float(2**52)
_OVERFLOW = float(2**53)

# Game rules (shared/protocol.md); the hazard and the loop bound are the rules module's.
RUG_CHANCE = RUG_HAZARD
GOD_CANDLE_CHANCE = 0.00001
GOD_CANDLE_MAX_PRICE = 100.0
BIG_MOVE_CHANCE = 0.125
VERSIONS = ("v1", "v2", "v3")


def _mixkey(seed: str, key: list[int]) -> None:
    """seedrandom's ``mixkey``: fold the seed's UTF-16 code units into ``key`` with the ``smear`` mixing.

    In JS ``key[i]`` starts ``undefined`` so ``undefined * 19`` is NaN and ``smear ^= NaN`` leaves smear
    unchanged; treating a missing entry as 0 gives the same result. ``smear`` stays a small non-negative
    int (XOR of values < 2**13), so no int32 wrapping is needed.
    """
    units = seed.encode("utf-16-le", "surrogatepass")
    smear = 0
    for j in range(len(units) // 2):
        code = units[2 * j] | (units[2 * j + 1] << 8)
        slot = _MASK & j
        if slot < len(key):
            smear ^= key[slot] * 19
            key[slot] = _MASK & (smear + code)
        else:  # j < 256 here, so slot == len(key): append
            key.append(_MASK & (smear + code))


class SeedRandom:
    """``new Math.seedrandom(seed)`` for a string seed: ARC4 with the first 256 bytes dropped.

    Calling the instance returns the next double in [0, 1), identical to the npm package.
    """

    __slots__ = ("_i", "_j", "_s")

    def __init__(self, seed: str) -> None:
        key: list[int] = []
        _mixkey(seed, key)
        if not key:
            key = [0]
        keylen = len(key)
        s = list(range(_WIDTH))
        j = 0
        for i in range(_WIDTH):
            t = s[i]
            j = _MASK & (j + key[i % keylen] + t)
            s[i] = s[j]
            s[j] = t
        self._s = s
        self._i = 0
        self._j = 0
        self._bytes(_WIDTH)  # RC4-drop[256]

    def _bytes(self, count: int) -> int:
        """ARC4 ``g(count)``: the next ``count`` keystream bytes as one big-endian integer."""
        s = self._s
        i = self._i
        j = self._j
        r = 0
        for _ in range(count):
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            sj = s[j]
            s[i] = sj
            s[j] = t
            r = (r << 8) | s[(sj + t) & 255]
        self._i = i
        self._j = j
        return r

    def __call__(self) -> float:
        # Mirrors prng(): n from 6 bytes, then widen to >= 2**52 significant bits and trim below 2**53.
        # Every intermediate is an exact double, but keep the JS float operations to stay bit-identical.
        s = self._s
        i = self._i
        j = self._j
        n_int = 0
        for _ in range(_CHUNKS):
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            sj = s[j]
            s[i] = sj
            s[j] = t
            n_int = (n_int << 8) | s[(sj + t) & 255]
        n = float(n_int)
        d = _STARTDENOM
        x = 0
        while n < _SIGNIFICANCE:
            n = (n + x) * _WIDTH
            d *= _WIDTH
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            sj = s[j]
            s[i] = sj
            s[j] = t
            x = s[(sj + t) & 255]
        while n >= _OVERFLOW:
            n /= 2
            d /= 2
            x >>= 1
        self._i = i
        self._j = j
        return (n + x) / d


def seedrandom(seed: str) -> Callable[[], float]:
    """Functional spelling of :class:`SeedRandom` (``Math.seedrandom(seed)``)."""
    return SeedRandom(seed)


def seed_hash(server_seed: str) -> str:
    """``serverSeedHash`` as announced before the game: sha256 hex of the seed's UTF-8 bytes."""
    return hashlib.sha256(server_seed.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class GeneratedGame:
    """One game as the generator defines it.

    ``prices[k]`` is broadcast with ``tickCount k`` (``prices[0] == 1.0``); the rug happens at loop index
    ``rug_index``, so the wire shows one more tick, ``rug_tick = rug_index + 1``, carrying a rug
    price that is *not* from the generator. Hence ``len(prices) == rug_index + 1`` and a ``gameHistory``
    entry has ``rug_index + 2`` prices. ``peak`` is the highest generated price.
    """

    prices: list[float]
    rug_index: int
    rug_tick: int
    peak: float
    god_candles: int = 0


def generate_prices(
    server_seed: str, game_id: str, version: str = "v3", *, max_ticks: int = MAX_TICKS
) -> GeneratedGame:
    """Replay the server's price loop for one game.

    ``v3``: the god-candle draw is always consumed (even when the price is above 100). ``v1``: no god
    candles and an uncapped volatility ``0.005 * sqrt(price)``. ``v2``: the v3 loop without god candles
    (volatility capped at ``0.005 * 10``), as in the site's published verification code (``driftPrice`` with
    ``version = 'v2'``); no real v2 game was available to test it against, so v2 is checked by that code only.
    Unknown versions raise ``ValueError`` so a caller never "verifies" a game against the wrong rules.

    The v3 god-candle rule (x10, only at price <= 100) is confirmed by a real Feb 2026 game (22.48 → 224.85).
    A game that never rugs stops after ``MAX_TICKS`` with ``rug_index = MAX_TICKS`` (the published verifier
    stops there too; what the wire would show is unknown — p ≈ 1e-11). A smaller ``max_ticks`` stops early
    the same way: the simulator's search for a seed that rugs at a chosen tick needs only the first ticks.
    """
    if version not in VERSIONS:
        raise ValueError(f"unknown provably-fair version {version!r}")
    prng = SeedRandom(f"{server_seed}-{game_id}")
    god = version == "v3"
    capped = version != "v1"
    price = 1.0
    prices = [1.0]
    append = prices.append
    sqrt = math.sqrt
    god_candles = 0
    rug_index = max_ticks
    for tick in range(max_ticks):
        if prng() < RUG_CHANCE:
            rug_index = tick
            break
        if god and prng() < GOD_CANDLE_CHANCE and price <= GOD_CANDLE_MAX_PRICE:
            price *= 10
            god_candles += 1
        elif prng() < BIG_MOVE_CHANCE:
            move = 0.15 + prng() * 0.10
            price *= 1 + (move if prng() > 0.5 else -move)
        else:
            drift = -0.02 + prng() * 0.05
            root = sqrt(price)
            vol = 0.005 * (min(10, root) if capped else root)
            # The change is summed first, then added to 1: ``1 + drift + noise`` rounds differently and
            # drifts from the real games by one ulp within a few ticks.
            price *= 1 + (drift + vol * (2 * prng() - 1))
        if price < 0:
            price = 0.0
        append(price)
    return GeneratedGame(
        prices=prices,
        rug_index=rug_index,
        rug_tick=rug_index + 1,
        peak=max(prices),
        god_candles=god_candles,
    )


def make_rug_price(rng: Callable[[], float], last_price: float) -> float:
    """A rug price for the simulator. The server's rule is not published; this one is inferred from data.

    Evidence (23 Dec 2025 games + the Feb 2026 rug): the rug price never exceeds 2 % of
    ``min(previous price, 1)``, and 3 of the 15 rugs from a price >= 1 show exactly
    ``0.020000000000000018``, which is the double ``1 - 0.98`` — a clamped drop. protocol.md's "0.002–0.02"
    floor does not hold (Feb 2026: 0.10600 → 0.00178). Model, with ``u`` uniform in [0, 1):
    ``rug = min(last_price, 1) * (1 - max(0.98, 1 - 0.025 * u))`` — at most 2 % of ``min(last, 1)``,
    clamped (exactly ``1 - 0.98`` for a base of 1) 20 % of the time.
    """
    base = min(max(last_price, 0.0), 1.0)
    return base * (1 - max(0.98, 1 - rng() * 0.025))
