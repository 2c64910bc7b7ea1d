"""The simulator speaks Engine.IO 4 / Socket.IO 4 to an independent client and serves HTTP on the same port."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
import socketio

from bot.protocol.events import GameStateUpdate, decode_event
from bot.protocol.frames import Packet, decode
from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle, start_sim_in_thread
from bot.sim.web import is_loopback
from tests.sim.wire import RawClient, rug_soon


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def test_python_socketio_client_receives_game_state(sim: SimHandle) -> None:
    client = socketio.Client(reconnection=False)
    states: list[dict] = []
    got_enough = threading.Event()

    def on_state(data: dict) -> None:
        states.append(data)
        if len({s.get("gameId") for s in states}) >= 2 and any(s.get("rugged") for s in states):
            got_enough.set()

    client.on("gameStateUpdate", on_state)
    client.connect(sim.url, transports=["websocket"], wait_timeout=5)
    try:
        assert client.connected and client.transport() == "websocket"
        rug_soon(sim, 25)  # enough ticks, then a rug and the next game's id within a second or two
        assert got_enough.wait(30), f"saw {len(states)} states"
    finally:
        client.disconnect()
    # first frame after connect is the heavy one with gameHistory
    assert "gameHistory" in states[0]
    ticks = [s["tickCount"] for s in states if s.get("active") and not s.get("rugged") and "tickCount" in s]
    assert len(ticks) > 20
    rug = next(s for s in states if s.get("rugged"))
    assert rug["active"] is True  # the rug frame still says active


def test_python_socketio_ack_round_trip(sim: SimHandle) -> None:
    client = socketio.Client(reconnection=False)
    client.connect(sim.url, transports=["websocket"], wait_timeout=5)
    try:
        reply = client.call("getLeaderboard", {"period": "7d"}, timeout=5)
        assert reply == {"success": True}
        reply = client.call(
            "requestSidebet",
            ({"__trace": True}, {"amount": 0.01, "coinAddress": "0xPractice", "xPayout": 5}),
            timeout=5,
        )
        assert reply == {"success": False, "message": "Not authenticated"}
    finally:
        client.disconnect()


def test_raw_handshake_ping_and_frames_decode(tmp_path: object) -> None:
    h = start_sim_in_thread(SimConfig(seed="ping", speed=20, ping_interval_ms=200, ping_timeout_ms=300))
    try:
        with RawClient(h.ws_url) as c:
            assert c.open_packet["pingInterval"] == 200 and c.open_packet["pingTimeout"] == 300
            assert c.open_packet["sid"] and c.sio_sid
            c.wait_for(lambda f: f.text == "2", timeout=3)
            time.sleep(0.8)  # several ping rounds answered by the reader: still connected
            assert not c.closed.is_set()
            n_before = len(c.snapshot())
            c.wait_for(lambda f: f.text.startswith('42["gameStateUpdate"'), start=n_before, timeout=3)
            frames = c.snapshot()
        events = [decode(f.text) for f in frames if f.text.startswith("42")]
        assert events and all(isinstance(p, Packet) for p in events)
        states = [decode_event(p) for p in events if isinstance(p, Packet) and p.name == "gameStateUpdate"]
        assert states and all(isinstance(s, GameStateUpdate) for s in states)
    finally:
        h.stop()


def test_client_that_stops_answering_pings_is_dropped() -> None:
    h = start_sim_in_thread(SimConfig(seed="ping", speed=20, ping_interval_ms=100, ping_timeout_ms=150))
    try:
        from websockets.sync.client import connect

        with connect(h.ws_url, max_size=None) as ws:
            assert str(ws.recv(timeout=5)).startswith("0")
            ws.send("40")
            deadline = time.monotonic() + 5
            closed = False
            while time.monotonic() < deadline:
                try:
                    ws.recv(timeout=1)  # never answers "2"
                except TimeoutError:
                    continue
                except Exception:
                    closed = True
                    break
            assert closed, "server kept a silent client"
        deadline = time.monotonic() + 3
        while h.truth().connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert h.truth().connections == 0
    finally:
        h.stop()


def test_non_eio4_request_is_refused(sim: SimHandle) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with connect(sim.ws_url.replace("EIO=4", "EIO=3")) as ws:
        try:
            ws.recv(timeout=5)
            raise AssertionError("expected a close")
        except ConnectionClosed as exc:
            assert exc.rcvd is not None and exc.rcvd.code == 1008


def test_http_routes(sim: SimHandle) -> None:
    status, ctype, body = _get(sim.url + "/")
    assert status == 200 and ctype.startswith("text/html") and b"<html" in body.lower()
    status, ctype, body = _get(sim.url + "/__sim/state")
    assert status == 200 and ctype == "application/json"
    state = json.loads(body)
    assert {
        "game_id",
        "phase",
        "tick",
        "games",
        "accounts",
        "sidebet_requests",
        "bets",
        "faults_active",
    } <= set(state)
    status, _, body = _get(sim.url + "/__sim/fault?name=duplicate&value=2")
    assert status == 200 and json.loads(body)["fault"]["name"] == "duplicate"
    assert any(e["name"] == "duplicate" for e in sim.truth().to_json()["fault_log"])
    post = urllib.request.Request(sim.url + "/__sim/fault?name=reject&value=2", method="POST", data=b"")
    with urllib.request.urlopen(post, timeout=5) as r:
        assert json.loads(r.read())["fault"] == {
            "name": "reject",
            "value": 2.0,
            "sim_t": sim.truth().fault_log[-1]["sim_t"],
        }
    assert "reject next 2" in sim.truth().faults_active
    status, _, body = _get(sim.url + "/__sim/fault?name=nonsense")
    assert status == 400 and "unknown fault" in json.loads(body)["error"]
    for path, want in (
        ("/nope.js", 404),
        ("/../../etc/passwd", 404),
        ("/%2e%2e/%2e%2e/etc/passwd", 404),
        ("/socket.io/?EIO=4&transport=polling", 400),
        ("/__sim/other", 404),
    ):
        assert _get(sim.url + path)[0] == want, path


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.0.2.2", False),
        ("10.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("fd00::2", False),
        ("", False),
        ("not-an-ip", False),
    ],
)
def test_control_endpoints_accept_only_loopback_addresses(address: str, local: bool) -> None:
    assert is_loopback(address) is local


def test_unknown_namespace_is_refused_and_client_ping_answered(sim: SimHandle) -> None:
    with RawClient(sim.ws_url) as c:
        n0 = len(c.snapshot())
        c.send_raw("40/admin,")
        f = c.wait_for(lambda fr: fr.text.startswith("44/admin,"), start=n0, timeout=5)
        assert json.loads(f.text.split(",", 1)[1]) == {"message": "Invalid namespace"}
        c.send_raw("2probe")
        c.wait_for(lambda fr: fr.text == "3probe", start=n0, timeout=5)
        c.send_raw("42[not json")  # garbage from a client is ignored, the socket stays up
        c.send_raw("41")  # leave the namespace: no more game frames
        time.sleep(0.2)
        n1 = len(c.snapshot())
        time.sleep(0.3)
        assert not [fr for fr in c.snapshot()[n1:] if fr.text.startswith("42")]
        assert not c.closed.is_set()


def test_pings_come_every_interval_not_interval_plus_timeout() -> None:
    """A client allows pingInterval + pingTimeout between pings (the page's client and socket.io's both do):
    the server must ping every pingInterval after the pong, or clients on a busy machine time out and
    reconnect (the 80x soak saw a reconnect every ~70 s before this was fixed)."""
    h = start_sim_in_thread(SimConfig(seed="ping", speed=20, ping_interval_ms=150, ping_timeout_ms=600))
    try:
        with RawClient(h.ws_url) as c:
            time.sleep(1.8)
            pings = [f.t for f in c.snapshot() if f.text == "2"]
            assert not c.closed.is_set()
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert len(gaps) >= 4, pings
        assert max(gaps) < 0.15 + 0.3, (
            gaps
        )  # interval plus a round trip, far from interval + timeout (0.75 s)
    finally:
        h.stop()
