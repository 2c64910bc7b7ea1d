"""Test clients for the simulator: a raw Engine.IO client (sees every frame, even garbage) and helpers.

The raw client speaks the protocol by hand over the real ``websockets`` sync client, so a test can look
at exact frame text and receive times; the python-socketio client (an independent implementation) is
used where the point is that a standard client understands the simulator.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.sim.runner import SimHandle

TRACE = {"__trace": True, "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
PUBKEY = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
LOGIN = {"publicKey": PUBKEY, "message": "Sign in to rugs.fun simulator", "signature": "c2lnbmF0dXJl"}


@dataclass
class Frame:
    t: float
    text: str

    def event(self) -> tuple[str, list[Any]] | None:
        """(name, args) of a ``42`` event frame, or None."""
        if not self.text.startswith("42"):
            return None
        body = self.text[2:]
        i = 0
        while i < len(body) and body[i].isdigit():
            i += 1
        try:
            arr = json.loads(body[i:])
        except ValueError:
            return None
        if not isinstance(arr, list) or not arr or not isinstance(arr[0], str):
            return None
        return arr[0], arr[1:]


@dataclass
class RawClient:
    """Connects, does the EIO/SIO handshake, answers pings, records every frame with its receive time."""

    ws_url: str
    frames: list[Frame] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)
    open_packet: dict[str, Any] = field(default_factory=dict)
    sio_sid: str = ""
    _ws: ClientConnection | None = None
    _next_ack: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> RawClient:
        self._ws = connect(self.ws_url, max_size=None, compression=None).__enter__()
        first = self._ws.recv(timeout=5)
        assert isinstance(first, str) and first.startswith("0"), first
        self.open_packet = json.loads(first[1:])
        self._ws.send("40")
        reply = self._ws.recv(timeout=5)
        assert isinstance(reply, str) and reply.startswith("40"), reply
        self.sio_sid = json.loads(reply[2:])["sid"]
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ws is not None:
            self._ws.close()

    def _read(self) -> None:
        assert self._ws is not None
        try:
            for msg in self._ws:
                text = msg if isinstance(msg, str) else msg.decode("utf-8", "replace")
                if text == "2":
                    self._ws.send("3")
                with self._lock:
                    self.frames.append(Frame(time.monotonic(), text))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def send_raw(self, text: str) -> None:
        assert self._ws is not None
        self._ws.send(text)

    def emit(self, name: str, *args: Any, ack: bool = True) -> int | None:
        """Send ``42<id>[name, *args]``; returns the ack id."""
        with self._lock:
            ack_id = self._next_ack if ack else None
            self._next_ack += 1
        text = "42" + ("" if ack_id is None else str(ack_id)) + json.dumps([name, *args])
        self.send_raw(text)
        return ack_id

    def snapshot(self) -> list[Frame]:
        with self._lock:
            return list(self.frames)

    def wait_for(self, pred: Callable[[Frame], bool], timeout: float = 10.0, start: int = 0) -> Frame:
        deadline = time.monotonic() + timeout
        seen = start
        while time.monotonic() < deadline:
            frames = self.snapshot()
            for f in frames[seen:]:
                if pred(f):
                    return f
            seen = len(frames)
            time.sleep(0.005)
        raise AssertionError(f"no matching frame within {timeout}s ({len(self.snapshot())} frames seen)")

    def wait_ack(self, ack_id: int, timeout: float = 10.0) -> Any:
        prefix = f"43{ack_id}["
        f = self.wait_for(lambda fr: fr.text.startswith(prefix), timeout)
        return json.loads(f.text[len(prefix) - 1 :])[0]

    def wait_event(
        self, name: str, timeout: float = 10.0, start: int = 0, where: Callable[[Any], bool] | None = None
    ) -> tuple[Frame, Any]:
        def pred(f: Frame) -> bool:
            ev = f.event()
            return ev is not None and ev[0] == name and (where is None or where(ev[1][-1] if ev[1] else None))

        f = self.wait_for(pred, timeout, start)
        ev = f.event()
        assert ev is not None
        return f, ev[1][-1] if ev[1] else None

    def login(self) -> dict[str, Any]:
        ack_id = self.emit("authenticate", TRACE, LOGIN)
        assert ack_id is not None
        return self.wait_ack(ack_id)

    def wait_active(self, *, min_ticks_left: int = 0, timeout: float = 20.0) -> dict[str, Any]:
        """Wait for an active, not-rugged tick frame; returns its payload."""
        start = len(self.snapshot())
        _, payload = self.wait_event(
            "gameStateUpdate",
            timeout,
            start,
            where=lambda p: bool(p.get("active")) and not p.get("rugged") and "tickCount" in p,
        )
        return payload


def rug_soon(sim: SimHandle, ticks: int = 1) -> None:
    """Rug the running game ``ticks`` ticks from now (between games: at that tick of the next one), so a
    test waits for a chosen rug instead of a random one."""
    t = sim.truth()
    sim.rug((t.tick if t.phase == "ACTIVE" else 0) + ticks)
