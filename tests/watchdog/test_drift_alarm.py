"""Protocol drift as a named alarm (issue 14.5): a real tracker fed frames whose ``tickCount`` turned into a
string trips ``protocol_drift`` at the limit, once, with a sample file; a clean feed never does."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.drift_alarm import ALARM_KIND, DriftAlarm
from bot.app.watchdog import GameFrames
from bot.game.tracker import GameTracker
from tests.core.builders import G1, active, event, presale


def tick_as_string(tick: int) -> str:
    body = json.loads(active(G1, tick)[2:])[1]
    body["tickCount"] = str(tick)
    return event("gameStateUpdate", body)


def feed(tracker: GameTracker, alarm: DriftAlarm, frames: list[str]) -> list[tuple[int, str]]:
    """Each frame through the tracker, then the alarm (as the run's sinks do); the trips, by frame index."""
    trips = []
    for k, f in enumerate(frames):
        tracker.on_frame(100.0 + 0.25 * k, "in", f)
        reason = alarm.check(100.0 + 0.25 * k)
        if reason is not None:
            trips.append((k, reason))
    return trips


def test_drift_past_the_limit_trips_once_and_saves_the_samples(tmp_path: Path) -> None:
    tracker = GameTracker()
    alarm = DriftAlarm(tracker.counters.drift, limit=5, data_dir=tmp_path / "var")
    frames = [presale(G1), *(active(G1, k) for k in range(10)), *(tick_as_string(k) for k in range(10, 40))]
    trips = feed(tracker, alarm, frames)
    assert len(trips) == 1
    k, reason = trips[0]
    assert k == 11 + 4  # the fifth drifted frame, not one earlier
    assert "protocol drift: 5 events" in reason and "gameStateUpdate.tickCount ×5" in reason
    assert alarm.sample_file is not None and str(alarm.sample_file) in reason
    saved = json.loads(alarm.sample_file.read_text())
    assert saved["total"] == 5 and saved["limit"] == 5
    assert saved["counts"] == {"gameStateUpdate.tickCount": 5}
    assert saved["samples"] and all(s["field"] == "tickCount" for s in saved["samples"])
    assert tracker.counters.drift.total == 30  # still counted after the trip


def test_a_clean_feed_never_trips(tmp_path: Path) -> None:
    tracker = GameTracker()
    alarm = DriftAlarm(tracker.counters.drift, limit=1, data_dir=tmp_path)
    assert feed(tracker, alarm, [presale(G1), *(active(G1, k) for k in range(200))]) == []
    assert not list(tmp_path.iterdir())


def test_the_alarm_kind_is_known_to_the_governor() -> None:
    from bot.risk.guards.alarms import AlarmGuard, AlarmKind

    assert AlarmKind.PROTOCOL_DRIFT.value == ALARM_KIND
    v = AlarmGuard().verdict_for(ALARM_KIND, "protocol drift: 5 events")
    assert "unrecognised" not in str(v)


def test_only_game_frames_count_as_the_feed_talking(tmp_path: Path) -> None:
    """A blackholed socket still gets Engine.IO pings ("2"): they must not look like a live feed. The sink also
    trips the drift alarm, once, through the run's halt."""
    halts: list[str] = []
    sink = GameFrames(halts.append)
    for t, frame in [(1.0, "2"), (2.0, "3"), (3.0, "0{}"), (4.0, "40")]:
        sink.on_frame(t, "in", frame)
    assert sink.last_t is None
    sink.on_frame(5.0, "out", '42["requestSidebet",{}]')
    assert sink.last_t is None
    sink.on_frame(6.0, "in", presale(G1))
    assert sink.last_t == 6.0
    tracker = GameTracker()
    sink.drift_alarm = DriftAlarm(tracker.counters.drift, limit=2, data_dir=tmp_path)
    for k in range(5):
        frame = tick_as_string(k + 1)
        tracker.on_frame(7.0 + k, "in", frame)
        sink.on_frame(7.0 + k, "in", frame)
    assert len(halts) == 1 and "protocol drift: 2 events" in halts[0]
