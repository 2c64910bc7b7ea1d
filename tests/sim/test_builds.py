"""Other builds of the site: the page served for ``page_build`` and the drifted ``gameStateUpdate``."""

from __future__ import annotations

import urllib.request

import pytest

from bot.protocol.events import GameStateUpdate, InvalidEvent, decode_event
from bot.protocol.frames import Packet, decode, encode_event
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.sim.runner import start_sim_in_thread
from bot.sim.site_builds import drift_game_state, page_index


@pytest.mark.parametrize(("build", "marker"), [(1, b'data-build="1"'), (2, b'data-build="2"')])
def test_root_serves_the_chosen_page_build(build: int, marker: bytes) -> None:
    h = start_sim_in_thread(SimConfig(seed="build", speed=20, page_build=build))
    try:
        for path in ("/", "/index.html"):
            with urllib.request.urlopen(h.url + path, timeout=5) as r:
                assert marker in r.read()
        assert h.truth().page_build == build
    finally:
        h.stop()
    with pytest.raises(ValueError, match="known builds"):
        page_index(3)


def test_protocol_drift_renames_tick_count_and_retypes_price_in_every_game_state() -> None:
    states = [
        o.args[0]
        for _, o in iter_timeline(SimConfig(seed="drift", protocol_drift=True, rug_at=(12,)), games=1)
        if o.event == "gameStateUpdate"
    ]
    assert not any("tickCount" in s for s in states)
    priced = [s for s in states if "price" in s]
    assert priced and all(isinstance(s["price"], str) and float(s["price"]) > 0 for s in priced)
    ticks = [s["tickIndex"] for s in states if "tickIndex" in s and s.get("active")]
    assert max(ticks) == 12  # the same game, under new names
    # the bot's models no longer fit: a price string makes the frame invalid for the current model
    pkt = decode(encode_event("gameStateUpdate", priced[-1]))
    assert isinstance(pkt, Packet) and isinstance(decode_event(pkt), InvalidEvent)
    plain = {"gameId": "x", "tickCount": 3, "price": 1.5, "active": True}
    assert list(drift_game_state(plain)) == ["gameId", "tickIndex", "price", "active"]
    assert drift_game_state(plain)["price"] == "1.5"
    undrifted = decode(encode_event("gameStateUpdate", plain))
    assert isinstance(undrifted, Packet) and isinstance(decode_event(undrifted), GameStateUpdate)
