"""Bet-rate guard, on feed time (a replay at 100x speed is judged by the recorded clock)."""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.risk.guards.base import GuardContext
from bot.risk.ledger import HOUR_S
from bot.risk.verdict import Verdict


class MaxBetsPerHour:
    name = "max_bets_per_hour"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxBetsPerHour | None:
        return None if cfg.max_bets_per_hour is None else cls(cfg.max_bets_per_hour)

    def check(self, ctx: GuardContext) -> Verdict:
        times = ctx.ledger.bets_within(ctx.now, HOUR_S)
        if len(times) >= self.limit:
            # The pause ends when enough of the hour's bets have aged out to make room for one more.
            until = times[len(times) - self.limit] + HOUR_S
            return Verdict.pause(f"{len(times)} bets in the last hour (limit {self.limit})", until, self.name)
        return Verdict.allow()
