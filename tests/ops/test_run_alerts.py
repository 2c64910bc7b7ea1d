"""The run's alerts (bot/app/ops_hooks.py) from the loop's real parts to a real HTTP receiver: the loop assembled as
``rugsbot run`` assembles it, its frames, the governor's halts and pauses, the watchdog's recoveries and the run's
end, each delivered by apprise (``json://127.0.0.1:PORT/alert``) off the caller's path. Real SQLite throughout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app.assembly import LoopConfig, LoopParts, assemble
from bot.app.loop import TradingLoop
from bot.app.ops_hooks import RunOps
from bot.brokers.paper import DryBroker
from bot.config.profile import profile_from_dict
from bot.config.settings import Settings
from bot.mode import Mode
from bot.store.db import Store
from tests.core.builders import active, presale
from tests.ops.receiver import receiver

GAME = "20251212-00000000000000aa"
T0 = 1_765_000_000.0
URL = "http://127.0.0.1:8123"


class Run:
    def __init__(self, parts: LoopParts, loop: TradingLoop, ops: RunOps, store: Store) -> None:
        self.parts, self.loop, self.ops, self.store = parts, loop, ops, store

    def frames(self, ticks: list[tuple[float, int]]) -> None:
        for t, tick in ticks:
            self.loop.on_frame(t, "in", active(GAME, tick))
            self.loop.idle()
            self.ops.after_burst(self.loop, t)


def _halt_by_fair_mismatch(r: Run) -> None:
    r.frames([(T0 + 1 + i * 0.25, i) for i in range(4)])
    r.parts.governor.alarm("fair_mismatch", "revealed seed of game X does not reproduce its rug")
    r.ops.poll(T0 + 3, armed=True)
    r.ops.poll(T0 + 4, armed=True)  # still halted: no second alert


def _halt_by_the_operator(r: Run) -> None:
    with Store.open(r.store.path) as other:  # `rugsbot halt` in another process
        other.set_halt("operator: looking at the books", source="cli", t=T0 + 2)
    r.parts.governor.tick(r.parts.tracker.view, T0 + 5)  # the governor's halt poll
    r.ops.poll(T0 + 5, armed=True)


def _slow_tick(r: Run) -> None:
    r.frames([(T0 + 1, 0), (T0 + 1.25, 1), (T0 + 4.5, 2), (T0 + 4.75, 3)])


def _pause_and_recovery(r: Run) -> None:
    r.frames([(T0 + 1 + i * 0.25, i) for i in range(4)])
    silent = T0 + 1.75 + 3  # feed_silent_s = 2: paused from here on
    for now in (silent, silent + 3, silent + 6):  # pause_longer_than_s = 5
        r.parts.governor.tick(r.parts.tracker.view, now)
        r.ops.poll(now, armed=True)
    r.frames([(silent + 6.5, 4)])
    r.ops.poll(silent + 6.5, armed=True)


def _recovery_and_run_end(r: Run) -> None:
    r.ops.recovered("reload (silent_feed: no game frame for 20 s)", True, 3.25, "")
    r.ops.finish(
        "duration 90 s reached", 0, {"session_pnl_lamports": -20_000_000, "bets": 2, "coin": "FREE"}, T0
    )


CASES: list[tuple[str, Callable[[Run], None], list[tuple[str, str]]]] = [
    (
        "a fair-mismatch alarm halts: one halt alert and one fair-mismatch alert",
        _halt_by_fair_mismatch,
        [("HALTED", "does not reproduce"), ("provably-fair mismatch", "does not reproduce")],
    ),
    (
        "a halt from `rugsbot halt` is seen by the governor and alerted",
        _halt_by_the_operator,
        [("HALTED", "operator")],
    ),
    ("a tick 3.25 s after the previous one", _slow_tick, [("slow ticks", "tick 2 of game")]),
    (
        "a pause longer than pause_longer_than_s, then its end",
        _pause_and_recovery,
        [
            ("paused", "feed_silent"),
            ("slow ticks", "tick 4 of game"),
            ("recovered", "betting resumed after a 6 s"),
        ],
    ),
    (
        "a watchdog recovery and the run's end",
        _recovery_and_run_end,
        [("recovered", "reload (silent_feed"), ("run ended", "exit 0); P&L -0.0200 FREE, 2 bets")],
    ),
]


@pytest.mark.parametrize(("name", "act", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_run_alerts(
    tmp_path: Path, name: str, act: Callable[[Run], None], expected: list[tuple[str, str]]
) -> None:
    profile = profile_from_dict(
        {
            "name": "t",
            "guards": {"feed_silent_s": 2.0, "max_tick_interval_s": 600},
            "alerts": {"coalesce_min": 0, "pause_longer_than_s": 5.0, "kinds": [k for k in KINDS]},
        }
    )
    with receiver() as rx:
        settings = Settings(_env_file=None, alert_urls=rx.url)  # type: ignore[call-arg]
        store = Store.open(tmp_path / "bot.db", durable=False)
        parts = assemble(LoopConfig.live(profile, Mode.DRY_RUN, None), store, t=T0)
        ops = RunOps(settings, profile, Mode.DRY_RUN)
        ops.start()
        ops.open(parts, URL, T0)
        loop = parts.attach(DryBroker(0.2), anomalies=ops.anomalies)
        loop.on_frame(T0, "in", presale(GAME))
        act(Run(parts, loop, ops, store))
        ops.stop()  # the bounded drain: everything queued is delivered (the receiver answers at once)
        store.close()
        got = [(str(p["title"]), str(p["message"])) for p in rx.payloads]
    assert all(title.startswith("rugsbot dry-run t: ") for title, _ in got), got
    assert len(got) == len(expected), (name, got)
    for (title, body), (want_title, want_text) in zip(got, expected, strict=True):
        assert title.endswith(want_title) and want_text in body, (name, got)


KINDS = ["halt", "pause", "recovery", "tick_interval", "win_rate", "stake", "protocol_drift", "fair_mismatch",
         "run_end"]  # fmt: skip  # every kind but the daily summary (its own test: bot/ops/anomalies.py)
