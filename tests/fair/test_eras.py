"""Other eras of the feed (issue 16.5): the May 2025 wire, and one verdict for ``verify`` and the live auditor.

The May 2025 recording is built by tests/fair/may2025.py from provably-fair games of the generator; the
expected ticks, rug ticks and prices below come from the generator, not from the code under test.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from bot.app.loop import TradingLoop
from bot.brokers.paper import DryBroker
from bot.cli import main
from bot.config.profile import profile_from_dict
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.fair.auditor import Auditor
from bot.fair.verify import AuditStatus, verify_history_game
from bot.feeds.recording import iter_frames
from bot.game.signals import GameRugged, GameStarted, PhaseChanged, TickAdvanced
from bot.game.state import FinishedGame
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import sol_to_lamports
from bot.protocol.events import HistoryGame
from bot.risk.governor import Governor
from bot.store.db import Store
from tests.conftest import CAPTURES
from tests.fair import may2025

REPO = Path(__file__).resolve().parents[2]
GAMES = may2025.games(4)
FIXTURE = may2025.FIXTURE


def test_committed_fixture_is_what_the_builder_makes() -> None:
    text = "".join(json.dumps(ln, separators=(",", ":")) + "\n" for ln in may2025.frames(GAMES))
    assert gzip.decompress(FIXTURE.read_bytes()).decode() == text


def test_every_may_2025_game_is_seen_whole() -> None:
    tracker = GameTracker()
    ticks: dict[str, list[tuple[int, float]]] = {}
    phases: dict[str, list[str]] = {}
    rugs: dict[str, FinishedGame] = {}
    started: list[str] = []
    for rec in iter_frames([FIXTURE]):
        for sig in tracker.on_frame(rec.t, rec.dir, rec.frame):
            if isinstance(sig, TickAdvanced):
                ticks.setdefault(sig.game_id, []).append((sig.tick, sig.price))
            elif isinstance(sig, PhaseChanged) and sig.game_id is not None:
                phases.setdefault(sig.game_id, []).append(sig.new.value)
            elif isinstance(sig, GameRugged):
                rugs[sig.game.game_id] = sig.game
            elif isinstance(sig, GameStarted):
                started.append(sig.game_id)
    assert tracker.flush() == []
    assert started == [g.game_id for g in GAMES]
    for g in GAMES:
        r = g.rug_index
        assert ticks[g.game_id] == [(k, g.prices[k]) for k in range(r)], g.game_id  # every tick, in order
        assert phases[g.game_id] == ["COOLDOWN", "PRESALE", "ACTIVE", "RUGGED"]
        rug = rugs[g.game_id]
        assert (rug.rug_tick, rug.complete, rug.proven, rug.first_tick_seen) == (r, True, True, 0)
        assert rug.rug_price == g.rug_price
    c = tracker.counters
    # every cooldown frame of games 2..4 and of the unplayed fifth repeats the rug before it: 4 x 10 frames
    assert c.rugged_cooldown == 40
    assert not c.dropped and c.inferred_rugs == 0 and c.out_of_order == 0 and c.drift.total == 0
    assert tracker.view.game_id == may2025.games(5)[-1].game_id and tracker.view.rug_tick is None


def test_verify_on_the_may_2025_recording(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--json", "--strict", str(FIXTURE)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["games"] == out["verified"] == 4 and out["mismatches"] == []
    assert out["sidebets"] == out["sidebets_agree"] == 8 and out["sidebets_disagree"] == 0
    assert out["announced_checked"] == out["live_games"] == 4
    assert out["live_ticks"] == sum(g.rug_index + 1 for g in GAMES)  # ticks 0..r-1 and the rug at r


def _entry(g: may2025.MayGame, prices: list[float]) -> HistoryGame:
    import msgspec

    raw = {**may2025.history_entry(g), "prices": prices}
    return msgspec.json.decode(json.dumps(raw).encode(), type=HistoryGame)


def test_may_2025_rug_conventions() -> None:
    g = GAMES[0]
    r = g.rug_index
    on_last_tick = verify_history_game(_entry(g, g.shown))
    assert on_last_tick.status is AuditStatus.VERIFIED, on_last_tick.reason
    assert (on_last_tick.rug_offset, on_last_tick.rug_tick, on_last_tick.rug_index) == (0, r, r)
    plus_one = verify_history_game(_entry(g, [*g.prices, g.rug_price]))
    assert plus_one.status is AuditStatus.VERIFIED and (plus_one.rug_offset, plus_one.rug_tick) == (1, r + 1)
    # one price short with the generator's own last price at the end: a truncation, not the era's rug
    truncated = verify_history_game(_entry(g, g.prices))
    assert truncated.status is AuditStatus.MISMATCH and truncated.length_ok is False


def test_live_rug_tick_must_match_the_reveals_convention() -> None:
    """A feed that rugged one tick after the generator while the reveal says 'on the last tick' is caught."""
    g = GAMES[0]
    auditor = Auditor()
    for k in range(g.rug_index + 1):
        auditor.on_signal(TickAdvanced(g.game_id, k, g.prices[k], float(k)))
    game = FinishedGame(g.game_id, g.rug_index + 1, 2.0, 1.0, 0, True, rug_price=g.rug_price)
    auditor.on_signal(GameRugged(game))
    alarms = auditor.feed_games([_entry(g, g.shown)])
    assert [a.kind for a in alarms] == ["provably-fair"]
    assert (
        f"the feed rugged at tick {g.rug_index + 1}, the revealed game at {g.rug_index}" in alarms[0].reason
    )


def test_a_backtest_sees_every_tick_of_the_may_2025_recording(tmp_path: Path) -> None:
    from bot.config import Profile
    from bot.optimize.backtest import frames_of, run_backtest

    res = run_backtest(
        frames_of([FIXTURE]),
        Profile(),
        db_path=tmp_path / "bt.db",
        strategies_dir=REPO / "strategies",
        latency_s=0.22,
    )
    assert res.ticks == sum(g.rug_index for g in GAMES)
    assert res.games == 4 and sorted(res.rug_ticks) == sorted(g.rug_index for g in GAMES)


# ------------------------------------------------------------------ verify == the live auditor


def _live_auditor(tmp_path: Path, path: Path) -> tuple[Auditor, list[str]]:
    """The recording through a real TradingLoop (dry run) with an Auditor, as ``rugsbot run`` assembles it."""
    profile = profile_from_dict({"guards": {"feed_silent_s": 600, "max_tick_interval_s": 600}})
    store = Store.open(tmp_path / f"{path.name}.sqlite", durable=False)
    governor = Governor.start(
        profile.guards,
        store,
        mode="DRY-RUN",
        profile="t",
        coin=profile.coin,
        logged_in=False,
        starting_bankroll_lamports=sol_to_lamports(profile.starting_bankroll_sol),
        t=0.0,
    )
    auditor = Auditor()
    loop = TradingLoop(
        mode=Mode.DRY_RUN,
        coin=profile.coin,
        tracker=GameTracker(),
        model=ProbabilityModel(profile.engine, timing=profile.timing),
        decider=Decider(profile.engine, REPO / "strategies"),
        governor=governor,
        broker=DryBroker(profile.timing.click_latency_s),
        auditor=auditor,
    )
    try:
        asyncio.run(loop.run_frames([(f.t, f.dir, f.frame) for f in iter_frames([path])]))
    finally:
        store.close()
    return auditor, [a for a in loop.stats.alarms if a.startswith("fair_mismatch")]


def _doctor_live_price(tmp_path: Path) -> Path:
    """Game 2's price at tick 7 shown 1 ulp off live; its reveal untouched."""
    lines = [json.loads(x) for x in gzip.decompress(FIXTURE.read_bytes()).decode().splitlines()]
    gid = GAMES[1].game_id
    for ln in lines:
        payload = json.loads(ln["frame"][2:])[1]
        if payload["gameId"] == gid and payload.get("active") and payload.get("tickCount") == 7:
            payload["price"] *= 1.0000001
            ln["frame"] = "42" + json.dumps(["gameStateUpdate", payload])
    path = tmp_path / "may2025-doctored.frames.jsonl"
    path.write_text("".join(json.dumps(ln) + "\n" for ln in lines))
    return path


def _reveal_plus_one(tmp_path: Path) -> Path:
    """Game 3 revealed in the Aug-2025 convention (r + 2 prices) while its live rug came on tick r."""
    lines = [json.loads(x) for x in gzip.decompress(FIXTURE.read_bytes()).decode().splitlines()]
    g = GAMES[2]
    for ln in lines:
        payload = json.loads(ln["frame"][2:])[1]
        for entry in payload.get("gameHistory") or []:
            if entry["id"] == g.game_id:
                entry["prices"] = [*g.prices, g.rug_price]
        ln["frame"] = "42" + json.dumps(["gameStateUpdate", payload])
    path = tmp_path / "may2025-plus-one.frames.jsonl"
    path.write_text("".join(json.dumps(ln) + "\n" for ln in lines))
    return path


RECORDINGS: list[tuple[str, Any, list[str]]] = [
    ("real capture 2025-12-12", lambda tmp: CAPTURES[0], []),
    ("real capture 2025-12-15", lambda tmp: CAPTURES[1], []),
    ("May 2025", lambda tmp: FIXTURE, []),
    ("May 2025, a live price doctored", _doctor_live_price, [GAMES[1].game_id]),
    ("May 2025, revealed with +1", _reveal_plus_one, [GAMES[2].game_id]),
]


@pytest.mark.parametrize(("name", "make", "bad"), RECORDINGS, ids=[r[0] for r in RECORDINGS])
def test_verify_gives_the_live_auditors_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: Any, bad: list[str]
) -> None:
    path = make(tmp_path)
    code = main(["verify", "--json", str(path)])
    offline = json.loads(capsys.readouterr().out)
    live, alarms = _live_auditor(tmp_path, path)
    assert code == (1 if bad else 0)
    assert {k: offline[k] for k in live.counts.as_dict()} == live.counts.as_dict()
    assert offline["live_games"] > 0 and offline["games"] > 0
    fair = [m for m in offline["mismatches"] if m["kind"] == "provably-fair"]
    settled = [m for m in offline["mismatches"] if m["kind"] == "settlement"]
    assert [(m["game_id"], m["reason"]) for m in fair] == [(a.game_id, a.reason) for a in live.mismatches]
    assert [(m["game_id"], m["reason"]) for m in settled] == [
        (c.game_id, c.reason) for c in live.disagreements
    ]
    assert sorted({m["game_id"] for m in offline["mismatches"]}) == bad
    assert len(alarms) == len(offline["mismatches"])  # the live loop halts exactly where verify fails
