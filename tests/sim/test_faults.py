"""Every fault is observable on the wire (raw frames, receive times), fired by API, endpoint or schedule."""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from collections.abc import Iterator

import pytest

from bot.money import PRACTICE_COIN
from bot.protocol.events import GameStateUpdate, InvalidEvent, decode_event
from bot.protocol.frames import Packet, Undecodable, decode
from bot.sim.config import SimConfig
from bot.sim.faults import FaultError, parse_faults
from bot.sim.runner import SimHandle, start_sim_in_thread
from tests.sim.test_sidebets import place_when_active
from tests.sim.wire import TRACE, Frame, RawClient, rug_soon

SPEED = 10.0


@pytest.fixture
def slow_sim() -> Iterator[SimHandle]:
    h = start_sim_in_thread(SimConfig(seed="faults", speed=SPEED, jitter=False))
    try:
        yield h
    finally:
        h.stop()


def _states(frames: list[Frame]) -> list[tuple[Frame, dict]]:
    out = []
    for f in frames:
        ev = f.event()
        if ev and ev[0] == "gameStateUpdate":
            out.append((f, ev[1][-1]))
    return out


def _progress_key(p: dict) -> tuple[int, int]:
    """Monotone within one game: cooldown counts down, ticks count up."""
    if p.get("active"):
        return (1, p.get("tickCount", 0))
    return (0, -p.get("cooldownTimer", 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drop@30,stall:5@60", [("drop", None, 30.0), ("stall", 5.0, 60.0)]),
        ("malformed", [("malformed", 3.0, 0.0)]),
        ("ack_delay:250@1.5, reject:2", [("reject", 2.0, 0.0), ("ack_delay", 250.0, 1.5)]),
        ("", []),
    ],
)
def test_parse_faults(text: str, expected: list[tuple[str, float | None, float]]) -> None:
    assert [(s.name, s.value, s.at) for s in parse_faults(text)] == expected


@pytest.mark.parametrize("bad", ["explode@3", "stall:x", "stall:5@soon", "stall:-1"])
def test_parse_faults_refuses_nonsense(bad: str) -> None:
    with pytest.raises(FaultError):
        parse_faults(bad)


def test_drop_closes_every_socket(slow_sim: SimHandle) -> None:
    with RawClient(slow_sim.ws_url) as a, RawClient(slow_sim.ws_url) as b:
        a.wait_event("gameStateUpdate", start=1)
        slow_sim.fault("drop")
        assert a.closed.wait(5) and b.closed.wait(5)
    # and the server takes new connections afterwards
    with RawClient(slow_sim.ws_url) as c:
        c.wait_event("gameStateUpdate", start=1)


def test_stall_then_burst(slow_sim: SimHandle) -> None:
    with RawClient(slow_sim.ws_url) as c:
        c.wait_event("gameStateUpdate", start=1)
        time.sleep(0.2)
        slow_sim.fault("stall", 6)  # 6 sim seconds = 0.6 s wall at speed 10
        time.sleep(1.2)
        frames = _states(c.snapshot())
    gaps = [(b[0].t - a[0].t, i) for i, (a, b) in enumerate(itertools.pairwise(frames))]
    silence, at = max(gaps)
    assert silence >= 0.5  # nominal gaps are 10-25 ms at this speed
    burst = frames[at + 1 : at + 11]
    assert len(burst) == 10 and burst[-1][0].t - burst[0][0].t < 0.05  # the backlog arrives at once


def test_malformed_frames_are_sent(slow_sim: SimHandle) -> None:
    with RawClient(slow_sim.ws_url) as c:
        c.wait_event("gameStateUpdate", start=1)
        n0 = len(c.snapshot())
        slow_sim.fault("malformed", 7)
        time.sleep(0.3)
        frames = c.snapshot()[n0:]
    bad = 0
    for f in frames:
        pkt = decode(f.text)
        if isinstance(pkt, Undecodable) or (
            isinstance(pkt, Packet)
            and pkt.name == "gameStateUpdate"
            and isinstance(decode_event(pkt), InvalidEvent)
        ):
            bad += 1
    assert bad >= 6  # the empty-ish "9" probe decodes as an unknown EIO type on some paths


def test_duplicate_and_reorder(slow_sim: SimHandle) -> None:
    with RawClient(slow_sim.ws_url) as c:
        c.wait_event("gameStateUpdate", start=1)
        n0 = len(c.snapshot())
        slow_sim.fault("duplicate", 4)
        time.sleep(0.3)
        n1 = len(c.snapshot())
        slow_sim.fault("reorder", 3)
        time.sleep(0.3)
        frames = c.snapshot()
    dup = frames[n0:n1]
    assert sum(1 for a, b in itertools.pairwise(dup) if a.text == b.text and a.text.startswith("42")) == 4
    states = _states(frames[n1:])
    backwards = sum(
        1
        for (_, a), (_, b) in itertools.pairwise(states)
        if a.get("gameId") == b.get("gameId") and _progress_key(b) < _progress_key(a)
    )
    assert backwards >= 3


def test_maintenance_pauses_the_cooldown(slow_sim: SimHandle) -> None:
    with RawClient(slow_sim.ws_url) as c:
        c.wait_event("gameStateUpdate", start=1)
        slow_sim.fault("maintenance", 3)
        _, notice = c.wait_event("maintenanceUpdate", timeout=5)
        assert notice["active"] is True and "maintenance" in notice["message"]
        rug_soon(slow_sim)  # the pause comes with the next cooldown
        f_pause, paused = c.wait_event(
            "gameStateUpdate", timeout=40, where=lambda p: p.get("cooldownPaused") is True
        )
        assert paused["pauseMessage"] and paused["active"] is False
        f_end, _end = c.wait_event("maintenanceUpdate", timeout=10, where=lambda p: p["active"] is False)
        assert f_end.t - f_pause.t >= 3 / SPEED * 0.9
        held = [p["cooldownTimer"] for _, p in _states(c.snapshot()) if p.get("cooldownPaused")]
        assert len(set(held)) == 1  # the timer does not run while paused
        assert "cooldownTimer" in paused


def test_reject_next_and_ack_delay(slow_sim: SimHandle) -> None:
    payload = {"amount": 1, "coinAddress": PRACTICE_COIN, "xPayout": 5}
    with RawClient(slow_sim.ws_url) as c:
        assert c.login()["success"] is True
        slow_sim.fault("reject", 1)
        ack, _, _ = place_when_active(c, payload)
        assert ack == {"success": False, "message": "Side bet rejected, please try again"}
        slow_sim.fault("ack_delay", 300)
        for _ in range(8):
            c.wait_active()
            n0 = len(c.snapshot())
            t0 = time.monotonic()
            ack_id = c.emit("requestSidebet", TRACE, payload)
            ack = c.wait_ack(ack_id)  # type: ignore[arg-type]
            if ack["success"]:
                break
        assert ack["success"] is True
        assert time.monotonic() - t0 >= 0.28
        frames = c.snapshot()[n0:]
        i_bet = next(i for i, f in enumerate(frames) if f.text.startswith('42["currentSidebet"'))
        i_ack = next(i for i, f in enumerate(frames) if f.text.startswith(f"43{ack_id}["))
        assert i_bet < i_ack and frames[i_ack].t - frames[i_bet].t >= 0.25


def test_sign_request_reaches_the_page(slow_sim: SimHandle) -> None:
    with RawClient(slow_sim.ws_url) as c:
        c.wait_event("gameStateUpdate", start=1)
        slow_sim.fault("sign_request")
        _, payload = c.wait_event("simSignRequest", timeout=5)
    assert payload == {"kind": "transaction"}


def test_scheduled_faults_and_control_endpoint() -> None:
    h = start_sim_in_thread(
        SimConfig(seed="sched", speed=SPEED, jitter=False, faults="malformed:2@1,sign_request@1.5")
    )
    try:
        with RawClient(h.ws_url) as c:
            c.wait_event("simSignRequest", timeout=5)
            with urllib.request.urlopen(h.url + "/__sim/fault?name=stall&value=2", timeout=5) as r:
                assert json.loads(r.read())["ok"] is True
            time.sleep(0.05)
            active = h.truth().faults_active
        assert any(a.startswith("stall") for a in active)
        log = [e["name"] for e in h.truth().to_json()["fault_log"]]
        assert log[:3] == ["malformed", "sign_request", "stall"]
        assert all(
            isinstance(decode_event(p), GameStateUpdate | InvalidEvent)
            for p in (decode(f.text) for f in c.snapshot())
            if isinstance(p, Packet) and p.name == "gameStateUpdate"
        )
    finally:
        h.stop()
