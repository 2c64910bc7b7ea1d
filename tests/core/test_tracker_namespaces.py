"""A socket on another Socket.IO namespace is not a reconnect of the game feed (issue 16.7).

Each sequence is the game feed's socket connecting, G1's presale, something in the middle, G1's ticks from 2
(0 and 1 skipped) and its rug. Having watched the presale proves the skipped ticks were G1's first: the game
is complete. A real reconnect in the middle costs that proof (frames may have been lost in between); a page
opening a second socket for ``/admin``, or connecting ``/admin`` on the feed's socket, must cost nothing, and
that namespace's frames must never reach the game state.
"""

from __future__ import annotations

import pytest

from bot.game.signals import FeedConnected, GameRugged, Signal, TickAdvanced
from bot.game.tracker import GameTracker
from tests.core.builders import G1, G2, active, presale, rug

OPEN_MAIN = '0{"sid":"main","upgrades":[],"pingInterval":25000,"pingTimeout":20000}'
OPEN_OTHER = '0{"sid":"other","upgrades":[],"pingInterval":25000,"pingTimeout":20000}'
# a frame on /admin that would move the game if the tracker took it for the feed's
ADMIN_GAME = active(G2, 99).replace("42[", "42/admin,[", 1)

MIDDLES: list[tuple[str, list[str], int, bool, dict[str, int]]] = [
    # name, frames in the middle of G1, connects, G1 complete, other_namespace counts
    ("nothing", [], 1, True, {}),
    ("a real reconnect of the feed", [OPEN_MAIN, '40{"sid":"again"}'], 2, False, {}),
    (
        "a second socket for /admin",
        [OPEN_OTHER, '40/admin,{"sid":"adm"}', ADMIN_GAME, "2", "41/admin,"],
        1,
        True,
        {"/admin": 3},
    ),
    (
        "a second socket's open and connect with the feed's frames in between",
        [OPEN_OTHER, presale(G1, 9000), presale(G1, 8000), '40/admin,{"sid":"adm"}'],
        1,
        True,
        {"/admin": 1},
    ),
    ("/admin on the feed's own socket", ['40/admin,{"sid":"adm"}', ADMIN_GAME], 1, True, {"/admin": 2}),
    (
        "/admin refused on a second socket",
        [OPEN_OTHER, '44/admin,{"message":"Invalid namespace"}'],
        1,
        True,
        {"/admin": 1},
    ),
]


def _run(middle: list[str]) -> tuple[GameTracker, list[Signal]]:
    frames = [OPEN_MAIN, '40{"sid":"feed"}', presale(G1), *middle, *(active(G1, k) for k in range(2, 9))]
    frames.append(rug(G1, 9))
    tracker = GameTracker()
    signals: list[Signal] = []
    for i, text in enumerate(frames):
        signals += tracker.on_frame(100.0 + i * 0.25, "in", text)
    return tracker, signals


@pytest.mark.parametrize(
    ("name", "middle", "connects", "complete", "other"), MIDDLES, ids=[m[0] for m in MIDDLES]
)
def test_another_namespace_is_no_reconnect(
    name: str, middle: list[str], connects: int, complete: bool, other: dict[str, int]
) -> None:
    tracker, signals = _run(middle)
    assert tracker.counters.connects == connects
    connected = [s.sid for s in signals if isinstance(s, FeedConnected)]
    assert connected == ["main"] + (["main"] if connects == 2 else [])  # the sid of the Engine.IO open
    [rugged] = [s.game for s in signals if isinstance(s, GameRugged)]
    assert (rugged.game_id, rugged.rug_tick, rugged.complete) == (G1, 9, complete)
    assert rugged.first_tick_seen == (0 if complete else 2)
    assert [s.tick for s in signals if isinstance(s, TickAdvanced)] == list(range(2, 9))  # none from /admin
    assert tracker.view.game_id == G1 and dict(tracker.counters.other_namespace) == other
    assert tracker.counters.as_dict()["other_namespace"] == other


def test_an_engine_io_open_alone_is_no_connect_yet() -> None:
    """Which namespace a new socket carries is known at its connect, not at its open; the feed's own events
    in between (another socket's open interleaves with them) change nothing."""
    tracker = GameTracker()
    assert tracker.on_frame(100.0, "in", OPEN_MAIN) == []
    assert not any(isinstance(s, FeedConnected) for s in tracker.on_frame(100.25, "in", active(G1, 3)))
    assert tracker.counters.connects == 0
    [connected] = tracker.on_frame(100.5, "in", '40{"sid":"feed"}')
    assert isinstance(connected, FeedConnected) and connected.sid == "main"
    assert tracker.counters.connects == 1
