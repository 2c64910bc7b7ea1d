"""Capped martingale: multiply the stake after each loss, back to the base after a win or after max_steps.

It does not change the expected loss per unit staked (−9.2 %); it trades many small wins for rare large
losses, and a loss streak (P(10 losses in a row) = 13.5 %) walks straight into the cap. Kept as a loud example.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.strategy import FloatParam, IntParam, Settled, SideBet, Skip, Snapshot, Strategy
from bot.money import sol_to_lamports


class Martingale(Strategy):
    name = "martingale"
    description = "stake = base × multiplier^losses_in_a_row, reset after a win or after max_steps losses"
    warning = (
        "MARTINGALE: negative EV (−9.2 % per unit staked) with escalating stakes; a streak of max_steps losses "
        "(P ≈ 0.818^steps) loses the whole progression. Use only with hard governor limits."
    )
    interface_version = 2

    base_stake_sol = FloatParam(0.001, min=0.001, max=10.0, unit="SOL", help="first stake of a progression")
    multiplier = FloatParam(1.25, min=1.0, max=5.0, help="stake multiplier after a loss (1.25 recoups at 5×)")
    max_steps = IntParam(
        4, min=0, max=20, unit="losses", help="losses in a row before the progression resets"
    )
    start_tick = IntParam(0, min=0, max=5000, unit="tick", help="first tick a bet may land on")

    def __init__(self, params: Mapping[str, object] | None = None) -> None:
        super().__init__(params)
        self.step = 0

    def stake_lamports(self) -> int:
        return sol_to_lamports(round(self.base_stake_sol * self.multiplier**self.step, 9))

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        landing = snapshot.estimate.landing_tick
        if landing < self.start_tick:
            return Skip(f"landing tick {landing} < start_tick {self.start_tick}")
        e = snapshot.estimate
        return self.bet(
            self.stake_lamports(),
            f"martingale step {self.step}/{self.max_steps}: {self.base_stake_sol:g} SOL × "
            f"{self.multiplier:g}^{self.step}; P(win) {e.p_win:.2%}, EV {e.ev:+.2%} (no edge)",
        )

    def on_settled(self, settled: Settled) -> None:
        if settled.won:
            self.step = 0
        else:
            self.step = self.step + 1 if self.step < self.max_steps else 0
