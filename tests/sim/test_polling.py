"""``SimConfig(no_websocket=True)``: a proxy that blocks websockets, and the Engine.IO long-polling the page falls
back to (bot/sim/polling.py), spoken by a plain HTTP client here."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.protocol.frames import decode
from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle, start_sim_in_thread

SEP = "\x1e"


@pytest.fixture
def blocked() -> Iterator[SimHandle]:
    handle = start_sim_in_thread(
        SimConfig(
            seed="polling",
            speed=20,
            jitter=False,
            no_websocket=True,
            ping_interval_ms=1500,
            ping_timeout_ms=1500,
        )
    )
    try:
        yield handle
    finally:
        handle.stop()


def _http(url: str, method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_websocket_upgrade_is_refused_like_a_blocking_proxy(blocked: SimHandle) -> None:
    with pytest.raises(InvalidStatus) as err:
        connect(blocked.ws_url, open_timeout=5)
    assert err.value.response.status_code == 403
    assert blocked.truth().connections == 0


def test_a_polling_session_plays_the_game(blocked: SimHandle) -> None:
    base = blocked.url + "/socket.io/?EIO=4&transport=polling"
    status, body = _http(base)
    assert status == 200 and body.startswith("0{")
    sid = json.loads(body[1:])["sid"]
    assert blocked.truth().connections == 1
    session = f"{base}&sid={quote(sid)}"
    assert _http(f"{session}&p=40", "POST") == (200, "ok")
    packets: list[str] = []
    games: set[str] = set()
    end = time.monotonic() + 10
    while time.monotonic() < end and len(games) < 2:
        status, body = _http(session)
        assert status == 200
        for packet in body.split(SEP):
            packets.append(packet)
            if packet == "2":  # the server's ping: the client answers or is dropped
                assert _http(f"{session}&p=3", "POST") == (200, "ok")
            pkt = decode(packet)
            if not hasattr(pkt, "name") or pkt.name != "gameStateUpdate":
                continue
            payload = json.loads(packet[2:])[1]
            games.add(payload["gameId"])
    assert packets[0].startswith("40{") and len(games) >= 2  # connected, and the games go on over polling
    assert "2" in packets  # the heartbeat runs over polling too (ping interval 1.5 s)
    # another protocol version, an unknown sid: 400, as engine.io answers them
    assert _http(base.replace("EIO=4", "EIO=3"))[0] == 400
    status, body = _http(f"{base}&sid=nope")
    assert status == 400 and json.loads(body) == {"code": 1, "message": "Session ID unknown"}
    # the client closes: the session ends and its sid is unknown from then on
    assert _http(f"{session}&p=1", "POST") == (200, "ok")
    status, body = _http(session)
    assert status == 200 and body.split(SEP)[-1] == "1"
    assert _http(session)[0] == 400 and blocked.truth().connections == 0


def test_a_silent_polling_client_is_dropped(blocked: SimHandle) -> None:
    """No GET, no pong: the heartbeat ends the session (interval + timeout), as it drops a dead socket."""
    config = blocked.server.config
    status, body = _http(blocked.url + "/socket.io/?EIO=4&transport=polling")
    assert status == 200 and body.startswith("0{") and blocked.truth().connections == 1
    wait_s = (config.ping_interval_ms + config.ping_timeout_ms) / 1000 + 2
    end = time.monotonic() + wait_s
    while time.monotonic() < end and blocked.truth().connections:
        time.sleep(0.2)
    assert blocked.truth().connections == 0


def test_without_the_option_polling_is_refused(sim: SimHandle) -> None:
    assert _http(sim.url + "/socket.io/?EIO=4&transport=polling")[0] == 400
