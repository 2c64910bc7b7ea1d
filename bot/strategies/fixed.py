"""A fixed stake from ``start_tick`` on, one window after another (``every`` ticks apart), a few per game.

No edge: every window has the same P(win) under the rules. It exists because it is the simplest thing an
operator may deliberately want (e.g. to farm a promotion), and because backtests of it show the house edge
cleanly. The bets placed this game are read from the ledger (``bets_this_game``: a count, so a stake lowered
by adaptation is still a bet), so the strategy keeps no state and replays are deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.engine.strategy import FloatParam, IntParam, SideBet, Skip, Snapshot, Strategy
from bot.money import sol_to_lamports


class Fixed(Strategy):
    name = "fixed"
    description = "fixed stake at start_tick, start_tick + every, … (max_bets_per_game per game)"
    interface_version = 2

    stake_sol = FloatParam(0.001, min=0.001, max=10.0, unit="SOL", help="stake per bet")
    start_tick = IntParam(0, min=0, max=5000, unit="tick", help="first tick a bet may land on")
    every = IntParam(40, min=1, max=1000, unit="ticks", help="ticks between bet starts (40 = back to back)")
    max_bets_per_game = IntParam(1, min=1, max=200, unit="bets", help="bets per game at most")

    def __init__(self, params: Mapping[str, object] | None = None) -> None:
        super().__init__(params)
        # Parameters are immutable after validation: convert once, not on every tick (Monte Carlo calls this a lot).
        self._stake = sol_to_lamports(self.stake_sol)
        self._limit = self.max_bets_per_game
        self._start = self.start_tick
        self._every = self.every

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        stake = self._stake
        led = snapshot.ledger
        # A ledger that does not count bets (a simulator's synthetic view) still tells bets of the full stake;
        # the governor's counts every bet, so a stake lowered by adaptation is never counted as zero.
        placed = max(led.bets_this_game, led.staked_this_game_lamports // stake if stake else 0)
        limit = self._limit
        if placed >= limit:
            return Skip(f"already {placed} bet(s) this game (max_bets_per_game {limit})")
        target = self._start + placed * self._every
        landing = snapshot.estimate.landing_tick
        if landing < target:
            return Skip(f"landing tick {landing} < slot tick {target} (bet {placed + 1} of {limit})")
        e = snapshot.estimate
        return self.bet(
            stake,
            f"slot {placed + 1}/{limit}: landing tick {landing} ≥ {target}; window {landing}–{landing + 40}, "
            f"P(win) {e.p_win:.2%}, EV {e.ev:+.2%} (no edge: fixed schedule)",
        )
