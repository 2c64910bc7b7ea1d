"""The one assembly of the trading loop: what each caller gets, and the gate that holds decisions back until the
broker is armed. Real parts throughout: SQLite, the tracker, the model, the decider, the paper broker and the
simulator's own broadcast frames."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app.assembly import LoopConfig, assemble
from bot.app.loop import DecisionRecord
from bot.brokers.paper import DryBroker
from bot.config.profile import Profile, profile_from_dict
from bot.engine.ranking import Decider
from bot.mode import Mode
from bot.money import PRACTICE_COIN, SOL_MINT, sol_to_lamports
from bot.protocol.frames import encode_event
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.store.db import Store

REPO = Path(__file__).resolve().parents[2]

PROFILE = profile_from_dict(
    {
        "name": "assembly",
        "starting_bankroll_sol": 2.0,
        "engine": {"strategies": [{"name": "fixed", "params": {"start_tick": 1, "every": 10}}]},
        "guards": {"feed_silent_s": 600, "max_tick_interval_s": 600},
    }
)


def frames(seed: str, games: int = 2) -> list[tuple[float, str]]:
    return [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed=seed), games=games)
        if o.to is None
    ]


@pytest.mark.parametrize(
    ("mode", "coin", "gated", "audit"),
    [
        (Mode.DRY_RUN, SOL_MINT, False, True),  # a paper bet needs no page: decisions from the first frame
        (Mode.PRACTICE, PRACTICE_COIN, True, True),
        (Mode.LIVE, SOL_MINT, True, True),
    ],
)
def test_a_live_run_is_assembled_for_its_mode(
    tmp_path: Path, mode: Mode, coin: str, gated: bool, audit: bool
) -> None:
    config = LoopConfig.live(PROFILE, mode, REPO / "strategies")
    with Store.open(tmp_path / "db", durable=False) as store:
        parts = assemble(config, store, t=100.0)
        assert (parts.gate is not None) is gated
        assert parts.decider is parts.gate if gated else isinstance(parts.decider, Decider)
        assert (parts.auditor is not None) is audit
        row = store.session(parts.governor.session)
        assert row is not None and (row.mode, row.profile, row.coin) == (mode.label, "assembly", coin)
        loop = parts.attach(DryBroker(0.2))
        assert (loop.mode, loop.coin, loop.governor, loop.tracker) == (
            mode,
            coin,
            parts.governor,
            parts.tracker,
        )
        parts.close(101.0)


def test_a_replay_books_the_profiles_coin_and_bankroll_and_never_reads_the_wall_clock(tmp_path: Path) -> None:
    config = LoopConfig(PROFILE, Mode.REPLAY, PROFILE.coin, REPO / "strategies")
    with Store.open(tmp_path / "db", durable=False) as store:
        parts = assemble(config, store, t=1_000.0)
        assert parts.gate is None and parts.auditor is None
        row = store.session(parts.governor.session)
        assert row is not None and row.mode == "REPLAY" and row.started == 1_000.0
        assert row.starting_bankroll_lamports == parts.governor.ledger.bankroll == sol_to_lamports(2.0)


def test_an_engine_override_replaces_the_profiles_strategies(tmp_path: Path) -> None:
    only = PROFILE.engine.model_copy(update={"strategies": []})
    config = LoopConfig(PROFILE, Mode.REPLAY, PROFILE.coin, None, engine=only)
    assert config.engine_config is only
    assert LoopConfig(PROFILE, Mode.REPLAY, PROFILE.coin, None).engine_config is PROFILE.engine


def gated(profile: Profile) -> LoopConfig:
    """A gated paper loop: the gate under test, bets the paper ledger can book without a server balance."""
    return LoopConfig(profile, Mode.DRY_RUN, SOL_MINT, REPO / "strategies", gated=True)


def run_gated(
    tmp_path: Path, profile: Profile, open_at: int | None, open_since: int | None = None
) -> tuple[list[DecisionRecord], DryBroker]:
    """A gated loop over simulator frames; the gate opens when frame ``open_at`` arrives, accepting frames from
    ``open_since`` (default: the same frame) on."""
    fs = frames("gate")
    store = Store.open(tmp_path / "db", durable=False)
    parts = assemble(gated(profile), store, t=fs[0][0])
    broker = DryBroker(0.2)
    records: list[DecisionRecord] = []
    loop = parts.attach(broker, on_decision=records.append)
    assert parts.gate is not None and parts.gate.opened_at is None
    for i, (t, text) in enumerate(fs):
        if i == open_at:
            parts.gate.open(fs[open_since if open_since is not None else i][0], broker)
        intent = loop.on_frame(t, "in", text)
        if intent is not None:
            loop.apply(broker.place(intent))
    store.close()
    return records, broker


def test_the_gate_holds_every_decision_until_it_opens(tmp_path: Path) -> None:
    records, broker = run_gated(tmp_path, PROFILE, open_at=None)
    assert len(records) > 50 and broker.open_bets == 0
    assert all(r.intent is None and r.reason.startswith("not armed yet") for r in records)


def test_after_the_gate_opens_the_strategy_decides_on_fresh_frames_only(tmp_path: Path) -> None:
    fs = frames("gate")
    middle = len(fs) // 2
    records, _ = run_gated(tmp_path, PROFILE, open_at=middle)
    opened_t = fs[middle][0]
    before = [r for r in records if r.t < opened_t]
    after = [r for r in records if r.t >= opened_t]
    assert before and all(r.reason.startswith("not armed yet") for r in before)
    assert after and not [r for r in after if r.reason.startswith("not armed yet")]
    intents = [r for r in records if r.intent is not None]
    assert intents and min(r.t for r in intents) >= opened_t


def test_a_frame_received_before_arming_is_never_decided_on(tmp_path: Path) -> None:
    """Frames that queued up while arming reach the loop after the gate opened: they are stale by then."""
    fs = frames("gate")
    early, late = len(fs) // 3, 2 * len(fs) // 3
    records, _ = run_gated(tmp_path, PROFILE, open_at=early, open_since=late)
    since = fs[late][0]
    stale = [r for r in records if fs[early][0] <= r.t < since]
    assert stale and all(r.reason == "frame received before the controls were armed" for r in stale)
    assert all(r.t >= since for r in records if r.intent is not None)


def test_a_halted_broker_closes_the_gate(tmp_path: Path) -> None:
    fs = frames("gate")
    store = Store.open(tmp_path / "db", durable=False)
    parts = assemble(gated(PROFILE), store, t=fs[0][0])
    broker = DryBroker(0.2)
    records: list[DecisionRecord] = []
    loop = parts.attach(broker, on_decision=records.append)
    assert parts.gate is not None
    parts.gate.open(fs[0][0], broker)
    broker.halt("test: the page lost its controls")
    for t, text in fs:
        assert loop.on_frame(t, "in", text) is None
    store.close()
    assert records and all(r.reason.startswith("not armed yet") for r in records)


def test_no_module_reaches_around_the_broker_contract() -> None:
    """The run and the assembly use only the Broker contract (bot/brokers/base.py): no hasattr/getattr on one."""
    pattern = re.compile(r"\b(?:hasattr|getattr)\([^)]*broker", re.IGNORECASE)
    offenders = [
        f"{p.relative_to(REPO)}:{n}"
        for root in ("bot", "bench")
        for p in sorted((REPO / root).rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
