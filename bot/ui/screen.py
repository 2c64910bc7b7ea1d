"""What the operator sees, as one immutable value, and how it is drawn.

Why a value: the run loop fills a :class:`Screen` from the session, the sniffer and the broker; the
renderer and the log-line fallback only read it, so drawing can never change what the bot does.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.money import fmt_sol

MODE_STYLE = {
    "LIVE": "bold white on red",
    "PRACTICE": "bold black on yellow",
    "DRY-RUN": "bold black on cyan",
}


@dataclass(frozen=True, slots=True)
class Screen:
    mode: str
    profile: str
    coin_label: str
    game_id: str | None = None
    tick: int = -1
    phase: str = "UNKNOWN"
    price: float = 1.0
    p_win: float | None = None
    p_low: float | None = None
    p_high: float | None = None
    ev: float | None = None
    break_even: float | None = None
    last_decision: str = "—"
    last_reason: str = ""
    bankroll_lamports: int | None = None
    session_pnl_lamports: int = 0
    bets: int = 0
    open_bet: str = "none"
    guard_level: str = "ACTIVE"
    guard_reasons: tuple[str, ...] = ()
    feed_connected: bool = False
    feed_age_s: float | None = None
    frames_in: int = 0
    sockets_opened: int = 0
    click_latency_last_ms: float | None = None
    click_latency_p50_ms: float | None = None
    clicks: int = 0
    games: int = 0
    elapsed_s: float = 0.0
    note: str = ""

    def tick_text(self) -> str:
        """``tick 12``, or ``tick —`` before the game is ACTIVE: the feed's -1 is "no tick yet", not a tick."""
        return f"tick {self.tick}" if self.tick >= 0 else "tick —"

    def log_line(self) -> str:
        """One line for non-TTY output (the mode tag is added by the logger on every line)."""
        pw = "—" if self.p_win is None else f"{self.p_win:.3f} [{self.p_low or 0:.3f},{self.p_high or 0:.3f}]"
        ev = "—" if self.ev is None else f"{self.ev * 100:+.1f}%"
        bank = "—" if self.bankroll_lamports is None else fmt_sol(self.bankroll_lamports)
        feed = "up" if self.feed_connected else "DOWN"
        age = "—" if self.feed_age_s is None else f"{self.feed_age_s:.1f}s"
        lat = "—" if self.click_latency_p50_ms is None else f"{self.click_latency_p50_ms:.0f}ms"
        return (
            f"game {self.game_id or '—'} {self.tick_text()} {self.phase} {self.price:.3f}x | P(win) {pw} EV {ev} | "
            f"last: {self.last_decision} ({self.last_reason}) | bankroll {bank} {self.coin_label} "
            f"P&L {fmt_sol(self.session_pnl_lamports)} bets {self.bets} open {self.open_bet} | "
            f"guards {self.guard_level} | feed {feed} age {age} | click p50 {lat}"
        )


def latency_stats(latencies_s: list[float]) -> tuple[float | None, float | None]:
    """(last, median) in milliseconds."""
    if not latencies_s:
        return None, None
    return latencies_s[-1] * 1000, statistics.median(latencies_s) * 1000


def render(s: Screen) -> Panel:
    head = Text()
    head.append(f" {s.mode} ", style=MODE_STYLE.get(s.mode, "bold"))
    head.append(f"  profile {s.profile}  coin {s.coin_label}  up {s.elapsed_s:,.0f}s  games {s.games}")

    game = Table.grid(padding=(0, 2))
    game.add_column(style="dim")
    game.add_column()
    game.add_row("game", Text(s.game_id or "—"))  # feed and strategy text is shown as text, never markup
    game.add_row("tick / phase", f"{s.tick_text().removeprefix('tick ')}  {s.phase}")
    game.add_row("price", f"{s.price:.4f}x")
    if s.p_win is not None:
        zone = "green" if s.ev is not None and s.ev > 0 else "red"
        game.add_row(
            "P(win)",
            f"{s.p_win:.4f}  [{s.p_low or 0:.4f} – {s.p_high or 0:.4f}]"
            + (f"  break-even {s.break_even:.2f}" if s.break_even else ""),
        )
        game.add_row("EV", Text(f"{(s.ev or 0) * 100:+.2f} % of stake", style=zone))
    else:
        game.add_row("P(win)", "—")
    decision = Text(s.last_decision)
    decision.append(f"  {s.last_reason}", style="dim")
    game.add_row("last decision", decision)

    money = Table.grid(padding=(0, 2))
    money.add_column(style="dim")
    money.add_column()
    bank = "—" if s.bankroll_lamports is None else f"{fmt_sol(s.bankroll_lamports)} {s.coin_label}"
    money.add_row("bankroll", bank)
    pnl_style = "green" if s.session_pnl_lamports > 0 else "red" if s.session_pnl_lamports < 0 else ""
    money.add_row("session P&L", Text(f"{fmt_sol(s.session_pnl_lamports)} {s.coin_label}", style=pnl_style))
    money.add_row("bets / open", Text(f"{s.bets}  /  {s.open_bet}"))
    guard_style = {"ACTIVE": "green", "PAUSED": "yellow"}.get(s.guard_level, "bold red")
    money.add_row(
        "guards",
        Text(
            s.guard_level + ("  " + "; ".join(s.guard_reasons) if s.guard_reasons else ""), style=guard_style
        ),
    )
    feed = Text(
        "connected" if s.feed_connected else "DISCONNECTED", style="green" if s.feed_connected else "bold red"
    )
    if s.feed_age_s is not None:
        feed.append(f"  last frame {s.feed_age_s:.1f}s ago  frames {s.frames_in}  sockets {s.sockets_opened}")
    money.add_row("feed", feed)
    lat = (
        "—"
        if s.click_latency_last_ms is None
        else (
            f"last {s.click_latency_last_ms:.0f} ms  median {s.click_latency_p50_ms or 0:.0f} ms  ({s.clicks} clicks)"
        )
    )
    money.add_row("click → confirm", lat)

    parts: list[RenderableType] = [head, game, money]
    if s.note:
        parts.append(Text(s.note, style="bold red"))
    return Panel(Group(*parts), title="rugsbot", border_style=MODE_STYLE.get(s.mode, "white").split()[-1])
