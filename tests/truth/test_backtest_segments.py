"""A backtest over several recordings takes each as a fresh start (issue 13): the days between two captures
are no feed silence, and the first file's game state does not run on into the second. Real captures."""

from __future__ import annotations

from pathlib import Path

from bot.config import Profile
from bot.optimize.backtest import BacktestResult, engine_for, frames_of, run_backtest

STRATEGIES = Path("strategies")


def _backtest(paths: list[Path], db: Path) -> BacktestResult:
    p = Profile()
    prof = p.model_copy(update={"engine": engine_for(p, "fixed", {"max_bets_per_game": 20})})
    return run_backtest(frames_of(paths), prof, db_path=db, strategies_dir=STRATEGIES, latency_s=0.22)


def test_the_gap_between_two_captures_is_not_feed_silence(capture_paths: list[Path], tmp_path: Path) -> None:
    assert len(capture_paths) == 2
    both = _backtest(capture_paths, tmp_path / "both.db")
    silent = [t for t in both.guard_trips if "feed silent for" in t]
    assert not silent, silent  # the captures are 2.5 days apart: 217252.8 s of "silence" before the fix
    alone = [_backtest([p], tmp_path / f"{i}.db") for i, p in enumerate(capture_paths)]
    assert all(not any("feed silent for" in t for t in r.guard_trips) for r in alone)
    # each file is a fresh start: the games and ticks add up to the files' own
    assert both.games == sum(r.games for r in alone)
    assert both.ticks == sum(r.ticks for r in alone)
    assert sorted(both.rug_ticks) == sorted(t for r in alone for t in r.rug_ticks)
