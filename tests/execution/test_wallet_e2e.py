"""The approval watcher with the real stand-in extension: foreign origins rejected, a locked wallet unlocked."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.browser.launch import launch
from bot.browser.selectors import STAND_IN_WALLET
from bot.browser.wallet import ApprovalPolicy, RequestKind, WalletAutomation
from bot.config import Profile, Settings
from tests.execution.conftest import browser_available

pytestmark = pytest.mark.browser


async def _wait(cond: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


def test_foreign_origin_rejected_and_locked_wallet_unlocked(
    tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    from bot.sim.assets import extension_dir
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    sim = start_sim_in_thread(SimConfig(speed=10, seed="wallet", players=2))
    password = SecretStr("correct horse battery staple")
    halts: list[str] = []

    async def scenario() -> list[tuple[RequestKind, str, bool]]:
        b = await launch(
            Settings(),
            Profile(),
            headless=True,
            extension_dir=extension_dir(),
            profile_dir=tmp_path / "profile",
            trace=False,
        )
        try:
            policy = ApprovalPolicy.build(["https://rugs.fun"], sim_url=sim.url)
            w = WalletAutomation(
                b.context, b.extension_id, policy, STAND_IN_WALLET, on_halt=halts.append, password=password
            )
            w.start()
            assert await w.ensure_ready(password, onboard=True) == "created"
            assert await w.ensure_ready(password, onboard=True) == "already unlocked"
            # 1. the same page from another origin (localhost ≠ 127.0.0.1): its connect request is rejected
            foreign = await b.context.new_page()
            await foreign.goto(sim.url.replace("127.0.0.1", "localhost"))
            await foreign.click("#connect-button")
            await foreign.click("#phantom-option")
            assert await _wait(lambda: len(w.decisions) >= 1)
            await foreign.locator("#modal-error").filter(has_text="rejected").wait_for(timeout=10_000)
            # 2. lock the wallet; the allowed page's connect opens an approval window that asks for the password
            popup = await b.context.new_page()
            await popup.goto(f"chrome-extension://{b.extension_id}/popup.html")
            await popup.click("#lock-button")
            await popup.locator("#locked-view").wait_for(state="visible")
            page = await b.context.new_page()
            await page.goto(sim.url)
            await page.click("#connect-button")
            await page.click("#phantom-option")
            assert await _wait(lambda: len(w.decisions) >= 3)
            await page.locator("#connect-button").wait_for(state="hidden", timeout=10_000)  # logged in
            await w.wait_idle()
            await popup.reload()
            await popup.locator("#unlocked-view").wait_for(state="visible")  # the approval window unlocked it
            return [(r.kind, r.origin, d.approve) for r, d in w.decisions]
        finally:
            await b.close()

    try:
        decisions = run(scenario())
    finally:
        sim.stop()
    foreign_origin = sim.url.replace("127.0.0.1", "localhost")
    assert decisions[0] == (RequestKind.CONNECT, foreign_origin, False)
    assert (RequestKind.CONNECT, sim.url, True) in decisions[1:]
    assert (RequestKind.SIGN_MESSAGE, sim.url, True) in decisions[1:]
    assert halts == []
