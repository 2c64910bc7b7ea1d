"""The bankroll ledger: a fold over the database's append-only event log, in integer lamports.

Why a fold: the same code rebuilds the ledger after a restart and advances it live (``sync`` applies the
events the store just wrote), so the numbers the guards act on are exactly what the database can prove, and a
restart cannot forget today's losses or a loss streak.

Scope: events of every session with the same mode and coin (a paper account carries over between dry-run
sessions; the daily loss limit, the loss streak and the drawdown peak survive restarts), plus global
``halt_cleared`` events (``rugsbot resume`` resets the loss streak and the drawdown peak: the operator has looked
at them). Replay sessions do not carry over (``carry_over=False``): a backtest is its own account.

Money model (protocol.md: the stake is debited at placement, a win credits 5x):

* ``expected_cash`` – what the cash balance should be by our own accounting: the profile's starting bankroll
  (dry-run) or the server's balance at the first ``balance`` event of the session (logged in, the anchor),
  minus every stake from its write-ahead intent on, plus payouts; a rejected / cancelled bet is refunded only
  if its stake was taken after the anchor.
* ``bankroll`` – the server's balance when logged in (the truth), else ``expected_cash``.
* ``equity`` – ``expected_cash`` plus the stakes of open bets (cash before outcomes are known): the drawdown
  peak is tracked on it, so an in-flight stake is not mistaken for a loss.
* ``open_exposure`` – the stakes of non-terminal bets: the most they can still lose. Loss budgets subtract it.
* P&L is realised at settlement; the day of a settlement is the UTC day of its feed time.

Usage::

    ledger = Ledger.rebuild(store, session=sid, mode="DRY-RUN", coin=SOL_MINT, logged_in=False,
                            starting_bankroll_lamports=10**9)
    ... store.insert_bet_intent(...); ledger.sync(store) ...
    ledger.view(game_id, now) -> LedgerView
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from bot.bets.model import TERMINAL, BetStatus
from bot.bets.reconcile import SETTLED_IN_BALANCE
from bot.engine.types import LedgerView
from bot.game.rules import WINDOW_TICKS
from bot.game.state import OwnSidebet
from bot.store.db import Store
from bot.store.rows import EventKind, EventRow

DAY_S = 86_400.0
HOUR_S = 3_600.0
_FOLDED = (EventKind.BET_INTENT, EventKind.BET_STATUS, EventKind.BALANCE, EventKind.HALT_CLEARED)


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


class Ledger:
    def __init__(
        self,
        *,
        session: str,
        coin: str,
        logged_in: bool,
        starting_bankroll_lamports: int,
        sessions_in_scope: frozenset[str] = frozenset(),
    ) -> None:
        self.session = session
        self.coin = coin
        self.logged_in = logged_in
        self.starting_bankroll_lamports = starting_bankroll_lamports
        self._scope = sessions_in_scope | {session}
        self.last_seq = 0
        self.expected_cash: int | None = None if logged_in else starting_bankroll_lamports
        self.server_cash: int | None = None
        self._anchor_session: str | None = None
        self._debited: set[str] = set()
        self._open: dict[str, OpenBet] = {}
        self._amounts: dict[str, tuple[int, str]] = {}  # bet_id -> (amount, game): settlements need them
        self.realized_total = 0
        self.session_pnl = 0
        self._day_pnl: dict[int, int] = {}
        self.peak_equity: int = 0 if logged_in else starting_bankroll_lamports
        self.consecutive_losses = 0
        self.last_loss_t: float | None = None
        self.bets_this_session = 0
        self.wins = 0
        self.losses = 0
        self._bet_times: deque[float] = deque()
        self._staked_game: dict[str, int] = {}

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
    ) -> Ledger:
        """``carry_over=False``: this session's events only (replays: each backtest is its own account, even when
        several share a database file)."""
        scope = frozenset(s.id for s in store.sessions(mode=mode, coin=coin)) if carry_over else frozenset()
        ledger = cls(
            session=session,
            coin=coin,
            logged_in=logged_in,
            starting_bankroll_lamports=starting_bankroll_lamports,
            sessions_in_scope=scope,
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

    def apply(self, ev: EventRow) -> None:
        """One step of the fold. Events outside the scope only advance the sequence number."""
        if ev.seq <= self.last_seq:
            return
        self.last_seq = ev.seq
        if ev.kind == EventKind.HALT_CLEARED:
            self.consecutive_losses = 0
            eq = self.equity
            if eq is not None:
                self.peak_equity = eq
            return
        if ev.session not in self._scope:
            return
        d = ev.data
        if ev.kind == EventKind.BET_INTENT:
            self._on_intent(ev)
        elif ev.kind == EventKind.BET_STATUS:
            self._on_status(ev)
        elif ev.kind == EventKind.BALANCE and self.logged_in and d.get("coin") == self.coin:
            lamports = int(d["lamports"])
            self.server_cash = lamports
            if self._anchor_session != ev.session:
                # First balance of a session: the server's number is the truth; earlier in-flight stakes are in it.
                self._anchor_session = ev.session
                self.expected_cash = lamports
                self._debited.clear()
                self.peak_equity = self.equity or lamports
        self._update_peak()

    def _on_intent(self, ev: EventRow) -> None:
        d = ev.data
        bet_id, amount, game = str(d["bet_id"]), int(d["amount_lamports"]), str(d["game"])
        self._amounts[bet_id] = (amount, game)
        self._open[bet_id] = OpenBet(
            bet_id, str(ev.session), game, amount, str(d.get("coin", self.coin)), BetStatus.INTENT, ev.t, ev.t
        )
        if self.expected_cash is not None:
            self.expected_cash -= amount
            self._debited.add(bet_id)
        self._staked_game[game] = self._staked_game.get(game, 0) + amount
        self._bet_times.append(ev.t)
        if ev.session == self.session:
            self.bets_this_session += 1

    def _on_status(self, ev: EventRow) -> None:
        d = ev.data
        bet_id = str(d["bet_id"])
        status = BetStatus(d["status"])
        amount, game = self._amounts.get(bet_id, (int(d["amount_lamports"]), str(d.get("game", ""))))
        old = self._open.get(bet_id)
        if status not in TERMINAL:
            if old is not None:
                self._open[bet_id] = OpenBet(
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
                )
            return
        self._open.pop(bet_id, None)
        was_debited = bet_id in self._debited
        self._debited.discard(bet_id)
        if status in (BetStatus.REJECTED, BetStatus.CANCELLED):
            if was_debited and self.expected_cash is not None:
                self.expected_cash += amount
            self._staked_game[game] = max(0, self._staked_game.get(game, 0) - amount)
            return
        payout = int(d.get("payout_lamports") or 0) if status is BetStatus.WON else 0
        # A bet a dead process left open and that the restart explained from the server's balance was settled
        # before that balance was taken: the anchor already holds its payout (bot/bets/reconcile.py).
        in_anchor = not was_debited and str(d.get("message") or "").startswith(SETTLED_IN_BALANCE)
        if self.expected_cash is not None and not in_anchor:
            self.expected_cash += payout
        pnl = payout - amount
        self.realized_total += pnl
        if ev.session == self.session:
            self.session_pnl += pnl
        day = utc_day(ev.t)
        self._day_pnl[day] = self._day_pnl.get(day, 0) + pnl
        if status is BetStatus.WON:
            self.wins += 1
            self.consecutive_losses = 0
        else:
            self.losses += 1
            self.consecutive_losses += 1
            self.last_loss_t = ev.t

    def _update_peak(self) -> None:
        eq = self.equity
        if eq is not None and eq > self.peak_equity:
            self.peak_equity = eq

    # ------------------------------------------------------------------ queries
    @property
    def open_bets(self) -> list[OpenBet]:
        return list(self._open.values())

    @property
    def open_exposure(self) -> int:
        return sum(b.amount_lamports for b in self._open.values())

    @property
    def bankroll(self) -> int | None:
        """Cash available: the server's balance when logged in (None until it is known)."""
        if self.logged_in:
            return self.server_cash
        return self.expected_cash

    @property
    def equity(self) -> int | None:
        if self.expected_cash is None:
            return None
        return self.expected_cash + sum(
            self._open[b].amount_lamports for b in self._debited if b in self._open
        )

    @property
    def drawdown_lamports(self) -> int:
        eq = self.equity
        return 0 if eq is None else max(0, self.peak_equity - eq)

    @property
    def drawdown_pct(self) -> float:
        return 100.0 * self.drawdown_lamports / self.peak_equity if self.peak_equity > 0 else 0.0

    def day_pnl(self, now: float) -> int:
        return self._day_pnl.get(utc_day(now), 0)

    def bets_within(self, now: float, window_s: float = HOUR_S) -> list[float]:
        """Decision times of bets in ``(now - window_s, now]`` (rejected ones too: they were attempts)."""
        while self._bet_times and self._bet_times[0] <= now - window_s - HOUR_S:
            self._bet_times.popleft()  # older than any window we are asked about
        return [t for t in self._bet_times if now - window_s < t <= now]

    def staked_in_game(self, game_id: str | None) -> int:
        return 0 if game_id is None else self._staked_game.get(game_id, 0)

    @property
    def balance_fresh(self) -> bool:
        """Logged in: a balance has been seen in *this* session (a restart must not bet on yesterday's number)."""
        return self.logged_in and self._anchor_session == self.session

    def balance_difference(self) -> int | None:
        """server − expected (logged in, once both are known)."""
        if not self.logged_in or self.server_cash is None or self.expected_cash is None:
            return None
        return self.server_cash - self.expected_cash

    def view(self, game_id: str | None, now: float) -> LedgerView:
        latest = max(self._open.values(), key=lambda b: b.decided_t, default=None)
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
        )
