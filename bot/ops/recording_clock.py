"""What a recording says about the clock that wrote its receive times: skew against the server, time zone, speed.

Only events the server stamps at the moment it sends them are compared (``newChatMessage``, ``currentSidebet``,
``newSideBet``: protocol.md, "Server → client events"). Other ``timestamp`` fields are not send times:
``gameHistory[].timestamp`` is when a past game ran (seconds to minutes old, shorter at a faster simulator
clock, which is why a 4× simulator recording once showed "+3.2 s"), ``gameStatePlayerUpdate`` carries the
rugpool's last-win time (hours old in the Dec 2025 capture).

A whole number of quarter hours between receive and server time is the capture's time zone (local time
written as if it were UTC: the 2025-12-12 capture in tests/fixtures/real is UTC−05:00, its chat stamps
18,000.8 s ahead of its receive times), not a clock that runs wrong; it is reported apart from the skew
that remains.

The clock speed comes from the recording itself (median interval between consecutive active ticks against
the nominal 250 ms), and a header whose ``url`` is a loopback address marks a recording of the built-in
simulator (the bot writes ``{"header": {"url": …}}`` as the first line, bot/feeds/recording.py).
"""

from __future__ import annotations

import ipaddress
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from bot.game.rules import NOMINAL_TICK_S
from bot.protocol.frames import Packet, decode

SEND_STAMPED_EVENTS = ("newChatMessage", "currentSidebet", "newSideBet")
ZONE_STEP_S = 900  # every time zone's UTC offset is a multiple of 15 minutes
ZONE_TOLERANCE_S = 60.0  # a zone offset plus at most this much skew
_NAME_MARKS = tuple(f'"{n}"'.encode() for n in SEND_STAMPED_EVENTS)
_TICK = re.compile(r'"tickCount":(\d+)')
_STAMP = msgspec.json.Decoder(dict[str, object])


@dataclass(frozen=True, slots=True)
class ClockReading:
    """Receive − server time over the send-stamped frames of one recording.

    ``skew_s`` is the median after removing ``zone_offset_s`` (0 when the receive times are UTC), so it is
    what the recording machine's clock was off by, network latency included. ``speed`` is the feed's clock
    speed-up (1.0 for the real site, e.g. 4.0 for ``run --sim --sim-speed 4``), None with too few ticks.
    """

    samples: int
    skew_s: float
    zone_offset_s: int
    speed: float | None
    simulator_url: str | None

    @property
    def zone(self) -> str:
        """``UTC−05:00`` style name of the zone the receive times were written in."""
        sign = "+" if self.zone_offset_s >= 0 else "−"
        h, m = divmod(abs(self.zone_offset_s) // 60, 60)
        return f"UTC{sign}{h:02d}:{m:02d}"


def is_loopback_url(url: object) -> bool:
    """``http://127.0.0.1:8080``, ``http://localhost``, ``http://[::1]`` → True."""
    if not isinstance(url, str):
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _send_stamp(frame: str) -> float | None:
    """The server's send time (s) of a send-stamped event frame, else None."""
    head = frame[:48].encode("utf-8", "replace")
    if not any(mark in head for mark in _NAME_MARKS):
        return None
    pkt = decode(frame)
    if not isinstance(pkt, Packet) or pkt.name not in SEND_STAMPED_EVENTS or pkt.payload is None:
        return None
    try:
        stamp = _STAMP.decode(pkt.payload).get("timestamp")
    except msgspec.DecodeError:
        return None
    if isinstance(stamp, bool) or not isinstance(stamp, int | float) or not math.isfinite(stamp):
        return None
    return float(stamp) / 1000


def _zone_offset(skew_s: float) -> int:
    """The time-zone offset hidden in a skew, or 0 when the skew is not a whole quarter hour (± tolerance)."""
    quarters = round(skew_s / ZONE_STEP_S)
    if quarters != 0 and abs(skew_s - quarters * ZONE_STEP_S) <= ZONE_TOLERANCE_S:
        return int(quarters * ZONE_STEP_S)
    return 0


class NotARecording(ValueError):
    """The file holds no frame at all (not a recording, or empty); ``str()`` says why, with the first bad line."""


def read_clock(path: Path) -> ClockReading | None:
    """Read one recording (``.jsonl`` or ``.jsonl.gz``); None when no frame carries a send stamp.

    Skips bad lines (see :class:`bot.feeds.recording.RecordingReader`); raises :class:`NotARecording` when no
    line at all is a frame.
    """
    from bot.feeds.recording import RecordingReader

    reader = RecordingReader(path)
    diffs: list[float] = []
    intervals: list[float] = []
    last: tuple[int, float] | None = None
    for fr in reader:
        if fr.dir != "in":
            continue
        stamp = _send_stamp(fr.frame)
        if stamp is not None:
            diffs.append(fr.t - stamp)
            continue
        if (
            fr.frame.startswith('42["gameStateUpdate"')
            and len(fr.frame) < 20_000
            and '"active":true' in fr.frame
        ):
            m = _TICK.search(fr.frame)
            if m is not None:
                tick = int(m.group(1))
                if last is not None and tick == last[0] + 1:
                    intervals.append(fr.t - last[1])
                last = (tick, fr.t)
    if reader.frames_read == 0:
        first = f"; line {reader.bad_lines[0][0]}: {reader.bad_lines[0][1]}" if reader.bad_lines else ""
        raise NotARecording(f"no frame in it ({len(reader.bad_lines)} bad line(s){first})")
    if not diffs:
        return None
    median = statistics.median(diffs)
    zone = _zone_offset(median)
    speed = NOMINAL_TICK_S / statistics.median(intervals) if len(intervals) >= 20 else None
    url = (reader.header or {}).get("url")
    return ClockReading(len(diffs), median - zone, zone, speed, url if is_loopback_url(url) else None)
