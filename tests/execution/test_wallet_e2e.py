"""The wallet automation with the real stand-in extension, driven by the one real-Phantom table.

Foreign origins are rejected, a locked wallet is unlocked inside the request window, the popup's network
announcements are answered with "Not Now", and an unlock whose spinner never vanishes is retried by one reload.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger
from pydantic import SecretStr

from bot.browser.approval import ApprovalPolicy, RequestKind, normalize_origin
from bot.browser.launch import LaunchedBrowser, launch
from bot.browser.selectors import PHANTOM_WALLET as W
from bot.browser.wallet import WalletAutomation
from bot.config import Profile, Settings
from tests.execution.conftest import browser_available

pytestmark = pytest.mark.browser

PASSWORD = SecretStr("correct horse battery staple")


async def _wait(cond: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


@pytest.fixture()
def warnings() -> Iterator[list[str]]:
    """Every WARNING line the bot logs while the test runs."""
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="WARNING", format="{message}")
    yield lines
    logger.remove(sink)


async def _standin(tmp_path: Path) -> LaunchedBrowser:
    from bot.sim.assets import extension_dir

    return await launch(
        Settings(),
        Profile(),
        headless=True,
        extension_dir=extension_dir(),
        profile_dir=tmp_path / "profile",
        trace=False,
    )


async def _lock(b: LaunchedBrowser) -> None:
    popup = await b.context.new_page()
    await popup.goto(f"chrome-extension://{b.extension_id}/{W.popup_page}")
    await popup.click('[data-testid="lock-menu-item"]')
    await popup.locator(W.unlock_password).wait_for(state="visible")
    await popup.close()


def test_foreign_origin_rejected_and_locked_wallet_unlocked(
    tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    sim = start_sim_in_thread(SimConfig(speed=10, seed="wallet", players=2))
    halts: list[str] = []

    async def scenario() -> list[tuple[RequestKind, str, bool]]:
        b = await _standin(tmp_path)
        try:
            assert b.extension_id and len(b.extension_id) == 32  # found by name at run time
            policy = ApprovalPolicy.build(["https://rugs.fun"], sim_url=sim.url)
            w = WalletAutomation(
                b.context, b.extension_id, policy, W, on_halt=halts.append, password=PASSWORD
            )
            w.start()
            # onboarding, then the popup's "Enable Sui"/"Enable Monad" screens, then the home
            assert await w.ensure_ready(PASSWORD, onboard=True) == "created"
            assert await w.ensure_ready(PASSWORD, onboard=True) == "already unlocked"
            # 1. the same page from another origin (localhost ≠ 127.0.0.1): its connect request is rejected
            foreign = await b.context.new_page()
            await foreign.goto(sim.url.replace("127.0.0.1", "localhost"))
            await foreign.click("#connect-button")
            await foreign.click("#phantom-option")
            assert await _wait(lambda: len(w.decisions) >= 1)
            await foreign.locator("#modal-error").filter(has_text="rejected").wait_for(timeout=10_000)
            await foreign.close()
            # 2. lock the wallet; the allowed page's connect opens a request window that asks for the password
            await _lock(b)
            page = await b.context.new_page()
            await page.goto(sim.url)
            await page.click("#connect-button")
            await page.click("#phantom-option")
            assert await _wait(lambda: len(w.decisions) >= 3)
            await page.locator("#connect-button").wait_for(state="hidden", timeout=10_000)  # logged in
            await w.wait_idle()
            popup = await b.context.new_page()
            await popup.goto(f"chrome-extension://{b.extension_id}/{W.popup_page}")
            await popup.locator(W.unlocked_marker).wait_for(state="visible")  # the request window unlocked it
            return [(r.kind, r.origin, d.approve) for r, d in w.decisions]
        finally:
            await b.close()

    try:
        decisions = run(scenario())
    finally:
        sim.stop()
    foreign_origin = normalize_origin(sim.url.replace("127.0.0.1", "localhost"))
    allowed = normalize_origin(sim.url)
    assert decisions[0] == (RequestKind.CONNECT, foreign_origin, False)
    assert (RequestKind.CONNECT, allowed, True) in decisions[1:]
    assert (RequestKind.SIGN_MESSAGE, allowed, True) in decisions[1:]
    assert halts == []


def test_unlock_whose_spinner_never_vanishes_is_retried_by_one_reload(
    tmp_path: Path, run: Callable[[Awaitable[Any]], Any], warnings: list[str]
) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")

    async def scenario() -> tuple[str, str, int]:
        b = await _standin(tmp_path)
        try:
            policy = ApprovalPolicy.build([])
            w = WalletAutomation(
                b.context, b.extension_id, policy, W, on_halt=lambda _r: None, spinner_timeout_s=2
            )
            assert await w.ensure_ready(PASSWORD, onboard=True) == "created"
            await _lock(b)
            assert await w.ensure_ready(PASSWORD, onboard=False) == "unlocked"
            assert w.unlock_reloads == 0  # a healthy unlock needs no reload
            await _lock(b)
            setter = await b.context.new_page()
            await setter.goto(f"chrome-extension://{b.extension_id}/{W.popup_page}")
            await setter.evaluate("chrome.storage.local.set({simStuckSpinner: true})")
            await setter.close()
            stuck = await w.ensure_ready(PASSWORD, onboard=False)
            reloads = w.unlock_reloads
            await _lock(b)
            again = await w.ensure_ready(PASSWORD, onboard=False)  # the fault fired once: no second reload
            assert w.unlock_reloads == reloads
            return stuck, again, reloads
        finally:
            await b.close()

    assert run(scenario()) == ("unlocked", "unlocked", 1)
    assert (
        sum("spinner did not vanish" in line and "reloading the page once" in line for line in warnings) == 1
    )


def test_wrong_password_and_missing_wallet_fail_closed(
    tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    from bot.browser.errors import WalletError

    async def scenario() -> list[str]:
        b = await _standin(tmp_path)
        errors: list[str] = []
        try:
            w = WalletAutomation(
                b.context, b.extension_id, ApprovalPolicy.build([]), W, on_halt=lambda _r: None
            )
            for password, onboard in ((PASSWORD, False), (SecretStr(""), True)):
                try:
                    await w.ensure_ready(password, onboard=onboard)
                except WalletError as exc:
                    errors.append(str(exc))
            assert await w.ensure_ready(PASSWORD, onboard=True) == "created"
            await _lock(b)
            try:
                await w.ensure_ready(SecretStr("not the password"), onboard=False)
            except WalletError as exc:
                errors.append(str(exc))
        finally:
            await b.close()
        return errors

    errors = run(scenario())
    assert len(errors) == 3
    assert "not set up on this profile" in errors[0] and "rugsbot login" in errors[0]
    assert "password is not set" in errors[1]
    assert "did not unlock" in errors[2]
