"""Loss guards: session and daily loss limits, drawdown, take-profit.

A loss limit is a promise, not an alarm: the worst case of the NEXT bet (its whole stake, on top of the
stakes still open) must fit in what is left of the budget, or the bet is refused. When not even a minimum bet
fits, the guard trips without waiting for a proposal. So losses can reach a limit but never pass it.
"""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.game.rules import MIN_BET_LAMPORTS
from bot.money import fmt_sol, sol_to_lamports
from bot.risk.guards.base import GuardContext
from bot.risk.ledger import next_utc_midnight
from bot.risk.verdict import Verdict


def _budget_verdict(
    name: str, what: str, settled_remaining: int, ctx: GuardContext, tripped: Verdict
) -> Verdict:
    """``settled_remaining``: budget left by settled bets. It trips the guard when not even a minimum bet fits
    (open stakes alone do not trip it: they may still win); a proposal must also fit beside the open stakes."""
    p = ctx.proposal
    if settled_remaining < MIN_BET_LAMPORTS:
        return tripped
    remaining = settled_remaining - ctx.ledger.open_exposure
    if p is not None and p.amount_lamports > remaining:
        return Verdict.deny(
            f"stake {fmt_sol(p.amount_lamports)} > {what} budget left {fmt_sol(remaining)}", name
        )
    return Verdict.allow()


class SessionLossLimit:
    """Reached → halt: a session that lost its budget needs a human before it bets again."""

    name = "session_loss_limit"

    def __init__(self, limit_lamports: int) -> None:
        self.limit = limit_lamports

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> SessionLossLimit | None:
        return (
            None if cfg.session_loss_limit_sol is None else cls(sol_to_lamports(cfg.session_loss_limit_sol))
        )

    def check(self, ctx: GuardContext) -> Verdict:
        led = ctx.ledger
        remaining = self.limit + led.session_pnl
        tripped = Verdict.halt(
            f"session loss limit {fmt_sol(self.limit)} reached (P&L {fmt_sol(led.session_pnl)})", self.name
        )
        return _budget_verdict(self.name, "session loss", remaining, ctx, tripped)


class DailyLossLimit:
    """Reached → pause until the next UTC midnight (feed time). The day's P&L is rebuilt from the database, so a
    restart does not reset it."""

    name = "daily_loss_limit"

    def __init__(self, limit_lamports: int) -> None:
        self.limit = limit_lamports

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> DailyLossLimit | None:
        return None if cfg.daily_loss_limit_sol is None else cls(sol_to_lamports(cfg.daily_loss_limit_sol))

    def check(self, ctx: GuardContext) -> Verdict:
        led = ctx.ledger
        day = led.day_pnl(ctx.now)
        remaining = self.limit + day
        tripped = Verdict.pause(
            f"daily loss limit {fmt_sol(self.limit)} reached (today {fmt_sol(day)})",
            next_utc_midnight(ctx.now),
            self.name,
        )
        return _budget_verdict(self.name, "daily loss", remaining, ctx, tripped)


class MaxDrawdown:
    """Drawdown from the equity peak (reset by ``rugsbot resume``). Reached → halt; a stake that could reach it
    is refused the same way as for the loss limits."""

    name = "max_drawdown"

    def __init__(self, pct: float) -> None:
        self.pct = pct

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxDrawdown | None:
        return None if cfg.max_drawdown_pct is None else cls(cfg.max_drawdown_pct)

    def check(self, ctx: GuardContext) -> Verdict:
        led = ctx.ledger
        eq = led.equity
        if eq is None or led.peak_equity <= 0:
            return Verdict.allow()
        floor = led.peak_equity - int(led.peak_equity * self.pct / 100.0)
        remaining = eq - floor
        tripped = Verdict.halt(
            f"drawdown {led.drawdown_pct:.1f}% of peak {fmt_sol(led.peak_equity)}: limit {self.pct:g}% reached",
            self.name,
        )
        return _budget_verdict(self.name, "drawdown", remaining, ctx, tripped)


class TakeProfit:
    """Session profit reached → kill: end the session cleanly with the gain (EV is negative; stopping is free)."""

    name = "take_profit"

    def __init__(self, target_lamports: int) -> None:
        self.target = target_lamports

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> TakeProfit | None:
        return None if cfg.take_profit_sol is None else cls(sol_to_lamports(cfg.take_profit_sol))

    def check(self, ctx: GuardContext) -> Verdict:
        if ctx.ledger.session_pnl >= self.target:
            return Verdict.kill(
                f"take-profit {fmt_sol(self.target)} reached (P&L {fmt_sol(ctx.ledger.session_pnl)})",
                self.name,
            )
        return Verdict.allow()
