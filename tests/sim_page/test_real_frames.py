"""Real captured rugs.fun frames, replayed to the page: it must show what the bot's own tracker concludes.

The simulator cannot emit real frames, so a small replay socket (the same ``websockets`` server library the
simulator uses) serves the page and pushes a capture's server→client frames in order. At every phase change
the GameTracker sees, the page's phase / game id / tick must agree with the tracker's view.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from bot.game.state import Phase
from bot.game.tracker import GameTracker
from bot.sim.assets import page_dir
from tests.sim_page.harness import Wire, until

pytestmark = pytest.mark.browser


def server_frames(path: Path) -> list[tuple[float, str]]:
    out = []
    with gzip.open(path, "rt") as f:
        for line in f:
            rec = json.loads(line)
            frame = rec.get("frame")
            # the replay server does its own handshake; the capture's open/connect frames are not re-sent
            if rec.get("dir") == "in" and isinstance(frame, str) and not frame.startswith(("0", "40")):
                out.append((float(rec["t"]), frame))
    return out


def checkpoints(frames: list[tuple[float, str]]) -> list[tuple[int, Phase, str | None, int]]:
    """(frames to send, expected phase, game id, tick) at every phase change and at the end."""
    tracker = GameTracker()
    out: list[tuple[int, Phase, str | None, int]] = []
    last: Phase | None = None
    for i, (t, text) in enumerate(frames):
        tracker.on_frame(t, "in", text)
        v = tracker.view
        if v.phase is not last and v.phase is not Phase.UNKNOWN:
            out.append((i + 1, v.phase, v.game_id, v.tick))
            last = v.phase
    v = tracker.view
    out.append((len(frames), v.phase, v.game_id, v.tick))
    return out


class Replay:
    """Serves the page's files and, on its socket, whatever frames the test releases."""

    def __init__(self) -> None:
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()

    async def process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?")[0]
        if path.startswith("/socket.io/"):
            return None
        f = page_dir() / ("index.html" if path == "/" else path.lstrip("/"))
        if not f.is_file():
            return Response(404, "Not Found", Headers([("Content-Length", "0")]), b"")
        body = f.read_bytes()
        ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        return Response(
            200, "OK", Headers([("Content-Type", ctype), ("Content-Length", str(len(body)))]), body
        )

    async def handler(self, ws: ServerConnection) -> None:
        await ws.send(
            '0{"sid":"replay","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
        )
        async for msg in ws:
            if msg == "40":
                await ws.send('40{"sid":"replay-sio"}')
                break
        closed = asyncio.ensure_future(ws.wait_closed())
        while True:  # until the sentinel, or the page goes away (a reconnect gets its own handler)
            get = asyncio.ensure_future(self.outbox.get())
            await asyncio.wait({get, closed}, return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                return
            text = get.result()
            if text is None:
                return
            await ws.send(text)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        async with serve(
            self.handler, "127.0.0.1", 0, process_request=self.process_request, max_size=None
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            try:
                yield f"http://127.0.0.1:{port}/"
            finally:
                self.outbox.put_nowait(None)  # lets the handler end so the server can close


async def page_state(page: Page) -> tuple[str, str, str]:
    return await page.evaluate("""() => [document.getElementById('phase').textContent,
        document.getElementById('game-id').textContent, document.getElementById('tick').textContent]""")


CAPTURES = ["2025-12-12_17-16-58_raw", "2025-12-15_00-39-17_cdp"]


async def replay_capture(browser: Browser, capture: str, frames: list[tuple[float, str]]) -> None:
    points = checkpoints(frames)
    assert len(points) >= 2, capture
    replay = Replay()
    async with replay.running() as url:
        page = await browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        wire = Wire()
        wire.attach(page)
        await page.goto(url)
        await until(lambda: wire.sent[:1] == ["40"], 10, "namespace connect")
        sent = 0
        for upto, phase, game_id, tick in points:
            for _t, text in frames[sent:upto]:
                replay.outbox.put_nowait(text)
            sent = upto
            expected_tick = f"tick {tick}" if phase is Phase.ACTIVE else None
            deadline = asyncio.get_running_loop().time() + 10
            while True:
                shown = await page_state(page)
                ok = (
                    shown[0] == phase.value
                    and shown[1] == (game_id or "")
                    and (expected_tick is None or shown[2] == expected_tick)
                )
                if ok:
                    break
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(
                        f"{capture}: after {upto} frames the tracker says {phase} {game_id} "
                        f"tick {tick}; the page shows {shown}"
                    )
                await asyncio.sleep(0.05)
        # every frame reached the page (handshake 2 + capture) and none raised in its handler
        await until(lambda: len(wire.received) >= len(frames) + 2, 10, f"{capture}: all frames delivered")
        await page.evaluate("() => new Promise(r => setTimeout(r, 100))")
        assert errors == [], (capture, errors)
        await page.close()


def test_page_agrees_with_tracker_on_real_frames(chromium: Path, real_dir: Path) -> None:
    """Both captures in one browser (the page needs no wallet here, so no extension profile either)."""

    async def main() -> None:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                headless=True, executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                for capture in CAPTURES:
                    frames = server_frames(real_dir / "captures" / f"{capture}.frames.jsonl.gz")
                    await replay_capture(browser, capture, frames)
            finally:
                await browser.close()

    asyncio.run(asyncio.wait_for(main(), 90))
