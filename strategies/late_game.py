"""The folklore "bet late, the rug must be near" rule: bet once the game is past ``min_tick``.

The generator checks for a rug with the same 0.005 chance every tick, so a game at tick 300 is no closer to
its rug than one at tick 3 (P(win) 18.2 % either way). Kept so that backtests and calibration by entry tick
show that it has no edge.
"""

from __future__ import annotations

from typing import ClassVar

from bot.engine.strategy import Param, Strategy
from bot.engine.types import SideBet, Snapshot
from bot.money import sol_to_lamports


class LateGame(Strategy):
    name = "late_game"
    description = "bet a fixed stake once tick ≥ min_tick (no edge: the rug is memoryless)"
    params: ClassVar[dict[str, Param]] = {
        "min_tick": Param("int", 200, "bet only from this tick on", min=0, max=5000),
        "stake_sol": Param("float", 0.001, "stake per bet in SOL", min=0.001, max=10.0),
        "max_bets_per_game": Param("int", 1, "bets per game at most", min=1, max=200),
    }

    def propose(self, snapshot: Snapshot) -> SideBet | None:
        stake = sol_to_lamports(self.num("stake_sol"))
        placed = snapshot.ledger.staked_this_game_lamports // stake if stake else 0
        if placed >= self.integer("max_bets_per_game"):
            return self.skip(f"already {placed} bet(s) this game")
        tick, min_tick = snapshot.game.tick, self.integer("min_tick")
        if tick < min_tick:
            return self.skip(f"tick {tick} < min_tick {min_tick}")
        e = snapshot.estimate
        return self.bet(
            stake,
            f"tick {tick} ≥ min_tick {min_tick}; P(win) {e.p_win:.2%} — same as at any tick (memoryless), EV {e.ev:+.2%}",
        )
