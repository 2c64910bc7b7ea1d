"""A token bucket per client address for control requests (pause, halt, resume).

Why per address and small: a control request is a human pressing a button; a burst of a few is normal (halt,
then resume), a stream of them is a script or an attacker guessing, and every accepted one writes an audit row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    t: float


class RateLimiter:
    """``burst`` requests at once, then one every ``per_s`` seconds, per key. Time from ``clock`` (monotonic)."""

    def __init__(
        self,
        *,
        burst: int = 5,
        per_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 1024,
    ) -> None:
        if burst < 1 or per_s <= 0:
            raise ValueError("burst must be >= 1 and per_s > 0")
        self.burst = burst
        self.per_s = per_s
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str) -> float:
        """0.0 when the request may go on (one token taken); otherwise the seconds until it may retry."""
        now = self._clock()
        b = self._buckets.get(key)
        if b is None:
            if len(self._buckets) >= self._max_keys:
                self._prune(now)
            b = self._buckets[key] = _Bucket(float(self.burst), now)
        b.tokens = min(float(self.burst), b.tokens + (now - b.t) / self.per_s)
        b.t = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return 0.0
        return (1.0 - b.tokens) * self.per_s

    def _prune(self, now: float) -> None:
        full = self.burst * self.per_s  # a bucket idle this long is full again: forgetting it changes nothing
        for key in [k for k, b in self._buckets.items() if now - b.t >= full]:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:  # all busy: forget the oldest half
            for key, _ in sorted(self._buckets.items(), key=lambda kv: kv[1].t)[: self._max_keys // 2]:
                del self._buckets[key]
