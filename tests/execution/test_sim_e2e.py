"""End to end: real headless Chromium + the stand-in wallet + the real simulator, driven by `rugsbot run`'s LiveRun.

Every scenario checks the simulator's ground truth (``SimTruth``) against what the bot believes: requests
received per player (no double bet), the account's balance against the bot's own ledger, bets settled.
The simulator runs at a fast clock (ticks of ~25 ms) so a few games fit in seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app.live import LiveRun
from bot.app.target import LiveOptions
from bot.bets.model import BetStatus
from bot.browser.wallet import RequestKind
from bot.config import Mode, Settings
from bot.config.profile import profile_from_dict
from bot.exitcodes import EXIT_HALTED, EXIT_OK
from bot.money import PRACTICE_COIN
from tests.execution.conftest import browser_available

pytestmark = pytest.mark.browser

SPEED = 10.0

PROFILE = {
    "name": "e2e",
    "mode": "practice",
    "starting_bankroll_sol": 10.0,
    "engine": {
        "strategies": [
            {
                "name": "fixed",
                "params": {"stake_sol": 0.01, "start_tick": 3, "every": 40, "max_bets_per_game": 3},
            }
        ],
        "adaptive": False,
    },
    "guards": {
        "max_stake_per_bet_sol": 0.05,
        "max_stake_per_game_sol": 0.2,
        "session_loss_limit_sol": 5.0,
        "daily_loss_limit_sol": 5.0,
        "max_consecutive_losses": 100,
        "max_drawdown_pct": 90.0,
        "max_bets_per_hour": 5000,
        "loss_streak_cooldown": 100,
    },
    "timing": {"confirm_timeout_s": 3.0},
    "browser": {"headless": True, "allowed_origins": ["http://127.0.0.1"]},
}


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    if not browser_available():
        pytest.skip("no Chromium found")
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    # every game rugs at tick 90 (drawn provably fair): three bets a game (ticks 3, 43, 83; the last wins), so
    # no scenario waits out a long random game for its next bet
    handle = start_sim_in_thread(SimConfig(speed=SPEED, seed="e2e-execution", players=6, rug_at=(90,)))
    yield handle
    handle.stop()


def make_options(**kw: Any) -> LiveOptions:
    return dataclasses.replace(LiveOptions(headless=True, sim=True, sim_speed=SPEED), **kw)


def settings_for(tmp: Path) -> Settings:
    return Settings(
        data_dir=tmp / "var",
        recordings_dir=tmp / "rec",
        strategies_dir=tmp / "strategies",
        browser_profile_dir=tmp / "profile",
        wallet_password=None,
        url=None,
    )


async def drive(bot: LiveRun, during: Callable[[LiveRun], Awaitable[None]] | None = None) -> int:
    """Run the bot; ``during`` runs concurrently (fault injection) once the broker is armed."""

    async def side() -> None:
        if during is None:
            return
        try:
            for _ in range(600):
                if bot.broker is not None and bot.broker.armed:
                    break
                await asyncio.sleep(0.05)
            await during(bot)
        except BaseException:
            bot.request_stop(
                "test: the scenario failed"
            )  # stop the bot so the failure is reported, not a hang
            raise

    side_task = asyncio.ensure_future(side())
    code = await bot.main()
    if side_task.done() and not side_task.cancelled() and side_task.exception() is not None:
        raise side_task.exception()  # type: ignore[misc]
    side_task.cancel()
    return code


def history(b: LiveRun) -> str:
    """What happened, for assertion messages."""
    return "; ".join(f"{r.bet_id[-4:]}:{r.status.value}:{r.message[:40]}" for r in b.loop.reports)


def our_truth(bot: LiveRun, truth: Any) -> tuple[Any, list[Any], int]:
    assert bot.parts is not None
    pid = bot.parts.tracker.account.player_id
    acct = next(a for a in truth.accounts if a.player_id == pid)
    bets = [b for b in truth.bets if b.player_id == pid]
    return acct, bets, truth.sidebet_requests.get(pid, 0)


async def wait_for(cond: Callable[[], bool], timeout_s: float) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


def confirmed_clicks(bot: LiveRun) -> int:
    return sum(1 for r in bot.loop.reports if r.status is BetStatus.CONFIRMED)


def check_consistent(bot: LiveRun, sim: Any) -> tuple[Any, list[Any], int]:
    """No double bet, and every bet the bot settled matches the simulator's bet exactly (the database too)."""
    from bot.store.db import Store

    assert bot.sniffer.health.sink_errors == 0  # no frame failed inside the session
    truth = sim.truth()
    acct, bets, requests = our_truth(bot, truth)
    clicks = bot.broker.stats().clicks  # counted at the click (a sample waits for its confirmation)
    assert requests <= clicks, f"{requests} requests for {clicks} clicks: a click was doubled"
    server = {(b.game_id, b.start_tick): b for b in bets}
    with Store.open(bot.settings.db_path) as store:
        rows = store.bets(bot.parts.governor.session)
        decisions = store.decisions(bot.parts.governor.session)
    assert decisions and all(d.reason for d in decisions)  # decisions recorded with their reasons
    placed = [r for r in rows if r.status in (BetStatus.CONFIRMED, BetStatus.WON, BetStatus.LOST)]
    assert len(placed) == len(bets), (placed, bets)  # one server bet per placed row, none extra
    settled_pnl = 0
    for r in placed:
        b = server[(r.game, r.start_tick)]
        assert b.amount_lamports == r.amount_lamports and b.end_tick == r.end_tick
        if r.status in (BetStatus.WON, BetStatus.LOST):
            assert b.outcome == r.status.value, (b, r)
            assert r.payout_lamports == b.payout_lamports
            settled_pnl += b.payout_lamports - b.amount_lamports
    led = bot.parts.governor.ledger
    assert led.session_pnl == settled_pnl
    # The bot's books against the server's balance: open stakes are debited on both sides; a bet still open
    # in the bot's book may have been settled by the server after the bot stopped (it keeps running).
    late_payouts = sum(
        server[(r.game, r.start_tick)].payout_lamports
        for r in placed
        if r.status is BetStatus.CONFIRMED and server[(r.game, r.start_tick)].outcome in ("won", "lost")
    )
    start = next(c.start_balance for c in sim.server.config.coins if c.address == PRACTICE_COIN)
    assert acct.balances[PRACTICE_COIN] == start + led.session_pnl - led.open_exposure + late_payouts
    return acct, bets, requests


def test_practice_run_connects_clicks_confirms_and_settles(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    profile = profile_from_dict(PROFILE)
    bot = LiveRun(settings_for(tmp_path), profile, Mode.PRACTICE, make_options(), sim=sim)

    async def until_settled(b: LiveRun) -> None:
        await wait_for(
            lambda: sum(1 for r in b.loop.reports if r.status in (BetStatus.WON, BetStatus.LOST)) >= 3, 40
        )
        b.request_stop("test: enough settled bets")

    code = run(drive(bot, until_settled))
    assert code == EXIT_OK, bot.reason
    assert bot.login is not None and bot.login.wallet is not None
    kinds = [(req.kind, dec.approve) for req, dec in bot.login.wallet.decisions]
    assert (RequestKind.CONNECT, True) in kinds and (RequestKind.SIGN_MESSAGE, True) in kinds
    settled = [r for r in bot.loop.reports if r.status in (BetStatus.WON, BetStatus.LOST)]
    assert len(settled) >= 3
    assert all(c.method == "mouse" for c in bot.broker.clicks)
    lat = [
        r.latency_s for r in bot.loop.reports if r.status is BetStatus.CONFIRMED and r.latency_s is not None
    ]
    assert lat and max(lat) < 2.0
    _acct, _bets, requests = check_consistent(bot, sim)
    assert requests == len(bot.broker.clicks) == confirmed_clicks(bot)
    # the first bet was decided after arm() returned, on a frame received after it (issue 13: a decision
    # taken while the controls were being armed was cancelled as "9 ticks past the decision")
    from bot.store.db import Store

    assert bot.parts is not None and bot.parts.gate is not None and bot.parts.gate.opened_at is not None
    with Store.open(bot.settings.db_path) as store:
        rows = store.bets(bot.parts.governor.session)
    assert rows and min(r.decided_t for r in rows) >= bot.parts.gate.opened_at
    assert bot.recorder is not None and bot.recorder.closed
    assert bot.summary["bets"] >= 3


def test_dry_run_never_sends_a_request(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    before = sum(sim.truth().sidebet_requests.values())
    profile = profile_from_dict(PROFILE)
    bot = LiveRun(
        settings_for(tmp_path),
        profile,
        Mode.DRY_RUN,
        make_options(duration_s=4.0),
        sim=sim,
    )
    code = run(bot.main())
    assert code == EXIT_OK, bot.reason
    assert bot.loop.stats.intents >= 1  # it decided to (paper) bet ...
    assert sum(sim.truth().sidebet_requests.values()) == before  # ... and never clicked
    assert bot.sniffer.health.sink_errors == 0
    assert bot.login is None


def test_faults_reject_drop_delayed_ack_reload_and_stall(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    """Rejected bet, slow acks, socket drop, page reload, stalled feed: no double bet, books equal the server's."""
    profile = profile_from_dict(PROFILE)
    bot = LiveRun(settings_for(tmp_path), profile, Mode.PRACTICE, make_options(), sim=sim)

    async def faults(b: LiveRun) -> None:
        await asyncio.to_thread(sim.fault, "reject", 1)
        assert await wait_for(lambda: any(r.status is BetStatus.REJECTED for r in b.loop.reports), 30), (
            history(b)
        )
        await asyncio.to_thread(sim.fault, "ack_delay", 400)
        n = confirmed_clicks(b)
        assert await wait_for(lambda: confirmed_clicks(b) > n, 30), history(b)
        await asyncio.to_thread(sim.fault, "ack_delay", 0)
        await asyncio.to_thread(sim.fault, "drop")
        assert await wait_for(lambda: b.sniffer.health.sockets_opened >= 2, 20), history(b)
        n = confirmed_clicks(b)
        assert await wait_for(lambda: confirmed_clicks(b) > n, 30), history(b)
        # a page reload logs the page out and replaces every control: the bot must log in and re-arm
        await b.page.reload()
        assert await wait_for(lambda: b.sniffer.health.sockets_opened >= 3, 20), history(b)
        n = confirmed_clicks(b)
        assert await wait_for(lambda: confirmed_clicks(b) > n, 40), history(b)
        # a stalled feed (3 s of silence, then the backlog in one burst)
        await asyncio.to_thread(sim.fault, "stall", 30)
        await asyncio.sleep(3.5)
        n = confirmed_clicks(b)
        assert await wait_for(lambda: confirmed_clicks(b) > n, 30), history(b)
        # let the open bet settle so the books can be compared exactly
        await wait_for(lambda: b.broker.unresolved == 0, 20)
        b.request_stop("test: faults done")

    code = run(drive(bot, faults))
    assert code == EXIT_OK, bot.reason
    statuses = [r.status for r in bot.loop.reports]
    assert BetStatus.REJECTED in statuses
    assert bot.sniffer.health.sockets_opened >= 3  # followed the reconnect and the reload
    assert statuses.count(BetStatus.CONFIRMED) >= 2
    check_consistent(bot, sim)


def test_signing_request_is_rejected_and_halts(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    profile = profile_from_dict(PROFILE)
    settings = settings_for(tmp_path)
    bot = LiveRun(settings, profile, Mode.PRACTICE, make_options(), sim=sim)

    async def sign(b: LiveRun) -> None:
        await asyncio.to_thread(sim.fault, "sign_request")

    code = run(drive(bot, sign))
    assert code == EXIT_HALTED
    assert bot.login is not None and bot.login.wallet is not None
    tx = [(req, dec) for req, dec in bot.login.wallet.decisions if req.kind is RequestKind.SIGN_TRANSACTION]
    assert tx and not tx[0][1].approve and tx[0][1].halt
    from bot.store.db import Store

    with Store.open(settings.db_path) as store:
        halt = store.active_halt()
    assert halt is not None and "signature" in halt.reason
    assert any(p.suffix == ".png" for p in settings.log_dir.iterdir())
    assert any(p.name.endswith("trace.zip") for p in settings.log_dir.iterdir())
    check_consistent(bot, sim)
    assert bot.login.password is not None
    assert_secret_nowhere(tmp_path, bot.login.password.get_secret_value())


def assert_secret_nowhere(root: Path, secret: str) -> None:
    """The wallet password is in no file the run left behind (logs, DB, recordings, traces, screenshots)."""
    import gzip
    import zipfile

    needle = secret.encode()
    checked = 0
    for f in root.rglob("*"):
        if not f.is_file() or "profile" in f.parts:
            continue
        assert secret not in f.name
        blobs = [f.read_bytes()]
        if f.suffix == ".zip":
            with zipfile.ZipFile(f) as z:
                blobs += [z.read(n) for n in z.namelist()]
        elif f.suffix == ".gz":
            blobs.append(gzip.decompress(blobs[0]))
        for blob in blobs:
            assert needle not in blob, f"password found in {f}"
        checked += 1
    assert checked >= 4


def test_missing_control_halts_with_screenshot(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any]
) -> None:
    data = dict(PROFILE)
    data["browser"] = {**PROFILE["browser"], "selectors": {"sidebet_button": ["div.renamed-bet-button"]}}
    profile = profile_from_dict(data)
    settings = settings_for(tmp_path)
    before = sum(sim.truth().sidebet_requests.values())
    bot = LiveRun(settings, profile, Mode.PRACTICE, make_options(arm_timeout_s=1.0), sim=sim)
    code = run(bot.main())
    assert code == EXIT_HALTED
    assert "div.renamed-bet-button" in bot.reason
    shots = [p for p in settings.log_dir.iterdir() if p.suffix == ".png"]
    traces = [p for p in settings.log_dir.iterdir() if p.name.endswith("trace.zip")]
    assert shots and traces
    assert sum(sim.truth().sidebet_requests.values()) == before
    from bot.store.db import Store

    with Store.open(settings.db_path) as store:
        assert store.active_halt() is not None
