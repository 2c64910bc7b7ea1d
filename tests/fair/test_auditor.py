"""Auditor: dedupe across frames, revisions, announced hashes, alarms, and survival of bad input.

Fed with real history frames cut from the real captures (tests/fixtures/real/captures).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bot.fair.auditor import AuditAlarm, Auditor
from bot.fair.verify import AuditStatus
from bot.feeds.recording import read_recording
from bot.game.signals import HistoryReceived
from bot.protocol.events import GameStateUpdate, decode_event
from bot.protocol.frames import Packet, decode
from tests.fair.conftest import GAMES_FILE

CAPTURES = sorted(
    (Path(__file__).resolve().parent.parent / "fixtures" / "real" / "captures").glob("*.jsonl.gz")
)


def _updates(path: Path) -> list[tuple[float, GameStateUpdate]]:
    out = []
    for rec in read_recording(path):
        if rec.dir != "in":
            continue
        packet = decode(rec.frame)
        if isinstance(packet, Packet) and packet.name == "gameStateUpdate":
            event = decode_event(packet)
            if isinstance(event, GameStateUpdate):
                out.append((rec.t, event))
    return out


@pytest.fixture(scope="module")
def capture_updates() -> list[list[tuple[float, GameStateUpdate]]]:
    return [_updates(p) for p in CAPTURES]


def test_captures_are_present() -> None:
    assert len(CAPTURES) == 2


def test_history_frames_from_captures_all_verify(
    capture_updates: list[list[tuple[float, GameStateUpdate]]],
) -> None:
    auditor = Auditor()
    frames = 0
    for updates in capture_updates:
        for t, upd in updates:
            if upd.has_history:
                frames += 1
                assert auditor.feed_signal(HistoryReceived(upd.game_history, t)) == []
    counts = auditor.counts
    assert frames == 7  # 4 + 3 history frames, each repeating up to 10 games
    assert counts.games == 23 and counts.verified == 23
    assert counts.mismatched == counts.unverifiable == counts.malformed == 0
    assert counts.sidebets == counts.sidebets_agree == 1071
    assert counts.sidebets_disagree == 0
    assert auditor.alarms == [] and auditor.take_alarms() == []


def test_feed_update_checks_announced_hashes(
    capture_updates: list[list[tuple[float, GameStateUpdate]]],
) -> None:
    auditor = Auditor()
    for updates in capture_updates:
        for t, upd in updates:
            auditor.feed_update(upd, t)
    counts = auditor.counts
    assert counts.games == 23 and counts.verified == 23
    # three games were announced (pre-game hash seen) and later revealed within these captures
    assert counts.announced_checked == 3


def test_forged_reveal_against_announced_hash(
    capture_updates: list[list[tuple[float, GameStateUpdate]]],
) -> None:
    """A server that reveals a different (self-consistent) seed than it committed to is caught."""
    auditor = Auditor()
    games = json.loads(GAMES_FILE.read_bytes())
    game = games[0]
    auditor.note_announced(game["id"], "99" * 32)
    alarms = auditor.feed_raw(json.dumps([game]).encode(), 5.0)
    assert len(alarms) == 1 and alarms[0].kind == "provably-fair"
    assert "announced" in alarms[0].reason and alarms[0].t == 5.0


def test_raw_list_object_and_games_inputs_agree() -> None:
    raw = GAMES_FILE.read_bytes()
    a, b, c = Auditor(), Auditor(), Auditor()
    a.feed_raw(msgspec.Raw(raw), 1.0)
    b.feed_raw(b'{"gameId":"x","active":true,"gameHistory":' + raw + b"}", 1.0)
    from bot.protocol.events import HistoryGame

    c.feed_games(msgspec.json.decode(raw, type=list[HistoryGame]))
    assert a.counts == b.counts == c.counts
    assert a.counts.verified == 23 and a.counts.sidebets_agree == 1071


def test_repeated_frames_are_counted_once() -> None:
    raw = GAMES_FILE.read_bytes()
    auditor = Auditor()
    for _ in range(3):
        auditor.feed_raw(raw)
    assert auditor.counts.games == 23
    assert auditor.counts.sidebets == 1071


@pytest.mark.parametrize(
    ("data", "malformed"),
    [
        (b"", 0),
        (b"null", 0),
        (b"[]", 0),
        (b"not json", 1),
        (b"[1, 2", 1),
        (b"{", 1),
        (b'{"gameHistory": 5}', 1),
        (b'{"gameHistory": null}', 0),
        (b"[1, 2]", 2),  # entries that are not objects
        (b'[{"id": 5}]', 1),  # id of the wrong type
        (b'[{"id": "a", "prices": "1,2"}]', 1),
        (b"[" * 5000 + b"]" * 5000, 1),  # deeply nested
    ],
)
def test_bad_input_is_counted_never_raised(data: bytes, malformed: int) -> None:
    auditor = Auditor()
    assert auditor.feed_raw(data) == []
    assert auditor.counts.malformed == malformed
    assert auditor.counts.games == 0


def test_one_bad_entry_does_not_hide_the_others() -> None:
    games = json.loads(GAMES_FILE.read_bytes())
    mixed = [games[0], {"id": 7, "prices": []}, games[1], "junk"]
    auditor = Auditor()
    auditor.feed_raw(json.dumps(mixed).encode())
    assert auditor.counts.verified == 2
    assert auditor.counts.malformed == 2


def test_unverifiable_games_are_counted_without_alarm() -> None:
    games = json.loads(GAMES_FILE.read_bytes())
    stripped = [
        dict(g, provablyFair={"serverSeedHash": g["provablyFair"]["serverSeedHash"]}) for g in games[:3]
    ]
    auditor = Auditor()
    assert auditor.feed_raw(json.dumps(stripped).encode()) == []
    assert auditor.counts.unverifiable == 3 and auditor.counts.games == 3
    assert [a.reason for a in auditor.unverifiable] == ["no server seed revealed"] * 3
    # settlements are still checked: they need only the price list
    assert auditor.counts.sidebets > 0 and auditor.counts.sidebets_disagree == 0


def _doctor_price(game: dict[str, Any], k: int = 3) -> dict[str, Any]:
    prices = list(game["prices"])
    prices[k] *= 1.001
    return dict(game, prices=prices)


def test_alarms_and_take_alarms() -> None:
    games = json.loads(GAMES_FILE.read_bytes())
    auditor = Auditor()
    new = auditor.feed_raw(json.dumps([_doctor_price(games[0]), games[1]]).encode(), 10.0)
    assert len(new) == 1
    alarm = new[0]
    assert isinstance(alarm, AuditAlarm)
    assert alarm.kind == "provably-fair" and alarm.game_id == games[0]["id"]
    assert "price 3 differs" in str(alarm)
    assert auditor.take_alarms() == [alarm]
    assert auditor.take_alarms() == []
    auditor.feed_raw(json.dumps([_doctor_price(games[2], 5)]).encode(), 11.0)
    assert [a.game_id for a in auditor.take_alarms()] == [games[2]["id"]]
    assert len(auditor.alarms) == 2
    assert auditor.counts.mismatched == 2 and auditor.counts.verified == 1
    assert [m.first_mismatch for m in auditor.mismatches] == [3, 5]


def test_settlement_disagreement_raises_settlement_alarm() -> None:
    games = json.loads(GAMES_FILE.read_bytes())
    game = json.loads(json.dumps(games[1]))  # a long game: has losses
    loss = next(r for r in game["globalSidebets"] if r["type"] == "payout" and r["payout"] == 0)
    loss["payout"] = loss["betAmount"] * 5
    auditor = Auditor()
    alarms = auditor.feed_raw(json.dumps([game]).encode())
    assert [a.kind for a in alarms] == ["settlement"]
    assert auditor.counts.verified == 1  # the prices are still fine
    assert auditor.counts.sidebets_disagree == 1
    assert auditor.disagreements[0].player_id == loss["playerId"]


def test_revised_copies_of_a_game() -> None:
    """First copy lacks payout records (bets still implied), a later copy has them, a third is doctored."""
    games = json.loads(GAMES_FILE.read_bytes())
    game = games[0]
    early = dict(game, globalSidebets=[r for r in game["globalSidebets"] if r["type"] == "placed"])
    n_placed = len(early["globalSidebets"])
    n_payout = sum(1 for r in game["globalSidebets"] if r["type"] == "payout")
    auditor = Auditor()
    auditor.feed_raw(json.dumps([early]).encode())
    assert auditor.counts.sidebets_implied == n_placed and auditor.counts.sidebets == 0
    auditor.feed_raw(json.dumps([game]).encode())
    c = auditor.counts
    assert c.games == 1 and c.verified == 1
    assert c.sidebets_implied == 0 and c.sidebets == c.sidebets_agree == n_payout
    auditor.feed_raw(json.dumps([game]).encode())  # identical: skipped
    assert auditor.counts == c
    auditor.feed_raw(json.dumps([_doctor_price(game)]).encode())  # same id, changed prices
    c2 = auditor.counts
    assert c2.games == 1 and c2.verified == 0 and c2.mismatched == 1
    assert c2.sidebets == n_payout  # not counted twice
    assert [a.kind for a in auditor.take_alarms()] == ["provably-fair"]
    assert auditor.mismatches[0].status is AuditStatus.MISMATCH


def test_mismatch_and_disagreement_are_sticky() -> None:
    """A wrong copy followed by a right copy of the same game must not heal the counts."""
    games = json.loads(GAMES_FILE.read_bytes())
    game = games[1]
    bad_settlement = json.loads(json.dumps(game))
    loss = next(r for r in bad_settlement["globalSidebets"] if r["type"] == "payout" and r["payout"] == 0)
    loss["payout"] = loss["betAmount"] * 5
    n_payout = sum(1 for r in game["globalSidebets"] if r["type"] == "payout")
    auditor = Auditor()
    auditor.feed_raw(json.dumps([_doctor_price(bad_settlement)]).encode())
    auditor.feed_raw(json.dumps([game]).encode())
    c = auditor.counts
    assert c.games == 1 and c.mismatched == 1 and c.verified == 0
    assert c.sidebets == n_payout and c.sidebets_disagree == 1 and c.sidebets_agree == n_payout - 1
    assert sorted(a.kind for a in auditor.take_alarms()) == ["provably-fair", "settlement"]
    # and the other way round: right first, then wrong → alarms on the wrong copy
    auditor2 = Auditor()
    auditor2.feed_raw(json.dumps([game]).encode())
    assert auditor2.feed_raw(json.dumps([bad_settlement]).encode())[0].kind == "settlement"
    c2 = auditor2.counts
    assert c2.sidebets == n_payout and c2.sidebets_disagree == 1 and c2.verified == 1
