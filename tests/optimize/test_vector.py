"""The vectorised path: its schedule follows the side-bet rules, and with every guard on — binding — it places
exactly the exact runner's bets (the real Decider and governor), or hands the session to it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config import Profile
from bot.config.sections import EngineConfig, GuardsConfig, StrategySpec
from bot.engine.drift import DriftMonitor
from bot.engine.probability import ProbabilityModel
from bot.feeds.generated import Timeline, price_paths, rug_ticks
from bot.game.rules import Outcome, Window, settle
from bot.game.state import FinishedGame
from bot.optimize.exact import ExactRunner
from bot.optimize.montecarlo import Runner, entry_rule, plan_for
from bot.optimize.vector import EntryRule, schedule
from bot.optimize.vector_guards import Limits, _drift_alarm_game, _posterior_p_win, _running_streak, play
from tests.optimize.helpers import MIDNIGHT, plan, profile, run


def test_schedule_outcomes_follow_sidebet_settle() -> None:
    rug = rug_ticks(np.random.default_rng(3), 3000)
    s = schedule(EntryRule(1_000_000, first=6, max_bets_per_game=200), rug, lag_ticks=1, per_game=200)
    placed = ~s.rejected
    expected = [
        settle(Window.starting_at(int(st)), rug_tick=int(r), current_tick=int(r)) is Outcome.WON
        for st, r in zip(s.start[placed], s.rug[placed], strict=True)
    ]
    assert np.array_equal(s.won[placed], np.array(expected)) and placed.sum() > 3000
    assert (s.start[placed] < s.rug[placed]).all()  # never placed on or after the rug frame
    assert (s.start[s.rejected] >= s.rug[s.rejected]).all() and s.rejected.any()
    assert (s.decided >= 5).all()  # the slot is a landing tick: decided one lag earlier


@pytest.mark.parametrize(
    ("name", "params", "lag_s"),
    [
        ("fixed", {}, 0.22),
        ("fixed", {"max_bets_per_game": 200}, 0.22),
        ("fixed", {"start_tick": 30, "every": 70, "max_bets_per_game": 3}, 0.22),
        ("fixed", {"start_tick": 10, "every": 10, "max_bets_per_game": 5}, 0.7),  # lag 3 ticks
        ("late_game", {"min_tick": 120, "max_bets_per_game": 2}, 0.22),
    ],
)
def test_vector_path_equals_the_real_strategy_objects(
    name: str, params: dict[str, Any], lag_s: float
) -> None:
    """Far limits: the rule alone. The fast path is only allowed because it places the exact runner's bets."""
    p = plan(profile("far_limits"), games=400, seed=21, strategy=name, params=params, latency_s=lag_s)
    fast, slow = run(p), run(p, Runner.EXACT)
    assert fast.exact_sessions == 0 and slow.exact_sessions == 1
    assert len(fast) == len(slow) > 20
    assert fast.bets() == slow.bets()
    assert np.array_equal(fast.settled_t, slow.settled_t)


@pytest.mark.parametrize(
    ("name", "strategy", "params", "feed_t0"),
    [
        ("stops", None, None, None),
        ("stops", "late_game", {"min_tick": 20, "stake_sol": 0.002, "max_bets_per_game": 4}, None),
        ("delays", None, None, MIDNIGHT - 7200),
        ("loss_limit", None, None, None),
    ],
)
def test_with_every_guard_on_the_plan_places_the_exact_runners_bets(
    name: str, strategy: str | None, params: dict[str, Any] | None, feed_t0: float | None
) -> None:
    """Sessions of 150 games, three seeds: the vectorised sessions (stops binding) and the ones it handed to the
    exact runner (a delay acted) together place exactly the exact runner's bets."""
    vectorised_stops = 0
    for seed in (1, 2, 3):
        p = plan(
            profile(name),
            games=750,
            seed=seed,
            strategy=strategy,
            params=params,
            session_games=150,
            feed_t0=feed_t0,
        )
        auto, exact = run(p), run(p, Runner.EXACT)
        assert auto.bets() == exact.bets(), seed
        assert np.array_equal(auto.session, exact.session)
        vectorised_stops += sum("(vectorised" in t for t in auto.guard_trips)
    if name != "delays":
        assert vectorised_stops >= 3  # the proof held in sessions where a limit bound, not only in idle ones


@pytest.mark.parametrize(
    ("guards", "engine", "strategy", "params", "feed_t0"),
    [
        ({"max_bets_per_hour": 30}, {}, "late_game", {"min_tick": 150}, None),
        ({"daily_loss_limit_sol": 0.025}, {}, "fixed", {}, MIDNIGHT - 3600),
        ({"loss_streak_cooldown": 14, "loss_streak_cooldown_s": 120.0}, {}, "fixed", {}, None),
        (
            {},
            {"adaptive": True, "max_tightening": 0.5},
            "fixed",
            {"stake_sol": 0.002, "max_bets_per_game": 3},
            None,
        ),
    ],
    ids=["bets_per_hour", "daily_loss_limit", "loss_streak_cooldown", "adaptive_stake"],
)
def test_each_delay_alone_is_proved_idle_or_played_exactly(
    guards: dict[str, Any],
    engine: dict[str, Any],
    strategy: str,
    params: dict[str, Any],
    feed_t0: float | None,
) -> None:
    """One delay-type mechanism at a time, acting in some sessions and not in others: the proof must tell them
    apart (a missing or wrong proof lets a vectorised session differ from the exact runner's)."""
    far = profile("far_limits")
    prof = far.model_copy(
        update={
            "guards": far.guards.model_copy(update=guards),
            "engine": far.engine.model_copy(update=engine),
        }
    )
    p = plan(prof, games=1050, seed=1, strategy=strategy, params=params, session_games=150, feed_t0=feed_t0)
    auto, exact = run(p), run(p, Runner.EXACT)
    assert 0 < auto.exact_sessions < auto.sessions == 7  # both kinds of session occur
    assert auto.bets() == exact.bets()


def _case_setup(guards: dict[str, Any], bankroll_sol: float = 0.005, stake_sol: float = 0.001) -> Any:
    off = dict(
        max_stake_per_bet_sol=stake_sol,
        max_stake_per_game_sol=None,
        session_loss_limit_sol=None,
        daily_loss_limit_sol=None,
        max_consecutive_losses=None,
        max_drawdown_pct=None,
        max_bets_per_hour=None,
        loss_streak_cooldown=None,
    )
    params = {"stake_sol": stake_sol}
    engine = EngineConfig(adaptive=False, strategies=[StrategySpec(name="fixed", params=params)])
    prof = Profile(
        starting_bankroll_sol=bankroll_sol, engine=engine, guards=GuardsConfig(**{**off, **guards})
    )
    return plan_for(prof, "fixed", params, games=1, seed=0, latency_s=0.22, runner=Runner.EXACT)


LLLLWL = [100, 100, 100, 100, 10, 100]  # one bet per game landing on tick 1: rug ≤ 41 wins


@pytest.mark.parametrize(
    ("guards", "bankroll", "rugs", "bets", "stop"),
    [
        # a 0.002 stake: after one loss 0.0015 of a 0.0035 budget is left — enough to stay active, too little
        # for the next stake, which is refused (deny), not halted
        ({"session_loss_limit_sol": 0.0035, "stake": 0.002}, 0.01, LLLLWL, 1, "session_loss_limit: deny"),
        ({"max_drawdown_pct": 30.0, "stake": 0.002}, 0.01, LLLLWL, 1, "max_drawdown: deny"),
        ({"max_consecutive_losses": 3}, 0.005, LLLLWL, 3, "max_consecutive_losses: halt"),
        ({"session_loss_limit_sol": 0.003}, 0.005, LLLLWL, 3, "session_loss_limit: halt"),
        ({"session_loss_limit_sol": 0.0025}, 0.005, LLLLWL, 2, "session_loss_limit: halt"),  # 3rd could cross
        ({"max_drawdown_pct": 50.0}, 0.005, LLLLWL, 2, "max_drawdown: halt"),
        ({"min_reserve_sol": 0.0025}, 0.005, LLLLWL, 2, "min_reserve: deny"),
        ({}, 0.0025, LLLLWL, 2, "decider: no bet"),  # the bankroll itself
        ({"take_profit_sol": 0.003}, 0.005, [10, 10, 100], 1, "take_profit: kill"),
        ({}, 0.005, LLLLWL, 6, None),
    ],
)
def test_stops_cut_where_the_governor_stops(
    guards: dict[str, Any], bankroll: float, rugs: list[int], bets: int, stop: str | None
) -> None:
    guards = dict(guards)
    p = _case_setup(guards, bankroll, guards.pop("stake", 0.001))
    rug = np.array(rugs, dtype=np.int64)
    timeline = Timeline.of(rug)
    rule = entry_rule(p)
    assert rule is not None
    s = p.setup
    lim = Limits.of(s.guards, s.engine, stake=rule.stake_lamports, bankroll=s.starting_bankroll_lamports)
    sched = schedule(rule, rug, lag_ticks=1, per_game=lim.per_game_cap(rule.max_bets_per_game))
    played = play(sched, timeline, rug, lim)
    assert played is not None and played.kept == bets
    assert [t.split(" (")[0] for t in played.trips] == ([stop] if stop else [])
    exact = ExactRunner(s, hint=rule, timeline=timeline).run(price_paths(np.random.default_rng(0), rug))
    assert len(exact) == bets
    assert exact.won.tolist() == sched.won[:bets].tolist()


def test_running_loss_streaks_skip_rejected_intents() -> None:
    won = np.array([False, False, True, False, False, False, True, False])
    counted = np.array([True, True, True, True, False, True, True, True])
    assert _running_streak(won, np.ones(8, dtype=bool)).tolist() == [1, 2, 0, 1, 2, 3, 0, 1]
    assert _running_streak(won, counted).tolist() == [1, 2, 0, 1, 1, 2, 0, 1]


def test_posterior_p_win_is_the_models() -> None:
    """The adaptation proof weighs results by the P(win) the model reports: the same numbers."""
    rug = rug_ticks(np.random.default_rng(4), 300)
    model = ProbabilityModel(EngineConfig())
    ours = _posterior_p_win(np.arange(300), rug, EngineConfig().prior_games)
    for g in range(300):
        assert ours[g] == pytest.approx(model.p_win_at(0), rel=1e-12)
        model.observe_game(FinishedGame(f"g{g}", int(rug[g]), 1.0, 0.0, 0, True, "v3"))


@pytest.mark.parametrize("hazard", [0.0075, 0.0035])
def test_drift_alarm_game_is_the_monitors(hazard: float) -> None:
    """Games from a drifted hazard: the vectorised CUSUM raises the alarm on the monitor's game."""
    rng = np.random.default_rng(1)
    rug = rng.geometric(hazard, 3000).astype(np.int64)
    engine = EngineConfig()
    lim = Limits.of(GuardsConfig(), engine, stake=1_000_000, bankroll=10**9)
    assert lim.drift is not None
    decided, game = _drift_alarm_game(rug, lim.drift)
    monitor = DriftMonitor(0.005, delta=engine.drift_delta, threshold=engine.drift_log_lr_threshold)
    first = next(g for g in range(rug.size) if monitor.observe(int(rug[g]), 1).alarm)
    assert decided and game == first


def test_a_false_drift_alarm_halts_both_runners_at_the_same_game() -> None:
    """Seed 98: at the first threshold, 9.2 nats, the model's CUSUM crosses it at game 393 of honest games (a
    false alarm, 8.6 % of 20,000-game sessions at 9.2; docs/bench/drift.md): the governor halts there, and the
    vectorised path cuts there too."""
    prof = profile("far_limits")
    prof = prof.model_copy(update={"engine": prof.engine.model_copy(update={"drift_log_lr_threshold": 9.2})})
    p = plan(prof, games=800, seed=98)
    fast, slow = run(p), run(p, Runner.EXACT)
    assert fast.exact_sessions == 0
    assert any(t.startswith("alarm:model_drift: halt") for t in slow.guard_trips)
    assert any(t.startswith("alarm:model_drift: halt") for t in fast.guard_trips)
    assert fast.bets() == slow.bets() and int(fast.game.max()) == 393


def test_a_model_that_would_not_predict_the_landing_keeps_the_exact_runner() -> None:
    p = plan(profile("far_limits"), games=50, seed=1)
    slow_model = dataclasses.replace(
        p,
        setup=dataclasses.replace(p.setup, timing=p.setup.timing.model_copy(update={"click_latency_s": 0.6})),
    )
    assert run(p).exact_sessions == 0 and run(slow_model).exact_sessions == 1


def test_a_user_strategy_named_like_a_builtin_is_asked_itself(tmp_path: Path) -> None:
    """User strategy folders are searched first: a ``fixed.py`` there is not the rule the fast path knows."""
    import bot.engine.strategy as engine_strategy

    builtin = engine_strategy.BUILTIN_STRATEGIES_DIR / "fixed.py"
    src = builtin.read_text().replace("if landing < target:", "if landing < target + 3:")
    assert src != builtin.read_text()
    (tmp_path / "fixed.py").write_text(src)
    own = plan_for(
        profile("far_limits"), "fixed", {}, games=200, seed=1, latency_s=0.22, strategies_dir=tmp_path
    )
    assert entry_rule(own) is None
    log = run(own)
    assert log.exact_sessions == 1 and set(log.decided_tick.tolist()) == {2}  # lands on 3 = its own slot
