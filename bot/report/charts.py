"""Inline SVG charts: no JavaScript, no CDN, no image files — a report must open offline, years later.

Each chart is an ``<svg class="chart" data-chart="NAME" data-points="N">`` so a test (or a reader's script)
can find it and tell an empty chart from a drawn one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

W, H = 640, 260
ML, MR, MT, MB = 64, 16, 28, 40  # margins: room for axis labels


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _fmt(v: float) -> str:
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.2e}"
    return f"{v:.4g}"


def _frame(
    name: str,
    title: str,
    points: int,
    body: list[str],
    x_label: str,
    y_label: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> str:
    x0, x1 = x_range
    y0, y1 = y_range
    axis = [
        f'<line class="axis" x1="{ML}" y1="{H - MB}" x2="{W - MR}" y2="{H - MB}"/>',
        f'<line class="axis" x1="{ML}" y1="{MT}" x2="{ML}" y2="{H - MB}"/>',
        f'<text x="{ML}" y="{H - MB + 14}" class="tick">{escape(_fmt(x0))}</text>',
        f'<text x="{W - MR}" y="{H - MB + 14}" class="tick" text-anchor="end">{escape(_fmt(x1))}</text>',
        f'<text x="{ML - 4}" y="{H - MB}" class="tick" text-anchor="end">{escape(_fmt(y0))}</text>',
        f'<text x="{ML - 4}" y="{MT + 8}" class="tick" text-anchor="end">{escape(_fmt(y1))}</text>',
        f'<text x="{(ML + W - MR) / 2}" y="{H - 6}" class="label" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="12" y="{(MT + H - MB) / 2}" class="label" text-anchor="middle" '
        f'transform="rotate(-90 12 {(MT + H - MB) / 2})">{escape(y_label)}</text>',
        f'<text x="{ML}" y="18" class="title">{escape(title)}</text>',
    ]
    if points == 0:
        body = [f'<text x="{W / 2}" y="{H / 2}" class="empty" text-anchor="middle">no data</text>']
    return (
        f'<svg class="chart" data-chart="{escape(name)}" data-points="{points}" viewBox="0 0 {W} {H}" '
        f'width="{W}" height="{H}" role="img" aria-label="{escape(title)}">' + "".join(axis + body) + "</svg>"
    )


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
    if n == 0:
        return _frame(name, title, 0, [], x_label, y_label, (0, 1), (0, 1))
    lo_y, hi_y = min(ys[:n]), max(ys[:n])
    if hline is not None:
        lo_y, hi_y = min(lo_y, hline), max(hi_y, hline)
    sx = _scale(xs[0], xs[n - 1], ML, W - MR)
    sy = _scale(lo_y, hi_y, H - MB, MT)
    pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs[:n], ys[:n], strict=True))
    body = []
    if fill:  # shade between the curve and zero (a drawdown is the area under 0), else the bottom
        base = 0.0 if lo_y <= 0.0 <= hi_y else lo_y
        body.append(
            f'<polygon class="area" points="{sx(xs[0]):.1f},{sy(base):.1f} {pts} '
            f'{sx(xs[n - 1]):.1f},{sy(base):.1f}"/>'
        )
    body.append(f'<polyline class="series" points="{pts}"/>')
    if hline is not None:
        body.append(f'<line class="ref" x1="{ML}" x2="{W - MR}" y1="{sy(hline):.1f}" y2="{sy(hline):.1f}"/>')
    return _frame(name, title, n, body, x_label, y_label, (xs[0], xs[n - 1]), (lo_y, hi_y))


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
) -> str:
    """Bars over ``edges`` (len = counts + 1); ``expected`` draws a reference curve (e.g. the theory)."""
    n = len(counts)
    if n == 0 or len(edges) != n + 1:
        return _frame(name, title, 0, [], x_label, y_label, (0, 1), (0, 1))
    import math

    def tr(v: float) -> float:
        return math.log10(1 + v) if log_y else v

    top = max([tr(c) for c in counts] + [tr(e) for e in (expected or [])] + [1e-9])
    sx = _scale(edges[0], edges[-1], ML, W - MR)
    sy = _scale(0, top, H - MB, MT)
    body = []
    for i, c in enumerate(counts):
        x_a, x_b = sx(edges[i]), sx(edges[i + 1])
        y = sy(tr(c))
        body.append(
            f'<rect class="bar" x="{x_a:.1f}" y="{y:.1f}" width="{max(x_b - x_a - 1, 0.5):.1f}" '
            f'height="{H - MB - y:.1f}" data-value="{c}"><title>{escape(_fmt(edges[i]))}–'
            f"{escape(_fmt(edges[i + 1]))}: {c}</title></rect>"
        )
    if expected:
        pts = " ".join(
            f"{(sx(edges[i]) + sx(edges[i + 1])) / 2:.1f},{sy(tr(e)):.1f}" for i, e in enumerate(expected)
        )
        body.append(f'<polyline class="expected" points="{pts}"/>')
    y_text = f"{y_label} (log scale)" if log_y else y_label
    top_label = max([*counts, *(expected or []), 0]) if log_y else top  # axis shows counts, not log10
    return _frame(name, title, n, body, x_label, y_text, (edges[0], edges[-1]), (0, top_label))


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
        return _frame(name, title, 0, [], "predicted P(win)", "observed win rate", (0, 1), (0, 1))
    hi = max(0.4, *pred[:k], *obs[:k])
    sx = _scale(0, hi, ML, W - MR)
    sy = _scale(0, hi, H - MB, MT)
    body = [
        f'<line class="ref" x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(hi):.1f}" y2="{sy(hi):.1f}"/>',
        f'<line class="breakeven" x1="{ML}" x2="{W - MR}" y1="{sy(break_even):.1f}" y2="{sy(break_even):.1f}"/>',
    ]
    biggest = max(n[:k]) or 1
    for p, o, m in zip(pred[:k], obs[:k], n[:k], strict=True):
        r = 3 + 9 * (m / biggest) ** 0.5
        body.append(
            f'<circle class="dot" cx="{sx(p):.1f}" cy="{sy(o):.1f}" r="{r:.1f}">'
            f"<title>pred {p:.4f}, observed {o:.4f}, n={m}</title></circle>"
        )
    return _frame(name, title, k, body, "predicted P(win)", "observed win rate", (0, hi), (0, hi))
