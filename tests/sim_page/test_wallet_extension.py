"""The stand-in Phantom wallet, driven through its own pages and a dapp's ``window.phantom.solana``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page

from tests.sim_page.harness import (
    APPROVE,
    PASSWORD,
    REJECT,
    W,
    create_wallet,
    dismiss_interstitials,
    handle_popup,
    is_approval,
    wallet_browser,
)

pytestmark = pytest.mark.browser

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# JS run in the dapp page: always resolves, so errors come back as data ({code, message}).
CALL = """async ([method, arg]) => {
  const w = window.phantom.solana;
  try {
    if (method === 'connect') { const r = await w.connect(arg || undefined); return {ok: r.publicKey.toString()}; }
    if (method === 'signMessage') {
      const r = await w.signMessage(new TextEncoder().encode(arg), 'utf8');
      let s = ''; for (const b of r.signature) s += String.fromCharCode(b);
      return {ok: btoa(s), key: r.publicKey.toString()};
    }
    if (method === 'signTransaction') {
      const r = await w.signTransaction(arg);
      return {ok: r.signatures.length};
    }
    if (method === 'signAllTransactions') {
      const r = await w.signAllTransactions(arg);
      return {ok: r.length};
    }
    if (method === 'forged') {
      // talk to the relay directly, as a hostile page could: internal methods and a claimed origin
      return await new Promise((resolve) => {
        const id = 'forged-' + Math.random();
        window.addEventListener('message', (ev) => {
          if (ev.data && ev.data.target === 'rugsbot-phantom-inpage' && ev.data.id === id) {
            resolve(ev.data.error ? {code: ev.data.error.code, message: ev.data.error.message} : {ok: ev.data.result});
          }
        });
        window.postMessage({target: 'rugsbot-phantom-content', id, method: arg.method, params: arg.params,
                            origin: 'https://rugs.fun'}, window.location.origin);
      });
    }
    return {error: 'bad method'};
  } catch (e) { return {code: e.code, message: e.message}; }
}"""


def b58decode(s: str) -> bytes:
    n = 0
    for ch in s:
        n = n * 58 + B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x00" * (len(s) - len(s.lstrip("1"))) + body


async def storage(ctx: BrowserContext, ext_id: str, area: str = "local") -> dict[str, Any]:
    """Read the wallet's storage from one of its own pages: unlike the service worker (which Chromium stops
    when idle), an extension page is always there to ask."""
    page = await ctx.new_page()
    try:
        await page.goto(f"chrome-extension://{ext_id}/popup.html")
        return await page.evaluate(f"chrome.storage.{area}.get(null)")
    finally:
        await page.close()


async def call_with_popup(
    ctx: BrowserContext,
    page: Page,
    method: str,
    arg: object,
    click: str = APPROVE,
    password: str | None = None,
    close: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Start a provider call, answer the approval window it opens, return (call result, what the window showed)."""
    async with ctx.expect_page(is_approval, timeout=15_000) as info:
        task = asyncio.create_task(page.evaluate(CALL, [method, arg]))
    popup = await info.value
    if close:
        await popup.wait_for_selector(W.primary_button)
        seen = {"kind": (await popup.text_content("#request-title")) or ""}
        await popup.close()
    else:
        seen = await handle_popup(popup, click=click, password=password)
    return await asyncio.wait_for(task, 15), seen


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 90))


ONBOARDING_CASES = [
    # (password, confirm, terms ticked, expected error text or None for success)
    ("short", "short", True, "at least 8 characters"),
    (PASSWORD, PASSWORD + "x", True, "do not match"),
    (PASSWORD, PASSWORD, False, "Terms of Service"),
    (PASSWORD, PASSWORD, True, None),
    (PASSWORD, PASSWORD, True, "already exists"),
]


def test_onboarding_validates_and_stores_only_a_salted_hash(chromium: Path, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with wallet_browser(tmp_path / "profile") as (_pw, ctx, ext_id):
            page = await ctx.new_page()
            await page.goto(f"chrome-extension://{ext_id}/{W.onboarding_page}")
            created = ""
            for password, confirm, terms, expected in ONBOARDING_CASES:
                await page.reload()
                if expected == "already exists":
                    await page.wait_for_selector(W.onboarding_done)
                    assert "already exists" in ((await page.text_content("#status")) or "")
                    continue
                await page.fill(W.onboarding_password, password)
                await page.fill(W.onboarding_confirm, confirm)
                if terms:
                    await page.click(W.onboarding_terms)
                await page.click(W.onboarding_submit)
                if expected is None:
                    await page.wait_for_selector(W.onboarding_done)
                    assert (await page.text_content("#status")) == "You're all ready!"
                    created = (await page.text_content("#public-key")) or ""
                else:
                    await page.wait_for_function("document.getElementById('error').textContent.length > 0")
                    assert expected in ((await page.text_content("#error")) or "")
            assert len(b58decode(created)) == 32
            local = await storage(ctx, ext_id)
            dump = json.dumps(local)
            assert PASSWORD not in dump
            wallet = local["wallet"]
            assert wallet["publicKey"] == created
            salt = base64.b64decode(wallet["salt"])
            assert wallet["passwordHash"] == hashlib.sha256(salt + PASSWORD.encode()).hexdigest()
            assert (await storage(ctx, ext_id, "session"))["unlocked"] is True  # a new wallet starts unlocked

    run(scenario())


async def check_shape_and_unauthorized_calls(ctx: BrowserContext, page: Page) -> None:
    """Before any connect: Phantom's provider surface, and every call that must fail without a window."""
    shape = await page.evaluate("""() => {
      const w = window.phantom && window.phantom.solana;
      return {isPhantom: w.isPhantom, same: window.solana === w, isConnected: w.isConnected,
              publicKey: w.publicKey,
              methods: ['connect','disconnect','signMessage','signTransaction','signAllTransactions']
                .filter(m => typeof w[m] === 'function')};
    }""")
    assert shape == {
        "isPhantom": True,
        "same": True,
        "isConnected": False,
        "publicKey": None,
        "methods": ["connect", "disconnect", "signMessage", "signTransaction", "signAllTransactions"],
    }
    # Table: calls that must fail without any window, with Phantom's error codes.
    for method, arg, code in [
        ("signMessage", "hello", 4100),  # origin never connected
        ("signTransaction", {"to": "x"}, 4100),
        ("connect", {"onlyIfTrusted": True}, 4001),  # silent connect from an untrusted origin
        # a page posting straight to the relay cannot reach the wallet's own UI operations
        ("forged", {"method": "unlock", "params": {"password": PASSWORD}}, -32601),
        ("forged", {"method": "lock", "params": {}}, -32601),
        ("forged", {"method": "create", "params": {"password": "x" * 9, "confirm": "x" * 9}}, -32601),
    ]:
        res = await page.evaluate(CALL, [method, arg])
        assert res["code"] == code, (method, res)
    assert [p for p in ctx.pages if is_approval(p)] == []


def test_provider_then_connect_approve_then_sign_is_deterministic_hmac(
    chromium: Path, tmp_path: Path, dapp_origin: str
) -> None:
    async def scenario() -> None:
        async with wallet_browser(tmp_path / "profile") as (_pw, ctx, ext_id):
            key = await create_wallet(ctx, ext_id)
            page = await ctx.new_page()
            await page.goto(dapp_origin)
            await check_shape_and_unauthorized_calls(ctx, page)
            res, seen = await call_with_popup(ctx, page, "connect", None)
            assert res == {"ok": key}
            assert seen["kind"] == "Connection request" and seen["origin"] == dapp_origin
            assert (seen["approve"], seen["reject"]) == ("Connect", "Cancel")
            assert await page.evaluate("window.phantom.solana.isConnected") is True
            # a trusted, unlocked origin reconnects without a window (like Phantom)
            assert await page.evaluate(CALL, ["connect", {"onlyIfTrusted": True}]) == {"ok": key}
            message = "Sign in to rugs.fun sim: abc 123"
            sigs = []
            for _ in range(2):
                res, seen = await call_with_popup(ctx, page, "signMessage", message)
                assert seen["kind"] == "Sign Message" and seen["detail"] == message
                assert (seen["approve"], seen["reject"]) == ("Confirm", "Cancel")
                assert res["key"] == key
                sigs.append(res["ok"])
            secret = base64.b64decode((await storage(ctx, ext_id))["wallet"]["secret"])
            expected = base64.b64encode(hmac.new(secret, message.encode(), hashlib.sha256).digest()).decode()
            assert sigs == [expected, expected]
            assert (await storage(ctx, ext_id))["trustedOrigins"] == [dapp_origin]

    run(scenario())


REJECTIONS = [
    # (method, arg, how the user answers, expected window title)
    ("connect", None, REJECT, "Connection request"),
    ("connect", None, "close", "Connection request"),
    ("signMessage", "hello", REJECT, "Sign Message"),
    (
        "signTransaction",
        {"description": "drain", "instructions": [{"lamports": 5}]},
        REJECT,
        "Confirm Transaction",
    ),
    ("signTransaction", {"description": "drain"}, "close", "Confirm Transaction"),
    (
        "signAllTransactions",
        [{"description": "a"}, {"description": "b"}],
        REJECT,
        "Confirm Transaction",
    ),
]


def test_every_rejection_is_phantoms_4001(chromium: Path, tmp_path: Path, dapp_origin: str) -> None:
    async def scenario() -> None:
        async with wallet_browser(tmp_path / "profile") as (_pw, ctx, ext_id):
            await create_wallet(ctx, ext_id)
            page = await ctx.new_page()
            await page.goto(dapp_origin)
            for method, arg, answer, title in REJECTIONS:
                if method != "connect" and not await page.evaluate("window.phantom.solana.isConnected"):
                    res, _ = await call_with_popup(ctx, page, "connect", None)
                    assert "ok" in res
                res, seen = await call_with_popup(
                    ctx, page, method, arg, click=answer, close=answer == "close"
                )
                assert seen["kind"] == title, (method, answer)
                assert res == {"code": 4001, "message": "User rejected the request."}, (method, answer)
            # the transaction window showed what the page asked to sign
            async with ctx.expect_page(is_approval) as info:
                task = asyncio.create_task(
                    page.evaluate(CALL, ["signTransaction", {"description": "drain 9 SOL"}])
                )
            popup = await info.value
            await popup.wait_for_selector(W.primary_button)
            assert "drain 9 SOL" in ((await popup.text_content("#request-detail")) or "")
            assert (await popup.text_content(W.primary_button)) == "Confirm"
            await popup.click(REJECT)
            assert (await task)["code"] == 4001
            # a request that claims another origin is shown (and judged) with the page's real origin
            res, seen = await call_with_popup(
                ctx,
                page,
                "forged",
                {"method": "signMessage", "params": {"message": "aGk="}},
                click=REJECT,
            )
            assert seen["origin"] == dapp_origin and seen["detail"] == "hi"
            assert res["code"] == 4001

    run(scenario())


def test_lock_unlock_and_relock_on_browser_restart(chromium: Path, tmp_path: Path, dapp_origin: str) -> None:
    profile = tmp_path / "profile"

    async def first_run() -> str:
        async with wallet_browser(profile) as (_pw, ctx, ext_id):
            key = await create_wallet(ctx, ext_id)
            popup = await ctx.new_page()
            await popup.goto(f"chrome-extension://{ext_id}/{W.popup_page}")
            await popup.wait_for_selector("#interstitial-view:not([hidden])")
            assert not await popup.is_visible(W.unlocked_marker)  # the announcements stand before the home
            assert await dismiss_interstitials(popup) == ["Enable Sui?", "Enable Monad?"]
            await popup.wait_for_selector(W.unlocked_marker)
            assert await popup.text_content("#public-key") == key
            await popup.click('[data-testid="lock-menu-item"]')
            await popup.wait_for_selector(W.unlock_password)
            # a locked wallet asks for the password inside the request window; a wrong one is refused
            page = await ctx.new_page()
            await page.goto(dapp_origin)
            async with ctx.expect_page(is_approval) as info:
                task = asyncio.create_task(page.evaluate(CALL, ["connect", None]))
            approval = await info.value
            await approval.wait_for_selector(W.unlock_password)
            assert not await approval.is_visible(W.primary_button)
            assert await approval.get_attribute(W.unlock_password, "type") == "password"
            await approval.fill(W.unlock_password, "wrong password")
            await approval.click(W.unlock_submit)
            # a selector, not wait_for_function: the extension's CSP forbids evaluating a string
            await approval.wait_for_selector("#unlock-error:not(:empty)")
            assert await approval.text_content("#unlock-error") == "Incorrect password"
            await handle_popup(approval, password=PASSWORD)
            assert await asyncio.wait_for(task, 15) == {"ok": key}
            return key

    async def second_run(key: str) -> None:
        async with wallet_browser(profile) as (_pw, ctx, ext_id):
            assert (await storage(ctx, ext_id, "session")).get("unlocked") is not True
            popup = await ctx.new_page()
            await popup.goto(f"chrome-extension://{ext_id}/{W.popup_page}")
            await popup.wait_for_selector(W.unlock_password)
            # the stuck-spinner fault: unlocked underneath, but the spinner turns until a reload
            await popup.evaluate("chrome.storage.local.set({simStuckSpinner: true})")
            await popup.fill(W.unlock_password, PASSWORD)
            await popup.click(W.unlock_submit)
            await popup.wait_for_selector(W.spinner)
            await asyncio.sleep(1.0)
            assert await popup.is_visible(W.spinner) and not await popup.is_visible(W.unlocked_marker)
            await popup.reload()
            await popup.wait_for_selector(W.unlocked_marker)  # announcements were answered in the first run
            assert not await popup.is_visible(W.spinner)
            assert await popup.text_content("#public-key") == key
            assert "simStuckSpinner" not in await storage(ctx, ext_id)  # the fault fires once

    key = run(first_run())
    run(second_run(key))
