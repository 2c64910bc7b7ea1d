"""The CLI: every documented subcommand exists, has --help, and the console script runs."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

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


# ---------------------------------------------------------------- the error boundary (issue 13)


def _raising(exc: BaseException):  # type: ignore[no-untyped-def]
    """A command whose run raises ``exc``: stands in for a bug, which no real input should reach."""

    def run(_args: object) -> int:
        raise exc

    return run


def test_an_internal_error_is_one_line_naming_it_and_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.commands.status as status

    monkeypatch.setattr(status, "run", _raising(RuntimeError("boom\nsecond line of the message")))
    assert main(["status"]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("rugsbot status: internal error (RuntimeError: boom second line of the message)")
    assert "--debug" in err


@pytest.mark.parametrize("argv", [["--debug", "status"], ["status", "--debug"]], ids=["before", "after"])
def test_debug_prints_the_traceback(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.commands.status as status

    monkeypatch.setattr(status, "run", _raising(RuntimeError("boom")))
    assert main(argv) == 4
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "raise exc" in err
    last = err.strip().splitlines()[-1]
    assert last == "rugsbot status: internal error (RuntimeError: boom)"  # the hint is moot with --debug


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (KeyboardInterrupt(), 130, "rugsbot status: interrupted"),
        (
            OSError(28, "No space left on device", "/var/x"),
            4,
            "rugsbot status: No space left on device (/var/x)",
        ),
        (MemoryError(), 4, "rugsbot status: out of memory; ask for less (fewer games, points or jobs)"),
    ],
    ids=["interrupt", "disk full", "memory"],
)
def test_exceptions_that_are_not_ours_map_to_the_table(
    exc: BaseException,
    code: int,
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import bot.commands.status as status

    monkeypatch.setattr(status, "run", _raising(exc))
    assert main(["status"]) == code
    assert capsys.readouterr().err == line + "\n"


def test_typed_errors_carry_their_exit_code_and_hint() -> None:
    from bot.app.lock import DataDirInUse
    from bot.browser.errors import BrowserNotFound, HaltRequired
    from bot.config import ConfigError
    from bot.engine.params import StrategyError
    from bot.errors import NothingToCheck, describe
    from bot.store.errors import StoreError

    cases = [
        (ConfigError("p.toml", "guards.x", "bad"), 2, "p.toml: guards.x: bad"),
        (StrategyError("fixed.every: 0 is below the minimum 1"), 2, "fixed.every: 0 is below the minimum 1"),
        (NothingToCheck("empty", hint="give a recording"), 1, "empty; give a recording"),
        (HaltRequired("signing request"), 3, "signing request"),
        (BrowserNotFound(["chromium"]), 4, "no Chromium/Chrome found"),
        (StoreError("schema version 9 is newer"), 4, "schema version 9 is newer"),
        (DataDirInUse(Path("/d"), "pid 1"), 4, "data directory /d is in use"),
    ]
    for exc, code, start in cases:
        got, line = describe(exc)
        assert got == code and line.startswith(start), (exc, got, line)
        assert "\n" not in line
