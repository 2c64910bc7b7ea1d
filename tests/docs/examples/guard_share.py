# bot/risk/guards/share.py
"""Stake-share guard: no single bet above a share of the cash available.

A fixed per-bet limit (``max_stake_per_bet_sol``) suits one bankroll and not a tenth of it; this limit shrinks
with the bankroll, so a losing run stakes less. It judges proposals only (DENY: this proposal is refused, the
next smaller one may pass). With no known bankroll (logged in, no server balance yet) it refuses.
"""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.money import fmt_sol
from bot.risk.guards.base import GuardContext
from bot.risk.verdict import Verdict


class MaxStakeShare:
    name = "max_stake_share"

    def __init__(self, pct: float) -> None:
        self.pct = pct

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxStakeShare | None:
        return None if cfg.max_stake_share_pct is None else cls(cfg.max_stake_share_pct)

    def check(self, ctx: GuardContext) -> Verdict:
        p = ctx.proposal
        if p is None:  # the per-frame call: nothing to judge
            return Verdict.allow()
        bankroll = ctx.ledger.bankroll
        if bankroll is None:
            return Verdict.deny("bankroll unknown", self.name)
        limit = bankroll * self.pct / 100
        if p.amount_lamports > limit:
            return Verdict.deny(
                f"stake {fmt_sol(p.amount_lamports)} > {self.pct:g} % of the bankroll {fmt_sol(bankroll)}",
                self.name,
            )
        return Verdict.allow()
