"""Rugs seen only through a new game id: the rug frame was lost, so the rug tick is unproven.

The last tick seen of such a game is only a lower bound of its rug tick, and a paper bet settled on it
could be booked as a win that never happened. So the rug is held back until proof arrives: a late rugged
frame of that game (its rug tick is then ``partialPrices.endTick``) or its ``gameHistory`` entry (the rug
tick is ``len(prices) - 1``); both normally come within the cooldown. Without proof it is reported with
the last tick seen, marked incomplete and ``proven=False``, just before the next game starts (or at the end
of the feed). At most one such game is outstanding.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from bot.game.state import FinishedGame
from bot.game.wire_values import finite, rug_tick_of_rugged_frame
from bot.protocol.events import GameStateUpdate

__all__ = ["LostRug", "PendingRug"]


@dataclass(slots=True)
class PendingRug:
    """A game whose rug frame never came: its rug tick is resolved from later frames if possible."""

    game_id: str
    last_tick: int
    peak: float
    first_tick: int | None
    watched_start: bool
    t: float
    version: str | None
    seed_hash: str | None


class LostRug:
    """Holds the one game whose rug is waiting for proof; every method returns the game once it is decided."""

    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending: PendingRug | None = None

    def hold(self, game: PendingRug) -> FinishedGame | None:
        """Start waiting for ``game``'s proof; a game still waiting is given up first (and returned)."""
        given_up = self.give_up()
        self.pending = game
        return given_up

    def resolve(self, ev: GameStateUpdate) -> FinishedGame | None:
        """The pending game, finished, if ``ev`` proves its rug tick (never earlier than its last tick)."""
        p = self.pending
        if p is None:
            return None
        final: int | None = None
        price: float | None = None
        peak = p.peak
        if ev.game_id == p.game_id and ev.rugged:
            final, price = rug_tick_of_rugged_frame(ev, p.last_tick)
        elif ev.has_history:
            try:
                games = ev.history_games()  # parsed only in this rare case, never on the tick path
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                games = []
            for g in games:
                if g.id == p.game_id and g.prices:
                    final = len(g.prices) - 1  # the last price is the rug tick's (protocol notes)
                    if g.peak_multiplier is not None and finite(g.peak_multiplier):
                        peak = max(peak, g.peak_multiplier)
                    break
        if final is None or final < p.last_tick:
            return None
        self.pending = None
        first = p.first_tick if p.first_tick is not None else final
        return FinishedGame(
            p.game_id, final, peak, p.t, first, p.watched_start, p.version, p.seed_hash, rug_price=price
        )

    def give_up(self) -> FinishedGame | None:
        """Stop waiting: the last tick seen is all we know, so the game is not complete and not proven."""
        p = self.pending
        if p is None:
            return None
        self.pending = None
        return FinishedGame(
            p.game_id,
            p.last_tick,
            p.peak,
            p.t,
            p.first_tick if p.first_tick is not None else p.last_tick,
            False,
            p.version,
            p.seed_hash,
            proven=False,
        )
