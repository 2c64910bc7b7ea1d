"""``backtest --json`` lists every alarm raised to the governor, the live provably-fair auditor's included, and
agrees with ``verify`` on every recording (issue 16.6): the real captures, the May 2025 wire, and doctored copies.

The verdicts come from ``rugsbot verify`` (an independent command over the same recordings); the doctored games
are chosen by the test, not by the code under test.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.fair.generator import seed_hash
from tests.fair.test_eras import FIXTURE, GAMES, RECORDINGS


def _doctor_seed(tmp_path: Path) -> Path:
    """Game 2 revealed with another seed (and that seed's hash): the generator does not reproduce the game."""
    lines = [json.loads(x) for x in gzip.decompress(FIXTURE.read_bytes()).decode().splitlines()]
    gid = GAMES[1].game_id
    other = "f" * 64
    for ln in lines:
        payload = json.loads(ln["frame"][2:])[1]
        for entry in payload.get("gameHistory") or []:
            if entry["id"] == gid:
                entry["provablyFair"] = {"serverSeed": other, "serverSeedHash": seed_hash(other)}
        ln["frame"] = "42" + json.dumps(["gameStateUpdate", payload])
    path = tmp_path / "may2025-other-seed.frames.jsonl"
    path.write_text("".join(json.dumps(ln) + "\n" for ln in lines))
    return path


CASES: list[tuple[str, Any, list[str]]] = [
    *RECORDINGS,
    ("May 2025, a seed that does not reproduce its game", _doctor_seed, [GAMES[1].game_id]),
]


@pytest.mark.parametrize(("name", "make", "bad"), CASES, ids=[c[0] for c in CASES])
def test_backtest_alarms_agree_with_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: Any, bad: list[str]
) -> None:
    path = make(tmp_path)
    code = main(["verify", "--json", str(path)])
    offline = json.loads(capsys.readouterr().out)
    assert code == (1 if bad else 0)
    assert sorted({m["game_id"] for m in offline["mismatches"]}) == bad

    assert main(["backtest", "--json", "--no-baseline", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    if not bad:
        assert data["alarms"] == []
        return
    fair = [a for a in data["alarms"] if a["kind"] == "fair_mismatch"]
    assert len(fair) == len(offline["mismatches"])  # one alarm per mismatch verify reports
    for m in offline["mismatches"]:
        assert any(a["game"] == m["game_id"] and m["reason"] in a["reason"] for a in fair), (m, fair)
    assert {a["kind"] for a in data["alarms"]} == {"fair_mismatch"}
    assert all(set(a) == {"kind", "reason", "game", "t"} for a in data["alarms"])
    # the first alarm halted the session, as it would have halted a live run
    assert any(t.startswith("alarm:fair_mismatch: halt") for t in data["guard_trips"]), data["guard_trips"]


def test_the_text_output_names_the_alarms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--no-baseline", str(_doctor_seed(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "alarms: 1 (a live run would have halted at the first)" in out
    assert f"fair_mismatch game {GAMES[1].game_id}: provably-fair game {GAMES[1].game_id}" in out
