"""Run the simulator on its own event loop in a daemon thread, for sync code (``rugsbot run --sim``, pytest).

Everything that touches the server is marshalled onto its loop (``run_coroutine_threadsafe``), so the
server itself never needs locks and the caller's thread never blocks the game clock.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

from bot.sim.config import SimConfig
from bot.sim.faults import FaultEvent
from bot.sim.game import RugPlan
from bot.sim.server import SimServer, SimTruth

__all__ = ["SimHandle", "free_port", "start_sim_in_thread", "state_of", "wait_for_sim"]

T = TypeVar("T")


class SimHandle:
    """A running simulator: ``.url``, ``.ws_url``, ``.truth()``, ``.fault(name, value)``, ``.rug(at)``, ``.stop()``."""

    def __init__(self, server: SimServer, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self.server = server
        self._loop = loop
        self._thread = thread
        self._stopped = False

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def speed(self) -> float:
        """Its clock's speed (``SimConfig.speed``: ticks this many times faster than the site's)."""
        return self.server.config.speed

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the simulator's loop and return its result."""

        async def _run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(_run(), self._loop).result(timeout)

    def truth(self) -> SimTruth:
        return self.call(self.server.truth)

    def fault(self, name: str, value: float | str | None = None, **params: float | str) -> FaultEvent:
        """``fault("stall", 5)`` or ``fault("stall", seconds=5)``: faults take one value, named as you like."""
        if params:
            if value is not None or len(params) > 1:
                raise TypeError(f"fault {name!r} takes a single value, got {value!r} and {params!r}")
            (value,) = params.values()
        return self.call(lambda: self.server.faults.trigger(name, value))

    def rug(self, at: int | None = None) -> RugPlan:
        """Rug the running game at tick ``at`` (None: the next tick); see :meth:`SimServer.rug`."""
        return self.call(lambda: self.server.rug(at))

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> SimHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sim_in_thread(config: SimConfig | None = None, timeout: float = 10.0) -> SimHandle:
    """Start a simulator and return once it listens (port 0 in the config picks a free port)."""
    server = SimServer(config or SimConfig())
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def _main() -> None:
        asyncio.set_event_loop(loop)

        async def _start() -> None:
            try:
                await server.start()
            except BaseException as exc:  # reported to the caller's thread
                failure.append(exc)
            finally:
                ready.set()

        starter = loop.create_task(_start())
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop) | ({starter} if not starter.done() else set())
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    thread = threading.Thread(target=_main, name="rugs-sim", daemon=True)
    thread.start()
    if not ready.wait(timeout):
        raise TimeoutError("simulator did not start in time")
    if failure:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        raise failure[0]
    return SimHandle(server, loop, thread)


# ---------------------------------------------------------------- a simulator in another process (`rugsbot sim`)


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now, for a ``rugsbot sim --port`` subprocess whose truth must outlive the bot."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def state_of(url: str, timeout: float = 60.0) -> dict[str, Any]:
    """The simulator's ``/__sim/state`` (its ground truth) as JSON."""
    with urllib.request.urlopen(url + "/__sim/state", timeout=timeout) as r:
        return dict(json.loads(r.read()))


def wait_for_sim(url: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll until a just-started simulator process answers; its first state, or ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return state_of(url, timeout=5.0)
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no simulator at {url} after {timeout:g} s") from None
            time.sleep(0.1)
