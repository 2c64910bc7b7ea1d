"""The bet tracker: one owner for every bet's life, in flight and after a restart.

In the spirit of hummingbot's ``ClientOrderTracker``: every bet the bot knows — written ahead by this process,
or left open in the database by a process that stopped — is followed here, and only here. The tracker matches
the feed's own-bet events to bets, settles them, expires them and explains bets whose fate was missed, always
from evidence about the bet's own account (:class:`~bot.bets.model.Evidence`):

1. ``currentSidebetResult`` → won / lost with the server's payout;
2. ``currentSidebet``, ``playerUpdate.sideBet``, the ack's ``sidebet`` → confirmed (its window known);
   ``playerUpdate.sidebets`` records → confirmed or settled the same way (server history);
3. the rules on the feed: a real bet is lost ``LOSS_GRACE_TICKS`` after its window with no result, or settled on a
   proven rug tick once the next game starts; a paper bet lands (paper broker) and settles on the rules at once;
4. a bet whose game rugged or ended without a result seen, or that a stopped process left open, once a
   ``playerUpdate`` newer than its confirmation (or than its game's end) shows no active bet: the account's
   balance against our own books (which debited the stake) — 0 lost, +5× won, +1× never taken; anything else
   is a problem for a human (the trading loop halts on it);
5. never placed: no ``requestSidebet`` left the page before its game ended (this process's clicks only).

A bet of another account or mode is never moved: it stays open and is shown as that account's. Bets left
open wait until the session knows its account (``playerUpdate.id``); paper bets of a stopped process are void.

Reports the tracker emits are booked at once (its state moves first) and delivered once: the trading loop
passes every report through :meth:`BetTracker.book`, which also accepts reports from outside (a broker's
refusal, an operator) when they move a bet forward, and drops stale ones.
"""

from __future__ import annotations

from loguru import logger

from bot.bets.books import TrackerBook
from bot.bets.model import TERMINAL, BetStatus, BrokerReport, Evidence
from bot.bets.tracked import LOSS_GRACE_TICKS, TrackedBet, outcome_from_balance
from bot.game.rules import Outcome, Window, payout_lamports, settle
from bot.game.signals import (
    AccountUpdated,
    AckReceived,
    GameRugged,
    GameStarted,
    OwnBetPlaced,
    OwnBetSettled,
    SidebetRequested,
    Signal,
    TickAdvanced,
)
from bot.game.state import AccountView, GameView, OwnSidebet
from bot.money import sol_to_lamports

__all__ = ["BetTracker"]


class BetTracker(TrackerBook):
    """Follows bets of one trading loop: see the module doc; the books are :class:`TrackerBook`'s."""

    # ------------------------------------------------------------------ the feed
    def start(self, t: float) -> list[BrokerReport]:
        """The first look at bets left open, once this session knows its account (call on every frame)."""
        out: list[BrokerReport] = []
        for b in list(self._bets.values()):
            if not b.left_open or b.looked_at or not self._mine(b):
                continue
            b.looked_at = True
            if b.paper:
                out.append(
                    self._close(
                        b, BetStatus.CANCELLED, t, "paper bet of a process that stopped", Evidence.VOID
                    )
                )
            elif b.status in (BetStatus.INTENT, BetStatus.CLICKED):
                report = BrokerReport(
                    b.bet_id,
                    BetStatus.UNKNOWN,
                    t,
                    message="left open by a restart",
                    evidence=Evidence.RESTART,
                )
                out.append(self._emit(b, report))
        return out

    def on_signal(self, sig: Signal, view: GameView) -> list[BrokerReport]:
        out = self.start(view.t)
        if isinstance(sig, OwnBetPlaced):
            out += self._server_placed(sig.bet, Evidence.SERVER_ACTIVE, "currentSidebet")
        elif isinstance(sig, OwnBetSettled):
            out += self._server_settled(sig.bet, view.t, Evidence.SERVER_RESULT, "currentSidebetResult")
        elif isinstance(sig, AccountUpdated):
            out += self._on_account(sig.account)
        elif isinstance(sig, SidebetRequested):
            b = self._awaiting()
            if b is not None and b.sent_t is None:
                b.sent_t, b.ack_id = sig.t, sig.ack_id
        elif isinstance(sig, AckReceived):
            out += self._on_ack(sig)
        elif isinstance(sig, TickAdvanced):
            out += self._rules_on_tick(sig.game_id, sig.tick, sig.t)
        elif isinstance(sig, GameRugged):
            out += self._on_rug(sig)
        elif isinstance(sig, GameStarted):
            out += self._on_game_started(sig)
        return out

    # --------------------------------------------------- server evidence
    def _by_window(self, bet: OwnSidebet) -> TrackedBet | None:
        for b in (*self._bets.values(), *self._done.values()):
            if b.window_known and b.same_window(bet) and self._mine(b):
                return b
        return None

    def _explained_by(self, bet: OwnSidebet) -> TrackedBet | None:
        for b in self._bets.values():
            if (
                not b.paper
                and not b.window_known
                and b.status in (BetStatus.INTENT, BetStatus.CLICKED, BetStatus.UNKNOWN)
                and (not b.left_open or b.looked_at)
                and self._mine(b)
                and b.explains(bet)
            ):
                return b
        return None

    def _server_placed(self, bet: OwnSidebet, evidence: Evidence, source: str) -> list[BrokerReport]:
        if self._by_window(bet) is not None:
            return []
        b = self._explained_by(bet)
        if b is None:
            self._orphan(bet, source)
            return []
        return self._placed(b, bet, evidence, source)

    def _placed(self, b: TrackedBet, bet: OwnSidebet, evidence: Evidence, source: str) -> list[BrokerReport]:
        b.start_tick, b.end_tick, b.placed_t = bet.start_tick, bet.end_tick, bet.placed_t
        b.stale = False
        if b.submitting:
            b.wake()  # submit() returns the confirmation itself
            return []
        latency = None if b.clicked_t is None else max(0.0, bet.placed_t - b.clicked_t)
        report = BrokerReport(
            b.bet_id,
            BetStatus.CONFIRMED,
            bet.placed_t,
            start_tick=bet.start_tick,
            end_tick=bet.end_tick,
            latency_s=latency,
            message=f"reconciled from {source}",
            evidence=evidence,
        )
        return [self._emit(b, report)]

    def _server_settled(
        self, bet: OwnSidebet, t: float, evidence: Evidence, source: str
    ) -> list[BrokerReport]:
        b = self._by_window(bet)
        out: list[BrokerReport] = []
        if b is None:
            b = self._explained_by(bet)
            if b is None:
                self._orphan(bet, source)
                return []
            out += self._placed(b, bet, evidence, source)
        if not b.open:
            return out
        won = bet.outcome == Outcome.WON.value or bet.payout_lamports > 0
        status = BetStatus.WON if won else BetStatus.LOST
        # the wire's tickIndex is the rug tick on a win but the START tick on a loss (every loss in the real
        # captures): a loss is told by its window, which ended without a rug
        if won:
            at = f"rug at tick {bet.settled_tick}" if bet.settled_tick is not None else "rug"
        else:
            at = f"window ticks {bet.start_tick}–{bet.end_tick} ended without a rug"
        b.stale = False
        out.append(self._close(b, status, t, f"settled: {at} ({source})", evidence, bet.payout_lamports))
        return out

    def _orphan(self, bet: OwnSidebet, source: str) -> None:
        if any(o.game_id == bet.game_id and o.start_tick == bet.start_tick for o in self.orphans):
            return
        self.orphans.append(bet)
        logger.warning("own side bet {}@{} not placed by this bot ({})", bet.game_id, bet.start_tick, source)

    def _on_account(self, acct: AccountView) -> list[BrokerReport]:
        if not acct.authenticated or self.account is None:
            return []
        if acct.player_id is not None and acct.player_id != self.account:
            return []  # another account's update (a re-login as someone else): no evidence about our bets
        self._acct = acct
        out: list[BrokerReport] = []
        active = acct.active_bet
        if active is not None and active.outcome == Outcome.PENDING.value:
            out += self._server_placed(active, Evidence.SERVER_ACTIVE, "playerUpdate.sideBet")
        for rec in acct.bet_history:
            if rec.outcome == Outcome.PENDING.value:
                out += self._server_placed(rec, Evidence.SERVER_HISTORY, "playerUpdate.sidebets")
            else:
                out += self._server_settled(
                    rec, acct.updated_t, Evidence.SERVER_HISTORY, "playerUpdate.sidebets"
                )
        if any(r.status in TERMINAL for r in out):
            return out  # the books move with these first: the balance is judged on the next update
        return out + self._by_balance(acct)

    def _on_ack(self, sig: AckReceived) -> list[BrokerReport]:
        b = next((x for x in self._bets.values() if x.ack_id is not None and x.ack_id == sig.ack_id), None)
        if b is None or b.window_known:
            return []
        ack = sig.ack
        if ack.success is False:
            message = f"rejected by the server: {ack.message or ack.error or 'no reason given'}"
            if b.submitting:
                b.rejection = message
                b.wake()
                return []
            return [self._close(b, BetStatus.REJECTED, sig.t, message, Evidence.SERVER_REJECTED)]
        rec = ack.sidebet
        if ack.success and rec is not None and rec.start_tick is not None and rec.end_tick is not None:
            bet = OwnSidebet(
                rec.game_id or b.game_id,
                rec.start_tick,
                rec.end_tick,
                sol_to_lamports(rec.bet_amount or 0),
                rec.coin_address or b.owner.coin,
                sig.t,
            )
            return self._server_placed(bet, Evidence.SERVER_ACTIVE, "ack")
        return []

    def _awaiting(self) -> TrackedBet | None:
        """This process's bet being clicked (or unknown about its click); there is at most one."""
        for b in self._bets.values():
            if (
                not b.left_open
                and not b.paper
                and not b.window_known
                and (b.submitting or b.status is BetStatus.UNKNOWN)
            ):
                return b
        return None

    def _by_balance(self, acct: AccountView) -> list[BrokerReport]:
        """Bets whose fate the feed did not tell, explained by the account's balance (see the module doc)."""
        if self._expected_cash is None or self.account is None or acct.active_bet is not None:
            return []
        balance = acct.balance(self.coin)
        if balance is None:
            return []
        due = [b for b in self._bets.values() if self._due(b, acct.updated_t)]
        if len(due) != 1:
            if due:
                self._problem(
                    f"{len(due)} bets await explanation; one balance cannot tell them apart", "many"
                )
            return []
        b = due[0]
        base = self._expected_cash(self.account)
        if base is None:
            return []
        diff = balance - base
        found = outcome_from_balance(diff, b.amount_lamports)
        if found is None or (found[0] is BetStatus.CANCELLED and b.status is BetStatus.CONFIRMED):
            self._problem(
                f"bet {b.bet_id}: balance moved by {diff} lamports, which no outcome of a "
                f"{b.amount_lamports}-lamport bet explains",
                f"{b.bet_id}:{diff}",
            )
            return []
        status, payout = found
        b.stale = False
        if status is BetStatus.CANCELLED:
            return [
                self._close(
                    b, status, acct.updated_t, "reconciled: the server never took it", Evidence.NEVER_PLACED
                )
            ]
        text = f"reconciled from the balance: {status.value}"
        return [self._close(b, status, acct.updated_t, text, Evidence.BALANCE_CHANGE, payout)]

    def _due(self, b: TrackedBet, t: float) -> bool:
        """Only a bet whose fate was already sealed when the balance (received at ``t``) was sent is explained
        by it: one left by a stopped process, or one whose game ended — by an update newer than its server
        confirmation (the server then showed it active, so "no active bet" means settled) or, unconfirmed,
        newer than the end of its game (an older update may predate the debit)."""
        if b.paper or b.submitting or not self._mine(b):
            return False
        if b.left_open:
            return b.looked_at
        if b.status is BetStatus.INTENT or not b.stale or b.stale_t is None:
            return False  # INTENT: still the broker's, its report is on the way
        return t > b.placed_t if b.placed_t is not None else t >= b.stale_t

    # --------------------------------------------------- the rules and expiry
    def _rules_on_tick(self, game_id: str, tick: int, t: float) -> list[BrokerReport]:
        out: list[BrokerReport] = []
        for b in list(self._bets.values()):
            if b.game_id != game_id or not b.window_known or not self._mine(b) or b.submitting:
                continue
            assert b.start_tick is not None and b.end_tick is not None
            grace = 0 if b.paper else LOSS_GRACE_TICKS
            if tick <= b.end_tick + grace:
                continue
            if settle(Window(b.start_tick, b.end_tick), rug_tick=None, current_tick=tick) is Outcome.LOST:
                text = "paper bet lost" if b.paper else "settled by the rules: no currentSidebetResult seen"
                out.append(self._close(b, BetStatus.LOST, t, text, Evidence.RULES))
        return out

    def _on_rug(self, sig: GameRugged) -> list[BrokerReport]:
        g = sig.game
        out: list[BrokerReport] = []
        for b in list(self._bets.values()):
            if b.game_id != g.game_id or not self._mine(b):
                continue
            if not b.paper:
                # The server settles every bet of the game at its rug: from now on a balance newer than the bet's
                # confirmation, with no active bet, tells its outcome (a result frame lost at the rug must not
                # leave the books a payout behind the server's balance until the next game starts).
                if not b.left_open and b.status is not BetStatus.INTENT and not b.submitting and not b.stale:
                    b.stale, b.stale_t = True, g.rug_t
                if (
                    g.proven and b.window_known
                ):  # the result may still come; else the rules decide at the next game
                    self._rugs[g.game_id] = g.rug_tick
                continue
            if not b.window_known:
                continue
            assert b.start_tick is not None and b.end_tick is not None
            if not g.proven and g.rug_tick <= b.end_tick:
                # the rug frame was lost: its tick is only known to be >= rug_tick, so win or loss is unknown
                text = "paper bet voided: the rug tick was not seen (feed gap)"
                out.append(self._close(b, BetStatus.CANCELLED, g.rug_t, text, Evidence.VOID))
            else:
                out.append(
                    self._by_rules(b, g.rug_tick, g.rug_t, f"paper bet {{}} (rug at tick {g.rug_tick})")
                )
        if self._acct is not None and self.unexplained:
            out += self._by_balance(self._acct)
        return out

    def _by_rules(self, b: TrackedBet, rug_tick: int, t: float, text: str) -> BrokerReport:
        assert b.start_tick is not None and b.end_tick is not None
        outcome = settle(Window(b.start_tick, b.end_tick), rug_tick=rug_tick, current_tick=rug_tick)
        status = BetStatus.WON if outcome is Outcome.WON else BetStatus.LOST
        payout = payout_lamports(b.amount_lamports, outcome)
        return self._close(b, status, t, text.format(status.value), Evidence.RULES, payout)

    def _on_game_started(self, sig: GameStarted) -> list[BrokerReport]:
        out: list[BrokerReport] = []
        for gid, rug_tick in list(self._rugs.items()):
            if gid == sig.game_id:
                continue
            del self._rugs[gid]
            for b in list(self._bets.values()):
                if b.game_id == gid and b.window_known and self._mine(b) and not b.paper:
                    text = "settled by the rules: no currentSidebetResult seen ({})"
                    out.append(self._by_rules(b, rug_tick, sig.t, text))
        for b in list(self._bets.values()):
            if b.game_id == sig.game_id or not self._mine(b) or b.submitting:
                continue
            if b.paper:
                if b.window_known:
                    text = "paper bet voided: its game ended unseen"
                    out.append(self._close(b, BetStatus.CANCELLED, sig.t, text, Evidence.VOID))
            elif (
                b.status is BetStatus.UNKNOWN
                and not b.window_known
                and b.sent_t is None
                and not b.unobserved  # its page died: an unseen request is no proof (BetTracker.page_lost)
                and not b.left_open
            ):
                text = "never placed: no requestSidebet reached the socket"
                out.append(self._close(b, BetStatus.REJECTED, sig.t, text, Evidence.NEVER_PLACED))
            elif not b.left_open and b.status is not BetStatus.INTENT:
                if not b.stale:
                    b.stale, b.stale_t = True, sig.t
                logger.warning(
                    "bet {} ({}) ended with its game but no result was seen: reconciling from the server",
                    b.bet_id,
                    b.status.value,
                )
        if self._acct is not None and self.unexplained:
            out += self._by_balance(self._acct)  # an update already newer than the bet's end explains it now
        return out
