"""Sweeps: grid expansion, ranking, recordings, and a local Dask cluster that ranks exactly as one process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.commands.cliargs import parse_value
from bot.optimize.sweep import SweepError, declared_grid, expand, parse_grid
from tests.optimize.helpers import PROFILES


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["min_tick=0,100"], {"min_tick": [0, 100]}),
        (["stake_sol=0.001,0.002", "flag=true,false"], {"stake_sol": [0.001, 0.002], "flag": [True, False]}),
    ],
)
def test_parse_grid(items: list[str], expected: dict[str, list[Any]]) -> None:
    assert parse_grid(items, parse_value) == expected


@pytest.mark.parametrize("bad", ["min_tick", "=1,2", "min_tick="])
def test_parse_grid_rejects(bad: str) -> None:
    with pytest.raises(SweepError):
        parse_grid([bad], parse_value)


def test_expand_covers_the_grid() -> None:
    points = expand({"a": [1, 2, 3], "b": [True, False]}, {"c": 9, "a": 0})
    assert len(points) == 6 and all(p["c"] == 9 for p in points)
    assert {(p["a"], p["b"]) for p in points} == {(a, b) for a in (1, 2, 3) for b in (True, False)}
    assert len({str(p) for p in points}) == 6


def test_declared_grid_comes_from_the_strategy_params() -> None:
    grid = declared_grid("late_game", Path("strategies"), 3)
    assert set(grid) == {"min_tick", "stake_sol", "max_bets_per_game"}
    assert grid["min_tick"] == [0, 2500, 5000]


def _sweep(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["sweep", "--json", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def test_sweep_on_simulated_games_is_ranked(capsys: pytest.CaptureFixture[str]) -> None:
    d = _sweep(capsys, "--strategy", "late_game", "--grid", "min_tick=0,150,300", "--games", "20000")
    rows = d["rows"]
    assert [r["params"]["min_tick"] for r in rows] != [] and len(rows) == 3
    evs = [r["ev_per_bet"] for r in rows]
    assert evs == sorted(evs, reverse=True)
    assert all(r["cp_low"] < 0.1817 < r["cp_high"] for r in rows)  # no point escapes the house edge


def test_a_local_dask_cluster_ranks_as_one_process(capsys: pytest.CaptureFixture[str]) -> None:
    """Four points on two Dask workers (replacing the old --shard/--merge): the same ranked table."""
    args = [
        "--profile",
        str(PROFILES / "far_limits.toml"),
        "--strategy",
        "fixed",
        "--grid",
        "start_tick=0,50",
        "--grid",
        "max_bets_per_game=1,3",
        "--games",
        "5000",
    ]
    serial = _sweep(capsys, *args)
    on_cluster = _sweep(capsys, *args, "--jobs", "2")
    assert len(serial["rows"]) == 4
    assert on_cluster["rows"] == serial["rows"]
    assert [r["params"] for r in serial["rows"]] != []


def test_sweep_on_recordings(capsys: pytest.CaptureFixture[str], capture_paths: list[Path]) -> None:
    d = _sweep(
        capsys,
        "--strategy",
        "fixed",
        "--grid",
        "max_bets_per_game=1,20",
        "--no-baseline",
        *map(str, capture_paths),
    )
    bets = {r["params"]["max_bets_per_game"]: r["bets"] for r in d["rows"]}
    assert bets[20] > bets[1] >= 1


def test_sweep_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--strategy", "fixed", "--grid", "bad"]) == 2
    assert main(["sweep", "--strategy", "fixed", "--points", "9"]) == 2  # 9^4 points: too many
    assert main(["sweep", "--strategy", "fixed", "--jobs", "0"]) == 2


def test_an_unreachable_scheduler_is_an_environment_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["sweep", "--strategy", "fixed", "--grid", "start_tick=0,5", "--scheduler", "tcp://127.0.0.1:9"]
    )
    out, err = capsys.readouterr()
    assert code == 4 and "Dask scheduler" in err and len(err.splitlines()) == 1 and out.strip() == ""
