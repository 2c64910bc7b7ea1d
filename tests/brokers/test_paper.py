"""Paper broker (dry-run and replay): landing after latency, settlement by the shared rules, never a click.

Table-driven: a bet decided at tick 10 (t = 10 * 0.25) with 0.22 s latency lands on the next tick frame whose
receive time is ≥ decided_t + latency; what follows decides the outcome.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.bets.model import BetIntent, BetStatus
from bot.brokers.paper import DryBroker, PaperBroker, ReplayBroker
from bot.game.signals import GameRugged, GameStarted, TickAdvanced
from bot.game.state import FinishedGame, GameView, Phase
from bot.mode import Mode

GAME = "20251212-aaaaaaaaaaaaaaaa"
TICK_S = 0.25


def view(tick: int, phase: Phase = Phase.ACTIVE, game: str = GAME) -> GameView:
    return GameView(
        game_id=game, phase=phase, tick=tick, price=1.0, t=tick * TICK_S, last_tick_t=tick * TICK_S
    )


def intent(tick: int = 10, amount: int = 10_000_000) -> BetIntent:
    return BetIntent("b1", GAME, tick, tick * TICK_S, amount, "0xPractice", "fixed", "test")


def tick(n: int, game: str = GAME) -> TickAdvanced:
    return TickAdvanced(game, n, 1.0, n * TICK_S)


def rug(final: int, game: str = GAME, proven: bool = True) -> GameRugged:
    return GameRugged(FinishedGame(game, final, 2.0, final * TICK_S, 0, True, proven=proven))


# (name, events after the decision at tick 10, expected final status, expected start tick, expected payout)
SCENARIOS = [
    ("lands next tick, loses after window", [tick(t) for t in range(11, 53)], BetStatus.LOST, 11, 0),
    ("rug inside window wins 5x", [tick(11), tick(12), rug(30)], BetStatus.WON, 11, 50_000_000),
    (
        "rug exactly on end tick wins",
        [*(tick(t) for t in range(11, 51)), rug(51)],
        BetStatus.WON,
        11,
        50_000_000,
    ),
    ("rug one past end tick loses", [*(tick(t) for t in range(11, 52)), rug(52)], BetStatus.LOST, 11, 0),
    ("rug before landing is rejected", [rug(10)], BetStatus.REJECTED, None, 0),
    # a rug inferred from a feed gap only bounds the rug tick from below: never a win on it
    (
        "unproven rug inside window is voided",
        [tick(11), tick(12), rug(30, proven=False)],
        BetStatus.CANCELLED,
        11,
        0,
    ),
    (
        "unproven rug past the window is a certain loss",
        [*(tick(t) for t in range(11, 45)), rug(52, proven=False)],
        BetStatus.LOST,
        11,
        0,
    ),
    (
        "new game before landing is rejected",
        [GameStarted("other", 3.0, None, "v3")],
        BetStatus.REJECTED,
        None,
        0,
    ),
]


@pytest.mark.parametrize(
    ("name", "events", "status", "start", "payout"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_paper_bet_lifecycle(
    name: str, events: list[object], status: BetStatus, start: int | None, payout: int
) -> None:
    broker = DryBroker(latency_s=0.22)
    submitted = asyncio.run(broker.submit(intent()))
    assert submitted.status is BetStatus.CLICKED
    reports = []
    for ev in events:
        t = getattr(ev, "tick", None)
        reports += broker.on_signal(ev, view(t if t is not None else 10))  # type: ignore[arg-type]
    assert reports[-1].status is status
    assert reports[-1].payout_lamports == payout
    if start is not None:
        confirmed = [r for r in reports if r.status is BetStatus.CONFIRMED]
        assert (
            len(confirmed) == 1 and confirmed[0].start_tick == start and confirmed[0].end_tick == start + 40
        )
        assert confirmed[0].latency_s == pytest.approx(0.25)
    assert broker.open_bets == 0
    assert (
        sum(
            r.status in (BetStatus.WON, BetStatus.LOST, BetStatus.REJECTED, BetStatus.CANCELLED)
            for r in reports
        )
        == 1
    )


def test_latency_longer_than_a_tick_lands_later() -> None:
    broker = ReplayBroker(latency_s=0.6)
    broker.place(intent())
    reports = []
    for n in (11, 12, 13):
        reports += broker.on_signal(tick(n), view(n))
    assert [r.start_tick for r in reports if r.status is BetStatus.CONFIRMED] == [13]
    assert broker.mode is Mode.REPLAY


def test_does_not_land_outside_active_phase() -> None:
    broker = DryBroker(latency_s=0.0)
    broker.place(intent())
    assert broker.on_signal(tick(11), view(11, Phase.RUGGED)) == []
    assert broker.on_signal(tick(12), view(12))[0].start_tick == 12


def test_negative_latency_refused() -> None:
    with pytest.raises(ValueError):
        PaperBroker(Mode.DRY_RUN, -0.1)
