"""Live ticks against the revealed game: what the feed showed while a game ran must be the game revealed after.

The history entry can be self-consistent and still differ from what was broadcast live, and the bot decides
on the live ticks, so each tick the tracker showed (and the tick and price of its rug) is kept until the seed
is revealed and then compared. The ticks come only from the tracker's signals, live and offline alike
(:meth:`bot.fair.auditor.Auditor.on_signal`), so ``rugsbot verify`` and a live run judge the same evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.fair.generator import generate_prices
from bot.fair.verify import GameAudit
from bot.protocol.events import HistoryGame

__all__ = ["LiveTicks", "check_live_ticks"]


@dataclass(slots=True)
class LiveTicks:
    """What the feed showed while a game ran, kept until its seed is revealed.

    The history entry can be self-consistent and still differ from what was broadcast live (and the bot
    decides on the live ticks). Comparing them closes that gap: every live tick must be the revealed
    game's price at that tick, and the feed's rug tick must be the revealed game's wire rug tick.
    """

    ticks: dict[int, float] = field(default_factory=dict)
    conflicts: list[tuple[int, float, float]] = field(default_factory=list)
    rug_tick: int | None = None

    def add(self, tick: int, price: float) -> None:
        old = self.ticks.setdefault(tick, price)
        if old != price and len(self.conflicts) < 10:
            self.conflicts.append((tick, old, price))


def check_live_ticks(live: LiveTicks, game: HistoryGame, audit: GameAudit) -> tuple[int, str]:
    """(live ticks compared, the first problem or ``""``) for a game whose seed was revealed.

    With a price list the rug tick's price is checked too; without one (Feb 2026 entries) the generator
    gives every price but the rug's.
    """
    final = audit.rug_tick
    if final is None or not game.id or audit.version is None:
        return 0, ""
    if game.prices and len(game.prices) >= 2:
        expected = game.prices
    else:
        seed = game.provably_fair.server_seed if game.provably_fair else None
        if not seed:
            return 0, ""
        expected = generate_prices(seed, game.id, audit.version).prices
    problems: list[str] = []
    compared = 0
    for tick in sorted(live.ticks):
        price = live.ticks[tick]
        if tick < len(expected):
            compared += 1
            if price != expected[tick]:
                problems.append(
                    f"live tick {tick} showed {price!r}, the revealed game has {expected[tick]!r}"
                )
                break
        elif tick == final:
            compared += 1  # the rug price is not from the generator: only its tick is checked
        else:
            problems.append(f"live tick {tick} after the revealed rug tick {final}")
            break
    if live.rug_tick is not None and live.rug_tick != final:
        problems.append(f"the feed rugged at tick {live.rug_tick}, the revealed game at {final}")
    if live.conflicts:
        tick, a, b = live.conflicts[0]
        problems.append(f"live tick {tick} was shown as {a!r} and as {b!r}")
    return compared, "; ".join(problems)
