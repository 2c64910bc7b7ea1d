"""The numpy generator and runners against the byte-exact generator, real game lengths and the side-bet rules."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from scipy import stats as sst

from bot.engine.types import SideBet, Snapshot
from bot.fair.generator import generate_prices
from bot.game.rules import Outcome, Window, settle
from bot.optimize import fastsim
from bot.optimize.fastsim import EntryRule, SimGuards


class TickRule:
    """A propose() object with an EntryRule's meaning: checks the vector runner against the object runner."""

    def __init__(self, rule: EntryRule) -> None:
        self.rule = rule

    def propose(self, snapshot: Snapshot) -> SideBet | None:
        r = self.rule
        placed = snapshot.ledger.staked_this_game_lamports // r.stake_lamports
        tick = snapshot.game.tick
        if r.max_tick is not None and tick > r.max_tick:
            return None
        if r.max_bets_per_game is not None and placed >= r.max_bets_per_game:
            return None
        if tick < r.first_tick + placed * r.every:
            return None
        return SideBet(r.stake_lamports, "tick rule")


@pytest.mark.parametrize(
    ("rule", "lag"),
    [
        (EntryRule(1_000_000), 1),
        (EntryRule(1_000_000), 3),
        (EntryRule(2_000_000, first_tick=150), 1),
        (EntryRule(1_000_000, first_tick=10, max_tick=120), 2),
        (EntryRule(1_000_000, max_bets_per_game=2), 1),
        (EntryRule(1_000_000, first_tick=-1, every=60, max_bets_per_game=4), 1),
        (EntryRule(1_000_000, first_tick=30, every=10), 2),
    ],
)
def test_vector_runner_equals_object_runner(rule: EntryRule, lag: int) -> None:
    games = fastsim.priced_games(np.random.default_rng(7), 500)
    a = fastsim.run_entry_rule(rule, games.final, lag_ticks=lag)
    b = fastsim.run_strategy(TickRule(rule), games, lag_ticks=lag, starting_bankroll=10**15)
    assert len(a) == len(b) > 40
    for name in ("game", "decided_tick", "start_tick", "rug_tick", "stake", "won"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_vector_outcomes_follow_sidebet_settle() -> None:
    final = fastsim.rug_final_ticks(np.random.default_rng(3), 3000)
    log = fastsim.run_entry_rule(EntryRule(1_000_000, first_tick=5), final, lag_ticks=1)
    expected = [
        settle(Window.starting_at(int(s)), rug_tick=int(f), current_tick=int(f)) is Outcome.WON
        for s, f in zip(log.start_tick, log.rug_tick, strict=True)
    ]
    assert np.array_equal(log.won, np.array(expected))
    assert (log.start_tick < log.rug_tick).all()  # never placed on or after the rug frame


def test_rug_ticks_agree_with_the_arc4_generator() -> None:
    arc4 = np.array([generate_prices(f"seed-{i:04d}", "20251201-evidence").rug_tick for i in range(300)])
    numpy_vec = fastsim.rug_final_ticks(np.random.default_rng(11), 20_000)
    priced = fastsim.priced_games(np.random.default_rng(12), 3000).final
    assert sst.ks_2samp(arc4, numpy_vec).pvalue > 0.01
    assert sst.ks_2samp(arc4, priced).pvalue > 0.01
    assert sst.ks_2samp(numpy_vec, priced).pvalue > 0.01


def test_price_distribution_agrees_with_the_arc4_generator() -> None:
    tick = 30
    arc4 = [
        g.prices[tick]
        for g in (generate_prices(f"p-{i}", "20251201-evidence") for i in range(400))
        if len(g.prices) > tick
    ]
    games = fastsim.priced_games(np.random.default_rng(5), 4000)
    ours = [games.price(i, tick) for i in range(4000) if games.final[i] > tick]
    assert sst.ks_2samp(arc4, ours).pvalue > 0.01


def test_rug_ticks_agree_with_real_game_lengths(real_dir) -> None:  # type: ignore[no-untyped-def]
    with (real_dir / "games" / "game_lengths.csv").open() as f:
        seen: dict[str, int] = {}
        for row in csv.DictReader(f):
            seen[row["game_key"]] = int(row["final_tick"])
    real = np.array(list(seen.values()))
    assert real.size > 1000
    sim = fastsim.rug_final_ticks(np.random.default_rng(0), 50_000)
    assert sst.ks_2samp(real, sim).pvalue > 0.01
    # and a broken hazard would be seen: p = 0.006 is rejected on the same real data
    wrong = np.random.default_rng(0).geometric(0.006, 50_000)
    assert sst.ks_2samp(real, wrong).pvalue < 0.01


def test_first_price_is_one_and_prices_stay_non_negative() -> None:
    g = fastsim.priced_games(np.random.default_rng(1), 500)
    assert all(g.price(i, 0) == 1.0 for i in range(500))
    assert (g.prices >= 0).all()
    assert g.prices.size == int(g.final.sum())


@pytest.mark.parametrize(
    ("guards", "expect"),
    [
        (SimGuards(max_consecutive_losses=3, enforce=True), "max_consecutive_losses"),
        (SimGuards(session_loss_limit=3_000_000, enforce=True), "session_loss_limit"),
        (SimGuards(max_drawdown_pct=50.0, enforce=True), "max_drawdown_pct"),
    ],
)
def test_guards_truncate_at_the_first_trip(guards: SimGuards, expect: str) -> None:
    # bets: L L L L W ... stake 1e6, bankroll 5e6
    won = np.array([False, False, False, False, True, False])
    n = won.size
    log = fastsim.BetLog(
        np.arange(n),
        np.zeros(n, int),
        np.ones(n, int),
        np.full(n, 99),
        np.full(n, 1_000_000),
        won,
        n,
        np.full(n, 99),
        5_000_000,
    )
    out = fastsim.apply_guards(log, guards)
    assert out.guard_trips[0].startswith(expect)
    assert out.halted_at_bet == 3 and len(out) == 3
    counted = fastsim.apply_guards(log, SimGuards(max_consecutive_losses=3))
    assert len(counted) == n and counted.guard_trips == ("max_consecutive_losses@bet3",)


def test_running_loss_streaks() -> None:
    won = np.array([False, False, True, False, False, False, True])
    assert fastsim.loss_streak_lengths_running(won).tolist() == [1, 2, 0, 1, 2, 3, 0]


def test_latency_to_ticks() -> None:
    assert [fastsim.ticks_for_seconds(s) for s in (0.05, 0.22, 0.25, 0.3, 1.0)] == [1, 1, 1, 2, 4]
    assert math.isclose(fastsim.P_WIN_THEORY, 0.18168, abs_tol=1e-5)
