"""Real captures through the real GameTracker, its signals routed to the Auditor as the session does."""

from __future__ import annotations

from pathlib import Path

from bot.fair.auditor import Auditor
from bot.feeds.recording import read_recording
from bot.game.signals import GameStarted, HistoryReceived
from bot.game.tracker import GameTracker

CAPTURES = sorted(
    (Path(__file__).resolve().parent.parent / "fixtures" / "real" / "captures").glob("*.jsonl.gz")
)


def test_tracker_signals_drive_the_auditor() -> None:
    auditor = Auditor()
    started = histories = 0
    for path in CAPTURES:
        tracker = GameTracker()
        for rec in read_recording(path):
            for sig in tracker.on_frame(rec.t, rec.dir, rec.frame):
                started += isinstance(sig, GameStarted)
                histories += isinstance(sig, HistoryReceived)
                assert auditor.on_signal(sig) == []
    c = auditor.counts
    assert histories == 7 and started == 3
    assert c.games == c.verified == 23
    assert c.sidebets == c.sidebets_agree == 1071
    # games that started inside the captures had their pre-game hash checked against the reveal
    assert c.announced_checked == 3
    # ...and the tracker's live ticks and rug ticks of those three games matched the revealed games
    assert c.live_games == 3 and c.live_ticks >= 300
    assert auditor.mismatches == []
