"""Bet only when even the pessimistic end of the EV interval clears a threshold.

With the provably-fair odds (P(win) 18.2 %, EV −9.2 %) this waits forever, and that is the point: it is the
default strategy because it only ever bets if the evidence (or a promotion worth more than the house edge)
says the bet is worth it. ``Estimate.ev_low`` already includes ``engine.promo_value_per_bet``.
"""

from __future__ import annotations

from typing import ClassVar

from bot.engine.strategy import Param, Strategy
from bot.engine.types import SideBet, Snapshot
from bot.money import sol_to_lamports


class EvThreshold(Strategy):
    name = "ev_threshold"
    description = "bet a fixed stake only when the 95 % lower bound of EV (incl. promo) ≥ threshold"
    params: ClassVar[dict[str, Param]] = {
        "threshold": Param(
            "float", 0.0, "minimum EV per unit stake at the low end of the interval", min=-1.0, max=1.0
        ),
        "stake_sol": Param("float", 0.001, "stake per bet in SOL", min=0.001, max=10.0),
    }

    def propose(self, snapshot: Snapshot) -> SideBet | None:
        e = snapshot.estimate
        threshold = self.num("threshold")
        if e.ev_low < threshold:
            return self.skip(
                f"EV low end {e.ev_low:+.2%} < threshold {threshold:+.2%} "
                f"(P(win) {e.p_win:.2%} [{e.p_low:.2%}, {e.p_high:.2%}], break-even {e.break_even:.0%})"
            )
        return self.bet(
            sol_to_lamports(self.num("stake_sol")),
            f"EV low end {e.ev_low:+.2%} ≥ threshold {threshold:+.2%} (P(win) {e.p_win:.2%}, EV {e.ev:+.2%})",
        )
