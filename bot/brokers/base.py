"""The broker contract and its template: the one seam where modes differ (paper bets in dry-run and replay,
clicks in practice and live).

The trading loop hands a broker a :class:`~bot.bets.model.BetIntent` *after* the intent row is committed
(write-ahead). A broker never retries a placement: one decision, at most one click. Outcomes come back as
:class:`~bot.bets.model.BrokerReport` values the loop applies to the ledger and the database. The run and the
assembly use only this contract: no ``hasattr``/``getattr`` on a broker anywhere.

The template (:class:`Broker`) does everything but the placement: it registers the bet with the bet tracker
(bot/bets/tracker.py) before anything can happen to it, books the broker's answer there, turns a failure
inside a placement into an ``unknown`` bet (a click may have happened) and routes the feed to the tracker,
which owns confirmation, settlement and reconciliation. A concrete broker writes only :meth:`Broker._place`
(how it places one bet) and, if placing needs the feed, :meth:`Broker._on_feed`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from loguru import logger

from bot.bets.model import BetIntent, BetStatus, BrokerReport, Evidence
from bot.bets.tracker import BetTracker
from bot.game.signals import Signal
from bot.game.state import GameView
from bot.mode import Mode


@dataclass(frozen=True, slots=True)
class BrokerStats:
    """What a broker did, for the screen, the summary and the metrics.

    ``clicks``: clicks made since start (a paper broker makes none). ``confirm_latency_s``: click → confirmation
    of the most recent clicks, seconds, oldest first (bounded: a multi-day run keeps the last few thousand)."""

    clicks: int = 0
    confirm_latency_s: tuple[float, ...] = ()


class Broker(ABC):
    """``mode``: the mode the broker places bets in; ``paper``: its bets are settled by the rules (no server).

    ``tracker``: the bet tracker it books into; a broker used on its own gets one, a trading loop attaches its
    own (:meth:`attach`) so that every bet of the loop has one owner."""

    paper: bool = False

    def __init__(self, mode: Mode, coin: str, tracker: BetTracker | None = None) -> None:
        self.mode = mode
        self.tracker = tracker if tracker is not None else BetTracker(mode=mode, coin=coin)

    def attach(self, tracker: BetTracker) -> None:
        """Book into the trading loop's tracker from now on (before the first bet)."""
        self.tracker = tracker

    # ------------------------------------------------------------------ the contract
    @property
    @abstractmethod
    def armed(self) -> bool:
        """True when :meth:`submit` may place a bet now (controls verified, not halted)."""

    @abstractmethod
    async def arm(self) -> None:
        """Make ready to place bets (verify the page's controls); raises ``ControlMissing`` when it cannot."""

    @abstractmethod
    def halt(self, reason: str) -> None:
        """Disarm for good: no placement after a halt, whatever happens next."""

    @abstractmethod
    def stats(self) -> BrokerStats:
        """Click counts and latencies so far."""

    async def submit(self, intent: BetIntent) -> BrokerReport:
        """Place the bet once. Returns CLICKED/CONFIRMED/REJECTED/UNKNOWN/CANCELLED; never re-clicks, never raises."""
        self._begin(intent)
        try:
            report = await self._place(intent)
        except Exception as exc:  # a placement that failed half-way may have clicked: the feed must tell
            logger.exception("broker failed placing {}", intent.bet_id)
            report = BrokerReport(
                intent.bet_id,
                BetStatus.UNKNOWN,
                time.time(),
                message=f"broker error: {type(exc).__name__}: {exc}",
                evidence=Evidence.TIMEOUT,
            )
        return self._end(report)

    def on_signal(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        """Feed-driven progress of bets: the broker's own placing first, then confirmations, settlements and
        reconciliations by the tracker."""
        return self._on_feed(signal, game) + self.tracker.on_signal(signal, game)

    # ------------------------------------------------------------------ the template's steps
    def _begin(self, intent: BetIntent) -> None:
        self.tracker.begin_submit(intent, paper=self.paper)

    def _end(self, report: BrokerReport) -> BrokerReport:
        return self.tracker.end_submit(report)

    @abstractmethod
    async def _place(self, intent: BetIntent) -> BrokerReport:
        """How this broker places one bet (at most one click). The tracker already knows the bet."""

    def _on_feed(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        """Feed the placing itself needs (a paper bet's landing, the page's view of the game)."""
        return []
