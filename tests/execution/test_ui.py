"""The operator's view: every field the brief lists is on the screen, and the non-TTY fallback logs lines."""

from __future__ import annotations

import asyncio

import pytest
from loguru import logger
from rich.console import Console

from bot.ui.live import LiveView
from bot.ui.screen import Screen, latency_stats, render

FULL = Screen(
    mode="PRACTICE",
    profile="sim",
    coin_label="FREE",
    game_id="20251228-fcb81ff2dd864862",
    tick=102,
    phase="ACTIVE",
    price=1.2345,
    p_win=0.1817,
    p_low=0.175,
    p_high=0.189,
    ev=-0.0916,
    break_even=0.2,
    last_decision="BET 0.01 at tick 102",
    last_reason="fixed schedule",
    bankroll_lamports=9_990_000_000,
    session_pnl_lamports=-10_000_000,
    bets=3,
    open_bet="103→143",
    guard_level="PAUSED",
    guard_reasons=("balance_mismatch: waiting",),
    feed_connected=True,
    feed_age_s=0.2,
    frames_in=1234,
    sockets_opened=2,
    click_latency_last_ms=18.0,
    click_latency_p50_ms=21.0,
    clicks=3,
    games=4,
    elapsed_s=61,
    note="",
)


@pytest.mark.parametrize(
    ("screen", "expected"),
    [
        (
            FULL,
            [
                "PRACTICE",
                "20251228-fcb81ff2dd864862",
                "102",
                "ACTIVE",
                "1.2345x",
                "0.1817",
                "0.1750",
                "0.1890",
                "-9.16 %",
                "BET 0.01 at tick 102",
                "fixed schedule",
                "9.9900 FREE",
                "-0.0100 FREE",
                "103→143",
                "PAUSED",
                "balance_mismatch",
                "connected",
                "frames 1234",
                "sockets 2",
                "median 21 ms",
            ],
        ),
        (
            Screen(mode="LIVE", profile="live", coin_label="SOL", note="HALTED: signing request"),
            ["LIVE", "P(win)", "—", "DISCONNECTED", "HALTED: signing request"],
        ),
        (Screen(mode="DRY-RUN", profile="default", coin_label="SOL"), ["DRY-RUN", "ACTIVE"]),
    ],
)
def test_render_shows_every_field(screen: Screen, expected: list[str]) -> None:
    console = Console(record=True, width=140)
    console.print(render(screen))
    text = console.export_text()
    for item in expected:
        assert item in text, item


def test_log_line_and_latency_stats() -> None:
    line = FULL.log_line()
    for item in (
        "game 20251228-fcb81ff2dd864862",
        "tick 102",
        "P(win) 0.182",
        "EV -9.2%",
        "bets 3",
        "feed up",
        "click p50 21ms",
        "guards PAUSED",
    ):
        assert item in line
    assert latency_stats([]) == (None, None)
    assert latency_stats([0.01, 0.03, 0.02]) == (20.0, 20.0)


def test_non_tty_falls_back_to_log_lines() -> None:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{message}")
    calls = {"n": 0}

    def build() -> Screen:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("a drawing bug must not stop the bot")
        return FULL

    async def go() -> int:
        async with LiveView(build, tty=False, log_every_s=0.05) as view:
            await asyncio.sleep(0.3)
        return view.lines

    try:
        n = asyncio.run(go())
    finally:
        logger.remove(sink)
    assert n >= 3
    assert sum("status | game 20251228" in x for x in lines) == n
