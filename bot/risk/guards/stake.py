"""Stake and count guards: per bet, per game, the reserve, one open bet at a time and bets per game. They only
judge proposals."""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.game.rules import MIN_BET_LAMPORTS, Outcome, Window, can_place
from bot.money import fmt_sol, sol_to_lamports
from bot.risk.guards.base import GuardContext
from bot.risk.verdict import Verdict


class MaxStakePerBet:
    """Also refuses stakes under the game's minimum bet (the click would be rejected anyway)."""

    name = "max_stake_per_bet"

    def __init__(self, limit_lamports: int) -> None:
        self.limit = limit_lamports

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxStakePerBet:
        return cls(sol_to_lamports(cfg.max_stake_per_bet_sol))

    def check(self, ctx: GuardContext) -> Verdict:
        p = ctx.proposal
        if p is None:
            return Verdict.allow()
        if p.amount_lamports < MIN_BET_LAMPORTS:
            return Verdict.deny(f"stake {fmt_sol(p.amount_lamports)} below the minimum bet", self.name)
        if p.amount_lamports > self.limit:
            return Verdict.deny(
                f"stake {fmt_sol(p.amount_lamports)} > max per bet {fmt_sol(self.limit)}", self.name
            )
        return Verdict.allow()


class MaxStakePerGame:
    name = "max_stake_per_game"

    def __init__(self, limit_lamports: int) -> None:
        self.limit = limit_lamports

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxStakePerGame | None:
        return (
            None if cfg.max_stake_per_game_sol is None else cls(sol_to_lamports(cfg.max_stake_per_game_sol))
        )

    def check(self, ctx: GuardContext) -> Verdict:
        p = ctx.proposal
        if p is None or ctx.game is None:
            return Verdict.allow()
        staked = ctx.ledger.staked_in_game(ctx.game.game_id)
        if staked + p.amount_lamports > self.limit:
            return Verdict.deny(
                f"game stake would be {fmt_sol(staked + p.amount_lamports)} > max per game {fmt_sol(self.limit)}",
                self.name,
            )
        return Verdict.allow()


class MinReserve:
    """The stake must leave the reserve untouched; with no known bankroll (logged in, no balance yet) refuse."""

    name = "min_reserve"

    def __init__(self, reserve_lamports: int) -> None:
        self.reserve = reserve_lamports

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MinReserve:
        # Always on: even a zero reserve means "never stake more than the bankroll".
        return cls(sol_to_lamports(cfg.min_reserve_sol or 0.0))

    def check(self, ctx: GuardContext) -> Verdict:
        p = ctx.proposal
        if p is None:
            return Verdict.allow()
        bankroll = ctx.ledger.bankroll
        if bankroll is None:
            return Verdict.deny("bankroll unknown", self.name)
        if bankroll - p.amount_lamports < self.reserve:
            return Verdict.deny(
                f"stake {fmt_sol(p.amount_lamports)} would leave {fmt_sol(bankroll - p.amount_lamports)} "
                f"< reserve {fmt_sol(self.reserve)}",
                self.name,
            )
        return Verdict.allow()


class OneOpenBet:
    """protocol.md: one active side bet per player. Until ours is settled, a second would be rejected or, worse,
    be a duplicate of a click whose fate we do not know yet. The one place this rule is checked: an open bet of
    this account in the ledger (written ahead, clicked, unknown, running or left open by a restart), or an active
    bet the server shows on the account that our books do not hold."""

    name = "one_open_bet"

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> OneOpenBet:
        return cls()

    def check(self, ctx: GuardContext) -> Verdict:
        if ctx.proposal is None:
            return Verdict.allow()
        open_bets = ctx.ledger.open_bets
        if open_bets:
            b = max(open_bets, key=lambda x: x.decided_t)
            if b.start_tick is not None and b.end_tick is not None:
                what = f"own bet running on ticks {b.start_tick}–{b.end_tick} (game {b.game}, {b.bet_id} {b.status.value})"
            else:
                what = f"own bet {b.bet_id} is still {b.status.value} (game {b.game})"
            return Verdict.deny(what, self.name)
        active = ctx.account.active_bet if ctx.account is not None else None
        g = ctx.game
        # The server's view may be stale (its settlement frame lost): it blocks only while its window can still
        # run in the current game, as the server itself would refuse (bot.game.rules.can_place).
        if (
            active is not None
            and active.outcome == Outcome.PENDING.value
            and g is not None
            and active.game_id == g.game_id
            and not can_place(Window(active.start_tick, active.end_tick), g.tick + 1)
        ):
            return Verdict.deny(
                f"the server shows an active side bet on ticks {active.start_tick}–{active.end_tick} "
                f"(game {active.game_id}) that the ledger does not hold",
                self.name,
            )
        return Verdict.allow()


class MaxBetsPerGame:
    """Bets per game, whatever their stakes (a stake lowered by adaptation is still a bet); the account's bets
    written ahead in the game count, rejected and cancelled ones do not."""

    name = "max_bets_per_game"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> MaxBetsPerGame | None:
        return None if cfg.max_bets_per_game is None else cls(cfg.max_bets_per_game)

    def check(self, ctx: GuardContext) -> Verdict:
        if ctx.proposal is None or ctx.game is None:
            return Verdict.allow()
        n = ctx.ledger.bets_in_game(ctx.game.game_id)
        if n >= self.limit:
            return Verdict.deny(
                f"{n} bet(s) in game {ctx.game.game_id} already (max {self.limit} per game)", self.name
            )
        return Verdict.allow()
