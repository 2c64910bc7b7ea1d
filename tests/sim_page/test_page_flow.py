"""The page against the real simulator, driven like the bot drives it: DOM in, the page's own socket observed.

Each scenario launches Chromium with the stand-in wallet, creates the wallet, logs in through the approval
windows and then checks the wire (what the page sent and what the server answered) against the simulator's
ground truth. The simulator runs 20x fast (12.5 ms ticks) so a 40-tick window closes in half a second.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page

from bot.config.sections import SelectorsConfig
from bot.money import PRACTICE_COIN, SOL_MINT
from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle, start_sim_in_thread
from tests.sim.wire import rug_soon
from tests.sim_page.harness import (
    AMOUNT_INPUT,
    BET_BUTTON,
    REJECT,
    Wire,
    create_wallet,
    handle_popup,
    is_approval,
    login,
    until,
    wallet_browser,
)

pytestmark = pytest.mark.browser

TRACE = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
ACTIVE_BUTTON = BET_BUTTON + ".but-button-active"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimHandle]:
    handle = start_sim_in_thread(SimConfig(speed=20, seed="sim-page-tests", jitter=False))
    try:
        yield handle
    finally:
        handle.stop()


Scenario = Callable[[BrowserContext, Page, Wire], Awaitable[None]]


def run_scenario(sim: SimHandle, tmp_path: Path, scenario: Scenario, logged_in: bool = True) -> None:
    async def main() -> None:
        async with wallet_browser(tmp_path / "profile") as (_pw, ctx, ext_id):
            await create_wallet(ctx, ext_id)
            page = await ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            wire = Wire()
            wire.attach(page)  # before goto: a socket opened before listening is invisible
            await page.goto(sim.url + "/")
            await until(lambda: wire.events("gameStateUpdate"), 10, "first gameStateUpdate")
            if logged_in:
                await login(ctx, page)
            await scenario(ctx, page, wire)
            assert errors == [], errors  # no uncaught exception in the page, whatever the scenario did

    asyncio.run(asyncio.wait_for(main(), 120))


async def truth(sim: SimHandle) -> Any:
    return await asyncio.to_thread(sim.truth)


def player_id(wire: Wire) -> str:
    """Our player as the simulator names it: from the public key the page signed in with."""
    return "did:sim:" + wire.sent_events("authenticate")[0][1][-1]["publicKey"]


async def account(sim: SimHandle, wire: Wire) -> Any:
    """This test's account (the module's simulator also holds the other tests' players)."""
    [acct] = [a for a in (await truth(sim)).accounts if a.player_id == player_id(wire)]
    return acct


async def click_bet(page: Page, wire: Wire, timeout: float = 5.0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Click the bet button once; return (the requestSidebet payload sent, the ack the server returned)."""
    before = len(wire.sent_events("requestSidebet"))
    await page.click(BET_BUTTON)
    await until(lambda: len(wire.sent_events("requestSidebet")) > before, timeout, "requestSidebet sent")
    ack_id, args = wire.sent_events("requestSidebet")[before]
    await until(lambda: wire.ack(ack_id) is not None, timeout, f"ack {ack_id}")
    assert isinstance(args[0], dict) and TRACE.match(args[0]["traceparent"]), args
    return args[-1], wire.ack(ack_id)


async def place_accepted(page: Page, wire: Wire, tries: int = 6) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wait for the button to turn active and click; a rug between the two can refuse it, so retry a few games."""
    for _ in range(tries):
        await page.wait_for_selector(ACTIVE_BUTTON, timeout=15_000)
        sent, ack = await click_bet(page, wire)
        if ack.get("success"):
            return sent, ack
        assert ack["message"] in ("Game already rugged", "Game not active"), ack
    raise AssertionError("no side bet accepted")


async def open_panel(page: Page) -> None:
    if not await page.is_visible("div.sidebet-container"):
        await page.click('[class*="_sidebetToggle_"]')
    await page.wait_for_selector("div.sidebet-container", state="visible")


def test_page_shows_live_game_and_every_default_selector_resolves(
    chromium: Path, sim: SimHandle, tmp_path: Path
) -> None:
    async def scenario(ctx: BrowserContext, page: Page, wire: Wire) -> None:
        # ticks on screen follow the server's game
        await page.wait_for_selector("#phase[data-phase='ACTIVE']", timeout=15_000)
        t = await truth(sim)
        shown = int(((await page.text_content("#tick")) or "tick -1").split()[-1])
        assert t.phase == "ACTIVE" and abs(t.tick - shown) <= 10, (t.phase, t.tick, shown)
        assert await page.text_content("#game-id") == t.game_id
        await asyncio.to_thread(rug_soon, sim, 3)
        await page.wait_for_selector(
            "#phase[data-phase='COOLDOWN'], #phase[data-phase='RUGGED']", timeout=30_000
        )
        # the page answered the server's Engine.IO handshake the way socket.io-client does
        assert wire.sent[0] == "40" and wire.received[0].startswith("0{")
        # every selector the bot ships with finds exactly the element it means on this page
        sel = SelectorsConfig()
        for field in (
            "sidebet_button",
            "sidebet_panel_toggle",
            "amount_input",
            "clear_button",
            "coin_selector",
            "connect_button",
            "phantom_option",
        ):
            for s in getattr(sel, field):
                assert await page.locator(s).count() == 1, (field, s)
        texts = await page.locator('[class*="_controlBtn_"]').all_text_contents()
        assert texts == ["+0.001", "+0.01", "+0.1", "+1", "1/2", "X2", "MAX"]
        # quick buttons: table of click sequences → the amount the input holds
        for clicks, expected in [
            (["+0.001"], "0.001"),
            (["+0.01", "+0.001", "X2"], "0.022"),
            (["+1", "1/2"], "0.5"),
            (["+0.1", "+0.1", "+0.1"], "0.3"),  # integer lamports: no 0.30000000000000004
            (["+0.001", "1/2"], "0.0005"),
            (["MAX"], "0"),  # not logged in: no balance
        ]:
            await page.click('[class*="_clearButton_"]')
            for c in clicks:
                await page.locator(
                    '[class*="_controlBtn_"]', has_text=re.compile(f"^{re.escape(c)}$")
                ).click()
            assert await page.input_value(AMOUNT_INPUT) == expected, clicks
        # logged out: the button never looks enabled, whatever the amount
        await open_panel(page)
        await page.fill(AMOUNT_INPUT, "0.01")
        await page.wait_for_selector("#phase[data-phase='ACTIVE']", timeout=15_000)
        assert "but-button-active" not in ((await page.get_attribute(BET_BUTTON, "class")) or "")

    run_scenario(sim, tmp_path, scenario, logged_in=False)


def test_login_then_bet_is_confirmed_and_settled(chromium: Path, sim: SimHandle, tmp_path: Path) -> None:
    async def scenario(ctx: BrowserContext, page: Page, wire: Wire) -> None:
        # the authenticate frame has the real shape: ack id, trace header, wallet-signed payload
        [(ack_id, args)] = wire.sent_events("authenticate")
        assert ack_id != "" and TRACE.match(args[0]["traceparent"])
        auth = args[1]
        assert set(auth) == {"publicKey", "message", "signature"}
        assert auth["message"].startswith("Sign in to rugs.fun sim: ")
        assert wire.ack(ack_id)["success"] is True
        acct = await account(sim, wire)
        assert acct.player_id == f"did:sim:{auth['publicKey']}"
        assert await page.text_content("#username") == acct.username
        assert await page.text_content("#balance") == f"{acct.balances[SOL_MINT] / 1e9:.3f} SOL"
        assert await page.is_hidden("button:has-text('Connect')")

        await page.fill(AMOUNT_INPUT, "0.01")
        await open_panel(page)
        sent, ack = await place_accepted(page, wire)
        assert sent == {"amount": 0.01, "coinAddress": SOL_MINT, "xPayout": 5}
        assert ack["message"] == "Side bet placed"
        await until(lambda: wire.events("currentSidebet"), 5, "currentSidebet")
        placed = wire.events("currentSidebet")[-1]
        assert isinstance(placed, dict) and placed["betAmount"] == 0.01
        assert placed["endTick"] == placed["startTick"] + 40
        # the page shows the active bet and refuses to look clickable while it runs
        # (unless the bet already settled: at 20x a rug can come within a few ms)
        shown = f"ACTIVE {placed['startTick']} → {placed['endTick']}"
        settled = f"(ticks {placed['startTick']}–{placed['endTick']})"
        await page.wait_for_function(
            """([shown, settled]) => {
            const b = document.querySelector('div.sidebet-container > div.sidebet-banner > div.bet-button');
            return (b.textContent === shown && !b.classList.contains('but-button-active'))
              || document.getElementById('sidebet-status').textContent.endsWith(settled); }""",
            arg=[shown, settled],
            timeout=5_000,
        )
        # settled by the server: loss after the window or win at the rug
        await until(lambda: wire.events("currentSidebetResult"), 15, "currentSidebetResult")
        result = wire.events("currentSidebetResult")[-1]
        assert isinstance(result, dict)
        [bet] = [b for b in (await truth(sim)).bets if b.player_id == player_id(wire)]
        assert (bet.start_tick, bet.end_tick) == (placed["startTick"], placed["endTick"])
        assert str(bet.outcome).lower().endswith(("won", "lost")), bet
        won = bet.payout_lamports > 0
        assert result["payout"] == (0.05 if won else 0)
        status = "WON 0.05" if won else "LOST 0.01"
        await page.wait_for_selector(f"#sidebet-status:has-text('{status}')", timeout=5_000)
        acct = await account(sim, wire)
        await page.wait_for_selector(
            f"#balance:text-is('{acct.balances[SOL_MINT] / 1e9:.3f} SOL')", timeout=5_000
        )
        # practice coin: the selector switches what is sent
        await page.click('[class*="_coinSelector_"]')
        await page.click('[class*="_coinOption_"]:text-is("FREE")')
        assert (await page.inner_text('[class*="_coinSelector_"]')).strip() == "FREE"
        sent, ack = await place_accepted(page, wire)
        assert sent["coinAddress"] == PRACTICE_COIN and ack["success"] is True

    run_scenario(sim, tmp_path, scenario)


def test_every_refusal_reaches_the_wire_and_the_toast(chromium: Path, sim: SimHandle, tmp_path: Path) -> None:
    async def scenario(ctx: BrowserContext, page: Page, wire: Wire) -> None:
        await open_panel(page)

        async def below_minimum() -> None:
            await page.fill(AMOUNT_INPUT, "0.0005")
            await page.wait_for_selector("#phase[data-phase='ACTIVE']", timeout=15_000)

        async def while_one_is_active() -> None:
            await page.fill(AMOUNT_INPUT, "0.002")
            await place_accepted(page, wire)

        async def not_active() -> None:
            await asyncio.to_thread(rug_soon, sim)
            await page.wait_for_selector(
                "#phase[data-phase='COOLDOWN'], #phase[data-phase='PRESALE']", timeout=30_000
            )

        async def server_fault() -> None:
            await page.wait_for_selector(ACTIVE_BUTTON, timeout=15_000)
            await asyncio.to_thread(sim.fault, "reject", 1)

        cases: list[tuple[str, Callable[[], Awaitable[None]], str]] = [
            ("below minimum", below_minimum, "Minimum side bet is 0.001"),
            ("already active", while_one_is_active, "You already have an active side bet"),
            ("not active", not_active, "Game not active"),
            ("server refuses", server_fault, "Side bet rejected, please try again"),
        ]
        # The game keeps running between the setup and the click (20x clock): a rug, a window that already
        # closed or a round that just started can change the answer. Those races are recognised and the case
        # is set up again; any other answer fails at once.
        races = ("Game already rugged", "Game not active", "Side bet placed")
        for name, setup, message in cases:
            expected = {"success": False, "message": message}
            ack: dict[str, Any] | None = None
            for _attempt in range(4):
                await setup()
                if name == "server refuses":
                    await page.fill(AMOUNT_INPUT, "0.002")
                elif "but-button-active" in ((await page.get_attribute(BET_BUTTON, "class")) or ""):
                    continue  # the phase moved on before we looked: the page's cue says "would work"
                sent, ack = await click_bet(page, wire)
                if ack == expected:
                    break
                assert ack.get("message") in races, (name, sent, ack)
            assert ack == expected, (name, sent, ack)
            toast = page.locator('[class*="_toastError_"]', has_text=message)
            await toast.first.wait_for(timeout=5_000)
        # with the toasts still showing, the bet button is what a click at its centre hits (the broker checks this)
        assert await page.locator('[class*="_toastError_"]').count() >= 2
        assert await page.eval_on_selector(
            BET_BUTTON,
            """el => { const r = el.getBoundingClientRect();
            const h = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return h === el || el.contains(h); }""",
        )
        # raw wire shape of a refusal: 43<id>[{"success":false,...}]
        refusals = [f for f in wire.received if re.match(r'^43\d+\[\{"success":false', f)]
        assert len(refusals) >= len(cases)
        acct = await account(sim, wire)
        assert (await truth(sim)).sidebet_requests[acct.player_id] == len(wire.sent_events("requestSidebet"))

    run_scenario(sim, tmp_path, scenario)


def test_sign_request_is_shown_as_a_transaction_then_a_drop_reconnects_logged_in(
    chromium: Path, sim: SimHandle, tmp_path: Path
) -> None:
    async def scenario(ctx: BrowserContext, page: Page, wire: Wire) -> None:
        # 1. a hostile "sign this transaction" request: the wallet shows what it is and who asks
        async with ctx.expect_page(is_approval, timeout=15_000) as info:
            await asyncio.to_thread(sim.fault, "sign_request")
        seen = await handle_popup(await info.value, click=REJECT)
        assert seen["kind"] == "Confirm Transaction"
        assert seen["origin"] == sim.url
        assert (seen["approve"], seen["reject"]) == ("Confirm", "Cancel")
        assert json.loads(seen["detail"])["instructions"][0]["type"] == "transfer"
        await page.wait_for_selector(
            "#sign-result:has-text('rejected (User rejected the request.)')", timeout=5_000
        )
        await until(lambda: wire.sent_events("simSignResult"), 5, "simSignResult")
        report = wire.sent_events("simSignResult")[-1][1][-1]
        assert report["approved"] is False and report["code"] == 4001

        # 2. a network drop: the page reconnects with backoff and re-sends its stored sign-in
        first_auth = wire.sent_events("authenticate")[0][1][-1]
        await asyncio.to_thread(sim.fault, "drop")
        await until(lambda: wire.sockets >= 2, 15, "a second socket")
        await page.wait_for_selector("#conn-status[data-state='connected']", timeout=15_000)
        await until(lambda: len(wire.sent_events("authenticate")) >= 2, 10, "re-authentication")
        ack_id, args = wire.sent_events("authenticate")[-1]
        assert args[-1] == first_auth  # the stored sign-in, no new wallet prompt
        await until(lambda: wire.ack(ack_id) is not None, 5, "re-auth ack")
        assert wire.ack(ack_id)["success"] is True
        assert [p for p in ctx.pages if is_approval(p)] == []
        assert await page.is_hidden("button:has-text('Connect')")
        # and the game keeps flowing on the new socket
        n = wire.count("gameStateUpdate")
        await until(lambda: wire.count("gameStateUpdate") > n + 20, 10, "frames after reconnect")
        assert (await truth(sim)).connections == 1

    run_scenario(sim, tmp_path, scenario)


def test_page_survives_garbage_stalls_and_shows_maintenance(
    chromium: Path, sim: SimHandle, tmp_path: Path
) -> None:
    async def scenario(ctx: BrowserContext, page: Page, wire: Wire) -> None:
        await page.wait_for_selector("#phase[data-phase='ACTIVE']", timeout=15_000)
        for name, value in [("malformed", 7), ("stall", 0.5), ("duplicate", 5), ("reorder", 4)]:
            target = wire.count("gameStateUpdate") + 20
            await asyncio.to_thread(sim.fault, name, value)
            await until(lambda: wire.count("gameStateUpdate") > target, 15, f"frames after {name}")  # noqa: B023
        # malformed frames arrived and changed nothing visible: the phase is still one of the real ones
        assert any(f.startswith("4x") for f in wire.received)
        assert await page.get_attribute("#phase", "data-phase") in ("ACTIVE", "RUGGED", "COOLDOWN", "PRESALE")
        assert wire.sockets == 1  # garbage did not make the page drop its socket
        await asyncio.to_thread(sim.fault, "maintenance", 30)  # sim seconds: 1.5 s at 20x
        await page.wait_for_selector("#maintenance:has-text('Server will reboot')", timeout=5_000)
        await asyncio.to_thread(rug_soon, sim)  # the pause comes with the next cooldown
        await page.wait_for_selector("#cooldown:has-text('(paused)')", timeout=30_000)
        # the end of the pause clears the notice (maintenanceUpdate {active: false})
        await page.wait_for_selector("#maintenance", state="hidden", timeout=15_000)

    run_scenario(sim, tmp_path, scenario, logged_in=False)
