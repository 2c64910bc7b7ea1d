"""Strategy names and params are checked when the profile loads, one line naming the file and key, exit 2,
before anything starts (operator report: ``show-config`` said rc 0 and ``run --sim`` started the simulator,
Chromium and the socket before failing without naming the file)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.exitcodes import EXIT_OK, EXIT_USAGE

USER_STRATEGY = """
from bot.engine.strategy import Strategy
from bot.engine.params import IntParam


class Mine(Strategy):
    name = "mine"
    interface_version = 2
    gap = IntParam(3, min=1, max=10, help="ticks")

    def propose(self, ctx):
        return None
"""


@pytest.fixture
def env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(clean_env / "var"))
    return clean_env


@pytest.mark.parametrize(
    "command", ["show-config", "run --sim", "simulate --games 50", "probe http://127.0.0.1:9"]
)
@pytest.mark.parametrize(
    ("strategy", "key", "problem"),
    [
        ('name = "fixed"\nparams = { stake_sol = -0.03 }', "engine.strategies.0.params", "-0.03 is below"),
        (
            'name = "fixed"\nparams = { bogus = 1 }',
            "engine.strategies.0.params",
            "unknown parameter(s) ['bogus']",
        ),
        ('name = "nosuch"', "engine.strategies.0.name", "no strategy 'nosuch'"),
    ],
    ids=["negative", "unknown-param", "unknown-name"],
)
def test_a_bad_strategy_is_refused_at_load(
    env: Path, command: str, strategy: str, key: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prof = env / "neg.toml"
    prof.write_text(f"[[engine.strategies]]\n{strategy}\n")
    started = time.monotonic()
    assert main([*command.split(), "--profile", str(prof)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"rugsbot {command.split()[0]}: {prof}: {key}: ")
    assert problem in err
    assert time.monotonic() - started < 5  # nothing (simulator, Chromium) was started
    assert not (env / "var" / "rugsbot.db").exists()


def test_a_user_strategy_from_the_strategies_dir_loads(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "strategies").mkdir()
    (env / "strategies" / "mine.py").write_text(USER_STRATEGY)
    prof = env / "mine.toml"
    prof.write_text('[[engine.strategies]]\nname = "mine"\nparams = { gap = 5 }\n')
    assert main(["show-config", "--profile", str(prof)]) == EXIT_OK
    prof.write_text('[[engine.strategies]]\nname = "mine"\nparams = { gap = 50 }\n')
    assert main(["show-config", "--profile", str(prof)]) == EXIT_USAGE
    assert "engine.strategies.0.params: mine.gap: 50 is above the maximum 10" in capsys.readouterr().err
