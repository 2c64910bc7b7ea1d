"""TickTimer: EWMA, jitter, windowed percentiles with eviction, stalls, junk gaps ignored."""

from __future__ import annotations

import math
import random

import pytest

from bot.game.timing import TickTimer

CASES = [
    # (gaps fed, window, expected samples, p50, p99, max, stalls)
    ([], 8, 0, 0.25, 0.25, 0.0, 0),
    ([0.25], 8, 1, 0.25, 0.25, 0.25, 0),
    ([0.2, 0.3, 0.25], 8, 3, 0.25, 0.3, 0.3, 0),
    ([0.25, 1.5, 0.25, 2.5], 8, 4, 0.25, 2.5, 2.5, 2),
    # the window keeps the last 3 gaps; max and stalls are over all gaps
    ([5.0, 0.1, 0.2, 0.3], 3, 4, 0.2, 0.3, 5.0, 1),
    # junk is ignored entirely
    ([0.25, -1.0, math.nan, math.inf, 0.25], 8, 2, 0.25, 0.25, 0.25, 0),
    ([1.0, 1.0000001], 8, 2, 1.0, 1.0000001, 1.0000001, 1),  # a stall is strictly longer than 1 s
]


@pytest.mark.parametrize(("gaps", "window", "samples", "p50", "p99", "mx", "stalls"), CASES)
def test_timer_table(
    gaps: list[float], window: int, samples: int, p50: float, p99: float, mx: float, stalls: int
) -> None:
    timer = TickTimer(window=window)
    for g in gaps:
        timer.add(g)
    s = timer.snapshot()
    assert (s.samples, s.stalls) == (samples, stalls)
    assert s.p50_s == pytest.approx(p50)
    assert s.p99_s == pytest.approx(p99)
    assert s.max_s == pytest.approx(mx)


def test_window_percentiles_match_a_sort_after_many_evictions() -> None:
    rnd = random.Random(7)
    timer = TickTimer(window=50)
    gaps = [rnd.lognormvariate(-1.4, 0.3) for _ in range(1000)]
    for g in gaps:
        timer.add(g)
    last = sorted(gaps[-50:])
    s = timer.snapshot()
    assert s.p50_s == last[(50 - 1) // 2]
    assert s.p99_s == last[min(49, int(0.99 * 50))]
    assert s.samples == 1000 and s.last_gap_s == gaps[-1]


def test_ewma_and_jitter_converge() -> None:
    timer = TickTimer(alpha=0.1)
    for i in range(500):
        timer.add(0.2 if i % 2 else 0.3)
    s = timer.snapshot()
    assert s.ewma_s == pytest.approx(0.25, abs=0.01)
    assert s.jitter_s == pytest.approx(0.05, abs=0.01)


def test_snapshot_is_cached_until_next_gap() -> None:
    timer = TickTimer()
    timer.add(0.25)
    a = timer.snapshot()
    assert timer.snapshot() is a
    timer.add(0.3)
    assert timer.snapshot() is not a


@pytest.mark.parametrize(("window", "alpha"), [(0, 0.1), (8, 0.0), (8, 1.5)])
def test_bad_parameters(window: int, alpha: float) -> None:
    with pytest.raises(ValueError):
        TickTimer(window=window, alpha=alpha)
