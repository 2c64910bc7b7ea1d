"""A bet settled by ``currentSidebetResult`` says when it really settled (issue 13, "settled at tick 58 gives
the start tick"). On the wire a loss carries ``tickIndex == startTick`` (all 847 losses in
tests/fixtures/real/games/sidebet_settlements.csv) and a win the rug tick (its first row: start 15, rug 16)."""

from __future__ import annotations

from bot.bets.model import BetStatus
from tests.bets.test_tracker import Case, event, record, request, run_case


def test_a_loss_names_its_window_not_its_start_tick_as_the_settlement() -> None:
    lost = record(12, payout=0.0)  # as the server sends it: tickIndex = startTick = 12
    _, reports = run_case(Case("lost", [request(7), ("in", event("currentSidebetResult", lost))], []))
    final = reports[-1]
    assert final.status is BetStatus.LOST
    assert "at tick 12" not in final.message, final.message
    assert "window" in final.message and "52" in final.message, final.message


def test_a_win_names_the_rug_tick() -> None:
    won = {**record(15, payout=0.05), "tickIndex": 16}
    _, reports = run_case(Case("won", [request(7), ("in", event("currentSidebetResult", won))], []))
    final = reports[-1]
    assert final.status is BetStatus.WON
    assert "rug at tick 16" in final.message, final.message
