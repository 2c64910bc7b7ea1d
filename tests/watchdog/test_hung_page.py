"""A page whose renderer hangs (an endless script) stops answering: the watchdog relaunches the browser (a reload
would wait on the same hung renderer) and re-arms, and bets go on. In process, because only the bot's own page
can be made to hang: real Chromium, the stand-in wallet and the real simulator (in a thread)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app.live import LiveRun
from bot.app.target import LiveOptions
from bot.bets.model import BetStatus
from bot.config import Mode, Settings
from bot.config.profile import profile_from_dict
from bot.exitcodes import EXIT_OK
from bot.store.db import Store
from tests.execution.conftest import browser_available

pytestmark = pytest.mark.browser

SPEED = 8.0
PROFILE: dict[str, Any] = {
    "name": "hung",
    "mode": "practice",
    "starting_bankroll_sol": 10.0,
    "engine": {
        "strategies": [{"name": "fixed", "params": {"stake_sol": 0.01, "start_tick": 3, "every": 40}}],
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
    "browser": {"headless": True, "allowed_origins": ["http://127.0.0.1"]},
    "watchdog": {"reload_after_silent_s": 4.0, "relaunch_backoff_s": 0.1},
}


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    if not browser_available():
        pytest.skip("no Chromium found")
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    handle = start_sim_in_thread(SimConfig(speed=SPEED, seed="wd-hung", rug_at=(60,)))
    yield handle
    handle.stop()


def confirmed(bot: LiveRun) -> int:
    assert bot.loop is not None
    return sum(1 for r in bot.loop.reports if r.status is BetStatus.CONFIRMED)


async def wait_for(cond: Any, timeout_s: float) -> bool:
    for _ in range(int(timeout_s / 0.1)):
        if cond():
            return True
        await asyncio.sleep(0.1)
    return bool(cond())


def test_a_hung_page_is_relaunched_and_rearmed_and_bets_go_on(tmp_path: Path, sim: Any) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        recordings_dir=tmp_path / "rec",
        strategies_dir=tmp_path / "strategies",
        browser_profile_dir=tmp_path / "profile",
        wallet_password=None,
        url=None,
    )
    options = dataclasses.replace(LiveOptions(headless=True, sim=True, sim_speed=SPEED), duration_s=120.0)
    bot = LiveRun(settings, profile_from_dict(PROFILE), Mode.PRACTICE, options, sim=sim)
    seen: dict[str, Any] = {}

    async def during() -> None:
        assert await wait_for(lambda: bot.broker is not None and bot.broker.armed and confirmed(bot) >= 1, 60)
        hung_page = bot.page
        assert hung_page is not None
        await hung_page.evaluate("setTimeout(() => { for (;;) {} }, 0)")
        recovery = bot.recovery
        assert recovery is not None
        ok = await wait_for(
            lambda: recovery.count >= 1 and not recovery.busy and bot.broker is not None and bot.broker.armed,
            90,
        )
        seen["recovered"] = ok
        seen["new_page"] = bot.page is not hung_page
        before = confirmed(bot)
        seen["bets_after"] = await wait_for(lambda: confirmed(bot) > before, 60)
        bot.request_stop("test: done")

    async def main() -> int:
        side = asyncio.ensure_future(during())
        code = await bot.main()
        if side.done() and side.exception() is not None:
            raise side.exception()  # type: ignore[misc]
        side.cancel()
        return code

    code = asyncio.run(main())
    assert code == EXIT_OK, bot.reason
    assert seen == {"recovered": True, "new_page": True, "bets_after": True}, seen
    with Store.open_readonly(settings.db_path) as store:
        last = store.last_session()
        assert last is not None
        events = [e.data for e in store.events(session=last.id, kinds=["recovery"])]
        assert store.halts() == []
    assert [(e["action"], e["cause"], e["ok"]) for e in events] == [
        ("relaunch", "page_unresponsive", True)
    ], events
