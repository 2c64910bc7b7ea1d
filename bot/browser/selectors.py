"""Finding the page's controls from selector lists kept in data (the profile), failing closed.

Site builds rename hashed classes, so every control is a list of candidates (first *visible* match wins)
and every required control is checked before the bot arms. A missing control is a halt with a
screenshot, never a guess. The wallet's selectors are data too: one table, the real Phantom's, which the
simulator's stand-in wallet also follows.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.browser.errors import ControlMissing
from bot.config.sections import SelectorsConfig

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page


@dataclass(frozen=True, slots=True)
class WalletSelectors:
    """Where the wallet's pages and controls are (Playwright selectors; page names relative to the extension)."""

    name: str
    popup_page: str
    onboarding_page: str
    notification_page: str  # every dapp request (connect, sign) opens a window on this page
    unlock_password: str
    unlock_submit: str
    unlocked_marker: str  # shows once the wallet is unlocked, in the popup and in the request window
    onboarding_password: str
    onboarding_confirm: str
    onboarding_terms: str
    onboarding_submit: str
    onboarding_done: str
    primary_button: str  # its wording says what the request asks for
    secondary_button: str  # Cancel: rejects the request
    connect_wording: tuple[str, ...]  # primary button of a connect request
    sign_wording: tuple[str, ...]  # primary button of a request to sign (a message or a transaction)
    spinner: str  # to be waited out after an unlock
    interstitial_buttons: tuple[str, ...]  # accessible names of screens that stand between unlock and home
    interstitial_dismiss: str  # the accessible name of the button that dismisses them


# The real Phantom, as the maintained Playwright automation of it knows it: npm @synthetixio/synpress-phantom
# 0.0.14 (src/selectors/pages/{UnlockPage,OnboardingPage,NotificationPage,HomePage}, src/selectors/loading,
# playwright/utils/{getNotificationPageAndWaitForLoad,loadAndWaitForPopupPage,waitFor}.ts,
# playwright/pages/HomePage/actions/closeSuiAndMonadScreen.ts) and npm @phantom/synpress 4.0.0-alpha.53
# (pages/phantom/*.js; onboarding.html from commands/playwright.js). The simulator's stand-in wallet
# (bot/sim/wallet_extension/) carries the same page names, data-testids and wording, so this one table drives
# both and every simulator run exercises the real-Phantom code path.
PHANTOM_WALLET = WalletSelectors(
    name="phantom",
    popup_page="popup.html",
    onboarding_page="onboarding.html",
    notification_page="notification.html",
    unlock_password='[data-testid="unlock-form-password-input"]',
    unlock_submit='[data-testid="unlock-form-submit-button"]',
    unlocked_marker='[data-testid="home-header-account-name"]',
    onboarding_password='[data-testid="onboarding-form-password-input"]',
    onboarding_confirm='[data-testid="onboarding-form-confirm-password-input"]',
    onboarding_terms='[data-testid="onboarding-form-terms-of-service-checkbox"]',
    onboarding_submit='[data-testid="onboarding-form-submit-button"]',
    onboarding_done='[data-testid="onboarding-complete-done"]',
    primary_button='button[data-testid="primary-button"]',
    secondary_button='button[data-testid="secondary-button"]',
    connect_wording=("Connect",),
    sign_wording=("Confirm", "Sign"),  # "Continue" (a settings step) is neither: such a request is refused
    spinner=".spinner",
    interstitial_buttons=("Enable Sui", "Enable Monad"),
    interstitial_dismiss="Not Now",
)


async def first_visible(
    page: Page, candidates: list[str], *, timeout_s: float = 0.0
) -> tuple[str, Locator] | None:
    """The first candidate selector with a visible match (waiting up to ``timeout_s`` for any of them)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        for sel in candidates:
            loc = page.locator(sel)
            with contextlib.suppress(Exception):
                n = await loc.count()
                for i in range(min(n, 5)):
                    if await loc.nth(i).is_visible():
                        return sel, loc.nth(i)
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(0.1)


@dataclass(frozen=True, slots=True)
class Controls:
    """The resolved controls the broker clicks; ``selector`` fields say which candidate matched."""

    bet_button: Locator
    bet_button_selector: str
    amount_input: Locator
    amount_input_selector: str
    coin_selector: Locator | None


REQUIRED = ("sidebet_button", "amount_input")


async def open_sidebet_panel(page: Page, cfg: SelectorsConfig, timeout_s: float = 2.0) -> bool:
    """Open the side-bet panel once if its button is not visible yet. True if the button is now visible."""
    if await first_visible(page, cfg.sidebet_button) is not None:
        return True
    toggle = await first_visible(page, cfg.sidebet_panel_toggle, timeout_s=timeout_s)
    if toggle is None:
        return False
    await toggle[1].click()
    return await first_visible(page, cfg.sidebet_button, timeout_s=timeout_s) is not None


async def verify_controls(
    page: Page, cfg: SelectorsConfig, *, need_coin: bool, timeout_s: float = 5.0
) -> Controls:
    """Resolve every required control or raise :class:`ControlMissing` naming all that are missing."""
    opened = await open_sidebet_panel(page, cfg, timeout_s=timeout_s)
    found: dict[str, tuple[str, Locator] | None] = {
        # opening the panel already waited for the button: do not wait twice for a control that is not there
        "sidebet_button": await first_visible(
            page, cfg.sidebet_button, timeout_s=timeout_s if opened else 0.2
        ),
        "amount_input": await first_visible(page, cfg.amount_input, timeout_s=timeout_s),
    }
    if need_coin:
        found["coin_selector"] = await first_visible(page, cfg.coin_selector, timeout_s=timeout_s)
    else:  # optional: when present, the broker checks the shown coin before every click
        coin_hit = await first_visible(page, cfg.coin_selector)
        if coin_hit is not None:
            found["coin_selector"] = coin_hit
    missing = [name for name, hit in found.items() if hit is None]
    if missing:
        detail = "; ".join(f"{m} (tried {getattr(cfg, m)!r})" for m in missing)
        raise ControlMissing(f"page control(s) not found: {detail}")
    bet = found["sidebet_button"]
    amount = found["amount_input"]
    coin = found.get("coin_selector")
    assert bet is not None and amount is not None
    return Controls(bet[1], bet[0], amount[1], amount[0], coin[1] if coin else None)
