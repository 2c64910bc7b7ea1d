"""What the governor and the Decider do to a tick-only rule's schedule — or proof that they did nothing.

With a constant stake, one bet at a time and a schedule fixed by the rug ticks (bot/optimize/vector.py), every
limit falls in one of three kinds:

* **Stops.** The per-bet stake limit and the minimum bet (nothing is ever placed); the bankroll and the reserve,
  the session loss limit and the maximum drawdown (a stake that no longer fits is refused, and nothing but a
  bet could make it fit again); take-profit (kill) and the consecutive-loss limit (halt) after the bet that
  reaches them; the model's drift alarm (halt at the rug of the game that raises it). Each ends the session's
  betting: the schedule is cut at the first one.
* **Caps.** The per-game stake limit: a number of bets per game (:func:`per_game_cap`).
* **Delays.** The daily loss limit, the bets-per-hour pause, the loss-streak cool-down and the Decider's
  adaptive tightening change *when* or *how much* the rule bets, which a schedule fixed in advance cannot
  express. :func:`play` proves, on the cut schedule, that none of them acted on any intent; if one did (or a
  margin cannot rule it out) it returns ``None`` and the session is played by the exact runner.

The formulas mirror the guard classes in bot/risk/guards/ (``loss``, ``stake``, ``streak``, ``rate``), the
ledger's fold (equity, peak, UTC day of a settlement), ``bot.engine.adaptive.Adaptation`` and
``bot.engine.drift.DriftMonitor``; tests/optimize/test_vector.py holds them to the exact runner, bet for bet,
with every guard on and binding. A guard not in :data:`MODELLED_GUARDS` (a new plug-in) has no formula here:
:func:`unmodelled_guards` names it and the session goes to the exact runner, which runs every guard.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from bot.config.sections import EngineConfig, GuardsConfig
from bot.engine.adaptive import Adaptation
from bot.engine.drift import game_log_lr
from bot.engine.probability import RULES_HAZARD
from bot.feeds.generated import Timeline
from bot.game.rules import MIN_BET_LAMPORTS, PAYOUT_MULTIPLIER, WINDOW_TICKS
from bot.money import sol_to_lamports
from bot.optimize.vector import Schedule
from bot.risk import guards as guard_registry
from bot.risk.book import DAY_S, HOUR_S

# Every built-in guard either has its formula here (stops, caps, delays above) or cannot act on a generated feed
# with one bet at a time (feed, confirmation and balance guards); tests/optimize/test_vector.py holds this to the
# exact runner. A guard added to the registry later has no formula: the exact runner plays its sessions.
MODELLED_GUARDS: frozenset[type] = frozenset(guard_registry.BUILTIN_GUARDS)
Z_MARGIN = 0.01  # adaptation: a z-score this close to the trigger is not proof enough
NATS_MARGIN = 1e-6  # drift CUSUM: float rounding of a cumulative sum vs the monitor's running one


def unmodelled_guards(guards: GuardsConfig) -> list[str]:
    """The guards the governor would run for ``guards`` that this module has no formula for (class names), read
    from the registry at call time (bot/risk/guards/__init__.py ``build_guards``)."""
    return [type(g).__name__ for g in guard_registry.build_guards(guards) if type(g) not in MODELLED_GUARDS]


def _lamports(sol: float | None) -> int | None:
    return None if sol is None else sol_to_lamports(sol)


@dataclass(frozen=True, slots=True)
class Limits:
    """A profile's guards and adaptive engine, as numbers the vectorised path applies (lamports, seconds)."""

    stake: int
    bankroll: int
    max_per_bet: int
    max_per_game: int | None
    reserve: int
    session_loss: int | None
    daily_loss: int | None
    drawdown_pct: float | None
    take_profit: int | None
    max_losses: int | None
    cooldown: tuple[int, float] | None
    bets_per_hour: int | None
    unconfirmed_s: float
    adaptive: bool
    window_bets: int
    min_bets: int
    z_trigger: float
    ticks_ahead_limit: int
    p99_tick_limit_s: float
    prior_games: float
    drift: tuple[float, float, float, float, float] | None  # up rug/survive, down rug/survive, threshold

    @classmethod
    def of(cls, guards: GuardsConfig, engine: EngineConfig, *, stake: int, bankroll: int) -> Limits:
        adaptation = Adaptation(engine.max_tightening, enabled=engine.adaptive)
        window = inspect.signature(Adaptation.__init__).parameters["window_bets"].default
        h0 = RULES_HAZARD["v3"]
        drift = None
        if engine.drift_alarm:
            up, down = h0 * (1.0 + engine.drift_delta), h0 * (1.0 - engine.drift_delta)
            drift = (
                game_log_lr(1, 1, h0, up),
                game_log_lr(1, 0, h0, up),
                game_log_lr(1, 1, h0, down),
                game_log_lr(1, 0, h0, down),
                engine.drift_log_lr_threshold,
            )
        cooldown = None
        if guards.loss_streak_cooldown is not None and guards.loss_streak_cooldown_s > 0:
            cooldown = (guards.loss_streak_cooldown, guards.loss_streak_cooldown_s)
        return cls(
            stake=stake,
            bankroll=bankroll,
            max_per_bet=sol_to_lamports(guards.max_stake_per_bet_sol),
            max_per_game=_lamports(guards.max_stake_per_game_sol),
            reserve=sol_to_lamports(guards.min_reserve_sol or 0.0),
            session_loss=_lamports(guards.session_loss_limit_sol),
            daily_loss=_lamports(guards.daily_loss_limit_sol),
            drawdown_pct=guards.max_drawdown_pct,
            take_profit=_lamports(guards.take_profit_sol),
            max_losses=guards.max_consecutive_losses,
            cooldown=cooldown,
            bets_per_hour=guards.max_bets_per_hour,
            unconfirmed_s=guards.unconfirmed_bet_s,
            adaptive=adaptation.enabled and adaptation.max_tightening > 0,
            window_bets=int(window),
            min_bets=adaptation.min_bets,
            z_trigger=adaptation.z_trigger,
            ticks_ahead_limit=adaptation.ticks_ahead_limit,
            p99_tick_limit_s=adaptation.p99_tick_limit_s,
            prior_games=engine.prior_games,
            drift=drift,
        )

    def per_game_cap(self, max_bets_per_game: int) -> int:
        """Bets per game the rule and the per-game stake limit allow together (0: the stake is refused)."""
        if self.stake < MIN_BET_LAMPORTS or self.stake > self.max_per_bet:
            return 0
        if self.max_per_game is not None:
            return min(max_bets_per_game, self.max_per_game // self.stake)
        return max_bets_per_game

    def static_obstacle(self, *, lag_ticks: int, tick_s: float) -> str | None:
        """A reason the vectorised path can never be exact for these limits (``None``: it may be)."""
        if self.adaptive and (lag_ticks >= self.ticks_ahead_limit or tick_s > self.p99_tick_limit_s):
            return "the adaptive stake tightens on this timing"
        if lag_ticks * tick_s > self.unconfirmed_s:
            return "bets stay unconfirmed longer than guards.unconfirmed_bet_s"
        return None


@dataclass(frozen=True, slots=True)
class Played:
    """The intents that were opened (a prefix of the schedule) and the guards that stopped the rest."""

    kept: int
    trips: tuple[str, ...]


def _running_streak(won: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Losses in a row after each intent (wins reset it; rejected intents do not count)."""
    lost = (counted & ~won).astype(np.int64)
    cum = np.cumsum(lost)
    idx = np.arange(won.size)
    last_win = np.maximum.accumulate(np.where(counted & won, idx, -1))
    base = np.where(last_win >= 0, cum[np.maximum(last_win, 0)], 0)
    return cum - base


def _posterior_p_win(game: np.ndarray, rug: np.ndarray, prior_games: float) -> np.ndarray:
    """P(win) the model reports at a decision in each game: its Beta posterior mean of the hazard after the
    session's earlier (complete) games, as bot.engine.probability._Counts computes it."""
    h0 = RULES_HAZARD["v3"]
    a0, b0 = prior_games, prior_games * (1.0 / h0 - 1.0)
    seen_checks = np.concatenate([[0], np.cumsum(rug)])[game]
    a = a0 + game
    h = a / (a + (b0 + seen_checks - game))
    return 1.0 - (1.0 - h) ** WINDOW_TICKS


def _drift_alarm_game(
    rug: np.ndarray, drift: tuple[float, float, float, float, float]
) -> tuple[bool, int | None]:
    """``(decided, game)``: the game whose rug raises the drift alarm (``None``: none); ``decided`` is False
    when a CUSUM comes too close to the threshold for float rounding to rule either way."""
    up_rug, up_surv, down_rug, down_surv, threshold = drift
    first: int | None = None
    for rug_c, surv_c in ((up_rug, up_surv), (down_rug, down_surv)):
        cum = np.cumsum(rug_c + (rug - 1) * surv_c)
        cusum = cum - np.minimum(0.0, np.minimum.accumulate(cum))  # max(0, S + x) unrolled
        over = np.flatnonzero(cusum > threshold)
        end = int(over[0]) + 1 if over.size else rug.size
        if (np.abs(cusum[:end] - threshold) <= NATS_MARGIN).any():
            return False, None
        if over.size and (first is None or int(over[0]) < first):
            first = int(over[0])
    return True, first


def play(sched: Schedule, timeline: Timeline, session_rug: np.ndarray, lim: Limits) -> Played | None:
    """Apply the stops to the schedule and prove the delays idle; ``None`` when the proof fails."""
    n = len(sched)
    stake, b0 = lim.stake, lim.bankroll
    counted = ~sched.rejected
    pnl = np.where(sched.rejected, 0, np.where(sched.won, stake * (PAYOUT_MULTIPLIER - 1), -stake))
    after = np.cumsum(pnl)
    before = after - pnl
    decided_t = timeline.tick0[sched.game] + sched.decided * timeline.tick_s
    settled_t = timeline.tick0[sched.game] + sched.settle_tick * timeline.tick_s
    streak = _running_streak(sched.won, counted)
    streak_before = np.concatenate([[0], streak[:-1]])

    stops: list[tuple[int, int, str]] = []  # (intent index, order of checking, label): a halt before a deny

    def first(mask: np.ndarray, label: str, shift: int = 0) -> None:
        hit = np.flatnonzero(mask)
        if hit.size:
            stops.append((int(hit[0]) + shift, len(stops), label))

    bankroll = b0 + before
    first(stake > bankroll, "decider: no bet (stake exceeds bankroll)")
    first(bankroll - stake < lim.reserve, "min_reserve: deny")
    if lim.session_loss is not None:
        left = lim.session_loss + before
        first(left < MIN_BET_LAMPORTS, "session_loss_limit: halt")
        first(stake > left, "session_loss_limit: deny")
    if lim.drawdown_pct is not None:
        peak = np.maximum.accumulate(np.maximum(b0, b0 + after))
        peak_before = np.concatenate([[b0], peak[:-1]])
        floor = peak_before - (peak_before * lim.drawdown_pct / 100.0).astype(np.int64)
        left = bankroll - floor
        first(left < MIN_BET_LAMPORTS, "max_drawdown: halt")
        first(stake > left, "max_drawdown: deny")
    if lim.take_profit is not None:
        first(after >= lim.take_profit, "take_profit: kill", 1)
    if lim.max_losses is not None:
        first(streak >= lim.max_losses, "max_consecutive_losses: halt", 1)
    if lim.drift is not None:
        decided, alarm = _drift_alarm_game(session_rug, lim.drift)
        if not decided:
            return None
        if alarm is not None:
            first(sched.game > alarm, "alarm:model_drift: halt")
    cut = n
    trips: tuple[str, ...] = ()
    if stops:
        cut, _, label = min(stops)
        trips = (f"{label} (vectorised, before intent {cut + 1})",) if cut < n else ()
    k = slice(0, cut)
    t = decided_t[k]

    # A day's P&L is never below the worst fall of the session's running P&L: if even that leaves room for
    # a stake, the daily limit cannot have acted (and the day-by-day sums need not be formed).
    worst_fall = int((np.maximum.accumulate(before[k]) - before[k]).max(initial=0))
    if lim.daily_loss is not None and cut and stake > lim.daily_loss - worst_fall:
        day = np.floor_divide(t, DAY_S)
        settle_day = np.floor_divide(settled_t[k], DAY_S)
        start = np.searchsorted(settle_day, day, side="left")
        day_pnl = before[k] - before[k][np.minimum(start, cut - 1)]
        day_pnl = np.where(start < np.arange(cut), day_pnl, 0)
        if (stake > lim.daily_loss + day_pnl).any():
            return None
    if lim.cooldown is not None and cut and int(streak_before[k].max()) >= lim.cooldown[0]:
        streak_n, cool_s = lim.cooldown
        loss_t = np.where(counted[k] & ~sched.won[k], settled_t[k], -np.inf)
        last_loss = np.concatenate([[-np.inf], np.maximum.accumulate(loss_t)[:-1]])
        if ((streak_before[k] >= streak_n) & (t < last_loss + cool_s)).any():
            return None
    if lim.bets_per_hour is not None and cut > lim.bets_per_hour:
        recent = np.arange(cut) - np.searchsorted(t, t - HOUR_S, side="right")
        if (recent >= lim.bets_per_hour).any():
            return None
    if lim.adaptive and not _adaptation_idle(sched, k, session_rug, lim):
        return None
    return Played(cut, trips)


def _adaptation_idle(sched: Schedule, k: slice, session_rug: np.ndarray, lim: Limits) -> bool:
    """True if the Decider's performance z-score (bot.engine.adaptive) never came near its trigger."""
    settled = ~sched.rejected[k]
    won = sched.won[k][settled]
    m = won.size
    if m < lim.min_bets:
        return True
    p = _posterior_p_win(sched.game[k][settled], session_rug, lim.prior_games)
    s = float(lim.stake)
    pay = PAYOUT_MULTIPLIER
    realised = np.where(won, s * (pay - 1), -s)
    expected = s * (pay * p - 1.0)
    var = (s * pay) ** 2 * p * (1.0 - p)

    def window_sum(x: np.ndarray) -> np.ndarray:
        c = np.concatenate([[0.0], np.cumsum(x)])
        hi = np.arange(1, m + 1)
        return c[hi] - c[np.maximum(0, hi - lim.window_bets)]

    n_in = np.minimum(np.arange(1, m + 1), lim.window_bets)
    z = (window_sum(realised) - window_sum(expected)) / np.sqrt(window_sum(var))
    return not bool((z[n_in >= lim.min_bets] < lim.z_trigger + Z_MARGIN).any())
