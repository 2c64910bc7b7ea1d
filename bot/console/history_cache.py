"""The history query (bot/report/history.py) for the console: off the event loop, and not more than once per
``ttl_s`` however often pages ask (a full scan of the bets table must never delay a frame)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.report.history import History, load_history


class HistoryCache:
    def __init__(self, db_path: Path, *, ttl_s: float = 10.0) -> None:
        self.db_path = db_path
        self.ttl_s = ttl_s
        self._value: History | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> History:
        """Raises what :func:`load_history` raises (sqlite3.Error for a broken file)."""
        async with self._lock:  # concurrent requests share one query
            if self._value is None or time.monotonic() - self._at > self.ttl_s:
                self._value = await asyncio.to_thread(load_history, self.db_path)
                self._at = time.monotonic()
            return self._value
