"""Monte Carlo plans: sessions of generated games, which runner plays each, seeds, and parallel execution.

A run of ``games`` games is cut into **sessions** of ``session_games`` games. A session is one simulated
account — starting bankroll, ledger, governor, strategy state — so every limit of the profile holds in every
session exactly as it holds live: a session that reaches its loss limit stops betting for the rest of its
games (nobody runs ``rugsbot resume`` in a simulation). Sessions are independent, which is what makes them
run in parallel (bot/optimize/parallel.py, Dask) with results that depend on ``(seed, games, session_games)``
only: session ``i`` draws its rug ticks and price paths from ``SeedSequence(seed).spawn(n)[i]``, whatever
worker plays it.

Runner choice, per session: a tick-only rule (``fixed``, ``late_game`` as the profile's only strategy) is
played by the vectorised path (bot/optimize/vector.py) when the limits allow it to be exact
(bot/optimize/vector_guards.py); anything else — other strategies, ``Runner.EXACT`` (``--exact``), or a
session in which a delay-type guard acted — by the exact runner (bot/optimize/exact.py). The rug ticks are
drawn first and the prices from a second stream, so both runners play the *same* games.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from loguru import logger

from bot.config import Profile
from bot.config.sections import StrategyParam, TimingConfig
from bot.engine.ranking import Decider
from bot.engine.strategy import BUILTIN_STRATEGIES_DIR, strategy_class, strategy_dirs, validate_params
from bot.engine.timing_model import TimingModel
from bot.feeds.generated import FEED_T0, PricedGames, Timeline, price_paths, rug_ticks
from bot.game.rules import NOMINAL_TICK_S, P_WIN
from bot.game.state import TickTiming
from bot.money import sol_to_lamports
from bot.optimize.betlog import BetLog
from bot.optimize.exact import ExactRunner, SessionSetup
from bot.optimize.metrics import BetRecords, ticks_for_seconds
from bot.optimize.parallel import run_all
from bot.optimize.vector import EntryRule, schedule
from bot.optimize.vector_guards import Limits, play, unmodelled_guards

SESSION_GAMES = 20_000  # ≈ 15 days of feed time per simulated account


class Runner(StrEnum):
    AUTO = "auto"  # vectorised where provably exact, else the exact runner
    EXACT = "exact"  # always the exact runner (asking a tick-only rule only when its slot is due)
    EVERY_TICK = "every-tick"  # the exact runner asking the Decider on every ACTIVE tick (the reference)


@dataclass(frozen=True, slots=True)
class SimPlan:
    setup: SessionSetup  # the account and the rules; ``setup.engine`` runs ``strategy`` alone
    strategy: str
    params: Mapping[str, StrategyParam] = field(default_factory=dict)
    games: int = 10_000
    seed: int | None = 0
    session_games: int = SESSION_GAMES
    runner: Runner = Runner.AUTO
    feed_t0: float = FEED_T0  # feed time of every session's first frame (the UTC day matters to daily limits)

    @property
    def lag_ticks(self) -> int:
        return ticks_for_seconds(self.setup.latency_s)

    def sessions(self) -> list[tuple[np.random.SeedSequence, int]]:
        """``(seed, games)`` of every session, in order."""
        n = max(1, -(-self.games // self.session_games))
        base, extra = divmod(self.games, n)
        sizes = [base + (1 if i < extra else 0) for i in range(n)]
        return list(zip(np.random.SeedSequence(self.seed).spawn(n), sizes, strict=True))


def plan_for(
    profile: Profile,
    strategy: str,
    params: Mapping[str, StrategyParam],
    *,
    games: int,
    seed: int | None,
    latency_s: float,
    strategies_dir: Any = None,
    session_games: int = SESSION_GAMES,
    runner: Runner = Runner.AUTO,
) -> SimPlan:
    """The profile's account and guards with ``strategy`` as its only strategy; the model's latency prior is
    the click latency the paper bets land with (a simulation knows its own latency)."""
    from bot.optimize.backtest import engine_for

    engine = engine_for(profile, strategy, dict(params))
    setup = SessionSetup(
        guards=profile.guards,
        engine=engine,
        timing=TimingConfig(**{**profile.timing.model_dump(), "click_latency_s": latency_s}),
        latency_s=latency_s,
        starting_bankroll_lamports=sol_to_lamports(profile.starting_bankroll_sol),
        coin=profile.coin,
        profile=profile.name,
        strategies_dir=None if strategies_dir is None else strategies_dir.resolve(),
    )
    return SimPlan(setup, strategy, dict(params), games, seed, session_games, runner)


# --------------------------------------------------------------------------- tick-only rules


def entry_rule(plan: SimPlan) -> EntryRule | None:
    """The tick-only rule the profile runs, with the strategy's own defaults, or ``None`` if it runs another."""
    specs = plan.setup.engine.strategies
    if len(specs) != 1 or specs[0].name not in ("fixed", "late_game"):
        return None
    found = [d for d in strategy_dirs(plan.setup.strategies_dir) if (d / f"{specs[0].name}.py").is_file()]
    if not found or found[0] != BUILTIN_STRATEGIES_DIR:
        return None  # a user's strategy of that name (searched first): its propose is not the rule we know
    cls = strategy_class(specs[0].name, plan.setup.strategies_dir)
    p = validate_params(cls.params, specs[0].params, specs[0].name)
    if specs[0].name == "fixed" and set(p) == {"stake_sol", "start_tick", "every", "max_bets_per_game"}:
        return EntryRule(
            sol_to_lamports(p["stake_sol"]),
            int(p["start_tick"]),
            int(p["every"]),
            int(p["max_bets_per_game"]),
        )
    if specs[0].name == "late_game" and set(p) == {"min_tick", "stake_sol", "max_bets_per_game"}:
        return EntryRule(
            sol_to_lamports(p["stake_sol"]), int(p["min_tick"]), 0, int(p["max_bets_per_game"]), False
        )
    return None  # parameters the built-in rule does not declare


def vector_obstacle(plan: SimPlan) -> str | None:
    """Why the vectorised path cannot play this plan (``None``: it may, session by session)."""
    if plan.runner is not Runner.AUTO:
        return f"runner {plan.runner.value} requested"
    rule = entry_rule(plan)
    if rule is None:
        return "not a tick-only rule"
    s = plan.setup
    unmodelled = unmodelled_guards(s.guards)
    if unmodelled:
        return "no vectorised formula for guard(s) " + ", ".join(unmodelled)
    t = float(Timeline.of(np.ones(1, dtype=np.int64), plan.feed_t0).tick0[0])
    land = 1
    while t + land * NOMINAL_TICK_S < t + s.latency_s:
        land += 1  # the paper broker's rule: the first tick at least latency_s after the decision
    if land != plan.lag_ticks:
        return "latency at a tick boundary"
    # Decisions read the model's predicted landing tick: from its latency prior to what the paper bets measure
    # (the blend moves monotonically between them), it must be the tick the bets land on.
    ends = (TimingModel(s.timing.click_latency_s), TimingModel(land * NOMINAL_TICK_S))
    if {m.landing(0, 0.0, TickTiming(), 0.0).ticks_ahead for m in ends} != {land}:
        return "the model predicts another landing tick than the paper bets use"
    limits = Limits.of(s.guards, s.engine, stake=rule.stake_lamports, bankroll=s.starting_bankroll_lamports)
    return limits.static_obstacle(lag_ticks=plan.lag_ticks, tick_s=NOMINAL_TICK_S)


# --------------------------------------------------------------------------- sessions


@contextmanager
def _quiet() -> Iterator[None]:
    """The governor logs every trip and halt: thousands of sessions' worth would drown the result."""
    logger.disable("bot")
    try:
        yield
    finally:
        logger.enable("bot")


def session_games(plan: SimPlan, index: int) -> tuple[np.ndarray, Timeline, Callable[[], PricedGames]]:
    """Session ``index``'s rug ticks, feed times and (drawn on demand, from their own stream) price paths."""
    seed, n = plan.sessions()[index]
    rug_seed, price_seed = seed.spawn(2)
    rug = rug_ticks(np.random.default_rng(rug_seed), n)
    return rug, Timeline.of(rug, plan.feed_t0), lambda: price_paths(np.random.default_rng(price_seed), rug)


def run_session(plan: SimPlan, index: int) -> BetLog:
    """Session ``index`` of the plan; runs in a Dask worker with ``--jobs``."""
    rug, timeline, prices = session_games(plan, index)
    rule = entry_rule(plan)
    if rule is not None and vector_obstacle(plan) is None:
        log = _vectorised(plan, rule, rug, timeline)
        if log is not None:
            return log
    hint = rule if plan.runner is not Runner.EVERY_TICK else None
    with _quiet():
        return ExactRunner(plan.setup, hint=hint, timeline=timeline).run(prices())


def _vectorised(plan: SimPlan, rule: EntryRule, rug: np.ndarray, timeline: Timeline) -> BetLog | None:
    s = plan.setup
    limits = Limits.of(s.guards, s.engine, stake=rule.stake_lamports, bankroll=s.starting_bankroll_lamports)
    sched = schedule(
        rule, rug, lag_ticks=plan.lag_ticks, per_game=limits.per_game_cap(rule.max_bets_per_game)
    )
    played = play(sched, timeline, rug, limits)
    if played is None:
        return None
    keep = np.zeros(len(sched), dtype=bool)
    keep[: played.kept] = True
    keep &= ~sched.rejected
    g = sched.game[keep]
    log = BetLog.empty(rug, s.starting_bankroll_lamports)
    return BetLog(
        game=g,
        session=np.zeros(g.size, dtype=np.int64),
        decided_tick=sched.decided[keep],
        start_tick=sched.start[keep],
        rug_tick=sched.rug[keep],
        stake=np.full(g.size, rule.stake_lamports, dtype=np.int64),
        won=sched.won[keep],
        decided_t=timeline.tick0[g] + sched.decided[keep] * timeline.tick_s,
        settled_t=timeline.tick0[g] + sched.settle_tick[keep] * timeline.tick_s,
        games=log.games,
        game_rug_ticks=rug,
        starting_bankroll=log.starting_bankroll,
        guard_trips=played.trips,
    )


def simulate(
    plan: SimPlan,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> BetLog:
    """Every session of the plan — in this process, on a local Dask cluster of ``jobs`` workers, or on the
    cluster at ``scheduler`` — joined in session order."""
    sizes = [n for _, n in plan.sessions()]
    Decider(plan.setup.engine, plan.setup.strategies_dir)  # a bad strategy or parameter fails here, once
    parts = run_all(
        run_session,
        [(plan, i) for i in range(len(sizes))],
        jobs=jobs,
        scheduler=scheduler,
        on_done=None if on_progress is None else lambda i: on_progress(sizes[i]),
    )
    return BetLog.concat(parts)


def records_from_log(log: BetLog, lag_ticks: int = 1) -> BetRecords:
    """A simulation's bets as report input; the predicted P(win) is the rules' (the model starts there)."""
    return BetRecords(
        stake=log.stake,
        won=log.won,
        starting_bankroll=log.starting_bankroll,
        games=log.games,
        p_pred=np.full(log.stake.size, P_WIN),
        final_pool=log.game_rug_ticks,
        guard_trips=log.guard_trips,
        lag_ticks=lag_ticks,
        session=log.session,
        sessions=log.sessions,
    )
