"""A process dies at each step of a bet's life; the next one reconciles the bet from the server's truth.

Real parts: SQLite store, governor and ledger, tracker, session. Process 1 writes the bet as far as the crash
point and records the server balance it saw; process 2 (new Governor + TradingLoop on the same file) sees the
frames the server sends after a restart (``playerUpdate``, ``currentSidebetResult``) and must end with the bet
settled or cancelled as the server says, its ledger equal to the server balance, and no new bet in between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app.loop import TradingLoop
from bot.bets.model import BetStatus, BrokerReport
from bot.brokers.paper import DryBroker
from bot.config.profile import profile_from_dict
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.engine.types import SideBet
from bot.game.state import GameView, Phase
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import PRACTICE_COIN
from bot.risk.governor import Governor, Level
from bot.store.db import Store

REPO = Path(__file__).resolve().parents[2]
GAME = "20261124-00000000000000aa"
STAKE = 10_000_000  # 0.01 FREE
PROFILE = profile_from_dict(
    {"mode": "practice", "engine": {"strategies": [{"name": "fixed", "params": {"stake_sol": 0.01}}]}}
)


def player_update(
    t: float, balance: float, active: dict[str, object] | None = None
) -> tuple[float, str, str]:
    body = {
        "id": "did:sim:me",
        "cash": 0.0,
        "shitcoinBalances": {PRACTICE_COIN: balance},
        "authenticated": True,
        "sideBet": active,
        "sidebets": [],
    }
    return t, "in", "42" + json.dumps(["playerUpdate", body])


def sidebet_event(name: str, t: float, payout: float | None) -> tuple[float, str, str]:
    body: dict[str, object] = {
        "playerId": "did:sim:me",
        "gameId": GAME,
        "betAmount": 0.01,
        "xPayout": 5,
        "coinAddress": PRACTICE_COIN,
        "startTick": 12,
        "endTick": 52,
        "tickIndex": 30,
        "timestamp": int(t * 1000),
        "type": "placed" if payout is None else "payout",
    }
    if payout is not None:
        body.update(payout=payout, profit=payout - 0.01)
    return t, "in", "42" + json.dumps([name, {"__trace": True, "traceparent": "00-x-y-01"}, body])


ACTIVE = {
    "gameId": GAME,
    "betAmount": 0.01,
    "xPayout": 5,
    "coinAddress": PRACTICE_COIN,
    "startTick": 12,
    "endTick": 52,
    "tickIndex": 12,
    "type": "placed",
}


@dataclass(frozen=True)
class Case:
    name: str
    crash_after: BetStatus  # how far process 1 got
    frames: list[tuple[float, str, str]]  # what the server sends process 2
    final: BetStatus
    server_balance: float


CASES = [
    Case(
        "after intent, never clicked",
        BetStatus.INTENT,
        [player_update(200.0, 100.0)],
        BetStatus.CANCELLED,
        100.0,
    ),
    Case(
        "after click, server lost it", BetStatus.CLICKED, [player_update(200.0, 99.99)], BetStatus.LOST, 99.99
    ),
    Case(
        "before confirmation, still active, then won",
        BetStatus.CLICKED,
        [
            player_update(200.0, 99.99, ACTIVE),
            sidebet_event("currentSidebetResult", 201.0, 0.05),
            player_update(201.1, 100.04),
        ],
        BetStatus.WON,
        100.04,
    ),
    Case(
        "before settlement, won while down",
        BetStatus.CONFIRMED,
        [player_update(200.0, 100.04)],
        BetStatus.WON,
        100.04,
    ),
    Case(
        "before settlement, result arrives",
        BetStatus.CONFIRMED,
        [sidebet_event("currentSidebetResult", 200.0, 0.0), player_update(200.1, 99.99)],
        BetStatus.LOST,
        99.99,
    ),
]


def process_one(db: Path, crash_after: BetStatus) -> str:
    store = Store.open(db)
    gov = Governor.start(
        PROFILE.guards,
        store,
        mode="PRACTICE",
        profile="t",
        coin=PRACTICE_COIN,
        logged_in=True,
        starting_bankroll_lamports=0,
        t=99.0,
    )
    tracker = GameTracker()
    session = TradingLoop(
        mode=Mode.PRACTICE,
        coin=PRACTICE_COIN,
        tracker=tracker,
        model=ProbabilityModel(PROFILE.engine),
        decider=Decider(PROFILE.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(0.2),
    )
    session.on_frame(*player_update(100.0, 100.0))  # the balance before the bet, as the server said it
    view = GameView(game_id=GAME, phase=Phase.ACTIVE, tick=10, price=1.0, t=100.5, last_tick_t=100.5)
    intent = gov.open_bet(SideBet(STAKE, "crash test", "fixed"), view, PRACTICE_COIN)
    if crash_after in (BetStatus.CLICKED, BetStatus.CONFIRMED):
        gov.on_report(BrokerReport(intent.bet_id, BetStatus.CLICKED, 100.6))
    if crash_after is BetStatus.CONFIRMED:
        gov.on_report(BrokerReport(intent.bet_id, BetStatus.CONFIRMED, 100.8, start_tick=12, end_tick=52))
    store.close()  # SIGKILL here: nothing after this point was written
    return intent.bet_id


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_restart_reconciles_from_server_truth(tmp_path: Path, case: Case) -> None:
    db = tmp_path / "bot.db"
    bet_id = process_one(db, case.crash_after)

    store = Store.open(db)
    gov = Governor.start(
        PROFILE.guards,
        store,
        mode="PRACTICE",
        profile="t",
        coin=PRACTICE_COIN,
        logged_in=True,
        starting_bankroll_lamports=0,
        t=199.0,
    )
    session = TradingLoop(
        mode=Mode.PRACTICE,
        coin=PRACTICE_COIN,
        tracker=GameTracker(),
        model=ProbabilityModel(PROFILE.engine),
        decider=Decider(PROFILE.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(0.2),
    )
    assert session.bets.left_open == 1
    for frame in case.frames:
        session.on_frame(*frame)
        if session.bets.left_open:
            # no new bet while an old one is unexplained: paused, or the one active bet is the reconciled one
            assert not gov.state.can_bet or gov.ledger_view().open_bet is not None
    bets = {b.bet_id: b for b in store.bets()}
    assert len(bets) == 1, "no bet may be placed twice or invented"
    assert bets[bet_id].status is case.final
    assert session.bets.left_open == 0
    assert gov.ledger.bankroll == round(case.server_balance * 1e9)
    assert gov.ledger.balance_difference() in (0, None), "the ledger's own arithmetic agrees with the server"
    assert gov.state.level is not Level.HALTED
    store.close()


def test_unexplained_balance_halts(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    bet_id = process_one(db, BetStatus.CLICKED)
    store = Store.open(db)
    gov = Governor.start(
        PROFILE.guards,
        store,
        mode="PRACTICE",
        profile="t",
        coin=PRACTICE_COIN,
        logged_in=True,
        starting_bankroll_lamports=0,
        t=199.0,
    )
    session = TradingLoop(
        mode=Mode.PRACTICE,
        coin=PRACTICE_COIN,
        tracker=GameTracker(),
        model=ProbabilityModel(PROFILE.engine),
        decider=Decider(PROFILE.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(0.2),
    )
    session.on_frame(*player_update(200.0, 97.5))  # 2.5 FREE gone: no outcome of a 0.01 bet explains that
    assert gov.state.level is Level.HALTED
    assert {b.bet_id: b.status for b in store.bets()}[bet_id] is BetStatus.UNKNOWN
    # and the halt survives another restart
    store.close()
    store = Store.open(db)
    again = Governor.start(
        PROFILE.guards,
        store,
        mode="PRACTICE",
        profile="t",
        coin=PRACTICE_COIN,
        logged_in=True,
        starting_bankroll_lamports=0,
        t=300.0,
    )
    assert again.state.level is Level.HALTED
    store.close()


def test_dry_run_paper_bets_of_a_dead_process_are_cancelled(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = Store.open(db)
    prof = profile_from_dict({})
    gov = Governor.start(
        prof.guards,
        store,
        mode="DRY-RUN",
        profile="t",
        coin=prof.coin,
        logged_in=False,
        starting_bankroll_lamports=10**9,
        t=1.0,
    )
    view = GameView(game_id=GAME, phase=Phase.ACTIVE, tick=10, price=1.0, t=1.5, last_tick_t=1.5)
    bet_id = gov.open_bet(SideBet(1_000_000, "x", "ev_threshold"), view, prof.coin).bet_id
    store.close()
    store = Store.open(db)
    gov = Governor.start(
        prof.guards,
        store,
        mode="DRY-RUN",
        profile="t",
        coin=prof.coin,
        logged_in=False,
        starting_bankroll_lamports=10**9,
        t=5.0,
    )
    session = TradingLoop(
        mode=Mode.DRY_RUN,
        coin=prof.coin,
        tracker=GameTracker(),
        model=ProbabilityModel(prof.engine),
        decider=Decider(prof.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(0.2),
    )
    session.on_frame(*player_update(6.0, 0.0))
    assert store.bets()[0].bet_id == bet_id and store.bets()[0].status is BetStatus.CANCELLED
    assert gov.ledger_view().bankroll_lamports == 10**9
    store.close()


def game_frame(t: float, game: str, tick: int) -> tuple[float, str, str]:
    body = {
        "gameId": game,
        "active": True,
        "rugged": False,
        "price": 1.0,
        "tickCount": tick,
        "cooldownTimer": 0,
        "allowPreRoundBuys": False,
    }
    return t, "in", "42" + json.dumps(["gameStateUpdate", body])


# (name, balance the server shows after the lost result, final status)
LOST_RESULT = [
    ("won while the socket was down", 100.04, BetStatus.WON),
    ("lost while the socket was down", 99.99, BetStatus.LOST),
]


@pytest.mark.parametrize(("name", "balance", "final"), LOST_RESULT, ids=[c[0] for c in LOST_RESULT])
def test_result_lost_in_a_drop_is_reconciled_in_process(
    tmp_path: Path, name: str, balance: float, final: BetStatus
) -> None:
    """Same process: the bet was confirmed, the socket dropped at the rug, the next game started. No rule can
    book it (the rug tick was not seen); the server's balance decides, and no new bet is placed meanwhile."""
    store = Store.open(tmp_path / "bot.db")
    gov = Governor.start(
        PROFILE.guards,
        store,
        mode="PRACTICE",
        profile="t",
        coin=PRACTICE_COIN,
        logged_in=True,
        starting_bankroll_lamports=0,
        t=99.0,
    )
    session = TradingLoop(
        mode=Mode.PRACTICE,
        coin=PRACTICE_COIN,
        tracker=GameTracker(),
        model=ProbabilityModel(PROFILE.engine),
        decider=Decider(PROFILE.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(0.2),
    )
    session.on_frame(*player_update(100.0, 100.0))
    view = GameView(game_id=GAME, phase=Phase.ACTIVE, tick=10, price=1.0, t=100.5, last_tick_t=100.5)
    bet_id = gov.open_bet(SideBet(STAKE, "drop test", "fixed"), view, PRACTICE_COIN).bet_id
    gov.on_report(BrokerReport(bet_id, BetStatus.CLICKED, 100.6))
    gov.on_report(BrokerReport(bet_id, BetStatus.CONFIRMED, 100.8, start_tick=12, end_tick=52))
    session.on_frame(*player_update(100.9, 99.99, ACTIVE))  # the debit
    other = "20261124-00000000000000bb"
    for i in range(3):
        session.on_frame(*game_frame(120.0 + i * 0.25, other, i))
        assert [b.bet_id for b in store.bets()] == [bet_id]  # nothing new while the old bet is unexplained
    assert session.bets.knows(bet_id) and session.bets.unexplained == 1
    session.on_frame(*player_update(121.0, balance))  # after the reconnect, the server's balance
    row = {b.bet_id: b for b in store.bets()}[bet_id]
    assert row.status is final
    assert gov.ledger.balance_difference() in (0, None)
    assert gov.state.level is not Level.HALTED
    store.close()
