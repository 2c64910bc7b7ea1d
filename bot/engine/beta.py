"""The Beta distribution's CDF and quantile without scipy at run time (scipy is a dev-only dependency).

One implementation serves the probability engine's credible intervals and the reports' exact binomial
intervals and tests; tests/engine compares it with scipy.
"""

from __future__ import annotations

import math


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularized incomplete beta (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-12:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1.0 - x) / b


def beta_ppf(q: float, a: float, b: float) -> float:
    """Quantile of Beta(a, b): safeguarded Newton on the exact CDF, started from the normal approximation.

    Typically 3–6 CDF evaluations (≈ 0.1 ms); steps that leave the bracket fall back to bisection (in log
    space for the tiny lower quantiles of small shapes), so it always converges. No scipy at run time (it is
    a dev-only dependency); tests/engine compare this against scipy.
    """
    if not 0.0 < q < 1.0:
        return 0.0 if q <= 0.0 else 1.0
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    mean = a / (a + b)
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
    z = 1.959963984540054 * (1 if q > 0.5 else -1) if abs(q - 0.5) > 0.4 else 0.0
    lo, hi = 0.0, 1.0
    x = min(max(mean + z * sd, 1e-300), 1.0 - 1e-15)
    for _ in range(200):
        f = beta_cdf(x, a, b) - q
        if f < 0:
            lo = x
        else:
            hi = x
        if hi - lo <= 1e-12 * hi or abs(f) < 1e-13 or hi <= 1e-300:
            return x
        log_pdf = (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - lbeta
        pdf = math.exp(log_pdf) if log_pdf < 700 else math.inf
        nx = x - f / pdf if pdf > 0 and math.isfinite(pdf) else -1.0
        if not lo < nx < hi:
            nx = 0.5 * (lo + hi) if lo > 0.0 and hi / lo < 4 else math.sqrt(max(lo, 1e-300) * hi)
        x = max(nx, 1e-300)
    return x
