"""What a live run is asked to do and where it goes: its options, the site or a simulator, the browser profile,
the wallet password, and the recording of its frames.

Why a throw-away profile: a simulator run without a configured wallet password gets a fresh profile and a
fresh stand-in wallet for that run only (deleted at the end); with a password the profile persists in the
data directory, as a real wallet's does. Throw-away profiles live under one folder of the data directory
(:func:`temp_profiles_dir`), so the ones a killed run left behind are found and deleted at the next start.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from loguru import logger
from pydantic import SecretStr

from bot.config import Profile, Settings
from bot.errors import Halted, NetworkProblem, UsageError, database_problem
from bot.mode import Mode

__all__ = [
    "ExternalSim",
    "LiveOptions",
    "SimLike",
    "StartRefused",
    "Target",
    "UsageError",
    "extension_dir",
    "network_problem",
    "open_database",
    "open_recording",
    "open_target",
    "refuse_if_halted",
    "sweep_temp_profiles",
    "temp_profiles_dir",
]

TEMP_PROFILES = "browser-tmp"
_NET_ERROR = re.compile(r"\bnet::ERR_[A-Z_]+")

if TYPE_CHECKING:
    from bot.console.server import ConsoleConfig
    from bot.feeds.recording import RecordingWriter
    from bot.store.db import Store


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """How the run was asked to go (the run command's arguments, typed). ``duration_s``/``games``: stop
    after that many seconds / finished games. ``sim``: against a simulator, started here unless one is handed
    to the run. ``arm_timeout_s``: how long the controls may take to appear before the run halts.
    ``dashboard``: the operator console's address (bot/app/console_plan.py), ``None`` for none."""

    headless: bool
    duration_s: float | None = None
    games: int | None = None
    sim: bool = False
    sim_speed: float = 1.0
    sim_seed: str | None = None
    sim_faults: str = ""
    sim_rug_at: str = ""  # e.g. "60" or "30,90" (bot.sim.config.parse_rug_schedule)
    sim_page_build: int = 1
    sim_protocol_drift: bool = False
    trace: bool = True
    record: bool = True
    arm_timeout_s: float = 5.0
    profile_ref: str | None = None  # ``--profile`` as given (a missing control's advice names it)
    dashboard: ConsoleConfig | None = None


class SimLike(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def speed(self) -> float | None:
        """How many times faster than the real site its clock runs (``None``: not known here)."""
        ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class ExternalSim:
    """A simulator this process did not start (``--sim-url``): used, never stopped."""

    url: str
    speed: float | None = None  # started elsewhere: its clock is not known here unless told

    def stop(self) -> None:
        return None


@dataclass
class Target:
    """Where the run goes. ``sim``: the simulator (``None`` on the real site); ``own_sim``: started here, so
    stopped by :meth:`close`. ``password`` is never formatted, logged or written anywhere."""

    url: str
    profile_dir: Path
    password: SecretStr | None
    sim: SimLike | None = None
    own_sim: bool = False
    throwaway: bool = False  # profile_dir is this run's own, deleted by close()

    @property
    def sim_speed(self) -> float | None:
        """The simulator's clock speed (``None``: the real site, or a simulator whose speed is unknown)."""
        return self.sim.speed if self.sim is not None else None

    def close(self) -> None:
        """Stop a simulator started here and delete a throw-away profile."""
        if self.sim is not None and self.own_sim:
            with contextlib.suppress(Exception):
                self.sim.stop()
        if self.throwaway:
            shutil.rmtree(self.profile_dir, ignore_errors=True)


def temp_profiles_dir(settings: Settings) -> Path:
    """The one folder that holds throw-away browser profiles: ``<data_dir>/browser-tmp``."""
    return settings.data_dir / TEMP_PROFILES


def sweep_temp_profiles(settings: Settings) -> list[Path]:
    """Delete the throw-away profiles no live process holds (a run killed by SIGKILL cannot delete its own);
    returns what was deleted. A profile in use keeps the browser profile's lock (bot/browser/launch.py), which
    the OS releases when its process dies."""
    from bot.browser.errors import ProfileInUse
    from bot.browser.launch import ProfileLock

    parent = temp_profiles_dir(settings)
    removed: list[Path] = []
    for d in sorted(parent.iterdir()) if parent.is_dir() else []:
        if not d.is_dir():
            continue
        try:
            lock = ProfileLock(d).acquire()
        except (ProfileInUse, OSError):
            continue
        try:
            shutil.rmtree(d, ignore_errors=True)
        finally:
            lock.release()
        removed.append(d)
    if removed:
        logger.info("deleted {n} throw-away browser profile(s) left by killed runs", n=len(removed))
    return removed


def network_problem(exc: BaseException, url: str) -> NetworkProblem | None:
    """``exc`` as "the site cannot be reached" (Chromium's ``net::ERR_*``: DNS, refused, offline, TLS; or a
    navigation timeout: the site does not answer), else ``None``. Transient, so exit 4 and never a halt."""
    hint = (
        "check the network and the URL (RUGSBOT_URL or the profile's browser.url); nothing was bet and the bot "
        "is not halted"
    )
    text = str(exc)
    found = _NET_ERROR.search(text)
    if found is not None:
        return NetworkProblem(f"cannot reach {url}: {found.group(0)}", hint=hint)
    if type(exc).__name__ == "TimeoutError" and "goto" in text.lower():  # playwright's, on a navigation
        return NetworkProblem(
            f"{url} did not answer: {text.splitlines()[0] if text else 'timeout'}", hint=hint
        )
    return None


def open_target(settings: Settings, profile: Profile, options: LiveOptions, sim: SimLike | None) -> Target:
    """The site (the settings' URL, else the profile's) or, with ``options.sim``, the simulator ``sim`` or one
    started here in a thread."""
    password = settings.wallet_password
    if not options.sim:
        real = settings.run_profile_dir(sim=False)
        assert real is not None  # the real site always has its persistent profile
        return Target(settings.url or profile.browser.url, real, password)
    own = sim is None
    if sim is None:
        from bot.sim.config import SimConfig, parse_rug_schedule
        from bot.sim.runner import start_sim_in_thread

        cfg = SimConfig(
            speed=options.sim_speed,
            seed=options.sim_seed,
            faults=options.sim_faults,
            rug_at=parse_rug_schedule(options.sim_rug_at),
            page_build=options.sim_page_build,
            protocol_drift=options.sim_protocol_drift,
        )
        sim = start_sim_in_thread(cfg)
        logger.info("simulator started at {url} (speed {s}x)", url=sim.url, s=cfg.speed)
    kept = settings.run_profile_dir(sim=True)
    if kept is None:
        parent = temp_profiles_dir(settings)
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="sim-profile-", dir=parent))
        token = SecretStr(secrets.token_urlsafe(18))
        return Target(sim.url, tmp, token, sim, own, throwaway=True)
    return Target(sim.url, kept, password, sim, own)


def open_database(settings: Settings) -> Store:
    """The bot's database (created if needed); one that cannot be opened is a
    :class:`~bot.errors.DatabaseProblem` naming the file (exit 4)."""
    from bot.store.db import Store

    try:
        return Store.open(settings.db_path)
    except (sqlite3.Error, OSError) as exc:
        raise database_problem(settings.db_path, exc) from exc


class StartRefused(Halted):
    """A halt is recorded: the run starts nothing (exit 3; ``rugsbot resume`` clears it)."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("refusing to start while halted: " + "; ".join(reasons), hint="run `rugsbot resume`")


def refuse_if_halted(store: Store) -> None:
    """Raise :class:`StartRefused` when ``store`` records an active halt."""
    try:
        halt = store.active_halt()
    except sqlite3.Error as exc:
        raise database_problem(store.path, exc) from exc
    if halt is not None:
        raise StartRefused([f"{halt.reason} (source {halt.source})"])


def extension_dir(settings: Settings, options: LiveOptions) -> Path:
    """The unpacked wallet extension (:meth:`Settings.wallet_extension_dir`: the configured one, the simulator's
    stand-in on simulator runs, else the Phantom ``rugsbot wallet install`` put in the data dir).
    Raises :class:`UsageError` on the real site without one."""
    found = settings.wallet_extension_dir(sim=options.sim)
    if found is None:
        raise UsageError(
            "no wallet extension: run `rugsbot wallet install` (or set RUGSBOT_EXTENSION_DIR to an unpacked Phantom)"
        )
    return found


def open_recording(settings: Settings, profile: Profile, mode: Mode, target: Target) -> RecordingWriter:
    """A new recording of every frame, ``<recordings_dir>/<stamp>-<mode>.frames.jsonl.gz``. On a simulator the
    header carries ``sim_speed`` (its clock runs that many times faster than the site's; ``null`` when not
    known), so a replay knows the time base of the receive timestamps."""
    from bot import __version__
    from bot.feeds.recording import RecordingWriter

    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = settings.recordings_dir / f"{stamp}-{mode.value}.frames.jsonl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "bot": __version__,
        "profile": profile.name,
        "mode": mode.label,
        "url": target.url,
        "start": time.time(),
    }
    if target.sim is not None:
        header["sim_speed"] = target.sim_speed
    return RecordingWriter(path, header)
