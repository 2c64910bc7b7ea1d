"""Engine.IO 4 HTTP long-polling, the transport a Socket.IO client falls back to when a proxy blocks websockets.

Only served with ``SimConfig(no_websocket=True)`` (``rugsbot sim --no-websocket``): the simulator then refuses
every websocket upgrade with 403, as such a proxy does, and the page (bot/sim/page/app.js) keeps playing over
polling, so the bot's sniffer sees no websocket frame at all while the page works (issue 16.7).

The wire follows the Engine.IO 4 polling transport: ``GET /socket.io/?EIO=4&transport=polling`` is the
handshake (the open packet), ``GET …&sid=S`` waits for queued packets and returns them joined by the record
separator ``\\x1e`` (a no-op ``6`` after ``pingInterval`` of silence), and the client's packets arrive with
``POST …&sid=S``. One deviation: the packets of a POST travel in the query (``&p=``), not in the body, because
the HTTP parser of python ``websockets`` (17) refuses request bodies on this port. An unknown ``sid`` is
``400 {"code":1,"message":"Session ID unknown"}``, as engine.io answers it.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.http11 import Request, Response

from bot.sim.sessions import Connection, Sessions
from bot.sim.web import json_response, text_response

__all__ = ["Polling"]

RECORD_SEPARATOR = "\x1e"


class Polling:
    """The long-polling sessions of one simulator (``sid`` → its :class:`Connection` in ``sessions``)."""

    def __init__(self, sessions: Sessions, ping_interval_ms: int) -> None:
        self._sessions = sessions
        self._wait_s = ping_interval_ms / 1000
        self._by_sid: dict[str, Connection] = {}
        self._busy: set[str] = set()  # sids with a GET waiting: a second concurrent GET is refused

    async def respond(self, request: Request) -> Response:
        q = parse_qs(urlsplit(request.path).query)
        if q.get("EIO", [""])[0] != "4":
            return _error(5, "Unsupported protocol version")
        sid = q.get("sid", [""])[0]
        if not sid:
            new = self._sessions.open_polling()
            self._by_sid[new.eio_sid] = new
            return self._packets(new, self._ready(new))
        conn = self._by_sid.get(sid)
        if conn is None or conn not in self._sessions.conns:
            self._by_sid.pop(sid, None)
            return _error(1, "Session ID unknown")
        if request.method == "POST":
            for packet in q.get("p", [""])[0].split(RECORD_SEPARATOR):
                if packet:
                    self._sessions.on_message(conn, packet)
            return text_response(HTTPStatus.OK, "ok")
        if sid in self._busy:
            return _error(3, "Bad request")
        self._busy.add(sid)
        try:
            return self._packets(conn, await self._wait(conn))
        finally:
            self._busy.discard(sid)

    async def _wait(self, conn: Connection) -> list[str | None]:
        try:
            first = await asyncio.wait_for(conn.queue.get(), self._wait_s)
        except TimeoutError:
            return ["6"]  # noop: the client polls again
        return [first, *self._ready(conn)]

    @staticmethod
    def _ready(conn: Connection) -> list[str | None]:
        out: list[str | None] = []
        while not conn.queue.empty():
            out.append(conn.queue.get_nowait())
        return out

    def _packets(self, conn: Connection, items: list[str | None]) -> Response:
        if None in items:  # closed or dropped: what was queued before, then the close packet
            items = [*items[: items.index(None)], "1"]
            self._by_sid.pop(conn.eio_sid, None)
            self._sessions.forget(conn)
        return text_response(HTTPStatus.OK, RECORD_SEPARATOR.join(i for i in items if i is not None))


def _error(code: int, message: str) -> Response:
    return json_response(HTTPStatus.BAD_REQUEST, {"code": code, "message": message})
