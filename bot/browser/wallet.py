"""The wallet: an approval policy (pure) and the automation that applies it to approval windows.

Side bets are paid from the site's custodial balance, so the wallet is only ever needed to *connect*
and to sign a *login message*. A request to sign a transaction can only come from a hostile or broken
page: it is rejected and the bot halts. Origins are compared exactly (scheme, host, port), never by
prefix, so ``https://rugs.fun.evil.example`` is not ``https://rugs.fun``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from loguru import logger

from bot.browser.errors import WalletError
from bot.browser.selectors import WalletSelectors

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Locator, Page
    from pydantic import SecretStr


class RequestKind(StrEnum):
    CONNECT = "connect"
    SIGN_MESSAGE = "signMessage"
    SIGN_TRANSACTION = "signTransaction"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str | None) -> RequestKind:
        t = "".join(ch for ch in (text or "").lower() if ch.isalnum())
        if t in ("connect",):
            return cls.CONNECT
        if t in ("signmessage", "signin", "signinmessage"):
            return cls.SIGN_MESSAGE
        if "transaction" in t or t in ("signandsend", "signall"):
            return cls.SIGN_TRANSACTION
        return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    kind: RequestKind
    origin: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    approve: bool
    halt: bool
    reason: str


def normalize_origin(url_or_origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default ports dropped; None when it is not an http(s) origin."""
    try:
        parts = urlsplit(url_or_origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class ApprovalPolicy:
    """Approve connect / sign-in only from an allowed origin; everything else is rejected."""

    allowed_origins: frozenset[str]

    @classmethod
    def build(cls, origins: Iterable[str], sim_url: str | None = None) -> ApprovalPolicy:
        allowed = {o for o in (normalize_origin(x) for x in origins) if o}
        if sim_url:
            sim = normalize_origin(sim_url)
            if sim:
                allowed.add(sim)
        return cls(frozenset(allowed))

    def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        origin = normalize_origin(request.origin)
        if request.kind is RequestKind.SIGN_TRANSACTION:
            return ApprovalDecision(
                False,
                True,
                f"transaction signing requested by {request.origin or '?'}: side bets never need a signature",
            )
        if request.kind is RequestKind.UNKNOWN:
            return ApprovalDecision(False, False, f"unknown wallet request '{request.detail}' rejected")
        if origin is None or origin not in self.allowed_origins:
            return ApprovalDecision(
                False,
                False,
                f"{request.kind} from origin {request.origin or '?'} is not in browser.allowed_origins",
            )
        return ApprovalDecision(True, False, f"{request.kind} from allowed origin {origin}")


HaltSink = Callable[[str], None]


@dataclass
class WalletAutomation:
    """Applies the policy to every approval window the extension opens, and drives onboarding/unlock.

    Approval windows are new pages in the context (``chrome.windows.create``); they are handled as they
    appear. Every decision is kept in ``decisions`` (for tests and the session log); a halt-worthy request
    also calls ``on_halt``.
    """

    context: BrowserContext
    extension_id: str | None
    policy: ApprovalPolicy
    selectors: WalletSelectors
    on_halt: HaltSink
    password: SecretStr | None = None
    decisions: list[tuple[ApprovalRequest, ApprovalDecision]] = field(default_factory=list)
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
        if not self._is_approval(page.url):
            return
        self._handled.add(id(page))
        try:
            await self.handle_approval(page)
        except Exception as exc:  # a window that closed under us is not a bot failure
            logger.warning(
                "wallet approval window not handled: {e}: {m}",
                e=type(exc).__name__,
                m=(str(exc).splitlines() or [""])[0],
            )

    def _is_approval(self, url: str) -> bool:
        if not url.startswith("chrome-extension://"):
            return False
        if self.extension_id and f"chrome-extension://{self.extension_id}/" not in url:
            return False
        return self.selectors.approval_page in url

    async def read_request(self, page: Page) -> ApprovalRequest:
        s = self.selectors
        kind_loc = page.locator(s.request_kind).first
        unlock_loc = page.locator(s.approval_unlock_password).first
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10.0
        while not await kind_loc.is_visible() and not await unlock_loc.is_visible():
            if loop.time() > deadline:
                raise WalletError("the approval window shows neither a request nor an unlock form")
            await asyncio.sleep(0.05)
        if await unlock_loc.is_visible():
            if self.password is None:
                raise WalletError("the approval window asks for the wallet password, which is not set")
            await self._fill_secret(unlock_loc, self.password)
            await page.locator(s.approval_unlock_submit).first.click()
            await kind_loc.wait_for(state="visible", timeout=10_000)
        # The machine-readable kind (data-kind) beats the human title when the wallet offers it.
        kind_text = await page.evaluate("document.body && document.body.dataset.kind || ''")
        if not kind_text:
            kind_text = await kind_loc.text_content() or ""
        origin = (await page.locator(s.request_origin).first.text_content() or "").strip()
        detail = ""
        if s.request_detail:
            with contextlib.suppress(Exception):
                detail = (await page.locator(s.request_detail).first.text_content(timeout=500) or "").strip()
        return ApprovalRequest(RequestKind.parse(kind_text), origin, detail or kind_text.strip())

    async def handle_approval(self, page: Page) -> ApprovalDecision:
        request = await self.read_request(page)
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
        button = self.selectors.approve if decision.approve else self.selectors.reject
        await page.locator(button).first.click(timeout=5_000)
        if decision.halt:
            self.on_halt(decision.reason)
        return decision

    async def wait_idle(self, timeout_s: float = 5.0) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)

    # --- onboarding and unlock (stand-in wallet; the real Phantom is set up by hand via `rugsbot login`)

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

    async def ensure_ready(self, password: SecretStr | None, *, onboard: bool) -> str:
        """Create the wallet (sim only) or unlock it. Returns "created" | "unlocked" | "already unlocked".

        The password goes straight from the SecretStr into the input and is never logged or formatted.
        """
        s = self.selectors
        if password is None or not password.get_secret_value():
            raise WalletError(
                "the wallet password is not set: export RUGSBOT_WALLET_PASSWORD or put it in .env"
            )
        page = await self.context.new_page()
        try:
            await page.goto(self._ext_url(s.popup_page))
            state = await self._popup_state(page)
            if state == "unlocked":
                return "already unlocked"
            if state == "onboarding":
                if not onboard:
                    raise WalletError("the wallet is not set up on this profile: run `rugsbot login` first")
                await page.goto(self._ext_url(s.onboarding_page))
                await self._fill_secret(page.locator(s.onboarding_password).first, password)
                if s.onboarding_confirm:
                    await self._fill_secret(page.locator(s.onboarding_confirm).first, password)
                await page.locator(s.onboarding_submit).first.click()
                await page.locator(s.onboarding_done).first.wait_for(state="visible", timeout=10_000)
                await page.goto(self._ext_url(s.popup_page))
                state = await self._popup_state(page)
                if state == "unlocked":
                    return "created"
            await self._fill_secret(page.locator(s.unlock_password).first, password)
            await page.locator(s.unlock_submit).first.click()
            try:
                await page.locator(s.unlocked_marker).first.wait_for(state="visible", timeout=5_000)
            except Exception:
                raise WalletError("the wallet did not unlock: wrong password?") from None
            return "unlocked" if state != "onboarding" else "created"
        finally:
            with contextlib.suppress(Exception):
                await page.close()

    async def _popup_state(self, page: Page, timeout_s: float = 10.0) -> str:
        """Which of the popup's three views is showing: "unlocked" | "locked" | "onboarding"."""
        s = self.selectors
        views = (
            ("unlocked", s.unlocked_marker),
            ("onboarding", s.needs_onboarding_marker),
            ("locked", s.unlock_password),
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            for state, sel in views:
                if await page.locator(sel).first.is_visible():
                    return state
            if loop.time() >= deadline:
                raise WalletError("the wallet popup shows none of its known views (wrong extension?)")
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
