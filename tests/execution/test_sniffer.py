"""The sniffer on a real page and the real simulator: only Socket.IO sockets, both directions, reloads followed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.browser.launch import LaunchedBrowser
from bot.feeds.sniffer import Sniffer
from bot.game.tracker import GameTracker

pytestmark = pytest.mark.browser


def test_sniffer_follows_the_page_socket(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    sim = start_sim_in_thread(SimConfig(speed=10, seed="sniffer", players=2))
    frames: list[tuple[float, str, str]] = []
    tracker = GameTracker()

    def broken(t: float, d: str, text: str) -> None:
        raise RuntimeError("a failing sink must not silence the others")

    sniffer = Sniffer([broken, lambda t, d, x: frames.append((t, d, x)), tracker.on_frame])

    async def scenario() -> None:
        page = await plain_browser.context.new_page()
        sniffer.attach(page)
        sniffer.attach(page)  # idempotent
        await page.goto(sim.url, wait_until="domcontentloaded")
        ua = await page.evaluate("navigator.userAgent")
        assert "HeadlessChrome" not in ua and "Chrome/" in ua  # headless, but says what a desktop Chrome says
        # a socket that is not Socket.IO is ignored
        await page.evaluate(f"new WebSocket('{sim.url.replace('http', 'ws')}/not-the-feed')")
        for _ in range(100):
            if tracker.view.tick > 5:
                break
            await asyncio.sleep(0.05)
        await page.reload(wait_until="domcontentloaded")
        for _ in range(100):
            if sniffer.health.sockets_opened >= 2 and sniffer.health.frames_in > len(frames) // 2 + 5:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        await page.close()

    try:
        run(scenario())
    finally:
        sim.stop()
    h = sniffer.health
    assert h.sockets_opened == 2  # the first socket and the one after the reload; never the non-feed socket
    assert h.frames_in > 20 and h.frames_out >= 2  # the page's namespace connect (40) went out, twice
    assert h.sink_errors == h.frames_in + h.frames_out  # the broken sink failed on every frame ...
    assert len(frames) == h.frames_in + h.frames_out  # ... and the others still got every frame
    assert [t for t, _, _ in frames] == sorted(t for t, _, _ in frames)
    assert frames[0][2].startswith("0{")  # the Engine.IO open: attached before the first frame
    assert any(d == "out" and x.startswith("40") for _, d, x in frames)
    assert tracker.view.game_id is not None and tracker.counters.frames_in == h.frames_in
    assert h.last_in_t is not None and h.age(h.last_in_t + 1.0) == pytest.approx(1.0)
