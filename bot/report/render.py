"""The HTML report: one static file, inline CSS and SVG, no scripts, no network — it opens anywhere offline."""

from __future__ import annotations

from html import escape

from bot.money import fmt_sol
from bot.optimize.metrics import BREAK_EVEN, P_WIN_THEORY, EvidenceReport
from bot.report import charts
from bot.report.summary import summary_lines, verdict

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1160px;
padding:32px 48px 48px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.verdict{padding:10px 14px;border-radius:6px;background:#f3f5f9;margin:12px 0}
table.kv{border-collapse:collapse;margin:12px 0}table.kv td{padding:3px 16px 3px 0;border-bottom:1px solid #e6e9ef}
table.kv td:first-child{color:#5b6475;white-space:nowrap}
.charts{display:flex;flex-direction:column;gap:20px}
svg.chart{display:block;width:100%;height:auto;background:#fbfcfe;border:1px solid #e2e6ee;border-radius:6px}
.axis{stroke:#8a93a6;stroke-width:1}.gridline{stroke:#e6e9ef;stroke-width:1}
.tick,.label{font-size:11px;fill:#5b6475}.title{font-size:13px;font-weight:600;fill:#1d2330}
.series{fill:none;stroke:#2f6fdf;stroke-width:1.6}.area{fill:#e0564f33;stroke:none}.bar{fill:#2f6fdf}
.expected{fill:none;stroke:#e0564f;stroke-width:2}.ref{stroke:#8a93a6;stroke-dasharray:4 3}
.breakeven{stroke:#e0564f;stroke-dasharray:6 3}.dot{fill:#2f6fdf99;stroke:#2f6fdf}.empty{fill:#8a93a6;font-size:13px}
pre{background:#f3f5f9;padding:12px;border-radius:6px;overflow:auto;white-space:pre-wrap}
.meta{color:#5b6475;font-size:12px;overflow-wrap:anywhere}
"""


def _kv(rows: list[tuple[str, str]]) -> str:
    return (
        '<table class="kv">'
        + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
        + "</table>"
    )


def render_charts(r: EvidenceReport) -> list[str]:
    s = r.series
    equity_sol = [v / 1e9 for v in s.equity]
    summed = f", P&L summed over {r.sessions:,} independent sessions" if r.sessions > 1 else ""
    dd_sol = [-v / 1e9 for v in s.drawdown]
    streak_edges = [k - 0.5 for k in s.streak_lengths] + (
        [s.streak_lengths[-1] + 0.5] if s.streak_lengths else []
    )
    return [
        charts.line_chart(
            "equity",
            f"Equity (SOL) after each bet{summed}",
            s.equity_x,
            equity_sol,
            x_label="bet #",
            y_label="bankroll SOL",
            hline=r.starting_bankroll_lamports / 1e9,
        ),
        charts.line_chart(
            "drawdown",
            "Drawdown from the session's running peak (SOL)",
            s.equity_x,
            dd_sol,
            x_label="bet #",
            y_label="SOL",
            fill=True,
        ),
        charts.calibration_chart(
            "calibration",
            f"P(win) calibration (dashed red: break-even {BREAK_EVEN:.2f})",
            s.calib_pred,
            s.calib_obs,
            s.calib_n,
            break_even=BREAK_EVEN,
        ),
        charts.bar_chart(
            "streaks",
            "Losing streaks: observed (bars) vs geometric q=0.8183 (red)",
            streak_edges,
            s.streak_counts,
            x_label="streak length",
            y_label="count",
            expected=s.streak_expected,
            log_y=True,
        ),
        charts.bar_chart(
            "tick_intervals",
            "Tick intervals (receive time)",
            s.tick_hist_edges,
            s.tick_hist_counts,
            x_label="seconds",
            y_label="count",
        ),
        charts.bar_chart(
            "latency",
            "Click → confirmation latency",
            s.latency_hist_edges,
            s.latency_hist_counts,
            x_label="seconds",
            y_label="count",
        ),
    ]


def _bankroll_rows(r: EvidenceReport) -> list[tuple[str, str]]:
    """One account's bankroll, or — for independent sessions — their sum labelled as such and the worst one."""
    drawdown = f"{fmt_sol(r.max_drawdown_lamports)} SOL ({r.max_drawdown_pct:.1f}% of the peak)"
    if r.sessions <= 1:
        return [
            (
                "bankroll",
                f"{fmt_sol(r.starting_bankroll_lamports)} → {fmt_sol(r.final_bankroll_lamports)} SOL",
            ),
            ("max drawdown", drawdown),
        ]
    return [
        ("sessions", f"{r.sessions:,} independent, each from {fmt_sol(r.starting_bankroll_lamports)} SOL"),
        ("P&L summed over sessions", f"{fmt_sol(r.profit_lamports)} SOL"),
        ("worst session P&L", f"{fmt_sol(r.worst_session_pnl_lamports or 0)} SOL"),
        ("max drawdown within a session", drawdown),
    ]


def render_html(r: EvidenceReport) -> str:
    base = r.baseline
    rows = [
        ("games / bets / wins", f"{r.games:,} / {r.bets:,} / {r.wins:,}"),
        (
            "win rate",
            f"{r.win_rate:.4f}  (95% Clopper-Pearson [{r.cp_low:.4f}, {r.cp_high:.4f}]; "
            f"Wilson [{r.wilson_low:.4f}, {r.wilson_high:.4f}])",
        ),
        (
            "provably-fair P(win)",
            f"{P_WIN_THEORY:.4f} (two-sided p = {r.p_value_vs_theory:.3g}); break-even {BREAK_EVEN:.2f}",
        ),
        (
            "EV per bet",
            f"{r.ev_per_bet * 100:+.2f}% [{r.ev_low * 100:+.2f}%, {r.ev_high * 100:+.2f}%]; ROI {r.roi * 100:+.2f}%",
        ),
        (
            "staked / paid / P&L",
            f"{fmt_sol(r.staked_lamports)} / {fmt_sol(r.payout_lamports)} / {fmt_sol(r.profit_lamports)} SOL",
        ),
        *_bankroll_rows(r),
        (
            "longest losing streak",
            f"{r.max_losing_streak} (P(≥ that in {r.bets:,} bets) = {r.p_max_streak:.3f})",
        ),
        (
            "random-entry baseline",
            "—"
            if base is None
            else f"win rate {base.baseline_win_rate:.4f}; p(random ≥ rule) = {base.p_value:.3f} ({base.replicates} replicates)",
        ),
        ("guard trips", ", ".join(r.guard_trips) or "none"),
    ]
    if r.bets == 0:  # a rate, an interval or a streak probability of nothing would be made up
        no_bets = {"win rate", "provably-fair P(win)", "EV per bet", "longest losing streak"}
        rows = [(k, "— (no bets)" if k in no_bets else v) for k, v in rows]
    meta = escape(", ".join(f"{k}={v}" for k, v in sorted(r.meta.items()) if k not in ("no_bet_reasons",)))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>rugsbot report — {escape(r.label)}</title><style>{CSS}</style></head><body>"
        f'<h1>rugsbot report — {escape(r.label or "run")}</h1><div class="meta">{meta}</div>'
        f'<div class="verdict"><b>Verdict:</b> {escape(verdict(r))}</div>'
        + _kv(rows)
        + '<h2>Charts</h2><div class="charts">'
        + "".join(render_charts(r))
        + "</div>"
        + "<h2>Text summary</h2><pre>"
        + escape("\n".join(summary_lines(r)))
        + "</pre></body></html>"
    )
