"""A local rugs.fun: Engine.IO 4 / Socket.IO 4 over ``websockets``, the page over plain HTTP, one port.

Why hand-rolled instead of python-socketio's server: the bot sniffs the page's socket frame by frame, so
the simulator must control exact frame text, order, timing and breakage (bursts, duplicates, garbage,
dropped sockets), which a framework hides. An independent client (python-socketio) proves in
tests/sim/ that the protocol is nevertheless spoken correctly.

Endpoints (same port):
- ``/socket.io/?EIO=4&transport=websocket``: the game socket (websocket transport only, like the page);
- ``/`` and page files from :func:`bot.sim.assets.page_dir` (a minimal page if the folder is empty);
- ``/__sim/state``: ground truth as JSON; ``/__sim/fault?name=stall&value=5``: inject a fault. Both only
  answer requests from 127.0.0.1/::1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import mimetypes
import secrets
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from loguru import logger
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bot.protocol.frames import (
    EioType,
    SioType,
    Undecodable,
    decode,
    encode_ack,
    encode_connect,
    encode_event,
    encode_open,
)
from bot.sim.accounts import Account, Accounts
from bot.sim.config import SimConfig
from bot.sim.faults import MALFORMED_FRAMES, FaultError, Faults, parse_faults
from bot.sim.game import GameLoop, Out, trace_header

__all__ = ["AccountTruth", "BetTruth", "GameTruth", "SimServer", "SimTruth"]

MAX_QUEUED_FRAMES = 20_000  # ~80 s of frames at speed 1
_MINIMAL_PAGE = (
    b"<!doctype html><html><head><title>rugs.fun simulator</title></head><body>"
    b"<h1>rugs.fun simulator</h1><p>The page files are not installed; the socket is at "
    b"/socket.io/?EIO=4&amp;transport=websocket and ground truth at /__sim/state.</p></body></html>"
)


# ---------------------------------------------------------------- ground truth


@dataclass(frozen=True, slots=True)
class GameTruth:
    id: str
    server_seed: str
    server_seed_hash: str
    rug_tick: int
    peak: float
    timestamp_ms: int
    skipped_ticks: tuple[int, ...]  # ticks never broadcast (backfilled by partialPrices): not lost frames


@dataclass(frozen=True, slots=True)
class BetTruth:
    id: str
    player_id: str
    game_id: str
    coin: str
    amount_lamports: int
    start_tick: int
    end_tick: int
    outcome: str
    payout_lamports: int
    settle_tick: int | None


@dataclass(frozen=True, slots=True)
class AccountTruth:
    player_id: str
    username: str
    balances: dict[str, int]  # lamports (1e-9 units) per coin address
    pending_bets: int


@dataclass(frozen=True, slots=True)
class SimTruth:
    """What really happened, for tests and ``/__sim/state``: compare a bot's beliefs against this."""

    game_id: str
    phase: str
    tick: int
    price: float
    server_seed_hash: str
    sim_t: float
    connections: int
    frames_sent: int
    games: tuple[GameTruth, ...]
    accounts: tuple[AccountTruth, ...]
    sidebet_requests: dict[str, int]  # every requestSidebet received, per player id
    bets: tuple[BetTruth, ...]
    faults_active: tuple[str, ...]
    fault_log: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ---------------------------------------------------------------- connections


@dataclass(eq=False, slots=True)
class _Conn:
    ws: ServerConnection
    eio_sid: str
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    sio_sid: str | None = None  # set once the namespace is connected
    player: Account | None = None
    pong_due: float | None = None
    pong: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def send(self, text: str) -> None:
        if self.queue.qsize() >= MAX_QUEUED_FRAMES:
            # a client this far behind is dead weight (a real server drops it too); never grow without bound
            transport = self.ws.transport
            if transport is not None:
                transport.abort()
            return
        self.queue.put_nowait(text)

    def close(self) -> None:
        """Close after everything queued so far has been written."""
        self.queue.put_nowait(None)


class SimServer:
    """The simulator. ``await start()`` binds (port 0 = free port); ``faults.trigger(name, value)`` injects."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.game = GameLoop(self.config)
        self.accounts: Accounts = self.game.accounts
        self.faults = Faults(schedule=parse_faults(self.config.faults))
        self.faults.on_trigger = self._on_fault
        self._conns: set[_Conn] = set()
        self._server: Server | None = None
        self._driver: asyncio.Task[None] | None = None
        self._backlog: list[Out] = []
        self._hold_until = 0.0  # post-rug silence (sim time)
        self._held: str | None = None  # reorder: the frame waiting to go out after the next one
        self.frames_sent = 0
        self.port = 0
        self.sim_t = 0.0

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host = self.config.host
        if host in ("", "0.0.0.0", "::"):  # bound to every interface: point the browser at loopback
            host = "127.0.0.1"
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    async def start(self) -> None:
        self._server = await serve(
            self._handler,
            self.config.host,
            self.config.port,
            process_request=self._process_request,
            compression=None,
            ping_interval=None,
            max_size=2**20,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        self._driver = asyncio.create_task(self._drive(), name="sim-driver")

    async def stop(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            await asyncio.gather(self._driver, return_exceptions=True)
        for conn in list(self._conns):
            for t in conn.tasks:
                t.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # ------------------------------------------------------------ truth

    def truth(self) -> SimTruth:
        g = self.game
        games = tuple(
            GameTruth(
                r.id,
                r.server_seed,
                r.server_seed_hash,
                r.rug_tick,
                r.peak,
                r.timestamp_ms,
                r.skipped_ticks,
            )
            for r in g.finished
        )
        accounts = tuple(
            AccountTruth(a.player_id, a.username, dict(a.balances), len(a.pending))
            for a in self.accounts.by_id.values()
        )
        bets = tuple(
            BetTruth(
                b.id,
                b.player_id,
                b.game_id,
                b.coin,
                b.amount,
                b.window.start_tick,
                b.window.end_tick,
                str(b.outcome),
                b.payout,
                b.settle_tick,
            )
            for b in self.accounts.bets
        )
        active = self.faults.active()
        if self.accounts.reject_next:
            active.append(f"reject next {self.accounts.reject_next}")
        return SimTruth(
            game_id=g.current.id,
            phase=g.phase,
            tick=g.tick,
            price=g.price,
            server_seed_hash=g.current.hash,
            sim_t=self.sim_t,
            connections=len(self._conns),
            frames_sent=self.frames_sent,
            games=games,
            accounts=accounts,
            sidebet_requests=dict(self.accounts.requests),
            bets=bets,
            faults_active=tuple(active),
            fault_log=tuple({"name": e.name, "value": e.value, "sim_t": e.sim_t} for e in self.faults.log),
        )

    # ------------------------------------------------------------ the game driver

    async def _drive(self) -> None:
        try:
            await self._drive_steps()
        except asyncio.CancelledError:
            raise
        except Exception:
            # a frozen simulator would look like a site stall to the bot: make the cause loud instead
            logger.exception("simulator game loop crashed")
            raise

    async def _drive_steps(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        speed = max(self.config.speed, 1e-6)
        for step in self.game.steps():
            if step.delay > 0:
                self.sim_t += step.delay
                await asyncio.sleep(max(0.0, start + self.sim_t / speed - loop.time()))
            for spec in self.faults.due(self.sim_t):
                self.faults.trigger(spec.name, spec.value)
            if step.hold:
                self._hold_until = max(self._hold_until, self.sim_t + step.hold)
            if self.faults.stalled(self.sim_t) or self.sim_t < self._hold_until:
                self._backlog.extend(step.outs)
                continue
            if self._backlog:
                backlog, self._backlog = self._backlog, []
                self._dispatch(backlog)
            self._dispatch(step.outs)

    def _dispatch(self, outs: tuple[Out, ...] | list[Out]) -> None:
        for out in outs:
            text = encode_event(out.event, *out.args)
            if out.to is None:
                self._broadcast_game(text)
            else:
                self._to_player(out.to, text)

    def _broadcast_game(self, text: str) -> None:
        f = self.faults
        if f.reorder_left and self._held is None:
            self._held = text  # goes out after the next frame
            return
        self._broadcast(text)
        if self._held is not None:
            held, self._held = self._held, None
            f.reorder_left -= 1
            self._broadcast(held)
        if f.duplicate_left:
            f.duplicate_left -= 1
            self._broadcast(text)

    def _broadcast(self, text: str) -> None:
        for conn in self._conns:
            if conn.sio_sid is not None:
                conn.send(text)
                self.frames_sent += 1

    def _to_player(self, player_id: str, text: str) -> None:
        for conn in self._conns:
            if conn.player is not None and conn.player.player_id == player_id:
                conn.send(text)
                self.frames_sent += 1

    # ------------------------------------------------------------ faults

    def _on_fault(self, name: str, value: float | None) -> None:
        if name == "drop":
            for conn in list(self._conns):
                transport = conn.ws.transport
                if transport is not None:
                    transport.abort()
        elif name == "malformed":
            n = int(value or 0)
            for conn in self._conns:
                for i in range(n):
                    conn.send(MALFORMED_FRAMES[i % len(MALFORMED_FRAMES)])
        elif name == "maintenance":
            notice = self.game.announce_maintenance(value or 0.0)
            self._broadcast(encode_event(notice.event, *notice.args))
        elif name == "reject":
            self.accounts.reject_next += int(value or 0)
        elif name == "sign_request":
            self._broadcast(encode_event("simSignRequest", {"kind": "transaction"}))

    # ------------------------------------------------------------ HTTP

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        path = parts.path
        if path.startswith("/socket.io"):
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return None
            return _text(HTTPStatus.BAD_REQUEST, "websocket transport only\n")
        if path.startswith("/__sim/"):
            remote = connection.remote_address[0] if connection.remote_address else ""
            if not _is_loopback(remote):
                return _text(HTTPStatus.FORBIDDEN, "local requests only\n")
            if path == "/__sim/state":
                return _json(HTTPStatus.OK, self.truth().to_json())
            if path == "/__sim/fault":
                q = parse_qs(parts.query)
                name = (q.get("name") or [""])[0]
                values = q.get("value")
                value = values[0] if values else None
                try:
                    event = self.faults.trigger(name, value)
                except FaultError as exc:
                    return _json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": str(exc)})
                return _json(HTTPStatus.OK, {"ok": True, "fault": dataclasses.asdict(event)})
            return _text(HTTPStatus.NOT_FOUND, "not found\n")
        return _static(path)

    # ------------------------------------------------------------ websocket

    async def _handler(self, ws: ServerConnection) -> None:
        q = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        if q.get("EIO", [""])[0] != "4" or q.get("transport", ["websocket"])[0] != "websocket":
            await ws.close(1008, "EIO=4 websocket only")
            return
        conn = _Conn(ws, eio_sid=secrets.token_urlsafe(15))
        self._conns.add(conn)
        conn.send(encode_open(conn.eio_sid, self.config.ping_interval_ms, self.config.ping_timeout_ms))
        conn.tasks = [asyncio.create_task(self._writer(conn)), asyncio.create_task(self._pinger(conn))]
        try:
            async for message in ws:
                if isinstance(message, str):
                    self._on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            self._conns.discard(conn)
            for t in conn.tasks:
                t.cancel()

    async def _writer(self, conn: _Conn) -> None:
        try:
            while True:
                text = await conn.queue.get()
                if text is None:
                    await conn.ws.close()
                    return
                await conn.ws.send(text)
        except ConnectionClosed:
            return

    async def _pinger(self, conn: _Conn) -> None:
        """Engine.IO v4 heartbeat: a ping ``pingInterval`` after the last pong, the client dropped if its pong
        takes longer than ``pingTimeout``. (Waiting out the whole timeout before the next interval made the
        period interval + timeout, the exact limit a client allows between pings: under load the page's
        client gave up and reconnected every ~70 s, losing frames: found by the 80x soak.)"""
        interval = self.config.ping_interval_ms / 1000
        timeout = self.config.ping_timeout_ms / 1000
        while True:
            await asyncio.sleep(interval)
            conn.pong.clear()
            conn.pong_due = time.monotonic() + timeout
            conn.send("2")
            try:
                await asyncio.wait_for(conn.pong.wait(), timeout)
            except TimeoutError:  # no pong: the client is gone
                conn.close()
                return

    def _on_message(self, conn: _Conn, text: str) -> None:
        pkt = decode(text)
        if isinstance(pkt, Undecodable):
            return  # a garbled client frame is ignored, like a tolerant server
        eio = pkt.eio
        if eio is EioType.PONG:
            conn.pong_due = None
            conn.pong.set()
            return
        if eio is EioType.PING:
            conn.send("3" + pkt.text)
            return
        if eio is EioType.CLOSE:
            conn.close()
            return
        if eio is not EioType.MESSAGE:
            return
        sio = pkt.sio
        if pkt.namespace not in ("", "/"):
            if sio is SioType.CONNECT:  # only the main namespace exists, as on the real backend
                conn.send(f"44{pkt.namespace},{json.dumps({'message': 'Invalid namespace'})}")
            return
        if sio is SioType.CONNECT:
            conn.sio_sid = secrets.token_urlsafe(15)
            conn.send(encode_connect({"sid": conn.sio_sid}))
            conn.send(encode_event("gameStateUpdate", self.game.connect_frame()))
        elif sio is SioType.DISCONNECT:
            conn.sio_sid = None
        elif sio is SioType.EVENT and conn.sio_sid is not None:
            self._on_event(conn, pkt.name or "", pkt.payload, pkt.ack_id)

    def _on_event(self, conn: _Conn, name: str, raw: msgspec.Raw | None, ack_id: int | None) -> None:
        try:
            payload = msgspec.json.decode(raw) if raw is not None and len(raw) else None
        except msgspec.DecodeError:
            payload = None
        if name == "authenticate":
            ack, acct = self.accounts.authenticate(payload)
            self._ack(conn, ack_id, ack)
            if acct is not None:
                conn.player = acct
                conn.send(
                    encode_event(
                        "usernameStatus", trace_header(self.game.rng), self.accounts.username_status(acct)
                    )
                )
                conn.send(encode_event("playerUpdate", self.accounts.player_update(acct)))
        elif name == "requestSidebet":
            now_ms = int(time.time() * 1000)
            result = self.accounts.request_sidebet(conn.player, payload, self.game.point(), now_ms)
            bet, acct = result.bet, conn.player
            if bet is not None and acct is not None:
                self.game.current.global_sidebets.append(
                    self.accounts.placed_global_record(bet, acct.username)
                )
                self._to_player(
                    acct.player_id, encode_event("playerUpdate", self.accounts.player_update(acct))
                )
                self._to_player(
                    acct.player_id, encode_event("currentSidebet", trace_header(self.game.rng), bet.record)
                )
            self._ack(conn, ack_id, result.ack)
        elif ack_id is not None:
            self._ack(conn, ack_id, {"success": True})

    def _ack(self, conn: _Conn, ack_id: int | None, body: dict[str, Any]) -> None:
        if ack_id is None:
            return
        text = encode_ack(ack_id, body)
        delay = self.faults.ack_delay_ms / 1000
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, conn.send, text)
        else:
            conn.send(text)


# ---------------------------------------------------------------- HTTP helpers


def _is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 and IPv4-mapped loopback; anything unparsable is not local."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def _text(status: HTTPStatus, text: str) -> Response:
    return _response(status, text.encode(), "text/plain; charset=utf-8")


def _json(status: HTTPStatus, obj: Any) -> Response:
    return _response(status, json.dumps(obj).encode(), "application/json")


def _page_root() -> Path | None:
    try:
        from bot.sim.assets import page_dir
    except ImportError:
        return None
    root = page_dir()
    return root if root.is_dir() else None


def _static(path: str) -> Response:
    root = _page_root()
    rel = path.lstrip("/") or "index.html"
    if root is not None:
        target = (root / rel).resolve()
        if target.is_relative_to(root.resolve()) and target.is_file():
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            return _response(HTTPStatus.OK, target.read_bytes(), ctype)
    if rel == "index.html":
        return _response(HTTPStatus.OK, _MINIMAL_PAGE, "text/html; charset=utf-8")
    return _text(HTTPStatus.NOT_FOUND, "not found\n")
