"""One bet per game at a chosen landing tick, in every other game (the worked example of docs/CONTRIBUTING.md)."""

from __future__ import annotations

from bot.engine.strategy import FloatParam, IntParam, SideBet, Skip, Snapshot, Strategy
from bot.money import sol_to_lamports


class EveryOtherGame(Strategy):
    name = "every_other_game"  # == the file stem
    description = "one bet at landing tick `tick` in games whose id ends in an even hex digit"
    interface_version = 2

    stake_sol = FloatParam(0.001, min=0.001, max=1.0, unit="SOL", help="stake per bet")
    tick = IntParam(10, min=0, max=1000, unit="tick", help="earliest landing tick")

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        g, e = snapshot.game, snapshot.estimate
        if not g.game_id or int(g.game_id[-1], 16) % 2:
            return Skip(f"odd game {g.game_id}")
        if snapshot.ledger.staked_this_game_lamports:
            return Skip("already bet this game")
        if e.landing_tick < self.tick:
            return Skip(f"landing {e.landing_tick} < {self.tick}")
        return self.bet(
            sol_to_lamports(self.stake_sol),
            f"even game, landing {e.landing_tick}: P(win) {e.p_win:.2%}, EV {e.ev:+.2%}",
        )
