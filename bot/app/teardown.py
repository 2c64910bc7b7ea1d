"""The end of a live run (bot/app/live.py): everything it opened is closed in reverse order, and what a failure
leaves behind is evidence, not debris.

Order, and why: the watchdog stops first (nothing is recovered during a stop); clicks in flight finish (bounded
by the confirmation timeout), so their reports reach the ledger; a halt saves a screenshot and the Playwright
trace while the page still exists; no frame reaches the loop once it starts closing; the session row is closed
with the summary; the engine's memory is saved and the run-end alert queued while the database is open; then
the recording, the browser, the database and the target (a simulator started here, a throw-away browser
profile); the alerts get their bounded drain last. A run that failed before it was ready keeps no recording:
it holds nothing anyone could audit.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from loguru import logger

from bot.app.screen import summary_of
from bot.exitcodes import EXIT_HALTED

OPERATOR_SOURCES = (
    "cli:",
    "console:",
)  # halt rows written by `rugsbot halt` / the console (bot/commands/halt.py)

if TYPE_CHECKING:
    from bot.app.live import LiveRun


async def save_failure(run: LiveRun, label: str) -> None:
    """A screenshot and the Playwright trace next to the logs (``label``: ``halt`` or ``error``)."""
    if run.browser is None:
        return
    saved = await run.browser.save_failure(run.settings.log_dir, label)
    for p in saved:
        logger.error("failure evidence saved: {p}", p=p)


def _by_operator(run: LiveRun) -> bool:
    """The halt was an operator's decision (``rugsbot halt``, the console's halt): no fault, so no failure
    evidence. The first active halt row tells (a fault's halt written earlier stays the cause)."""
    try:
        row = run.store.active_halt() if run.store is not None else None
    except Exception:  # cannot tell: keep the evidence
        return False
    return row is not None and row.source.startswith(OPERATOR_SOURCES)


async def shutdown(run: LiveRun) -> None:
    """Close everything ``run`` opened; each step runs even when an earlier one failed."""
    try:
        run.closing = True  # from now on the browser closes because we close it, not because it crashed
        if run.recovery is not None:
            await run.recovery.stop()
        if run.driver is not None:
            await run.driver.drain(run.profile.timing.confirm_timeout_s + 2)
        if run.halt_reason and run.browser is not None and run.code == EXIT_HALTED and not _by_operator(run):
            await save_failure(run, "halt")
        if run.driver is not None:
            run.driver.close()
        if run.loop is not None and run.parts is not None:
            run.summary = summary_of(run)
        if run.parts is not None:
            with contextlib.suppress(Exception):
                run.parts.close(time.time())
        if run.recovery is not None:
            await run.recovery.close()  # its lines in the session summary; the heartbeat says "stopped"
        with contextlib.suppress(Exception):  # engine memory saved; the run-end alert queued
            run.ops.finish(run.reason, run.code, run.summary, time.time())
        if run.recorder is not None:
            with contextlib.suppress(Exception):
                run.recorder.close()
            if run.error is not None and not run.ready:
                for path in run.recorder.paths:
                    path.unlink(missing_ok=True)
        if run.browser is not None:
            await run.browser.close()
        await run.console.stop()  # its audit rows go through the store
        if run.store is not None:
            with contextlib.suppress(Exception):
                run.store.close()
        if run.target is not None:
            run.target.close()
    finally:
        run.ops.stop()  # last, whatever failed above: the alerts queued get their bounded drain
