"""Engine.IO 4 / Socket.IO 4 sessions: one per websocket, with its writer, heartbeat and event handling.

The handshake, heartbeat and namespace rules follow the reference servers (open → ``40`` → connect
frame; ``2``/``3`` pings; only the main namespace exists, as on the real backend). Client events reach the
accounts (``authenticate``, ``requestSidebet``); anything else with an ack id is acked ``{success: true}``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

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
from bot.sim.faults import Faults
from bot.sim.game import GameLoop
from bot.sim.state_frames import trace_header

__all__ = ["MAX_QUEUED_FRAMES", "Connection", "Sessions"]

MAX_QUEUED_FRAMES = 20_000  # ~80 s of frames at speed 1


@dataclass(eq=False, slots=True)
class Connection:
    """One client session. ``ws`` is its websocket, ``None`` for an HTTP long-polling session (bot/sim/polling.py:
    its queue is drained by the client's GETs instead of a writer task). ``blackholed``: it gets no more event
    frames (its heartbeat goes on)."""

    ws: ServerConnection | None
    eio_sid: str
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    sio_sid: str | None = None  # set once the namespace is connected
    player: Account | None = None
    pong_due: float | None = None
    pong: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    blackholed: bool = False

    def send(self, text: str) -> None:
        if self.queue.qsize() >= MAX_QUEUED_FRAMES:
            # a client this far behind is dead weight (a real server drops it too); never grow without bound
            self.abort()
            return
        self.queue.put_nowait(text)

    def close(self) -> None:
        """Close after everything queued so far has been written."""
        self.queue.put_nowait(None)

    def abort(self) -> None:
        """Drop the TCP connection now, without a close frame (a network drop); a polling session ends at its
        next GET."""
        if self.ws is None:
            self.queue.put_nowait(None)
            return
        transport = self.ws.transport
        if transport is not None:
            transport.abort()


class Sessions:
    """Every open session and the ways to reach them. ``on_message`` handles one client frame; the server
    passes its own hook so a benchmark can wrap it (bench/bench_click.py)."""

    def __init__(
        self,
        config: SimConfig,
        game: GameLoop,
        accounts: Accounts,
        faults: Faults,
        on_message: Callable[[Connection, str], None] | None = None,
    ) -> None:
        self.config = config
        self.game = game
        self.accounts = accounts
        self.faults = faults
        self.on_message = on_message or self.handle_message
        self.conns: set[Connection] = set()
        self.frames_sent = 0

    # ------------------------------------------------------------ sending

    def broadcast(self, text: str) -> None:
        """To every socket in the namespace, except blackholed ones."""
        for conn in self.conns:
            if conn.sio_sid is not None and not conn.blackholed:
                conn.send(text)
                self.frames_sent += 1

    def to_player(self, player_id: str, text: str) -> None:
        for conn in self.conns:
            if conn.player is not None and conn.player.player_id == player_id and not conn.blackholed:
                conn.send(text)
                self.frames_sent += 1

    def to_all_sockets(self, text: str) -> None:
        """Raw, before or outside the namespace (garbage frames reach every socket but blackholed ones)."""
        for conn in self.conns:
            if not conn.blackholed:
                conn.send(text)

    def abort_all(self) -> None:
        for conn in list(self.conns):
            conn.abort()

    def blackhole(self) -> int:
        """Sockets open now get no more event frames; pings go on and new sockets are normal."""
        for conn in self.conns:
            conn.blackholed = True
        return len(self.conns)

    @property
    def blackholed(self) -> int:
        return sum(1 for c in self.conns if c.blackholed)

    def cancel_all(self) -> None:
        for conn in list(self.conns):
            for t in conn.tasks:
                t.cancel()

    # ------------------------------------------------------------ one websocket

    async def handler(self, ws: ServerConnection) -> None:
        q = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        if q.get("EIO", [""])[0] != "4" or q.get("transport", ["websocket"])[0] != "websocket":
            await ws.close(1008, "EIO=4 websocket only")
            return
        conn = Connection(ws, eio_sid=secrets.token_urlsafe(15))
        self.conns.add(conn)
        conn.send(encode_open(conn.eio_sid, self.config.ping_interval_ms, self.config.ping_timeout_ms))
        conn.tasks = [asyncio.create_task(self._writer(conn)), asyncio.create_task(self._pinger(conn))]
        try:
            async for message in ws:
                if isinstance(message, str):
                    self.on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            self.conns.discard(conn)
            for t in conn.tasks:
                t.cancel()

    def open_polling(self) -> Connection:
        """A new long-polling session (bot/sim/polling.py): its open packet queued, its heartbeat running."""
        conn = Connection(None, eio_sid=secrets.token_urlsafe(15))
        self.conns.add(conn)
        conn.send(encode_open(conn.eio_sid, self.config.ping_interval_ms, self.config.ping_timeout_ms))
        conn.tasks = [asyncio.create_task(self._pinger(conn))]
        return conn

    def forget(self, conn: Connection) -> None:
        """A polling session ended (closed, dropped or timed out)."""
        self.conns.discard(conn)
        for t in conn.tasks:
            t.cancel()

    async def _writer(self, conn: Connection) -> None:
        assert conn.ws is not None
        try:
            while True:
                text = await conn.queue.get()
                if text is None:
                    await conn.ws.close()
                    return
                await conn.ws.send(text)
        except ConnectionClosed:
            return

    async def _pinger(self, conn: Connection) -> None:
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
                if conn.ws is None:  # no socket to notice: a polling session ends here
                    self.forget(conn)
                return

    def handle_message(self, conn: Connection, text: str) -> None:
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
            self._reply(conn, encode_event("gameStateUpdate", self.game.connect_frame()))
        elif sio is SioType.DISCONNECT:
            conn.sio_sid = None
        elif sio is SioType.EVENT and conn.sio_sid is not None:
            self._on_event(conn, pkt.name or "", pkt.payload, pkt.ack_id)

    def _on_event(self, conn: Connection, name: str, raw: msgspec.Raw | None, ack_id: int | None) -> None:
        try:
            payload = msgspec.json.decode(raw) if raw is not None and len(raw) else None
        except msgspec.DecodeError:
            payload = None
        rng = self.game.rng
        if name == "authenticate":
            ack, acct = self.accounts.authenticate(payload)
            self._ack(conn, ack_id, ack)
            if acct is not None:
                conn.player = acct
                status = self.accounts.username_status(acct)
                self._reply(conn, encode_event("usernameStatus", trace_header(rng), status))
                self._reply(conn, encode_event("playerUpdate", self.accounts.player_update(acct)))
        elif name == "requestSidebet":
            now_ms = int(time.time() * 1000)
            result = self.accounts.request_sidebet(conn.player, payload, self.game.point(), now_ms)
            bet, acct = result.bet, conn.player
            if bet is not None and acct is not None:
                self.game.current.global_sidebets.append(
                    self.accounts.placed_global_record(bet, acct.username)
                )
                pid = acct.player_id
                self.to_player(pid, encode_event("playerUpdate", self.accounts.player_update(acct)))
                self.to_player(pid, encode_event("currentSidebet", trace_header(rng), bet.record))
            self._ack(conn, ack_id, result.ack)
        elif ack_id is not None:
            self._ack(conn, ack_id, {"success": True})

    def _reply(self, conn: Connection, text: str) -> None:
        # a blackholed socket's requests still reach the server (a dead pipe downstream), answers do not
        if not conn.blackholed:
            conn.send(text)

    def _ack(self, conn: Connection, ack_id: int | None, body: dict[str, Any]) -> None:
        if ack_id is None or conn.blackholed:
            return
        text = encode_ack(ack_id, body)
        delay = self.faults.ack_delay_ms / 1000
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, conn.send, text)
        else:
            conn.send(text)
