"""``rugsbot run`` tells the truth about how it ended (issue 13): a normal end of ``--games N`` is INFO, the
summary counts the games the bot played (not the one that rugged while it was logging in), and an operator's
halt (``rugsbot halt`` from another terminal) is not a failure: no screenshot, no trace.

Real headless Chromium, the stand-in wallet and the real simulator with short games, so games rug during the
wallet login; the halt is written by the real ``rugsbot halt`` in a subprocess."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from bot.app.live import LiveRun
from bot.app.target import LiveOptions
from bot.config import Mode
from bot.config.profile import profile_from_dict
from bot.exitcodes import EXIT_HALTED, EXIT_OK
from tests.execution.conftest import browser_available
from tests.execution.test_sim_e2e import PROFILE, settings_for
from tests.risk.test_cli_halt import cli

pytestmark = pytest.mark.browser

SPEED = 10.0


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    if not browser_available():
        pytest.skip("no Chromium found")
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    # every game rugs at tick 20 (~0.5 s at 10x): games finish while the wallet logs in
    handle = start_sim_in_thread(SimConfig(speed=SPEED, seed="run-truth", players=4, rug_at=(20,)))
    yield handle
    handle.stop()


@pytest.fixture
def records() -> Iterator[list[tuple[str, str]]]:
    got: list[tuple[str, str]] = []
    sink = logger.add(lambda m: got.append((m.record["level"].name, m.record["message"])), level="DEBUG")
    yield got
    logger.remove(sink)


def options(**kw: Any) -> LiveOptions:
    return dataclasses.replace(LiveOptions(headless=True, sim=True, sim_speed=SPEED), **kw)


def test_games_2_ends_at_info_and_counts_the_two_games_it_played(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any], records: list[tuple[str, str]]
) -> None:
    settings = settings_for(tmp_path)
    bot = LiveRun(settings, profile_from_dict(PROFILE), Mode.PRACTICE, options(games=2), sim=sim)
    code = run(bot.main())
    assert code == EXIT_OK, bot.reason
    stops = [(lvl, m) for lvl, m in records if m.startswith("stopping:")]
    assert stops == [("INFO", "stopping: 2 games finished")], stops
    assert bot.loop is not None and bot.loop.stats.games_finished > 2  # games did rug during the login
    assert bot.summary["games"] == 2, bot.summary


def test_an_operator_halt_saves_no_failure_evidence(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any], records: list[tuple[str, str]]
) -> None:
    settings = settings_for(tmp_path)
    bot = LiveRun(settings, profile_from_dict(PROFILE), Mode.PRACTICE, options(), sim=sim)

    async def drive() -> int:
        async def operator() -> None:
            for _ in range(600):
                if bot.ready:
                    break
                await asyncio.sleep(0.05)
            r = await asyncio.to_thread(cli, settings.data_dir, "halt", "--reason", "operator: lunch")
            assert r.returncode == EXIT_OK, r.stderr

        side = asyncio.ensure_future(operator())
        code = await bot.main()
        await side
        return code

    code = run(drive())
    assert code == EXIT_HALTED, bot.reason
    assert "operator: lunch" in bot.reason
    logs = list(settings.log_dir.iterdir()) if settings.log_dir.exists() else []
    evidence = [p for p in logs if p.suffix == ".png" or p.name.endswith("trace.zip")]
    assert evidence == []
    assert not [m for _, m in records if "failure evidence" in m]


def test_games_1_waits_for_the_result_of_the_bet_open_on_its_last_rug(
    sim: Any, tmp_path: Path, run: Callable[[Awaitable[Any]], Any], records: list[tuple[str, str]]
) -> None:
    """Every game rugs at tick 20 and the bet lands from tick 4 on: it is won at the very rug that ends the run's
    last game. The run must book that win before it ends (it stopped on the rug frame and left the bet open)."""
    from bot.store.db import Store

    settings = settings_for(tmp_path)
    bot = LiveRun(settings, profile_from_dict(PROFILE), Mode.PRACTICE, options(games=1), sim=sim)
    code = run(bot.main())
    assert code == EXIT_OK, bot.reason
    assert ("INFO", "stopping: 1 games finished") in records
    with Store.open(settings.db_path) as store:
        mine = [b for b in store.bets() if b.session == bot.summary.get("session", b.session)]
        assert mine, "the bot bet in its game"
        assert store.open_bets() == [], [(b.bet_id, b.status) for b in store.open_bets()]
    won = [b for b in mine if b.status.value == "won"]
    # a click that lands too late under load is cancelled, never placed: then there is no win to book (the
    # open-bet check above is the point); any bet that was placed rugged inside its window and won
    assert bot.summary["wins"] == len(won), bot.summary
    assert bot.summary["wins"] + bot.summary["losses"] == len(
        [b for b in mine if b.status.value in ("won", "lost")]
    ), bot.summary
