"""Strategy API v2 and the built-ins, table-driven: snapshot in → SideBet (stake, reason words) or Skip(reason)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

import bot
from bot.cli import main
from bot.config.profile import load_profile
from bot.config.sections import EngineConfig, StrategySpec
from bot.engine.ranking import Decider
from bot.engine.strategy import (
    BUILTIN_STRATEGIES_DIR,
    INTERFACE_VERSION,
    BoolParam,
    FloatParam,
    IntParam,
    Settled,
    SideBet,
    Skip,
    Strategy,
    StrategyError,
    StrParam,
    available_strategies,
    make_strategy,
    strategy_class,
)
from bot.strategies.fixed import Fixed

from .helpers import snapshot

SOL = 1_000_000_000
REPO = Path(__file__).resolve().parents[2]

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
    strat = make_strategy(name, params)
    s = snapshot(**snap)  # type: ignore[arg-type]
    prop = strat.propose(s)
    if stake is None or stake == 0:
        assert isinstance(prop, Skip)
        assert words in prop.reason
    else:
        assert isinstance(prop, SideBet), prop
        assert prop.amount_lamports == stake
        assert prop.strategy == name
        assert words in prop.reason


def test_kelly_is_capped() -> None:
    strat = make_strategy("kelly", {"fraction": 0.5, "max_fraction": 0.01})
    prop = strat.propose(snapshot(kelly=0.2, ev=0.5, bankroll_sol=2.0))
    assert isinstance(prop, SideBet)
    assert prop.amount_lamports == int(2 * SOL * 0.01)


def test_martingale_progression_and_cap() -> None:
    strat = make_strategy("martingale", {"base_stake_sol": 0.001, "multiplier": 2.0, "max_steps": 2})
    stakes = []
    for i, won in enumerate((False, False, False, True, False, True)):
        prop = strat.propose(snapshot())
        assert isinstance(prop, SideBet)
        stakes.append(prop.amount_lamports)
        strat.on_settled(Settled(won, prop.amount_lamports, 5 * prop.amount_lamports if won else 0, float(i)))
    assert stakes == [1_000_000, 2_000_000, 4_000_000, 1_000_000, 1_000_000, 2_000_000]
    assert "MARTINGALE" in strat.warning


def test_builtins_are_all_present_and_ship_inside_the_package() -> None:
    assert {"ev_threshold", "fixed", "kelly", "martingale", "late_game"} <= set(available_strategies())
    assert BUILTIN_STRATEGIES_DIR.is_dir()
    assert BUILTIN_STRATEGIES_DIR.parent == Path(bot.__file__).resolve().parent
    for name in available_strategies():
        cls = strategy_class(name)
        assert cls.interface_version == INTERFACE_VERSION
        assert all(p.help for p in cls.params.values()), name  # every built-in parameter is documented


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
        make_strategy(name, params)
    assert message in str(err.value)


def test_param_coercion_and_sweep() -> None:
    strat = make_strategy("fixed", {"every": 80.0, "stake_sol": 1})
    assert strat.param_values["every"] == 80 and isinstance(strat.param_values["every"], int)
    assert strat.param_values["stake_sol"] == 1.0 and isinstance(strat.param_values["stake_sol"], float)
    assert IntParam(5, min=0, max=10).sweep_values(3) == [0, 5, 10]
    assert FloatParam(0.5, min=0.0, max=1.0).sweep_values(5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert BoolParam(False).sweep_values() == [False, True]
    assert StrParam("a", choices=("a", "b")).sweep_values() == ["a", "b"]
    assert FloatParam(0.5).sweep_values() == [0.5]
    with pytest.raises(StrategyError, match="not one of"):
        StrParam("c", choices=("a", "b"))
    with pytest.raises(StrategyError, match="expected a number"):
        FloatParam("lots")  # type: ignore[arg-type]


def test_parameters_read_as_typed_read_only_attributes() -> None:
    strat = Fixed({"every": 80.0, "stake_sol": 1})
    assert strat.every == 80 and isinstance(strat.every, int)
    assert strat.stake_sol == 1.0 and isinstance(strat.stake_sol, float)
    with pytest.raises(AttributeError, match="read-only"):
        strat.every = 3  # type: ignore[assignment]
    assert strat.every == 80
    strat.note = "other attributes stay writable"  # type: ignore[attr-defined]
    # the class attribute is the declaration: bounds, unit and help for docs and sweeps
    declared = type(strat).params
    assert list(declared) == ["stake_sol", "start_tick", "every", "max_bets_per_game"]
    assert declared["stake_sol"].describe() == "stake_sol: float = 0.001 SOL [0.001, 10] — stake per bet"


MYPY_PROBE = """
from bot.strategies.fixed import Fixed

s = Fixed()
reveal_type(s.every)
reveal_type(s.stake_sol)
reveal_type(Fixed.every)
wrong: str = s.stake_sol
s.every = 3
"""


def test_mypy_sees_parameter_types(tmp_path: Path) -> None:
    """The point of the descriptors: a parameter has its declared type for mypy, not ``Any`` (~4 s, cold cache)."""
    from mypy import api

    probe = tmp_path / "probe.py"
    probe.write_text(MYPY_PROBE)
    out, _, status = api.run(
        [str(probe), "--config-file", str(REPO / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache")]
    )
    assert status == 1, out
    assert 'probe.py:5: note: Revealed type is "int"' in out, out
    assert 'probe.py:6: note: Revealed type is "float"' in out, out
    assert 'probe.py:7: note: Revealed type is "bot.engine.params.IntParam"' in out, out
    assert 'probe.py:8: error: Incompatible types in assignment (expression has type "float"' in out, out
    assert (
        'probe.py:9: error: Incompatible types in assignment (expression has type "int", variable has type "Never")'
        in out
    ), out


def test_parameters_are_inherited_and_instances_independent() -> None:
    class Base(Strategy):
        stake_sol = FloatParam(0.001, min=0.001, max=1.0, unit="SOL", help="stake")

        def propose(self, snapshot: object) -> Skip:
            return Skip("never")

    class Child(Base):
        tick = IntParam(5, min=0, max=10, unit="tick", help="tick")

    assert list(Child.params) == ["stake_sol", "tick"] and list(Base.params) == ["stake_sol"]
    a, b = Child({"tick": 7}), Child({"stake_sol": 0.5})
    assert (a.tick, a.stake_sol, b.tick, b.stake_sol) == (7, 0.001, 5, 0.5)

    class Forgot(Base):
        def __init__(self) -> None:  # no super().__init__(params): nothing was validated
            pass

    with pytest.raises(AttributeError, match=r"Forgot.__init__ must call super\(\).__init__\(params\)"):
        _ = Forgot().stake_sol
    with pytest.raises(StrategyError, match=r"parameter name\(s\) \['name', 'params'\] are taken"):

        class Clash(Base):
            name = StrParam("x")
            params = IntParam(1)  # type: ignore[assignment]


# ------------------------------------------------------------------------------------------ loader
GOOD = """
from bot.engine.strategy import IntParam, SideBet, Skip, Snapshot, Strategy

class Mine(Strategy):
    name = "mine"
    interface_version = 2
    k = IntParam(1, min=1, max=3, help="multiplier")

    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        return self.bet(1_000_000 * self.k, f"k={self.k}")
"""

# The v1 interface (rugsbot 0.1) as users wrote it; every feature named in the error.
V1 = """
from typing import ClassVar
from bot.engine.strategy import Param, Strategy

class Mine(Strategy):
    name = "old"
    params: ClassVar[dict[str, Param]] = {"k": Param("int", 1, min=1, max=3)}

    def propose(self, snapshot) -> "SideBet | None":
        if self.p["k"] > 2:
            return self.skip("too big")
        return self.bet(1_000_000 * self.integer("k"), f"k={self.num('k')}")

    def on_result(self, won, stake_lamports):
        self.why = ""
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
        GOOD.replace('k = IntParam(1, min=1, max=3, help="multiplier")', "params = {'k': 3}").replace(
            '"mine"', '"badparams"'
        ),
        "params dict → one class attribute per parameter (k = IntParam(1, min=0, max=10))",
    ),
    (
        "baddefault",
        GOOD.replace("IntParam(1,", "IntParam(9,").replace('"mine"', '"baddefault"'),
        "above the maximum",
    ),
    (
        "future",
        GOOD.replace("interface_version = 2", "interface_version = 3").replace('"mine"', '"future"'),
        "declares interface_version = 3; this rugsbot implements 2",
    ),
]


@pytest.mark.parametrize(("stem", "source", "message"), BROKEN)
def test_broken_strategy_files_name_file_and_problem(
    tmp_path: Path, stem: str, source: str, message: str
) -> None:
    (tmp_path / f"{stem}.py").write_text(source)
    with pytest.raises(StrategyError) as err:
        make_strategy(stem, {}, tmp_path)
    assert message in str(err.value)
    assert f"{stem}.py" in str(err.value)
    assert "\n" not in str(err.value)


def test_v1_strategy_gets_one_line_naming_each_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old.py").write_text(V1)
    with pytest.raises(StrategyError) as err:
        make_strategy("old", {"k": 2}, tmp_path)
    text = str(err.value)
    assert "\n" not in text and "old.py" in text and "Mine is written for strategy interface v1" in text
    for change in (
        "params dict → one class attribute per parameter (k = IntParam(1, min=1, max=3))",
        'self.num("k") → self.k',
        'self.integer("k") → self.k',
        'self.p["k"] → self.k',
        "return self.skip(reason) → return Skip(reason)",
        "self.why → the reason inside Skip(reason)",
        "-> SideBet | None → -> SideBet | Skip",
        "on_result(won, stake_lamports) → on_settled(self, settled: Settled)",
        "How to add a strategy",
    ):
        assert change in text, change
    # from the command line it is a usage error: exit 2 and the same single line
    profile = tmp_path / "p.toml"
    profile.write_text('[[engine.strategies]]\nname = "old"\n')
    monkeypatch.setenv("RUGSBOT_STRATEGIES_DIR", str(tmp_path))
    capsys.readouterr()
    assert main(["simulate", "--profile", str(profile), "--games", "10", "--exact"]) == 2
    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if line.strip()]
    assert len(lines) == 1 and "interface v1" in lines[0]


def test_user_strategy_loads_and_validates(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(GOOD)
    strat = make_strategy("mine", {"k": 2}, tmp_path)
    prop = strat.propose(snapshot())
    assert isinstance(prop, SideBet) and prop.amount_lamports == 2_000_000 and prop.strategy == "mine"
    with pytest.raises(StrategyError, match=r"mine\.k: 4 is above the maximum"):
        make_strategy("mine", {"k": 4}, tmp_path)
    assert "mine" in available_strategies(tmp_path)
    # built-ins stay reachable next to a user dir
    assert make_strategy("fixed", {}, tmp_path).name == "fixed"


def test_user_folder_is_searched_before_the_builtins(tmp_path: Path) -> None:
    (tmp_path / "fixed.py").write_text(GOOD.replace('"mine"', '"fixed"'))
    assert make_strategy("fixed", {"k": 3}, tmp_path).param_values == {"k": 3}
    assert "k" not in make_strategy("fixed", {}).param_values  # without the user dir: the built-in


# ------------------------------------------------------------------------------------------ the Decider
BARE_NONE = """
from bot.engine.strategy import Strategy

class Silent(Strategy):
    name = "silent"

    def propose(self, snapshot):
        return None
"""


def test_decider_reports_skip_reasons_and_rejects_a_bare_none(tmp_path: Path) -> None:
    (tmp_path / "silent.py").write_text(BARE_NONE)
    specs = [StrategySpec(name="ev_threshold"), StrategySpec(name="silent")]
    dec = Decider(EngineConfig(strategies=specs), tmp_path).decide(snapshot())
    assert dec.proposal is None
    assert "no bet: ev_threshold: EV low end" in dec.reason
    assert "silent: propose() returned None, not a SideBet or Skip(reason)" in dec.reason


class _Recorder(Strategy):
    name = "recorder"

    def __init__(self) -> None:
        super().__init__()
        self.settled: list[Settled] = []

    def propose(self, snapshot: object) -> Skip:
        return Skip("records only")

    def on_settled(self, settled: Settled) -> None:
        self.settled.append(settled)


def test_decider_on_settled_delivers_one_settled_value() -> None:
    d = Decider(EngineConfig(strategies=[]))
    rec = _Recorder()
    d.strategies.append((rec, 1.0))
    d.on_settled(True, 2_000_000, 12.5, strategy="recorder")
    d.on_settled(False, 3_000_000, 13.0, strategy="recorder")
    d.on_settled(True, 1_000_000, 14.0, strategy="recorder", payout_lamports=4_000_000)  # e.g. a fee taken
    d.on_settled(True, 1_000_000, 15.0, strategy="someone-else")
    assert rec.settled == [
        Settled(True, 2_000_000, 10_000_000, 12.5),
        Settled(False, 3_000_000, 0, 13.0),
        Settled(True, 1_000_000, 4_000_000, 14.0),
    ]


# ------------------------------------------------------------------------------------------ the guide
GUIDE = REPO / "docs" / "CONTRIBUTING.md"


def _block(pattern: str) -> str:
    found = re.search(r"## How to add a strategy.*?" + pattern, GUIDE.read_text(), re.S)
    assert found is not None, pattern
    return found.group(1)


def test_contributing_example_is_the_shipped_example_and_runs(tmp_path: Path) -> None:
    """docs/CONTRIBUTING.md's worked example is strategies/every_other_game.py, and it loads and bets."""
    code = _block(r"```python\n# strategies/every_other_game.py\n(.*?)```")
    assert code == (REPO / "strategies" / "every_other_game.py").read_text()
    (tmp_path / "every_other_game.py").write_text(code)
    strat = make_strategy("every_other_game", {"tick": 5}, tmp_path)
    prop = strat.propose(snapshot(100))
    assert isinstance(prop, SideBet) and "landing 101" in prop.reason


def test_contributing_profile_and_test_are_the_repository_ones() -> None:
    profile_text = _block(r"```toml\n(# The worked example.*?)```")
    assert profile_text == (REPO / "profiles" / "every_other.toml").read_text()
    profile = load_profile("every_other", REPO / "profiles")
    decider = Decider(profile.engine, REPO / "strategies")
    assert [s.name for s, _ in decider.strategies] == ["every_other_game"]
    test_text = _block(r"```python\nfrom dataclasses import replace.*?\n\n\n(@pytest.mark.parametrize.*?)```")
    assert test_text in Path(__file__).read_text()


@pytest.mark.parametrize(
    ("game_id", "tick", "staked_sol", "expected"),
    [
        ("20251207-aaaa", 100, 0.0, "even game, landing 101"),  # id ends in a: even
        ("20251207-aaab", 100, 0.0, "odd game"),
        ("20251207-aaaa", 100, 0.001, "already bet this game"),
        ("20251207-aaaa", 5, 0.0, "landing 6 < 20"),
    ],
)
def test_every_other_game(game_id: str, tick: int, staked_sol: float, expected: str) -> None:
    strat = make_strategy("every_other_game", {"tick": 20}, REPO / "strategies")
    snap = snapshot(tick, staked_game_sol=staked_sol)
    out = strat.propose(replace(snap, game=replace(snap.game, game_id=game_id)))
    assert isinstance(out, SideBet if expected.startswith("even") else Skip)
    assert expected in out.reason
