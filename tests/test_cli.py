"""The CLI: every documented subcommand exists, has --help, and the console script runs."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from bot.cli import COMMANDS, main


@pytest.mark.parametrize(("name", "module"), [(c[0], c[1]) for c in COMMANDS])
def test_every_command_has_help(name: str, module: str, capsys: pytest.CaptureFixture[str]) -> None:
    mod = importlib.import_module(f"bot.commands.{module}")
    assert callable(mod.add_arguments) and callable(mod.run)
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: rugsbot " + name)


def test_no_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2


def test_console_script_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("rugsbot ")
