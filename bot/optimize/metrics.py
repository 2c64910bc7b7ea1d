"""The numbers every evidence report shows, from one bet list, whatever produced it.

Simulate, backtest, sweep and a stored session all reduce to :class:`BetRecords` (stakes, outcomes and,
when known, the predicted P(win) and click latency), so a backtest and a Monte Carlo run are judged by the
same code. The question a report must answer honestly is "is this different from 0.1817, and from random
timing?" — hence intervals and p-values next to every rate.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bot.game.rules import BREAK_EVEN, NOMINAL_TICK_S, P_WIN, PAYOUT_MULTIPLIER, RUG_HAZARD, WINDOW_TICKS
from bot.optimize import stats

RUG_P = RUG_HAZARD
P_WIN_THEORY = P_WIN
Q_LOSS_THEORY = 1.0 - P_WIN_THEORY
MAX_SERIES_POINTS = 1500
MIN_BASELINE_GAMES = 20


def ticks_for_seconds(latency_s: float, tick_s: float = NOMINAL_TICK_S) -> int:
    """Ticks a click takes to land on the nominal clock: at least one (protocol.md: ~220 ms ≈ 1 tick)."""
    return max(1, math.ceil(latency_s / tick_s))


@dataclass(frozen=True, slots=True)
class BetRecords:
    """Bets in placement order. ``final_pool`` holds rug ticks of every game seen (for the baseline).

    ``session`` (0-based, non-decreasing) says which of ``sessions`` independent runs placed each bet; every
    session starts from ``starting_bankroll`` (a fresh simulated account), so bankroll curves and drawdowns
    are per session. ``None``: one session.
    """

    stake: np.ndarray  # lamports
    won: np.ndarray  # bool
    starting_bankroll: int
    games: int = 0
    p_pred: np.ndarray | None = None  # predicted P(win) at decision time
    latency_s: np.ndarray | None = None  # click → confirmation
    tick_intervals_s: np.ndarray | None = None
    final_pool: np.ndarray | None = None
    guard_trips: tuple[str, ...] = ()
    lag_ticks: int = 1
    session: np.ndarray | None = None  # int64 session index per bet
    sessions: int = 1

    @property
    def profit(self) -> np.ndarray:
        return np.where(self.won, self.stake * PAYOUT_MULTIPLIER, 0) - self.stake

    def session_index(self) -> np.ndarray:
        return np.zeros(self.stake.size, dtype=np.int64) if self.session is None else self.session

    def session_pnl(self) -> np.ndarray:
        """Final P&L (lamports) of every session, including the ones without a bet."""
        count = max(self.sessions, 1)
        return np.bincount(self.session_index(), weights=self.profit, minlength=count).astype(np.int64)

    def session_equity(self) -> np.ndarray:
        """Bankroll after each bet within its own session (lamports): each session restarts at the start."""
        profit = self.profit
        equity = np.empty(profit.size, dtype=np.int64)
        for lo, hi in _runs(self.session_index()):
            equity[lo:hi] = self.starting_bankroll + np.cumsum(profit[lo:hi])
        return equity

    def session_drawdown(self) -> np.ndarray:
        """Fall from the session's running peak after each bet (lamports); the start counts as a peak."""
        equity = self.session_equity()
        peak = np.empty_like(equity)
        for lo, hi in _runs(self.session_index()):
            peak[lo:hi] = np.maximum.accumulate(np.maximum(equity[lo:hi], self.starting_bankroll))
        return peak - equity


def _runs(idx: np.ndarray) -> list[tuple[int, int]]:
    """``[lo, hi)`` slices of equal consecutive values."""
    cuts = np.flatnonzero(np.diff(idx)) + 1
    edges = np.concatenate([[0], cuts, [idx.size]]).astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


@dataclass(frozen=True, slots=True)
class Baseline:
    """Random-entry comparison: the same stakes placed at random moments of random games."""

    p_value: float  # P(random timing earns ≥ the rule's profit), one-sided bootstrap
    baseline_win_rate: float
    baseline_mean_profit: float  # lamports, mean over replicates
    replicates: int
    pool_bets: int


@dataclass(frozen=True, slots=True)
class Series:
    """Downsampled curves and histograms for charts (plain lists so they serialise as JSON)."""

    equity_x: list[int] = field(default_factory=list)  # bet number
    equity: list[int] = field(default_factory=list)  # start + P&L summed over sessions after that bet
    drawdown: list[int] = field(default_factory=list)  # within the bet's own session
    streak_lengths: list[int] = field(default_factory=list)  # 1..K
    streak_counts: list[int] = field(default_factory=list)
    streak_expected: list[float] = field(default_factory=list)  # geometric q=0.8183, same number of runs
    calib_pred: list[float] = field(default_factory=list)
    calib_obs: list[float] = field(default_factory=list)
    calib_n: list[int] = field(default_factory=list)
    tick_hist_edges: list[float] = field(default_factory=list)
    tick_hist_counts: list[int] = field(default_factory=list)
    latency_hist_edges: list[float] = field(default_factory=list)
    latency_hist_counts: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EvidenceReport:
    label: str
    games: int
    bets: int
    wins: int
    win_rate: float
    wilson_low: float
    wilson_high: float
    cp_low: float
    cp_high: float
    p_value_vs_theory: float  # two-sided binomial test of P(win) = 0.1817
    theory_in_interval: bool
    above_break_even: bool  # the whole Clopper-Pearson interval is above 0.20
    staked_lamports: int
    payout_lamports: int
    profit_lamports: int
    roi: float  # profit / staked
    ev_per_bet: float  # mean profit per unit stake
    ev_low: float
    ev_high: float
    max_losing_streak: int
    p_max_streak: float  # P(a streak this long or longer in this many bets) at q = 0.8183
    max_drawdown_lamports: int  # the largest fall from a peak within one session (sessions never glue)
    max_drawdown_pct: float  # that fall as a percentage of its session's peak
    starting_bankroll_lamports: int  # of every session
    final_bankroll_lamports: int  # start + P&L summed over all sessions: one account's only if sessions == 1
    guard_trips: list[str]
    baseline: Baseline | None
    series: Series
    meta: dict[str, Any] = field(default_factory=dict)
    sessions: int = 1  # independent sessions (fresh accounts) the bets came from
    worst_session_pnl_lamports: int | None = None  # None: a result file written before sessions were counted

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> EvidenceReport:
        d = dict(data)
        d["baseline"] = Baseline(**d["baseline"]) if d.get("baseline") else None
        d["series"] = Series(**d.get("series", {}))
        return EvidenceReport(**d)


def random_entry_baseline(
    records: BetRecords, rng: np.random.Generator, *, replicates: int = 2000, max_entry_tick: int = 400
) -> Baseline | None:
    """Bootstrap of the rule's profit against random timing with the same stakes.

    A random-entry bet picks a game from the pool and an entry tick uniform in ``[0, max_entry_tick)``
    *before* looking at it; if the game is still running when the click lands it is placed, else it tries
    again (a stopping rule that never sees the future). Pooling outcomes, the wins for the bets of one
    stake size are binomial, so each replicate costs one draw per distinct stake, not one per bet.
    """
    if records.final_pool is None or records.final_pool.size < MIN_BASELINE_GAMES or records.stake.size == 0:
        return None  # a handful of games is no picture of "random timing"
    pool = np.asarray(records.final_pool, dtype=np.int64)
    draws = int(min(2_000_000, max(200_000, 4 * records.stake.size)))
    fin = pool[rng.integers(0, pool.size, draws)]
    entry = rng.integers(0, max_entry_tick, draws)
    start = entry + records.lag_ticks
    alive = start < fin
    won = fin[alive] <= start[alive] + WINDOW_TICKS
    p_pool = float(won.mean())
    values, counts = np.unique(records.stake, return_counts=True)
    wins = rng.binomial(counts[None, :].repeat(replicates, 0), p_pool)
    profit = (wins * PAYOUT_MULTIPLIER - counts[None, :]) * values[None, :]
    totals = profit.sum(axis=1)
    observed = int(records.profit.sum())
    p = (1 + int((totals >= observed).sum())) / (replicates + 1)
    return Baseline(
        p_value=p,
        baseline_win_rate=p_pool,
        baseline_mean_profit=float(totals.mean()),
        replicates=replicates,
        pool_bets=int(alive.sum()),
    )


def _downsample(n: int) -> np.ndarray:
    if n <= MAX_SERIES_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_SERIES_POINTS).astype(np.int64))


def _histogram(
    values: np.ndarray | None, bins: int, hi_quantile: float = 0.995
) -> tuple[list[float], list[int]]:
    if values is None or values.size == 0:
        return [], []
    v = values[np.isfinite(values)]
    if v.size == 0:
        return [], []
    hi = float(np.quantile(v, hi_quantile)) or float(v.max()) or 1.0
    counts, edges = np.histogram(np.minimum(v, hi), bins=bins, range=(float(v.min()), hi))
    return [round(float(e), 6) for e in edges], [int(c) for c in counts]


def build_series(records: BetRecords) -> Series:
    profit = records.profit
    curve = np.concatenate([[records.starting_bankroll], records.starting_bankroll + np.cumsum(profit)])
    dd = np.concatenate([[0], records.session_drawdown()])
    idx = _downsample(curve.size)
    runs = stats.run_lengths(~records.won.astype(bool))
    k_max = int(max(1, runs.max() if runs.size else 1))
    counts = np.bincount(runs, minlength=k_max + 1)[1:] if runs.size else np.zeros(k_max, dtype=np.int64)
    expected = stats.geometric_streak_pmf(Q_LOSS_THEORY, k_max) * runs.size
    cal_pred: list[float] = []
    cal_obs: list[float] = []
    cal_n: list[int] = []
    if records.p_pred is not None and records.p_pred.size == records.won.size and records.won.size:
        edges = np.linspace(0.0, 0.5, 11)
        which = np.clip(np.digitize(records.p_pred, edges) - 1, 0, len(edges) - 2)
        for b in range(len(edges) - 1):
            m = which == b
            if m.any():
                cal_pred.append(float(records.p_pred[m].mean()))
                cal_obs.append(float(records.won[m].mean()))
                cal_n.append(int(m.sum()))
    tick_edges, tick_counts = _histogram(records.tick_intervals_s, 30)
    lat_edges, lat_counts = _histogram(records.latency_s, 30)
    return Series(
        equity_x=[int(i) for i in idx],
        equity=[int(curve[i]) for i in idx],
        drawdown=[int(dd[i]) for i in idx],
        streak_lengths=list(range(1, k_max + 1)),
        streak_counts=[int(c) for c in counts],
        streak_expected=[round(float(e), 4) for e in expected],
        calib_pred=cal_pred,
        calib_obs=cal_obs,
        calib_n=cal_n,
        tick_hist_edges=tick_edges,
        tick_hist_counts=tick_counts,
        latency_hist_edges=lat_edges,
        latency_hist_counts=lat_counts,
    )


def evaluate(
    records: BetRecords,
    *,
    label: str = "",
    seed: int | None = 0,
    baseline: bool = True,
    replicates: int = 2000,
    meta: dict[str, Any] | None = None,
) -> EvidenceReport:
    n = int(records.stake.size)
    won = records.won.astype(bool)
    wins = int(won.sum())
    wil = stats.wilson(wins, n)
    cp = stats.clopper_pearson(wins, n)
    profit = records.profit
    staked = int(records.stake.sum())
    payout = int(np.where(won, records.stake * PAYOUT_MULTIPLIER, 0).sum())
    per_unit = profit / np.maximum(records.stake, 1)
    ev, ev_ci = stats.mean_interval(per_unit.astype(float))
    streak = stats.max_run(~won)
    dd_abs, dd_frac = _worst_drawdown(records)
    base = (
        random_entry_baseline(records, np.random.default_rng(seed), replicates=replicates)
        if baseline
        else None
    )
    return EvidenceReport(
        label=label,
        games=records.games,
        bets=n,
        wins=wins,
        win_rate=wins / n if n else 0.0,
        wilson_low=wil.low,
        wilson_high=wil.high,
        cp_low=cp.low,
        cp_high=cp.high,
        p_value_vs_theory=stats.binom_two_sided_p(wins, n, P_WIN_THEORY),
        theory_in_interval=cp.contains(P_WIN_THEORY),
        above_break_even=n > 0 and cp.low > BREAK_EVEN,
        staked_lamports=staked,
        payout_lamports=payout,
        profit_lamports=payout - staked,
        roi=(payout - staked) / staked if staked else 0.0,
        ev_per_bet=ev,
        ev_low=ev_ci.low,
        ev_high=ev_ci.high,
        max_losing_streak=streak,
        p_max_streak=stats.p_losing_streak_at_least(streak, n, Q_LOSS_THEORY),
        max_drawdown_lamports=int(dd_abs),
        max_drawdown_pct=dd_frac * 100.0,
        starting_bankroll_lamports=records.starting_bankroll,
        final_bankroll_lamports=records.starting_bankroll + payout - staked,
        guard_trips=list(records.guard_trips),
        baseline=base,
        series=build_series(records),
        meta=dict(meta or {}),
        sessions=max(records.sessions, 1),
        worst_session_pnl_lamports=int(records.session_pnl().min()),
    )


def _worst_drawdown(records: BetRecords) -> tuple[int, float]:
    """The largest fall from a session's running peak (lamports) and its fraction of that peak."""
    equity = records.session_equity()
    falls = [
        stats.max_drawdown(equity[lo:hi], records.starting_bankroll)
        for lo, hi in _runs(records.session_index())
    ]
    dd, frac = max(falls, default=(0.0, 0.0))
    return int(dd), frac
