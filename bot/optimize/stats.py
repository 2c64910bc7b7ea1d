"""Small, dependency-free statistics for the evidence reports (numpy only; scipy is a dev dependency).

Why hand-rolled: the bot must be able to say "this win rate is (not) distinguishable from 0.1817" on a
machine without scipy; the tests check these functions against scipy where it is installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.engine.beta import beta_cdf, beta_ppf

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval: good coverage down to small n, unlike the normal interval."""
    if n == 0:
        return Interval(0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) (the engine's implementation, argument order of scipy's betainc)."""
    return beta_cdf(x, a, b)


def clopper_pearson(successes: int, n: int, alpha: float = 0.05) -> Interval:
    """Exact (conservative) binomial interval from beta quantiles."""
    if n == 0:
        return Interval(0.0, 1.0)
    low = 0.0 if successes == 0 else beta_ppf(alpha / 2, successes, n - successes + 1)
    high = 1.0 if successes == n else beta_ppf(1 - alpha / 2, successes + 1, n - successes)
    return Interval(low, high)


def binom_two_sided_p(successes: int, n: int, p: float) -> float:
    """Two-sided p-value (twice the smaller tail, capped at 1) for H0: P(win) = p."""
    if n == 0:
        return 1.0
    # P(X <= k) = I_{1-p}(n-k, k+1); P(X >= k) = I_p(k, n-k+1)
    lower = 1.0 if successes >= n else betainc(n - successes, successes + 1, 1 - p)
    upper = 1.0 if successes <= 0 else betainc(successes, n - successes + 1, p)
    return min(1.0, 2 * min(lower, upper))


def mean_interval(values: np.ndarray, z: float = Z95) -> tuple[float, Interval]:
    """Mean with a normal-approximation interval (n is large in every report that uses it)."""
    n = values.size
    if n == 0:
        return 0.0, Interval(0.0, 0.0)
    mean = float(values.mean())
    if n == 1:
        return mean, Interval(mean, mean)
    half = z * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, Interval(mean - half, mean + half)


def max_run(flags: np.ndarray) -> int:
    """Longest run of True values."""
    f = np.asarray(flags, dtype=np.int8)
    if f.size == 0 or not f.any():
        return 0
    padded = np.concatenate([[0], f, [0]])
    d = np.diff(padded)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return int((ends - starts).max())


def run_lengths(flags: np.ndarray) -> np.ndarray:
    """Lengths of all maximal runs of True values, in order."""
    f = np.asarray(flags, dtype=np.int8)
    if f.size == 0:
        return np.zeros(0, dtype=np.int64)
    padded = np.concatenate([[0], f, [0]])
    d = np.diff(padded)
    return (np.flatnonzero(d == -1) - np.flatnonzero(d == 1)).astype(np.int64)


def p_losing_streak_at_least(length: int, n_bets: int, q_loss: float) -> float:
    """P(a run of ≥ ``length`` losses somewhere in ``n_bets`` independent bets), exact by a Markov chain.

    States are the current streak 0..length-1 plus an absorbing "seen"; O(n · length) vector steps, so
    very long runs fall back to the Poisson approximation with the same first-order count of runs.
    """
    if length <= 0:
        return 1.0
    if n_bets < length:
        return 0.0
    if n_bets * length > 5_000_000:
        expected_runs = q_loss**length * (1 + (n_bets - length) * (1 - q_loss))
        return float(1 - math.exp(-expected_runs))
    state = np.zeros(length)
    state[0] = 1.0
    absorbed = 0.0
    for _ in range(n_bets):
        win_mass = state.sum() * (1 - q_loss)
        absorbed += state[-1] * q_loss
        state[1:] = state[:-1] * q_loss
        state[0] = win_mass
    return float(min(1.0, absorbed))


def geometric_streak_pmf(q_loss: float, max_len: int) -> np.ndarray:
    """Theoretical distribution of a losing-streak length L ≥ 1: P(L = k) = q^(k-1) (1 - q)."""
    k = np.arange(1, max_len + 1)
    return q_loss ** (k - 1) * (1 - q_loss)


def max_drawdown(equity: np.ndarray, start: float) -> tuple[float, float]:
    """Largest peak-to-trough fall (absolute, and as a fraction of the peak)."""
    if equity.size == 0:
        return 0.0, 0.0
    curve = np.concatenate([[start], equity.astype(float)])
    peak = np.maximum.accumulate(curve)
    dd = peak - curve
    i = int(dd.argmax())
    frac = float(dd[i] / peak[i]) if peak[i] > 0 else 0.0
    return float(dd[i]), frac
