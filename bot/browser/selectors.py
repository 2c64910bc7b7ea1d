"""Finding the page's controls from selector lists kept in data (the profile), failing closed.

Site builds rename hashed classes, so every control is a list of candidates (first *visible* match wins)
and every required control is checked before the bot arms. A missing control is a halt with a
screenshot, never a guess. Wallet selectors are data too: one set for the stand-in extension the
simulator ships, one documented set for the real Phantom (used only by hand-held flows).
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
    """Where the wallet's pages and controls are. Selectors are Playwright selectors."""

    name: str
    popup_page: str
    onboarding_page: str
    approval_page: str  # substring of the approval window's URL
    request_kind: str
    request_origin: str
    request_detail: str
    approve: str
    reject: str
    approval_unlock_password: str  # some approval windows ask for the password first
    approval_unlock_submit: str
    onboarding_password: str
    onboarding_confirm: str
    onboarding_submit: str
    onboarding_done: str
    unlock_password: str
    unlock_submit: str
    unlocked_marker: str
    needs_onboarding_marker: str


# The simulator's stand-in wallet (bot/sim/wallet_extension/README.md documents these ids).
STAND_IN_WALLET = WalletSelectors(
    name="stand-in",
    popup_page="popup.html",
    onboarding_page="onboarding.html",
    approval_page="approval.html",
    request_kind="#request-kind",
    request_origin="#request-origin",
    request_detail="#request-detail",
    approve="#approve-button",
    reject="#reject-button",
    approval_unlock_password="#unlock-view #password",
    approval_unlock_submit="#unlock-view #unlock-button",
    onboarding_password="#create-view #password",
    onboarding_confirm="#confirm-password",
    onboarding_submit="#create-button",
    onboarding_done="#done-view",
    unlock_password="#locked-view #password",
    unlock_submit="#locked-view #unlock-button",
    unlocked_marker="#unlocked-view",
    needs_onboarding_marker="#setup-view",
)

# The real Phantom extension. UNVERIFIED: Phantom is closed source and could not be loaded here, so these
# data-testid values are best guesses to be checked (and corrected in this table) with `rugsbot login` before a
# practice run on the real site. The bot never onboards a real wallet itself; it only unlocks and approves.
PHANTOM_WALLET = WalletSelectors(
    name="phantom",
    popup_page="popup.html",
    onboarding_page="onboarding.html",
    approval_page="notification.html",
    request_kind='[data-testid="approval-type"]',
    request_origin='[data-testid="origin"]',
    request_detail='[data-testid="approval-detail"]',
    approve='[data-testid="primary-button"]',
    reject='[data-testid="secondary-button"]',
    approval_unlock_password='[data-testid="unlock-form-password-input"]',
    approval_unlock_submit='[data-testid="unlock-form-submit-button"]',
    onboarding_password='[data-testid="onboarding-form-password-input"]',
    onboarding_confirm='[data-testid="onboarding-form-confirm-password-input"]',
    onboarding_submit='[data-testid="onboarding-form-submit-button"]',
    onboarding_done='[data-testid="onboarding-complete"]',
    unlock_password='[data-testid="unlock-form-password-input"]',
    unlock_submit='[data-testid="unlock-form-submit-button"]',
    unlocked_marker='[data-testid="home-header"]',
    needs_onboarding_marker='[data-testid="onboarding-start"]',
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
