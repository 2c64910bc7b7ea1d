"""The run's heartbeat: every ``[watchdog] heartbeat_s`` a timer task writes pid, host, session and time to the
database (bot/store/heartbeat.py), so ``status`` can tell a running bot from a crashed one.

Off the decision path: its own task, its own SQLite connection, each write in a worker thread (a busy database
waits there, never on the event loop that carries the frames). A failed beat is logged once and retried at the
next interval; it never stops the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from loguru import logger

from bot.store.db import Store


class Heartbeat:
    """``start()`` beats at once and then every ``interval_s``; ``stop()`` records a clean stop. ``counters()``:
    what the run counts, written with each beat."""

    def __init__(
        self,
        db_path: Path,
        session: str,
        interval_s: float,
        counters: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self.db_path = db_path
        self.session = session
        self.interval_s = interval_s
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.started = time.time()
        self.beats = 0
        self._store: Store | None = None
        self._task: asyncio.Task[None] | None = None
        self._failed = False
        self._counters = counters  # read on the event loop at each beat (cheap), written in the thread

    async def start(self) -> None:
        try:
            self._store = await asyncio.to_thread(Store.open, self.db_path)
        except Exception as exc:  # the run goes on; status will say it cannot tell
            logger.warning("no heartbeat: {}", exc)
            return
        await self._beat()
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self._beat()

    async def _beat(self) -> None:
        store = self._store
        if store is None:
            return
        try:
            counters = dict(self._counters()) if self._counters is not None else None
            await asyncio.to_thread(
                store.beat,
                pid=self.pid,
                host=self.host,
                session=self.session,
                started=self.started,
                t=time.time(),
                interval_s=self.interval_s,
                counters=counters,
            )
            self.beats += 1
            self._failed = False
        except Exception as exc:
            if not self._failed:  # once per outage, not every few seconds
                logger.warning("heartbeat not written: {}", exc)
            self._failed = True

    async def stop(self) -> None:
        """Cancel the timer and mark the run stopped (a crash never gets here: its heartbeat goes stale)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        store, self._store = self._store, None
        if store is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.to_thread(store.stop_heartbeat, pid=self.pid, t=time.time())
        with contextlib.suppress(Exception):
            store.close()
