"""Adaptive tightening: bet smaller when results or timing say something is off, and undo it when they recover.

Two independent triggers, both bounded by ``EngineConfig.max_tightening`` and both reversible:

* Underperformance: over the last ``window_bets`` settled bets the realised P&L is compared with what the model
  expected (Σ stake·(5p−1), variance Σ stake²·25·p(1−p)). A z-score below ``z_trigger`` adds one tightening
  step (up to ``steps`` steps = the maximum); a z-score back above ``z_clear`` removes one. Losing streaks are
  normal at 18 % wins, so this is deliberately slow: it reacts to a *run* of bad luck or a broken model, and a
  real halt is the governor's job.
* Degraded timing: the p99 tick interval above ``p99_tick_limit_s`` or a click predicted to land
  ``ticks_ahead_limit`` or more ticks after the frame means we act on stale information; half the maximum
  tightening applies while it lasts. Judged only after a bet has settled: before any click there is nothing
  of ours to react to.

The result is a stake multiplier in ``[1 − max_tightening, 1]``; every change is logged with its reason.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from loguru import logger

from bot.engine.persist import finite, listed, whole
from bot.utc import iso


@dataclass(frozen=True, slots=True)
class Settled:
    won: bool
    stake_lamports: int
    p_win: float
    t: float


@dataclass(frozen=True, slots=True)
class AdaptationState:
    factor: float  # stake multiplier, 1.0 = untouched
    perf_steps: int
    timing_degraded: bool
    z: float | None
    reason: str


class Adaptation:
    STATE_KIND: ClassVar[str] = "adaptation"
    STATE_VERSION: ClassVar[int] = 1

    def __init__(
        self,
        max_tightening: float,
        *,
        enabled: bool = True,
        window_bets: int = 30,
        min_bets: int = 10,
        z_trigger: float = -2.0,
        z_clear: float = -1.0,
        steps: int = 4,
        payout: int = 5,
        p99_tick_limit_s: float = 0.8,
        ticks_ahead_limit: int = 3,
    ) -> None:
        self.max_tightening = max_tightening
        self.enabled = enabled
        self.min_bets = min_bets
        self.z_trigger = z_trigger
        self.z_clear = z_clear
        self.steps = steps
        self.payout = payout
        self.p99_tick_limit_s = p99_tick_limit_s
        self.ticks_ahead_limit = ticks_ahead_limit
        self._bets: deque[Settled] = deque(maxlen=window_bets)
        self.perf_steps = 0
        self.timing_degraded = False
        self.timing_reason = ""
        self.z: float | None = None
        self._logged_factor = 1.0

    # ------------------------------------------------------------------ inputs
    def on_settled(self, won: bool, stake_lamports: int, p_win: float, t: float) -> None:
        self._bets.append(Settled(won, stake_lamports, p_win, t))
        self.z = self.performance_z()
        if self.z is not None:
            if self.z < self.z_trigger and self.perf_steps < self.steps:
                self.perf_steps += 1
            elif self.z > self.z_clear and self.perf_steps > 0:
                self.perf_steps -= 1
        self._log_change(t)

    def on_timing(self, p99_tick_s: float, ticks_ahead: int, t: float) -> None:
        """Judge timing, but only once a click of ours has landed (evidence: a settled bet in the window).

        Before that, ``ticks_ahead`` is the timing model's prior latency plus the time since the last
        frame, which crosses the limit and back on alternate frames: reacting to it tightened and relaxed
        stakes several times a second before the first bet (issue 13).
        """
        if not self._bets:
            return
        reasons = []
        if p99_tick_s > self.p99_tick_limit_s:
            reasons.append(f"p99 tick interval {p99_tick_s:.2f}s > {self.p99_tick_limit_s:.2f}s")
        if ticks_ahead >= self.ticks_ahead_limit:
            reasons.append(f"clicks land {ticks_ahead} ticks late (limit {self.ticks_ahead_limit})")
        self.timing_degraded = bool(reasons)
        self.timing_reason = "; ".join(reasons)
        self._log_change(t)

    # ------------------------------------------------------------------ outputs
    def performance_z(self) -> float | None:
        if len(self._bets) < self.min_bets:
            return None
        realised = expected = var = 0.0
        for b in self._bets:
            s = b.stake_lamports
            realised += s * (self.payout - 1) if b.won else -s
            expected += s * (self.payout * b.p_win - 1.0)
            var += (s * self.payout) ** 2 * b.p_win * (1.0 - b.p_win)
        return (realised - expected) / math.sqrt(var) if var > 0 else None

    @property
    def tightening(self) -> float:
        if not self.enabled:
            return 0.0
        perf = self.max_tightening * self.perf_steps / self.steps if self.steps else 0.0
        timing = self.max_tightening / 2 if self.timing_degraded else 0.0
        return min(self.max_tightening, perf + timing)

    @property
    def factor(self) -> float:
        return 1.0 - self.tightening

    @property
    def state(self) -> AdaptationState:
        return AdaptationState(self.factor, self.perf_steps, self.timing_degraded, self.z, self.reason())

    def reason(self) -> str:
        if self.factor >= 1.0:
            return "no tightening"
        parts = []
        if self.perf_steps:
            z = f"{self.z:+.1f}σ" if self.z is not None else "n/a"
            parts.append(f"results below expectation (z {z}, step {self.perf_steps}/{self.steps})")
        if self.timing_degraded:
            parts.append(self.timing_reason)
        return f"stakes ×{self.factor:.2f}: " + "; ".join(parts)

    def _log_change(self, t: float) -> None:
        f = self.factor
        if f != self._logged_factor:
            if f < self._logged_factor:
                logger.warning("adaptation tightened at {}: {}", iso(t), self.reason())
            else:
                logger.info("adaptation relaxed at {}: {}", iso(t), self.reason())
            self._logged_factor = f

    # ------------------------------------------------------------------ memory across restarts
    def export_state(self) -> dict[str, Any]:
        """The settled bets of the window and the performance steps. Timing degradation is not saved: it
        describes the page of one run and is re-measured at once."""
        return {
            "bets": [[b.won, b.stake_lamports, b.p_win, b.t] for b in self._bets],
            "perf_steps": self.perf_steps,
        }

    def restore_state(self, data: Mapping[str, Any]) -> str:
        """Continue from a saved state; ``ValueError`` (nothing changed) when malformed."""
        bets: list[Settled] = []
        for i, row in enumerate(listed(data, "bets")):
            if not isinstance(row, list) or len(row) != 4 or not isinstance(row[0], bool):
                raise ValueError(f"bets[{i}] is not [won, stake_lamports, p_win, t]")
            fields = {"stake": row[1], "p": row[2], "t": row[3]}
            stake = whole(fields, "stake")
            p = finite(fields, "p", low=0.0)
            if p > 1.0:
                raise ValueError(f"bets[{i}] has p_win {p} > 1")
            bets.append(Settled(row[0], stake, p, finite(fields, "t")))
        steps = whole(data, "perf_steps")
        self._bets.clear()
        self._bets.extend(bets)  # the deque keeps the newest window_bets when the window shrank
        self.perf_steps = min(steps, self.steps)
        self.z = self.performance_z()
        self._logged_factor = self.factor  # a restored tightening is not a change to log as one
        return f"{len(self._bets)} settled bets, {self.reason()}"
