"""Built-in strategies, table-driven: snapshot in → proposal (stake, reason words) or none (reason words)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.strategy import (
    BUILTIN_STRATEGIES_DIR,
    Param,
    StrategyError,
    available_strategies,
    load_strategy,
)

from .helpers import snapshot

SOL = 1_000_000_000

# (strategy, params, snapshot kwargs, expected stake in lamports or None, words in the reason)
CASES = [
    ("ev_threshold", {}, {}, None, "< threshold"),
    ("ev_threshold", {"threshold": -0.5}, {}, SOL // 1000, "≥ threshold"),
    (
        "ev_threshold",
        {"threshold": 0.0, "stake_sol": 0.002},
        {"ev_low": 0.01},
        2 * SOL // 1000,
        "≥ threshold",
    ),
    ("fixed", {}, {"tick": 0}, SOL // 1000, "slot 1/1"),
    ("fixed", {"start_tick": 100}, {"tick": 50}, None, "< slot tick 100"),
    ("fixed", {"start_tick": 100}, {"tick": 99}, SOL // 1000, "landing tick 100 ≥ 100"),
    ("fixed", {"max_bets_per_game": 1}, {"tick": 60, "staked_game_sol": 0.001}, None, "max_bets_per_game 1"),
    ("fixed", {"max_bets_per_game": 3}, {"tick": 30, "staked_game_sol": 0.001}, None, "< slot tick 40"),
    ("fixed", {"max_bets_per_game": 3}, {"tick": 39, "staked_game_sol": 0.001}, SOL // 1000, "slot 2/3"),
    ("kelly", {}, {}, None, "Kelly is 0"),
    ("kelly", {}, {"kelly": 0.05, "ev": 0.2}, 10_000_000, "Kelly 5.000%"),  # ¼ × 5 % = 1.25 %, capped at 1 %
    ("kelly", {"max_fraction": 0.5}, {"kelly": 0.04, "ev": 0.1}, 10_000_000, "→ 1.000% of bankroll"),
    (
        "kelly",
        {"max_fraction": 0.5},
        {"kelly": 0.004, "ev": 0.02, "bankroll_sol": 0.5},
        0,
        "below the 0.001 SOL minimum",
    ),
    ("martingale", {}, {}, SOL // 1000, "step 0/4"),
    ("martingale", {"start_tick": 10}, {"tick": 3}, None, "< start_tick 10"),
    ("late_game", {}, {"tick": 150}, None, "tick 150 < min_tick 200"),
    ("late_game", {}, {"tick": 250}, SOL // 1000, "same as at any tick"),
    ("late_game", {}, {"tick": 250, "staked_game_sol": 0.001}, None, "already 1 bet"),
]


@pytest.mark.parametrize(("name", "params", "snap", "stake", "words"), CASES)
def test_builtin_scenarios(
    name: str, params: dict[str, object], snap: dict[str, object], stake: int | None, words: str
) -> None:
    strat = load_strategy(name, params)
    s = snapshot(**snap)  # type: ignore[arg-type]
    prop = strat.propose(s)
    if stake is None or stake == 0:
        assert prop is None
        assert words in strat.why
    else:
        assert prop is not None, strat.why
        assert prop.amount_lamports == stake
        assert prop.strategy == name
        assert words in prop.reason


def test_kelly_is_capped() -> None:
    strat = load_strategy("kelly", {"fraction": 0.5, "max_fraction": 0.01})
    prop = strat.propose(snapshot(kelly=0.2, ev=0.5, bankroll_sol=2.0))
    assert prop is not None
    assert prop.amount_lamports == int(2 * SOL * 0.01)


def test_martingale_progression_and_cap() -> None:
    strat = load_strategy("martingale", {"base_stake_sol": 0.001, "multiplier": 2.0, "max_steps": 2})
    stakes = []
    for won in (False, False, False, True, False, True):
        prop = strat.propose(snapshot())
        assert prop is not None
        stakes.append(prop.amount_lamports)
        strat.on_result(won, prop.amount_lamports)
    assert stakes == [1_000_000, 2_000_000, 4_000_000, 1_000_000, 1_000_000, 2_000_000]
    assert "MARTINGALE" in strat.warning


def test_builtins_are_all_present() -> None:
    assert {"ev_threshold", "fixed", "kelly", "martingale", "late_game"} <= set(available_strategies())
    assert BUILTIN_STRATEGIES_DIR.is_dir()


# ------------------------------------------------------------------------------------------ params
@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("fixed", {"stake": 1.0}, "unknown parameter(s) ['stake']"),
        ("fixed", {"every": 0}, "below the minimum"),
        ("fixed", {"every": 2.5}, "expected an integer"),
        ("fixed", {"every": True}, "expected an integer"),
        ("fixed", {"stake_sol": "lots"}, "expected a number"),
        ("fixed", {"stake_sol": 100.0}, "above the maximum"),
        ("kelly", {"fraction": float("nan")}, "must be finite"),
        ("nope", {}, "no strategy 'nope'"),
        ("../etc", {}, "plain identifier"),
    ],
)
def test_param_and_name_errors(name: str, params: dict[str, object], message: str) -> None:
    with pytest.raises(StrategyError) as err:
        load_strategy(name, params)
    assert message in str(err.value)


def test_param_coercion_and_sweep() -> None:
    strat = load_strategy("fixed", {"every": 80.0, "stake_sol": 1})
    assert strat.p["every"] == 80 and isinstance(strat.p["every"], int)
    assert strat.p["stake_sol"] == 1.0 and isinstance(strat.p["stake_sol"], float)
    assert Param("int", 5, min=0, max=10).sweep_values(3) == [0, 5, 10]
    assert Param("float", 0.5, min=0.0, max=1.0).sweep_values(5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert Param("bool", False).sweep_values() == [False, True]
    assert Param("str", "a", choices=("a", "b")).sweep_values() == ["a", "b"]
    assert Param("float", 0.5).sweep_values() == [0.5]
    with pytest.raises(StrategyError, match="not one of"):
        Param("str", "c", choices=("a", "b"))
    with pytest.raises(StrategyError, match="param type"):
        Param("list", 1)


# ------------------------------------------------------------------------------------------ loader
GOOD = """
from typing import ClassVar
from bot.engine.strategy import Param, Strategy

class Mine(Strategy):
    name = "mine"
    params: ClassVar[dict[str, Param]] = {"k": Param("int", 1, min=1, max=3)}

    def propose(self, snapshot):
        return self.bet(1_000_000 * self.integer("k"), f"k={self.integer('k')}")
"""

BROKEN = [
    ("syntax", "def oops(:\n", "syntax error at line 1"),
    ("noclass", "X = 1\n", "defines no Strategy subclass"),
    ("boom", "raise RuntimeError('kaput')\n", "failed to import: RuntimeError: kaput"),
    ("misnamed", GOOD.replace("mine", "other"), "must equal the file stem 'misnamed'"),
    ("two", GOOD + GOOD.replace("class Mine", "class Mine2"), "several Strategy subclasses"),
    (
        "nohook",
        "from bot.engine.strategy import Strategy\nclass N(Strategy):\n    name = 'nohook'\n",
        "does not implement propose",
    ),
    (
        "badparams",
        GOOD.replace('Param("int", 1, min=1, max=3)', "3").replace('"mine"', '"badparams"'),
        "must be a dict of Param",
    ),
    (
        "baddefault",
        GOOD.replace('Param("int", 1,', 'Param("int", 9,').replace('"mine"', '"baddefault"'),
        "above the maximum",
    ),
]


@pytest.mark.parametrize(("stem", "source", "message"), BROKEN)
def test_broken_strategy_files_name_file_and_problem(
    tmp_path: Path, stem: str, source: str, message: str
) -> None:
    (tmp_path / f"{stem}.py").write_text(source)
    with pytest.raises(StrategyError) as err:
        load_strategy(stem, {}, tmp_path)
    assert message in str(err.value)
    assert f"{stem}.py" in str(err.value)


def test_user_strategy_loads_and_validates(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(GOOD)
    strat = load_strategy("mine", {"k": 2}, tmp_path)
    prop = strat.propose(snapshot())
    assert prop is not None and prop.amount_lamports == 2_000_000 and prop.strategy == "mine"
    with pytest.raises(StrategyError, match=r"mine\.k: 4 is above the maximum"):
        load_strategy("mine", {"k": 4}, tmp_path)
    assert "mine" in available_strategies(tmp_path)
    # built-ins stay reachable next to a user dir
    assert load_strategy("fixed", {}, tmp_path).name == "fixed"


def test_readme_example_strategy_loads_and_runs(tmp_path: Path) -> None:
    import re

    readme = (BUILTIN_STRATEGIES_DIR / "README.md").read_text()
    code = re.search(r"## Anatomy\n\n```python\n(.*?)```", readme, re.S)
    assert code is not None
    (tmp_path / "every_other_game.py").write_text(code.group(1))
    strat = load_strategy("every_other_game", {"tick": 5}, tmp_path)
    prop = strat.propose(snapshot(100))
    assert prop is not None and "landing 101" in prop.reason
