"""A bad ``RUGSBOT_LOG_LEVEL`` is one usage error naming the variable, for every command (operator report:
``run`` said "internal error (ValueError: Level 'LOUD' does not exist)", rc 4, while others accepted it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.exitcodes import EXIT_OK, EXIT_USAGE


@pytest.fixture
def env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(clean_env / "var"))
    return clean_env


@pytest.mark.parametrize(
    "argv",
    [["show-config"], ["doctor"], ["simulate", "--games", "100"], ["run", "--sim"], ["status"], ["schedule"]],
    ids=lambda a: a[0],
)
def test_every_command_refuses_a_bad_level(
    argv: list[str], env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUGSBOT_LOG_LEVEL", "LOUD")
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "RUGSBOT_LOG_LEVEL" in lines[0] and "'LOUD' is not a log level" in lines[0]
    assert "internal error" not in err and not (env / "var" / "rugsbot.db").exists()


@pytest.mark.parametrize(
    ("given", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING"), ("TRACE", "TRACE")]
)
def test_known_levels_in_any_case_are_accepted(
    given: str, level: str, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUGSBOT_LOG_LEVEL", given)
    assert Settings(_env_file=None).log_level == level  # type: ignore[call-arg]
    assert main(["show-config"]) == EXIT_OK
