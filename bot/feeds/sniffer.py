"""Listen to the page's own Socket.IO socket(s): every frame in and out, stamped with its receive time.

The bot never opens a socket of its own: it sees what the page sees. Listeners must be attached BEFORE
``page.goto`` (a socket opened earlier is invisible), and every new socket (reconnect, page reload) is
followed automatically because the ``websocket`` event fires for each one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from playwright.async_api import Page, WebSocket

FrameSink = Callable[[float, str, str], None]
SOCKET_IO_PATH = "/socket.io/"


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """What the operator screen and the feed guards need: is the page's socket alive and talking?"""

    sockets_opened: int
    sockets_open: int
    frames_in: int
    frames_out: int
    binary_frames: int
    sink_errors: int
    last_in_t: float | None
    last_url: str | None

    def age(self, now: float) -> float | None:
        return None if self.last_in_t is None else max(0.0, now - self.last_in_t)

    @property
    def connected(self) -> bool:
        return self.sockets_open > 0


class Sniffer:
    """Forwards ``(t, "in"|"out", text)`` to every sink, for sockets whose URL contains ``/socket.io/``.

    ``clock`` is the receive-time source (``time.time`` in production); the frame's time is taken once
    and shared by all sinks so the recorder and the session agree to the microsecond.
    """

    def __init__(
        self,
        sinks: list[FrameSink],
        *,
        url_part: str = SOCKET_IO_PATH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sinks = list(sinks)
        self._url_part = url_part
        self._clock = clock
        self._opened = 0
        self._open = 0
        self._in = 0
        self._out = 0
        self._binary = 0
        self._sink_errors = 0
        self._last_in_t: float | None = None
        self._last_url: str | None = None
        self._pages: set[int] = set()

    def add_sink(self, sink: FrameSink) -> None:
        self._sinks.append(sink)

    def attach(self, page: Page) -> None:
        """Call before ``page.goto``. Idempotent per page."""
        if id(page) in self._pages:
            return
        self._pages.add(id(page))
        page.on("websocket", self._on_socket)

    @property
    def health(self) -> FeedHealth:
        return FeedHealth(
            self._opened,
            self._open,
            self._in,
            self._out,
            self._binary,
            self._sink_errors,
            self._last_in_t,
            self._last_url,
        )

    def _on_socket(self, ws: WebSocket) -> None:
        if self._url_part not in ws.url:
            return
        self._opened += 1
        self._open += 1
        self._last_url = ws.url
        logger.info("feed socket opened ({n}): {url}", n=self._opened, url=_strip_query(ws.url))
        ws.on("framereceived", lambda payload: self._frame("in", payload))
        ws.on("framesent", lambda payload: self._frame("out", payload))
        ws.on("close", lambda _ws: self._closed(ws.url))
        ws.on("socketerror", lambda err: logger.warning("feed socket error: {e}", e=err))

    def _closed(self, url: str) -> None:
        self._open = max(0, self._open - 1)
        logger.warning("feed socket closed: {url}", url=_strip_query(url))

    def _frame(self, direction: str, payload: str | bytes) -> None:
        t = self._clock()
        if not isinstance(payload, str):
            self._binary += 1
            return
        if direction == "in":
            self._in += 1
            self._last_in_t = t
        else:
            self._out += 1
        for sink in self._sinks:
            try:
                sink(t, direction, payload)
            except Exception:  # a bad sink must not silence the feed for the others
                self._sink_errors += 1
                if self._sink_errors <= 5:
                    logger.exception("frame sink failed")


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]
