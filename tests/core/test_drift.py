"""Protocol drift (issue 14.5): an event the bot depends on stops fitting what the tracker needs → counted per
event and field, first samples kept (trimmed) and logged once, visible in ``rugsbot replay``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from bot.cli import main
from bot.feeds.recording import iter_frames
from bot.game.drift import MAX_KEYS, SAMPLE_CHARS, SAMPLES_PER_KEY, ProtocolDrift
from bot.game.tracker import GameTracker
from bot.protocol.frames import encode_event
from tests.conftest import CAPTURES
from tests.core.builders import G1, TRACE, active, event, presale


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="WARNING", format="{message}")
    yield lines
    logger.remove(sink)


def _tick_as_string(tick: int) -> str:
    body = json.loads(active(G1, tick)[2:])[1]
    body["tickCount"] = str(tick)
    return event("gameStateUpdate", body)


def _recording(tmp_path: Path, frames: list[str]) -> Path:
    path = tmp_path / "drift.frames.jsonl"
    path.write_text(
        "".join(
            json.dumps({"t": 100.0 + 0.25 * k, "dir": "in", "frame": f}) + "\n" for k, f in enumerate(frames)
        )
    )
    return path


def test_tick_count_turned_string_is_counted_logged_once_and_shown_by_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], warnings: list[str]
) -> None:
    frames = [presale(G1), *(active(G1, k) for k in range(21)), *(_tick_as_string(k) for k in range(21, 110))]
    path = _recording(tmp_path, frames)
    assert main(["replay", "--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    c = doc["files"][0]["counters"]
    assert c["invalid"] == {"gameStateUpdate": 89}
    drift = c["drift"]
    assert drift["total"] == 89 and drift["counts"] == {"gameStateUpdate.tickCount": 89}
    assert len(drift["samples"]) == SAMPLES_PER_KEY
    for sample in drift["samples"]:
        assert (sample["event"], sample["field"], sample["kind"]) == (
            "gameStateUpdate",
            "tickCount",
            "invalid",
        )
        assert len(sample["sample"]) == SAMPLE_CHARS and sample["sample"].startswith('42["gameStateUpdate"')
        assert "str" in sample["detail"]
    assert doc["totals"]["drift"] == 89
    logged = [ln for ln in warnings if "protocol drift" in ln]
    assert len(logged) == 1 and "gameStateUpdate.tickCount" in logged[0]
    assert len(logged[0]) < 600  # the sample is trimmed, not the 1 KB frame
    assert main(["replay", str(path)]) == 0
    text = capsys.readouterr().out
    assert "protocol drift" in text and "gameStateUpdate.tickCount: 89" in text


def test_replay_strict_fails_on_a_renamed_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A renamed field is not an invalid frame, but it is drift: --strict fails on it."""
    path = _recording(tmp_path, [presale(G1), active(G1, 0), _renamed("tickCount", "tick")])
    assert main(["replay", "--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"]["invalid"] == 0 and doc["totals"]["drift"] == 1
    assert main(["replay", "--json", "--strict", str(path)]) == 1
    capsys.readouterr()


def _gsu(**changes: Any) -> str:
    body = json.loads(active(G1, 5)[2:])[1]
    for k, v in changes.items():
        if v is None:
            body.pop(k)
        else:
            body[k] = v
    return event("gameStateUpdate", body)


def _renamed(old: str, new: str) -> str:
    body = json.loads(active(G1, 5)[2:])[1]
    body[new] = body.pop(old)
    return event("gameStateUpdate", body)


BET = {"playerId": "did:privy:me", "gameId": G1, "betAmount": 0.002, "startTick": 102, "endTick": 142}
RESULT = {**BET, "type": "payout", "payout": 0.01, "tickIndex": 120}
CASES: list[tuple[str, list[str], dict[str, int], str]] = [
    ("well-formed frames", [presale(G1), active(G1, 0), active(G1, 1)], {}, ""),
    ("tickCount renamed", [_renamed("tickCount", "tick")], {"gameStateUpdate.tickCount": 1}, "missing"),
    ("gameId renamed", [_renamed("gameId", "roundId")], {"gameStateUpdate.gameId": 1}, "missing"),
    ("active renamed", [_renamed("active", "isActive")], {"gameStateUpdate.active": 1}, "missing"),
    ("price missing on a tick", [_gsu(price=None)], {"gameStateUpdate.price": 1}, "missing"),
    ("price turned string", [_gsu(price="1.05")], {"gameStateUpdate.price": 1}, "invalid"),
    (
        "currentSidebet startTick turned string",
        [event("currentSidebet", TRACE, {**BET, "startTick": "102"})],
        {"currentSidebet.startTick": 1},
        "invalid",
    ),
    (
        "currentSidebetResult without payout",
        [event("currentSidebetResult", TRACE, {k: v for k, v in RESULT.items() if k != "payout"})],
        {"currentSidebetResult.payout": 1},
        "missing",
    ),
    (
        "playerUpdate cash turned string",
        [event("playerUpdate", {"cash": "0.5"})],
        {"playerUpdate.cash": 1},
        "invalid",
    ),
    (
        "playerUpdate without cash",
        [event("playerUpdate", {"id": "me", "balance": 0.5})],
        {"playerUpdate.cash": 1},
        "missing",
    ),
    (
        "stripped traced payloads (a capture artefact) are not drift",
        [event("currentSidebet", TRACE), event("currentSidebetResult", TRACE)],
        {},
        "",
    ),
    ("other events are not watched", [event("standard/newTrade", TRACE, {"price": "x"})], {}, ""),
]


@pytest.mark.parametrize(("name", "frames", "counts", "kind"), CASES, ids=[c[0] for c in CASES])
def test_drift_by_event_and_field(name: str, frames: list[str], counts: dict[str, int], kind: str) -> None:
    tr = GameTracker()
    for k, f in enumerate(frames):
        tr.on_frame(100.0 + k, "in", f)
    view = tr.drift
    assert view.counts == counts
    assert view.total == sum(counts.values())
    assert {s.kind for s in view.samples} == ({kind} if kind else set())
    assert tr.counters.as_dict()["drift"]["counts"] == counts
    assert tr.counters.internal_errors == 0


def test_real_captures_and_the_simulator_show_no_drift_and_drop_nothing() -> None:
    for path in CAPTURES:
        tr = GameTracker()
        for rec in iter_frames([path]):
            tr.on_frame(rec.t, rec.dir, rec.frame)
        c = tr.counters
        assert c.drift.total == 0 and not c.dropped and c.rugged_cooldown == 0, path.name
    sim_game = pytest.importorskip("bot.sim.game")
    sim_config = pytest.importorskip("bot.sim.config")
    tr = GameTracker()
    for t, out in sim_game.iter_timeline(sim_config.SimConfig(seed="drift"), games=4):
        tr.on_frame(t, "in", encode_event(out.event, *out.args))
    c = tr.counters
    assert c.events["gameStateUpdate"] > 500
    assert c.drift.total == 0 and not c.dropped and c.rugged_cooldown == 0


def test_drift_memory_is_bounded_and_each_key_logged_once(warnings: list[str]) -> None:
    drift = ProtocolDrift()
    for k in range(3 * MAX_KEYS):
        for _ in range(5):
            drift.invalid("gameStateUpdate", f"Expected `int`, got `str` - at `$.field{k}`", "x" * 1000, 1.0)
    view = drift.view()
    assert view.total == 15 * MAX_KEYS
    assert len(view.counts) == MAX_KEYS + 1 and view.counts["<other>"] == 5 * 2 * MAX_KEYS
    assert len(view.samples) <= (MAX_KEYS + 1) * SAMPLES_PER_KEY
    assert all(len(s.sample) == SAMPLE_CHARS for s in view.samples)
    assert len([ln for ln in warnings if "protocol drift" in ln]) == MAX_KEYS + 1
