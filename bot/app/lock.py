"""One bot per data directory: an exclusive ``fcntl`` lock on ``<data_dir>/rugsbot.run.lock``.

Why: the data directory holds the database (sessions, the write-ahead bet rows, halts), the logs and the
failure evidence. Two runs on one database would each open a session, book each other's bets as "left open
by an earlier process" and reconcile them from the wrong account (issue 11, item 7). The browser profile's
lock (bot/browser/launch.py) does not cover this: a run without a wallet password uses a throw-away profile.
The lock is taken before anything is written, so a refused run leaves no session row, no recording and no
log line behind; the OS releases it when the process dies, even by SIGKILL.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from bot.browser.launch import ProfileLock
from bot.errors import LockHeld


class DataDirInUse(LockHeld):
    """Another process runs a bot on this data directory (an environment problem: exit 4)."""

    def __init__(self, directory: Path, holder: str = "") -> None:
        self.directory = directory
        self.holder = holder
        who = f" ({holder})" if holder else ""
        super().__init__(
            f"data directory {directory} is in use by another rugsbot run{who}: one bot per database. "
            "Stop the other bot or set RUGSBOT_DATA_DIR to another directory."
        )


class DataDirLock(ProfileLock):
    """The browser profile's lock mechanism on the data directory; ``acquire`` raises :class:`DataDirInUse`
    (creating the directory if needed: the lock file is the only thing a refused run may create)."""

    lock_name: ClassVar[str] = "rugsbot.run.lock"

    def in_use(self, holder: str) -> Exception:
        return DataDirInUse(self.directory, holder)
