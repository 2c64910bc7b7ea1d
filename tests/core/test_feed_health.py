"""Which transport the page's Socket.IO talks over, by the sniffer's counts (bot/feeds/sniffer.py)."""

from __future__ import annotations

import pytest

from bot.feeds.sniffer import POLLING_FALLBACK_RESPONSES, FeedHealth

N = POLLING_FALLBACK_RESPONSES


def _health(frames_in: int, polling: int, since_frame: int) -> FeedHealth:
    return FeedHealth(1, 1, frames_in, 0, 0, 0, None, None, polling, since_frame, 0)


@pytest.mark.parametrize(
    ("case", "frames_in", "polling", "since_frame", "transport", "fallback"),
    [
        ("nothing yet", 0, 0, 0, "none", False),
        ("websocket frames only", 50, 0, 0, "websocket", False),
        ("one answered poll, no frame (a page that only polls)", 0, 1, 1, "polling", False),
        ("polling went on, never a frame", 0, N, N, "polling", True),
        ("a normal upgrade: four polls, then frames", 50, 4, 0, "websocket", False),
        ("a stray poll of another client between feed frames", 50, 9, 1, "websocket", False),
        ("the feed fell back to polling after frames", 50, N + 4, N, "polling", True),
    ],
)
def test_transport(
    case: str, frames_in: int, polling: int, since_frame: int, transport: str, fallback: bool
) -> None:
    h = _health(frames_in, polling, since_frame)
    assert (h.transport, h.polling_fallback) == (transport, fallback)
