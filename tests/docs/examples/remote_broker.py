# bot/brokers/remote.py
"""A broker that places each bet through a remote clicker: whatever presses the side-bet button (another
machine's browser, a device), reached through one awaitable call.

What the template (bot/brokers/base.py) asks of a broker, and how this one answers it:

* ``_place`` makes at most one click and never retries. A click that raised may still have landed: it is not
  repeated, and the feed decides (UNKNOWN after the timeout; the bet tracker reconciles it from the server).
* A bet that certainly was not clicked (not armed, halted) is CANCELLED with ``Evidence.NOT_CLICKED``.
* Confirmation and settlement belong to the bet tracker (bot/bets/tracker.py): ``_place`` waits for the feed's
  confirmation through ``tracker.wait_placed`` and reports what it says; it never reads own-bet events itself.
* Everything else (registering the bet before the click, booking the answer, turning an exception into an
  UNKNOWN bet, routing the feed to the tracker) is the template's.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from loguru import logger

from bot.bets.model import BetIntent, BetStatus, BrokerReport, Evidence
from bot.brokers.base import Broker, BrokerStats
from bot.mode import Mode

Clicker = Callable[[BetIntent], Awaitable[None]]
"""Presses the side-bet button once for this intent (the amount set to ``intent.amount_lamports``)."""


class RemoteClickBroker(Broker):
    """Practice or live bets through ``click``. ``confirm_timeout_s``: how long the feed may take to show the bet;
    ``clock``: seconds, the clock the feed's receive times are on (the wall clock live)."""

    def __init__(
        self,
        mode: Mode,
        click: Clicker,
        *,
        confirm_timeout_s: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(mode, mode.coin)
        self._click = click
        self.confirm_timeout_s = confirm_timeout_s
        self._clock = clock
        self._armed = False
        self.halt_reason: str | None = None
        self._clicks = 0
        self._latencies: list[float] = []

    @property
    def armed(self) -> bool:
        return self._armed and self.halt_reason is None

    async def arm(self) -> None:
        self._armed = True  # a real broker verifies here that it can click (raises ControlMissing if not)

    def halt(self, reason: str) -> None:
        self.halt_reason = self.halt_reason or reason

    def stats(self) -> BrokerStats:
        return BrokerStats(clicks=self._clicks, confirm_latency_s=tuple(self._latencies[-1000:]))

    async def _place(self, intent: BetIntent) -> BrokerReport:
        if not self.armed:
            why = f"not armed: {self.halt_reason or 'arm() was not called'}"
            return BrokerReport(
                intent.bet_id, BetStatus.CANCELLED, self._clock(), message=why, evidence=Evidence.NOT_CLICKED
            )
        clicked_t = self._clock()
        self.tracker.clicked(intent.bet_id, clicked_t)  # from here on the click may have landed
        self._clicks += 1
        try:
            await self._click(intent)
        except Exception as exc:  # never click again: the feed tells whether this one landed
            logger.warning("remote click for {} raised {}", intent.bet_id, type(exc).__name__)
        bet = await self.tracker.wait_placed(intent.bet_id, self.confirm_timeout_s)
        if bet is not None and bet.placed_t is not None:
            latency = max(0.0, bet.placed_t - clicked_t)
            self._latencies.append(latency)
            return BrokerReport(
                intent.bet_id,
                BetStatus.CONFIRMED,
                bet.placed_t,
                start_tick=bet.start_tick,
                end_tick=bet.end_tick,
                latency_s=latency,
                message="confirmed by the feed",
                evidence=Evidence.SERVER_ACTIVE,
            )
        if bet is not None and bet.rejection is not None:
            return BrokerReport(
                intent.bet_id,
                BetStatus.REJECTED,
                self._clock(),
                message=bet.rejection,
                evidence=Evidence.SERVER_REJECTED,
            )
        return BrokerReport(
            intent.bet_id,
            BetStatus.UNKNOWN,
            self._clock(),
            message=f"no confirmation within {self.confirm_timeout_s:g} s",
            evidence=Evidence.TIMEOUT,
        )
