"""Restart reconciliation: bets an earlier process left open are settled from the server's truth.

A process can die at any step of a bet's life — after the intent row, after the click, before the
confirmation, before the settlement. The intent was written ahead, so the database knows the bet exists but
not its fate. The new process never guesses: the bet stays open (the unconfirmed-bet guard pauses betting)
until the feed explains it, in this order of evidence:

1. ``currentSidebetResult`` for that game and stake → confirmed, then won/lost with the server's payout;
2. ``currentSidebet`` or ``playerUpdate.sideBet`` showing it active → confirmed (settled later by 1.);
3. a ``playerUpdate`` with no active side bet → the server's balance decides: since the last balance recorded
   before the decision, a change of 0 means the click never landed (cancelled), −stake a loss, +4·stake a win
   (one bet at a time makes this exact); anything else is a balance mismatch the governor halts on.

In dry-run there is no server to ask: a paper bet of a dead process is cancelled, with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from loguru import logger

from bot.bets.model import BetStatus, BrokerReport
from bot.game.rules import PAYOUT_MULTIPLIER
from bot.game.signals import AccountUpdated, OwnBetPlaced, OwnBetSettled, Signal
from bot.game.state import OwnSidebet

SETTLED_IN_BALANCE = "reconciled from the balance"  # the ledger must not credit such a payout twice


@dataclass(slots=True)
class _Open:
    bet_id: str
    game: str
    amount: int
    decided_t: float
    status: BetStatus


class BetRowLike:
    bet_id: str
    game: str
    amount_lamports: int
    decided_t: float
    status: BetStatus


class Reconciler:
    def __init__(
        self,
        bets: Sequence[BetRowLike],
        *,
        logged_in: bool,
        coin: str,
        balance_before: Callable[[float], int | None],
    ) -> None:
        self.logged_in = logged_in
        self.coin = coin
        self._balance_before = balance_before
        self._open = {
            b.bet_id: _Open(b.bet_id, b.game, b.amount_lamports, b.decided_t, BetStatus(b.status))
            for b in bets
        }
        self.problems: list[str] = []

    @property
    def pending(self) -> int:
        return len(self._open)

    def knows(self, bet_id: str) -> bool:
        return bet_id in self._open

    def discard(self, bet_id: str) -> None:
        """The bet was settled by other evidence (a late result the broker saw): nothing left to explain."""
        self._open.pop(bet_id, None)

    def add(self, bet: BetRowLike) -> None:
        """A bet of this process whose game ended without a result it could see (e.g. a socket drop at the rug):
        explained by the same evidence as a bet left by a dead process."""
        if bet.bet_id not in self._open:
            logger.warning(
                "bet {} ({}) ended with its game but no result was seen: reconciling from the server",
                bet.bet_id,
                BetStatus(bet.status).value,
            )
            self._open[bet.bet_id] = _Open(
                bet.bet_id, bet.game, bet.amount_lamports, bet.decided_t, BetStatus(bet.status)
            )

    def start(self, t: float) -> list[BrokerReport]:
        """Reports at start-up: paper bets are cancelled; real ones are marked unknown until explained."""
        reports: list[BrokerReport] = []
        for b in list(self._open.values()):
            logger.warning(
                "reconciling bet {} ({}, {} lamports on {}) left open by an earlier process",
                b.bet_id,
                b.status.value,
                b.amount,
                b.game,
            )
            if not self.logged_in:
                reports.append(self._close(b, BetStatus.CANCELLED, t, "paper bet of a process that stopped"))
            elif b.status is not BetStatus.CONFIRMED and b.status is not BetStatus.UNKNOWN:
                b.status = BetStatus.UNKNOWN
                reports.append(BrokerReport(b.bet_id, BetStatus.UNKNOWN, t, message="left open by a restart"))
        return reports

    def on_signal(self, sig: Signal) -> list[BrokerReport]:
        if not self._open:
            return []
        if isinstance(sig, OwnBetSettled):
            return self._settled(sig.bet)
        if isinstance(sig, OwnBetPlaced):
            return self._placed(sig.bet)
        if isinstance(sig, AccountUpdated):
            acct = sig.account
            if acct.active_bet is not None:
                return self._placed(acct.active_bet)
            balance = acct.balance(self.coin)
            if acct.authenticated and balance is not None:
                return self._by_balance(balance, acct.updated_t)
        return []

    def _match(self, bet: OwnSidebet) -> _Open | None:
        for b in self._open.values():
            if b.game == bet.game_id and b.amount == bet.amount_lamports:
                return b
        return None

    def _placed(self, bet: OwnSidebet) -> list[BrokerReport]:
        b = self._match(bet)
        if b is None or b.status is BetStatus.CONFIRMED:
            return []
        b.status = BetStatus.CONFIRMED
        return [
            BrokerReport(
                b.bet_id,
                BetStatus.CONFIRMED,
                bet.placed_t,
                start_tick=bet.start_tick,
                end_tick=bet.end_tick,
                message="reconciled: the server shows it active",
            )
        ]

    def _settled(self, bet: OwnSidebet) -> list[BrokerReport]:
        b = self._match(bet)
        if b is None:
            return []
        reports = self._placed(bet)
        won = bet.payout_lamports > 0
        status = BetStatus.WON if won else BetStatus.LOST
        t = bet.placed_t
        reports.append(
            self._close(
                b,
                status,
                t,
                "reconciled from currentSidebetResult",
                payout=bet.payout_lamports if won else 0,
                start=bet.start_tick,
                end=bet.end_tick,
            )
        )
        return reports

    def _by_balance(self, balance: int, t: float) -> list[BrokerReport]:
        reports: list[BrokerReport] = []
        for b in list(self._open.values()):
            before = self._balance_before(b.decided_t)
            if before is None:
                self.problems.append(f"bet {b.bet_id}: no balance recorded before it; cannot reconcile")
                continue
            diff = balance - before
            if diff == 0:
                reports.append(self._close(b, BetStatus.CANCELLED, t, "reconciled: the server never took it"))
            elif diff == -b.amount:
                reports.append(self._close(b, BetStatus.LOST, t, f"{SETTLED_IN_BALANCE}: lost"))
            elif diff == (PAYOUT_MULTIPLIER - 1) * b.amount:
                reports.append(
                    self._close(
                        b, BetStatus.WON, t, f"{SETTLED_IN_BALANCE}: won", payout=PAYOUT_MULTIPLIER * b.amount
                    )
                )
            else:
                self.problems.append(
                    f"bet {b.bet_id}: balance moved by {diff} lamports, which no outcome of a "
                    f"{b.amount}-lamport bet explains"
                )
        return reports

    def _close(
        self,
        b: _Open,
        status: BetStatus,
        t: float,
        message: str,
        *,
        payout: int = 0,
        start: int | None = None,
        end: int | None = None,
    ) -> BrokerReport:
        del self._open[b.bet_id]
        logger.info("bet {} reconciled as {}: {}", b.bet_id, status.value, message)
        return BrokerReport(
            b.bet_id, status, t, start_tick=start, end_tick=end, payout_lamports=payout, message=message
        )


def balance_lookup(store: object, coin: str) -> Callable[[float], int | None]:
    """The last server balance recorded in the event log at or before a time (for :class:`Reconciler`)."""
    from bot.store.rows import EventKind

    def before(t: float) -> int | None:
        last: int | None = None
        for ev in store.events(kinds=(EventKind.BALANCE,)):  # type: ignore[attr-defined]
            if ev.t <= t and ev.data.get("coin") == coin:
                last = int(ev.data["lamports"])
        return last

    return before
