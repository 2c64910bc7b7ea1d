"""The vectorised Monte Carlo path: tick-only rules over rug ticks alone, no Python loop per bet.

A tick-only rule (``fixed``, ``late_game``) proposes a constant stake as soon as its next slot is due, whatever
the price. Its bets in a game therefore follow from the rug tick: a decision on tick ``d`` lands ``lag`` ticks
later on ``s = d + lag`` (never on or after the rug frame: then the intent is *rejected*), wins iff
``rug ≤ s + 40`` (bot.game.rules), and a loss is known on ``s + 41``, the next decision point. :func:`schedule`
computes that for every game at once — the loop is over the k-th bet of a game, a handful of iterations.

What the governor and the Decider would do to that schedule is :mod:`bot.optimize.vector_guards`' job; a
session whose guards act in a way it cannot express is played by the exact runner instead (the plan decides,
bot/optimize/montecarlo.py). The two are tested equal bet for bet with every guard on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.game.rules import MAX_TICKS, WINDOW_TICKS

SETTLE_DELAY = 1  # a loss is known on the first tick after the window's end tick


@dataclass(frozen=True, slots=True)
class EntryRule:
    """Bet ``k`` of a game (0-based) is due once its slot ``first + k·every`` is reached — by the *landing*
    tick (``on_landing``, as ``fixed`` reads ``estimate.landing_tick``) or by the decision tick (``late_game``).

    Also the exact runner's :class:`~bot.optimize.exact.WakeHint`: it asks the Decider on due ticks only.
    """

    stake_lamports: int
    first: int = 0
    every: int = 0
    max_bets_per_game: int = 1
    on_landing: bool = True

    def first_tick(self, tick: int, staked_this_game: int, ticks_ahead: int) -> int | None:
        """The first tick ≥ ``tick`` on which the next bet is due; ``None`` once the game has its bets.

        ``staked_this_game`` comes from the ledger, as the strategies count their bets (stake // stake)."""
        placed = staked_this_game // self.stake_lamports if self.stake_lamports > 0 else 0
        if placed >= self.max_bets_per_game:
            return None
        slot = self.first + placed * self.every - (ticks_ahead if self.on_landing else 0)
        return max(tick, slot)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Every intent the rule opens (in order), before any guard: games ascending, bets in game order."""

    game: np.ndarray  # int64 index into the session's games
    decided: np.ndarray  # int64 decision tick
    start: np.ndarray  # int64 landing tick (the window's start)
    rug: np.ndarray  # int64 rug tick of the game
    rejected: np.ndarray  # bool: landed on or after the rug frame (no bet, the stake is refunded)
    won: np.ndarray  # bool (False when rejected)

    def __len__(self) -> int:
        return int(self.game.size)

    @property
    def settle_tick(self) -> np.ndarray:
        """The tick whose frame settles the intent: the rug frame, or the first tick past the window."""
        return np.where(self.rejected | self.won, self.rug, self.start + WINDOW_TICKS + SETTLE_DELAY)


def schedule(rule: EntryRule, rug: np.ndarray, *, lag_ticks: int, per_game: int) -> Schedule:
    """The rule's intents over games with these rug ticks; at most ``per_game`` per game (the strategy's own
    ``max_bets_per_game`` and the per-game stake limit, whichever is smaller)."""
    rug = np.asarray(rug, dtype=np.int64)
    last_active = rug - 1  # decisions happen on ticks the feed showed
    lead = lag_ticks if rule.on_landing else 0
    games = np.arange(rug.size)
    d = np.full(rug.size, max(0, rule.first - lead), dtype=np.int64)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    k = 0
    while games.size and k < min(per_game, MAX_TICKS):
        seen = d <= last_active[games]
        games, d = games[seen], d[seen]
        out.append((games, d))
        s = d + lag_ticks
        lost = rug[games] > s + WINDOW_TICKS  # also drops the rejected (s ≥ rug) and the won
        games, s = games[lost], s[lost]
        k += 1
        d = np.maximum(s + WINDOW_TICKS + SETTLE_DELAY, rule.first + k * rule.every - lead)
    if out:
        game = np.concatenate([g for g, _ in out])
        decided = np.concatenate([x for _, x in out])
        order = np.lexsort((decided, game))
        game, decided = game[order], decided[order]
    else:
        game = decided = np.zeros(0, dtype=np.int64)
    start = decided + lag_ticks
    game_rug = rug[game]
    rejected = start >= game_rug
    won = ~rejected & (game_rug <= start + WINDOW_TICKS)
    return Schedule(game, decided, start, game_rug, rejected, won)
