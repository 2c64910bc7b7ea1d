"""Simulator settings: one frozen dataclass, built from CLI flags or by tests.

Kept separate from the bot's Profile: the simulator is a stand-in for the *site*, so none of its knobs
belong in a bot profile (a bot must not be able to configure the server it is tested against).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.money import LAMPORTS_PER_SOL, PRACTICE_COIN, SOL_MINT

__all__ = ["CoinRule", "SimConfig", "parse_rug_schedule"]


@dataclass(frozen=True, slots=True)
class CoinRule:
    """Side-bet limits for one coin (lamport-like integer units: 1e-9 of the coin)."""

    address: str
    min_bet: int
    max_bet: int
    start_balance: int


def _default_coins() -> tuple[CoinRule, ...]:
    return (
        CoinRule(
            SOL_MINT, min_bet=1_000_000, max_bet=5 * LAMPORTS_PER_SOL, start_balance=1 * LAMPORTS_PER_SOL
        ),
        CoinRule(
            PRACTICE_COIN,
            min_bet=1_000_000,
            max_bet=10_000 * LAMPORTS_PER_SOL,
            start_balance=10_000 * LAMPORTS_PER_SOL,
        ),
    )


@dataclass(frozen=True, slots=True)
class SimConfig:
    """``seed`` makes the whole run reproducible (server seeds, players, jitter); ``None`` = fresh secrets.
    Game ids carry the UTC date and the generator hashes ``seed-gameId``, so a live run repeats only within
    one UTC day; :func:`bot.sim.game.iter_timeline` (fixed virtual start time) repeats exactly.

    ``speed`` divides every wait (20 → 12.5 ms ticks). ``faults`` is the ``--faults`` text
    (``drop@30,stall:5@60``; times in sim seconds). ``presale_sidebets``: the real rule is unknown
    (protocol.md); by default the simulator rejects side bets outside the active phase.

    ``rug_at``: the rug tick of every game, in turn (``(60,)``: every game rugs at tick 60; ``(30, 90)``:
    alternately), drawn provably fair up to tick 300 and forced beyond (bot/sim/rounds.py); empty = the
    generator's own.
    ``page_build`` and ``protocol_drift``: other builds of the site (bot/sim/site_builds.py).
    ``no_websocket``: a proxy that blocks websockets: every upgrade is refused (403) and the page's socket falls
    back to HTTP long-polling (bot/sim/polling.py), where the bot's sniffer sees no frame.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: str | None = None
    speed: float = 1.0
    faults: str = ""
    jitter: bool = True
    coins: tuple[CoinRule, ...] = field(default_factory=_default_coins)
    presale_sidebets: bool = False
    players: int = 24
    connected_players: int = 170
    history_len: int = 10
    ping_interval_ms: int = 25_000
    ping_timeout_ms: int = 20_000
    skip_tick_prob: float = 0.0026  # real feeds skip 0.26 % of active ticks (partialPrices backfills them)
    sparse_tick_prob: float = 0.02  # tradeCount / rugpool missing on ~2 % of ticks
    rug_at: tuple[int, ...] = ()
    page_build: int = 1
    protocol_drift: bool = False
    no_websocket: bool = False

    def coin(self, address: str) -> CoinRule | None:
        return next((c for c in self.coins if c.address == address), None)


def parse_rug_schedule(text: str) -> tuple[int, ...]:
    """``"60"`` → ``(60,)``, ``"30,90"`` → ``(30, 90)``, ``""`` → ``()``; ValueError on anything else.

    Checked here (whole numbers >= 1) so a bad schedule fails before the server binds.
    """
    from bot.sim.rounds import check_rug_tick

    ticks: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            tick = int(part)
        except ValueError:
            raise ValueError(f"rug tick {part!r} is not a whole number") from None
        ticks.append(check_rug_tick(tick))
    return tuple(ticks)
