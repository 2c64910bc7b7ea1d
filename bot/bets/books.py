"""The bet tracker's books: which bets it follows, whose they are, and the one gate every report passes.

Split from bot/bets/tracker.py (which reads the feed): registration of bets written ahead and adoption of bets
a stopped process left open, ownership, booking and once-only delivery of reports, and the broker's side of a
placement (submit, click, wait for the feed).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterable

from loguru import logger

from bot.bets.model import (
    LEGACY_ACCOUNT,
    TERMINAL,
    BetIntent,
    BetStatus,
    BrokerReport,
    Evidence,
    Owner,
    legal_transition,
)
from bot.bets.tracked import BetRowLike, TrackedBet
from bot.game.rules import Window
from bot.game.state import AccountView, OwnSidebet
from bot.mode import Mode

DONE_KEPT = 256  # settled bets remembered: stale frames and late reports must not match or move them


class TrackerBook:
    """Follows bets of one trading loop (``mode``, ``coin``; ``account`` once known: the loop keeps it in step
    with the governor). ``expected_cash(account)`` is the ledger's cash for an account, every open stake debited
    (the baseline of balance evidence)."""

    def __init__(
        self,
        *,
        mode: Mode,
        coin: str,
        account: str | None = None,
        expected_cash: Callable[[str], int | None] | None = None,
    ) -> None:
        self.mode = mode
        self.coin = coin
        self.account = account
        self._expected_cash = expected_cash
        self._bets: dict[str, TrackedBet] = {}
        self._done: OrderedDict[str, TrackedBet] = OrderedDict()
        self._rugs: dict[str, int] = {}  # proven rug ticks of games whose real bets wait for the next game
        self._acct: AccountView | None = None  # the latest playerUpdate of our account
        self.orphans: list[OwnSidebet] = []  # own bets the feed showed that no bet of ours explains
        self._problems: list[str] = []
        self._said: set[str] = set()

    # ------------------------------------------------------------------ knowing bets
    def register(self, intent: BetIntent, *, paper: bool | None = None) -> TrackedBet:
        """A bet written ahead by this process (idempotent; ``paper`` as the broker that places it says)."""
        b = self._bets.get(intent.bet_id) or self._done.get(intent.bet_id)
        if b is None:
            owner = Owner(intent.account or self.account, intent.mode or self.mode, intent.coin)
            b = TrackedBet(
                intent.bet_id,
                owner,
                intent.game_id,
                intent.amount_lamports,
                intent.decided_tick,
                intent.decided_t,
                BetStatus.INTENT,
                paper=not owner.mode.clicks if paper is None else paper,
                strategy=intent.strategy,
            )
            self._bets[b.bet_id] = b
        elif paper is not None:
            b.paper = paper
        return b

    def adopt(self, rows: Iterable[BetRowLike], *, session: str | None = None) -> None:
        """Open bets from the database this tracker does not follow yet (every account's: only this one's will
        ever be moved). A row of another session than ``session`` (this process's) was left open by a process
        that stopped; a row of this session was written outside the trading loop and is followed as ours."""
        for r in rows:
            if r.bet_id in self._bets or r.bet_id in self._done or BetStatus(r.status) in TERMINAL:
                continue
            mode = Mode.from_label(r.mode) if r.mode else None
            owner = Owner(r.account or LEGACY_ACCOUNT, mode or self.mode, r.coin)
            left_open = session is None or r.session != session
            self._bets[r.bet_id] = TrackedBet(
                r.bet_id,
                owner,
                r.game,
                r.amount_lamports,
                r.decided_tick,
                r.decided_t,
                BetStatus(r.status),
                paper=mode is not None and not mode.clicks,
                strategy=r.strategy,
                session=r.session,
                left_open=left_open,
                start_tick=r.start_tick,
                end_tick=r.end_tick,
            )
            if left_open:
                logger.warning(
                    "bet {} ({}, {} lamports on {}) of {} left open by an earlier process",
                    r.bet_id,
                    BetStatus(r.status).value,
                    r.amount_lamports,
                    r.game,
                    owner,
                )

    def get(self, bet_id: str) -> TrackedBet | None:
        return self._bets.get(bet_id) or self._done.get(bet_id)

    def knows(self, bet_id: str) -> bool:
        """Still open here (not settled or closed)."""
        return bet_id in self._bets

    def open_bets(self, *, mine: bool = True) -> list[TrackedBet]:
        return [b for b in self._bets.values() if not mine or self._mine(b)]

    def foreign(self) -> list[TrackedBet]:
        """Open bets of another account or mode: shown, never moved."""
        return [b for b in self._bets.values() if not self._mine(b)]

    @property
    def left_open(self) -> int:
        """Bets of any account a stopped process left open that are still open here."""
        return sum(1 for b in self._bets.values() if b.left_open)

    @property
    def unexplained(self) -> int:
        """Bets of this account left open by a stopped process or whose game ended unseen, still open."""
        return sum(1 for b in self._bets.values() if self._mine(b) and (b.left_open or b.stale))

    def take_problems(self) -> list[str]:
        out, self._problems = self._problems, []
        return out

    def _mine(self, b: TrackedBet) -> bool:
        """Ours to move: a bet this process wrote (unless the page logged in as someone else since), or one a
        stopped process left for this very account, mode and coin."""
        acct = b.owner.account
        if not b.left_open:
            return self.account is None or acct is None or acct == self.account
        return (
            acct == self.account
            and acct is not None
            and b.owner.mode is self.mode
            and b.owner.coin == self.coin
        )

    # ------------------------------------------------------------------ booking and delivery
    def book(self, report: BrokerReport) -> bool:
        """The loop's gate for every report: True when it is news (deliver it once), False when stale."""
        b = self.get(report.bet_id)
        if b is None:
            return True  # not a bet this tracker follows: the store decides
        if report in b.undelivered:
            b.undelivered.remove(report)
            return True
        if report.status is b.status:  # a repeat: news only if it tells the window for the first time
            adds = report.start_tick is not None and b.start_tick is None
            self._fill(b, report)
            return adds and b.status not in TERMINAL
        if b.status in TERMINAL or not legal_transition(b.status, report.status):
            logger.debug("stale report for {} ignored: {} after {}", b.bet_id, report.status, b.status)
            return False
        self._move(b, report)
        return True

    def _emit(self, b: TrackedBet, report: BrokerReport) -> BrokerReport:
        self._move(b, report)
        b.undelivered.append(report)
        return report

    def _move(self, b: TrackedBet, report: BrokerReport) -> None:
        b.status = report.status
        self._fill(b, report)
        if report.status in TERMINAL and b.bet_id in self._bets:
            del self._bets[b.bet_id]
            self._done[b.bet_id] = b
            while len(self._done) > DONE_KEPT:
                self._done.popitem(last=False)

    @staticmethod
    def _fill(b: TrackedBet, report: BrokerReport) -> None:
        if report.start_tick is not None:
            b.start_tick = report.start_tick
        if report.end_tick is not None:
            b.end_tick = report.end_tick

    def _close(
        self,
        b: TrackedBet,
        status: BetStatus,
        t: float,
        message: str,
        evidence: Evidence,
        payout: int = 0,
    ) -> BrokerReport:
        logger.info("bet {} {}: {}", b.bet_id, status.value, message)
        return self._emit(
            b,
            BrokerReport(
                b.bet_id,
                status,
                t,
                start_tick=b.start_tick,
                end_tick=b.end_tick,
                payout_lamports=payout,
                message=message,
                evidence=evidence,
            ),
        )

    # ------------------------------------------------------------------ the broker's side
    def begin_submit(self, intent: BetIntent, *, paper: bool) -> TrackedBet:
        b = self.register(intent, paper=paper)
        b.submitting = True
        return b

    def end_submit(self, report: BrokerReport) -> BrokerReport:
        """The broker's answer to submit(): booked unless the feed already moved the bet further."""
        b = self.get(report.bet_id)
        if b is None:
            return report
        b.submitting = False
        if report.status is b.status:
            b.undelivered.append(report)
            self._fill(b, report)
        elif b.status not in TERMINAL and legal_transition(b.status, report.status):
            self._emit(b, report)
        return report

    def page_lost(self) -> None:
        """The page that clicked is being reloaded or relaunched (it died, hung or went silent): a click it made may
        have sent its ``requestSidebet`` without the sniffer seeing it, so "no request was seen" is no longer
        evidence that the server never took the bet. Such bets are explained by the server's balance instead."""
        for b in self._bets.values():
            if not b.paper and b.sent_t is None and not b.window_known:  # a click may be under way or done
                b.unobserved = True

    def clicked(self, bet_id: str, t: float) -> None:
        b = self._bets.get(bet_id)
        if b is not None:
            b.clicked_t = t

    async def wait_placed(self, bet_id: str, timeout_s: float) -> TrackedBet | None:
        """Wait (at most ``timeout_s``) until the feed confirms or rejects a bet being submitted."""
        b = self._bets.get(bet_id) or self._done.get(bet_id)
        if b is None:
            return None
        if b.placed_t is None and b.rejection is None and b.open:
            b.placed_event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(b.placed_event.wait(), timeout=timeout_s)
            b.placed_event = None
        return b

    def landed(self, bet_id: str, window: Window, t: float, message: str) -> list[BrokerReport]:
        """A paper bet landed (the paper broker's latency rule)."""
        b = self._bets.get(bet_id)
        if b is None:
            return []
        b.start_tick, b.end_tick, b.placed_t = window.start_tick, window.end_tick, t
        report = BrokerReport(
            bet_id,
            BetStatus.CONFIRMED,
            t,
            start_tick=window.start_tick,
            end_tick=window.end_tick,
            latency_s=t - b.decided_t,
            message=message,
            evidence=Evidence.RULES,
        )
        return [self._emit(b, report)]

    def refused(self, bet_id: str, status: BetStatus, t: float, message: str) -> list[BrokerReport]:
        """A paper bet that could not land (its game ended first)."""
        b = self._bets.get(bet_id)
        return [] if b is None else [self._close(b, status, t, message, Evidence.RULES)]

    def _problem(self, text: str, key: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self._problems.append(text)
