"""Bet only when even the pessimistic end of the EV interval clears a threshold.

With the provably-fair odds (P(win) 18.2 %, EV −9.2 %) this waits forever, and that is the point: it is the
default strategy because it only ever bets if the evidence (or a promotion worth more than the house edge)
says the bet is worth it. ``Estimate.ev_low`` already includes ``engine.promo_value_per_bet``.
"""

from __future__ import annotations

from bot.engine.strategy import FloatParam, SideBet, Skip, Snapshot, Strategy
from bot.money import sol_to_lamports


class EvThreshold(Strategy):
    name = "ev_threshold"
    description = "bet a fixed stake only when the 95 % lower bound of EV (incl. promo) ≥ threshold"
    interface_version = 2

    threshold = FloatParam(
        0.0, min=-1.0, max=1.0, unit="per unit stake", help="minimum EV at the low end of the interval"
    )
    stake_sol = FloatParam(0.001, min=0.001, max=10.0, unit="SOL", help="stake per bet")

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        e = snapshot.estimate
        threshold = self.threshold
        if e.ev_low < threshold:
            return Skip(
                f"EV low end {e.ev_low:+.2%} < threshold {threshold:+.2%} "
                f"(P(win) {e.p_win:.2%} [{e.p_low:.2%}, {e.p_high:.2%}], break-even {e.break_even:.0%})"
            )
        return self.bet(
            sol_to_lamports(self.stake_sol),
            f"EV low end {e.ev_low:+.2%} ≥ threshold {threshold:+.2%} (P(win) {e.p_win:.2%}, EV {e.ev:+.2%})",
        )
