"""The bankroll ledger: a fold over the database's append-only event log, in integer lamports.

Why a fold: the same code rebuilds the ledger after a restart and advances it live (``sync`` applies the
events the store just wrote), so the numbers the guards act on are exactly what the database can prove, and a
restart cannot forget today's losses or a loss streak.

Scope: events of every session with the same mode and coin, folded into one book per account
(bot/risk/book.py): the guards see the book of this session's account only. A paper account
(``paper:<profile>``) carries over between dry-run sessions of the same profile; a logged-in session learns its
account from the feed (``playerUpdate.id``) and shows the last account seen until then. Replay sessions do not
carry over (``carry_over=False``): a backtest is its own account. Global ``halt_cleared`` events (``rugsbot
resume``) reset every account's loss streak and drawdown peak. Events written before bets knew their account
belong to the ``legacy`` account, which no session is.

Per session (this session's events only): its P&L, bets, wins and losses. ``wins_total`` / ``losses_total`` and
the loss streak are the account's, over every session in scope (cumulative).

* ``bankroll`` – the server's balance when logged in (the truth), else ``expected_cash``.
* ``open_exposure`` – the stakes of the account's non-terminal bets: the most they can still lose.
* P&L is realised at settlement; the day of a settlement is the UTC day of its feed time.

Usage::

    ledger = Ledger.rebuild(store, session=sid, mode="DRY-RUN", coin=SOL_MINT, logged_in=False,
                            starting_bankroll_lamports=10**9, account="paper:default")
    ... store.insert_bet_intent(...); ledger.sync(store) ...
    ledger.view(game_id, now) -> LedgerView
"""

from __future__ import annotations

from bot.bets.model import LEGACY_ACCOUNT, TERMINAL, BetStatus, Evidence
from bot.engine.types import LedgerView
from bot.game.rules import WINDOW_TICKS
from bot.game.state import OwnSidebet
from bot.risk.book import HOUR_S, AccountBook, OpenBet, next_utc_midnight, utc_day
from bot.store.db import Store
from bot.store.rows import EventKind, EventRow

__all__ = ["HOUR_S", "Ledger", "OpenBet", "next_utc_midnight", "utc_day"]

_FOLDED = (EventKind.BET_INTENT, EventKind.BET_STATUS, EventKind.BALANCE, EventKind.HALT_CLEARED)
# A payout observed only in a balance already holds the credit (a bet not debited since the anchor).
_SEEN_IN_BALANCE = frozenset({Evidence.BALANCE_CHANGE.value, Evidence.SERVER_HISTORY.value})


class Ledger:
    def __init__(
        self,
        *,
        session: str,
        coin: str,
        logged_in: bool,
        starting_bankroll_lamports: int,
        sessions_in_scope: frozenset[str] = frozenset(),
        account: str | None = None,
    ) -> None:
        self.session = session
        self.coin = coin
        self.logged_in = logged_in
        self.starting_bankroll_lamports = starting_bankroll_lamports
        self._scope = sessions_in_scope | {session}
        self.last_seq = 0
        self._books: dict[str, AccountBook] = {}
        self._bet_account: dict[str, str] = {}  # bet_id -> account (status events need it)
        self._amounts: dict[str, tuple[int, str]] = {}  # bet_id -> (amount, game): settlements need them
        self.account: str | None = account  # this session's account, once known
        self._last_seen: str | None = None  # the account of the latest event in scope (shown until known)
        self.session_pnl = 0
        self.bets_this_session = 0  # intents written by this session (what strategies count)
        self.unplaced_this_session = 0  # of those, rejected by the server or cancelled before a click
        self.wins = 0  # this session's
        self.losses = 0
        self._none = self._new_book("")
        if account is not None:
            self.book(account)

    # ------------------------------------------------------------------ building
    @classmethod
    def rebuild(
        cls,
        store: Store,
        *,
        session: str,
        mode: str,
        coin: str,
        logged_in: bool,
        starting_bankroll_lamports: int,
        carry_over: bool = True,
        account: str | None = None,
    ) -> Ledger:
        """``carry_over=False``: this session's events only (replays: each backtest is its own account, even when
        several share a database file). ``account``: known from the start for paper accounts."""
        scope = frozenset(s.id for s in store.sessions(mode=mode, coin=coin)) if carry_over else frozenset()
        ledger = cls(
            session=session,
            coin=coin,
            logged_in=logged_in,
            starting_bankroll_lamports=starting_bankroll_lamports,
            sessions_in_scope=scope,
            account=account,
        )
        for ev in store.events(kinds=_FOLDED):
            ledger.apply(ev)
        return ledger

    def sync(self, store: Store) -> int:
        """Apply the events written since the last sync (this session's, and resumes). Returns how many."""
        n = 0
        for ev in store.events(kinds=_FOLDED, after_seq=self.last_seq):
            self.apply(ev)
            n += 1
        return n

    def use_account(self, account: str) -> None:
        """This session's account, as the feed told it (logged in) — from now on the guards see its book."""
        self.account = account
        self.book(account)

    def book(self, account: str) -> AccountBook:
        b = self._books.get(account)
        if b is None:
            b = self._books[account] = self._new_book(account)
        return b

    def _new_book(self, account: str) -> AccountBook:
        start = None if self.logged_in else self.starting_bankroll_lamports
        return AccountBook(account, expected_cash=start, peak_equity=start or 0)

    @property
    def _book(self) -> AccountBook:
        """The book the guards see: this session's account, or (not known yet) the last one seen."""
        acct = self.account or self._last_seen
        return self._books.get(acct, self._none) if acct is not None else self._none

    # ------------------------------------------------------------------ the fold
    def apply(self, ev: EventRow) -> None:
        """One step of the fold. Events outside the scope only advance the sequence number."""
        if ev.seq <= self.last_seq:
            return
        self.last_seq = ev.seq
        if ev.kind == EventKind.HALT_CLEARED:
            for b in self._books.values():
                b.on_resume()
            return
        if ev.session not in self._scope:
            return
        d = ev.data
        if ev.kind == EventKind.BET_INTENT:
            self._on_intent(ev)
        elif ev.kind == EventKind.BET_STATUS:
            self._on_status(ev)
        elif ev.kind == EventKind.BALANCE and self.logged_in and d.get("coin") == self.coin:
            acct = str(d.get("account") or LEGACY_ACCOUNT)
            self._last_seen = acct
            self.book(acct).on_balance(str(ev.session), int(d["lamports"]))
            self.book(acct).update_peak()

    def _on_intent(self, ev: EventRow) -> None:
        d = ev.data
        bet_id, amount, game = str(d["bet_id"]), int(d["amount_lamports"]), str(d["game"])
        acct = str(d.get("account") or LEGACY_ACCOUNT)
        self._amounts[bet_id] = (amount, game)
        self._bet_account[bet_id] = acct
        self._last_seen = acct
        book = self.book(acct)
        book.on_intent(
            OpenBet(
                bet_id,
                str(ev.session),
                game,
                amount,
                str(d.get("coin", self.coin)),
                BetStatus.INTENT,
                ev.t,
                ev.t,
                account=acct,
                mode=d.get("mode"),
            )
        )
        book.update_peak()
        if ev.session == self.session:
            self.bets_this_session += 1

    def _on_status(self, ev: EventRow) -> None:
        d = ev.data
        bet_id = str(d["bet_id"])
        status = BetStatus(d["status"])
        amount, game = self._amounts.get(bet_id, (int(d["amount_lamports"]), str(d.get("game", ""))))
        book = self.book(self._bet_account.get(bet_id, str(d.get("account") or LEGACY_ACCOUNT)))
        old = book.open.get(bet_id)
        if status not in TERMINAL:
            if old is not None:
                book.open[bet_id] = OpenBet(
                    old.bet_id,
                    old.session,
                    old.game,
                    old.amount_lamports,
                    old.coin,
                    status,
                    old.decided_t,
                    ev.t,
                    d.get("start_tick", old.start_tick),
                    d.get("end_tick", old.end_tick),
                    old.account,
                    old.mode,
                )
            return
        book.open.pop(bet_id, None)
        was_debited = bet_id in book.debited
        book.debited.discard(bet_id)
        if status in (BetStatus.REJECTED, BetStatus.CANCELLED):
            book.on_refund(bet_id, amount, game, was_debited)
            if old is not None and old.session == self.session:
                self.unplaced_this_session += 1
        else:
            payout = int(d.get("payout_lamports") or 0) if status is BetStatus.WON else 0
            in_balance = not was_debited and d.get("evidence") in _SEEN_IN_BALANCE
            pnl = payout - amount
            credit = 0 if in_balance else payout
            book.on_settled(won=status is BetStatus.WON, pnl=pnl, credit=credit, t=ev.t)
            if credit and self.logged_in and book.server_cash is not None:
                book.unseen_credit[bet_id] = credit  # until the next balance of the account shows it
            if ev.session == self.session:
                self.session_pnl += pnl
                if status is BetStatus.WON:
                    self.wins += 1
                else:
                    self.losses += 1
        book.settle_anchor()
        book.update_peak()

    # ------------------------------------------------------------------ queries (this session's account)
    @property
    def expected_cash(self) -> int | None:
        return self._book.expected_cash

    @property
    def server_cash(self) -> int | None:
        return self._book.server_cash

    @property
    def peak_equity(self) -> int:
        return self._book.peak_equity

    @property
    def realized_total(self) -> int:
        return self._book.realized_total

    @property
    def consecutive_losses(self) -> int:
        """The account's loss streak over every session in scope (cumulative, reset by a win or a resume)."""
        return self._book.consecutive_losses

    @property
    def last_loss_t(self) -> float | None:
        return self._book.last_loss_t

    @property
    def wins_total(self) -> int:
        return self._book.wins_total

    @property
    def losses_total(self) -> int:
        return self._book.losses_total

    @property
    def anchor_difference(self) -> int | None:
        """Server balance − our own books when this session anchored (a deposit, a withdrawal, a bet of
        another device); None before the anchor or with no earlier books."""
        b = self._book
        return b.anchor_difference if b.anchor_session == self.session else None

    @property
    def open_bets(self) -> list[OpenBet]:
        return list(self._book.open.values())

    def foreign_open_bets(self) -> list[OpenBet]:
        """Open bets of other accounts in scope: never settled, counted or blocking here."""
        mine = self._book.account
        return [b for acct, bk in self._books.items() if acct != mine for b in bk.open.values()]

    def expected_cash_of(self, account: str) -> int | None:
        b = self._books.get(account)
        return None if b is None else b.expected_cash

    @property
    def open_exposure(self) -> int:
        return sum(b.amount_lamports for b in self._book.open.values())

    @property
    def bankroll(self) -> int | None:
        """Cash available: the server's balance when logged in (None until it is known)."""
        if self.logged_in:
            return self._book.server_cash
        return self._book.expected_cash

    @property
    def equity(self) -> int | None:
        return self._book.equity

    @property
    def drawdown_lamports(self) -> int:
        eq = self.equity
        return 0 if eq is None else max(0, self.peak_equity - eq)

    @property
    def drawdown_pct(self) -> float:
        return 100.0 * self.drawdown_lamports / self.peak_equity if self.peak_equity > 0 else 0.0

    def day_pnl(self, now: float) -> int:
        return self._book.day_pnl.get(utc_day(now), 0)

    def bets_within(self, now: float, window_s: float = HOUR_S) -> list[float]:
        """Decision times of bets in ``(now - window_s, now]`` (rejected ones too: they were attempts)."""
        return self._book.bets_within(now, window_s)

    def staked_in_game(self, game_id: str | None) -> int:
        return 0 if game_id is None else self._book.staked_game.get(game_id, 0)

    def bets_in_game(self, game_id: str | None) -> int:
        """Bets of this account in a game, whatever their stake (rejected and cancelled ones not counted)."""
        return 0 if game_id is None else self._book.bets_game.get(game_id, 0)

    @property
    def balance_fresh(self) -> bool:
        """Logged in: this session is anchored on a balance of its own account (a restart must not bet on
        yesterday's number, nor before bets left open by an earlier session are explained)."""
        b = self._book
        return self.logged_in and self.account is not None and b.anchor_session == self.session

    @property
    def unseen_credit(self) -> int:
        """Payouts booked at settlement that no server balance has shown yet (lamports; logged in only)."""
        return sum(self._book.unseen_credit.values())

    def balance_difference(self) -> int | None:
        """server − expected (logged in, once both are known)."""
        b = self._book
        if not self.logged_in or b.server_cash is None or b.expected_cash is None:
            return None
        return b.server_cash - b.expected_cash

    def view(self, game_id: str | None, now: float) -> LedgerView:
        latest = max(self._book.open.values(), key=lambda b: b.decided_t, default=None)
        open_bet = None
        if latest is not None:
            start = latest.start_tick if latest.start_tick is not None else -1
            open_bet = OwnSidebet(
                game_id=latest.game,
                start_tick=start,
                end_tick=latest.end_tick if latest.end_tick is not None else start + WINDOW_TICKS,
                amount_lamports=latest.amount_lamports,
                coin=latest.coin,
                placed_t=latest.decided_t,
            )
        return LedgerView(
            bankroll_lamports=self.bankroll or 0,
            session_pnl_lamports=self.session_pnl,
            day_pnl_lamports=self.day_pnl(now),
            peak_bankroll_lamports=self.peak_equity,
            consecutive_losses=self.consecutive_losses,
            bets_this_session=self.bets_this_session,
            staked_this_game_lamports=self.staked_in_game(game_id),
            open_bet=open_bet,
            bets_this_game=self.bets_in_game(game_id),
        )
