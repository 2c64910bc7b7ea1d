"""The bets of a Monte Carlo run, whichever runner placed them: equal-length arrays in placement order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.game.rules import PAYOUT_MULTIPLIER

_COLUMNS = (
    "game",
    "session",
    "decided_tick",
    "start_tick",
    "rug_tick",
    "stake",
    "won",
    "decided_t",
    "settled_t",
)


@dataclass(frozen=True, slots=True)
class BetLog:
    """Settled bets (won or lost) of one or more simulated sessions, plus the games they ran over.

    ``game`` indexes the run's games (0-based over all sessions); ``session`` the simulated session (a fresh
    account: bankroll, ledger, governor); times are feed times (bot.feeds.generated.Timeline). ``guard_trips``
    are ``"guard: action"`` strings in the order they happened, ``declined`` counts why decisions were not bets,
    ``exact_sessions`` how many sessions the exact runner played (the rest were vectorised).
    """

    game: np.ndarray  # int64
    session: np.ndarray  # int64
    decided_tick: np.ndarray  # int64
    start_tick: np.ndarray  # int64, the landing tick: the window is start..start+40
    rug_tick: np.ndarray  # int64, rug tick of the bet's game
    stake: np.ndarray  # int64 lamports
    won: np.ndarray  # bool
    decided_t: np.ndarray  # float64 feed time of the decision (the write-ahead intent)
    settled_t: np.ndarray  # float64 feed time of the settlement
    games: int
    game_rug_ticks: np.ndarray  # rug tick of every game run (for random-entry baselines)
    starting_bankroll: int
    sessions: int = 1
    exact_sessions: int = 0
    guard_trips: tuple[str, ...] = ()
    declined: tuple[tuple[str, int], ...] = ()

    @property
    def payout(self) -> np.ndarray:
        return np.where(self.won, self.stake * PAYOUT_MULTIPLIER, 0)

    @property
    def profit(self) -> np.ndarray:
        return self.payout - self.stake

    def __len__(self) -> int:
        return int(self.game.size)

    def bets(self) -> list[tuple[int, int, int, int, bool]]:
        """``(game, decided_tick, start_tick, stake, won)`` per bet: what two runners must agree on."""
        cols = zip(self.game, self.decided_tick, self.start_tick, self.stake, self.won, strict=True)
        return [(int(g), int(d), int(s), int(k), bool(w)) for g, d, s, k, w in cols]

    @classmethod
    def empty(cls, games: np.ndarray, starting_bankroll: int) -> BetLog:
        i = np.zeros(0, dtype=np.int64)
        f = np.zeros(0, dtype=np.float64)
        return cls(i, i, i, i, i, i, np.zeros(0, dtype=bool), f, f, int(games.size), games, starting_bankroll)

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[tuple[int, int, int, int, int, bool, float, float]],
        games: np.ndarray,
        starting_bankroll: int,
        **extra: object,
    ) -> BetLog:
        """From ``(game, decided_tick, start_tick, rug_tick, stake, won, decided_t, settled_t)`` rows."""
        log = cls.empty(games, starting_bankroll)
        if rows:
            g, d, s, r, k, w, dt, st = (np.asarray(c) for c in zip(*rows, strict=True))
            log = replace(
                log,
                game=g.astype(np.int64),
                session=np.zeros(g.size, dtype=np.int64),
                decided_tick=d.astype(np.int64),
                start_tick=s.astype(np.int64),
                rug_tick=r.astype(np.int64),
                stake=k.astype(np.int64),
                won=w.astype(bool),
                decided_t=dt.astype(np.float64),
                settled_t=st.astype(np.float64),
            )
        return replace(log, **extra)  # type: ignore[arg-type]

    @staticmethod
    def concat(parts: Sequence[BetLog]) -> BetLog:
        """Join sessions in order; game and session indices are renumbered so they stay unique."""
        if not parts:
            raise ValueError("no parts")
        game_shift = np.cumsum([0] + [p.games for p in parts[:-1]])
        session_shift = np.cumsum([0] + [p.sessions for p in parts[:-1]])
        cols = {c: np.concatenate([getattr(p, c) for p in parts]) for c in _COLUMNS}
        cols["game"] = np.concatenate([p.game + s for p, s in zip(parts, game_shift, strict=True)])
        cols["session"] = np.concatenate([p.session + s for p, s in zip(parts, session_shift, strict=True)])
        declined: Counter[str] = Counter()
        for p in parts:
            declined.update(dict(p.declined))
        return BetLog(
            **cols,
            games=sum(p.games for p in parts),
            game_rug_ticks=np.concatenate([p.game_rug_ticks for p in parts]),
            starting_bankroll=parts[0].starting_bankroll,
            sessions=sum(p.sessions for p in parts),
            exact_sessions=sum(p.exact_sessions for p in parts),
            guard_trips=tuple(t for p in parts for t in p.guard_trips),
            declined=tuple(declined.most_common(12)),
        )
