"""The governor fed by the real tracker over real captured frames (tests/fixtures/real/captures)."""

from __future__ import annotations

from pathlib import Path

from bot.feeds.recording import read_recording
from bot.game.signals import GameRugged
from bot.game.tracker import GameTracker
from bot.risk.governor import Level
from tests.risk.helpers import QUIET, make_governor


def test_real_capture_records_games_and_timing_and_stays_unhalted(
    tmp_path: Path, capture_paths: list[Path]
) -> None:
    path = next(p for p in capture_paths if "raw" in p.name)
    frames = list(read_recording(path))
    tracker = GameTracker()
    gov = make_governor(tmp_path / "bot.db", QUIET, t=frames[0].t)
    rugged: list[GameRugged] = []
    levels: set[Level] = set()
    for fr in frames:
        for sig in tracker.on_frame(fr.t, fr.dir, fr.frame):
            gov.on_signal(sig, tracker.view)
            if isinstance(sig, GameRugged):
                rugged.append(sig)
        levels.add(gov.tick(tracker.view, fr.t).level)
    assert rugged, "the capture holds full games with rugs"
    for sig in rugged:
        row = gov.store.game(sig.game.game_id)
        assert row is not None and row["final_tick"] == sig.game.rug_tick and row["peak"] == sig.game.peak
    stats = gov.store.db.execute("SELECT COUNT(*), MIN(samples) FROM tick_stats").fetchone()
    assert stats[0] == len(rugged) and stats[1] > 0
    assert Level.HALTED not in levels and Level.KILLED not in levels
    # the real feed is healthy most of the time: the governor ends active (a rug silence may pause it briefly)
    assert gov.state.level is Level.ACTIVE, gov.state.reasons
    assert gov.store.integrity_check() == "ok"


def test_record_decision_with_and_without_proposal(tmp_path: Path) -> None:
    from tests.risk.helpers import ESTIMATE, T0, bet, view

    gov = make_governor(tmp_path / "bot.db")
    v = view(T0, tick=42)
    gov.record_decision(
        t=T0,
        view=v,
        estimate=ESTIMATE,
        proposal=None,
        reason="EV below zero",
        verdict="no proposal",
        strategy="ev_threshold",
    )
    gov.record_decision(
        t=T0 + 0.25,
        view=v,
        estimate=ESTIMATE,
        proposal=bet(2_000_000, "late_entry"),
        reason="test",
        verdict="deny [max_stake_per_bet: ...]",
    )
    rows = gov.store.decisions(gov.session)
    assert [(r.tick, r.amount_lamports, r.strategy, r.zone) for r in rows] == [
        (42, None, "ev_threshold", "below break-even"),
        (42, 2_000_000, "late_entry", "below break-even"),
    ]
    assert rows[0].p_win == ESTIMATE.p_win and rows[1].verdict.startswith("deny")
