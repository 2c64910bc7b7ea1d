"""A click still in flight when its game ends is the broker's, not the reconciler's.

Found by the 5,000-game soak at 80x: a slow page probe let the game rug between the decision and the click; at
the next game's start the session handed the still-unclicked bet to the reconciler, which booked it from the
balance; the broker's own report then arrived for a bet already closed (``lost -> unknown is not allowed``).
Here the broker's report is held back exactly as the asynchronous click holds it, while the real tracker,
governor and store run on the simulator's frames.
"""

from __future__ import annotations

from pathlib import Path

from bot.app.loop import TradingLoop
from bot.bets.model import BetStatus, BrokerReport
from bot.brokers.paper import DryBroker
from bot.config.profile import profile_from_dict
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import sol_to_lamports
from bot.protocol.frames import encode_event
from bot.risk.governor import Governor, Level
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.store.db import Store

REPO = Path(__file__).resolve().parents[2]


def test_a_bet_whose_click_is_still_pending_is_not_reconciled_when_its_game_ends(tmp_path: Path) -> None:
    frames = [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed="in-flight"), games=4)
        if o.to is None
    ]
    profile = profile_from_dict(
        {
            "engine": {"strategies": [{"name": "fixed", "params": {"start_tick": 1}}]},
            "guards": {"feed_silent_s": 600, "max_tick_interval_s": 600},
        }
    )
    store = Store.open(tmp_path / "db", durable=False)
    gov = Governor.start(
        profile.guards,
        store,
        mode="PRACTICE",
        profile="t",
        coin=profile.coin,
        logged_in=False,
        starting_bankroll_lamports=sol_to_lamports(1.0),
        t=frames[0][0],
    )
    tracker = GameTracker()
    session = TradingLoop(
        mode=Mode.PRACTICE,
        coin=profile.coin,
        tracker=tracker,
        model=ProbabilityModel(profile.engine, timing=profile.timing),
        decider=Decider(profile.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(0.2),
    )
    held = None
    rest = iter(frames)
    for t, f in rest:
        intent = session.on_frame(t, "in", f)
        if intent is not None and held is None:
            held = intent  # the click is "in flight": no report yet
        if held is not None and tracker.view.game_id != held.game_id and tracker.view.tick >= 5:
            break
    assert held is not None and tracker.view.game_id != held.game_id, (
        "the next game must start, click pending"
    )
    row = store.bet(held.bet_id)
    assert row is not None and row.status is BetStatus.INTENT  # untouched: still the broker's
    assert not session.bets.unexplained
    # the governor does pause on an intent this old (unconfirmed_bet), but it does not book it
    assert not [r for r in gov.state.reasons if "reconcil" in r], gov.state.reasons
    # the broker's report arrives (it saw the game move on and did not click): applied, nothing refused
    session.apply(BrokerReport(held.bet_id, BetStatus.CANCELLED, t, message="the game moved on"))
    row = store.bet(held.bet_id)
    assert row is not None and row.status is BetStatus.CANCELLED
    assert not gov.open_bets()
    bets_after = 0
    for t, f in rest:
        intent = session.on_frame(t, "in", f)
        if intent is not None:
            bets_after += 1
            session.apply(session.broker.place(intent))  # type: ignore[attr-defined]
    assert bets_after and gov.state.level is Level.ACTIVE, (
        gov.state.reasons
    )  # the pause lifted with the report
