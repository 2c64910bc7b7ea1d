"""The event hub: the run publishes, each event-stream client reads from its own bounded queue.

Why this shape: :meth:`EventHub.publish` sits on the run's frame path, so it never waits, never does I/O and
does not grow with the number of clients: it keeps the event and schedules the fan-out as the loop's next
callback. There the event is encoded once (msgspec, ~1 µs) and the same bytes are appended to every client's
queue; writing to the sockets happens later still, on each client's own task. A client whose queue is full (it reads slower than
the run publishes, e.g. a phone on a bad network) is dropped, never the run: its browser reconnects with
``Last-Event-ID`` and gets what it missed from the replay ring, if that still holds it.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from bot.console.state import ConsoleEvent

KEEPALIVE = b": keep-alive\n\n"


class Dropped(Exception):
    """The client fell behind by more than its queue holds (or the hub closed)."""


class Subscriber:
    """One event-stream client: a bounded queue of encoded SSE frames and a wake-up flag."""

    __slots__ = ("_wake", "dropped", "frames", "limit")

    def __init__(self, limit: int) -> None:
        self.frames: deque[bytes] = deque()
        self.limit = limit
        self.dropped = False
        self._wake = asyncio.Event()

    def offer(self, frame: bytes) -> bool:
        """Queue one frame; False (and the client is marked dropped) when the queue is full."""
        if len(self.frames) >= self.limit:
            self.dropped = True
            self.frames.clear()
            self._wake.set()
            return False
        self.frames.append(frame)
        self._wake.set()
        return True

    def drop(self) -> None:
        self.dropped = True
        self._wake.set()

    async def next_batch(self) -> bytes:
        """Everything queued, as one write (waits for the next frame if none is queued).

        Raises :class:`Dropped` once the client has been dropped. No timer per wait: keep-alives come from
        :meth:`EventHub.keepalive`, so a wake-up allocates one future and nothing else."""
        if not self.frames and not self.dropped:
            self._wake.clear()
            await self._wake.wait()
        if self.dropped:
            raise Dropped
        out = b"".join(self.frames)
        self.frames.clear()
        return out


@dataclass(frozen=True, slots=True)
class HubStats:
    published: int
    clients: int
    dropped: int


class EventHub:
    """Fan-out of :data:`bot.console.state.ConsoleEvent` values to event-stream clients.

    ``client_buffer``: events a client may lag behind before it is dropped. ``replay`` (default: as many):
    the last events kept for clients that reconnect with ``Last-Event-ID``. ``on_drop`` is called for each
    dropped client. Publish from the loop's thread (the run's frame path is there); a call from another
    thread is handed over with ``call_soon_threadsafe``.
    """

    def __init__(
        self,
        *,
        client_buffer: int = 256,
        replay: int | None = None,
        on_drop: Callable[[], None] | None = None,
    ) -> None:
        replay = client_buffer if replay is None else replay
        if not 0 < replay <= client_buffer:
            raise ValueError(
                "replay must be between 1 and client_buffer (a replay must fit a client's queue)"
            )
        self.client_buffer = client_buffer
        self._on_drop = on_drop
        self._encoder = msgspec.json.Encoder()
        self._clients: dict[Subscriber, int] = {}  # client -> the last seq it has (replayed or predating it)
        self._ring: deque[tuple[int, ConsoleEvent]] = deque(maxlen=replay)
        self._frames: dict[int, bytes] = {}  # seq -> encoded frame, only for events still in the ring
        self._pending: list[tuple[int, ConsoleEvent]] = []
        self._flush_scheduled = False
        self._seq = 0
        self._dropped = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.get_ident()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop (and its thread) that owns the clients; the server calls this when it starts."""
        self._loop = loop
        self._thread = threading.get_ident()

    @property
    def stats(self) -> HubStats:
        return HubStats(self._seq, len(self._clients), self._dropped)

    def publish(self, event: ConsoleEvent) -> None:
        """Never blocks, never raises, and costs the caller O(1) whatever the number of clients: the event is
        kept, and the fan-out (one encode, a queue append per client) runs as the loop's next callback, after
        the frame handler that published it has returned."""
        if self._loop is not None and threading.get_ident() != self._thread:
            self._loop.call_soon_threadsafe(self.publish, event)
            return
        self._seq += 1
        if len(self._ring) == self._ring.maxlen and self._ring:
            self._frames.pop(self._ring[0][0], None)
        self._ring.append((self._seq, event))
        if not self._clients:
            return
        self._pending.append((self._seq, event))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            if self._loop is None:
                self.flush()
            else:
                self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Hand every pending event to every client (the loop calls this; public for measurements)."""
        self._flush_scheduled = False
        pending, self._pending = self._pending, []
        for seq, event in pending:
            frame = self._frame(seq, event)
            lost = [c for c, since in self._clients.items() if since < seq and not c.offer(frame)]
            for c in lost:
                self._drop(c)

    def subscribe(self, last_event_id: int | None = None) -> Subscriber:
        """A new client; with ``last_event_id`` it first gets the events after it that the ring still holds."""
        sub = Subscriber(self.client_buffer)
        if last_event_id is not None:
            for seq, event in self._ring:
                if seq > last_event_id:
                    sub.offer(self._frame(seq, event))
        self._clients[sub] = self._seq
        return sub

    def keepalive(self) -> None:
        """An SSE comment to every client (proxies and phones close idle connections; a dead peer shows up as
        a failed write). Not an event: no id, not replayed."""
        for c in [c for c in self._clients if not c.offer(KEEPALIVE)]:
            self._drop(c)

    def unsubscribe(self, sub: Subscriber) -> None:
        self._clients.pop(sub, None)

    def _drop(self, sub: Subscriber) -> None:
        self._clients.pop(sub, None)
        self._dropped += 1
        if self._on_drop is not None:
            self._on_drop()

    def close(self) -> None:
        """Drop every client (server shutdown): their streams end at once."""
        for c in self._clients:
            c.drop()
        self._clients.clear()

    def _frame(self, seq: int, event: ConsoleEvent) -> bytes:
        frame = self._frames.get(seq)
        if frame is None:
            data = self._encoder.encode(event)
            frame = b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, event.KIND.encode(), data)
            self._frames[seq] = frame
        return frame
