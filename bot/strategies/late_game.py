"""The folklore "bet late, the rug must be near" rule: bet once the game is past ``min_tick``.

The generator checks for a rug with the same 0.005 chance every tick, so a game at tick 300 is no closer to
its rug than one at tick 3 (P(win) 18.2 % either way). Kept so that backtests and calibration by entry tick
show that it has no edge.
"""

from __future__ import annotations

from bot.engine.strategy import FloatParam, IntParam, SideBet, Skip, Snapshot, Strategy
from bot.money import sol_to_lamports


class LateGame(Strategy):
    name = "late_game"
    description = "bet a fixed stake once tick ≥ min_tick (no edge: the rug is memoryless)"
    interface_version = 2

    min_tick = IntParam(200, min=0, max=5000, unit="tick", help="bet only from this tick on")
    stake_sol = FloatParam(0.001, min=0.001, max=10.0, unit="SOL", help="stake per bet")
    max_bets_per_game = IntParam(1, min=1, max=200, unit="bets", help="bets per game at most")

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        stake = sol_to_lamports(self.stake_sol)
        placed = snapshot.ledger.staked_this_game_lamports // stake if stake else 0
        if placed >= self.max_bets_per_game:
            return Skip(f"already {placed} bet(s) this game")
        tick, min_tick = snapshot.game.tick, self.min_tick
        if tick < min_tick:
            return Skip(f"tick {tick} < min_tick {min_tick}")
        e = snapshot.estimate
        return self.bet(
            stake,
            f"tick {tick} ≥ min_tick {min_tick}; P(win) {e.p_win:.2%} — same as at any tick (memoryless), EV {e.ev:+.2%}",
        )
