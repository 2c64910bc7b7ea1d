"""Browser helpers for the sim-page tests: a persistent Chromium profile with the stand-in wallet loaded.

The stand-in is driven through the real Phantom's table (bot/browser/selectors.py), as the bot drives it.

Kept apart from the tests so each test reads as a scenario. Everything here drives the real page through the
DOM and the real extension through its own pages, the way the bot (and a human) would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page, Playwright, WebSocket, async_playwright

from bot.browser.selectors import PHANTOM_WALLET as W
from bot.sim.assets import extension_dir

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery"  # test-only wallet password
BET_BUTTON = "div.sidebet-container > div.sidebet-banner > div.bet-button"
AMOUNT_INPUT = '[class*="_amountInputContainer_"] input[type="number"]'
APPROVE = W.primary_button  # Connect / Confirm
REJECT = W.secondary_button  # Cancel
ACK_RE = re.compile(r"^43(\d+)(\[.*)$", re.S)
EVENT_RE = re.compile(r"^42(\d*)(\[.*)$", re.S)


def launch_args(ext: Path) -> list[str]:
    return [
        f"--disable-extensions-except={ext}",
        f"--load-extension={ext}",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


@dataclass
class Wire:
    """Every frame of the page's own socket(s), in order, as the bot's sniffer would see them.

    Frames are parsed once on arrival (not on every poll), so waiting loops stay cheap on long runs.
    """

    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    sockets: int = 0
    closed: int = 0
    _sent_events: list[tuple[str, list[Any]]] = field(default_factory=list)
    _recv_events: list[tuple[str, list[Any]]] = field(default_factory=list)
    _acks: dict[str, list[Any]] = field(default_factory=dict)

    def attach(self, page: Page) -> None:
        def on_ws(ws: WebSocket) -> None:
            if "/socket.io/" not in ws.url:
                return
            self.sockets += 1
            ws.on("framesent", lambda payload: self._on_sent(_text(payload)))
            ws.on("framereceived", lambda payload: self._on_received(_text(payload)))
            ws.on("close", lambda _ws: self._on_close())

        page.on("websocket", on_ws)

    def _on_sent(self, text: str) -> None:
        self.sent.append(text)
        parsed = _parse(text, EVENT_RE)
        if parsed is not None:
            self._sent_events.append(parsed)

    def _on_received(self, text: str) -> None:
        self.received.append(text)
        parsed = _parse(text, EVENT_RE)
        if parsed is not None:
            self._recv_events.append(parsed)
            return
        parsed = _parse(text, ACK_RE)
        if parsed is not None:
            self._acks.setdefault(parsed[0], parsed[1])

    def _on_close(self) -> None:
        self.closed += 1

    def sent_events(self, name: str) -> list[tuple[str, list[Any]]]:
        """(ack id, args) of each ``42<id>[name, ...]`` the page sent."""
        return [(ack_id, arr[1:]) for ack_id, arr in self._sent_events if arr and arr[0] == name]

    def events(self, name: str) -> list[Any]:
        """Payloads (last non-trace argument) of each received event ``name``."""
        return [payload_of(arr[1:]) for _id, arr in self._recv_events if arr and arr[0] == name]

    def count(self, name: str) -> int:
        return sum(1 for _id, arr in self._recv_events if arr and arr[0] == name)

    def ack(self, ack_id: str) -> Any:
        arr = self._acks.get(ack_id)
        return None if arr is None else payload_of(arr)


def _parse(frame: str, pattern: re.Pattern[str]) -> tuple[str, list[Any]] | None:
    """(ack id, JSON array) of a matching frame; garbage (the simulator's malformed fault) gives None."""
    m = pattern.match(frame)
    if not m:
        return None
    try:
        arr = json.loads(m.group(2))
    except ValueError:
        return None
    return (m.group(1), arr) if isinstance(arr, list) else None


def _text(payload: str | bytes) -> str:
    return payload if isinstance(payload, str) else payload.decode("utf-8", "replace")


def payload_of(args: list[Any]) -> Any:
    for a in reversed(args):
        if not (isinstance(a, dict) and a.get("__trace") is True):
            return a
    return None


async def until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``predicate`` (sync) until true; feed-driven tests cannot know the exact frame timing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def wallet_browser(user_data_dir: Path) -> AsyncIterator[tuple[Playwright, BrowserContext, str]]:
    """A persistent Chromium profile with the stand-in wallet; yields (playwright, context, extension id)."""
    ext = extension_dir()
    async with async_playwright() as pw:
        ctx = await pw.chromium.launch_persistent_context(
            user_data_dir=str(user_data_dir),
            headless=True,
            executable_path=str(CHROMIUM),
            ignore_default_args=["--disable-extensions"],
            args=launch_args(ext),
        )
        try:
            workers = ctx.service_workers or [await ctx.wait_for_event("serviceworker", timeout=15_000)]
            ext_id = workers[0].url.split("/")[2]
            yield pw, ctx, ext_id
        finally:
            await ctx.close()


async def create_wallet(ctx: BrowserContext, ext_id: str, password: str = PASSWORD) -> str:
    """Fill the onboarding page (Phantom's password step); returns the new base58 public key."""
    page = await ctx.new_page()
    await page.goto(f"chrome-extension://{ext_id}/{W.onboarding_page}")
    await page.fill(W.onboarding_password, password)
    await page.fill(W.onboarding_confirm, password)
    await page.click(W.onboarding_terms)
    await page.click(W.onboarding_submit)
    await page.wait_for_selector(W.onboarding_done)
    key = (await page.text_content("#public-key")) or ""
    await page.close()
    return key


def is_approval(page: Page) -> bool:
    """A request window: Phantom's notification page."""
    return f"/{W.notification_page}" in page.url


async def dismiss_interstitials(page: Page) -> list[str]:
    """Answer the popup's network announcements with "Not Now"; returns their titles."""
    seen: list[str] = []
    while await page.is_visible("#interstitial-view"):
        title = (await page.text_content("#interstitial-title")) or ""
        seen.append(title)
        await page.get_by_role("button", name=W.interstitial_dismiss, exact=True).click()
        await page.wait_for_function(  # the next one, or none: never answer the same screen twice
            """t => document.getElementById('interstitial-view').hidden
                 || document.getElementById('interstitial-title').textContent !== t""",
            arg=title,
        )
    return seen


async def handle_popup(popup: Page, click: str = APPROVE, password: str | None = None) -> dict[str, str]:
    """Optionally unlock the wallet's request window, read what it shows, then click ``click``."""
    await popup.wait_for_load_state()
    if password is not None:
        await popup.wait_for_selector(W.unlock_password)
        await popup.fill(W.unlock_password, password)
        await popup.click(W.unlock_submit)
    await popup.wait_for_selector(W.primary_button)
    seen = {
        "kind": (await popup.text_content("#request-title")) or "",
        "origin": (await popup.text_content("#request-origin")) or "",
        "detail": (await popup.text_content("#request-detail")) or "",
        "approve": (await popup.text_content(W.primary_button)) or "",
        "reject": (await popup.text_content(W.secondary_button)) or "",
    }
    await popup.click(click)
    return seen


async def login(ctx: BrowserContext, page: Page, password: str | None = None) -> dict[str, dict[str, str]]:
    """Connect → Phantom → approve connect → approve the sign-in message; returns what both popups showed.

    ``expect_page`` wraps the action that opens each popup, so a fast popup cannot slip past the listener.
    """
    await page.click("button:has-text('Connect')")
    async with ctx.expect_page(is_approval, timeout=15_000) as first:
        await page.click("button:has-text('Phantom')")
    async with ctx.expect_page(is_approval, timeout=15_000) as second:
        connect = await handle_popup(await first.value, password=password)
    sign = await handle_popup(await second.value)
    await page.wait_for_selector("#username:not(:empty)")
    return {"connect": connect, "sign": sign}
