"""``rugsbot simulate`` end to end: the honest odds come out, with their intervals, reproducibly."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.optimize.metrics import P_WIN_THEORY

EV_THEORY = 5 * P_WIN_THEORY - 1


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["simulate", "--json", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def test_fixed_100k_games_shows_the_house_edge(capsys: pytest.CaptureFixture[str]) -> None:
    t0 = time.perf_counter()
    r = simulate(
        capsys, "--strategy", "fixed", "--param", "max_bets_per_game=200", "--games", "100000", "--seed", "1"
    )
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, f"100k games took {elapsed:.1f}s"
    assert r["games"] == 100_000 and r["bets"] > 400_000
    assert r["cp_low"] <= P_WIN_THEORY <= r["cp_high"] and r["theory_in_interval"]
    assert r["cp_high"] < 0.20 and not r["above_break_even"]
    assert r["ev_low"] <= EV_THEORY <= r["ev_high"]
    assert -0.11 < r["ev_per_bet"] < -0.07
    assert r["baseline"]["p_value"] > 0.05


def test_late_game_has_no_edge_over_random_entry(capsys: pytest.CaptureFixture[str]) -> None:
    r = simulate(
        capsys, "--strategy", "late_game", "--param", "min_tick=250", "--games", "100000", "--seed", "2"
    )
    assert r["bets"] > 10_000
    assert r["baseline"]["p_value"] > 0.05
    assert r["theory_in_interval"]


def test_seeded_runs_reproduce_and_jobs_do_not_change_results(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--strategy", "fixed", "--param", "max_bets_per_game=5", "--games", "45000", "--no-baseline")
    a = simulate(capsys, *args, "--seed", "5")
    b = simulate(capsys, *args, "--seed", "5", "--jobs", "2")
    c = simulate(capsys, *args, "--seed", "6")
    keys = ("bets", "wins", "profit_lamports", "max_losing_streak", "max_drawdown_lamports")
    assert [a[k] for k in keys] == [b[k] for k in keys]
    assert [a[k] for k in keys] != [c[k] for k in keys]


@pytest.mark.parametrize(
    ("extra", "check"),
    [
        (("--enforce-guards",), lambda r: len(r["guard_trips"]) == 1 and r["bets"] < 2000),
        ((), lambda r: len(r["guard_trips"]) >= 1 and r["bets"] > 20_000),
        (("--latency", "1.0"), lambda r: r["meta"]["lag_ticks"] == 4),
        (("--param", "stake_sol=0.05"), lambda r: r["bets"] == 0),  # above max_stake_per_bet: refused
    ],
)
def test_guards_and_options(capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], check: Any) -> None:
    r = simulate(
        capsys,
        "--strategy",
        "fixed",
        "--param",
        "max_bets_per_game=20",
        "--games",
        "5000",
        "--no-baseline",
        *extra,
    )
    assert check(r), r


def test_out_file_and_text_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "sim.json"
    assert main(["simulate", "--strategy", "fixed", "--games", "2000", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "win rate" in text and "verdict" in text
    data = json.loads(out.read_text())
    assert data["series"]["equity"] and data["meta"]["command"] == "simulate"


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--games", "0", "--strategy", "fixed"]) == 2
    assert main(["simulate", "--strategy", "fixed", "--param", "oops"]) == 2


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("fixed", {}),
        ("fixed", {"max_bets_per_game": 200}),
        ("fixed", {"start_tick": 30, "every": 70, "max_bets_per_game": 3}),
        ("late_game", {"min_tick": 120, "max_bets_per_game": 2}),
    ],
)
def test_vector_path_equals_the_real_strategy_objects(name: str, params: dict[str, Any]) -> None:
    """The fast path is only allowed because it places exactly the bets the real strategy would."""
    import numpy as np

    from bot.engine.strategy import load_strategy
    from bot.optimize import fastsim
    from bot.optimize.montecarlo import entry_rule_for, stake_filter

    games = fastsim.priced_games(np.random.default_rng(21), 400)
    cap, game_cap = 10_000_000, 20_000_000
    rule = entry_rule_for(
        name, params, lag_ticks=1, stake_cap=cap, game_cap=game_cap, strategies_dir=Path("strategies")
    )
    assert rule is not None
    fast = fastsim.run_entry_rule(rule, games.final, lag_ticks=1)
    slow = fastsim.run_strategy(
        load_strategy(name, params, Path("strategies")),
        games,
        lag_ticks=1,
        starting_bankroll=10**15,
        stake_filter=stake_filter(cap, game_cap),
    )
    assert len(fast) == len(slow) > 20
    for col in ("game", "decided_tick", "start_tick", "won", "stake"):
        assert np.array_equal(getattr(fast, col), getattr(slow, col)), col


def test_unknown_strategy_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--strategy", "no_such_rule", "--games", "10"]) == 2


def test_full_session_on_generated_games_places_the_fast_path_bets(tmp_path: Path) -> None:
    """The strongest check of fastsim's semantics: the real session (tracker, model, ranker, governor, paper
    broker, SQLite) fed the same games as frames settles exactly the bets the vectorised runner computed."""
    import numpy as np

    from bot.config import Profile
    from bot.config.sections import GuardsConfig
    from bot.optimize import fastsim
    from bot.optimize.backtest import engine_for, run_backtest
    from bot.optimize.montecarlo import entry_rule_for

    games = fastsim.priced_games(np.random.default_rng(4), 40)
    base = Profile()
    engine = engine_for(base, "fixed", {"max_bets_per_game": 20}).model_copy(update={"adaptive": False})
    loose = GuardsConfig(
        session_loss_limit_sol=None,
        daily_loss_limit_sol=None,
        max_consecutive_losses=None,
        max_drawdown_pct=None,
        max_bets_per_hour=None,
        loss_streak_cooldown=None,
    )
    profile = base.model_copy(update={"engine": engine, "guards": loose})
    res = run_backtest(
        fastsim.session_frames(games),
        profile,
        db_path=tmp_path / "s.db",
        strategies_dir=Path("strategies"),
        latency_s=0.22,
    )
    rule = entry_rule_for(
        "fixed",
        {"max_bets_per_game": 20},
        lag_ticks=1,
        stake_cap=10_000_000,
        game_cap=20_000_000,
        strategies_dir=Path("strategies"),
    )
    assert rule is not None
    log = fastsim.run_entry_rule(rule, games.final, lag_ticks=1)
    fast = [(int(g), int(s), bool(w)) for g, s, w in zip(log.game, log.start_tick, log.won, strict=True)]
    slow = [(int(b.game.split("-")[1], 16), b.start_tick, b.status == "won") for b in res.settled()]
    assert res.games == 40 and len(slow) > 100
    assert slow == fast


def test_session_mode_enforces_the_real_guards(capsys: pytest.CaptureFixture[str]) -> None:
    r = simulate(
        capsys,
        "--strategy",
        "fixed",
        "--param",
        "max_bets_per_game=20",
        "--games",
        "60",
        "--session",
        "--seed",
        "4",
        "--no-baseline",
    )
    assert r["meta"]["mode"] == "session"
    assert any(t.startswith("max_consecutive_losses: halt") for t in r["guard_trips"])
    assert any("halt" in reason for reason in r["meta"]["no_bet_reasons"])  # nothing bet after the halt


def test_object_runner_shards_give_the_same_result() -> None:
    """Chunks of 400 games on 2 processes: same bets as on one process, so --jobs never changes a result."""
    import numpy as np

    from bot.optimize.montecarlo import SimPlan
    from bot.optimize.montecarlo import simulate as run_plan

    plan = SimPlan(
        strategy="fixed",
        params={"max_bets_per_game": 20},
        games=1200,
        seed=9,
        exact=True,
        chunk_games=400,
        starting_bankroll=10**15,
        strategies_dir=Path("strategies"),
    )
    one = run_plan(plan)
    two = run_plan(SimPlan(**{**{f: getattr(plan, f) for f in plan.__slots__}, "jobs": 2}))  # type: ignore[arg-type]
    assert len(one) > 1000 and one.games == 1200
    for col in ("game", "start_tick", "won", "stake"):
        assert np.array_equal(getattr(one, col), getattr(two, col)), col


def test_the_honest_ev_rule_never_bets_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    r = simulate(capsys, "--strategy", "ev_threshold", "--games", "300", "--no-baseline")
    assert r["bets"] == 0
    reasons = r["meta"]["no_bet_reasons"]
    assert sum(reasons.values()) > 300 * 50 and any("EV" in k for k in reasons)
