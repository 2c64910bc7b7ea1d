"""Hostile and broken input: oversized, deeply nested, type-confused and truncated frames.

The codec, event models and tracker must not raise, must stay within bounded memory, and must count each
bad frame. The frames here are built from a real tick frame of the shared capture, then broken.
"""

from __future__ import annotations

import json
import tracemalloc

import pytest

from bot.feeds.recording import iter_frames
from bot.game.signals import FeedProblem
from bot.game.tracker import GameTracker
from bot.protocol.events import InvalidEvent, decode_event
from bot.protocol.frames import Packet, Undecodable, decode
from tests.conftest import CAPTURES


def real_tick_frame() -> str:
    for fr in iter_frames(CAPTURES[:1]):
        if (
            fr.frame.startswith('42["gameStateUpdate"')
            and '"active":true' in fr.frame
            and len(fr.frame) < 20_000
        ):
            return fr.frame
    raise AssertionError("no tick frame in the capture")


TICK = real_tick_frame()
PAYLOAD = json.loads(TICK[2:])[1]


def confused(**changes: object) -> str:
    return "42" + json.dumps(["gameStateUpdate", {**PAYLOAD, **changes}])


HOSTILE = [
    ("10 MB string arg", '42["gameStateUpdate",{"gameId":"' + "x" * 10_000_000 + '"}]'),
    ("10 MB of garbage", "42" + "[" * 10 + "\x00" * 10_000_000),
    ("deep nesting 100k", "42" + "[" * 100_000 + "]" * 100_000),
    ("deep object nesting", '42["gameStateUpdate",' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "]"),
    ("truncated tick frame", TICK[: len(TICK) // 2]),
    ("price as string", confused(price="1.5")),
    ("tickCount as float text", confused(tickCount="12")),
    (
        "partialPrices values not numbers",
        confused(partialPrices={"startTick": 1, "endTick": 2, "values": {"1": "a"}}),
    ),
    ("leaderboard an int", confused(leaderboard=7)),
    ("gameId a list", confused(gameId=[1, 2])),
    ("payload a string", '42["gameStateUpdate","hello"]'),
    ("payload null", '42["gameStateUpdate",null]'),
    ("event name a number", "42[17,{}]"),
    ("ack id of 40 digits", "43" + "9" * 40 + "[{}]"),
    ("binary event", '451-["x",{"_placeholder":true,"num":0}]'),
    ("lone surrogate", '42["gameStateUpdate",{"gameId":"\\ud800"}]'),
    ("invalid utf-8 bytes", b'42["gameStateUpdate",{"gameId":"\xff\xfe"}]'),
    ("empty", ""),
]


@pytest.mark.parametrize(("name", "frame"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_codec_events_tracker_survive(name: str, frame: str | bytes) -> None:
    packet = decode(frame)
    if isinstance(packet, Packet) and packet.name:
        decode_event(packet)  # never raises
    tracker = GameTracker()
    text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
    tracker.on_frame(1.0, "in", TICK)
    tracker.on_frame(1.25, "in", text)
    view = tracker.view  # still a usable view
    assert view.game_id == PAYLOAD["gameId"] or view.game_id is not None


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        h
        for h in HOSTILE
        if h[0]
        in {
            "truncated tick frame",
            "price as string",
            "10 MB of garbage",
            "deep nesting 100k",
            "payload a string",
            "event name a number",
            "ack id of 40 digits",
            "gameId a list",
        }
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "frame",
)
def test_bad_frames_are_counted_as_problems(name: str, frame: str) -> None:
    tracker = GameTracker()
    signals = tracker.on_frame(1.0, "in", frame)
    assert any(isinstance(s, FeedProblem) for s in signals), name
    c = tracker.counters
    assert sum(c.undecodable.values()) + sum(c.invalid.values()) >= 1


def test_type_confused_tick_does_not_move_the_game() -> None:
    tracker = GameTracker()
    tracker.on_frame(1.0, "in", TICK)
    before = tracker.view
    tracker.on_frame(1.25, "in", confused(tickCount="9999", price="boom"))
    assert tracker.view.tick == before.tick and tracker.view.price == before.price


def test_memory_stays_bounded_under_a_flood() -> None:
    """10,000 hostile frames (1 MB each would be 10 GB): the tracker keeps nothing proportional to them."""
    tracker = GameTracker()
    big = '42["gameStateUpdate",{"gameId":"' + "y" * 1_000_000 + '"'  # truncated: undecodable
    tracker.on_frame(0.0, "in", TICK)
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    for i in range(2_000):
        tracker.on_frame(1.0 + i, "in", big if i % 2 else f'42["unknownEvent{i}",{{}}]')
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(base, "filename"))
    tracemalloc.stop()
    assert grown < 2_000_000, f"tracker grew by {grown} bytes"
    assert sum(tracker.counters.undecodable.values()) == 1_000


def test_ack_with_hostile_body() -> None:
    from bot.protocol.events import decode_ack

    for body in ('431[{"success":"yes"}]', "431[" + "[" * 10_000 + "]" * 10_000 + "]", "431[]"):
        p = decode(body)
        if isinstance(p, Undecodable):
            assert p.reason == "too-deep"  # the codec refuses absurd nesting itself
            continue
        result = decode_ack(p)
        assert result is not None
        if "yes" in body:
            assert isinstance(result, InvalidEvent)
