"""The one-screen text summary: the same numbers as the HTML report, readable in a terminal or a log."""

from __future__ import annotations

from bot.money import fmt_sol
from bot.optimize.metrics import BREAK_EVEN, P_WIN_THEORY, EvidenceReport


def verdict(report: EvidenceReport) -> str:
    """One honest sentence: is the rule distinguishable from the provably-fair odds and from random timing?"""
    if report.bets == 0:
        return "no bets placed"
    if report.above_break_even:
        head = f"win rate above break-even {BREAK_EVEN:.2f} (whole 95% interval) — check for a bug or a changed game"
    elif report.theory_in_interval:
        head = f"win rate consistent with the provably-fair {P_WIN_THEORY:.4f}: no edge"
    else:
        head = f"win rate differs from {P_WIN_THEORY:.4f} (p={report.p_value_vs_theory:.3g}) but is below break-even"
    if report.baseline is not None:
        beats = report.baseline.p_value <= 0.05
        head += (
            "; "
            + ("beats" if beats else "does not beat")
            + f" random timing (p={report.baseline.p_value:.3f})"
        )
    return head


STOP_ACTIONS = ("halt", "kill")  # the trips that end a session's betting: never cut from a summary
SHOWN_TRIPS = 5


def trip_summary(trips: list[str]) -> list[str]:
    """Guard trips (``"guard: action (detail)"``) for one line: every halt and kill first (repeats of one
    guard's stop counted), then the other trips in order up to :data:`SHOWN_TRIPS` entries, then "… N more"."""
    stops: dict[str, list[str]] = {}
    others: list[str] = []
    for trip in trips:
        key = trip.split(" (", 1)[0]
        if key.rsplit(": ", 1)[-1] in STOP_ACTIONS:
            stops.setdefault(key, []).append(trip)
        else:
            others.append(trip)
    shown = [same[0] if len(same) == 1 else f"{key} ×{len(same)}" for key, same in stops.items()]
    room = max(0, SHOWN_TRIPS - len(shown))
    shown += others[:room]
    return shown + ([f"… {len(others) - room} more"] if len(others) > room else [])


def summary_lines(report: EvidenceReport) -> list[str]:
    """The summary's lines. Amounts carry the run's coin (``meta["coin_label"]``: FREE, SOL, paper SOL; SOL
    when a result file does not say); a stored session without a server balance shows no bankroll."""
    r = report
    unit = str(r.meta.get("coin_label") or "SOL")
    if not r.meta.get("bankroll_known", True):
        bankroll = ["bankroll   unknown: the session recorded no server balance"]
    elif r.sessions > 1:
        bankroll = [
            f"sessions   {r.sessions:,} independent sessions, each from {fmt_sol(r.starting_bankroll_lamports)} "
            f"{unit}; P&L summed over them {fmt_sol(r.profit_lamports)} {unit}",
            f"worst      session P&L {fmt_sol(r.worst_session_pnl_lamports or 0)} {unit}; "
            f"max drawdown within a session {fmt_sol(r.max_drawdown_lamports)} {unit} ({r.max_drawdown_pct:.1f}%)",
        ]
    else:
        bankroll = [
            f"bankroll   {fmt_sol(r.starting_bankroll_lamports)} → {fmt_sol(r.final_bankroll_lamports)} {unit}; "
            f"max drawdown {fmt_sol(r.max_drawdown_lamports)} {unit} ({r.max_drawdown_pct:.1f}%)"
        ]
    lines = [
        f"{r.label or 'run'}: {r.games:,} games, {r.bets:,} bets, {r.wins:,} wins",
        f"win rate   {r.win_rate:.4f}  95% CI [{r.cp_low:.4f}, {r.cp_high:.4f}] (Clopper-Pearson), "
        f"Wilson [{r.wilson_low:.4f}, {r.wilson_high:.4f}]",
        f"           theory {P_WIN_THEORY:.4f} (p={r.p_value_vs_theory:.3g}), break-even {BREAK_EVEN:.2f}",
        f"EV/bet     {r.ev_per_bet * 100:+.2f}%  95% CI [{r.ev_low * 100:+.2f}%, {r.ev_high * 100:+.2f}%]; "
        f"ROI {r.roi * 100:+.2f}%",
        f"money      staked {fmt_sol(r.staked_lamports)} {unit}, paid {fmt_sol(r.payout_lamports)} {unit}, "
        f"P&L {fmt_sol(r.profit_lamports)} {unit}",
        *bankroll,
        f"streaks    longest losing {r.max_losing_streak} (P(≥ that in {r.bets:,} bets) = {r.p_max_streak:.3f})",
    ]
    if r.baseline is not None:
        b = r.baseline
        lines.append(
            f"baseline   random entry win rate {b.baseline_win_rate:.4f}, mean P&L {fmt_sol(int(b.baseline_mean_profit))} "
            f"{unit}; p(random ≥ rule) = {b.p_value:.3f} ({b.replicates} replicates)"
        )
    trips = trip_summary(r.guard_trips)
    lines.append(f"guards     {', '.join(trips) if trips else 'no trips'}")
    reasons = r.meta.get("no_bet_reasons") or {}
    if reasons:
        top, n = max(reasons.items(), key=lambda kv: kv[1])
        lines.append(f"no bet     {sum(reasons.values()):,} decisions declined; most often: {top} ({n:,}×)")
    lines.append(f"verdict    {verdict(r)}")
    return lines


def print_summary(report: EvidenceReport) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    for line in summary_lines(report):
        console.print(line, markup=False)
