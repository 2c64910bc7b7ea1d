"""Own-bet and account guards: a bet whose fate is unknown, and our ledger disagreeing with the server.

An ``unknown`` bet (clicked, never confirmed) blocks new bets until the feed reconciles it: betting again could
double the exposure or, if the first click did land, break the one-bet rule. A balance the ledger cannot
explain means something else moves money on the account: halt.
"""

from __future__ import annotations

from bot.bets.model import BetStatus
from bot.config.sections import GuardsConfig
from bot.money import fmt_sol, sol_to_lamports
from bot.risk.guards.base import GuardContext
from bot.risk.verdict import Verdict


class UnconfirmedBet:
    name = "unconfirmed_bet"

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> UnconfirmedBet:
        return cls(cfg.unconfirmed_bet_s)

    def check(self, ctx: GuardContext) -> Verdict:
        for b in ctx.ledger.open_bets:
            if b.status is BetStatus.UNKNOWN:
                return Verdict.pause(f"bet {b.bet_id} unknown: waiting for reconciliation", None, self.name)
            if b.status in (BetStatus.INTENT, BetStatus.CLICKED) and ctx.now - b.updated_t > self.timeout_s:
                return Verdict.pause(
                    f"bet {b.bet_id} still {b.status.value} after {ctx.now - b.updated_t:.1f} s",
                    None,
                    self.name,
                )
        return Verdict.allow()


class BalanceMismatch:
    """Logged in only. A difference is normal for a moment (the server debits ~one tick after our write-ahead
    intent; a payout may be credited before or after the settlement report), so it pauses first and halts when
    it outlives ``balance_mismatch_grace_s`` of *flowing* feed time. A difference of exactly the payouts booked
    at settlement and not in a balance yet (``ledger.unseen_credit``: a win at the rug, whose credited balance
    comes after the result) is expected: no pause and no WARNING while it lasts less than the grace; past it,
    the payout the server never credited halts. Silences count at most ``max_step_s`` per
    check: around every rug the feed goes quiet for 1–5 s and the balance update comes in the burst after it,
    so a silence is no evidence that the server disagrees. No server balance yet (this session) → pause."""

    name = "balance_mismatch"
    max_step_s = 0.5

    def __init__(self, tolerance_lamports: int, grace_s: float) -> None:
        self.tolerance = tolerance_lamports
        self.grace_s = grace_s
        self._elapsed = 0.0  # flowing feed time the current difference has lasted
        self._last: float | None = None

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> BalanceMismatch:
        return cls(sol_to_lamports(cfg.balance_tolerance_sol), cfg.balance_mismatch_grace_s)

    def check(self, ctx: GuardContext) -> Verdict:
        led = ctx.ledger
        if not led.logged_in:
            return Verdict.allow()
        if led.server_cash is None or not led.balance_fresh:
            earlier = [b for b in led.open_bets if b.session != led.session]
            if led.account is not None and led.server_cash is not None and earlier:
                # the balance cannot be the starting point while an earlier session's bet may be in it
                what = f"{len(earlier)} bet(s) of an earlier session to explain first"
                return Verdict.pause(f"no server balance yet: {what}", None, self.name)
            return Verdict.pause("no server balance yet", None, self.name, routine=True)  # every start
        diff = led.balance_difference()
        # A stake we committed but the server has not debited yet (intent / clicked / unknown) explains itself.
        in_flight = sum(
            b.amount_lamports
            for b in led.open_bets
            if b.status in (BetStatus.INTENT, BetStatus.CLICKED, BetStatus.UNKNOWN)
        )
        if (
            diff is None
            or abs(diff) <= self.tolerance
            or (in_flight and abs(diff - in_flight) <= self.tolerance)
        ):
            self._elapsed, self._last = 0.0, None
            return Verdict.allow()
        if self._last is not None and ctx.now > self._last:
            self._elapsed += min(ctx.now - self._last, self.max_step_s)
        self._last = ctx.now if self._last is None else max(self._last, ctx.now)
        unseen = led.unseen_credit
        if unseen and abs(diff + unseen) <= self.tolerance:  # a win booked, its credited balance on its way
            if self._elapsed < self.grace_s:
                return Verdict.allow()
            return Verdict.halt(
                f"a payout of {fmt_sol(unseen, 6)} booked at settlement is not in the server's balance "
                f"{fmt_sol(led.server_cash, 6)} after {self._elapsed:.1f} s of feed",
                self.name,
            )
        what = (
            f"server balance {fmt_sol(led.server_cash, 6)} != ledger {fmt_sol(led.server_cash - diff, 6)} "
            f"(diff {fmt_sol(diff, 6)})"
        )
        if self._elapsed >= self.grace_s:
            return Verdict.halt(f"{what} for {self._elapsed:.1f} s of feed", self.name)
        return Verdict.pause(what, None, self.name)
