"""The same restart through the real TradingLoop: generated frames of a drifted game (hazard 0.02 instead of
0.005) through tracker → model → governor with a real database; one run stopped after some games and
restarted in a new session (new objects, same file) raises the model_drift alarm at the same game and on
the same evidence as one run that never stopped. The save/restore points are the ones the live run uses:
``EngineMemory.restore()`` before the first frame, ``save(t)`` after each game end and at stop."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.app.loop import TradingLoop
from bot.brokers.paper import ReplayBroker
from bot.config.profile import Profile
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import sol_to_lamports
from bot.risk.governor import Governor
from bot.store.db import Store
from bot.store.engine_state import EngineMemory, state_scope
from tests.core.builders import active, cooldown, presale, rug

Frames = list[tuple[float, str]]


def _drifted_games(n: int, hazard: float = 0.02, seed: int = 4) -> list[Frames]:
    """One list of frames per game: presale, ticks 0…F−1 every 250 ms, the rug at F, a cooldown frame."""
    out: list[Frames] = []
    t = 1_765_000_000.0
    for i, final in enumerate(np.random.default_rng(seed).geometric(hazard, size=n)):
        g = f"20251212-{i:016x}"
        frames: Frames = [(t, presale(g))]
        t += 1.0
        for k in range(int(final)):
            frames.append((t, active(g, k)))
            t += 0.25
        frames += [(t, rug(g, int(final))), (t + 0.5, cooldown(g, 14000))]
        t += 6.0
        out.append(frames)
    return out


def _session(db: Path, profile: Profile, t0: float) -> tuple[Store, TradingLoop, EngineMemory]:
    store = Store.open(
        db, durable=False
    )  # statistics only: the fsyncs that protect money protect nothing here
    governor = Governor.start(
        profile.guards,
        store,
        mode=Mode.REPLAY,
        profile=profile.name,
        coin=profile.coin,
        logged_in=False,
        starting_bankroll_lamports=sol_to_lamports(profile.starting_bankroll_sol),
        t=t0,
        carry_over=False,
    )
    model = ProbabilityModel(profile.engine, timing=profile.timing)
    decider = Decider(profile.engine)
    loop = TradingLoop(
        mode=Mode.REPLAY,
        coin=profile.coin,
        tracker=GameTracker(),
        model=model,
        decider=decider,
        governor=governor,
        broker=ReplayBroker(0.2),
    )
    memory = EngineMemory(
        store, state_scope("replay", "http://127.0.0.1"), [*model.persistent_parts(), decider.adaptation]
    )
    return store, loop, memory


def _run(loop: TradingLoop, memory: EngineMemory, games: Iterable[Frames]) -> None:
    for frames in games:
        for t, text in frames:
            finished = loop.stats.games_finished
            intent = loop.on_frame(t, "in", text)
            if intent is not None:
                loop.apply(loop.broker.place(intent))  # type: ignore[attr-defined]
            loop.idle()
            if loop.stats.games_finished != finished:
                memory.save(t)  # the run's save point: each game end


def _drift_alarm(loop: TradingLoop) -> str | None:
    return next((a for a in loop.stats.alarms if a.startswith("model_drift")), None)


@pytest.fixture
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    """RAM when there is some (/dev/shm): writing a decision row per tick is a third of the time."""
    from bot.optimize.backtest import scratch_dir

    shm = scratch_dir()
    if shm is None:
        yield tmp_path
        return
    d = Path(tempfile.mkdtemp(dir=shm))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_a_restarted_trading_loop_alarms_like_one_never_stopped(fast_dir: Path) -> None:
    tmp_path = fast_dir
    profile = Profile()
    games = _drifted_games(130)

    store, never_stopped, memory = _session(tmp_path / "a.db", profile, games[0][0][0])
    _run(never_stopped, memory, games)
    store.close()
    alarm = _drift_alarm(never_stopped)
    assert alarm is not None and "HIGHER" in alarm
    at = int(alarm.split(" after ")[1].split(" games")[0])
    cut = at // 2

    store, first, memory = _session(tmp_path / "b.db", profile, games[0][0][0])
    _run(first, memory, games[:cut])
    assert _drift_alarm(first) is None  # stopped mid-drift
    memory.save(games[cut - 1][-1][0])  # the run's save point: stop
    store.close()

    store, restarted, memory = _session(tmp_path / "b.db", profile, games[cut][0][0])
    outcome = memory.restore()  # the run's restore point: before the first frame
    assert all(v.startswith("restored") for v in outcome.values()), outcome
    _run(restarted, memory, games[cut:])
    store.close()
    assert _drift_alarm(restarted) == alarm  # same game count, same CUSUM in nats

    store, forgetful, memory = _session(tmp_path / "c.db", profile, games[cut][0][0])
    _run(forgetful, memory, games[cut:])  # no restore: today's behaviour
    store.close()
    assert _drift_alarm(forgetful) != alarm
