"""The errors a command reports, each with its exit code (bot/exitcodes.py), and how any exception becomes one
line on stderr.

A command raises one of these and returns nothing special: the one boundary in bot/cli.py prints
``rugsbot COMMAND: what is wrong; what to do`` and exits with the class's code. Errors detected deep inside a
subsystem keep their own names and live next to the code that detects them, as subclasses of these:
``ConfigError`` and ``StrategyError`` (bot/config, bot/engine) are usage errors, ``BrowserEnvironmentError``
(bot/browser) a browser problem, ``HaltRequired`` (bot/browser) a halt, ``StoreError`` (bot/store) a database
problem, ``DataDirInUse`` (bot/app/lock.py) a held lock. Exceptions that are not ours are classified by
:func:`describe`: ``sqlite3.Error`` is a database problem, ``OSError`` an environment problem, anything else an
internal error (a bug), reported as exit 4 because the documented table has no other code for it and 4 already
means "the command could not do its job; nothing about the inputs or the money was decided".
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from bot.exitcodes import (
    EXIT_CHECK_FAILED,
    EXIT_ENVIRONMENT,
    EXIT_HALTED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
)
from bot.shorten import shorten

DEBUG_HINT = "run with --debug for the traceback"


class RugsbotError(Exception):
    """A failure the operator can act on. ``str(exc)`` says what is wrong; ``hint`` what to do (may be "")."""

    exit_code: ClassVar[int] = EXIT_ENVIRONMENT
    hint: str = ""  # a class default too: subclasses that bypass __init__ (StrategyError) still have one

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class UsageError(RugsbotError):
    """A bad argument, value or profile: fix the command line or the configuration (exit 2)."""

    exit_code = EXIT_USAGE


class CheckFailed(RugsbotError):
    """A check ran and did not pass (exit 1)."""

    exit_code = EXIT_CHECK_FAILED


class NothingToCheck(CheckFailed):
    """A check found nothing to check (an empty file, a folder without recordings): never an OK (exit 1)."""


class Halted(RugsbotError):
    """Refused or stopped because the bot is halted; ``rugsbot resume`` clears it (exit 3)."""

    exit_code = EXIT_HALTED


class EnvironmentProblem(RugsbotError):
    """The machine or the network is not as the command needs it; retrying after fixing that helps (exit 4)."""

    exit_code = EXIT_ENVIRONMENT


class BrowserProblem(EnvironmentProblem):
    """Chromium, the wallet extension or the browser profile."""


class NetworkProblem(EnvironmentProblem):
    """The site cannot be reached (DNS, refused, timed out, offline): transient, never a halt."""


class LockHeld(EnvironmentProblem):
    """Another process holds a lock this command needs (the data directory, a browser profile)."""


class DiskProblem(EnvironmentProblem):
    """A file or folder cannot be read or written (permissions, full disk, read-only file system)."""


class DatabaseProblem(EnvironmentProblem):
    """The SQLite database cannot be opened, read or written (corrupt, read-only, newer schema)."""


def database_problem(path: object, exc: BaseException) -> DatabaseProblem:
    """``exc`` (an ``sqlite3.Error`` or ``OSError`` on the database at ``path``) as one line naming the file."""
    return DatabaseProblem(
        f"the database {path}: {exc}",
        hint="check the file, its folder's permissions and the free disk space (`rugsbot doctor`)",
    )


def one_line(text: str) -> str:
    """``text`` on a single line (messages from libraries may carry newlines, e.g. Playwright's call log)."""
    return " ".join(text.split())


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one line (without the ``rugsbot COMMAND:`` prefix) for any exception."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted"
    if isinstance(exc, RugsbotError):
        text = one_line(str(exc)) or type(exc).__name__
        hint = one_line(exc.hint)
        return exc.exit_code, f"{text}; {hint}" if hint and hint not in text else text
    if isinstance(exc, sqlite3.Error):
        return EXIT_ENVIRONMENT, f"database error: {one_line(str(exc))}; `rugsbot doctor` checks the database"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return EXIT_ENVIRONMENT, f"{one_line(exc.strerror or str(exc))}{where}"
    if isinstance(exc, MemoryError):
        return EXIT_ENVIRONMENT, "out of memory; ask for less (fewer games, points or jobs)"
    first = shorten(one_line(str(exc)), 200)
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return EXIT_ENVIRONMENT, f"internal error ({what}); {DEBUG_HINT}"
