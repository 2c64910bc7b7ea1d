"""The screen never shows the feed's "no tick yet" (-1) as a tick."""

from __future__ import annotations

import pytest
from rich.console import Console

from bot.ui.screen import Screen, render


def _text(s: Screen) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(render(s))
    return console.export_text()


@pytest.mark.parametrize(
    ("tick", "phase", "shown", "absent"),
    [
        (-1, "PRESALE", "tick —", "tick -1"),
        (-1, "UNKNOWN", "tick —", "tick -1"),
        (0, "ACTIVE", "tick 0", "tick —"),
        (57, "ACTIVE", "tick 57", "tick —"),
    ],
)
def test_tick_before_active_is_a_dash(tick: int, phase: str, shown: str, absent: str) -> None:
    s = Screen(mode="PRACTICE", profile="sim", coin_label="FREE", tick=tick, phase=phase)
    line = s.log_line()
    assert f"{shown} {phase}" in line and absent not in line
    panel = _text(s)
    assert f"tick / phase   {shown.removeprefix('tick ')}  {phase}" in panel
    assert "-1" not in panel


def test_reasons_and_ids_are_text_not_markup() -> None:
    s = Screen(
        mode="PRACTICE",
        profile="sim",
        coin_label="FREE",
        game_id="[x]",
        last_decision="skip at tick 3",
        last_reason="P(win) [0.1744 – 0.1887] [bold]",
        open_bet="[5]→45",
    )
    panel = _text(s)
    assert "P(win) [0.1744 – 0.1887] [bold]" in panel and "[x]" in panel and "[5]→45" in panel
