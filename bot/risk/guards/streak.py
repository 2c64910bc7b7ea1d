"""Loss-streak guards. Streaks are long by nature here (P(10 losses in a row) = 0.135), so the cooldown is a
breather and the hard cap is a halt: at 15+ something is more likely wrong than unlucky."""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.risk.guards.base import GuardContext
from bot.risk.verdict import Verdict


class MaxConsecutiveLosses:
    name = "max_consecutive_losses"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxConsecutiveLosses | None:
        return None if cfg.max_consecutive_losses is None else cls(cfg.max_consecutive_losses)

    def check(self, ctx: GuardContext) -> Verdict:
        n = ctx.ledger.consecutive_losses
        if n >= self.limit:
            return Verdict.halt(f"{n} losses in a row (limit {self.limit})", self.name)
        return Verdict.allow()


class LossStreakCooldown:
    """After N losses in a row, pause for a while after each further loss (until a win resets the streak)."""

    name = "loss_streak_cooldown"

    def __init__(self, streak: int, cooldown_s: float) -> None:
        self.streak = streak
        self.cooldown_s = cooldown_s

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> LossStreakCooldown | None:
        if cfg.loss_streak_cooldown is None or cfg.loss_streak_cooldown_s <= 0:
            return None
        return cls(cfg.loss_streak_cooldown, cfg.loss_streak_cooldown_s)

    def check(self, ctx: GuardContext) -> Verdict:
        led = ctx.ledger
        if led.consecutive_losses >= self.streak and led.last_loss_t is not None:
            until = led.last_loss_t + self.cooldown_s
            if ctx.now < until:
                return Verdict.pause(
                    f"{led.consecutive_losses} losses in a row: cooling down", until, self.name
                )
        return Verdict.allow()
