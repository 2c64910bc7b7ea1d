"""The tracker on real captures: exact rug ticks and phase timelines.

Expected numbers were read off the raw frames by hand (frame index, ``t``, ``tickCount``, ``rugged``) and
are cross-checked here against the server's own ``gameHistory`` (``len(prices) - 1`` is the final wire
tick, ``peakMultiplier`` the peak), parsed independently of the tracker with the stdlib json module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.feeds.recording import read_recording
from bot.game.signals import GameRugged, PhaseChanged
from bot.game.state import Phase
from bot.game.tracker import GameTracker

RAW = "2025-12-12_17-16-58_raw.frames.jsonl.gz"
CDP = "2025-12-15_00-39-17_cdp.frames.jsonl.gz"

GAME_A = "20251212-25dcb17086a24ad7"  # joined at tick 4, rugged at wire tick 229 (frame 261)
GAME_B = "20251212-6114b2ff44ef4b71"  # full cycle: cooldown 262, presale 313, tick 0 at 414, rug 16 at 434
GAME_C = "20251212-6f491efbd808458b"  # cooldown 436, presale 487, capture ends in presale
GAME_D = "20251215-0229cacf684f458c"  # CDP: presale at connect, tick 0 at frame 165, rug 99 at frame 385


def _run(path: Path) -> tuple[GameTracker, list[tuple[int, object]]]:
    tr = GameTracker()
    sigs: list[tuple[int, object]] = []
    for i, f in enumerate(read_recording(path)):
        sigs.extend((i, s) for s in tr.on_frame(f.t, f.dir, f.frame))
    return tr, sigs


def _history_entry(path: Path, game_id: str) -> dict[str, object]:
    for f in read_recording(path):
        if '"gameHistory"' in f.frame:
            payload = json.loads(f.frame[2:])[-1]
            for g in payload["gameHistory"]:
                if g["id"] == game_id:
                    return g  # type: ignore[no-any-return]
    raise AssertionError(f"{game_id} not in any gameHistory")


def test_raw_capture_game_b_timeline(real_dir: Path) -> None:
    path = real_dir / "captures" / RAW
    _, sigs = _run(path)
    timeline = [
        (i, s.old, s.new, s.t) for i, s in sigs if isinstance(s, PhaseChanged) and s.game_id == GAME_B
    ]
    assert timeline == [
        (262, Phase.RUGGED, Phase.COOLDOWN, 1765559880.836258),
        (313, Phase.COOLDOWN, Phase.PRESALE, 1765559883.1622),
        (414, Phase.PRESALE, Phase.ACTIVE, 1765559891.484524),
        (434, Phase.ACTIVE, Phase.RUGGED, 1765559895.60762),
    ]
    rugs = {s.game.game_id: (i, s.game) for i, s in sigs if isinstance(s, GameRugged)}
    assert set(rugs) == {GAME_A, GAME_B}
    i, game = rugs[GAME_B]
    assert i == 434
    assert game.rug_tick == 16
    assert game.complete and game.first_tick_seen == 0
    assert game.rug_t == 1765559895.60762
    hist = _history_entry(path, GAME_B)
    assert game.rug_tick == len(hist["prices"]) - 1  # type: ignore[arg-type]
    assert game.peak == hist["peakMultiplier"]
    assert game.server_seed_hash == "f8fb5fc595f23a0c148ad4ebabf4996b20190dd988932a0e52db55b043fc673a"


def test_raw_capture_game_a_partial_and_stale_post_rug_frame(real_dir: Path) -> None:
    path = real_dir / "captures" / RAW
    tr, sigs = _run(path)
    ((i, game),) = [(i, s.game) for i, s in sigs if isinstance(s, GameRugged) and s.game.game_id == GAME_A]
    assert i == 261
    assert game.rug_tick == 229  # frame 263 (after the next game's first frame) says tickCount 231
    assert not game.complete and game.first_tick_seen == 4
    hist = _history_entry(path, GAME_A)
    assert game.rug_tick == len(hist["prices"]) - 1  # type: ignore[arg-type]
    assert game.peak == hist["peakMultiplier"]
    assert tr.counters.stale_frames == 1
    # the capture ends in game C's presale
    assert tr.view.game_id == GAME_C and tr.view.phase is Phase.PRESALE and tr.view.tick == -1
    assert [g.game_id for g in tr.finished] == [GAME_A, GAME_B]


def test_cdp_capture_complete_game(real_dir: Path) -> None:
    path = real_dir / "captures" / CDP
    tr, sigs = _run(path)
    ((i, game),) = [(i, s.game) for i, s in sigs if isinstance(s, GameRugged)]
    assert (i, game.game_id, game.rug_tick, game.complete) == (385, GAME_D, 99, True)
    phases = [(s.old, s.new) for _, s in sigs if isinstance(s, PhaseChanged) and s.game_id == GAME_D]
    assert phases == [
        (Phase.UNKNOWN, Phase.PRESALE),
        (Phase.PRESALE, Phase.ACTIVE),
        (Phase.ACTIVE, Phase.RUGGED),
    ]
    hist = _history_entry(path, GAME_D)
    assert game.rug_tick == len(hist["prices"]) - 1  # type: ignore[arg-type]
    assert game.peak == hist["peakMultiplier"]
    acc = tr.account
    assert acc.authenticated and acc.cash_lamports == 17_619_831
    assert acc.balance("0xPractice") == 100_000_000_000


@pytest.mark.parametrize("name", [RAW, CDP])
def test_real_captures_have_no_feed_problems(real_dir: Path, name: str) -> None:
    tr, _ = _run(real_dir / "captures" / name)
    c = tr.counters
    assert not c.undecodable and not c.invalid and not c.unknown
    assert c.duplicates == c.out_of_order == c.internal_errors == 0
    timing = tr.view.timing
    # receive gaps of real ticks: median ≈ 250 ms
    assert 0.2 < timing.p50_s < 0.3


@pytest.mark.parametrize("name", [RAW, CDP])
def test_fast_game_state_path_equals_general_codec_path(real_dir: Path, name: str) -> None:
    """The tracker's one-pass gameStateUpdate decoder must give exactly what frame → event decoding gives."""
    from bot.game.tracker import _GSU_FAST, _GSU_PREFIX
    from bot.protocol.events import decode_event
    from bot.protocol.frames import Packet, decode

    n = 0
    for f in read_recording(real_dir / "captures" / name):
        if not f.frame.startswith(_GSU_PREFIX):
            continue
        pkt = decode(f.frame)
        assert isinstance(pkt, Packet)
        general = decode_event(pkt)
        fast = _GSU_FAST.decode(f.frame[2:])[1]
        assert fast == general
        assert bytes(fast.game_history) == bytes(general.game_history)  # type: ignore[union-attr]
        n += 1
    assert n > 150


def test_key_samples_as_one_game_timeline(real_dir: Path) -> None:
    """The 11 Feb-2026 samples are frames of one game (``_meta.index`` = frame order): fed in order, the
    tracker must walk COOLDOWN → PRESALE → ACTIVE → RUGGED and report the rug frame's tickCount (255)."""
    from bot.game.signals import GameStarted, HistoryReceived, TickAdvanced

    samples = json.loads((real_dir / "samples" / "key-samples-2026-02.json").read_text())
    tr = GameTracker()
    sigs = []
    for s in sorted(samples.values(), key=lambda s: s["_meta"]["index"]):
        args = [s["event_type"]]
        if s["event_type"] != "gameStateUpdate":
            args.append({"__trace": True, "traceparent": "00-x"})
        args.append(s["data"])
        sigs.extend(tr.on_frame(s["timestamp_ms"] / 1000, "in", "42" + json.dumps(args)))
    gid = "20260206-003482fbeaae4ad5"
    assert [(x.old, x.new) for x in sigs if isinstance(x, PhaseChanged)] == [
        (Phase.UNKNOWN, Phase.COOLDOWN),
        (Phase.COOLDOWN, Phase.PRESALE),
        (Phase.PRESALE, Phase.ACTIVE),
        (Phase.ACTIVE, Phase.RUGGED),
    ]
    assert [(x.tick, x.backfilled) for x in sigs if isinstance(x, TickAdvanced)] == [(0, 0), (103, 4)]
    assert [x.game_id for x in sigs if isinstance(x, GameStarted)] == [gid]
    (rug,) = [x.game for x in sigs if isinstance(x, GameRugged)]
    assert (rug.game_id, rug.rug_tick, rug.complete, rug.version) == (gid, 255, True, "v3")
    assert sum(isinstance(x, HistoryReceived) for x in sigs) == 2
    assert tr.counters.events["standard/newTrade"] == 4
    assert not tr.counters.invalid and not tr.counters.undecodable and tr.counters.internal_errors == 0
