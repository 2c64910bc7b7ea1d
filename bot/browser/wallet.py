"""The wallet automation: applies the approval policy (bot/browser/approval.py) to every request window the
extension opens, and unlocks (or, on the simulator only, creates) the wallet through its popup.

It is driven by one table, the real Phantom's (:data:`bot.browser.selectors.PHANTOM_WALLET`); the simulator's
stand-in wallet follows the same table. Waits follow the maintained automation of Phantom (npm
``@synthetixio/synpress-phantom`` 0.0.14): wait out ``.spinner`` after an unlock (10 s), reload the page once
when it never vanishes (``unlockForFixture.ts``), and answer "Enable Sui"/"Enable Monad" screens with "Not Now"
(``closeSuiAndMonadScreen.ts``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loguru import logger

from bot.browser.approval import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    RequestKind,
    classify,
    requesting_origin,
)
from bot.browser.errors import WalletError
from bot.browser.selectors import WalletSelectors

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Locator, Page
    from pydantic import SecretStr

# Callers that predate bot/browser/approval.py import the policy names from here.
__all__ = ["ApprovalPolicy", "RequestKind", "WalletAutomation", "connect_site"]

HaltSink = Callable[[str], None]


@dataclass
class WalletAutomation:
    """Applies the policy to every request window the extension opens, and unlocks / onboards the wallet.

    Request windows are new pages in the context (``chrome.windows.create``); they are handled as they appear.
    Every decision is kept in ``decisions`` (for tests and the session log); a halt-worthy request also calls
    ``on_halt``. ``spinner_timeout_s`` bounds each wait for the spinner after an unlock.
    """

    context: BrowserContext
    extension_id: str | None
    policy: ApprovalPolicy
    selectors: WalletSelectors
    on_halt: HaltSink
    password: SecretStr | None = None
    spinner_timeout_s: float = 10.0
    decisions: list[tuple[ApprovalRequest, ApprovalDecision]] = field(default_factory=list)
    unlock_reloads: int = 0  # how often a stuck spinner was answered with a reload (logged each time)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    _handled: set[int] = field(default_factory=set, repr=False)

    def start(self) -> None:
        self.context.on("page", self._on_page)
        for page in list(self.context.pages):
            self._on_page(page)

    def _on_page(self, page: Page) -> None:
        if id(page) in self._handled:
            return
        task = asyncio.ensure_future(self._maybe_handle(page))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _maybe_handle(self, page: Page) -> None:
        with contextlib.suppress(Exception):
            await page.wait_for_load_state("domcontentloaded", timeout=10_000)
        if not self._is_request_window(page.url):
            return
        self._handled.add(id(page))
        try:
            await self.handle_approval(page)
        except Exception as exc:  # a window that closed under us is not a bot failure
            logger.warning(
                "wallet request window not handled: {e}: {m}",
                e=type(exc).__name__,
                m=(str(exc).splitlines() or [""])[0],
            )

    def _is_request_window(self, url: str) -> bool:
        if not url.startswith("chrome-extension://"):
            return False
        if self.extension_id:
            return url.startswith(
                f"chrome-extension://{self.extension_id}/{self.selectors.notification_page}"
            )
        return f"/{self.selectors.notification_page}" in url

    async def read_request(self, page: Page) -> ApprovalRequest:
        """Unlock the window if it asks for the password, then read what the request asks for and from whom."""
        s = self.selectors
        primary = page.locator(s.primary_button).first
        unlock = page.locator(s.unlock_password).first
        unlocked_once = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10.0 + self.spinner_timeout_s
        while not await primary.is_visible():
            if await unlock.is_visible():
                if self.password is None:
                    raise WalletError("the request window asks for the wallet password, which is not set")
                if unlocked_once:
                    raise WalletError("the request window did not unlock: wrong password?")
                await self._unlock(page, self.password)
                unlocked_once = True
                continue
            if await self._dismiss_interstitial(page):
                continue
            if loop.time() > deadline:
                raise WalletError("the request window shows neither a request nor an unlock form")
            await asyncio.sleep(0.05)
        await self._spinner_gone(page)
        wording = (await primary.inner_text()).strip()
        window_text = await page.locator("body").inner_text()
        origin, note = requesting_origin(p.url for p in self.context.pages)
        kind = classify(wording, window_text, s)
        return ApprovalRequest(kind, origin, f"primary button {wording!r}" + (f"; {note}" if note else ""))

    async def handle_approval(self, page: Page) -> ApprovalDecision:
        """Decide and click; a window that cannot be read or answered is closed, which rejects its request."""
        try:
            request = await self.read_request(page)
        except Exception:
            with contextlib.suppress(Exception):
                await page.close()
            raise
        decision = self.policy.decide(request)
        self.decisions.append((request, decision))
        level = "INFO" if decision.approve else "WARNING"
        logger.log(
            level,
            "wallet {k} from {o}: {verdict} ({why})",
            k=request.kind,
            o=request.origin or "?",
            verdict="APPROVE" if decision.approve else "REJECT",
            why=decision.reason,
        )
        if decision.halt:  # before the click: a halt must not depend on the window still being there
            self.on_halt(decision.reason)
        button = self.selectors.primary_button if decision.approve else self.selectors.secondary_button
        try:
            await page.locator(button).first.click(timeout=5_000)
        except Exception:
            if decision.approve:
                raise
            with contextlib.suppress(Exception):
                await page.close()
        return decision

    async def wait_idle(self, timeout_s: float = 5.0) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)

    # --- unlock and onboarding (onboarding only on the simulator; the real Phantom is set up via `rugsbot login`)

    def _ext_url(self, page_name: str) -> str:
        if not self.extension_id:
            raise WalletError("wallet extension id unknown (extension not loaded?)")
        return f"chrome-extension://{self.extension_id}/{page_name}"

    async def _fill_secret(self, locator: Locator, secret: SecretStr) -> None:
        """Type a password without it reaching a Playwright trace.

        Traces record every action with its arguments, so a plain ``fill`` would write the password into the
        failure trace saved next to the logs (a test caught exactly that). The current trace chunk is
        discarded before the fill and a new one started after it: the trace loses only the wallet set-up.
        """
        tracing = self.context.tracing
        paused = False
        try:
            await tracing.stop_chunk()
            paused = True
        except Exception:  # tracing not started (e.g. --no-trace)
            paused = False
        try:
            await locator.fill(secret.get_secret_value())
        finally:
            if paused:
                with contextlib.suppress(Exception):
                    await tracing.start_chunk()

    async def _spinner_gone(self, page: Page) -> bool:
        try:
            await page.locator(self.selectors.spinner).first.wait_for(
                state="hidden", timeout=self.spinner_timeout_s * 1000
            )
        except Exception:
            return False
        return True

    async def _unlock(self, page: Page, password: SecretStr) -> None:
        """Fill and submit the unlock form, then wait out the spinner; one reload if it never vanishes."""
        s = self.selectors
        await self._fill_secret(page.locator(s.unlock_password).first, password)
        await page.locator(s.unlock_submit).first.click()
        if await self._spinner_gone(page):
            return
        self.unlock_reloads += 1
        logger.warning(
            "wallet unlock: the spinner did not vanish within {t:.0f} s; reloading the page once",
            t=self.spinner_timeout_s,
        )
        await page.reload()
        if not await self._spinner_gone(page):
            raise WalletError("wallet unlock: the spinner did not vanish, not even after a reload")

    async def _dismiss_interstitial(self, page: Page) -> bool:
        """Answer one "Enable Sui"/"Enable Monad" screen with "Not Now"; True if one was there."""
        s = self.selectors
        for name in s.interstitial_buttons:
            screen = page.get_by_role("button", name=name, exact=True).first
            if await screen.is_visible():
                await page.get_by_role("button", name=s.interstitial_dismiss, exact=True).first.click(
                    timeout=5_000
                )
                await screen.wait_for(state="hidden", timeout=5_000)  # never answer one screen twice
                logger.info("wallet: '{n}' screen answered with '{d}'", n=name, d=s.interstitial_dismiss)
                return True
        return False

    async def ensure_ready(self, password: SecretStr | None, *, onboard: bool) -> str:
        """Create the wallet (simulator only) or unlock it. Returns "created" | "unlocked" | "already unlocked".

        The password goes straight from the SecretStr into the input and is never logged or formatted.
        Raises :class:`WalletError` when the wallet is not set up (and ``onboard`` is False), will not unlock,
        or its popup shows none of the table's views.
        """
        if password is None or not password.get_secret_value():
            raise WalletError(
                "the wallet password is not set: export RUGSBOT_WALLET_PASSWORD or put it in .env"
            )
        s = self.selectors
        page = await self.context.new_page()
        try:
            await page.goto(self._ext_url(s.popup_page))
            state = await self._popup_state(page)
            if state == "unlocked":
                return "already unlocked"
            created = state == "onboarding"
            if created:
                if not onboard:
                    raise WalletError("the wallet is not set up on this profile: run `rugsbot login` first")
                await self._onboard(page, password)
                if page.is_closed():  # the last onboarding step may close its tab
                    page = await self.context.new_page()
                await page.goto(self._ext_url(s.popup_page))
                state = await self._popup_state(page)
            if state == "locked":
                await self._unlock(page, password)
            if not await self._home_shows(page):
                raise WalletError("the wallet did not unlock: wrong password?")
            return "created" if created else "unlocked"
        finally:
            with contextlib.suppress(Exception):
                await page.close()

    async def _onboard(self, page: Page, password: SecretStr) -> None:
        s = self.selectors
        if f"/{s.onboarding_page}" not in page.url:
            await page.goto(self._ext_url(s.onboarding_page))
        await self._fill_secret(page.locator(s.onboarding_password).first, password)
        await self._fill_secret(page.locator(s.onboarding_confirm).first, password)
        await page.locator(
            s.onboarding_terms
        ).first.click()  # click, not check: Phantom's box is a styled div
        await page.locator(s.onboarding_submit).first.click()
        done = page.locator(s.onboarding_done).first
        try:
            await done.wait_for(state="visible", timeout=10_000)
        except Exception:
            raise WalletError("wallet onboarding did not finish (password refused?)") from None
        with contextlib.suppress(Exception):
            await done.click(timeout=5_000)

    async def _home_shows(self, page: Page, timeout_s: float = 5.0) -> bool:
        """Wait for the unlocked marker, answering interstitial screens on the way."""
        marker = page.locator(self.selectors.unlocked_marker).first
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not await marker.is_visible():
            if not await self._dismiss_interstitial(page):
                if loop.time() >= deadline:
                    return False
                await asyncio.sleep(0.05)
        return True

    async def _popup_state(self, page: Page, timeout_s: float = 10.0) -> str:
        """Which view the popup shows: "unlocked" | "locked" | "onboarding"; interstitials are answered."""
        s = self.selectors
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            if (
                f"/{s.onboarding_page}" in page.url
                or await page.locator(s.onboarding_password).first.is_visible()
            ):
                return "onboarding"
            if await page.locator(s.unlocked_marker).first.is_visible():
                return "unlocked"
            if await page.locator(s.unlock_password).first.is_visible():
                return "locked"
            if await self._dismiss_interstitial(page):
                continue
            if loop.time() >= deadline:
                raise WalletError(
                    "the wallet popup shows neither its home, its unlock form nor onboarding "
                    "(wrong extension, or not set up on this profile: `rugsbot login`)"
                )
            await asyncio.sleep(0.05)


async def connect_site(
    page: Page,
    connect: Callable[[], Awaitable[bool]],
    is_connected: Callable[[], Awaitable[bool]],
    timeout_s: float = 15.0,
) -> bool:
    """Click the site's Connect flow once and wait until the page reports a connected wallet."""
    if await is_connected():
        return True
    if not await connect():
        return False
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await is_connected():
            return True
        await asyncio.sleep(0.1)
    return False
