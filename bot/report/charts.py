"""Inline SVG charts: no JavaScript, no CDN, no image files — a report must open offline, years later.

Each chart is an ``<svg class="chart" data-chart="NAME" data-points="N" data-x0 … data-y1>`` so a test (or a
reader's script) can find it, tell an empty chart from a drawn one and read the axis ranges as drawn. The
SVG has a viewBox and no fixed size: the page scales it to its full width.

Axes get "nice" ticks (1, 2, 5 × 10^k) written as plain numbers (``18,740``, ``0.25``), never ``1.874e+04``;
the left margin grows with the widest tick label so no label is clipped. A log axis starts at 0.5 and is
labelled at powers of ten (a count of 0 has no place on it). Histograms of non-negative quantities never
start below 0 and leave out empty bins at either end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

W, H = 900, 280  # viewBox units: at the page's 1,064 px content width text is drawn ~1.2× its CSS size
MR, MT, MB = 24, 34, 46  # right, top, bottom margins: title above, tick labels and axis title below
TICK_CHAR_W = 6.8  # width of one 11 px tick-label character, generous (system-ui digits are ~0.55 em)
Y_TITLE_W = 30  # room for the rotated y-axis title left of the tick labels
LOG_FLOOR = 0.5  # the bottom of a log count axis: a bar of 1 still shows
H_EMPTY = 90  # a chart with no data only needs room for its title and to say so


@dataclass(frozen=True, slots=True)
class Axis:
    lo: float
    hi: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    log: bool = False

    def scale(self, a: float, b: float) -> Callable[[float], float]:
        """Data value → position between ``a`` (at ``lo``) and ``b`` (at ``hi``)."""
        f = math.log10 if self.log else _identity
        lo, hi = f(self.lo), f(self.hi)
        span = (hi - lo) or 1.0
        return lambda v: a + (f(max(v, self.lo) if self.log else v) - lo) / span * (b - a)


def _identity(v: float) -> float:
    return v


def nice_step(span: float, target: int = 5) -> float:
    """A step of 1, 2 or 5 × 10^k that cuts ``span`` into about ``target`` parts."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag * 1.0001:
            return m * mag
    return 10 * mag


def fmt_tick(v: float, step: float) -> str:
    """A tick label with as many decimals as the step needs: ``0.25``, ``18,740``, ``2.5M``; never e-notation."""
    if abs(v) < step * 1e-6:
        return "0"
    if abs(v) >= 1e6 and step >= 1e5:
        d = max(0, -math.floor(math.log10(step / 1e6) + 1e-9))
        return f"{v / 1e6:,.{d}f}M"
    d = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{v:,.{d}f}"


def linear_axis(lo: float, hi: float, *, extend: bool = True, floor0: bool = False) -> Axis:
    """Ticks over [lo, hi]; ``extend`` widens the range to the nearest ticks outside it (value axes),
    ``floor0`` keeps it from going below 0 (non-negative quantities)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.2 or 0.5
        lo, hi = lo - pad, hi + pad
    if floor0:
        lo = max(lo, 0.0)
    step = nice_step(hi - lo)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    if extend:
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        lo, hi = first * step, last * step
    ticks = tuple(k * step for k in range(first, last + 1))
    return Axis(lo, hi, ticks, tuple(fmt_tick(t, step) for t in ticks))


def log_count_axis(top: float) -> Axis:
    """From :data:`LOG_FLOOR` to the power of ten at or above ``top``; ticks at 1, 10, 100, …"""
    decades = max(1, math.ceil(math.log10(max(top, 1.0)) - 1e-9))
    ticks = tuple(10.0**k for k in range(decades + 1))
    return Axis(LOG_FLOOR, ticks[-1], ticks, tuple(f"{t:,.0f}" for t in ticks), log=True)


def _svg(name: str, title: str, points: int, height: float, parts: list[str], ranges: str = "") -> str:
    return (
        f'<svg class="chart" data-chart="{escape(name)}" data-points="{points}"{ranges} '
        f'viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}">' + "".join(parts) + "</svg>"
    )


def _empty(name: str, title: str, points: int = 0) -> str:
    """A short chart that says there is nothing to draw (no axes: there is nothing on them)."""
    return _svg(
        name,
        title,
        points,
        H_EMPTY,
        [
            f'<text x="{Y_TITLE_W}" y="20" class="title">{escape(title)}</text>',
            f'<text x="{W / 2}" y="{H_EMPTY / 2 + 12}" class="empty" text-anchor="middle">no data</text>',
        ],
    )


def _frame(
    name: str,
    title: str,
    points: int,
    body: list[str],
    x_label: str,
    y_label: str,
    x: Axis,
    y: Axis,
    ml: float,
) -> str:
    """Grid lines, ticks, axes and titles around ``body``."""
    bottom, right, mid_y = H - MB, W - MR, (MT + H - MB) / 2
    sx, sy = x.scale(ml, right), y.scale(bottom, MT)
    parts = [f'<text x="{ml:.1f}" y="20" class="title">{escape(title)}</text>']
    for t, label in zip(y.ticks, y.labels, strict=True):
        yy = sy(t)
        parts.append(f'<line class="gridline" x1="{ml:.1f}" x2="{right}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        parts.append(
            f'<text x="{ml - 6:.1f}" y="{yy + 4:.1f}" class="tick y" text-anchor="end">{escape(label)}</text>'
        )
    for t, label in zip(x.ticks, x.labels, strict=True):
        xx = sx(t)
        parts.append(f'<line class="axis" x1="{xx:.1f}" x2="{xx:.1f}" y1="{bottom}" y2="{bottom + 4}"/>')
        parts.append(
            f'<text x="{xx:.1f}" y="{bottom + 17}" class="tick x" text-anchor="middle">{escape(label)}</text>'
        )
    parts += [
        *body,
        f'<line class="axis" x1="{ml:.1f}" y1="{bottom}" x2="{right}" y2="{bottom}"/>',
        f'<line class="axis" x1="{ml:.1f}" y1="{MT}" x2="{ml:.1f}" y2="{bottom}"/>',
        f'<text x="{(ml + right) / 2:.1f}" y="{H - 8}" class="label" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{mid_y:.1f}" class="label" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid_y:.1f})">{escape(y_label)}</text>',
    ]
    ranges = f' data-x0="{x.lo:g}" data-x1="{x.hi:g}" data-y0="{y.lo:g}" data-y1="{y.hi:g}"'
    ranges += ' data-log="1"' if y.log else ""
    return _svg(name, title, points, H, parts, ranges)


def _left_margin(axis: Axis) -> float:
    widest = max((len(label) for label in axis.labels), default=1)
    return Y_TITLE_W + 10 + widest * TICK_CHAR_W


def _num(v: float) -> str:
    """A value for a tooltip: plain digits, never e-notation."""
    return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.4f}".rstrip("0").rstrip(".") if v else "0"


def line_chart(
    name: str,
    title: str,
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    fill: bool = False,
    hline: float | None = None,
) -> str:
    n = min(len(xs), len(ys))
    if n < 2:  # one point (the starting bankroll before any bet) is no line
        return _empty(name, title, n)
    lo_y, hi_y = min(ys[:n]), max(ys[:n])
    if hline is not None:
        lo_y, hi_y = min(lo_y, hline), max(hi_y, hline)
    if fill:  # a drawdown is the area between the curve and 0: keep 0 on the axis
        lo_y, hi_y = min(lo_y, 0.0), max(hi_y, 0.0)
    x = linear_axis(xs[0], xs[n - 1], extend=False)
    y = linear_axis(lo_y, hi_y)
    ml = _left_margin(y)
    sx, sy = x.scale(ml, W - MR), y.scale(H - MB, MT)
    pts = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(xs[:n], ys[:n], strict=True))
    body = []
    if fill:
        body.append(
            f'<polygon class="area" points="{sx(xs[0]):.1f},{sy(0.0):.1f} {pts} '
            f'{sx(xs[n - 1]):.1f},{sy(0.0):.1f}"/>'
        )
    body.append(f'<polyline class="series" points="{pts}"/>')
    if hline is not None:
        yy = sy(hline)
        body.append(f'<line class="ref" x1="{ml:.1f}" x2="{W - MR}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
    return _frame(name, title, n, body, x_label, y_label, x, y, ml)


def bar_chart(
    name: str,
    title: str,
    edges: Sequence[float],
    counts: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    expected: Sequence[float] | None = None,
    log_y: bool = False,
    nonnegative: bool = True,
) -> str:
    """Bars over ``edges`` (len = counts + 1); ``expected`` draws a reference curve (e.g. the theory).
    ``data-points`` is the number of bins given; empty bins at either end are not drawn, and with
    ``nonnegative`` (durations, lengths) the x axis does not go below 0."""
    n = len(counts)
    if n == 0 or len(edges) != n + 1:
        return _empty(name, title)
    if not any(c > 0 for c in counts) and not any(e > 0 for e in expected or []):  # nothing to draw
        return _empty(name, title, n)
    filled = [i for i, c in enumerate(counts) if c > 0] + [
        i for i, e in enumerate(expected or []) if e > (LOG_FLOOR if log_y else 0)
    ]
    first, last = (min(filled), max(filled)) if filled else (0, n - 1)
    x_lo, x_hi = edges[first], edges[last + 1]
    narrow = abs(x_hi) / 2 - (x_hi - x_lo)  # one or two bins of a narrow distribution: show their setting
    if narrow > 0:
        x_lo, x_hi = x_lo - narrow / 2, x_hi + narrow / 2
    x = linear_axis(x_lo, x_hi, extend=False, floor0=nonnegative)
    top = max([*counts, *(expected or []), 0])
    y = log_count_axis(top) if log_y else linear_axis(0.0, top or 1.0)
    ml = _left_margin(y)
    sx, sy = x.scale(ml, W - MR), y.scale(H - MB, MT)
    bottom = H - MB
    body = []
    for i in range(first, last + 1):
        c = counts[i]
        if c <= 0 or (nonnegative and edges[i + 1] <= 0):
            continue
        x_a, x_b = sx(max(edges[i], x.lo)), sx(edges[i + 1])
        yy = sy(c)
        body.append(
            f'<rect class="bar" x="{x_a:.1f}" y="{yy:.1f}" width="{max(x_b - x_a - 1, 0.5):.1f}" '
            f'height="{bottom - yy:.1f}" data-value="{c}"><title>{escape(_num(edges[i]))}–'
            f"{escape(_num(edges[i + 1]))}: {c}</title></rect>"
        )
    if expected:
        pts = " ".join(
            f"{(sx(edges[i]) + sx(edges[i + 1])) / 2:.1f},{sy(e):.1f}"
            for i, e in enumerate(expected)
            if first <= i <= last and (e >= LOG_FLOOR or not log_y)
        )
        if pts:
            body.append(f'<polyline class="expected" points="{pts}"/>')
    y_text = f"{y_label} (log scale)" if log_y else y_label
    return _frame(name, title, n, body, x_label, y_text, x, y, ml)


def calibration_chart(
    name: str,
    title: str,
    pred: Sequence[float],
    obs: Sequence[float],
    n: Sequence[int],
    *,
    break_even: float = 0.2,
) -> str:
    """Observed win rate against predicted P(win); the diagonal is perfect calibration."""
    k = min(len(pred), len(obs), len(n))
    if k == 0:
        return _empty(name, title)
    axis = linear_axis(0.0, max(0.4, *pred[:k], *obs[:k]))
    ml = _left_margin(axis)
    sx, sy = axis.scale(ml, W - MR), axis.scale(H - MB, MT)
    lo, hi = axis.lo, axis.hi
    body = [
        f'<line class="ref" x1="{sx(lo):.1f}" y1="{sy(lo):.1f}" x2="{sx(hi):.1f}" y2="{sy(hi):.1f}"/>',
        f'<line class="breakeven" x1="{ml:.1f}" x2="{W - MR}" y1="{sy(break_even):.1f}" '
        f'y2="{sy(break_even):.1f}"/>',
    ]
    biggest = max(n[:k]) or 1
    for p, o, m in zip(pred[:k], obs[:k], n[:k], strict=True):
        r = 3 + 9 * (m / biggest) ** 0.5
        body.append(
            f'<circle class="dot" cx="{sx(p):.1f}" cy="{sy(o):.1f}" r="{r:.1f}">'
            f"<title>pred {p:.4f}, observed {o:.4f}, n={m}</title></circle>"
        )
    return _frame(name, title, k, body, "predicted P(win)", "observed win rate", axis, axis, ml)
