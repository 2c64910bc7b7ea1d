"""Calibration on real data: recordings through the real tracker, and the 1,760 real game lengths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.sections import EngineConfig
from bot.engine.calibration import (
    Calibrator,
    calibrate_game_lengths,
    calibrate_recordings,
    read_game_lengths,
)

from .helpers import GAME_LENGTHS, REAL

CAPTURES = sorted((REAL / "captures").glob("*.frames.jsonl.gz"))
ROOT = Path(__file__).resolve().parents[2]


def test_game_lengths_are_calibrated_at_every_entry_tick() -> None:
    """Realised window-win rate matches P(win) overall and in every entry-tick bin (no "bet late" edge)."""
    rep = calibrate_game_lengths(read_game_lengths(GAME_LENGTHS), EngineConfig())
    assert rep.games >= 1740
    assert rep.realised == pytest.approx(0.1817, abs=0.005)
    assert rep.predicted == pytest.approx(0.1817, abs=0.003)
    assert len(rep.by_tick) == 5
    for b in rep.by_tick:
        # ~40 correlated ticks per game: a tolerance from the game count, not the tick count
        assert abs(b.realised - b.predicted) < 0.03, b
    assert rep.brier == pytest.approx(rep.realised * (1 - rep.realised), abs=0.002)


def test_calibrator_resolves_windows_exactly() -> None:
    cal = Calibrator()
    for landing in (1, 59, 60, 99, 100):
        cal.add_prediction("g", landing, 0.2)
    used = cal.on_game_finished("g", 100)  # rug frame at wire tick 100
    assert used == 4  # landing 100 would be after the rug
    rep = cal.report()
    assert rep.observations == 4
    assert rep.realised == pytest.approx(2 / 4)  # win iff 100 ≤ landing + 40: landings 60 and 99; 59 loses
    assert rep.brier == pytest.approx((2 * 0.8**2 + 2 * 0.2**2) / 4)


def test_game_length_aggregation_equals_tick_by_tick() -> None:
    a, b = Calibrator(), Calibrator()
    for final in (2, 39, 41, 120, 455):
        a.add_game_length(final, 0.18)
        for s in range(1, final):
            b.add_prediction(f"g{final}", s, 0.18)
        b.on_game_finished(f"g{final}", final)
    ra, rb = a.report(), b.report()
    assert (ra.observations, ra.realised, ra.brier) == (rb.observations, rb.realised, pytest.approx(rb.brier))
    assert [(x.label, x.n, x.wins) for x in ra.by_tick] == [(x.label, x.n, x.wins) for x in rb.by_tick]


def test_recordings_through_the_real_tracker() -> None:
    rep = calibrate_recordings(CAPTURES)
    assert rep.games >= 2
    assert rep.observations > 200
    assert rep.predicted == pytest.approx(0.1817, abs=0.001)
    assert rep.unresolved == 0 or rep.unresolved < rep.observations


def test_cli_json(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "calibrate", str(CAPTURES[0]), str(GAME_LENGTHS), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"recordings", "game_lengths.csv"}
    assert data["game_lengths.csv"]["observations"] > 300_000
    assert data["recordings"]["by_tick"]


def test_cli_missing_file(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "calibrate", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 2


def test_cli_directory_of_recordings(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "calibrate", str(REAL / "captures"), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["recordings"]["games"] >= 2


def test_cli_nothing_to_calibrate_exits_1(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "calibrate", str(empty)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stdout == ""  # no "Brier 0.00000" on nothing
    assert out.stderr.splitlines() == [
        "rugsbot calibrate: nothing to calibrate: no finished game with active ticks in 1 recording(s) and 0 CSV(s)"
        f" ({empty})"
    ]


def _inputs(tmp_path: Path) -> dict[str, Path]:
    import gzip

    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "random.jsonl").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "corrupt.jsonl.gz").write_bytes(
        gzip.compress(b'{"t": 1, "dir": "in", "frame": "2"}\n' * 50)[:40]
    )
    (tmp_path / "columns.csv").write_text("a,b\n1,2\n")
    (tmp_path / "header-only.csv").write_text("game_key,final_tick\n")
    (tmp_path / "words.csv").write_text("game_key,final_tick\nx,many\n")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00garbage\n\x89")
    return {p.name: p for p in tmp_path.iterdir()}


# (input, --json?, exit code, words on the one stderr line)
NOTHING = [
    ("nope.jsonl", False, 2, "no such file or directory: "),
    ("empty-dir", False, 1, "nothing to calibrate: no recordings or game-length CSVs in"),
    ("empty.jsonl", False, 1, "no finished game with active ticks in 1 recording(s)"),
    ("empty.jsonl", True, 1, "no finished game with active ticks in 1 recording(s)"),
    ("random.jsonl", False, 1, "no finished game with active ticks"),
    ("corrupt.jsonl.gz", False, 1, "no finished game with active ticks"),
    (
        "columns.csv",
        False,
        1,
        "is not a game-length CSV with game_key, final_tick (missing column 'game_key')",
    ),
    ("header-only.csv", False, 1, "no finished game with active ticks in 0 recording(s) and 1 CSV(s)"),
    ("words.csv", False, 1, "is not a game-length CSV"),
    ("binary.csv", False, 1, "is not a game-length CSV"),
]


@pytest.mark.parametrize(("name", "as_json", "code", "words"), NOTHING)
def test_cli_on_nothing_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, as_json: bool, code: int, words: str
) -> None:
    from bot.cli import main

    path = _inputs(tmp_path).get(name, tmp_path / name)
    rc = main(["calibrate", *(["--json"] if as_json else []), str(path)])
    out, err = capsys.readouterr()
    assert rc == code
    assert len(err.splitlines()) == 1 and err.startswith("rugsbot calibrate: ") and words in err, err
    if as_json:  # a JSON reader still gets the report, with nothing observed
        assert json.loads(out)["recordings"]["observations"] == 0
    else:
        assert out == "" and "Brier" not in out


def test_real_hazard_is_flat_across_tick_bins() -> None:
    """The "bet late" folklore would need a rising hazard; the real games show 0.005 in every bin."""
    rep = calibrate_game_lengths(read_game_lengths(GAME_LENGTHS), EngineConfig(prior_games=0.5))
    assert [h.label for h in rep.hazard_bins] == ["0–50", "50–100", "100–200", "200–400", "400+"]
    assert sum(h.rugs for h in rep.hazard_bins) >= 1740
    for h in rep.hazard_bins:
        assert h.mle is not None and abs(h.mle - 0.005) < 0.001, h
        assert h.low <= 0.005 <= h.high, h
