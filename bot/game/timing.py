"""Tick-interval statistics from feed receive times.

The engine needs to know *when* the next tick will land (a click lands about one tick after the frame
that prompted it) and the governor needs to know when the feed is stalling, so the tracker keeps a
running picture of the gaps between consecutive ACTIVE ticks (k → k+1) of one game. Gaps across a
rug, a cooldown, a reconnect or a jump over lost frames are not one tick's duration and are never fed
in (the 1–5 s silence at every rug would poison the mean). Percentiles come from a bounded window kept sorted on insert, so a snapshot is O(1) and the
per-tick cost is one ``bisect`` plus a short ``memmove``, never a sort.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque

from bot.game.state import TickTiming

__all__ = ["STALL_S", "TickTimer"]

_INF = float("inf")
STALL_S = 1.0  # a gap longer than this is a stall (protocol.md: 0.44 % of real gaps)


class TickTimer:
    """Accumulates tick gaps (seconds); :meth:`snapshot` gives an immutable :class:`TickTiming`."""

    __slots__ = (
        "_alpha",
        "_cache",
        "_ewma",
        "_jitter",
        "_last",
        "_max",
        "_samples",
        "_sorted",
        "_stall_s",
        "_stalls",
        "_window",
    )

    def __init__(
        self, *, window: int = 512, alpha: float = 0.1, stall_s: float = STALL_S, nominal_s: float = 0.25
    ) -> None:
        if window < 1 or not 0.0 < alpha <= 1.0:
            raise ValueError("window must be >= 1 and 0 < alpha <= 1")
        self._alpha = alpha
        self._stall_s = stall_s
        self._window: deque[float] = deque(maxlen=window)
        self._sorted: list[float] = []
        self._samples = 0
        self._ewma = nominal_s
        self._jitter = 0.0
        self._max = 0.0
        self._stalls = 0
        self._last = 0.0
        self._cache: TickTiming | None = TickTiming(ewma_s=nominal_s, p50_s=nominal_s, p99_s=nominal_s)

    def add(self, gap_s: float) -> None:
        """One gap between consecutive ticks of the same game. Negative, NaN or infinite gaps are ignored."""
        if not 0.0 <= gap_s < _INF:  # also rejects NaN
            return
        self._samples += 1
        self._last = gap_s
        if self._samples == 1:
            self._ewma = gap_s
        else:
            self._ewma += self._alpha * (gap_s - self._ewma)
        self._jitter += self._alpha * (abs(gap_s - self._ewma) - self._jitter)
        if gap_s > self._max:
            self._max = gap_s
        if gap_s > self._stall_s:
            self._stalls += 1
        win = self._window
        if win.maxlen is not None and len(win) == win.maxlen:
            old = win[0]
            del self._sorted[bisect_left(self._sorted, old)]
        win.append(gap_s)
        insort(self._sorted, gap_s)
        self._cache = None

    @property
    def samples(self) -> int:
        return self._samples

    @property
    def stalls(self) -> int:
        return self._stalls

    def snapshot(self) -> TickTiming:
        if self._cache is None:
            s = self._sorted
            n = len(s)
            self._cache = TickTiming(
                samples=self._samples,
                ewma_s=self._ewma,
                jitter_s=self._jitter,
                p50_s=s[(n - 1) // 2] if n else self._ewma,
                p99_s=s[min(n - 1, int(0.99 * n))] if n else self._ewma,
                max_s=self._max,
                stalls=self._stalls,
                last_gap_s=self._last,
            )
        return self._cache
