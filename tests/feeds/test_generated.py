"""Generated games against the byte-exact generator, real game lengths and the feed-time contract."""

from __future__ import annotations

import csv
import json

import numpy as np
from scipy import stats as sst

from bot.fair.generator import generate_prices
from bot.feeds.generated import Timeline, price_paths, priced_games, rug_ticks, session_frames
from bot.game.rules import NOMINAL_TICK_S, P_WIN
from bot.optimize.metrics import ticks_for_seconds


def test_rug_ticks_agree_with_the_arc4_generator() -> None:
    arc4 = np.array([generate_prices(f"seed-{i:04d}", "20251201-evidence").rug_tick for i in range(300)])
    numpy_vec = rug_ticks(np.random.default_rng(11), 20_000)
    priced = priced_games(np.random.default_rng(12), 3000).rug
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
    games = priced_games(np.random.default_rng(5), 4000)
    ours = [games.price(i, tick) for i in range(4000) if games.rug[i] > tick]
    assert sst.ks_2samp(arc4, ours).pvalue > 0.01


def test_rug_ticks_agree_with_real_game_lengths(real_dir) -> None:  # type: ignore[no-untyped-def]
    with (real_dir / "games" / "game_lengths.csv").open() as f:
        seen: dict[str, int] = {}
        for row in csv.DictReader(f):
            seen[row["game_key"]] = int(row["final_tick"])
    real = np.array(list(seen.values()))
    assert real.size > 1000
    sim = rug_ticks(np.random.default_rng(0), 50_000)
    assert sst.ks_2samp(real, sim).pvalue > 0.01
    # and a broken hazard would be seen: p = 0.006 is rejected on the same real data
    wrong = np.random.default_rng(0).geometric(0.006, 50_000)
    assert sst.ks_2samp(real, wrong).pvalue < 0.01


def test_first_price_is_one_and_prices_stay_non_negative() -> None:
    g = priced_games(np.random.default_rng(1), 500)
    assert all(g.price(i, 0) == 1.0 for i in range(500))
    assert (g.prices >= 0).all()
    assert g.prices.size == int(g.rug.sum())


def test_paths_have_the_given_lengths_and_differ_by_stream() -> None:
    rug = np.array([1, 7, 3, 200, 1, 55])
    a = price_paths(np.random.default_rng(1), rug)
    b = price_paths(np.random.default_rng(2), rug)
    assert [a.path(i).size for i in range(rug.size)] == rug.tolist()
    assert not np.array_equal(a.prices, b.prices)
    assert np.array_equal(a.prices, price_paths(np.random.default_rng(1), rug).prices)


def test_frames_carry_the_timeline_times_exactly() -> None:
    """The exact runner computes feed times from the Timeline; the frames must carry the same numbers."""
    games = priced_games(np.random.default_rng(3), 6)
    timeline = Timeline.of(games.rug)
    ticks = [(t, json.loads(f[f.index("[") :])[1]) for t, _, f in session_frames(games, timeline)]
    active = [(t, d) for t, d in ticks if d["active"] and not d["rugged"]]
    assert len(active) == int(games.rug.sum())
    by_game: dict[str, int] = {}
    for t, d in active:
        g = by_game.setdefault(d["gameId"], len(by_game))
        assert t == timeline.tick_t(g, d["tickCount"])  # equal, not close: times are multiples of 1/4 s
    rugs = [(t, d) for t, d in ticks if d["rugged"]]
    assert [d["tickCount"] for _, d in rugs] == games.rug.tolist()
    gaps = np.diff([t for t, _ in ticks])
    assert gaps.min() > 0 and gaps.max() <= 5.0 + 1e-6  # never a silence the feed guards would call stale


def test_latency_to_ticks() -> None:
    assert [ticks_for_seconds(s) for s in (0.05, 0.22, 0.25, 0.3, 1.0)] == [1, 1, 1, 2, 4]
    assert NOMINAL_TICK_S == 0.25
    assert abs(P_WIN - 0.18168) < 1e-5
