"""The bot's own GameTracker reads the simulator's feed as it reads the real one: phases, rugs, own bets.

If the simulator drifted from the real protocol in a way the tracker notices (unknown shapes, phases out of
order, a rug seen at the wrong tick), these tests fail.
"""

from __future__ import annotations

import itertools
import json

from bot.fair.generator import generate_prices
from bot.game.signals import GameRugged, OwnBetPlaced, OwnBetSettled, PhaseChanged
from bot.game.state import Phase
from bot.game.tracker import GameTracker
from bot.money import PRACTICE_COIN
from bot.protocol.frames import encode_event
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.sim.runner import SimHandle
from tests.sim.test_sidebets import place_when_active
from tests.sim.wire import RawClient

GAMES = 8


def test_tracker_follows_simulated_rounds_exactly() -> None:
    tracker = GameTracker()
    rugs: list[GameRugged] = []
    phases: list[tuple[str | None, Phase]] = []
    revealed: dict[str, str] = {}
    for t, out in iter_timeline(SimConfig(seed="tracker"), games=GAMES):
        text = encode_event(out.event, *out.args)
        for sig in tracker.on_frame(t, "in", text):
            if isinstance(sig, GameRugged):
                rugs.append(sig)
            elif isinstance(sig, PhaseChanged):
                phases.append((sig.game_id, sig.new))
        for h in out.args[-1].get("gameHistory", []) if out.event == "gameStateUpdate" else []:
            revealed[h["id"]] = h["provablyFair"]["serverSeed"]
    c = tracker.counters
    assert c.internal_errors == 0 and not c.undecodable and not c.invalid
    assert set(c.unknown) <= {"newChatMessage"}
    # connect frame and the first rug's first frame carry an empty gameHistory (nothing finished yet)
    assert c.out_of_order == 0 and c.inferred_rugs == 0 and c.history_frames == 2 * GAMES - 1
    assert len(rugs) == GAMES
    for r in rugs:
        gen = generate_prices(revealed[r.game.game_id], r.game.game_id, "v3")
        assert r.game.rug_tick == gen.rug_tick
        assert r.game.complete and abs(r.game.peak - gen.peak) < 1e-12
    per_game = [[p for _, p in grp] for _, grp in itertools.groupby(phases, key=lambda x: x[0])]
    full_cycles = [g for g in per_game if g[:1] == [Phase.COOLDOWN]]
    assert full_cycles and all(
        g == [Phase.COOLDOWN, Phase.PRESALE, Phase.ACTIVE, Phase.RUGGED] for g in full_cycles[:-1]
    )


def test_tracker_sees_own_bet_placed_and_settled_like_the_server(sim: SimHandle) -> None:
    with RawClient(sim.ws_url) as c:
        assert c.login()["success"] is True
        ack, _, _ = place_when_active(c, {"amount": 2.5, "coinAddress": PRACTICE_COIN, "xPayout": 5})
        assert ack["success"] is True
        start = ack["sidebet"]["startTick"]
        c.wait_event("currentSidebetResult", timeout=15, where=lambda p: p["startTick"] == start)
        frames = c.snapshot()
    tracker = GameTracker()
    placed: list[OwnBetPlaced] = []
    settled: list[OwnBetSettled] = []
    for f in frames:
        for sig in tracker.on_frame(f.t, "in", f.text):
            if isinstance(sig, OwnBetPlaced):
                placed.append(sig)
            elif isinstance(sig, OwnBetSettled):
                settled.append(sig)
    assert tracker.counters.internal_errors == 0
    truth = sim.truth()
    (bet,) = [b for b in truth.bets if b.start_tick == start]
    assert placed and placed[0].bet.start_tick == start and placed[0].bet.end_tick == start + 40
    assert placed[0].bet.amount_lamports == bet.amount_lamports == 2_500_000_000
    assert settled, json.dumps(tracker.counters.as_dict())
    assert settled[-1].bet.outcome == bet.outcome
    assert settled[-1].bet.payout_lamports == bet.payout_lamports
    server_balance = next(a for a in truth.accounts if a.player_id == bet.player_id).balances[PRACTICE_COIN]
    assert tracker.account.balance(PRACTICE_COIN) == server_balance
