"""The generated game: server seeds, the running game, finished-game records and forced rugs.

A game is ``generate_prices(serverSeed, gameId)`` (bot/fair/generator.py, bit-exact with the site), so its
rug tick is fixed the moment its seed is drawn, and the seed's hash is committed in the first frame that
shows the game. A chosen rug tick is therefore reached in one of two ways:

- **drawn** (provably fair): before the hash is shown, seeds are drawn until the generator itself rugs at
  the chosen tick. The revealed seed verifies like any other game. Cost: about ``1/P(rug at N)`` candidate
  seeds, each generated only up to tick N (~9 µs a tick): ~0.1 s for tick 40, ~1 s for tick 300 on a
  2-core machine, so only ticks up to :data:`MAX_DRAWN_RUG_TICK` are drawn; later ones are forced.
- **forced**: once the hash is out, the committed seed cannot change. The prices up to the rug stay the
  generator's (continued past its own rug from derived seeds when the chosen tick is later), the revealed
  seed is the committed one, and ``verify`` or the live auditor report that game's rug tick as a mismatch,
  as they must for a site that rugs off its own schedule. The simulator's truth marks it ``forced``.
"""

from __future__ import annotations

import itertools
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.fair.generator import GeneratedGame, generate_prices, seed_hash

__all__ = [
    "MAX_DRAWN_RUG_TICK",
    "VERSION",
    "CurrentGame",
    "GameRecord",
    "RugError",
    "SeedSource",
    "forced_game",
    "new_game_id",
]

VERSION = "v3"
# P(the generator rugs exactly at tick N) = 0.995**(N-1) * 0.005: 1 in ~900 at 300, 1 in ~2,500 at 500
MAX_DRAWN_RUG_TICK = 300
_MAX_DRAWS = 200_000


class RugError(ValueError):
    """A rug tick the simulator cannot produce (below 1, or too late to draw fairly)."""


def new_game_id(now_ms: int, rng: random.Random) -> str:
    """``YYYYMMDD-<16 hex>`` like the real ids (UTC day of ``now_ms``)."""
    day = datetime.fromtimestamp(now_ms / 1000, tz=UTC).strftime("%Y%m%d")
    return f"{day}-{rng.getrandbits(64):016x}"


@dataclass(slots=True)
class SeedSource:
    """Server seeds: secrets in live runs, reproducible from ``seed`` (the ``--seed`` text) otherwise."""

    seed: str | None = None
    _rng: random.Random | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._rng = random.Random(f"seeds-{self.seed}")

    def next(self) -> str:
        if self._rng is not None:
            return f"{self._rng.getrandbits(256):064x}"
        return secrets.token_hex(32)

    def drawn(self, game_id: str, rug_tick: int | None) -> tuple[str, GeneratedGame]:
        """A seed and its game; with ``rug_tick``, the first drawn seed whose game rugs exactly there.

        Raises :class:`RugError` for a tick below 1 or above :data:`MAX_DRAWN_RUG_TICK`.
        """
        if rug_tick is None:
            seed = self.next()
            return seed, generate_prices(seed, game_id, VERSION)
        check_rug_tick(rug_tick)
        if rug_tick > MAX_DRAWN_RUG_TICK:
            raise RugError(f"rug tick {rug_tick}: a provably-fair draw is limited to <= {MAX_DRAWN_RUG_TICK}")
        for _ in range(_MAX_DRAWS):
            seed = self.next()
            if generate_prices(seed, game_id, VERSION, max_ticks=rug_tick).rug_index == rug_tick - 1:
                return seed, generate_prices(seed, game_id, VERSION)
        raise RugError(f"no seed rugging at tick {rug_tick} in {_MAX_DRAWS} draws")  # p ~ 1e-97 at tick 300


def check_rug_tick(tick: int) -> int:
    """``tick`` if a game can rug there (>= 1), else :class:`RugError`."""
    if tick < 1:
        raise RugError(f"rug tick {tick}: must be >= 1 (tick 0 is the start frame)")
    return tick


@dataclass(slots=True)
class CurrentGame:
    """The game being played or counted down to. ``announced`` turns true when a frame shows its hash."""

    id: str
    seed: str
    hash: str
    gen: GeneratedGame
    global_sidebets: list[dict[str, Any]] = field(default_factory=list)
    trade_count: int = 0
    announced: bool = False
    natural_rug_tick: int | None = None  # set when the rug was forced away from the generator's

    @classmethod
    def drawn(cls, game_id: str, seeds: SeedSource, rug_tick: int | None = None) -> CurrentGame:
        """A new game rugging at ``rug_tick`` (drawn up to MAX_DRAWN_RUG_TICK, forced beyond) or its own."""
        fair = rug_tick is None or rug_tick <= MAX_DRAWN_RUG_TICK
        seed, gen = seeds.drawn(game_id, rug_tick if fair else None)
        cur = cls(game_id, seed, seed_hash(seed), gen)
        if not fair and rug_tick is not None:
            cur.force(rug_tick)
        return cur

    def force(self, rug_tick: int) -> None:
        """Rug at ``rug_tick`` off the generator's schedule (the module docstring says what that costs)."""
        if rug_tick == self.gen.rug_tick:
            return
        natural = self.natural_rug_tick if self.natural_rug_tick is not None else self.gen.rug_tick
        self.gen = forced_game(self, rug_tick)
        self.natural_rug_tick = natural if natural != rug_tick else None

    @property
    def forced(self) -> bool:
        return self.natural_rug_tick is not None


def forced_game(cur: CurrentGame, rug_tick: int) -> GeneratedGame:
    """``cur``'s game rugging at ``rug_tick`` instead: the generator's prices, cut or continued.

    Past the generator's own rug the path continues with the relative moves of games generated from
    derived seeds (``<seed>:forced-<k>``), so its texture (big moves, god candles) stays the generator's.
    """
    check_rug_tick(rug_tick)
    prices = cur.gen.prices[:rug_tick]
    for k in itertools.count():
        if len(prices) >= rug_tick:
            break
        more = generate_prices(f"{cur.seed}:forced-{k}", cur.id, VERSION).prices
        for a, b in itertools.pairwise(more):
            if len(prices) >= rug_tick:
                break
            prices.append(prices[-1] * (b / a) if a > 0 else prices[-1])
    return GeneratedGame(prices=prices, rug_index=rug_tick - 1, rug_tick=rug_tick, peak=max(prices))


@dataclass(slots=True)
class GameRecord:
    """A finished game as the server knows it (ground truth and the source of ``gameHistory``)."""

    id: str
    server_seed: str
    server_seed_hash: str
    prices: list[float]  # wire prices, the last one is the rug price
    rug_tick: int
    peak: float
    timestamp_ms: int
    global_sidebets: list[dict[str, Any]]
    # ticks whose gameStateUpdate was not broadcast (the next frame's partialPrices backfills them): ground
    # truth for counting frames a client lost, since a missing tick is not always a lost frame
    skipped_ticks: tuple[int, ...] = ()
    forced: bool = False  # rugged off the generator's schedule: its seed does not verify (module docstring)

    def history_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp": self.timestamp_ms,
            "prices": self.prices,
            "peakMultiplier": self.peak,
            "rugged": True,
            "globalTrades": [],
            "globalSidebets": self.global_sidebets,
            "provablyFair": {"serverSeed": self.server_seed, "serverSeedHash": self.server_seed_hash},
            "gameVersion": VERSION,
        }
