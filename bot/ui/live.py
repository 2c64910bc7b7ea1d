"""Keeps the operator's view current: a rich ``Live`` panel on a TTY, a log line every few seconds otherwise.

On a TTY the log lines are printed above the panel by the same rich Console (see ``bot.logs``), so every
line stays on screen and in the scrollback and the panel is drawn exactly once, at the bottom.

The caller supplies a function that builds a :class:`Screen`; this module only decides when and how to
draw, so a terminal problem can never stop the bot (drawing errors are swallowed after one warning).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import Any

from loguru import logger

from bot.ui.screen import Screen, render


class LiveView:
    def __init__(
        self,
        build: Callable[[], Screen],
        *,
        tty: bool | None = None,
        refresh_s: float = 0.25,
        log_every_s: float = 10.0,
    ) -> None:
        self._build = build
        self.tty = sys.stdout.isatty() if tty is None else tty
        self._refresh_s = refresh_s
        self._log_every_s = log_every_s
        self._live: Any = None
        self._task: asyncio.Task[None] | None = None
        self._warned = False
        self.lines = 0

    async def __aenter__(self) -> LiveView:
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            # One Console for the panel and the log lines: rich's Live swaps sys.stdout/sys.stderr for
            # proxies that print each line above the panel, and the console log sink (bot.logs) writes to
            # whatever sys.stderr is at each write. stderr is only taken over when it is the terminal too,
            # so `2>file` keeps the log lines in the file.
            self._live = Live(
                render(self._build()),
                console=Console(),
                refresh_per_second=4,
                transient=False,
                redirect_stdout=True,
                redirect_stderr=_is_tty(sys.stderr),
            )
            self._live.start()
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.draw()
        if self._live is not None:
            with contextlib.suppress(Exception):
                self._live.stop()

    async def _loop(self) -> None:
        every = self._refresh_s if self.tty else self._log_every_s
        while True:
            await asyncio.sleep(every)
            self.draw()

    def draw(self) -> None:
        try:
            screen = self._build()
            if self._live is not None:
                self._live.update(render(screen))
            else:
                logger.info("status | {}", screen.log_line())
                self.lines += 1
        except Exception:
            if not self._warned:
                self._warned = True
                # the operator should look (WARNING), but nothing about betting is wrong (not ERROR)
                logger.opt(exception=True).warning("live view could not be drawn (the bot keeps running)")


def _is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # a closed stream
        return False
