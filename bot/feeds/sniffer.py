"""Listen to the page's own Socket.IO socket(s): every frame in and out, stamped with its receive time.

The bot never opens a socket of its own: it sees what the page sees. Listeners must be attached BEFORE
``page.goto`` (a socket opened earlier is invisible), and every new socket (reconnect, page reload) is
followed automatically because the ``websocket`` event fires for each one.

Two blind spots are named instead of being silent (issue 16.7):

* **HTTP long-polling.** A Socket.IO client whose websocket is blocked (a proxy) falls back to
  ``/socket.io/?EIO=4&transport=polling`` requests, whose payloads Playwright shows as HTTP responses, not as
  websocket frames: the bot would see nothing. The sniffer counts those responses (a request that got no
  answer proves nothing: the same client tries polling while the site is down), and
  :attr:`FeedHealth.transport` says which transport the page's Socket.IO talks over by the latest evidence.
  Polling that goes on (:data:`POLLING_FALLBACK_RESPONSES` responses with no websocket frame in between; a
  normal polling → websocket upgrade makes at most four) is logged once as a WARNING, and
  :meth:`Sniffer.require_websocket` turns it into :class:`PollingFallback` (exit 4) before the bot arms.
  ``rugsbot probe`` reads the same health. The payloads are not decoded instead: confirmation of a click
  relies on frame order and receive times that HTTP batching (``\\x1e``-joined packets per response) does
  not keep.
* **Other namespaces.** A socket whose Socket.IO connect (``40/admin,``) names another namespace than ``/`` is
  not the game feed: it is not counted as a feed socket (nor as a reconnect), its frames do not keep the
  feed's health alive, and once it is known its frames are not forwarded. The tracker keeps its own rule for
  the frames it does see (bot/game/tracker.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

from bot.errors import EnvironmentProblem

if TYPE_CHECKING:
    from playwright.async_api import Page, Response, WebSocket

FrameSink = Callable[[float, str, str], None]
SOCKET_IO_PATH = "/socket.io/"
POLLING_QUERY = "transport=polling"
POLLING_FALLBACK_RESPONSES = 6
POLLING_MESSAGE = "the site's socket fell back to HTTP long-polling; the bot can only read websocket frames"
FIRST_FRAME_WAIT_S = 15.0  # how long the page may take to open its socket before the bot stops waiting for it


class PollingFallback(EnvironmentProblem):
    """The page's Socket.IO talks HTTP long-polling: no frame reaches the bot (exit 4, nothing armed)."""

    def __init__(self) -> None:
        super().__init__(
            POLLING_MESSAGE,
            hint="let websockets (wss://) through the proxy or firewall between this machine and the site",
        )


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """What the operator screen and the feed guards need: is the page's socket alive and talking?

    Counts are of game-feed sockets (another namespace's sockets only in ``other_sockets``);
    ``polling_responses``: answered Socket.IO long-polling requests, ``polling_since_frame`` of them since the
    last websocket frame in."""

    sockets_opened: int
    sockets_open: int
    frames_in: int
    frames_out: int
    binary_frames: int
    sink_errors: int
    last_in_t: float | None
    last_url: str | None
    polling_responses: int = 0
    polling_since_frame: int = 0
    other_sockets: int = 0

    def age(self, now: float) -> float | None:
        return None if self.last_in_t is None else max(0.0, now - self.last_in_t)

    @property
    def connected(self) -> bool:
        return self.sockets_open > 0

    @property
    def transport(self) -> str:
        """``polling``, ``websocket`` or ``none``: polling when long-polling was answered and no websocket frame
        ever came, or when it went on past an upgrade's handful (a stray poll of another Socket.IO client on a
        page whose feed is on websocket is not the feed's transport)."""
        if self.polling_since_frame and (not self.frames_in or self.polling_fallback):
            return "polling"
        return "websocket" if self.frames_in else "none"

    @property
    def polling_fallback(self) -> bool:
        """Long-polling went on past a normal upgrade's handful of requests: the page is not on websocket."""
        return self.polling_since_frame >= POLLING_FALLBACK_RESPONSES


class _Socket:
    __slots__ = ("counted", "main", "namespaces", "open")

    def __init__(self) -> None:
        self.main = False  # a connect to "/" seen on it
        self.namespaces: set[str] = set()  # other namespaces connected on it
        self.counted = True  # counted as a feed socket (until it shows another namespace only)
        self.open = True

    @property
    def other(self) -> bool:
        return not self.main and bool(self.namespaces)


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
        self._polling = 0
        self._polling_since_frame = 0
        self._other = 0
        self._pages: set[int] = set()

    def add_sink(self, sink: FrameSink) -> None:
        self._sinks.append(sink)

    def attach(self, page: Page) -> None:
        """Call before ``page.goto``. Idempotent per page."""
        if id(page) in self._pages:
            return
        self._pages.add(id(page))
        page.on("websocket", self._on_socket)
        page.on("response", self._on_response)

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
            self._polling,
            self._polling_since_frame,
            self._other,
        )

    async def require_websocket(self, timeout_s: float = FIRST_FRAME_WAIT_S) -> FeedHealth:
        """Wait until the page's socket shows its transport; raise :class:`PollingFallback` if it is polling.

        Returns at the first websocket frame in, or after ``timeout_s`` seconds without one (a page whose socket
        never opens is the feed guards' business, not a transport problem)."""
        end = time.monotonic() + timeout_s
        while True:
            h = self.health
            if h.polling_fallback or (h.transport == "polling" and time.monotonic() >= end):
                raise PollingFallback()
            if h.transport == "websocket" or time.monotonic() >= end:
                return h
            await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ events

    def _on_response(self, response: Response) -> None:
        url = response.url
        if self._url_part not in url or POLLING_QUERY not in url:
            return
        self._polling += 1
        self._polling_since_frame += 1
        if self._polling_since_frame == POLLING_FALLBACK_RESPONSES:
            logger.warning(
                "{msg} ({n} polling responses, no websocket frame): {url}",
                msg=POLLING_MESSAGE,
                n=self._polling_since_frame,
                url=_strip_query(url),
            )

    def _on_socket(self, ws: WebSocket) -> None:
        if self._url_part not in ws.url:
            return
        sock = _Socket()
        self._opened += 1
        self._open += 1
        self._last_url = ws.url
        logger.info("feed socket opened ({n}): {url}", n=self._opened, url=_strip_query(ws.url))
        ws.on("framereceived", lambda payload: self._frame(sock, "in", payload))
        ws.on("framesent", lambda payload: self._frame(sock, "out", payload))
        ws.on("close", lambda _ws: self._closed(sock, ws.url))
        ws.on("socketerror", lambda err: logger.warning("feed socket error: {e}", e=err))

    def _closed(self, sock: _Socket, url: str) -> None:
        if not sock.open:
            return
        sock.open = False
        if sock.counted:
            self._open = max(0, self._open - 1)
            logger.warning("feed socket closed: {url}", url=_strip_query(url))

    def _namespace(self, sock: _Socket, text: str) -> None:
        """A Socket.IO connect (``40``, ``40/admin,``, ``44/admin,``) tells which namespace the socket carries."""
        ns = "/"
        if text[2:3] == "/":
            comma = text.find(",")
            ns = text[2:comma] if comma > 0 else text[2:]
        was_other = sock.other
        if ns == "/":
            sock.main = True
        else:
            sock.namespaces.add(ns)
        if sock.other and not was_other and sock.counted:
            sock.counted = False  # not the feed: undo counting it as a feed socket (it is no reconnect)
            self._opened -= 1
            self._other += 1
            if sock.open:
                self._open = max(0, self._open - 1)
            logger.info("socket for namespace {ns} is not the game feed: not followed", ns=ns)
        elif not sock.other and not sock.counted:
            sock.counted = True
            self._opened += 1
            self._other -= 1
            if sock.open:
                self._open += 1

    def _frame(self, sock: _Socket, direction: str, payload: str | bytes) -> None:
        t = self._clock()
        if not isinstance(payload, str):
            self._binary += 1
            return
        if payload.startswith(("40", "44")):
            self._namespace(sock, payload)
        elif sock.other:
            return  # another namespace's socket: neither the feed's health nor its frames
        if direction == "in":
            self._in += 1
            self._last_in_t = t
            self._polling_since_frame = 0
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
