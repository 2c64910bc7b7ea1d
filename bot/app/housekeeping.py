"""The live run's once-a-second chores while it waits for its stop (bot/app/live.py ``_wait``).

Why a timer and not the frame path: each of these must happen during a silence too, when no frame comes.

* the governor's time-based guards (feed silence) are re-run on the wall clock;
* the run's operator side looks at the governor's level: halt and pause alerts (bot/app/ops_hooks.py);
* a broker that lost its arming because the page navigated by itself (not a watchdog recovery) is re-armed:
  log in again and verify every control (bot/app/login.py); a missing control or a signing request halts,
  unless the page died meanwhile (then the watchdog relaunches the browser);
* the Playwright trace is rotated every minute, so a failure's trace holds its last minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.app.login import alarm_kind
from bot.browser.errors import HaltRequired

if TYPE_CHECKING:
    from bot.app.live import LiveRun

ROTATE_TRACE_S = 60.0


class Housekeeping:
    """``halt(reason, kind)`` and ``stopping()`` are the run's own."""

    def __init__(
        self, run: LiveRun, *, halt: Callable[[str, str], None], stopping: Callable[[], bool]
    ) -> None:
        self.run = run
        self._halt = halt
        self._stopping = stopping
        self._rearming = False
        self._last_rotate = time.time()

    async def every_second(self) -> None:
        run, now = self.run, time.time()
        if run.parts is not None:
            run.parts.governor.tick(run.parts.tracker.view, now)
        run.ops.poll(now, armed=run.ready)
        if self._rearm_due() and run.driver is not None:
            run.driver.spawn(self._rearm())
        if now - self._last_rotate > ROTATE_TRACE_S and run.browser is not None:
            self._last_rotate = now
            await run.browser.rotate_trace()

    def _rearm_due(self) -> bool:
        run = self.run
        return (
            run.driver is not None
            and run.mode.clicks
            and not run.driver.broker.armed
            and run.halt_reason is None
            and not self._rearming
            and not (run.recovery is not None and run.recovery.busy)
            and not self._stopping()
        )

    async def _rearm(self) -> None:
        run = self.run
        if run.login is None or run.page is None or run.broker is None or run.parts is None:
            return
        self._rearming, page = True, run.page
        try:
            await run.login.rearm(page, run.broker, run.parts.gate)
        except HaltRequired as exc:
            if not page.is_closed():
                self._halt(exc.reason, alarm_kind(exc))
        finally:
            self._rearming = False
