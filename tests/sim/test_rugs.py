"""Chosen rugs: a schedule drawn provably fair, a forced rug of a running game, and the blackhole fault."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bot.cli import main
from bot.fair.audit import verify_history_game
from bot.fair.generator import generate_prices
from bot.feeds.recording import RecordingWriter
from bot.protocol.events import HistoryGame
from bot.protocol.frames import encode_event
from bot.sim.config import SimConfig, parse_rug_schedule
from bot.sim.faults import parse_faults
from bot.sim.game import GameLoop, Step, iter_timeline
from bot.sim.rounds import MAX_DRAWN_RUG_TICK, RugError
from bot.sim.runner import SimHandle, start_sim_in_thread
from tests.sim.wire import RawClient


def _rug_ticks(config: SimConfig, games: int) -> list[int]:
    return [
        o.args[0]["tickCount"]
        for _, o in iter_timeline(config, games=games)
        if o.event == "gameStateUpdate" and o.args[0].get("rugged") and "gameHistory" not in o.args[0]
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("60", (60,)), ("30, 90", (30, 90)), ("", ()), ("1,1", (1, 1)), ("500", (500,))],
)
def test_parse_rug_schedule(text: str, expected: tuple[int, ...]) -> None:
    assert parse_rug_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("0", ">= 1"), ("-3", ">= 1"), ("4.5", "whole"), ("x", "whole")]
)
def test_parse_rug_schedule_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rug_schedule(text)


def test_schedule_rugs_every_game_there_and_every_game_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = SimConfig(seed="schedule", rug_at=(7, 41, 1))
    assert _rug_ticks(config, 6) == [7, 41, 1, 7, 41, 1]
    path = tmp_path / "scheduled.jsonl.gz"
    writer = RecordingWriter(path, {"source": "sim", "seed": "schedule"})
    for t, out in iter_timeline(config, games=6):
        if out.to is None:
            writer.write(t, "in", encode_event(out.event, *out.args))
    writer.close()
    assert main(["verify", "--json", str(path)]) == 0  # drawn, not forced: the revealed seeds verify
    out = json.loads(capsys.readouterr().out)
    assert out["games"] == out["verified"] == 6 and out["announced_checked"] == 6


def test_schedule_beyond_the_drawable_range_is_forced() -> None:
    loop = GameLoop(SimConfig(seed="late", rug_at=(MAX_DRAWN_RUG_TICK + 50,)))
    assert loop.current.gen.rug_tick == MAX_DRAWN_RUG_TICK + 50 and loop.current.forced
    assert generate_prices(loop.current.seed, loop.current.id).rug_tick != MAX_DRAWN_RUG_TICK + 50


def _play_until(steps: Iterator[Step], loop: GameLoop, kind: str, tick: int | None = None) -> list[Any]:
    frames = []
    for step in steps:
        frames += [o.args[0] for o in step.outs if o.event == "gameStateUpdate"]
        if step.kind == kind and (tick is None or loop.tick == tick):
            return frames
    raise AssertionError("unreachable")


@pytest.mark.parametrize("later", [False, True], ids=["earlier", "later"])
def test_forced_rug_of_an_announced_game_is_marked_and_fails_verification(later: bool) -> None:
    loop = GameLoop(SimConfig(seed="force", players=0))
    natural = loop.current.gen.rug_tick
    assert natural > 12
    prices = list(loop.current.gen.prices)
    steps = loop.steps()
    _play_until(steps, loop, "tick", 3)
    target = natural + 25 if later else 9
    plan = loop.force_rug(target)
    assert (plan.game_id, plan.rug_tick, plan.forced) == (loop.current.id, target, True)
    frames = _play_until(steps, loop, "rug")
    ticks = [f["tickCount"] for f in frames if f.get("active")]
    assert ticks[-1] == target and frames[-1]["rugged"] is True
    # the path up to the rug is the generator's own
    shown = [(f["tickCount"], f["price"]) for f in frames if f.get("active") and not f.get("rugged")]
    assert len(shown) > 1 and all(price == prices[k] for k, price in shown if k < len(prices))
    _play_until(steps, loop, "history")
    _play_until(steps, loop, "history")
    record = loop.finished[-1]
    assert record.forced and record.rug_tick == target
    entry = msgspec.json.decode(json.dumps(record.history_entry()), type=HistoryGame)
    audit = verify_history_game(entry, record.server_seed_hash)
    assert audit.mismatch  # the committed seed does not produce this rug: the auditor must say so


def test_rug_before_the_hash_is_shown_is_redrawn_fairly() -> None:
    loop = GameLoop(SimConfig(seed="early"))
    assert not loop.current.announced
    plan = loop.force_rug(9)
    assert plan.forced is False and loop.current.gen.rug_tick == 9
    assert generate_prices(loop.current.seed, loop.current.id).rug_tick == 9
    _play_until(loop.steps(), loop, "cooldown")
    assert loop.current.announced  # the first frame committed the hash: from now on a rug is forced
    assert loop.force_rug(20).forced is True


def test_between_rug_and_next_game_a_rug_is_planned_for_the_next_game() -> None:
    loop = GameLoop(SimConfig(seed="planned", players=0))
    steps = loop.steps()
    _play_until(steps, loop, "rug")
    plan = loop.force_rug(12)
    assert plan.game_id is None and not plan.forced
    _play_until(steps, loop, "history")
    _play_until(steps, loop, "history")
    assert loop.current.gen.rug_tick == 12 and not loop.current.forced
    with pytest.raises(RugError):
        loop.force_rug(0)


def test_rug_endpoint_and_fault_on_the_running_server(sim: SimHandle) -> None:
    with RawClient(sim.ws_url) as c:
        state = c.wait_active()
        at = state["tickCount"] + 40  # far enough ahead for the request to arrive first, at 20x
        start = len(c.snapshot())
        with urllib.request.urlopen(f"{sim.url}/__sim/rug?at={at}", timeout=5) as r:
            reply = json.loads(r.read())
        assert reply == {"ok": True, "game_id": state["gameId"], "rug_tick": at, "forced": True}
        assert sim.truth().current_forced
        _, rug = c.wait_event("gameStateUpdate", 10, start, where=lambda p: p.get("rugged") is True)
        assert rug["tickCount"] == at and rug["gameId"] == reply["game_id"]
        # the rug fault does the same (from --faults or /__sim/fault): asked now, between games, it is for
        # the next game (planned while the rug is fresh, forced once that game's hash is out)
        start = len(c.snapshot())
        sim.fault("rug", 2)
        _, rug = c.wait_event(
            "gameStateUpdate",
            10,
            start,
            where=lambda p: p.get("rugged") is True and p["gameId"] != state["gameId"],
        )
        assert rug["tickCount"] == 2
    games = {g.id: g for g in sim.truth().games}
    assert games[reply["game_id"]].forced and games[reply["game_id"]].rug_tick == at
    for query, message in (("at=0", ">= 1"), ("at=x", "whole number")):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{sim.url}/__sim/rug?{query}", timeout=5)
        assert err.value.code == 400 and message in json.loads(err.value.read())["error"]


def test_rug_fault_in_the_schedule_at_start_is_drawn_fairly() -> None:
    assert [(s.name, s.value) for s in parse_faults("rug:6@0")] == [("rug", 6.0)]
    h = start_sim_in_thread(SimConfig(seed="rug-fault", speed=20, jitter=False, faults="rug:6@0"))
    try:
        with RawClient(h.ws_url) as c:
            _, rug = c.wait_event("gameStateUpdate", timeout=15, where=lambda p: p.get("rugged") is True)
        assert rug["tickCount"] == 6 and not h.truth().current_forced
    finally:
        h.stop()


def test_blackhole_silences_open_sockets_keeps_pings_and_spares_new_ones() -> None:
    h = start_sim_in_thread(SimConfig(seed="blackhole", speed=20, ping_interval_ms=150, ping_timeout_ms=600))
    try:
        with RawClient(h.ws_url) as old:
            old.wait_event("gameStateUpdate")
            h.fault("blackhole")
            assert h.truth().blackholed == 1 and any(e["name"] == "blackhole" for e in h.truth().fault_log)
            time.sleep(0.1)  # frames already queued may still arrive
            n = len(old.snapshot())
            old.send_raw("2probe")
            with RawClient(h.ws_url) as new:
                new.wait_event("gameStateUpdate")
                time.sleep(0.6)
                fresh = [f.text for f in new.snapshot() if f.text.startswith("42")]
                assert len(fresh) > 5  # a new socket gets the feed
                late = [f.text for f in old.snapshot()[n:]]
                assert not [t for t in late if t.startswith("4")], late[:3]  # no events, acks or garbage
                assert "3probe" in late and "2" in late  # the client's ping answered, the server pings on
                assert not old.closed.is_set() and h.truth().connections == 2
    finally:
        h.stop()
