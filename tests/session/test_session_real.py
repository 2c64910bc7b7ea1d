"""The whole decision loop on real captured frames: real tracker, model, strategies, governor, SQLite, dry broker.

Nothing is faked: the frames are the real rugs.fun captures; expected outcomes are recomputed independently
from the raw frames (the rug tick of each game) and the side-bet rules, not taken from the session's output.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest

from bot.app.loop import DecisionRecord, TradingLoop
from bot.bets.model import BetStatus
from bot.brokers.paper import DryBroker
from bot.config.profile import profile_from_dict
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.fair.audit import Auditor
from bot.feeds.recording import iter_frames
from bot.game.state import Phase
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import sol_to_lamports
from bot.risk.governor import Governor
from bot.store.db import Store
from tests.conftest import CAPTURES

REPO = Path(__file__).resolve().parents[2]
STAKE = 0.01


def rug_ticks_from_raw(paths: list[Path]) -> dict[str, int]:
    """Independent oracle: the tickCount of the first frame of each game that says rugged=true."""
    out: dict[str, int] = {}
    for fr in iter_frames(paths):
        if not fr.frame.startswith('42["gameStateUpdate"'):
            continue
        payload = json.loads(fr.frame[2:])[-1]
        gid = payload.get("gameId")
        if payload.get("rugged") and gid and gid not in out and "tickCount" in payload:
            out[gid] = payload["tickCount"]
    return out


def build(
    tmp_path: Path, params: dict[str, object]
) -> tuple[TradingLoop, Governor, Store, list[DecisionRecord]]:
    profile = profile_from_dict(
        {
            "engine": {"strategies": [{"name": "fixed", "params": params}]},
            "guards": {
                "max_consecutive_losses": 50,
                "loss_streak_cooldown": 50,
                "feed_silent_s": 600,
                "max_tick_interval_s": 600,
            },
        }
    )
    store = Store.open(tmp_path / "db.sqlite", durable=False)
    gov = Governor.start(
        profile.guards,
        store,
        mode="DRY-RUN",
        profile="t",
        coin=profile.coin,
        logged_in=False,
        starting_bankroll_lamports=sol_to_lamports(profile.starting_bankroll_sol),
        t=0.0,
    )
    records: list[DecisionRecord] = []
    session = TradingLoop(
        mode=Mode.DRY_RUN,
        coin=profile.coin,
        tracker=GameTracker(),
        model=ProbabilityModel(profile.engine, timing=profile.timing),
        decider=Decider(profile.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(profile.timing.click_latency_s),
        auditor=Auditor(),
        on_decision=records.append,
    )
    return session, gov, store, records


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name[:19])
def test_dry_session_on_real_capture(tmp_path: Path, capture: Path) -> None:
    session, gov, store, records = build(
        tmp_path, {"stake_sol": STAKE, "start_tick": 0, "every": 40, "max_bets_per_game": 50}
    )
    frames = [(f.t, f.dir, f.frame) for f in iter_frames([capture])]
    asyncio.run(session.run_frames(frames))
    rugs = rug_ticks_from_raw([capture])

    assert session.stats.decisions > 0
    assert all(r.game_id is not None for r in records)
    bets = store.bets(gov.session)
    assert bets, "the fixed strategy must have bet on the active games of the capture"
    settled = [b for b in bets if b.status in (BetStatus.WON, BetStatus.LOST)]
    for b in settled:
        assert b.start_tick is not None and b.end_tick == b.start_tick + 40
        rug = rugs.get(b.game)
        expected = BetStatus.WON if rug is not None and rug <= b.end_tick else BetStatus.LOST
        assert b.status is expected, (b, rug)
        assert b.payout_lamports == (5 * b.amount_lamports if expected is BetStatus.WON else 0)
    # one active bet at a time: windows of one game never overlap
    by_game: dict[str, list[tuple[int, int]]] = {}
    for b in settled:
        by_game.setdefault(b.game, []).append((b.start_tick, b.end_tick))  # type: ignore[arg-type]
    for windows in by_game.values():
        windows.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(windows))
    # the ledger is what the bets say
    start = sol_to_lamports(1.0)
    expected_bankroll = (
        start
        - sum(b.amount_lamports for b in bets if b.status is not BetStatus.REJECTED)
        + sum(b.payout_lamports for b in settled)
    )
    assert gov.ledger_view().bankroll_lamports == expected_bankroll
    # history frames were audited off the decision path and every revealed game verified
    assert session.stats.audits > 0 and not session.stats.alarms


def test_no_decisions_outside_active(tmp_path: Path) -> None:
    session, _, _, records = build(tmp_path, {"stake_sol": STAKE})
    seen: list[Phase] = []
    for f in iter_frames(CAPTURES[:1]):
        before = len(records)
        session.on_frame(f.t, f.dir, f.frame)
        if len(records) > before:
            seen.append(session.tracker.view.phase)
        session.idle()
    assert seen and set(seen) == {Phase.ACTIVE}


def test_halt_blocks_every_bet(tmp_path: Path) -> None:
    session, gov, store, records = build(tmp_path, {"stake_sol": STAKE, "max_bets_per_game": 50})
    store.set_halt("operator test", "test", t=0.0)
    asyncio.run(session.run_frames((f.t, f.dir, f.frame) for f in iter_frames(CAPTURES)))
    assert store.bets(gov.session) == []
    assert any(r.proposal is not None for r in records)  # the strategy wanted to bet; the halt said no


def test_no_bet_after_stop_betting(tmp_path: Path) -> None:
    session, gov, store, _ = build(tmp_path, {"stake_sol": STAKE, "max_bets_per_game": 50})
    frames = [(f.t, f.dir, f.frame) for f in iter_frames(CAPTURES[:1])]
    half = len(frames) // 2
    asyncio.run(session.run_frames(frames[:half]))
    placed = len(store.bets(gov.session))
    decisions = session.stats.decisions
    session.stop_betting()
    asyncio.run(session.run_frames(frames[half:]))
    assert len(store.bets(gov.session)) == placed
    assert session.stats.decisions == decisions
    assert session.stats.frames == len(frames)  # the feed is still followed
