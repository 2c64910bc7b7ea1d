"""Adaptation never reacts before any click has happened (issue 13: it flapped four times in 2 s before the first bet)."""

from __future__ import annotations

import pytest
from loguru import logger

from bot.engine.adaptive import Adaptation
from bot.money import LAMPORTS_PER_SOL as SOL


@pytest.mark.parametrize(
    ("p99", "ahead"),
    [(0.3, 3), (1.2, 1), (1.2, 5), (0.3, 2)],
)
def test_no_timing_reaction_before_a_bet_settled(p99: float, ahead: int) -> None:
    a = Adaptation(0.4)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="DEBUG", format="{message}")
    try:
        for i in range(8):  # alternating, as the prior-based prediction does frame by frame
            a.on_timing(p99, ahead if i % 2 == 0 else 1, i * 0.25)
    finally:
        logger.remove(sink)
    assert a.factor == 1.0 and not a.timing_degraded
    assert lines == []


def test_timing_reacts_once_a_bet_has_settled() -> None:
    a = Adaptation(0.4)
    a.on_timing(0.3, 3, 0.0)
    assert a.factor == 1.0
    a.on_settled(False, SOL // 100, 0.1817, 1.0)
    a.on_timing(0.3, 3, 2.0)
    assert a.timing_degraded and a.factor == pytest.approx(0.8)
    assert "clicks land 3 ticks late" in a.reason()


def test_change_is_logged_with_a_utc_time_not_an_epoch() -> None:
    a = Adaptation(0.4)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{level} {message}")
    try:
        a.on_settled(False, SOL // 100, 0.1817, 1_764_500_000.0)
        a.on_timing(0.3, 3, 1_764_500_000.5)
    finally:
        logger.remove(sink)
    assert lines == [
        "WARNING adaptation tightened at 2025-11-30T10:53:20.500Z: stakes ×0.80: clicks land 3 ticks late (limit 3)\n"
    ]


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_764_500_000.25, "2025-11-30T10:53:20.250Z"),
        (float("nan"), "t=nan"),
    ],
)
def test_iso(t: float, text: str) -> None:
    from bot.utc import iso

    assert iso(t) == text
