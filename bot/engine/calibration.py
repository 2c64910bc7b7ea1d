"""Is the P(win) we show honest? Predicted P(win) at each active tick vs whether the game rugged in the window.

For every tick at which the bot could have clicked, the model's prediction (made *before* the game's outcome
was observed: predict, then ``observe_game``) is paired with the outcome of a window starting at the predicted
landing tick: a win iff the rug's wire tick ≤ landing + 40. Results are grouped by predicted probability and by
entry tick (the "bet late" folklore would show up there as a rising realised rate), with Brier scores for the
model and for the rules' constant 0.1817.

Caveat printed with the report: the ticks of one game are strongly correlated (one rug decides ~40 of them),
so the effective sample size is closer to the number of games than to the number of ticks.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config.sections import EngineConfig
from bot.engine.probability import TICK_BINS, ProbabilityModel, p_win_from_hazard
from bot.game.rules import RUG_HAZARD, WINDOW_TICKS
from bot.game.state import FinishedGame, Phase

P_BIN_WIDTH = 0.05


@dataclass(slots=True)
class _Acc:
    n: int = 0
    wins: int = 0
    sum_p: float = 0.0
    brier: float = 0.0
    brier_rules: float = 0.0

    def add(self, n: int, wins: int, p: float, p_rules: float) -> None:
        self.n += n
        self.wins += wins
        self.sum_p += n * p
        self.brier += wins * (1 - p) ** 2 + (n - wins) * p**2
        self.brier_rules += wins * (1 - p_rules) ** 2 + (n - wins) * p_rules**2


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    label: str
    n: int
    predicted: float
    realised: float
    wins: int


@dataclass(frozen=True, slots=True)
class HazardBin:
    """Rug hazard of one tick bin after all games: data alone (``mle``) and the posterior (with the prior)."""

    label: str
    rugs: int
    at_risk: int
    mle: float | None
    mean: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    games: int
    observations: int
    predicted: float
    realised: float
    brier: float
    brier_rules: float
    by_p: tuple[CalibrationBin, ...]
    by_tick: tuple[CalibrationBin, ...]
    unresolved: int = 0
    hazard_bins: tuple[HazardBin, ...] = ()
    note: str = (
        "ticks of one game are correlated (one rug decides ~40 of them): "
        "the effective sample size is about the number of games"
    )

    def as_dict(self) -> dict[str, object]:
        return {
            "games": self.games,
            "observations": self.observations,
            "predicted": self.predicted,
            "realised": self.realised,
            "brier": self.brier,
            "brier_rules": self.brier_rules,
            "unresolved": self.unresolved,
            "note": self.note,
            "by_p": [vars_of(b) for b in self.by_p],
            "by_tick": [vars_of(b) for b in self.by_tick],
            "hazard_bins": [
                {
                    "label": h.label,
                    "rugs": h.rugs,
                    "at_risk": h.at_risk,
                    "mle": h.mle,
                    "mean": h.mean,
                    "low": h.low,
                    "high": h.high,
                }
                for h in self.hazard_bins
            ],
        }


def vars_of(b: CalibrationBin) -> dict[str, object]:
    return {"label": b.label, "n": b.n, "predicted": b.predicted, "realised": b.realised, "wins": b.wins}


def _tick_bin(tick: int) -> int:
    for i in range(len(TICK_BINS) - 1, -1, -1):
        if tick >= TICK_BINS[i]:
            return i
    return 0


def _tick_label(i: int) -> str:
    lo = TICK_BINS[i]
    return f"{lo}–{TICK_BINS[i + 1]}" if i + 1 < len(TICK_BINS) else f"{lo}+"


@dataclass
class Calibrator:
    """Accumulates (prediction, outcome) pairs; feed it predictions while a game runs and the rug when it ends."""

    window: int = WINDOW_TICKS
    p_rules: float = field(default_factory=lambda: p_win_from_hazard(RUG_HAZARD))
    _total: _Acc = field(default_factory=_Acc)
    _by_p: dict[int, _Acc] = field(default_factory=dict)
    _by_tick: dict[int, _Acc] = field(default_factory=dict)
    _pending: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    games: int = 0

    def _add(self, landing: int, n: int, wins: int, p: float) -> None:
        self._total.add(n, wins, p, self.p_rules)
        self._by_p.setdefault(min(int(p / P_BIN_WIDTH), int(1 / P_BIN_WIDTH) - 1), _Acc()).add(
            n, wins, p, self.p_rules
        )
        self._by_tick.setdefault(_tick_bin(landing), _Acc()).add(n, wins, p, self.p_rules)

    def add_prediction(self, game_id: str, landing_tick: int, p_win: float) -> None:
        self._pending.setdefault(game_id, []).append((landing_tick, p_win))

    def on_game_finished(self, game_id: str, rug_tick: int) -> int:
        """Resolve the game's predictions: a window from ``landing`` wins iff ``rug_tick ≤ landing + window``."""
        preds = self._pending.pop(game_id, [])
        used = 0
        for landing, p in preds:
            if landing >= rug_tick:
                continue  # would have landed at/after the rug: no bet, not an observation
            self._add(landing, 1, int(rug_tick <= landing + self.window), p)
            used += 1
        if used:
            self.games += 1
        return used

    def add_game_length(self, rug_tick: int, p_win: float) -> None:
        """Every landing tick 1 … F−1 of a game with final wire tick F, aggregated per tick bin (no tick loop)."""
        if rug_tick < 2:
            return
        win_from = max(1, rug_tick - self.window)
        for i, lo in enumerate(TICK_BINS):
            hi = TICK_BINS[i + 1] if i + 1 < len(TICK_BINS) else rug_tick
            a, b = max(lo, 1), min(hi, rug_tick) - 1  # landings in [a, b]
            if b < a:
                continue
            n = b - a + 1
            wins = max(0, b - max(a, win_from) + 1)
            self._add(a, n, wins, p_win)
        self.games += 1

    def report(self, model: ProbabilityModel | None = None) -> CalibrationReport:
        def bins(src: dict[int, _Acc], label: object) -> tuple[CalibrationBin, ...]:
            return tuple(
                CalibrationBin(label(k), a.n, a.sum_p / a.n, a.wins / a.n, a.wins)  # type: ignore[operator]
                for k, a in sorted(src.items())
                if a.n
            )

        t = self._total
        n = max(t.n, 1)
        return CalibrationReport(
            games=self.games,
            observations=t.n,
            predicted=t.sum_p / n,
            realised=t.wins / n,
            brier=t.brier / n,
            brier_rules=t.brier_rules / n,
            by_p=bins(self._by_p, lambda k: f"{k * P_BIN_WIDTH:.2f}–{(k + 1) * P_BIN_WIDTH:.2f}"),
            by_tick=bins(self._by_tick, _tick_label),
            unresolved=sum(len(v) for v in self._pending.values()),
            hazard_bins=hazard_bins(model) if model is not None else (),
        )


def hazard_bins(model: ProbabilityModel) -> tuple[HazardBin, ...]:
    return tuple(
        HazardBin(_tick_label(i), h.rugs, h.at_risk, h.mle, h.mean, h.low, h.high)
        for i, h in enumerate(model.hazard_by_bin())
    )


def calibrate_recordings(paths: Iterable[Path], config: EngineConfig | None = None) -> CalibrationReport:
    """Replay recordings through the real tracker and model; predict at every active tick, then learn the game."""
    from bot.feeds.recording import iter_frames
    from bot.game.signals import GameRugged, TickAdvanced
    from bot.game.tracker import GameTracker

    model = ProbabilityModel(config or EngineConfig())
    cal = Calibrator(window=model.window)
    tracker = GameTracker()
    for fr in iter_frames(paths):
        for sig in tracker.on_frame(fr.t, fr.dir, fr.frame):
            if isinstance(sig, TickAdvanced):
                view = tracker.view
                if view.phase is Phase.ACTIVE and view.game_id == sig.game_id:
                    est = model.estimate(view, now=fr.t)
                    if est.feasible:
                        cal.add_prediction(sig.game_id, est.landing_tick, est.p_win)
            elif isinstance(sig, GameRugged):
                cal.on_game_finished(sig.game.game_id, sig.game.rug_tick)
                model.observe_game(sig.game)
    return cal.report(model)


def read_game_lengths(path: Path) -> list[tuple[str, int]]:
    """``game_key, rug_tick`` rows of a game-lengths CSV; a key held by several sources counts once."""
    seen: dict[str, int] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            seen.setdefault(row["game_key"], int(row["final_tick"]))
    return list(seen.items())


def calibrate_game_lengths(
    games: Iterable[tuple[str, int]], config: EngineConfig | None = None
) -> CalibrationReport:
    """Same check from final ticks alone: every landing tick of every game, predicted before the game is learnt."""
    model = ProbabilityModel(config or EngineConfig())
    cal = Calibrator(window=model.window)
    for gid, final in games:
        cal.add_game_length(final, model.p_win_at(0))
        model.observe_game(FinishedGame(gid, final, 1.0, 0.0, 0, True, "v3"))
    return cal.report(model)
