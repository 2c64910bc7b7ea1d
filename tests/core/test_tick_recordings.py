"""The tracker on 30 real per-game tick recordings (Nov 2025), re-encoded as gameStateUpdate frames.

The recorder kept, for every frame it saw, ``tick, price, active, rugged, cooldown_timer`` with the local
receive time. The expected rug tick, peak and tick gaps are computed here straight from those rows —
the first row with ``rugged`` is the rug frame — and compared with what the tracker reports.
"""

from __future__ import annotations

import datetime
import gzip
import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from bot.game.signals import GameRugged, TickAdvanced
from bot.game.tracker import GameTracker

TICKS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "real" / "ticks").glob("*.jsonl.gz"))


def _rows(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") as fh:
        rows = [json.loads(line) for line in fh]
    return [r for r in rows if r.get("type") == "tick"]


def _ts(r: dict[str, Any]) -> float:
    return datetime.datetime.fromisoformat(r["timestamp"]).timestamp()


def _frame(r: dict[str, Any]) -> str:
    body = {
        "gameId": r["game_id"],
        "active": r["active"],
        "rugged": r["rugged"],
        "tickCount": r["tick"],
        "price": r["price"],
        "cooldownTimer": r["cooldown_timer"],
        "tradeCount": r["trade_count"],
    }
    return "42" + json.dumps(["gameStateUpdate", body])


def _expected(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rug = next((r for r in rows if r["rugged"]), None)
    active = [r for r in rows if r["active"] and not r["rugged"]]
    advancing: list[dict[str, Any]] = []
    for r in active:
        if not advancing or r["tick"] > advancing[-1]["tick"]:
            advancing.append(r)
    gaps = [_ts(b) - _ts(a) for a, b in pairwise(advancing) if b["tick"] == a["tick"] + 1]
    first_active = active[0] if active else None
    watched_before = (
        any(not r["active"] and r["cooldown_timer"] > 0 for r in rows[: rows.index(first_active)])
        if first_active
        else False
    )
    return {
        "rug_tick": rug["tick"] if rug else None,
        "peak": max([r["price"] for r in active], default=1.0),
        "complete": bool(rug)
        and (watched_before or (first_active is not None and first_active["tick"] <= 1)),
        "gaps": gaps,
        "advancing": len(advancing),
    }


@pytest.mark.parametrize("path", TICKS, ids=[p.name[5:20] for p in TICKS])
def test_tracker_matches_tick_recording(path: Path) -> None:
    rows = _rows(path)
    exp = _expected(rows)
    tr = GameTracker()
    rugs: list[GameRugged] = []
    tick_signals = 0
    for r in rows:
        for s in tr.on_frame(_ts(r), "in", _frame(r)):
            if isinstance(s, GameRugged):
                rugs.append(s)
            elif isinstance(s, TickAdvanced):
                tick_signals += 1
    assert tr.counters.internal_errors == 0
    if exp["rug_tick"] is None:
        assert rugs == []
    else:
        assert len(rugs) == 1
        g = rugs[0].game
        assert g.rug_tick == exp["rug_tick"]
        assert g.complete == exp["complete"]
        assert g.peak == pytest.approx(max(exp["peak"], 1.0))
    timing = tr.view.timing
    assert timing.samples == len(exp["gaps"])
    assert tick_signals == exp["advancing"]
    if exp["gaps"]:
        assert timing.max_s == pytest.approx(max(exp["gaps"]))
        assert timing.stalls == sum(1 for g in exp["gaps"] if g > 1.0)


def test_tick_recordings_cover_complete_games() -> None:
    completes = sum(1 for p in TICKS if _expected(_rows(p))["complete"])
    assert len(TICKS) == 30 and completes >= 20
