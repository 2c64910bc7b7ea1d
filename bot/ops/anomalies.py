"""The run's measurements turned into alerts: slow ticks, a win rate far below the rules, a stake above a
threshold, a long pause, and the daily summary. Thresholds come from the profile's ``[alerts]`` section.

Every method only compares numbers and calls ``notify`` (the :class:`bot.ops.alerts.Alerter`'s, which
queues and returns): it may sit next to the decision path.

The win-rate test is one-sided: with ``k`` wins in ``n > win_rate_min_bets`` settled bets, the
Clopper–Pearson upper bound ``Beta⁻¹(c; k+1, n−k)`` at confidence ``c`` (``win_rate_confidence``, 0.99) below
the rules' P(win) = 0.1817 (bot.game.rules) means "so few wins are very unlikely if the game is what the rules
say" (≤ 1 % by chance) — worth a human look, not a halt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from bot.config.sections import AlertKind, AlertsConfig
from bot.engine.beta import beta_ppf
from bot.game.rules import P_WIN
from bot.money import PRACTICE_COIN, SOL_MINT, fmt_sol, sol_to_lamports

Notify = Callable[[AlertKind, str], object]
SUMMARY_SCOPE = "alerts"
SUMMARY_KIND = "daily_summary"


def win_rate_interval(won: int, bets: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval of the win rate (exact binomial; ``(0, 1)`` without bets)."""
    if bets <= 0:
        return 0.0, 1.0
    tail = (1.0 - confidence) / 2
    low = beta_ppf(tail, won, bets - won + 1) if won > 0 else 0.0
    high = beta_ppf(1.0 - tail, won + 1, bets - won) if won < bets else 1.0
    return low, high


def win_rate_upper(won: int, bets: int, confidence: float) -> float:
    """One-sided upper bound of the win rate at ``confidence``."""
    return beta_ppf(confidence, won + 1, bets - won) if won < bets else 1.0


class AnomalyWatch:
    """``max_stake_lamports``: the stake threshold when ``[alerts] stake_over_sol`` is not set (the profile's
    ``guards.max_stake_per_bet_sol``: a stake above it never comes from this bot)."""

    def __init__(self, notify: Notify, config: AlertsConfig, *, max_stake_lamports: int) -> None:
        self.notify = notify
        self.config = config
        self.stake_limit = (
            sol_to_lamports(config.stake_over_sol)
            if config.stake_over_sol is not None
            else max_stake_lamports
        )
        self.bets = 0
        self.won = 0
        self._low_win_rate = False
        self._normal_streak = 0  # settled bets since the win rate last looked anomalous
        self._paused_since: float | None = None
        self._pause_alerted = False

    def on_tick_gap(self, gap_s: float, game_id: str | None, tick: int) -> None:
        """The receive-time gap before an ACTIVE tick (s)."""
        if gap_s > self.config.tick_interval_over_s:
            self.notify(
                AlertKind.TICK_INTERVAL,
                f"tick {tick} of game {game_id} came {gap_s:.1f} s after the previous one "
                f"(alert above {self.config.tick_interval_over_s:g} s; nominal 0.25 s)",
            )

    def on_settled(self, won: bool) -> None:
        """A settled bet of this run. Alerts when the win rate turns anomalous; again only after it looked
        normal for ``win_rate_min_bets`` bets in a row (one lucky win near the bound is not a recovery)."""
        self.bets += 1
        self.won += int(won)
        if self.bets <= self.config.win_rate_min_bets:
            return
        upper = win_rate_upper(self.won, self.bets, self.config.win_rate_confidence)
        if upper >= P_WIN:
            self._normal_streak += 1
            if self._normal_streak >= self.config.win_rate_min_bets:
                self._low_win_rate = False
            return
        self._normal_streak = 0
        if not self._low_win_rate:
            self._low_win_rate = True
            self.notify(
                AlertKind.WIN_RATE,
                f"{self.won} wins in {self.bets} bets ({self.won / self.bets:.1%}): even the "
                f"{self.config.win_rate_confidence:.0%} upper bound {upper:.1%} is below the rules' {P_WIN:.2%}",
            )

    def on_stake(self, amount_lamports: int, game_id: str | None) -> None:
        """A stake of our own bet as the feed or the broker reports it."""
        if amount_lamports > self.stake_limit:
            self.notify(
                AlertKind.STAKE,
                f"a stake of {fmt_sol(amount_lamports)} SOL in game {game_id} is above "
                f"{fmt_sol(self.stake_limit)} SOL",
            )

    def on_pause(self, paused: bool, reason: str, now: float) -> None:
        """The governor's state at each tick (``now``: feed time, s). One PAUSE alert once a pause lasts
        longer than ``pause_longer_than_s``; one RECOVERY alert when that pause ends."""
        if not paused:
            if self._pause_alerted and self._paused_since is not None:
                self.notify(
                    AlertKind.RECOVERY, f"betting resumed after a {now - self._paused_since:.0f} s pause"
                )
            self._paused_since, self._pause_alerted = None, False
            return
        if self._paused_since is None:
            self._paused_since = now
        if not self._pause_alerted and now - self._paused_since > self.config.pause_longer_than_s:
            self._pause_alerted = True
            self.notify(AlertKind.PAUSE, f"paused for {now - self._paused_since:.0f} s: {reason}")


@dataclass(frozen=True, slots=True)
class DayTotals:
    coin: str
    bets: int
    won: int
    pnl_lamports: int


def _coin(coin: str) -> str:
    return {SOL_MINT: "SOL", PRACTICE_COIN: "practice coin"}.get(coin, coin)


def _signed(lamports: int) -> str:
    return ("+" if lamports >= 0 else "-") + fmt_sol(abs(lamports))


def summary_text(day: date, totals: Sequence[DayTotals]) -> str:
    """The daily summary: per coin P&L, bets and the win rate with its 95 % interval against 0.1817."""
    if not totals:
        return f"{day.isoformat()}: no settled bets"
    lines = [f"{day.isoformat()} (UTC):"]
    for t in totals:
        low, high = win_rate_interval(t.won, t.bets)
        rate = t.won / t.bets if t.bets else 0.0
        verdict = "consistent with" if low <= P_WIN <= high else ("below" if high < P_WIN else "above")
        lines.append(
            f"{_coin(t.coin)}: P&L {_signed(t.pnl_lamports)}, {t.bets} bets, win rate "
            f"{rate:.1%} [95 % {low:.1%}–{high:.1%}], {verdict} the rules' {P_WIN:.2%}"
        )
    return "\n".join(lines)


def last_full_day(now: float, tz: tzinfo = UTC) -> date:
    return datetime.fromtimestamp(now, tz).date() - timedelta(days=1)


def day_bounds(day: date, tz: tzinfo = UTC) -> tuple[float, float]:
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


class SummaryStore(Protocol):
    def settled_totals(self, t0: float, t1: float) -> list[tuple[str, int, int, int]]: ...
    def load_state(self, scope: str, kind: str) -> Any: ...
    def save_states(
        self, scope: str, states: Mapping[str, tuple[int, Mapping[str, Any]]], t: float
    ) -> None: ...


def send_daily_summary(store: SummaryStore, notify: Notify, now: float) -> date | None:
    """Send yesterday's summary (UTC) unless it was sent already; returns the day sent, or None.

    Whoever is alive after midnight sends it (the scheduler's heartbeat, or a run at its start and at each
    game end): the day sent is remembered in the database, so it goes out once.
    """
    day = last_full_day(now)
    try:
        saved = store.load_state(SUMMARY_SCOPE, SUMMARY_KIND)
        last = saved.data.get("day") if saved is not None else None
    except ValueError:
        last = None
    if last is not None and str(last) >= day.isoformat():
        return None
    t0, t1 = day_bounds(day)
    totals = [DayTotals(*row) for row in store.settled_totals(t0, t1)]
    store.save_states(SUMMARY_SCOPE, {SUMMARY_KIND: (1, {"day": day.isoformat()})}, now)
    notify(AlertKind.DAILY_SUMMARY, summary_text(day, totals))
    return day
