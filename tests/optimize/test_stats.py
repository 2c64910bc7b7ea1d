"""Hand-rolled statistics against scipy and the numbers in protocol.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special
from scipy import stats as sst

from bot.optimize import stats
from bot.optimize.metrics import P_WIN_THEORY, Q_LOSS_THEORY, BetRecords, evaluate


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (18, 100), (182, 1000), (9_000, 50_000), (10, 10)])
def test_clopper_pearson_matches_scipy(k: int, n: int) -> None:
    ours = stats.clopper_pearson(k, n)
    ref = sst.binomtest(k, n).proportion_ci(method="exact")
    assert ours.low == pytest.approx(ref.low, abs=1e-9)
    assert ours.high == pytest.approx(ref.high, abs=1e-9)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (18, 100), (9_000, 50_000)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ours = stats.wilson(k, n)
    ref = sst.binomtest(k, n).proportion_ci(method="wilson")
    assert ours.low == pytest.approx(ref.low, abs=1e-9)
    assert ours.high == pytest.approx(ref.high, abs=1e-9)


@pytest.mark.parametrize(("a", "b", "x"), [(1, 1, 0.3), (5, 2, 0.7), (200, 800, 0.2), (0.5, 3, 0.01)])
def test_betainc_matches_scipy(a: float, b: float, x: float) -> None:
    assert stats.betainc(a, b, x) == pytest.approx(float(special.betainc(a, b, x)), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("length", "expected"), [(10, 0.135), (20, 0.018), (30, 0.0024)])
def test_streak_probabilities_from_protocol(length: int, expected: float) -> None:
    # protocol.md: P(L losses in a row) for a run of exactly L bets
    assert stats.p_losing_streak_at_least(length, length, Q_LOSS_THEORY) == pytest.approx(expected, rel=0.03)


def test_streak_probability_against_simulation() -> None:
    rng = np.random.default_rng(0)
    lost = rng.random((4000, 200)) < Q_LOSS_THEORY
    longest = np.array([stats.max_run(row) for row in lost])
    p_sim = float((longest >= 25).mean())
    assert stats.p_losing_streak_at_least(25, 200, Q_LOSS_THEORY) == pytest.approx(p_sim, abs=0.02)
    approx = stats.p_losing_streak_at_least(25, 200_000, Q_LOSS_THEORY)  # Poisson branch
    assert 0.0 < approx <= 1.0


@pytest.mark.parametrize(
    ("flags", "longest", "runs"),
    [([], 0, []), ([False], 0, []), ([True, True, False, True], 2, [2, 1]), ([True] * 5, 5, [5])],
)
def test_runs(flags: list[bool], longest: int, runs: list[int]) -> None:
    assert stats.max_run(np.array(flags, dtype=bool)) == longest
    assert stats.run_lengths(np.array(flags, dtype=bool)).tolist() == runs


def test_max_drawdown() -> None:
    dd, frac = stats.max_drawdown(np.array([110, 90, 120, 60, 100]), 100)
    assert dd == 60 and frac == pytest.approx(0.5)


def test_binomial_p_value_rejects_a_biased_coin() -> None:
    assert stats.binom_two_sided_p(2000, 10_000, P_WIN_THEORY) < 1e-5
    assert stats.binom_two_sided_p(1817, 10_000, P_WIN_THEORY) > 0.5


def _records(won: np.ndarray, stake: int = 1_000_000, pool: np.ndarray | None = None) -> BetRecords:
    return BetRecords(
        stake=np.full(won.size, stake), won=won, starting_bankroll=10**9, games=won.size, final_pool=pool
    )


def test_evaluate_money_and_streaks() -> None:
    won = np.array([False, False, True, False, False, False])
    rep = evaluate(_records(won), baseline=False)
    assert (rep.bets, rep.wins, rep.max_losing_streak) == (6, 1, 3)
    assert rep.staked_lamports == 6_000_000 and rep.payout_lamports == 5_000_000
    assert rep.profit_lamports == -1_000_000 and rep.final_bankroll_lamports == 10**9 - 1_000_000
    assert rep.max_drawdown_lamports == 3_000_000
    assert rep.series.streak_lengths == [1, 2, 3] and rep.series.streak_counts == [0, 1, 1]


def test_baseline_detects_a_rule_that_sees_the_future() -> None:
    """A cheating rule (wins 30 %) must beat random timing; a fair one must not."""
    rng = np.random.default_rng(1)
    pool = rng.geometric(0.005, 50_000)
    cheat = evaluate(_records(rng.random(5000) < 0.30, pool=pool), seed=1)
    fair = evaluate(_records(rng.random(5000) < P_WIN_THEORY, pool=pool), seed=1)
    assert cheat.baseline is not None and cheat.baseline.p_value < 0.01
    assert fair.baseline is not None and fair.baseline.p_value > 0.05
    assert cheat.above_break_even and not fair.above_break_even


def test_report_round_trips_through_json() -> None:
    import json

    from bot.optimize.metrics import EvidenceReport

    rep = evaluate(_records(np.array([True, False, False]), pool=np.arange(5, 305, 10)), seed=2)
    back = EvidenceReport.from_dict(json.loads(json.dumps(rep.to_dict())))
    assert back == rep
