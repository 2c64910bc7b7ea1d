"""Property tests: no input — random, mutated real frames, truncations, type confusion, deep nesting —
makes the codec, the event decoder or the tracker raise, and the tracker's last-resort guard never fires
(``internal_errors == 0``: the guard is there for production, the tests demand it is never needed).

Quick by default; ``-m slowfuzz`` runs the same properties with many more examples.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.game.tracker import GameTracker
from bot.protocol.events import EVENT_MODELS, decode_ack, decode_event
from bot.protocol.frames import Packet, SioType, Undecodable, decode

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _real_frames() -> list[str]:
    frames: list[str] = []
    for p in sorted((REAL / "captures").glob("*.frames.jsonl.gz")):
        with gzip.open(p, "rt") as fh:
            for line in fh:
                frame = json.loads(line)["frame"]
                if len(frame) < 8000:
                    frames.append(frame)
    # keep a varied, small pool: every distinct event name plus evenly spaced tick frames
    seen: dict[str, str] = {}
    for f in frames:
        seen.setdefault(f[:30], f)
    return list(seen.values())[:150] + frames[::25]


REAL_FRAMES = _real_frames()
NAMES = [*EVENT_MODELS, "newChatMessage", "someFutureEvent"]
KEYS = [
    "gameId",
    "active",
    "rugged",
    "price",
    "tickCount",
    "cooldownTimer",
    "allowPreRoundBuys",
    "partialPrices",
    "gameHistory",
    "leaderboard",
    "provablyFair",
    "cash",
    "sideBet",
    "shitcoinBalances",
    "startTick",
    "endTick",
    "betAmount",
    "payout",
    "tickIndex",
    "values",
    "startTick",
    "success",
    "message",
    "id",
    "amount",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@st.composite
def typed_frames(draw: st.DrawFn) -> str:
    """Well-formed Socket.IO frames whose payloads have the right keys with the wrong (or right) types."""
    name = draw(st.sampled_from(NAMES))
    payload = draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
    args: list[Any] = [name]
    if draw(st.booleans()):
        args.append({"__trace": True, "traceparent": "00-1"})
    if draw(st.integers(0, 4)):
        args.append(payload)
    kind = draw(st.sampled_from(["42", "42", "43"]))
    ack = draw(st.none() | st.integers(0, 10**6))
    body = json.dumps(args if kind == "42" else args[1:])
    return kind + ("" if ack is None else str(ack)) + body


numbers = (
    st.none()
    | st.integers(-5, 300)
    | st.integers(-(2**63), 2**63)
    | st.floats()
    | st.sampled_from(["1", True])
)


@st.composite
def game_frames(draw: st.DrawFn) -> str:
    """Plausible gameStateUpdates from a few games: exercise phases, ticks, backfill, rugs, with odd numbers."""
    body: dict[str, Any] = {"gameId": draw(st.sampled_from(["20251212-a", "20251212-b", "20251212-c", None]))}
    for key in ("active", "rugged", "allowPreRoundBuys", "cooldownPaused"):
        if draw(st.booleans()):
            body[key] = draw(st.booleans() | st.none())
    for key in ("tickCount", "cooldownTimer", "price"):
        if draw(st.booleans()):
            body[key] = draw(numbers)
    if draw(st.booleans()):
        keys = st.integers(-3, 400).map(str) | st.text(max_size=4) | st.sampled_from(["²", "1e3", "٣"])
        body["partialPrices"] = {
            "startTick": draw(numbers),
            "endTick": draw(numbers),
            "values": draw(st.dictionaries(keys, st.floats(), max_size=6)),
        }
    if draw(st.integers(0, 9)) == 0:
        body["gameHistory"] = [{"id": "x", "prices": [1.0]}]
    return "42" + json.dumps(["gameStateUpdate", body])


@st.composite
def mutated_real(draw: st.DrawFn) -> str:
    f = draw(st.sampled_from(REAL_FRAMES))
    op = draw(st.sampled_from(["truncate", "flip", "insert", "retype", "nest", "splice"]))
    if op == "truncate":
        return f[: draw(st.integers(0, len(f)))]
    if op == "flip":
        i = draw(st.integers(0, max(0, len(f) - 1)))
        return f[:i] + draw(st.characters()) + f[i + 1 :]
    if op == "insert":
        i = draw(st.integers(0, len(f)))
        return f[:i] + draw(st.text(max_size=10)) + f[i:]
    if op == "retype":
        old = draw(st.sampled_from(["true", "false", "null", "0", "1", '"', "{", "[", ":", ","]))
        new = draw(st.sampled_from(['"x"', "[]", "{}", "null", "1e999", "-1", "true", "9" * 30, '{"a":[1]}']))
        return f.replace(old, new, draw(st.integers(1, 5)))
    if op == "nest":
        depth = draw(st.integers(50, 3000))
        return f[:2] + "[" * depth + f[2:] + "]" * depth
    g = draw(st.sampled_from(REAL_FRAMES))
    return f[: len(f) // 2] + g[len(g) // 2 :]


any_frame = st.one_of(
    st.text(max_size=200),
    typed_frames(),
    mutated_real(),
    game_frames(),
    game_frames(),
    st.sampled_from(REAL_FRAMES),
    st.binary(max_size=50).map(lambda b: b.decode("latin-1")),
)

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=20000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_codec(frame: str) -> None:
    p = decode(frame)
    assert isinstance(p, Packet | Undecodable)
    if isinstance(p, Packet):
        if p.sio is SioType.EVENT:
            decode_event(p)
        elif p.sio is SioType.ACK:
            decode_ack(p)


def check_tracker(frames: list[tuple[str, str]]) -> None:
    tr = GameTracker()
    t = 1000.0
    for direction, f in frames:
        t += 0.25
        sigs = tr.on_frame(t, direction, f)
        assert isinstance(sigs, list)
        tr.view  # noqa: B018 - building the view must not raise either
        tr.account  # noqa: B018
    assert tr.counters.internal_errors == 0, tr.counters


frame_seqs = st.lists(st.tuples(st.sampled_from(["in", "in", "in", "out"]), any_frame), max_size=30)


@QUICK
@given(any_frame)
def test_codec_never_raises(frame: str) -> None:
    check_codec(frame)


@QUICK
@given(frame_seqs)
def test_tracker_never_raises(frames: list[tuple[str, str]]) -> None:
    check_tracker(frames)


@QUICK
@given(st.lists(st.sampled_from(REAL_FRAMES), max_size=60), st.randoms(use_true_random=False))
def test_tracker_on_shuffled_real_frames(frames: list[str], rnd: Any) -> None:
    rnd.shuffle(frames)
    check_tracker([("in", f) for f in frames])


@pytest.mark.slowfuzz
@LONG
@given(any_frame)
def test_codec_never_raises_long(frame: str) -> None:
    check_codec(frame)


@pytest.mark.slowfuzz
@LONG
@given(frame_seqs)
def test_tracker_never_raises_long(frames: list[tuple[str, str]]) -> None:
    check_tracker(frames)
