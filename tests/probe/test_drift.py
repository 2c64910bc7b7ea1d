"""Protocol drift against the typed models: silent on every real feed we have, loud on a drifted one."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import msgspec
import pytest

from bot.protocol.drift import SAMPLE_CHARS, DriftMonitor
from bot.protocol.frames import encode_event
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.sim.runner import SimHandle, start_sim_in_thread
from tests.sim.test_sidebets import place_when_active
from tests.sim.wire import RawClient

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _raw(obj: object) -> msgspec.Raw:
    return msgspec.Raw(json.dumps(obj).encode())


def _kinds(m: DriftMonitor) -> list[tuple[str, str, str | None]]:
    return sorted((d.kind, d.event, d.field) for d in m.report().drift)


@pytest.mark.parametrize("capture", sorted(p.name for p in (REAL / "captures").glob("*.jsonl.gz")))
def test_real_captures_show_no_drift(capture: str) -> None:
    m = DriftMonitor()
    with gzip.open(REAL / "captures" / capture, "rt") as f:
        for line in f:
            rec = json.loads(line)
            m(rec["t"], rec["dir"], rec["frame"])
    assert m.report().events["gameStateUpdate"] > 100
    assert _kinds(m) == []


def test_real_samples_and_side_bet_records_show_no_drift() -> None:
    m = DriftMonitor()
    samples = json.loads((REAL / "samples" / "key-samples-2026-02.json").read_text())
    for sample in samples.values():
        m.observe(sample["event_type"], _raw(sample["data"]))
    games = json.loads((REAL / "games" / "verified_games_v3.json").read_text())
    records = [r for g in games for r in g["globalSidebets"] if r.get("type") == "payout"]
    for r in records:
        m.observe("currentSidebetResult", _raw(r))
    assert len(records) > 1000 and _kinds(m) == []


def test_the_simulators_feed_shows_no_drift_logged_in_with_a_bet() -> None:
    h: SimHandle = start_sim_in_thread(SimConfig(seed="drift-feed", speed=20, jitter=False))
    try:
        with RawClient(h.ws_url) as c:
            assert c.login()["success"] is True
            place_when_active(c, {"amount": 1, "coinAddress": "0xPractice", "xPayout": 5})
            c.wait_event("currentSidebetResult", timeout=15)
            frames = c.snapshot()
    finally:
        h.stop()
    m = DriftMonitor()
    for f in frames:
        m(f.t, "in", f.text)
    events = m.report().events
    assert {"gameStateUpdate", "playerUpdate", "currentSidebet", "currentSidebetResult"} <= set(events)
    assert _kinds(m) == []


def test_a_drifted_backend_is_reported_with_trimmed_samples() -> None:
    m = DriftMonitor()
    for t, out in iter_timeline(SimConfig(seed="drifted", protocol_drift=True, rug_at=(30,)), games=1):
        m(t, "in", encode_event(out.event, *out.args))
    assert _kinds(m) == [
        ("missing_field", "gameStateUpdate", "tickCount"),
        ("type_change", "gameStateUpdate", "price"),
        ("unknown_field", "gameStateUpdate", "tickIndex"),
    ]
    change = next(d for d in m.report().drift if d.kind == "type_change")
    assert (change.expected, change.seen) == ("number", "string") and change.count > 30
    assert json.loads(change.sample)["price"].replace(".", "").isdigit()
    assert all(len(d.sample) <= SAMPLE_CHARS for d in m.report().drift)


@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        ("rugBurnUpdate", {"x": 1}, [("unknown_event", "rugBurnUpdate", None)]),
        ("newChatMessage", {"message": "gm"}, []),  # a known side feature
        (
            "standard/newTrade",
            {"price": 1.5, "tickIndex": 3, "vip": True},
            [("unknown_field", "standard/newTrade", "vip")],
        ),
        ("standard/newTrade", {"tickIndex": 3.5}, [("type_change", "standard/newTrade", "tickIndex")]),
        (
            "playerUpdate",
            {"sideBet": {"startTick": "9"}},
            [("type_change", "playerUpdate", "sideBet.startTick")],
        ),
        ("playerUpdate", {"sidebets": [{"odds": 5}]}, [("unknown_field", "playerUpdate", "sidebets[].odds")]),
        ("maintenanceUpdate", {"active": None, "message": "x"}, []),  # null is what an absent field reads as
    ],
)
def test_each_kind_of_drift(event: str, payload: object, expected: list[tuple[str, str, str | None]]) -> None:
    m = DriftMonitor()
    m.observe("gameStateUpdate", _raw({"gameId": "g", "active": True, "rugged": False, "price": 1.5}))
    m.observe("gameStateUpdate", _raw({"tickCount": 4, "cooldownTimer": 0, "allowPreRoundBuys": False}))
    m.observe(event, _raw(payload))
    assert _kinds(m) == expected


def test_no_game_frames_is_drift_too() -> None:
    m = DriftMonitor()
    m(0.0, "in", "0{}")
    m(0.0, "out", '42["gameStateUpdate",{}]')  # the page's own frames do not count
    assert _kinds(m) == [("no_feed", "gameStateUpdate", None)]
