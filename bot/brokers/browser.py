"""The broker that clicks: sets the amount once, clicks the side-bet button once, waits for the feed.

Why the mouse path: ``locator.click()`` re-runs actionability checks (35–55 ms measured here); a trusted
``page.mouse.click`` at the cached centre of the button costs a few ms. It is only safe if the button is
still where we think it is, so one ``evaluate`` round trip re-checks the box, the hit-test at the centre
(no overlay), the enabled class and the amount field before the click; anything unexpected falls back
to ``locator.click()``. One decision = at most one click: there is no retry path anywhere in this file.

Confirmation comes from the sniffed frames, never from the page's DOM, and is the bet tracker's business
(bot/bets/tracker.py): the outgoing ``requestSidebet`` (proof the click reached the socket, with its ack id),
then ``currentSidebet`` or the ack ``43<id>[{success:true}]`` (confirmed), ``success:false`` (rejected). This
broker waits for the tracker at most ``confirm_timeout_s``; silence → UNKNOWN, which the tracker explains later.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from loguru import logger

from bot.bets.model import BetIntent, BetStatus, BrokerReport, Evidence
from bot.bets.tracker import BetTracker
from bot.brokers.base import Broker, BrokerStats
from bot.browser.errors import ControlMissing
from bot.browser.selectors import Controls, first_visible, verify_controls
from bot.config.sections import SelectorsConfig
from bot.game.signals import Signal
from bot.game.state import GameView, Phase
from bot.mode import Mode
from bot.money import LAMPORTS_PER_SOL, PRACTICE_COIN

CLICK_SAMPLES_KEPT = 4096

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle, Page

# One round trip: where is the button, is it enabled and on top, what does the amount field say?
_PROBE_JS = """(el, [input, activeClass, coinEl]) => {
  if (!el || !el.isConnected) return null;
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const hit = document.elementFromPoint(cx, cy);
  return {x: cx, y: cy, w: r.width, h: r.height,
          onTop: !!hit && (hit === el || el.contains(hit)),
          active: activeClass ? el.classList.contains(activeClass) : true,
          amount: input && input.isConnected ? input.value : null,
          coin: coinEl && coinEl.isConnected ? coinEl.textContent : null};
}"""


@dataclass(frozen=True, slots=True)
class ClickSample:
    """One click: how it was made and how long each step took (seconds, wall clock at the I/O edge)."""

    bet_id: str
    method: str  # "mouse" | "locator"
    probe_s: float
    fill_s: float
    click_s: float
    clicked_t: float
    sent_t: float | None = None  # the sniffed requestSidebet
    confirmed_t: float | None = None
    started_t: float | None = None  # submit() began (after the session wrote the intent ahead)

    @property
    def confirm_latency_s(self) -> float | None:
        return None if self.confirmed_t is None else self.confirmed_t - self.clicked_t


def sol_text(lamports: int) -> str:
    """The amount as the page's number input wants it: plain decimal, no exponent, no trailing zeros."""
    text = format(Decimal(lamports) / LAMPORTS_PER_SOL, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class BrowserBroker(Broker):
    """Clicks on a real page. ``arm()`` must succeed before ``submit``; a halt disarms it for good."""

    def __init__(
        self,
        page: Page,
        selectors: SelectorsConfig,
        *,
        mode: Mode,
        coin: str,
        confirm_timeout_s: float,
        on_halt: Callable[[str], None] | None = None,
        prefer_mouse: bool = True,
        arm_timeout_s: float = 5.0,
        feed_ok: Callable[[], bool] | None = None,
        max_lag_ticks: int | None = 4,
        clock: Callable[[], float] = time.time,
        tracker: BetTracker | None = None,
    ) -> None:
        if mode not in (Mode.PRACTICE, Mode.LIVE):
            raise ValueError("BrowserBroker clicks: use the paper broker for dry-run and replay")
        super().__init__(mode, coin, tracker)
        self.page = page
        self.selectors = selectors
        self.coin = coin
        self.confirm_timeout_s = confirm_timeout_s
        self.prefer_mouse = prefer_mouse
        self.arm_timeout_s = arm_timeout_s
        # A click while the page's socket is down would be buffered by the Socket.IO client and sent after
        # the reconnect, possibly in a later game: never click without a live feed.
        self._feed_ok = feed_ok
        # A decision is about one game at one tick. If the click is slow (a busy machine, a slow probe) and the
        # game rugs or runs on meanwhile, the click would land in a later game or a different window than the
        # one decided and checked: cancel instead. None = no limit (the game must still be the same and active).
        self.max_lag_ticks = max_lag_ticks
        self._view: GameView | None = None
        self._on_halt = on_halt
        self._clock = clock
        self._controls: Controls | None = None
        self._button: ElementHandle | None = None
        self._input: ElementHandle | None = None
        self._coin_el: ElementHandle | None = None
        self._nav_hooked = False
        self._box: tuple[float, float] | None = None
        self._amount_set: str | None = None
        self.halt_reason: str | None = None
        # the most recent clicks (latency statistics); a multi-day run must not keep every one
        self.clicks: deque[ClickSample] = deque(maxlen=CLICK_SAMPLES_KEPT)
        self.clicks_made = 0

    # ------------------------------------------------------------- arming

    @property
    def armed(self) -> bool:
        return self._controls is not None and self.halt_reason is None

    async def arm(self) -> None:
        """Verify every required control (opening the side-bet panel once); select the practice coin."""
        try:
            controls = await verify_controls(
                self.page, self.selectors, need_coin=self.coin == PRACTICE_COIN, timeout_s=self.arm_timeout_s
            )
            if self.coin == PRACTICE_COIN:
                await self._select_coin(controls)
        except ControlMissing as exc:
            self.halt(exc.reason)
            raise
        self._controls = controls
        self._button = await controls.bet_button.element_handle()
        self._input = await controls.amount_input.element_handle()
        self._coin_el = await controls.coin_selector.element_handle() if controls.coin_selector else None
        if not self._nav_hooked:
            self._nav_hooked = True
            self.page.on("framenavigated", self._on_navigated)
        probe = await self._probe()
        if probe is not None:
            self._box = (probe["x"], probe["y"])
            self._amount_set = probe["amount"]
        logger.info(
            "armed: bet button {b!r}, amount {a!r}, coin {c}",
            b=controls.bet_button_selector,
            a=controls.amount_input_selector,
            c=self.coin,
        )

    async def _select_coin(self, controls: Controls) -> None:
        """Pick FREE (``0xPractice``) in the coin dropdown and check that the page shows it."""
        assert controls.coin_selector is not None
        if await self._coin_shown() == self.coin:
            return
        await controls.coin_selector.click()
        option = await first_visible(self.page, [f'[data-coin="{self.coin}"]', "text=FREE"], timeout_s=2.0)
        if option is None:
            raise ControlMissing("practice coin option (FREE / 0xPractice) not found in the coin selector")
        await option[1].click()
        if await self._coin_shown() not in (self.coin, None):
            raise ControlMissing("the page did not switch to the practice coin")

    async def _coin_shown(self) -> str | None:
        text = None
        with contextlib.suppress(Exception):
            text = (
                await self.page.locator('[class*="_coinTicker_"]').first.text_content(timeout=500) or ""
            ).strip()
        if not text:
            return None
        return PRACTICE_COIN if text.upper() == "FREE" else "SOL" if text.upper() == "SOL" else text

    def disarm(self, why: str) -> None:
        """Forget the controls (page reloaded, coin changed): ``arm()`` must run again before the next click."""
        if self._controls is not None:
            logger.warning("broker disarmed: {w}", w=why)
        self._controls = None
        self._button = self._input = self._coin_el = None
        self._amount_set = None

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.disarm("the page navigated or reloaded")

    def halt(self, reason: str) -> None:
        if self.halt_reason is None:
            self.halt_reason = reason
            logger.error("broker halted: {r}", r=reason)
            if self._on_halt is not None:
                self._on_halt(reason)

    # ------------------------------------------------------------- clicking

    async def _probe(self) -> dict[str, Any] | None:
        if self._button is None:
            return None
        try:
            return await self._button.evaluate(
                _PROBE_JS, [self._input, self.selectors.active_class, self._coin_el]
            )
        except Exception:
            return None

    async def _refresh_handles(self) -> dict[str, Any] | None:
        """The page re-rendered the controls: resolve them again (no click happens here)."""
        if self._controls is None:
            return None
        with contextlib.suppress(Exception):
            self._button = await self._controls.bet_button.element_handle(timeout=1000)
            self._input = await self._controls.amount_input.element_handle(timeout=1000)
            if self._controls.coin_selector is not None:
                self._coin_el = await self._controls.coin_selector.element_handle(timeout=1000)
        return await self._probe()

    async def _place(self, intent: BetIntent) -> BrokerReport:
        """At most one click for this intent; returns CONFIRMED / REJECTED / UNKNOWN / CANCELLED."""
        now = self._clock()
        if not self.armed:
            why = f"not armed: {self.halt_reason or 'controls not verified'}"
            return BrokerReport(
                intent.bet_id, BetStatus.CANCELLED, now, message=why, evidence=Evidence.NOT_CLICKED
            )
        if self._feed_ok is not None and not self._feed_ok():
            return _not_clicked(intent, now, "feed socket not connected")
        if intent.coin != self.coin:
            return _not_clicked(
                intent, now, f"intent coin {intent.coin} differs from the page's coin {self.coin}"
            )
        return await self._click(intent)

    async def _click(self, intent: BetIntent) -> BrokerReport:
        t0 = self._clock()
        probe = await self._probe()
        if probe is None:
            probe = await self._refresh_handles()
        want = sol_text(intent.amount_lamports)
        fill_s = 0.0
        if probe is None or probe.get("amount") is None or not _same_amount(probe["amount"], want):
            t_fill = self._clock()
            try:
                assert self._controls is not None
                await self._controls.amount_input.fill(want, timeout=1000)
            except Exception as exc:
                return _not_clicked(intent, self._clock(), f"could not set the amount: {type(exc).__name__}")
            fill_s = self._clock() - t_fill
            self._amount_set = want
            probe = await self._probe()
        t1 = self._clock()
        if probe is None:  # the button is gone (re-render, navigation): never click blind; re-arm first
            self.disarm("the side-bet button is no longer on the page")
            return _not_clicked(intent, t1, "side-bet button not found")
        shown = probe.get("coin")
        if shown is not None and not _coin_matches(shown, self.coin):
            self.disarm(f"the page shows coin {shown.strip()!r}, the bot bets {self.coin}")
            return _not_clicked(intent, t1, f"wrong coin on the page: {shown!r}")
        if not probe["active"]:
            return _not_clicked(intent, t1, "side-bet button is not enabled")
        moved = self._moved_on(intent)
        if (
            moved is not None
        ):  # the last check before the click: the feed kept flowing while the page was probed
            logger.info("side bet {id} not clicked: {why}", id=intent.bet_id, why=moved)
            return _not_clicked(intent, t1, moved)
        # From here on a click may reach the page (the tracker already follows the bet: nothing is missed).
        method = "mouse"
        clicked_t = self._clock()
        try:
            if self.prefer_mouse and probe["onTop"] and probe["w"] > 0 and probe["h"] > 0:
                self._box = (probe["x"], probe["y"])
                clicked_t = self._clock()
                self.tracker.clicked(intent.bet_id, clicked_t)
                await self.page.mouse.click(probe["x"], probe["y"])
            else:
                method = "locator"
                assert self._controls is not None
                clicked_t = self._clock()
                self.tracker.clicked(intent.bet_id, clicked_t)
                await self._controls.bet_button.click(timeout=1000, no_wait_after=True)
        except Exception as exc:
            # The click may or may not have happened: never click again; let the feed tell.
            logger.warning(
                "click raised {e}; waiting for the feed to tell whether it landed", e=type(exc).__name__
            )
        # counted now, not after the confirmation wait: a run that stops meanwhile still counts the click
        self.clicks_made += 1
        t2 = self._clock()
        logger.info(
            "clicked side bet {id} ({m}, {a} {c}) probe {p:.1f} ms fill {f:.1f} ms click {k:.1f} ms",
            id=intent.bet_id,
            m=method,
            a=want,
            c=self.coin,
            p=(t1 - t0 - fill_s) * 1000,
            f=fill_s * 1000,
            k=(t2 - clicked_t) * 1000,
        )
        bet = await self.tracker.wait_placed(intent.bet_id, self.confirm_timeout_s)
        placed_t = bet.placed_t if bet is not None else None
        sent_t = bet.sent_t if bet is not None else None
        sample = ClickSample(
            intent.bet_id, method, t1 - t0 - fill_s, fill_s, t2 - clicked_t, clicked_t, sent_t, placed_t, t0
        )
        self.clicks.append(sample)
        if bet is not None and placed_t is not None:
            return BrokerReport(
                intent.bet_id,
                BetStatus.CONFIRMED,
                placed_t,
                start_tick=bet.start_tick,
                end_tick=bet.end_tick,
                latency_s=max(0.0, placed_t - clicked_t),
                message="confirmed by the feed",
                evidence=Evidence.SERVER_ACTIVE,
            )
        if bet is not None and bet.rejection is not None:
            return BrokerReport(
                intent.bet_id,
                BetStatus.REJECTED,
                self._clock(),
                message=bet.rejection,
                evidence=Evidence.SERVER_REJECTED,
            )
        sent = "request sent, " if sent_t is not None else "no request seen, "
        return BrokerReport(
            intent.bet_id,
            BetStatus.UNKNOWN,
            self._clock(),
            message=f"{sent}no confirmation within {self.confirm_timeout_s:.1f} s",
            evidence=Evidence.TIMEOUT,
        )

    def _moved_on(self, intent: BetIntent) -> str | None:
        """Why the decision no longer matches the game on the feed, or None (also None before any frame)."""
        v = self._view
        if v is None:
            return None
        if v.game_id != intent.game_id:
            return f"the game moved on: decided in {intent.game_id}, the feed is in {v.game_id}"
        if v.phase is not Phase.ACTIVE:
            return f"game {intent.game_id} is {v.phase.value} (decided at tick {intent.decided_tick})"
        lag = v.tick - intent.decided_tick
        if self.max_lag_ticks is not None and lag > self.max_lag_ticks:
            return f"tick {v.tick} is {lag} ticks past the decision (limit {self.max_lag_ticks})"
        return None

    def _on_feed(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        self._view = game  # the last check before a click compares the decision with the feed
        return []

    def stats(self) -> BrokerStats:
        lat = tuple(c.confirm_latency_s for c in self.clicks if c.confirm_latency_s is not None)
        return BrokerStats(clicks=self.clicks_made, confirm_latency_s=lat)

    @property
    def unresolved(self) -> int:
        """Real bets still open in the tracker (clicked, unknown or running)."""
        return sum(1 for b in self.tracker.open_bets() if not b.paper)

    @property
    def orphans(self) -> list[Any]:
        """Own bets the feed showed that no bet of ours explains (the tracker's list)."""
        return list(self.tracker.orphans)


def _not_clicked(intent: BetIntent, t: float, why: str) -> BrokerReport:
    return BrokerReport(intent.bet_id, BetStatus.CANCELLED, t, message=why, evidence=Evidence.NOT_CLICKED)


def _coin_matches(shown: str, coin: str) -> bool:
    """The coin selector's text against the coin we bet: FREE is the practice coin, SOL the real one."""
    text = shown.strip().upper()
    return ("FREE" in text) if coin == PRACTICE_COIN else ("SOL" in text and "FREE" not in text)


def _same_amount(shown: str, want: str) -> bool:
    try:
        return Decimal(shown) == Decimal(want)
    except Exception:
        return False
