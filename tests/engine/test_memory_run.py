"""Memory across restarts through the live run's own wiring (bot/app/ops_hooks.py): the loop assembled as
``rugsbot run`` assembles it (bot/app/assembly.py, arm gate included), :meth:`RunOps.open` before the first frame,
:meth:`RunOps.after_burst` after each burst (the frame driver's after-idle hook) and :meth:`RunOps.finish` at
stop. A run stopped mid-drift and restarted raises the drift alarm at the same game on the same evidence as one
never stopped; without the wiring (a fresh database) it does not. Real SQLite, the real TradingLoop, generated
frames of a drifted game (hazard 0.02, tests/engine/test_memory_loop.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.app.assembly import LoopConfig, LoopParts, assemble
from bot.app.loop import TradingLoop
from bot.app.ops_hooks import RunOps
from bot.brokers.paper import DryBroker
from bot.config.profile import Profile
from bot.config.settings import Settings
from bot.mode import Mode
from bot.store.db import Store
from tests.engine.test_memory_loop import Frames, _drift_alarm, _drifted_games, fast_dir  # noqa: F401

URL = "http://127.0.0.1:8123"


def _run(db: Path, profile: Profile, games: Sequence[Frames]) -> tuple[TradingLoop, dict[str, str]]:
    """One ``rugsbot run --dry-run`` over ``games``, stopped after the last one."""
    store = Store.open(db, durable=False)
    t0 = games[0][0][0]
    parts: LoopParts = assemble(LoopConfig.live(profile, Mode.DRY_RUN, None), store, t=t0)
    ops = RunOps(Settings(_env_file=None), profile, Mode.DRY_RUN)  # type: ignore[call-arg]
    outcome = ops.open(parts, URL, t0)
    broker = DryBroker(0.2)
    loop = parts.attach(broker, anomalies=ops.anomalies)
    t = t0
    for frames in games:
        for t, text in frames:
            intent = loop.on_frame(t, "in", text)
            if intent is not None:
                loop.apply(broker.place(intent))
            loop.idle()
            ops.after_burst(loop, t)  # the frame driver's after-idle hook
    parts.close(t)
    ops.finish("stopped", 0, {}, t)
    ops.stop()
    store.close()
    return loop, outcome


def test_a_run_restarted_mid_drift_alarms_at_the_same_game_as_one_never_stopped(fast_dir: Path) -> None:  # noqa: F811
    profile = Profile()
    games = _drifted_games(130)
    never_stopped, fresh = _run(fast_dir / "a.db", profile, games)
    assert all(v.startswith("fresh") for v in fresh.values()), fresh
    alarm = _drift_alarm(never_stopped)
    assert alarm is not None and "HIGHER" in alarm
    at = int(alarm.split(" after ")[1].split(" games")[0])
    cut = at // 2

    first, _ = _run(fast_dir / "b.db", profile, games[:cut])
    assert _drift_alarm(first) is None  # stopped mid-drift
    restarted, outcome = _run(fast_dir / "b.db", profile, games[cut:])
    assert set(outcome) == {"posterior", "drift", "timing", "adaptation"}
    assert all(v.startswith("restored") for v in outcome.values()), outcome
    assert _drift_alarm(restarted) == alarm  # same game count, same CUSUM in nats

    forgetful, _ = _run(fast_dir / "c.db", profile, games[cut:])  # what a restart did before: no memory
    assert _drift_alarm(forgetful) != alarm
