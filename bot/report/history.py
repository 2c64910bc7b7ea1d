"""History across every session in the database: P&L per day and per strategy, and the win rate against the
expected P(win) (bot/game/rules.py: 0.1817) with an exact Clopper–Pearson interval.

Only settled bets count (won or lost): an open, rejected, cancelled or unknown bet has no result. Money is
never added across coins or modes: a row is per (mode, coin), so paper SOL (DRY-RUN), the practice coin
(PRACTICE, shown as FREE) and real SOL (LIVE) stay apart. Days are UTC calendar days of the settlement time.
Used by the console (GET /api/history) and ``rugsbot report --all``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.bets.model import coin_label
from bot.game.rules import P_WIN
from bot.money import fmt_sol
from bot.optimize.stats import binom_two_sided_p, clopper_pearson


@dataclass(frozen=True, slots=True)
class WinRate:
    """``wins`` of ``bets`` against ``expected``; [low, high] is the 95 % Clopper–Pearson interval; ``p_value``
    the two-sided exact binomial test of rate = expected; ``consistent`` when expected lies in the interval."""

    bets: int
    wins: int
    rate: float | None
    low: float
    high: float
    expected: float
    p_value: float
    consistent: bool

    @classmethod
    def of(cls, wins: int, bets: int, expected: float = P_WIN) -> WinRate:
        ci = clopper_pearson(wins, bets)
        return cls(
            bets=bets,
            wins=wins,
            rate=wins / bets if bets else None,
            low=ci.low,
            high=ci.high,
            expected=expected,
            p_value=binom_two_sided_p(wins, bets, expected),
            consistent=ci.contains(expected),
        )


@dataclass(frozen=True, slots=True)
class DayRow:
    day: str  # YYYY-MM-DD (UTC)
    mode: str  # DRY-RUN, PRACTICE, LIVE, REPLAY
    coin: str  # SOL, FREE, or the coin's address
    bets: int
    wins: int
    staked_lamports: int
    pnl_lamports: int


@dataclass(frozen=True, slots=True)
class StrategyRow:
    strategy: str
    mode: str
    coin: str
    bets: int
    wins: int
    staked_lamports: int
    pnl_lamports: int
    win_rate: WinRate


@dataclass(frozen=True, slots=True)
class History:
    sessions: int
    days: tuple[DayRow, ...]  # oldest first
    strategies: tuple[StrategyRow, ...]
    overall: WinRate  # every settled bet of every session, all modes (the odds do not depend on the coin)


_SETTLED = """
    SELECT b.strategy AS strategy, COALESCE(s.mode, '?') AS mode, b.coin AS coin,
           date(COALESCE(b.settled_t, b.updated_t), 'unixepoch') AS day,
           b.status = 'won' AS won, b.amount_lamports AS stake,
           CASE WHEN b.status = 'won' THEN b.payout_lamports - b.amount_lamports ELSE -b.amount_lamports END AS pnl
    FROM bets b LEFT JOIN sessions s ON s.id = b.session
    WHERE b.status IN ('won', 'lost')
"""


def query_history(conn: sqlite3.Connection) -> History:
    """Aggregate in SQL (one pass per grouping over the bets table; indexes are not needed at this size)."""
    sessions = int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
    days = tuple(
        DayRow(r[0], r[1], coin_label(r[2], r[1]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in conn.execute(
            f"SELECT day, mode, coin, COUNT(*), SUM(won), SUM(stake), SUM(pnl) FROM ({_SETTLED}) "
            "GROUP BY day, mode, coin ORDER BY day, mode, coin"
        )
    )
    strategies = tuple(
        StrategyRow(
            r[0],
            r[1],
            coin_label(r[2], r[1]),
            int(r[3]),
            int(r[4]),
            int(r[5]),
            int(r[6]),
            WinRate.of(r[4], r[3]),
        )
        for r in conn.execute(
            f"SELECT strategy, mode, coin, COUNT(*), SUM(won), SUM(stake), SUM(pnl) FROM ({_SETTLED}) "
            "GROUP BY strategy, mode, coin ORDER BY strategy, mode, coin"
        )
    )
    n, wins = conn.execute(f"SELECT COUNT(*), COALESCE(SUM(won), 0) FROM ({_SETTLED})").fetchone()
    return History(sessions, days, strategies, WinRate.of(int(wins), int(n)))


def load_history(db_path: Path) -> History:
    """Read-only: opens its own connection (safe from any thread while the bot writes). An absent database
    is an empty history. Raises sqlite3.Error for a file that is not a rugsbot database."""
    if not Path(db_path).exists():
        return History(0, (), (), WinRate.of(0, 0))
    conn = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0)
    try:
        return query_history(conn)
    finally:
        conn.close()


def history_lines(h: History) -> list[str]:
    """The history as plain text lines (``rugsbot report --all``)."""
    o = h.overall
    lines = [f"{h.sessions} sessions, {o.bets:,} settled bets"]
    if o.bets:
        lines.append(
            f"win rate {o.wins}/{o.bets} = {o.rate or 0:.4f}  95% CI [{o.low:.4f}, {o.high:.4f}] (Clopper-Pearson) "
            f"vs expected {o.expected:.4f}: {'consistent' if o.consistent else 'NOT consistent'} (p={o.p_value:.3g})"
        )
    if h.days:
        lines += [
            "",
            "P&L per day (UTC)",
            f"{'day':<10}  {'mode':<8} {'coin':<9} {'bets':>6} {'wins':>6} {'P&L':>14}",
        ]
        lines += [
            f"{d.day:<10}  {d.mode:<8} {d.coin:<9} {d.bets:>6} {d.wins:>6} {fmt_sol(d.pnl_lamports):>14}"
            for d in h.days
        ]
    if h.strategies:
        lines += [
            "",
            "per strategy",
            f"{'strategy':<16} {'mode':<8} {'coin':<9} {'bets':>6} {'win rate [95% CI]':>26} {'P&L':>14}",
        ]
        for s in h.strategies:
            w = s.win_rate
            rate = f"{w.rate or 0:.4f} [{w.low:.4f}, {w.high:.4f}]"
            lines.append(
                f"{s.strategy:<16} {s.mode:<8} {s.coin:<9} {s.bets:>6} {rate:>26} {fmt_sol(s.pnl_lamports):>14}"
            )
    return lines


def print_history(h: History) -> None:
    print("\n".join(history_lines(h)))
