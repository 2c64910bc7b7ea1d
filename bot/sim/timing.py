"""How long the simulator waits between frames, on the *sim clock* (seconds at speed 1).

The tick gaps are an empirical quantile table derived once from the 30 real per-game tick recordings in
tests/fixtures/real/ticks/ (6,554 receive-time gaps between consecutive active ticks; two mid-game gaps of
14 s and 20 s were left out as recorder glitches, everything ≤ 5 s kept). The simulator must not read
tests/ at run time, so the numbers live here; tests/sim/test_fidelity.py recomputes the table from the
fixtures and checks these numbers still describe them. Sampling is inverse-CDF with linear interpolation:
mean 0.253 s (the real server clock is 250.8 ms/tick), median 0.268 s, p99 0.71 s, and the bursty
near-zero gaps real clients see when frames arrive back to back.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from bot.game.rules import NOMINAL_TICK_S

__all__ = [
    "COOLDOWN_FRAME_MS",
    "COOLDOWN_MS",
    "GAP_QUANTILES",
    "HISTORY_GAP_S",
    "NOMINAL_TICK_S",
    "PRESALE_MS",
    "RUG_HOLD_S",
    "RUG_TO_HISTORY_S",
    "TickGaps",
]

COOLDOWN_MS = 15_000  # cooldownTimer 15000 → 0
PRESALE_MS = 10_000  # allowPreRoundBuys during the last 10 s of the cooldown
COOLDOWN_FRAME_MS = 100  # one cooldown frame every 100 ms
# After the rug frame the real server goes quiet for 1–5 s while its clock runs on (protocol.md); the history
# frames and the first cooldown frames then arrive as one burst (Dec 2025 capture: 14900 and 14800 within 12 ms).
RUG_HOLD_S = (1.0, 5.0)  # silence after the rug frame; frames made meanwhile are held, then burst
RUG_TO_HISTORY_S = 0.9  # rug → first history frame (old id) on the server clock
HISTORY_GAP_S = (
    0.4  # first → second history frame (new id, cooldown 15000); rug → tick 0 ≈ 0.9 + 0.4 + 15 = 16.3 s
)

# (cumulative probability, gap seconds); derived by tests/sim/test_fidelity.py::derive_gap_table
GAP_QUANTILES: tuple[tuple[float, float], ...] = (
    (0, 0.0035),
    (0.01, 0.0046),
    (0.02, 0.0049),
    (0.03, 0.0053),
    (0.05, 0.0067),
    (0.075, 0.0084),
    (0.1, 0.0180),
    (0.11, 0.0290),
    (0.12, 0.0404),
    (0.13, 0.0500),
    (0.14, 0.0591),
    (0.15, 0.0632),
    (0.175, 0.0763),
    (0.2, 0.0842),
    (0.225, 0.0926),
    (0.25, 0.1020),
    (0.275, 0.1165),
    (0.3, 0.1448),
    (0.325, 0.1701),
    (0.35, 0.1983),
    (0.375, 0.2162),
    (0.4, 0.2374),
    (0.425, 0.2470),
    (0.45, 0.2521),
    (0.475, 0.2581),
    (0.5, 0.2682),
    (0.525, 0.2797),
    (0.55, 0.2935),
    (0.575, 0.2999),
    (0.6, 0.3037),
    (0.625, 0.3056),
    (0.65, 0.3069),
    (0.675, 0.3083),
    (0.7, 0.3104),
    (0.725, 0.3211),
    (0.75, 0.3409),
    (0.775, 0.3590),
    (0.8, 0.3785),
    (0.825, 0.3981),
    (0.85, 0.4098),
    (0.875, 0.4198),
    (0.9, 0.4457),
    (0.925, 0.4962),
    (0.95, 0.5343),
    (0.96, 0.5455),
    (0.97, 0.5562),
    (0.98, 0.5856),
    (0.99, 0.7050),
    (0.995, 0.8235),
    (0.998, 0.8991),
    (0.999, 1.1693),
    (1.0, 3.5490),
)

_PROBS = tuple(p for p, _ in GAP_QUANTILES)
_GAPS = tuple(g for _, g in GAP_QUANTILES)


def gap_for_quantile(u: float) -> float:
    """Inverse CDF of the table at ``u`` in [0, 1]."""
    u = min(max(u, 0.0), 1.0)
    i = bisect.bisect_right(_PROBS, u)
    if i >= len(_PROBS):
        return _GAPS[-1]
    p0, p1 = _PROBS[i - 1], _PROBS[i]
    g0, g1 = _GAPS[i - 1], _GAPS[i]
    return g0 + (g1 - g0) * (u - p0) / (p1 - p0)


@dataclass(slots=True)
class TickGaps:
    """Draws tick gaps; ``jitter=False`` gives the nominal 250 ms (deterministic tests, benchmarks)."""

    rng: random.Random
    jitter: bool = True

    def next_gap(self) -> float:
        if not self.jitter:
            return NOMINAL_TICK_S
        return gap_for_quantile(self.rng.random())

    def rug_hold(self) -> float:
        if not self.jitter:
            return 2.0
        lo, hi = RUG_HOLD_S
        return self.rng.uniform(lo, hi)
