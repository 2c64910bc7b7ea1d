"""A local rugs.fun: Engine.IO 4 / Socket.IO 4 over ``websockets``, the page over plain HTTP, one port.

Why hand-rolled instead of python-socketio's server: the bot sniffs the page's socket frame by frame, so
the simulator must control exact frame text, order, timing and breakage (bursts, duplicates, garbage,
dropped sockets), which a framework hides. An independent client (python-socketio) proves in
tests/sim/ that the protocol is nevertheless spoken correctly.

The parts: :class:`bot.sim.game.GameLoop` makes the frames, :class:`bot.sim.driver.Driver` plays them on
the clock, :class:`bot.sim.sessions.Sessions` speaks to each socket, bot/sim/web.py serves files.

Endpoints (same port):
- ``/socket.io/?EIO=4&transport=websocket``: the game socket (websocket transport only, like the page);
  with ``no_websocket`` the upgrade is refused (403, a blocking proxy) and ``transport=polling`` is served
  instead (bot/sim/polling.py);
- ``/`` and page files from :func:`bot.sim.assets.page_dir` (``/`` is the ``page_build``'s page);
- ``/__sim/state``: ground truth as JSON (:class:`bot.sim.truth.SimTruth`);
- ``/__sim/fault?name=stall&value=5``: inject a fault (bot/sim/faults.py);
- ``/__sim/rug?at=N``: the running game rugs at tick N (no ``at``: the next tick); answers
  ``{"ok", "game_id", "rug_tick", "forced"}`` (``game_id`` null: the next game, not drawn yet).
All ``/__sim/`` endpoints answer only requests from 127.0.0.1/::1.
"""

from __future__ import annotations

import asyncio
import dataclasses
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from loguru import logger
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from bot.protocol.frames import encode_event
from bot.sim.accounts import Accounts
from bot.sim.config import SimConfig
from bot.sim.driver import Driver
from bot.sim.faults import MALFORMED_FRAMES, FaultError, Faults, parse_faults
from bot.sim.game import GameLoop, RugPlan
from bot.sim.polling import Polling
from bot.sim.rounds import RugError
from bot.sim.sessions import Connection, Sessions
from bot.sim.truth import AccountTruth, BetTruth, GameTruth, SimTruth, truth_of
from bot.sim.web import is_loopback, json_response, static_response, text_response

__all__ = ["AccountTruth", "BetTruth", "GameTruth", "SimServer", "SimTruth"]


class SimServer:
    """The simulator. ``await start()`` binds (port 0 = free port); ``faults.trigger(name, value)`` injects."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.game = GameLoop(self.config)
        self.accounts: Accounts = self.game.accounts
        self.faults = Faults(schedule=parse_faults(self.config.faults))
        self.faults.on_trigger = self._on_fault
        self.sessions = Sessions(
            self.config, self.game, self.accounts, self.faults, on_message=lambda c, t: self._on_message(c, t)
        )
        self.driver = Driver(self.game, self.faults, self.sessions, self.config.speed)
        self.polling = Polling(self.sessions, self.config.ping_interval_ms)
        self._server: Server | None = None
        self._driver_task: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def sim_t(self) -> float:
        return self.driver.sim_t

    @property
    def frames_sent(self) -> int:
        return self.sessions.frames_sent

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host = self.config.host
        if host in ("", "0.0.0.0", "::"):  # bound to every interface: point the browser at loopback
            host = "127.0.0.1"
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self.sessions.handler,
            self.config.host,
            self.config.port,
            process_request=self._process_request,
            compression=None,
            ping_interval=None,
            max_size=2**20,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        self._driver_task = asyncio.create_task(self.driver.run(), name="sim-driver")

    async def stop(self) -> None:
        if self._driver_task is not None:
            self._driver_task.cancel()
            await asyncio.gather(self._driver_task, return_exceptions=True)
        self.sessions.cancel_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def truth(self) -> SimTruth:
        return truth_of(
            self.game,
            self.accounts,
            self.faults,
            sim_t=self.sim_t,
            connections=len(self.sessions.conns),
            blackholed=self.sessions.blackholed,
            frames_sent=self.frames_sent,
        )

    def rug(self, at: int | None = None) -> RugPlan:
        """Rug the running game at tick ``at`` (see :meth:`GameLoop.force_rug`); RugError below tick 1."""
        plan = self.game.force_rug(at)
        logger.info("sim: rug at tick {t} ({how})", t=plan.rug_tick, how="forced" if plan.forced else "drawn")
        return plan

    def _on_message(self, conn: Connection, text: str) -> None:
        self.sessions.handle_message(conn, text)

    # ------------------------------------------------------------ faults

    def _on_fault(self, name: str, value: float | None) -> None:
        if name == "drop":
            self.sessions.abort_all()
        elif name == "malformed":
            for i in range(int(value or 0)):
                self.sessions.to_all_sockets(MALFORMED_FRAMES[i % len(MALFORMED_FRAMES)])
        elif name == "maintenance":
            notice = self.game.announce_maintenance(value or 0.0)
            self.sessions.broadcast(encode_event(notice.event, *notice.args))
        elif name == "reject":
            self.accounts.reject_next += int(value or 0)
        elif name == "sign_request":
            self.sessions.broadcast(encode_event("simSignRequest", {"kind": "transaction"}))
        elif name == "blackhole":
            self.sessions.blackhole()
        elif name == "rug":
            tick = int(value or 0)
            self.rug(tick if tick >= 1 else None)

    # ------------------------------------------------------------ HTTP

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        path = parts.path
        if path.startswith("/socket.io"):
            upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
            if self.config.no_websocket:
                if upgrade:
                    return text_response(HTTPStatus.FORBIDDEN, "websocket blocked (no_websocket)\n")
                return await self.polling.respond(request)
            if upgrade:
                return None
            return text_response(HTTPStatus.BAD_REQUEST, "websocket transport only\n")
        if not path.startswith("/__sim/"):
            return static_response(path, self.config.page_build)
        remote = connection.remote_address[0] if connection.remote_address else ""
        if not is_loopback(remote):
            return text_response(HTTPStatus.FORBIDDEN, "local requests only\n")
        q = parse_qs(parts.query)
        if path == "/__sim/state":
            return json_response(HTTPStatus.OK, self.truth().to_json())
        if path == "/__sim/fault":
            name = (q.get("name") or [""])[0]
            values = q.get("value")
            try:
                event = self.faults.trigger(name, values[0] if values else None)
            except FaultError as exc:
                return json_response(HTTPStatus.BAD_REQUEST, {"ok": False, "error": str(exc)})
            return json_response(HTTPStatus.OK, {"ok": True, "fault": dataclasses.asdict(event)})
        if path == "/__sim/rug":
            at = (q.get("at") or [""])[0]
            try:
                plan = self.rug(int(at) if at else None)
            except ValueError as exc:  # RugError included
                error = str(exc) if isinstance(exc, RugError) else f"at={at!r} is not a whole number"
                return json_response(HTTPStatus.BAD_REQUEST, {"ok": False, "error": error})
            return json_response(HTTPStatus.OK, {"ok": True, **dataclasses.asdict(plan)})
        return text_response(HTTPStatus.NOT_FOUND, "not found\n")
