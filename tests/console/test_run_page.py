"""The console's page in a real Chromium, on a practice run of ``rugsbot run`` against the simulator.

The page follows the run's ticks (each advance within 2 s), shows its decisions and settled bets, fits a
phone; Halt (reason + confirmation) writes the halt row within one second and the page shows HALTED; the run
exits 3. Screenshots at desktop (1280×800) and phone (390×844) width are saved in the test's tmp dir
(``console-run-*.png``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from bot.browser.launch import find_browser
from bot.config import Settings
from bot.exitcodes import EXIT_HALTED
from tests.console.bot_process import TOKEN, BotProcess, bot_process, free_port
from tests.execution.conftest import browser_available

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
RUG_AT = 60  # every game rugs at tick 60: ~4 s of ticks at 4x, so a tick is always at most a cooldown away


async def tick_advances(bot: BotProcess, page: Any) -> float:
    """Seconds until the page's tick moves past the one it shows, taken while the run's game is ACTIVE with
    ticks to go (a cooldown has no tick to show)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        s = await asyncio.to_thread(bot.state)
        if s["game"]["phase"] == "ACTIVE" and s["game"]["tick"] < RUG_AT - 25:
            before = await page.text_content("#tick")
            game = await page.text_content("#game-id")
            t0 = time.monotonic()
            await page.wait_for_function(
                "([before, game]) => document.getElementById('tick').textContent !== before"
                " && document.getElementById('game-id').textContent === game",
                arg=[before, game],
                timeout=2000,
            )
            return time.monotonic() - t0
        await asyncio.sleep(0.2)
    raise AssertionError("the run's game was never ACTIVE with ticks to go")


async def wait_rows(bot: BotProcess, sql: str, *params: object, at_least: int, within_s: float) -> int:
    deadline = time.monotonic() + within_s
    while True:
        n = int(bot.query(sql, *params)[0][0])
        if n >= at_least or time.monotonic() > deadline:
            return n
        await asyncio.sleep(0.2)


async def pause_and_resume(bot: BotProcess, page: Any) -> None:
    """Pause: the run goes on deciding, and every decision is a skip that names the operator's pause, no bet
    is opened; Resume (the typed word, as the CLI's confirmation): the next bets are opened again."""
    await page.click("#btn-pause")
    await page.wait_for_function(
        "() => document.getElementById('level').textContent === 'PAUSED'", timeout=2000
    )
    paused_t = time.time()
    skips = "SELECT count(*) FROM decisions WHERE t > ? AND reason LIKE 'paused by the operator%'"
    # 15 ticks of skips: the sim profile's first bet of a game lands at tick 5, so a pause that did not hold
    # would have opened a bet (and an open bet stops the decisions: the count would not be reached)
    assert await wait_rows(bot, skips, paused_t, at_least=15, within_s=40) >= 15
    assert bot.query("SELECT count(*) FROM bets WHERE created_t > ?", paused_t) == [(0,)]
    await page.click("#btn-resume")
    await page.fill("#resume-word", "resume")
    assert await page.is_disabled("#resume-confirm")
    await page.fill("#resume-word", "RESUME")
    await page.click("#resume-confirm")
    await page.wait_for_function(
        "() => document.getElementById('level').textContent === 'ACTIVE'", timeout=2000
    )
    resumed_t = time.time()
    opened = "SELECT count(*) FROM bets WHERE created_t > ?"
    assert await wait_rows(bot, opened, resumed_t, at_least=1, within_s=40) >= 1


async def drive_page(bot: BotProcess, shots: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(find_browser(Settings())), headless=True)
        try:
            context = await browser.new_context(viewport=DESKTOP)
            page = await context.new_page()
            await page.goto(f"{bot.base}/?token={TOKEN}")
            await page.wait_for_function("() => document.getElementById('mode').textContent === 'PRACTICE'")
            await page.wait_for_function("() => document.getElementById('stream').textContent === 'live'")
            assert page.url == f"{bot.base}/"  # the token left the address bar
            assert await page.text_content("#armed") == "yes"
            assert await page.text_content("#level") == "ACTIVE"
            for _ in range(3):
                assert await tick_advances(bot, page) < 2.0
            # a settled bet reaches the page through the bet event (the sim profile bets every game)
            await page.wait_for_function(
                "() => document.querySelector('#settled-bets tbody tr td').textContent.startsWith('#')",
                timeout=30_000,
            )
            assert await page.locator("#decisions li .why").count() > 0
            assert "%" in (await page.text_content("#pwin") or "")
            assert (await page.text_content("#feed")) == "live"
            await page.screenshot(path=str(shots / "console-run-desktop.png"), full_page=True)

            await page.set_viewport_size(PHONE)
            await asyncio.sleep(0.3)
            assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            await page.screenshot(path=str(shots / "console-run-phone.png"), full_page=True)
            await pause_and_resume(bot, page)

            await page.click("#btn-halt")
            assert await page.is_disabled("#halt-confirm")  # no reason, no halt
            await page.fill("#halt-reason", "halt from the phone")
            clicked = time.monotonic()
            await page.click("#halt-confirm")
            while bot.active_halt() is None and time.monotonic() - clicked < 1.0:
                await asyncio.sleep(0.02)
            halted_after = time.monotonic() - clicked
            assert bot.active_halt() == ("halt from the phone", "console:127.0.0.1"), halted_after
            assert halted_after < 1.0
            await page.wait_for_function(
                "() => document.getElementById('level').textContent === 'HALTED'", timeout=2000
            )
            banner = await page.text_content("#banner") or ""
            assert banner.startswith("HALTED: halt from the phone")
            await page.screenshot(path=str(shots / "console-run-halted-phone.png"), full_page=True)
        finally:
            await browser.close()


def test_the_page_follows_a_practice_run_and_its_halt_button_stops_it(tmp_path: Path) -> None:
    port = free_port()
    args = ("--sim", "--sim-speed", "4", "--sim-rug-at", str(RUG_AT), "--profile", "sim", "--practice")
    with bot_process(
        tmp_path, *args, "--headless", "--duration", "150", "--dashboard", f"127.0.0.1:{port}", port=port
    ) as bot:
        bot.wait_status("/ready", 200, within_s=100)
        asyncio.run(asyncio.wait_for(drive_page(bot, tmp_path), timeout=120))
        assert bot.wait_exit(within_s=60) == EXIT_HALTED, bot.output()[-3000:]
    rows = [(r["action"], r["outcome"], r["remote"]) for r in bot.control_rows()]
    assert rows == [(action, "ok", "127.0.0.1") for action in ("pause", "resume", "halt")]
    for name in ("console-run-desktop.png", "console-run-phone.png", "console-run-halted-phone.png"):
        assert (tmp_path / name).stat().st_size > 10_000
