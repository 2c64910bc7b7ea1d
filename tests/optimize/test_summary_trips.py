"""A halt or kill is never cut from the text summary (operator report: ``simulate --profile sim --seed 1``
showed five cool-down trips and "… 7 more"; the ``max_consecutive_losses: halt`` was only in ``--json``)."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.report.summary import trip_summary

PAUSE = [f"loss_streak_cooldown: {a} ({n} losses in a row)" for n in range(3) for a in ("pause", "clear")]


def test_simulate_text_shows_the_halt_first(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "--profile", "sim", "--seed", "1", "--no-baseline"]
    assert main([*args, "--json"]) == 0
    trips = json.loads(capsys.readouterr().out)["guard_trips"]
    halts = [t for t in trips if ": halt" in t]
    assert halts and trips.index(halts[0]) >= 5  # the case the old five-entry cut hid
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())  # rich wraps at the terminal width
    assert f"guards {halts[0]}," in text


@pytest.mark.parametrize(
    ("trips", "expected"),
    [
        ([], []),
        (PAUSE[:2], PAUSE[:2]),
        (
            [*PAUSE, "max_consecutive_losses: halt (30 in a row)"],
            ["max_consecutive_losses: halt (30 in a row)", *PAUSE[:4], "… 2 more"],
        ),
        (
            ["session_loss_limit: halt (a)", *PAUSE, "session_loss_limit: halt (b)", "take_profit: kill (c)"],
            ["session_loss_limit: halt ×2", "take_profit: kill (c)", *PAUSE[:3], "… 3 more"],
        ),
        (
            [f"g{i}: halt (x)" for i in range(7)] + PAUSE[:1],
            [f"g{i}: halt (x)" for i in range(7)] + ["… 1 more"],
        ),
    ],
)
def test_trip_summary_table(trips: list[str], expected: list[str]) -> None:
    assert trip_summary(trips) == expected
