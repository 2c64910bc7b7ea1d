"""The broker that clicks: sets the amount once, clicks the side-bet button once, confirms from the feed.

Why the mouse path: ``locator.click()`` re-runs actionability checks (35–55 ms measured here); a trusted
``page.mouse.click`` at the cached centre of the button costs a few ms. It is only safe if the button is
still where we think it is, so one ``evaluate`` round trip re-checks the box, the hit-test at the centre
(no overlay), the enabled class and the amount field before the click; anything unexpected falls back
to ``locator.click()``. One decision = at most one click: there is no retry path anywhere in this file.

Confirmation comes from the sniffed frames, never from the page's DOM: the outgoing ``requestSidebet``
(proof the click reached the socket, with its ack id), then ``currentSidebet`` or the ack
``43<id>[{success:true}]`` (confirmed), ``success:false`` (rejected). Silence past
``confirm_timeout_s`` → UNKNOWN, reconciled later from ``currentSidebet``/``playerUpdate.sideBet``/
``currentSidebetResult`` or closed when the game ends with no trace of a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from loguru import logger

from bot.bets.model import BetIntent, BetStatus, BrokerReport
from bot.brokers.base import BrokerStats
from bot.browser.errors import ControlMissing, HaltRequired
from bot.browser.selectors import Controls, first_visible, verify_controls
from bot.config.sections import SelectorsConfig
from bot.game.rules import Outcome, Window, payout_lamports, settle
from bot.game.signals import (
    AccountUpdated,
    AckReceived,
    GameRugged,
    GameStarted,
    OwnBetPlaced,
    OwnBetSettled,
    SidebetRequested,
    Signal,
    TickAdvanced,
)
from bot.game.state import GameView, OwnSidebet, Phase
from bot.mode import Mode
from bot.money import LAMPORTS_PER_SOL, PRACTICE_COIN

CLICK_SAMPLES_KEPT = 4096

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle, Page

LOSS_GRACE_TICKS = 10

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


@dataclass(slots=True)
class _Pending:
    intent: BetIntent
    clicked_t: float
    status: BetStatus = BetStatus.CLICKED
    ack_id: int | None = None
    sent_t: float | None = None
    bet: OwnSidebet | None = None
    settled: bool = False
    outcome_report: BrokerReport | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


def sol_text(lamports: int) -> str:
    """The amount as the page's number input wants it: plain decimal, no exponent, no trailing zeros."""
    text = format(Decimal(lamports) / LAMPORTS_PER_SOL, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class BrowserBroker:
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
    ) -> None:
        if mode not in (Mode.PRACTICE, Mode.LIVE):
            raise ValueError("BrowserBroker clicks: use the paper broker for dry-run and replay")
        self.mode = mode
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
        self._pending: dict[str, _Pending] = {}
        self._busy = False
        self.halt_reason: str | None = None
        # the most recent clicks (latency statistics); a multi-day run must not keep every one
        self.clicks: deque[ClickSample] = deque(maxlen=CLICK_SAMPLES_KEPT)
        self.clicks_made = 0
        self._rugs: dict[str, int] = {}
        self._finished: deque[tuple[str, int]] = deque(maxlen=64)  # settled bets: stale frames must not match
        self.orphans: list[OwnSidebet] = []  # own bets the feed showed that no decision of ours explains

    # ------------------------------------------------------------- arming

    @property
    def armed(self) -> bool:
        return self._controls is not None and self.halt_reason is None

    async def arm(self) -> None:
        await self.arm_controls()

    async def arm_controls(self) -> Controls:
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
        return controls

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

    async def submit(self, intent: BetIntent) -> BrokerReport:
        """At most one click for this intent; returns CONFIRMED / REJECTED / UNKNOWN / CANCELLED."""
        now = self._clock()
        if not self.armed:
            return BrokerReport(
                intent.bet_id,
                BetStatus.CANCELLED,
                now,
                message=f"not armed: {self.halt_reason or 'controls not verified'}",
            )
        if self._busy or self._pending:
            return BrokerReport(intent.bet_id, BetStatus.CANCELLED, now, message="another bet is still open")
        if self._feed_ok is not None and not self._feed_ok():
            return BrokerReport(intent.bet_id, BetStatus.CANCELLED, now, message="feed socket not connected")
        if intent.coin != self.coin:
            return BrokerReport(
                intent.bet_id,
                BetStatus.CANCELLED,
                now,
                message=f"intent coin {intent.coin} differs from the page's coin {self.coin}",
            )
        self._busy = True
        try:
            return await self._submit(intent)
        finally:
            self._busy = False

    async def _submit(self, intent: BetIntent) -> BrokerReport:
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
                return BrokerReport(
                    intent.bet_id,
                    BetStatus.CANCELLED,
                    self._clock(),
                    message=f"could not set the amount: {type(exc).__name__}",
                )
            fill_s = self._clock() - t_fill
            self._amount_set = want
            probe = await self._probe()
        t1 = self._clock()
        if probe is None:  # the button is gone (re-render, navigation): never click blind; re-arm first
            self.disarm("the side-bet button is no longer on the page")
            return BrokerReport(intent.bet_id, BetStatus.CANCELLED, t1, message="side-bet button not found")
        shown = probe.get("coin")
        if shown is not None and not _coin_matches(shown, self.coin):
            self.disarm(f"the page shows coin {shown.strip()!r}, the bot bets {self.coin}")
            return BrokerReport(
                intent.bet_id, BetStatus.CANCELLED, t1, message=f"wrong coin on the page: {shown!r}"
            )
        if probe is not None and not probe["active"]:
            return BrokerReport(
                intent.bet_id, BetStatus.CANCELLED, t1, message="side-bet button is not enabled"
            )
        moved = self._moved_on(intent)
        if (
            moved is not None
        ):  # the last check before the click: the feed kept flowing while the page was probed
            logger.info("side bet {id} not clicked: {why}", id=intent.bet_id, why=moved)
            return BrokerReport(intent.bet_id, BetStatus.CANCELLED, t1, message=moved)
        # From here on a click may reach the page: register the bet first so no confirmation is missed.
        pending = _Pending(intent, t1)
        self._pending[intent.bet_id] = pending
        method = "mouse"
        try:
            if (
                self.prefer_mouse
                and probe is not None
                and probe["onTop"]
                and probe["w"] > 0
                and probe["h"] > 0
            ):
                self._box = (probe["x"], probe["y"])
                pending.clicked_t = self._clock()
                await self.page.mouse.click(probe["x"], probe["y"])
            else:
                method = "locator"
                assert self._controls is not None
                pending.clicked_t = self._clock()
                await self._controls.bet_button.click(timeout=1000, no_wait_after=True)
        except Exception as exc:
            # The click may or may not have happened: never click again; let the feed tell.
            logger.warning(
                "click raised {e}; waiting for the feed to tell whether it landed", e=type(exc).__name__
            )
        t2 = self._clock()
        logger.info(
            "clicked side bet {id} ({m}, {a} {c}) probe {p:.1f} ms fill {f:.1f} ms click {k:.1f} ms",
            id=intent.bet_id,
            m=method,
            a=want,
            c=self.coin,
            p=(t1 - t0 - fill_s) * 1000,
            f=fill_s * 1000,
            k=(t2 - pending.clicked_t) * 1000,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pending.done.wait(), timeout=self.confirm_timeout_s)
        sample = ClickSample(
            intent.bet_id,
            method,
            t1 - t0 - fill_s,
            fill_s,
            t2 - pending.clicked_t,
            pending.clicked_t,
            pending.sent_t,
            pending.bet.placed_t if pending.bet is not None else None,
            t0,
        )
        self.clicks.append(sample)
        self.clicks_made += 1
        if pending.status is BetStatus.CONFIRMED:
            return self._confirmed_report(pending, "confirmed by the feed")
        if pending.status is BetStatus.REJECTED:
            self._pending.pop(intent.bet_id, None)
            return BrokerReport(
                intent.bet_id,
                BetStatus.REJECTED,
                self._clock(),
                latency_s=None,
                message=pending.outcome_report.message if pending.outcome_report else "rejected",
            )
        pending.status = BetStatus.UNKNOWN
        pending.done.clear()
        sent = "request sent, " if pending.sent_t is not None else "no request seen, "
        return BrokerReport(
            intent.bet_id,
            BetStatus.UNKNOWN,
            self._clock(),
            message=f"{sent}no confirmation within {self.confirm_timeout_s:.1f} s",
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

    def _confirmed_report(self, p: _Pending, message: str) -> BrokerReport:
        bet = p.bet
        latency = None if bet is None else max(0.0, bet.placed_t - p.clicked_t)
        return BrokerReport(
            p.intent.bet_id,
            BetStatus.CONFIRMED,
            bet.placed_t if bet else self._clock(),
            start_tick=bet.start_tick if bet else None,
            end_tick=bet.end_tick if bet else None,
            latency_s=latency,
            message=message,
        )

    # ------------------------------------------------------------- feed-driven progress

    def on_signal(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        self._view = game
        if isinstance(signal, SidebetRequested):
            p = self._awaiting()
            if p is not None and p.sent_t is None:
                p.sent_t = signal.t
                p.ack_id = signal.ack_id
            return []
        if isinstance(signal, OwnBetPlaced):
            return self._placed(signal.bet, "currentSidebet")
        if isinstance(signal, AckReceived):
            return self._ack(signal)
        if isinstance(signal, AccountUpdated):
            bet = signal.account.active_bet
            if bet is not None and self._find_by_bet(bet) is None:
                return self._placed(bet, "playerUpdate.sideBet")
            return []
        if isinstance(signal, OwnBetSettled):
            return self._settled(signal.bet, game.t)
        if isinstance(signal, TickAdvanced):
            return self._settle_by_rules(signal.game_id, None, signal.tick, signal.t)
        if isinstance(signal, GameRugged):
            if signal.game.proven:  # an inferred rug tick is a lower bound: the server's truth decides those
                self._rugs[signal.game.game_id] = signal.game.rug_tick
            return []
        if isinstance(signal, GameStarted):
            out = self._expire_unplaced(signal)
            for gid, rug_tick in list(self._rugs.items()):
                if gid != signal.game_id:
                    out += self._settle_by_rules(gid, rug_tick, rug_tick, signal.t)
                    del self._rugs[gid]
            return out
        return []

    def _settle_by_rules(self, game_id: str, rug_tick: int | None, tick: int, t: float) -> list[BrokerReport]:
        """Fallback when ``currentSidebetResult`` never came (socket drop): the shared rules decide.

        A loss is called ``LOSS_GRACE_TICKS`` after the window ended; a bet in a rugged game at the next
        game's start. The server's balance (``playerUpdate.cash``) still reconciles the ledger afterwards.
        """
        out: list[BrokerReport] = []
        for p in list(self._pending.values()):
            bet = p.bet
            if bet is None or bet.game_id != game_id:
                continue
            window = Window(bet.start_tick, bet.end_tick)
            if rug_tick is None and tick <= bet.end_tick + LOSS_GRACE_TICKS:
                continue
            outcome = settle(window, rug_tick=rug_tick, current_tick=tick)
            if outcome not in (Outcome.WON, Outcome.LOST):
                continue
            self._forget(p)
            out.append(
                BrokerReport(
                    p.intent.bet_id,
                    BetStatus.WON if outcome is Outcome.WON else BetStatus.LOST,
                    t,
                    start_tick=bet.start_tick,
                    end_tick=bet.end_tick,
                    payout_lamports=payout_lamports(p.intent.amount_lamports, outcome),
                    message="settled by the rules: no currentSidebetResult seen",
                )
            )
        return out

    def _awaiting(self) -> _Pending | None:
        """The bet waiting for (or unknown about) its placement; there is at most one."""
        for p in self._pending.values():
            if p.bet is None and p.status in (BetStatus.CLICKED, BetStatus.UNKNOWN):
                return p
        return None

    def _find_by_bet(self, bet: OwnSidebet) -> _Pending | None:
        for p in self._pending.values():
            if p.bet is not None and p.bet.game_id == bet.game_id and p.bet.start_tick == bet.start_tick:
                return p
        return None

    def _placed(self, bet: OwnSidebet, source: str) -> list[BrokerReport]:
        if self._find_by_bet(bet) is not None or (bet.game_id, bet.start_tick) in self._finished:
            return []
        p = self._awaiting()
        if p is None or not _explains(p.intent, bet):
            if not any(o.game_id == bet.game_id and o.start_tick == bet.start_tick for o in self.orphans):
                self.orphans.append(bet)
                logger.warning(
                    "own side bet {g}@{s} not placed by this bot ({src})",
                    g=bet.game_id,
                    s=bet.start_tick,
                    src=source,
                )
            return []
        p.bet = bet
        if p.status is BetStatus.UNKNOWN:
            p.status = BetStatus.CONFIRMED
            return [self._confirmed_report(p, f"reconciled from {source}")]
        p.status = BetStatus.CONFIRMED
        p.done.set()
        return []

    def _ack(self, sig: AckReceived) -> list[BrokerReport]:
        p = next((x for x in self._pending.values() if x.ack_id is not None and x.ack_id == sig.ack_id), None)
        if p is None or p.bet is not None:
            return []
        ack = sig.ack
        if ack.success is False:
            message = f"rejected by the server: {ack.message or ack.error or 'no reason given'}"
            if p.status is BetStatus.UNKNOWN:
                self._pending.pop(p.intent.bet_id, None)
                return [BrokerReport(p.intent.bet_id, BetStatus.REJECTED, sig.t, message=message)]
            p.status = BetStatus.REJECTED
            p.outcome_report = BrokerReport(p.intent.bet_id, BetStatus.REJECTED, sig.t, message=message)
            p.done.set()
            return []
        if ack.success and ack.sidebet is not None:
            rec = ack.sidebet
            if rec.start_tick is not None and rec.end_tick is not None:
                from bot.money import sol_to_lamports

                bet = OwnSidebet(
                    rec.game_id or (p.intent.game_id),
                    rec.start_tick,
                    rec.end_tick,
                    sol_to_lamports(rec.bet_amount or 0),
                    rec.coin_address or p.intent.coin,
                    sig.t,
                )
                return self._placed(bet, "ack")
        return []

    def _settled(self, bet: OwnSidebet, t: float) -> list[BrokerReport]:
        p = self._find_by_bet(bet)
        if p is None:
            # Settlement of a bet we only know as UNKNOWN (its placement frame was missed): reconcile.
            cand = self._awaiting()
            if cand is not None and _explains(cand.intent, bet):
                cand.bet = bet
                p = cand
                reports = [self._confirmed_report(p, "reconciled from currentSidebetResult")]
            else:
                return []
        else:
            reports = []
        won = bet.outcome == "won" or bet.payout_lamports > 0
        self._forget(p)
        reports.append(
            BrokerReport(
                p.intent.bet_id,
                BetStatus.WON if won else BetStatus.LOST,
                t,
                start_tick=bet.start_tick,
                end_tick=bet.end_tick,
                payout_lamports=bet.payout_lamports,
                message=f"settled at tick {bet.settled_tick}",
            )
        )
        return reports

    def _expire_unplaced(self, sig: GameStarted) -> list[BrokerReport]:
        """An UNKNOWN bet from an earlier game with no request ever sniffed did not reach the server."""
        out: list[BrokerReport] = []
        for p in list(self._pending.values()):
            if (
                p.status is BetStatus.UNKNOWN
                and p.bet is None
                and p.sent_t is None
                and p.intent.game_id != sig.game_id
            ):
                self._pending.pop(p.intent.bet_id, None)
                out.append(
                    BrokerReport(
                        p.intent.bet_id,
                        BetStatus.REJECTED,
                        sig.t,
                        message="never placed: no requestSidebet reached the socket",
                    )
                )
        return out

    def forget(self, bet_id: str) -> None:
        """The session reconciled this bet from the server's truth (bot/bets/reconcile.py): stop waiting for it."""
        p = self._pending.get(bet_id)
        if p is not None:
            self._forget(p)

    def _forget(self, p: _Pending) -> None:
        self._pending.pop(p.intent.bet_id, None)
        if p.bet is not None:
            self._finished.append((p.bet.game_id, p.bet.start_tick))

    def stats(self) -> BrokerStats:
        lat = tuple(c.confirm_latency_s for c in self.clicks if c.confirm_latency_s is not None)
        return BrokerStats(clicks=self.clicks_made, confirm_latency_s=lat)

    @property
    def unresolved(self) -> int:
        return len(self._pending)


def _explains(intent: BetIntent, bet: OwnSidebet) -> bool:
    """Could this placed bet be the result of this click? Same game, coin, amount, not before the decision."""
    return (
        bet.game_id == intent.game_id
        and bet.coin == intent.coin
        and bet.amount_lamports == intent.amount_lamports
        and bet.start_tick >= intent.decided_tick
    )


def _coin_matches(shown: str, coin: str) -> bool:
    """The coin selector's text against the coin we bet: FREE is the practice coin, SOL the real one."""
    text = shown.strip().upper()
    return ("FREE" in text) if coin == PRACTICE_COIN else ("SOL" in text and "FREE" not in text)


def _same_amount(shown: str, want: str) -> bool:
    try:
        return Decimal(shown) == Decimal(want)
    except Exception:
        return False


def guard_halt(exc: BaseException) -> str | None:
    """The reason to halt for a broker-side exception, if it is one that needs a human."""
    return exc.reason if isinstance(exc, HaltRequired) else None
