"""The console's page in a real headless Chromium, against the real server and a run that ticks at the live rate.

Screenshots at desktop (1280×800) and phone (390×844) width are saved in each test's tmp dir.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.browser.launch import find_browser
from bot.config import Settings
from tests.console.conftest import TOKEN, Served, serving
from tests.execution.conftest import browser_available

pytestmark = pytest.mark.browser
T = TypeVar("T")
TICK_S = 0.25  # the live feed's nominal tick
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SETTLED = (False, False, True, False, False, False, True, False)  # P&L 2 x 0.04 - 6 x 0.01 = +0.02


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def run(loop: asyncio.AbstractEventLoop) -> Callable[[Awaitable[T]], T]:
    def _run(coro: Awaitable[Any]) -> Any:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout=90))

    return _run


@pytest.fixture(scope="module")
def chromium(run: Callable[[Awaitable[Any]], Any]) -> Iterator[Chromium]:
    if not browser_available():
        pytest.skip("no Chromium found")
    from playwright.async_api import async_playwright

    pw = run(async_playwright().start())
    browser = run(pw.chromium.launch(executable_path=str(find_browser(Settings())), headless=True))
    yield Chromium(pw, browser)
    run(browser.close())
    run(pw.stop())


@dataclass(frozen=True)
class Chromium:
    playwright: Any
    browser: Any

    async def context(self, viewport: dict[str, int], profile_dir: Path | None) -> Any:
        """A fresh incognito-like context, or (``profile_dir``) a persistent profile as an installed app needs."""
        if profile_dir is None:
            return await self.browser.new_context(viewport=viewport)
        return await self.playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(find_browser(Settings())), headless=True, viewport=viewport
        )


@asynccontextmanager
async def live_console(
    data_dir: Path, chromium: Chromium, viewport: dict[str, int], *, persistent: bool = False
) -> AsyncIterator[tuple[Served, Any]]:
    """A served console whose run ticks every 250 ms, and a fresh browser context that opened the token URL."""
    async with serving(data_dir) as s:
        s.run.advance()
        for won in SETTLED:
            s.run.settle(won=won)

        async def ticking() -> None:
            while True:
                await asyncio.sleep(TICK_S)
                s.run.advance()

        ticker = asyncio.ensure_future(ticking())
        context = await chromium.context(viewport, data_dir / "browser-profile" if persistent else None)
        try:
            page = await context.new_page()
            await page.goto(f"{s.url}/?token={TOKEN}")
            await page.wait_for_function("() => document.getElementById('mode').textContent === 'PRACTICE'")
            yield s, page
        finally:
            ticker.cancel()
            await context.close()


async def page_tick(page: Any) -> int:
    text = await page.text_content("#tick")
    return int(text) if text and text.isdigit() else -1


async def wait_tick_follows(s: Served, page: Any, within_s: float = 2.0) -> float:
    """Seconds until the page shows the run's current tick (or a later one)."""
    target = s.run.tick
    t0 = time.monotonic()
    await page.wait_for_function(
        f"() => Number(document.getElementById('tick').textContent) >= {target}", timeout=within_s * 1000
    )
    return time.monotonic() - t0


def test_the_page_renders_the_run_follows_ticks_and_fits_a_phone(
    tmp_path: Path, chromium: Chromium, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def body() -> None:
        async with live_console(tmp_path, chromium, DESKTOP) as (s, page):
            assert page.url == f"{s.url}/"  # the token left the address bar
            assert await page.evaluate("localStorage.getItem('rugsbot-console-token')") == TOKEN
            assert await page.text_content("#level") == "ACTIVE"
            assert await page.text_content("#profile") == f"sim · {s.run.session} · did:…6t1y"
            assert "18.17 %" in (await page.text_content("#pwin") or "")
            assert (await page.text_content("#ev") or "").startswith("-9.2")
            assert await page.text_content("#pnl") == "+0.0200 FREE"
            assert await page.locator("#settled-bets tbody tr").count() == len(SETTLED)
            assert await page.locator("#equity polyline").count() == 1
            await page.wait_for_function("() => document.getElementById('stream').textContent === 'live'")
            for _ in range(3):  # the page follows the run tick by tick
                await asyncio.sleep(TICK_S * 2)
                assert await wait_tick_follows(s, page) < 2.0
            assert "EV" in (await page.text_content("#decisions li .why") or "")
            await page.click("#history summary")
            await page.wait_for_function(
                "() => document.getElementById('history-overall').textContent.includes('settled') ||"
                " document.getElementById('history-overall').textContent.includes('won')"
            )
            overall = await page.text_content("#history-overall") or ""
            assert overall.startswith("1 sessions · 2/8 won = 25.00 %") and "vs expected 18.17 %" in overall
            assert await page.locator("#history-days tbody tr").count() == 1
            await page.screenshot(path=str(tmp_path / "console-desktop.png"), full_page=True)
            await page.set_viewport_size(PHONE)
            await asyncio.sleep(0.3)
            assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            box = await page.locator("#btn-halt").bounding_box()
            assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
            await page.screenshot(path=str(tmp_path / "console-phone.png"), full_page=True)
            await page.screenshot(path=str(tmp_path / "console-phone-top.png"))

    run(body())
    assert (tmp_path / "console-desktop.png").stat().st_size > 10_000
    assert (tmp_path / "console-phone.png").stat().st_size > 10_000


def test_halt_from_the_page_reaches_the_run_within_a_second_and_the_page_shows_halted(
    tmp_path: Path, chromium: Chromium, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def body() -> None:
        async with live_console(tmp_path, chromium, PHONE) as (s, page):
            await page.click("#btn-halt")
            assert await page.is_visible("#halt-dialog")
            assert await page.is_disabled("#halt-confirm")  # no reason, no halt
            await page.fill("#halt-reason", "stop from the phone")
            clicked = time.time()
            await page.click("#halt-confirm")
            while not s.run.calls and time.time() - clicked < 1.0:
                await asyncio.sleep(0.01)
            assert s.run.calls and s.run.calls[0][:2] == ("halt", "stop from the phone")
            assert s.run.calls[0][2] - clicked < 1.0  # the run's halt was called within a second of the click
            halt = s.store.active_halt()
            assert halt is not None and halt.reason == "stop from the phone"
            await page.wait_for_function(
                "() => document.getElementById('level').textContent === 'HALTED'", timeout=2000
            )
            banner = await page.text_content("#banner")
            assert banner is not None and banner.startswith("HALTED: stop from the phone")
            assert await page.is_disabled("#btn-halt") and await page.is_disabled("#btn-pause")
            await page.screenshot(path=str(tmp_path / "console-halted-phone.png"), full_page=True)
            [row] = [e.data for e in s.store.events(kinds=["control"])]
            assert (row["action"], row["outcome"], row["remote"]) == ("halt", "ok", "127.0.0.1")
            assert row["user_agent"].startswith("Mozilla/5.0")

            # resume asks for the typed word, and then clears the halt as `rugsbot resume` does
            await page.click("#btn-resume")
            assert "stop from the phone" in (await page.text_content("#resume-reasons") or "")
            await page.fill("#resume-word", "resume")
            assert await page.is_disabled("#resume-confirm")
            await page.fill("#resume-word", "RESUME")
            await page.click("#resume-confirm")
            await page.wait_for_function(
                "() => document.getElementById('level').textContent === 'ACTIVE'", timeout=2000
            )
            assert s.store.active_halt() is None
            assert "cleared #1 stop from the phone" in (await page.text_content("#control-msg") or "")

    run(body())


def test_the_event_stream_survives_a_page_reload(
    tmp_path: Path, chromium: Chromium, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def body() -> None:
        async with live_console(tmp_path, chromium, DESKTOP) as (s, page):
            await page.wait_for_function("() => document.getElementById('stream').textContent === 'live'")
            assert await wait_tick_follows(s, page) < 2.0
            for _ in range(2):
                await page.reload()
                await page.wait_for_function("() => document.getElementById('stream').textContent === 'live'")
                before = await page_tick(page)
                await asyncio.sleep(TICK_S * 3)
                assert await wait_tick_follows(s, page) < 2.0
                assert await page_tick(page) > before
            deadline = time.monotonic() + 2
            while s.server.hub.stats.clients != 1 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert s.server.hub.stats.clients == 1  # the reloaded pages' old streams were closed, not leaked
            # the pause button works after reloads too: the token was kept for the page's POSTs
            await page.click("#btn-pause")
            await page.wait_for_function(
                "() => document.getElementById('level').textContent === 'PAUSED'", timeout=2000
            )

    run(body())


def test_the_page_is_installable_and_its_shell_opens_offline(
    tmp_path: Path, chromium: Chromium, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def body() -> None:
        async with live_console(tmp_path, chromium, PHONE, persistent=True) as (s, page):
            scope = await page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
            assert scope == f"{s.url}/"
            cached = await page.evaluate(
                "caches.open('rugsbot-console-v1').then(c => c.keys()).then(ks => ks.map(r => new URL(r.url).pathname))"
            )
            assert sorted(cached) == sorted(
                [
                    "/",
                    "/app.js",
                    "/app.css",
                    "/manifest.webmanifest",
                    "/icons/icon-192.png",
                    "/icons/icon-512.png",
                ]
            )
            assert not [u for u in cached if "token" in u]
            cdp = await page.context.new_cdp_session(page)
            manifest = await cdp.send("Page.getAppManifest")
            assert manifest.get("errors") == [], manifest.get("errors")
            installability = await cdp.send("Page.getInstallabilityErrors")
            assert installability["installabilityErrors"] == [], installability
            # offline: the shell comes from the service worker; the page says it cannot reach the bot
            await page.reload()  # controlled by the service worker from here on
            await page.context.set_offline(True)
            await page.reload()
            assert await page.title() == "rugsbot console"
            await page.wait_for_function(
                "() => ['offline', 'reconnecting'].includes(document.getElementById('stream').textContent)",
                timeout=5000,
            )
            await page.wait_for_selector("#offline-note", state="visible", timeout=5000)
            assert "Cannot reach the bot" in (await page.text_content("#offline-note") or "")
            assert await page.is_disabled("#btn-halt")  # no control can pretend to work while unreachable
            await page.screenshot(path=str(tmp_path / "console-offline-phone.png"))
            await page.context.set_offline(False)
            await page.wait_for_function(
                "() => document.getElementById('stream').textContent === 'live'", timeout=10000
            )
            assert await wait_tick_follows(s, page, within_s=6.0) < 6.0
            await page.wait_for_selector("#offline-note", state="hidden", timeout=6000)

    run(body())
