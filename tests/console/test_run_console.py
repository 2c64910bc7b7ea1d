"""The run's side of the console, with real parts: the operator pause in front of a real trading loop (SQLite,
tracker, model, decider, governor, paper broker, the simulator's broadcast frames), and the guard state the
console shows for each combination of the governor's state, an operator pause and a console halt."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.assembly import LoopConfig, assemble
from bot.app.console_state import OperatorPause, guard_info
from bot.brokers.paper import DryBroker
from bot.config.profile import profile_from_dict
from bot.mode import Mode
from bot.protocol.frames import encode_event
from bot.risk.governor import GovernorState, Level
from bot.risk.verdict import Verdict
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.store.db import Store
from bot.store.rows import HaltRow

PROFILE = profile_from_dict(
    {
        "name": "console",
        "starting_bankroll_sol": 2.0,
        "engine": {"strategies": [{"name": "fixed", "params": {"start_tick": 1, "every": 10}}]},
        "guards": {"feed_silent_s": 600, "max_tick_interval_s": 600},
    }
)


def test_the_operator_pause_holds_every_bet_and_the_loop_goes_on_deciding(tmp_path: Path) -> None:
    frames = [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed="console-pause"), games=4)
        if o.to is None
    ]
    half = len(frames) // 2
    with Store.open(tmp_path / "db", durable=False) as store:
        parts = assemble(LoopConfig.live(PROFILE, Mode.DRY_RUN, None), store, t=frames[0][0])
        loop = parts.attach(DryBroker(0.0))
        pause = OperatorPause()
        loop.decider = pause.gate(loop.decider)
        pause.set("lunch")
        for t, text in frames[:half]:
            intent = loop.on_frame(t, "in", text)
            assert intent is None
        paused = [r["reason"] for r in store.db.query("SELECT reason FROM decisions")]
        assert loop.stats.decisions > 20 and loop.stats.intents == 0
        assert (
            loop.last_decision is not None and loop.last_decision.reason == "paused by the operator (lunch)"
        )
        assert len(paused) == loop.stats.decisions and set(paused) == {"paused by the operator (lunch)"}
        assert pause.clear() is True and pause.clear() is False
        for t, text in frames[half:]:
            loop.on_frame(t, "in", text)
        assert loop.stats.intents > 0  # the same loop bets again once the pause is lifted


HALT = HaltRow(7, True, "governor's halt", "guard:loss_limit", 10.0, None, None)
MINE = HaltRow(8, True, "from the phone", "console:127.0.0.1", 11.0, None, None)
TIMED = Verdict.pause("cooling down", until=99.0, guard="loss_streak")
GUARD_CASES = [
    # (governor state, operator pause, console halt not yet polled) -> (level, reasons, pause guards, halt source)
    (GovernorState(Level.ACTIVE), None, None, ("ACTIVE", (), (), None)),
    (GovernorState(Level.ACTIVE), "lunch", None, ("PAUSED", ("operator: lunch",), ("operator",), None)),
    (
        GovernorState(Level.PAUSED, ("loss_streak: cooling down",), None, (TIMED,)),
        "lunch",
        None,
        ("PAUSED", ("loss_streak: cooling down",), ("loss_streak", "operator"), None),
    ),
    (GovernorState(Level.ACTIVE), None, MINE, ("HALTED", ("from the phone",), (), "console:127.0.0.1")),
    (
        GovernorState(Level.ACTIVE),
        "lunch",
        MINE,
        ("HALTED", ("from the phone",), ("operator",), "console:127.0.0.1"),
    ),
    (
        GovernorState(Level.HALTED, ("governor's halt",), HALT),
        None,
        MINE,
        ("HALTED", ("governor's halt",), (), "guard:loss_limit"),
    ),
    (
        GovernorState(Level.KILLED, ("killed",), None),
        "lunch",
        MINE,
        ("KILLED", ("killed",), ("operator",), "console:127.0.0.1"),
    ),
]


@pytest.mark.parametrize(("state", "pause", "halt", "expected"), GUARD_CASES)
def test_the_guard_state_the_console_shows(
    state: GovernorState,
    pause: str | None,
    halt: HaltRow | None,
    expected: tuple[str, tuple[str, ...], tuple[str, ...], str | None],
) -> None:
    info = guard_info(state, pause, halt)
    level, reasons, pauses, source = expected
    assert (info.level, info.reasons, tuple(p.guard for p in info.pauses)) == (level, reasons, pauses)
    assert (info.halt.source if info.halt is not None else None) == source
    assert info.halted is (level in ("HALTED", "KILLED"))
