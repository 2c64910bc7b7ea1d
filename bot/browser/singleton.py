"""Chromium's own profile lock: the ``Singleton*`` files in its user-data directory, read and swept.

Chromium marks a user-data directory as in use with three symlinks (chrome/browser/process_singleton_posix.cc):
``SingletonLock → <host>-<pid>``, ``SingletonSocket`` (a socket in a temp dir) and ``SingletonCookie``. A browser
that died without cleaning up leaves them behind. On the same host Chromium checks the pid and takes over; a lock
naming *another* host makes it refuse to start (exit 21, "The profile appears to be in use by another Chromium
process (4242) on another computer (otherbox)"), which Playwright reports as an unexplained TargetClosedError.
That happens when a container restarts with its profile volume, or when a profile set up by ``rugsbot login`` on
a desktop is copied to a server.

Sweeping is safe only because rugsbot holds its own exclusive lock on the profile first (bot/browser/launch.py,
``ProfileLock``): no other rugsbot can be using it, so a lock naming another host is stale. A Chromium that the
operator opened by hand on this host is still detected (its pid is alive) and refused, never swept.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from bot.browser.errors import BrowserEnvironmentError
from bot.browser.processes import pid_running

SINGLETON_FILES = ("SingletonLock", "SingletonSocket", "SingletonCookie")
CHROMIUM_SUBDIR = "chromium"  # the profile directory holds rugsbot.lock; Chromium's user-data dir is below it


def user_data_dir(profile_dir: Path) -> Path:
    """Chromium's user-data directory inside a rugsbot browser profile directory."""
    return Path(profile_dir) / CHROMIUM_SUBDIR


@dataclass(frozen=True, slots=True)
class SingletonHolder:
    """Who the lock files say holds the profile. ``host``/``pid`` come from the ``SingletonLock`` symlink
    (``None`` when only the other two files are left, or the link does not have the ``host-pid`` form)."""

    directory: Path
    host: str | None
    pid: int | None
    files: tuple[str, ...]

    @property
    def on_this_host(self) -> bool:
        return self.host is not None and self.host == socket.gethostname()

    @property
    def running_here(self) -> bool:
        """A live process on this host holds it (a Chromium opened by hand): never sweep that."""
        return self.on_this_host and self.pid is not None and pid_running(self.pid)

    def describe(self) -> str:
        who = f"pid {self.pid if self.pid is not None else '?'} on host {self.host or '?'}"
        where = "this host" if self.on_this_host else "another host"
        return f"Chromium lock files {', '.join(self.files)} in {self.directory}: left by {who} ({where})"


def read_singleton(directory: Path) -> SingletonHolder | None:
    """The lock files in Chromium's user-data ``directory``, or ``None`` when there are none. Reads only."""
    present = tuple(n for n in SINGLETON_FILES if (directory / n).is_symlink() or (directory / n).exists())
    if not present:
        return None
    host: str | None = None
    pid: int | None = None
    lock = directory / "SingletonLock"
    if lock.is_symlink():
        target = os.readlink(lock)
        name, sep, number = target.rpartition("-")  # a host name may itself contain "-"
        if sep and number.isdigit():
            host, pid = name, int(number)
        else:
            host = target or None
    return SingletonHolder(directory, host, pid, present)


class ProfileHeldByChromium(BrowserEnvironmentError):
    def __init__(self, holder: SingletonHolder) -> None:
        self.holder = holder
        super().__init__(
            f"{holder.describe()}: a Chromium is running on this profile. Close it, or set "
            "RUGSBOT_BROWSER_PROFILE_DIR to another directory."
        )


def sweep_stale(directory: Path) -> SingletonHolder | None:
    """Remove stale lock files from Chromium's user-data ``directory`` (call it only while holding rugsbot's own
    profile lock). Logs one WARNING naming the host and pid (an INFO line for a dead browser of this host, e.g.
    one the watchdog relaunches after a kill); returns what was removed, or ``None``.

    Raises :class:`ProfileHeldByChromium` when a live process on this host holds the profile."""
    holder = read_singleton(directory)
    if holder is None:
        return None
    if holder.running_here:
        raise ProfileHeldByChromium(holder)
    for name in holder.files:
        (directory / name).unlink(missing_ok=True)
    if holder.on_this_host:  # a browser of ours that died (killed, crashed): Chromium itself would take over
        logger.info("removed stale {}", holder.describe())
    else:
        logger.warning("removed stale {}", holder.describe())
    return holder
