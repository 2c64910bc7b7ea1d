"""BrowserBroker against a real Chromium page: arming, one trusted click, confirmation from real-format frames.

The page is a minimal copy of the controls (same selectors as the site); frames are real Socket.IO text in
the protocol's documented shapes, run through the real GameTracker, so the broker sees exactly the
signals it sees live. The simulator-backed end-to-end tests live in test_sim_e2e.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.bets.model import BetIntent, BetStatus, BrokerReport
from bot.brokers.browser import BrowserBroker, sol_text
from bot.browser.errors import ControlMissing
from bot.browser.launch import LaunchedBrowser
from bot.config.sections import SelectorsConfig
from bot.engine.types import SideBet
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import PRACTICE_COIN
from bot.risk.governor import BetRefused
from tests.risk.helpers import make_governor, view

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><body>
<div class="_coinSelector_f6y2z" id="coin"><span class="_coinTicker_t7c1k" id="ticker">SOL</span></div>
<div id="dd" hidden><div class="_coinOption_o" data-coin="0xPractice">FREE</div></div>
<div class="_amountInputContainer_x7f3a"><input type="number" id="amount" value="0"></div>
<button class="_sidebetToggle_v5g7h" id="toggle">Side Bet</button>
<div class="sidebet-container" id="panel" hidden><div class="sidebet-banner">
  <div class="bet-button but-button-active" id="bet" style="width:160px;height:40px;background:#393">PLACE</div>
</div></div>
<div id="overlay" style="position:fixed;left:0;top:0;width:100vw;height:100vh;display:none"></div>
<script>
window.clicks = []; window.inputs = 0;
coin.onclick = () => { dd.hidden = !dd.hidden; };
dd.querySelector('[data-coin]').onclick = () => { ticker.textContent = 'FREE'; dd.hidden = true; };
toggle.onclick = () => { panel.hidden = !panel.hidden; };
amount.addEventListener('input', () => { window.inputs += 1; });
bet.addEventListener('click', (e) => window.clicks.push({trusted: e.isTrusted, amount: amount.value}));
</script></body></html>"""

GID = "20251228-fcb81ff2dd864862"


def gsu(tick: int, *, gid: str = GID, rugged: bool = False) -> str:
    return "42" + json.dumps(
        [
            "gameStateUpdate",
            {
                "gameId": gid,
                "active": True,
                "rugged": rugged,
                "price": 1.0,
                "tickCount": tick,
                "cooldownTimer": 0,
                "allowPreRoundBuys": False,
                "provablyFair": {"serverSeedHash": "ab" * 32, "version": "v3"},
            },
        ]
    )


TRACE = {"__trace": True, "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}


def placed(start: int, amount: float, coin: str = PRACTICE_COIN, gid: str = GID) -> str:
    return "42" + json.dumps(
        [
            "currentSidebet",
            TRACE,
            {
                "playerId": "did:anon:x",
                "gameId": gid,
                "price": 1.0,
                "betAmount": amount,
                "xPayout": 5,
                "coinAddress": coin,
                "startTick": start,
                "endTick": start + 40,
                "tickIndex": start,
                "timestamp": 1766897774669,
                "type": "placed",
            },
        ]
    )


def result(start: int, amount: float, won: bool, tick: int, coin: str = PRACTICE_COIN, gid: str = GID) -> str:
    return "42" + json.dumps(
        [
            "currentSidebetResult",
            TRACE,
            {
                "playerId": "did:anon:x",
                "gameId": gid,
                "betAmount": amount,
                "xPayout": 5,
                "coinAddress": coin,
                "startTick": start,
                "endTick": start + 40,
                "tickIndex": tick,
                "type": "payout",
                "payout": amount * 5 if won else 0,
                "profit": amount * 4 if won else -amount,
            },
        ]
    )


def request(ack: int, amount: float, coin: str = PRACTICE_COIN) -> str:
    return f"42{ack}" + json.dumps(
        ["requestSidebet", TRACE, {"amount": amount, "coinAddress": coin, "xPayout": 5}]
    )


class Harness:
    """Real tracker → broker routing, as the session does it, collecting every report."""

    def __init__(self, broker: BrowserBroker) -> None:
        self.tracker = GameTracker()
        self.broker = broker
        self.reports: list[BrokerReport] = []

    def feed(self, direction: str, text: str, t: float | None = None) -> None:
        import time

        t = time.time() if t is None else t
        for sig in self.tracker.on_frame(t, direction, text):
            self.reports.extend(self.broker.on_signal(sig, self.tracker.view))


def intent(bet_id: str, tick: int, lamports: int = 2_000_000, coin: str = PRACTICE_COIN) -> BetIntent:
    return BetIntent(bet_id, GID, tick, 0.0, lamports, coin, "test", "test")


async def fresh_page(b: LaunchedBrowser) -> Any:
    page = await b.context.new_page()
    await page.set_content(PAGE)
    return page


async def clicks(page: Any) -> list[dict[str, Any]]:
    return list(await page.evaluate("window.clicks"))


async def wait_clicks(page: Any, n: int, timeout_s: float = 3.0) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while loop.time() < end:
        got = await clicks(page)
        if len(got) >= n:
            return got
        await asyncio.sleep(0.01)
    return await clicks(page)


# (name, frames fed after the click appears, expected submit status, expected later statuses)
Feed = list[tuple[str, str]]
SCENARIOS: list[tuple[str, Callable[[int], Feed], BetStatus, Callable[[int], Feed], list[BetStatus]]] = [
    (
        "confirmed then won",
        lambda k: [
            ("out", request(k, 0.002)),
            ("in", placed(101, 0.002)),
            ("in", f'43{k}[{{"success":true}}]'),
        ],
        BetStatus.CONFIRMED,
        lambda k: [("in", result(101, 0.002, True, 120))],
        [BetStatus.WON],
    ),
    (
        "confirmed by ack only, then lost",
        lambda k: [
            ("out", request(k, 0.002)),
            (
                "in",
                f'43{k}[{{"success":true,"message":"Side bet placed",'
                f'"sidebet":{{"gameId":"{GID}","startTick":101,"endTick":141,"betAmount":0.002,'
                f'"coinAddress":"0xPractice"}}}}]',
            ),
        ],
        BetStatus.CONFIRMED,
        lambda k: [("in", result(101, 0.002, False, 101))],
        [BetStatus.LOST],
    ),
    (
        "rejected by ack",
        lambda k: [
            ("out", request(k, 0.002)),
            ("in", f'43{k}[{{"success":false,"message":"Insufficient balance"}}]'),
        ],
        BetStatus.REJECTED,
        lambda k: [],
        [],
    ),
    (
        "silence → unknown, reconciled from a late currentSidebet, then won",
        lambda k: [("out", request(k, 0.002))],
        BetStatus.UNKNOWN,
        lambda k: [("in", placed(102, 0.002)), ("in", result(102, 0.002, True, 130))],
        [BetStatus.CONFIRMED, BetStatus.WON],
    ),
    (
        "silence, no request ever sent → unknown, closed as never placed at the next game",
        lambda k: [],
        BetStatus.UNKNOWN,
        lambda k: [("in", gsu(0, gid="20251228-00000000000000aa"))],
        [BetStatus.REJECTED],
    ),
    (
        "a stale bet of another game never confirms this click",
        lambda k: [("in", placed(50, 0.002, gid="20251228-1111111111111111"))],
        BetStatus.UNKNOWN,
        lambda k: [],
        [],
    ),
    (
        "silence, lost by the rules when the result frame never comes",
        lambda k: [("out", request(k, 0.002)), ("in", placed(101, 0.002))],
        BetStatus.CONFIRMED,
        lambda k: [("in", gsu(t)) for t in range(102, 153)],
        [BetStatus.LOST],
    ),
]


@pytest.mark.parametrize(
    ("name", "before", "status", "after", "later"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_one_click_and_confirmation(
    plain_browser: LaunchedBrowser,
    run: Callable[[Awaitable[Any]], Any],
    name: str,
    before: Callable[[int], Feed],
    status: BetStatus,
    after: Callable[[int], Feed],
    later: list[BetStatus],
) -> None:
    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        broker = BrowserBroker(
            page, SelectorsConfig(), mode=Mode.PRACTICE, coin=PRACTICE_COIN, confirm_timeout_s=0.6
        )
        h = Harness(broker)
        h.feed("in", gsu(100))
        await broker.arm()
        assert await page.locator("#ticker").text_content() == "FREE"  # practice coin selected
        task = asyncio.ensure_future(broker.submit(intent("b1", 100)))
        got = await wait_clicks(page, 1)
        assert len(got) == 1 and got[0]["trusted"] and got[0]["amount"] == "0.002"
        for d, text in before(7):
            h.feed(d, text)
        rep = await task
        assert rep.status is status, rep.message
        if status is BetStatus.CONFIRMED:
            assert rep.latency_s is not None and 0 <= rep.latency_s < 2
            assert rep.start_tick == 101 and rep.end_tick == 141
        for d, text in after(7):
            h.feed(d, text)
        assert [r.status for r in h.reports] == later
        if BetStatus.WON in later:
            assert h.reports[-1].payout_lamports == 10_000_000
        assert len(await clicks(page)) == 1  # never a second click for one decision
        await page.close()

    run(scenario())


def test_amount_set_once_mouse_path_and_busy_guard(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any], tmp_path: Path
) -> None:
    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        broker = BrowserBroker(
            page, SelectorsConfig(), mode=Mode.PRACTICE, coin=PRACTICE_COIN, confirm_timeout_s=0.5
        )
        h = Harness(broker)
        h.feed("in", gsu(100))
        await broker.arm()
        # the one-open-bet rule lives in the governor (its one_open_bet guard), before any intent is written
        now = time.time()
        gov = make_governor(tmp_path / "bot.db", mode="PRACTICE", coin=PRACTICE_COIN, t=now)
        v = view(now, game=GID, tick=100)
        first = gov.open_bet(SideBet(2_000_000, "first", "test"), v, PRACTICE_COIN)
        task = asyncio.ensure_future(broker.submit(first))
        await wait_clicks(page, 1)
        # a second decision while the first is open is refused without a click
        with pytest.raises(BetRefused, match="one_open_bet"):
            gov.open_bet(SideBet(2_000_000, "second", "test"), v, PRACTICE_COIN)
        h.feed("in", placed(101, 0.002))
        assert (await task).status is BetStatus.CONFIRMED
        h.feed("in", result(101, 0.002, False, 101))
        inputs_after_first = await page.evaluate("window.inputs")
        assert inputs_after_first >= 1
        # same amount again: no fill, straight to the click
        assert len(await clicks(page)) == 1  # the refused decision never reached the page
        task = asyncio.ensure_future(broker.submit(intent("c", 105)))
        await wait_clicks(page, 2)
        h.feed("in", placed(106, 0.002))
        assert (await task).status is BetStatus.CONFIRMED
        assert await page.evaluate("window.inputs") == inputs_after_first
        assert [c.method for c in broker.clicks] == ["mouse", "mouse"]
        assert broker.clicks[1].fill_s == 0.0
        assert len(await clicks(page)) == 2
        await page.close()

    run(scenario())


def test_overlay_blocks_the_click_and_no_retry(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    """Something on top of the button: the mouse path is skipped; the locator fallback refuses too; no click."""

    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        broker = BrowserBroker(
            page, SelectorsConfig(), mode=Mode.PRACTICE, coin=PRACTICE_COIN, confirm_timeout_s=0.3
        )
        await broker.arm()
        await page.evaluate("overlay.style.display='block'")
        rep = await broker.submit(intent("o", 100))
        assert rep.status is BetStatus.UNKNOWN and "no request seen" in rep.message
        assert await clicks(page) == []
        assert broker.clicks[0].method == "locator"
        await page.close()

    run(scenario())


def test_button_gone_disarms_without_click(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        broker = BrowserBroker(
            page, SelectorsConfig(), mode=Mode.PRACTICE, coin=PRACTICE_COIN, confirm_timeout_s=0.3
        )
        await broker.arm()
        await page.evaluate("bet.remove()")
        rep = await broker.submit(intent("x", 100))
        assert rep.status is BetStatus.CANCELLED and not broker.armed
        assert await clicks(page) == []
        await page.close()

    run(scenario())


def test_disabled_button_cancels_without_click(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        broker = BrowserBroker(
            page, SelectorsConfig(), mode=Mode.PRACTICE, coin=PRACTICE_COIN, confirm_timeout_s=0.3
        )
        await broker.arm()
        await page.evaluate("bet.classList.remove('but-button-active')")
        rep = await broker.submit(intent("d", 100))
        assert rep.status is BetStatus.CANCELLED and "not enabled" in rep.message
        assert await clicks(page) == []
        await page.close()

    run(scenario())


def test_no_click_without_a_live_feed(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        feed = {"ok": False}
        broker = BrowserBroker(
            page,
            SelectorsConfig(),
            mode=Mode.PRACTICE,
            coin=PRACTICE_COIN,
            confirm_timeout_s=0.3,
            feed_ok=lambda: feed["ok"],
        )
        await broker.arm()
        rep = await broker.submit(intent("f", 100))
        assert rep.status is BetStatus.CANCELLED and "feed" in rep.message
        assert await clicks(page) == []
        feed["ok"] = True
        task = asyncio.ensure_future(broker.submit(intent("g", 100)))
        assert len(await wait_clicks(page, 1)) == 1
        assert (await task).status is BetStatus.UNKNOWN  # clicked; nothing confirms it in this page-only test
        await page.close()

    run(scenario())


def test_missing_control_halts(plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]) -> None:
    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        halts: list[str] = []
        wrong = SelectorsConfig(sidebet_button=["div.no-such-button", "#nope"])
        broker = BrowserBroker(
            page,
            wrong,
            mode=Mode.PRACTICE,
            coin=PRACTICE_COIN,
            confirm_timeout_s=0.3,
            on_halt=halts.append,
            arm_timeout_s=0.5,
        )
        with pytest.raises(ControlMissing, match="sidebet_button"):
            await broker.arm()
        assert halts and "div.no-such-button" in halts[0]
        rep = await broker.submit(intent("m", 100))
        assert rep.status is BetStatus.CANCELLED and not broker.armed
        assert await clicks(page) == []
        await page.close()

    run(scenario())


@pytest.mark.parametrize(
    ("lamports", "text"),
    [
        (2_000_000, "0.002"),
        (1_000_000_000, "1"),
        (1, "0.000000001"),
        (1_500_000_000, "1.5"),
        (10_000_000, "0.01"),
    ],
)
def test_sol_text(lamports: int, text: str) -> None:
    assert sol_text(lamports) == text


def test_a_decision_the_game_has_moved_past_is_cancelled_without_a_click(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    """The feed keeps flowing while the page is probed: a click that would land after the rug (in the next
    game) or many ticks after the decision is not made. Found by the 80x soak on a busy machine."""

    async def scenario() -> None:
        page = await fresh_page(plain_browser)
        broker = BrowserBroker(
            page,
            SelectorsConfig(),
            mode=Mode.PRACTICE,
            coin=PRACTICE_COIN,
            confirm_timeout_s=0.3,
            max_lag_ticks=4,
        )
        h = Harness(broker)
        h.feed("in", gsu(100))
        await broker.arm()
        h.feed("in", gsu(110))
        late = await broker.submit(intent("late", 100))
        assert late.status is BetStatus.CANCELLED and "10 ticks past" in late.message
        h.feed("in", gsu(111, rugged=True))
        rugged = await broker.submit(intent("rugged", 110))
        assert rugged.status is BetStatus.CANCELLED and "RUGGED" in rugged.message.upper()
        h.feed("in", gsu(0, gid="20251228-0000000000000002"))
        moved = await broker.submit(intent("moved", 110))
        assert moved.status is BetStatus.CANCELLED and "moved on" in moved.message
        assert await clicks(page) == []
        # within the limit in the current game: clicked as usual
        h.feed("in", gsu(3, gid="20251228-0000000000000002"))
        fresh = BetIntent(
            "fresh", "20251228-0000000000000002", 1, 0.0, 2_000_000, PRACTICE_COIN, "test", "test"
        )
        task = asyncio.ensure_future(broker.submit(fresh))
        assert len(await wait_clicks(page, 1)) == 1
        await task
        await page.close()

    run(scenario())
