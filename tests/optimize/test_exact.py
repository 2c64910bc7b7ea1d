"""The exact runner against the whole trading loop, and its shortcuts against the runner without them.

The loop (``simulate --session``: generated frames → tracker → model → Decider → governor → paper broker →
SQLite) is the reference. Cases are chosen so that guards act: a loss limit that binds at the third stake; a
profile whose bets-per-hour pause, loss-streak cool-down, per-game limit and adaptive stake all act; and one whose
daily loss limit pauses at the session limit's level across UTC midnight (the guard events the loop wrote are
checked for that). A daily limit below the session limit is refused at load (issue 13), so within one session the
daily limit can pause but cannot clear before the session limit halts; its clearing is the governor's own tests'.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.optimize.exact import ExactRunner
from bot.optimize.loop_sim import run_through_loop
from bot.optimize.montecarlo import Runner, entry_rule, session_games
from tests.optimize.helpers import MIDNIGHT, plan, profile, run


def _acted(trips: tuple[str, ...]) -> set[str]:
    return {t.split(" (")[0] for t in trips}


ALL_DELAYS = {
    "max_bets_per_hour: pause",
    "loss_streak_cooldown: pause",
}
DAILY = {"daily_loss_limit: pause", "session_loss_limit: halt"}


@pytest.mark.parametrize(
    ("name", "games", "seed", "feed_t0", "must_act", "tightened"),
    [
        ("loss_limit", 20, 1, None, {"session_loss_limit: halt"}, False),
        ("delays", 100, 9, MIDNIGHT - 2400, ALL_DELAYS, True),  # and stakes tightened to 0.001
        ("daily", 100, 19, MIDNIGHT - 2400, DAILY, False),
        (
            "delays",
            100,
            5,
            MIDNIGHT - 2400,
            {"loss_streak_cooldown: pause", "max_stake_per_game: deny"},
            False,
        ),
    ],
)
def test_exact_runner_places_the_trading_loops_bets(
    name: str, games: int, seed: int, feed_t0: float | None, must_act: set[str], tightened: bool
) -> None:
    p = plan(profile(name), games=games, seed=seed, feed_t0=feed_t0)
    loop = run_through_loop(p, profile(name))
    assert must_act <= _acted(loop.log.guard_trips)  # the case exercises what it claims to
    assert (len(set(loop.log.stake.tolist())) > 1) is tightened
    exact = run(p, Runner.EXACT)
    assert exact.exact_sessions == 1 and len(loop.log) > 1
    assert exact.bets() == loop.log.bets()
    assert np.array_equal(exact.settled_t, loop.log.settled_t)
    assert run(p).bets() == loop.log.bets()  # and whatever runner the plan picks


@pytest.mark.parametrize(
    ("name", "games", "seed", "feed_t0"),
    [
        ("loss_limit", 300, 2, None),
        ("delays", 100, 22, MIDNIGHT - 2400),
        ("delays", 100, 19, MIDNIGHT - 2400),
        ("stops", 400, 7, None),
    ],
)
def test_slot_hints_and_lean_reports_change_no_bet(
    name: str, games: int, seed: int, feed_t0: float | None
) -> None:
    """The runner asks a tick-only rule only when its slot is due and hands the governor only settlements;
    asking on every tick, with every report and a governor tick on every visit, places the same bets."""
    p = plan(profile(name), games=games, seed=seed, feed_t0=feed_t0)
    hinted = run(p, Runner.EXACT)
    assert hinted.bets() == run(p, Runner.EVERY_TICK).bets()
    _, timeline, prices = session_games(p, 0)
    full = ExactRunner(p.setup, hint=entry_rule(p), timeline=timeline, every_report=True).run(prices())
    assert full.bets() == hinted.bets() and len(hinted) > 0


def test_a_halt_ends_the_session() -> None:
    p = plan(profile("loss_limit"), games=300, seed=1, runner=Runner.EXACT)
    log = run(p)
    assert any(t.startswith("session_loss_limit: halt") for t in log.guard_trips)
    assert int(log.profit.sum()) >= -2_500_000
    assert log.declined == ()  # nothing was asked after the halt
