"""The live frame path: a :class:`~bot.app.loop.TradingLoop` driven by frames that arrive on the running event
loop (the sniffer's callback), with the broker's work on tasks of its own.

Why tasks: ``on_frame`` must return at once (the next frame may be the one that confirms the click), so an
intent's ``broker.submit`` runs on its own task and its report comes back through ``TradingLoop.apply``. The
audit of history frames (``TradingLoop.idle``) runs once per burst of frames, after them, never between a
frame and its decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot.app.loop import TradingLoop
from bot.bets.model import BetIntent
from bot.brokers.base import Broker


class FrameObserver(Protocol):
    """Watches the frame path without taking part in it (the operator console, bot/app/console_source.py).
    ``frame(t0)``: after each frame, ``t0`` the ``perf_counter()`` when it reached the loop; increments only.
    ``idle()``: after each burst, with the loop's own off-path work."""

    def frame(self, t0: float) -> None: ...
    def idle(self) -> None: ...


class FrameDriver:
    """Feeds frames to ``loop`` and hands its intents to ``broker``. ``after_idle()`` runs after each burst's
    off-path work (the run checks halts and its stop conditions there)."""

    def __init__(
        self,
        loop: TradingLoop,
        broker: Broker,
        *,
        after_idle: Callable[[], None],
        observer: FrameObserver | None = None,
    ) -> None:
        self.loop = loop
        self.broker = broker
        self._after_idle = after_idle
        self._observer = observer
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle_scheduled = False
        self._closed = False
        self.clicks_in_flight = 0  # submits not yet returned: the watchdog never reloads under one

    def on_frame(self, t: float, direction: str, text: str) -> None:
        """One frame (``t``: receive time, seconds): decide, and place an intent on a task of its own."""
        if self._closed:
            return
        t0 = time.perf_counter()
        intent = self.loop.on_frame(t, direction, text)
        if self._observer is not None:
            self._observer.frame(t0)
        if intent is not None:
            self.spawn(self._place(intent))
        if not self._idle_scheduled:
            self._idle_scheduled = True
            asyncio.get_running_loop().call_soon(self._idle)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` on a task that :meth:`drain` waits for."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout_s: float) -> None:
        """Wait (at most ``timeout_s``) for the clicks in flight and every other spawned task."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)

    def close(self) -> None:
        """No frame reaches the loop from now on; the pending off-path work is done once more."""
        self._closed = True
        with contextlib.suppress(Exception):
            self.loop.idle()

    def _idle(self) -> None:
        self._idle_scheduled = False
        with contextlib.suppress(Exception):
            self.loop.idle()
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.idle()
        self._after_idle()

    async def _place(self, intent: BetIntent) -> None:
        self.clicks_in_flight += 1
        try:
            # the broker template never raises: a placement that failed half-way comes back as UNKNOWN
            report = await self.broker.submit(intent)
        finally:
            self.clicks_in_flight -= 1
        self.loop.apply(report)
