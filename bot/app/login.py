"""The wallet login of a practice or live run: unlock the extension, connect the site through it, and log in
again (then re-arm the broker) after the page reloads.

Why so careful: a second click on "Phantom" while a login is in flight starts a second login (two sign-in
approvals, two authenticate calls), and a page that re-renders during the login can show the account in the
feed while the Connect button is still there. So a login counts only when the feed knows the account AND the
page shows no Connect button, twice 0.3 s apart; at most two attempts are made, each with a long wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger
from pydantic import SecretStr

from bot.app.assembly import ArmGate
from bot.app.loop import TrackerLike
from bot.brokers.base import Broker
from bot.browser.errors import ControlMissing, HaltRequired, SigningRequested, WalletError
from bot.config.sections import BrowserConfig

if TYPE_CHECKING:
    from playwright.async_api import Page

    from bot.browser.launch import LaunchedBrowser
    from bot.browser.wallet import WalletAutomation

LOGIN_WAIT_S = 20.0  # one attempt: the approval windows and the authenticated feed may take this long
STABLE_S = 0.3


class WalletLogin:
    """Logs the page in through the wallet extension; every approval goes through the wallet's policy.

    ``sim_url``: the simulator's URL (its stand-in wallet, onboarded on the fly) or ``None`` for the real
    Phantom. ``on_halt(reason)``: the wallet saw something only a human may approve (a signing request).
    ``stopping()`` and ``halt_reason()`` are the run's state, so a login never outlives a stop or a halt."""

    def __init__(
        self,
        browser: LaunchedBrowser,
        config: BrowserConfig,
        *,
        sim_url: str | None,
        password: SecretStr | None,
        tracker: TrackerLike,
        on_halt: Callable[[str], None],
        stopping: Callable[[], bool],
        halt_reason: Callable[[], str | None],
    ) -> None:
        self.browser = browser
        self.config = config
        self.sim_url = sim_url
        self.password = password  # never formatted, logged or written anywhere
        self.tracker = tracker
        self.wallet: WalletAutomation | None = None
        self._on_halt = on_halt
        self._stopping = stopping
        self._halt_reason = halt_reason

    async def start_wallet(self) -> None:
        """Watch for approval windows (before anything can ask the wallet), then unlock or onboard it."""
        from bot.browser.selectors import PHANTOM_WALLET
        from bot.browser.wallet import ApprovalPolicy, WalletAutomation

        policy = ApprovalPolicy.build(self.config.allowed_origins, sim_url=self.sim_url)
        sim = self.sim_url is not None
        self.wallet = WalletAutomation(
            self.browser.context,
            self.browser.extension_id,
            policy,
            PHANTOM_WALLET,
            on_halt=self._on_halt,
            password=self.password,
        )
        self.wallet.start()
        state = await self.wallet.ensure_ready(self.password, onboard=sim)
        logger.info("wallet {state}", state=state)

    async def connect(self, page: Page) -> None:
        """Connect → Phantom → (approval windows handled by the watcher) → wait for the authenticated feed.

        Raises :class:`WalletError` when the site does not log in, :class:`HaltRequired` on a halt meanwhile;
        returns quietly when the run is stopping."""
        from bot.browser.selectors import first_visible

        sel = self.config.selectors
        for _attempt in range(2):
            if await self.stably_logged_in(page):
                break
            option = await first_visible(page, sel.phantom_option)  # the chooser may still be open
            if option is None:
                hit = await first_visible(page, sel.connect_button, timeout_s=5)
                if hit is None:
                    if await self.stably_logged_in(page):
                        break
                    raise WalletError(f"connect button not found (tried {sel.connect_button})")
                await hit[1].click(timeout=5000)
                option = await first_visible(page, sel.phantom_option, timeout_s=5)
            if option is None:
                raise WalletError(f"wallet option not found (tried {sel.phantom_option})")
            with contextlib.suppress(Exception):  # the chooser may close under us: the login goes on anyway
                await option[1].click(timeout=2000)
            end = time.time() + LOGIN_WAIT_S
            while time.time() < end and not self._stopping():
                self._raise_on_halt()
                if await self.stably_logged_in(page):
                    break
                await asyncio.sleep(0.1)
            self._raise_on_halt()
        if not await self.stably_logged_in(page):
            if self._stopping():
                logger.info("stop requested before the wallet login finished")
                return
            raise WalletError("the site did not log in through the wallet")
        logger.info("logged in as {p}", p=self.tracker.account.player_id)

    async def rearm(self, page: Page, broker: Broker, gate: ArmGate | None) -> None:
        """After a reload the page is logged out and the controls are new: log in again, re-verify them. The
        decider's ``gate`` stays closed meanwhile and reopens on frames received after the new ``arm()``.

        Raises :class:`HaltRequired` when that fails (:class:`ControlMissing` for anything unexpected)."""
        if gate is not None:
            gate.close()
        await asyncio.sleep(0.5)
        try:
            await self.connect(page)
            await broker.arm()
        except HaltRequired:
            raise
        except Exception as exc:
            raise ControlMissing(f"could not re-arm after the page changed: {type(exc).__name__}") from exc
        if gate is not None:
            gate.open(time.time(), broker)
        logger.info("re-armed after the page changed")

    def _raise_on_halt(self) -> None:
        reason = self._halt_reason()
        if reason:
            raise HaltRequired(reason)

    def _logged_in(self) -> bool:
        acc = self.tracker.account
        return bool(acc.authenticated or acc.player_id)

    async def _page_logged_in(self, page: Page) -> bool:
        """The feed knows our account AND the page shows no Connect button (a reload logs the page out)."""
        from bot.browser.selectors import first_visible

        if not self._logged_in():
            return False
        return await first_visible(page, self.config.selectors.connect_button) is None

    async def stably_logged_in(self, page: Page) -> bool:
        """Logged in now and still ``STABLE_S`` later (the page re-renders while the login completes)."""
        if not await self._page_logged_in(page):
            return False
        await asyncio.sleep(STABLE_S)
        return await self._page_logged_in(page)


def alarm_kind(exc: HaltRequired) -> str:
    """The governor's alarm kind for a halt from the page or the wallet."""
    if isinstance(exc, ControlMissing):
        return "page_control_missing"
    if isinstance(exc, SigningRequested):
        return "signing_request"
    return "execution"
