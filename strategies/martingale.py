"""Capped martingale: multiply the stake after each loss, back to the base after a win or after max_steps.

It does not change the expected loss per unit staked (−9.2 %); it trades many small wins for rare large
losses, and a loss streak (P(10 losses in a row) = 13.5 %) walks straight into the cap. Kept as a loud example.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from bot.engine.strategy import Param, Strategy
from bot.engine.types import SideBet, Snapshot
from bot.money import sol_to_lamports


class Martingale(Strategy):
    name = "martingale"
    description = "stake = base × multiplier^losses_in_a_row, reset after a win or after max_steps losses"
    warning = (
        "MARTINGALE: negative EV (−9.2 % per unit staked) with escalating stakes; a streak of max_steps losses "
        "(P ≈ 0.818^steps) loses the whole progression. Use only with hard governor limits."
    )
    params: ClassVar[dict[str, Param]] = {
        "base_stake_sol": Param("float", 0.001, "first stake of a progression in SOL", min=0.001, max=10.0),
        "multiplier": Param(
            "float", 1.25, "stake multiplier after a loss (1.25 recoups at 5×)", min=1.0, max=5.0
        ),
        "max_steps": Param("int", 4, "losses in a row before the progression resets to base", min=0, max=20),
        "start_tick": Param("int", 0, "first tick a bet may land on", min=0, max=5000),
    }

    def __init__(self, params: Mapping[str, object] | None = None) -> None:
        super().__init__(params)
        self.step = 0

    def stake_lamports(self) -> int:
        return sol_to_lamports(round(self.num("base_stake_sol") * self.num("multiplier") ** self.step, 9))

    def propose(self, snapshot: Snapshot) -> SideBet | None:
        landing = snapshot.estimate.landing_tick
        if landing < self.integer("start_tick"):
            return self.skip(f"landing tick {landing} < start_tick {self.integer('start_tick')}")
        e = snapshot.estimate
        return self.bet(
            self.stake_lamports(),
            f"martingale step {self.step}/{self.integer('max_steps')}: {self.num('base_stake_sol'):g} SOL × "
            f"{self.num('multiplier'):g}^{self.step}; P(win) {e.p_win:.2%}, EV {e.ev:+.2%} (no edge)",
        )

    def on_result(self, won: bool, stake_lamports: int) -> None:
        if won:
            self.step = 0
        else:
            self.step = self.step + 1 if self.step < self.integer("max_steps") else 0
