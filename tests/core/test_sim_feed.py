"""The tracker on the simulator's frame timeline (no socket): every game's rug tick and peak must equal the
server's own ground truth, revealed later in its ``gameHistory`` frames (parsed here with stdlib json),
even with frames skipped far more often than on the real site (partialPrices backfill)."""

from __future__ import annotations

import json

import pytest

from bot.game.signals import GameRugged
from bot.game.tracker import GameTracker
from bot.protocol.frames import encode_event

sim_game = pytest.importorskip("bot.sim.game")
sim_config = pytest.importorskip("bot.sim.config")


@pytest.mark.parametrize(("seed", "skip"), [("core-a", 0.0026), ("core-b", 0.05)])
def test_tracker_matches_simulator_ground_truth(seed: str, skip: float) -> None:
    tr = GameTracker()
    rugs: dict[str, tuple[int, float, bool]] = {}
    truth: dict[str, tuple[int, float]] = {}
    for t, out in sim_game.iter_timeline(sim_config.SimConfig(seed=seed, skip_tick_prob=skip), games=6):
        if out.to is not None:
            continue  # private events go to one player's socket only
        frame = encode_event(out.event, *out.args)
        for s in tr.on_frame(t, "in", frame):
            if isinstance(s, GameRugged):
                rugs[s.game.game_id] = (s.game.rug_tick, s.game.peak, s.game.complete)
        if '"gameHistory"' in frame:
            for g in json.loads(frame[2:])[-1]["gameHistory"]:
                truth[g["id"]] = (len(g["prices"]) - 1, g["peakMultiplier"])
    c = tr.counters
    assert c.internal_errors == 0 and not c.undecodable and not c.invalid and not c.unknown
    assert c.duplicates == c.out_of_order == c.inferred_rugs == 0
    if skip > 0.01:
        assert c.backfilled_ticks > 0
    checked = [gid for gid in rugs if gid in truth]
    assert len(checked) >= 5
    for gid in checked:
        final, peak, complete = rugs[gid]
        assert final == truth[gid][0], gid
        assert peak == truth[gid][1], gid
        assert complete, gid
