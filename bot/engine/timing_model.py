"""When does a click made now land, and how long (wall clock) does a 40-tick window last?

Inputs are measurements only: tick intervals from feed receive times (``TickTiming``) and click → confirmation
latencies the broker measured. Under the memoryless rules the landing tick does not change P(win); it matters for
feasibility (a landing after the rug is no bet) and for telling the operator how long a window takes.

Landing rule (conservative): ``tick + max(1, ceil((elapsed + latency) / interval))``. A real buy was acknowledged
≈ 220 ms after the frame that prompted it and landed about one tick later (protocol.md), so a click never lands
on the tick already seen; the ceiling may put the prediction one tick late, never early.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.engine.persist import finite, listed
from bot.game.rules import NOMINAL_TICK_S, WINDOW_TICKS
from bot.game.state import TickTiming

INTERVAL_PRIOR_SAMPLES = 20
MIN_INTERVAL_S = 0.1
MAX_INTERVAL_S = 2.0
_Z95 = 1.959963984540054
_MAD_TO_SD = 1.2533141373155  # sqrt(pi/2): mean absolute deviation → standard deviation for a normal


@dataclass(frozen=True, slots=True)
class WindowTiming:
    mean_s: float
    low_s: float
    high_s: float


@dataclass(frozen=True, slots=True)
class Landing:
    tick: int
    ticks_ahead: int
    latency_s: float
    interval_s: float
    elapsed_s: float  # time since the last tick frame


class TimingModel:
    """Click latency estimate (prior + recent measurements) and landing/window predictions."""

    STATE_KIND: ClassVar[str] = "timing"
    STATE_VERSION: ClassVar[int] = 1

    def __init__(self, prior_latency_s: float = 0.22, *, prior_weight: float = 5.0, keep: int = 200) -> None:
        if prior_latency_s <= 0:
            raise ValueError("prior latency must be positive")
        self.prior_latency_s = prior_latency_s
        self.prior_weight = prior_weight
        self._recent: deque[float] = deque(maxlen=keep)
        self._latency_s = prior_latency_s
        self._latency_p99_s = prior_latency_s

    def observe_latency(self, seconds: float) -> None:
        """A measured click → confirmation latency. Non-finite or negative values are ignored (clock glitch)."""
        if not math.isfinite(seconds) or seconds < 0:
            return
        self._recent.append(seconds)
        n = len(self._recent)
        ordered = sorted(self._recent)
        median = ordered[n // 2] if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])
        # Shrink towards the prior while there are few measurements; a median resists one slow click.
        self._latency_s = (self.prior_weight * self.prior_latency_s + n * median) / (self.prior_weight + n)
        self._latency_p99_s = max(self._latency_s, ordered[min(n - 1, math.ceil(0.99 * n) - 1)])

    @property
    def latency_s(self) -> float:
        return self._latency_s

    @property
    def latency_p99_s(self) -> float:
        return self._latency_p99_s

    @property
    def latency_samples(self) -> int:
        return len(self._recent)

    @staticmethod
    def interval_s(timing: TickTiming) -> float:
        """Robust tick interval: the median receive gap shrunk towards the nominal 250 ms while samples are few.

        The server ticks on its own clock (250.8 ms/tick); receive gaps are that plus network noise, and right
        after a silence the backlog arrives in a burst of ~10 ms gaps. An EWMA seeded by such a burst would
        predict clicks landing 20 ticks later, so use the median, a prior, and sane bounds.
        """
        if timing.samples <= 0 or not (timing.p50_s > 0) or not math.isfinite(timing.p50_s):
            return NOMINAL_TICK_S
        n = timing.samples
        blended = (INTERVAL_PRIOR_SAMPLES * NOMINAL_TICK_S + n * timing.p50_s) / (INTERVAL_PRIOR_SAMPLES + n)
        return min(MAX_INTERVAL_S, max(MIN_INTERVAL_S, blended))

    def landing(self, tick: int, last_tick_t: float, timing: TickTiming, now: float | None) -> Landing:
        interval = self.interval_s(timing)
        elapsed = 0.0 if now is None else max(0.0, now - last_tick_t)
        ahead = max(1, math.ceil((elapsed + self._latency_s) / interval - 1e-9))
        return Landing(tick + ahead, ahead, self._latency_s, interval, elapsed)

    def window(self, timing: TickTiming, ticks: int = WINDOW_TICKS) -> WindowTiming:
        """Wall-clock length of ``ticks`` ticks: normal approximation of the sum of gaps, widened by one p99 gap."""
        m = self.interval_s(timing)
        sd = max(0.0, timing.jitter_s) * _MAD_TO_SD if timing.samples >= INTERVAL_PRIOR_SAMPLES else 0.05
        spread = _Z95 * math.sqrt(ticks) * sd
        mean = ticks * m
        p99 = max(m, timing.p99_s) if timing.samples >= INTERVAL_PRIOR_SAMPLES else max(m, 2 * NOMINAL_TICK_S)
        high = max(mean + spread, (ticks - 1) * m + p99)
        low = max(0.0, mean - spread)
        return WindowTiming(mean, low, high)

    # ------------------------------------------------------------------ memory across restarts
    def export_state(self) -> dict[str, Any]:
        """The recent click latencies (s), oldest first; the prior comes from the profile at each start."""
        return {"latencies_s": list(self._recent)}

    def restore_state(self, data: Mapping[str, Any]) -> str:
        """Continue from a saved state; ``ValueError`` (nothing changed) when malformed."""
        values = [finite({"latency": v}, "latency", low=0.0) for v in listed(data, "latencies_s")]
        self._recent.clear()
        self._latency_s = self._latency_p99_s = self.prior_latency_s
        for v in values[-(self._recent.maxlen or len(values)) :]:
            self.observe_latency(v)
        return f"{len(self._recent)} latencies, estimate {self._latency_s * 1000:.0f} ms"
