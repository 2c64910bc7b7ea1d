"""Fractional Kelly: stake = bankroll × min(fraction × Kelly, max_fraction).

Kelly is zero whenever EV ≤ 0, so with the rules' odds this bets nothing; it only acts if a promotion or real
evidence makes the bet positive. Full Kelly on an uncertain edge over-bets, hence the fraction and the cap.
"""

from __future__ import annotations

from bot.engine.strategy import FloatParam, SideBet, Skip, Snapshot, Strategy
from bot.game.rules import MIN_BET_LAMPORTS


class Kelly(Strategy):
    name = "kelly"
    description = "fraction of the Kelly stake, capped at max_fraction of the bankroll"
    interface_version = 2

    fraction = FloatParam(
        0.25, min=0.01, max=1.0, help="multiplier on the Kelly fraction (0.25 = quarter Kelly)"
    )
    max_fraction = FloatParam(
        0.01, min=0.0001, max=0.5, unit="of bankroll", help="cap: at most this share of the bankroll per bet"
    )

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        e = snapshot.estimate
        if e.kelly <= 0.0:
            return Skip(f"Kelly is 0 (EV {e.ev:+.2%}, P(win) {e.p_win:.2%} < break-even {e.break_even:.0%})")
        share = min(self.fraction * e.kelly, self.max_fraction)
        bankroll = snapshot.ledger.bankroll_lamports
        stake = int(bankroll * share)
        if stake < MIN_BET_LAMPORTS:
            return Skip(
                f"Kelly stake {stake} lamports ({share:.3%} of {bankroll}) is below the 0.001 SOL minimum"
            )
        return self.bet(
            stake,
            f"Kelly {e.kelly:.3%} × {self.fraction:g} → {share:.3%} of bankroll "
            f"(cap {self.max_fraction:.2%}); EV {e.ev:+.2%}",
        )
