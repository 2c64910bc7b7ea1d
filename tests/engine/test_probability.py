"""The probability model against the rules, against real game lengths, and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bot.config.sections import EngineConfig
from bot.engine.probability import (
    ProbabilityModel,
    beta_ppf,
    kelly_fraction,
    p_win_from_hazard,
)
from bot.engine.types import Zone
from bot.game.state import Phase, TickTiming

from .helpers import finished, real_final_ticks, view

P_RULES = 1 - 0.995**40  # 0.18168


def test_prior_alone_gives_the_rules_numbers() -> None:
    est = ProbabilityModel(EngineConfig()).estimate(view(100))
    assert est.p_win == pytest.approx(P_RULES, abs=1e-4)
    assert est.ev == pytest.approx(5 * P_RULES - 1, abs=5e-4)  # −9.16 %
    assert est.break_even == pytest.approx(0.20)
    assert est.zone is Zone.BELOW
    assert est.kelly == 0.0
    assert est.p_low < est.p_win < est.p_high
    assert est.feasible


@pytest.mark.parametrize("prior_games", [1.0, 20.0, 2000.0])
def test_real_game_lengths_cover_the_rules(prior_games: float) -> None:
    """1,760 distinct real games: the hazard interval covers 0.005 and P(win) 0.1817 lies in the interval.

    With a 1-game prior the data alone decide, so this would fail if the at-risk counting were off by one tick
    per game (≈ 0.5 % bias) only barely; the exact-count check below catches that.
    """
    model = ProbabilityModel(EngineConfig(prior_games=prior_games, drift_alarm=False))
    games = real_final_ticks()
    assert len(games) == 1760
    for gid, final in games:
        model.observe_game(finished(gid, final))
    post = model.hazard_posterior()
    assert post.low <= 0.005 <= post.high
    est = model.estimate(view(120))
    assert est.p_low <= P_RULES <= est.p_high
    assert est.zone is Zone.BELOW  # the real data do not put the side bet anywhere near break-even


def test_at_risk_counting_follows_the_wire_rule() -> None:
    """Final wire tick F = rug loop index + 1: F checks at risk, one rug; a late join at k sees F − k checks."""
    model = ProbabilityModel(EngineConfig(prior_games=1.0))
    model.observe_game(finished("a", 1))  # rugged on the very first check
    model.observe_game(finished("b", 200))
    model.observe_game(finished("c", 300, first=250))  # joined late: 50 checks seen
    post = model.hazard_posterior()
    assert (post.rugs, post.at_risk) == (3, 1 + 200 + 50)
    assert not model.observe_game(finished("b", 200))  # duplicate id ignored
    assert model.hazard_posterior().at_risk == 251


def test_bins_split_exposure_exactly() -> None:
    model = ProbabilityModel(EngineConfig(prior_games=1.0))
    model.observe_game(finished("g", 450))  # loop indices 0..449, rug at 449
    bins = model.hazard_by_bin()
    assert [b.at_risk for b in bins] == [50, 50, 100, 200, 50]
    assert [b.rugs for b in bins] == [0, 0, 0, 0, 1]


def test_bins_show_non_memoryless_data() -> None:
    """Games that always rug at ~tick 60 make the 50–100 bin hazard stand out from the 0–50 bin."""
    model = ProbabilityModel(EngineConfig(prior_games=1.0, drift_alarm=False))
    for i in range(300):
        model.observe_game(finished(f"g{i}", 55 + i % 10))
    b = model.hazard_by_bin()
    assert b[1].low > b[0].high
    assert model.p_win_at(55, by_bin=True) > 0.9
    assert model.p_win_at(55) < model.p_win_at(55, by_bin=True)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1, 199),
        (0.5, 100),
        (3, 20),
        (50, 9950),
        (2000, 398000),
        (2300.0, 460000.0),
        (0.01, 2),
        (1, 1),
        (0.5, 0.5),
        (5000, 1e6),
    ],
)
def test_beta_quantiles_match_scipy(a: float, b: float) -> None:
    for q in (0.025, 0.5, 0.975):
        assert beta_ppf(q, a, b) == pytest.approx(stats.beta.ppf(q, a, b), rel=1e-6)


def test_interval_has_95_percent_coverage_with_weak_prior() -> None:
    """Frequentist check of the credible interval: simulate 200 batches of 100 geometric games."""
    rng = np.random.default_rng(7)
    hits = 0
    for batch in range(200):
        model = ProbabilityModel(EngineConfig(prior_games=0.5, drift_alarm=False))
        for i, r in enumerate(rng.geometric(0.005, size=100)):
            model.observe_game(finished(f"{batch}-{i}", int(r)))  # geometric(1-based) = final wire tick
        post = model.hazard_posterior()
        hits += post.low <= 0.005 <= post.high
    assert 0.90 <= hits / 200 <= 0.99


@pytest.mark.parametrize(
    ("p", "promo", "expected"),
    [
        (P_RULES, 0.0, 0.0),  # EV < 0 → no Kelly
        (0.20, 0.0, 0.0),  # break-even
        (0.25, 0.0, (4 * 0.25 - 0.75) / 4),
        (0.19, 0.10, (0.19 * 4.1 - 0.81 * 0.9) / (4.1 * 0.9)),  # promo turns a small edge positive
        (0.10, 0.10, 0.0),
    ],
)
def test_kelly(p: float, promo: float, expected: float) -> None:
    assert kelly_fraction(p, 5, promo) == pytest.approx(expected)


def test_promo_is_in_ev_and_named_in_note() -> None:
    est = ProbabilityModel(EngineConfig(promo_value_per_bet=0.05)).estimate(view(10))
    assert est.ev == pytest.approx(5 * P_RULES - 1 + 0.05, abs=5e-4)
    assert "promo" in est.note
    assert est.kelly == 0.0  # still negative EV


def test_high_promo_gives_positive_kelly() -> None:
    est = ProbabilityModel(EngineConfig(promo_value_per_bet=0.2)).estimate(view(10))
    assert est.ev > 0 and est.kelly > 0


@pytest.mark.parametrize(
    ("kwargs", "now", "feasible", "why"),
    [
        ({}, None, True, ""),
        ({"phase": Phase.PRESALE, "tick": -1}, None, False, "PRESALE"),
        ({"phase": Phase.COOLDOWN}, None, False, "COOLDOWN"),
        ({"phase": Phase.RUGGED, "rug_tick": 100}, None, False, "RUGGED"),
        ({"rug_tick": 100}, None, False, "after the rug"),
        ({"t": 50.0, "last_tick_t": 50.0}, 52.5, False, "may have rugged"),
        ({"t": 50.0, "last_tick_t": 50.0}, 50.3, True, ""),
    ],
)
def test_feasibility(kwargs: dict[str, object], now: float | None, feasible: bool, why: str) -> None:
    tick = kwargs.pop("tick", 100)
    est = ProbabilityModel(EngineConfig()).estimate(view(tick, **kwargs), now=now)  # type: ignore[arg-type]
    assert est.feasible is feasible
    assert why in est.note


def test_unknown_version_uses_v3_with_note() -> None:
    est = ProbabilityModel(EngineConfig()).estimate(view(10, version="v9"))
    assert "unknown fair version 'v9'" in est.note
    assert est.p_win == pytest.approx(P_RULES, abs=1e-4)
    assert "not announced" in ProbabilityModel(EngineConfig()).estimate(view(10, version=None)).note


@pytest.mark.parametrize(
    ("elapsed", "latency", "interval", "ahead"),
    [
        (0.0, 0.22, 0.25, 1),  # protocol.md: a click lands about one tick later
        (0.1, 0.22, 0.25, 2),
        (0.0, 0.60, 0.25, 3),
        (0.0, 0.22, 0.50, 1),
    ],
)
def test_landing_tick(elapsed: float, latency: float, interval: float, ahead: int) -> None:
    from bot.config.sections import TimingConfig

    model = ProbabilityModel(EngineConfig(), timing=TimingConfig(click_latency_s=latency))
    timing = TickTiming(samples=100, ewma_s=interval, jitter_s=0.01, p50_s=interval, p99_s=interval * 2)
    est = model.estimate(view(77, t=10.0, last_tick_t=10.0, timing=timing), now=10.0 + elapsed)
    assert est.landing_tick == 77 + ahead


def test_measured_latency_moves_landing() -> None:
    model = ProbabilityModel(EngineConfig())
    v = view(50, t=5.0, last_tick_t=5.0)
    assert model.estimate(v, now=5.0).landing_tick == 51
    for _ in range(50):
        model.observe_latency(0.7)
    assert model.timing.latency_s > 0.6
    assert model.estimate(v, now=5.0).landing_tick == 53


def test_window_timing_from_real_like_jitter() -> None:
    est = ProbabilityModel(EngineConfig()).estimate(
        view(10, timing=TickTiming(samples=1000, ewma_s=0.2508, jitter_s=0.03, p50_s=0.2503, p99_s=0.531))
    )
    interval = (20 * 0.25 + 1000 * 0.2503) / 1020  # median gap shrunk towards the nominal 250 ms
    assert est.window_s_mean == pytest.approx(40 * interval)
    assert est.window_s_low < est.window_s_mean < est.window_s_high
    assert est.window_s_high >= 39 * interval + 0.531 - 1e-9


@pytest.mark.parametrize(
    "timing",
    [
        # real: the first gaps of a game after the rug silence arrive as a ~10 ms burst (2025-12-12 capture)
        TickTiming(samples=1, ewma_s=0.0116, jitter_s=0.0, p50_s=0.0116, p99_s=0.0116, max_s=0.0116),
        TickTiming(samples=6, ewma_s=0.099, jitter_s=0.08, p50_s=0.1197, p99_s=0.41, max_s=0.41),
        TickTiming(samples=0),
    ],
)
def test_burst_gaps_do_not_push_landing_far_ahead(timing: TickTiming) -> None:
    est = ProbabilityModel(EngineConfig()).estimate(view(5, t=3.0, last_tick_t=3.0, timing=timing), now=3.0)
    assert est.landing_tick in (6, 7)  # was 13–24 with an EWMA seeded by the burst
    assert 8.0 < est.window_s_mean < 12.0


def test_p_win_from_hazard() -> None:
    assert p_win_from_hazard(0.005) == pytest.approx(0.18168, abs=1e-5)
    assert math.isclose(p_win_from_hazard(0.0), 0.0)
