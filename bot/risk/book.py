"""One account's books: the money the ledger folds per account (bot/risk/ledger.py).

Money lives in accounts, so everything a guard compares with an account's balance is kept per account: cash,
open bets and their stakes, the drawdown peak, today's P&L, the loss streak, bets per game and per hour. A bet
of another account never moves these numbers and never blocks this account's bets.

Cash (protocol.md: the stake is debited at placement, a win credits 5x):

* ``expected_cash`` – what the balance should be by our own accounting: the starting bankroll (paper) or the
  server's balance at the session's anchor (logged in), minus every stake from its write-ahead intent on, plus
  payouts; a rejected / cancelled bet is refunded only if its stake was taken after the anchor.
* ``unseen_credit`` – payouts of won bets added to ``expected_cash`` at their settlement that no server balance
  has shown yet: at the rug the result comes first and the credited ``playerUpdate`` after it (bot/sim/game.py
  sends them in that order; the real site's balance follows in the burst after the rug's silence). The next
  server balance of the account clears them (bot/risk/guards/bets.py judges what is left).
* The **anchor** is the first server balance of a session. While the account still has open bets from an
  earlier session, the anchor waits: their stakes are in ``expected_cash`` and their outcomes are not known, so
  the server's number cannot replace our own yet (the bet tracker explains them from exactly that difference);
  once they are explained the session is anchored on the books as they stand.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.bets.model import BetStatus

DAY_S = 86_400.0
HOUR_S = 3_600.0


def utc_day(t: float) -> int:
    """Days since the epoch (UTC) of a feed time: the key of the daily loss limit."""
    return int(t // DAY_S)


def next_utc_midnight(t: float) -> float:
    return (utc_day(t) + 1) * DAY_S


@dataclass(frozen=True, slots=True)
class OpenBet:
    bet_id: str
    session: str
    game: str
    amount_lamports: int
    coin: str
    status: BetStatus
    decided_t: float
    updated_t: float
    start_tick: int | None = None
    end_tick: int | None = None
    account: str | None = None
    mode: str | None = None


@dataclass(slots=True)
class AccountBook:
    account: str
    expected_cash: int | None
    peak_equity: int = 0
    server_cash: int | None = None
    anchor_session: str | None = None  # the session whose first balance (or explained restart) anchored cash
    balance_session: str | None = None  # the session of the latest server balance
    anchor_difference: int | None = None  # server − our own books at the last anchor (logged, not a loss)
    debited: set[str] = field(default_factory=set)
    unseen_credit: dict[str, int] = field(default_factory=dict)  # bet_id -> payout booked, in no balance yet
    open: dict[str, OpenBet] = field(default_factory=dict)
    realized_total: int = 0
    wins_total: int = 0
    losses_total: int = 0
    consecutive_losses: int = 0
    last_loss_t: float | None = None
    day_pnl: dict[int, int] = field(default_factory=dict)
    bet_times: deque[float] = field(default_factory=deque)
    staked_game: dict[str, int] = field(default_factory=dict)
    bets_game: dict[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------------ cash
    @property
    def equity(self) -> int | None:
        """Cash plus the stakes of open bets (cash before outcomes are known): the drawdown peak is kept on it."""
        if self.expected_cash is None:
            return None
        return self.expected_cash + sum(self.open[b].amount_lamports for b in self.debited if b in self.open)

    def update_peak(self) -> None:
        eq = self.equity
        if eq is not None and eq > self.peak_equity:
            self.peak_equity = eq

    def earlier_open(self, session: str) -> list[OpenBet]:
        """Open bets written by another (earlier) session: their outcome may already be in a new balance."""
        return [b for b in self.open.values() if b.session != session]

    def on_balance(self, session: str, lamports: int) -> None:
        """A server balance of this account. The first one of a session anchors, unless bets of an earlier
        session are still open (then :meth:`settle_anchor` anchors once they are explained)."""
        self.server_cash = lamports
        self.balance_session = session
        self.unseen_credit.clear()  # a new balance shows the payouts the server credited; the guard judges the rest
        if self.anchor_session == session or self.earlier_open(session):
            return
        old = self.expected_cash
        self.anchor_session = session
        self.anchor_difference = None if old is None else lamports - old
        self.expected_cash = lamports
        self.debited.clear()
        self.peak_equity = self.equity or lamports

    def settle_anchor(self) -> None:
        """The last open bet of an earlier session was explained: anchor the current session on our books, which
        now hold that bet's outcome exactly as the server's balance does."""
        s = self.balance_session
        if s is not None and self.anchor_session != s and not self.earlier_open(s):
            self.anchor_session = s
            self.anchor_difference = (
                None
                if self.server_cash is None or self.expected_cash is None
                else self.server_cash - self.expected_cash
            )

    # ------------------------------------------------------------------ bets
    def on_intent(self, bet: OpenBet) -> None:
        self.open[bet.bet_id] = bet
        if self.expected_cash is not None:
            self.expected_cash -= bet.amount_lamports
            self.debited.add(bet.bet_id)
        self.staked_game[bet.game] = self.staked_game.get(bet.game, 0) + bet.amount_lamports
        self.bets_game[bet.game] = self.bets_game.get(bet.game, 0) + 1
        self.bet_times.append(bet.decided_t)

    def on_refund(self, bet_id: str, amount: int, game: str, was_debited: bool) -> None:
        """Rejected or cancelled: the server never took it; it does not count as a bet of its game."""
        if was_debited and self.expected_cash is not None:
            self.expected_cash += amount
        self.staked_game[game] = max(0, self.staked_game.get(game, 0) - amount)
        self.bets_game[game] = max(0, self.bets_game.get(game, 0) - 1)

    def on_settled(self, *, won: bool, pnl: int, credit: int, t: float) -> None:
        if self.expected_cash is not None:
            self.expected_cash += credit
        self.realized_total += pnl
        day = utc_day(t)
        self.day_pnl[day] = self.day_pnl.get(day, 0) + pnl
        if won:
            self.wins_total += 1
            self.consecutive_losses = 0
        else:
            self.losses_total += 1
            self.consecutive_losses += 1
            self.last_loss_t = t

    def on_resume(self) -> None:
        """``rugsbot resume``: the operator has looked at the streak and the drawdown."""
        self.consecutive_losses = 0
        eq = self.equity
        if eq is not None:
            self.peak_equity = eq

    def bets_within(self, now: float, window_s: float) -> list[float]:
        while self.bet_times and self.bet_times[0] <= now - window_s - HOUR_S:
            self.bet_times.popleft()  # older than any window we are asked about
        return [t for t in self.bet_times if now - window_s < t <= now]
