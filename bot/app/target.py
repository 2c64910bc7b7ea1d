"""What a live run is asked to do and where it goes: its options, the site or a simulator, the browser profile,
the wallet password, and the recording of its frames.

Why a throw-away profile: a simulator run without a configured wallet password gets a fresh profile and a
fresh stand-in wallet for that run only (deleted at the end); with a password the profile persists in the
data directory, as a real wallet's does.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from loguru import logger
from pydantic import SecretStr

from bot.config import Profile, Settings
from bot.mode import Mode

if TYPE_CHECKING:
    from bot.console.server import ConsoleConfig
    from bot.feeds.recording import RecordingWriter


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
    dashboard: ConsoleConfig | None = None


class SimLike(Protocol):
    @property
    def url(self) -> str: ...
    def stop(self) -> None: ...


@dataclass(frozen=True)
class ExternalSim:
    """A simulator this process did not start (``--sim-url``): used, never stopped."""

    url: str

    def stop(self) -> None:
        return None


class UsageError(Exception):
    """The run is configured in a way that cannot work (exit 2)."""


@dataclass
class Target:
    """Where the run goes. ``sim``: the simulator (``None`` on the real site); ``own_sim``: started here, so
    stopped by :meth:`close`. ``password`` is never formatted, logged or written anywhere."""

    url: str
    profile_dir: Path
    password: SecretStr | None
    sim: SimLike | None = None
    own_sim: bool = False
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def close(self) -> None:
        """Stop a simulator started here and delete a throw-away profile."""
        if self.sim is not None and self.own_sim:
            with contextlib.suppress(Exception):
                self.sim.stop()
        if self._tmp is not None:
            with contextlib.suppress(Exception):
                self._tmp.cleanup()


def open_target(settings: Settings, profile: Profile, options: LiveOptions, sim: SimLike | None) -> Target:
    """The site (the settings' URL, else the profile's) or, with ``options.sim``, the simulator ``sim`` or one
    started here in a thread."""
    password = settings.wallet_password
    if not options.sim:
        return Target(settings.url or profile.browser.url, settings.browser_profile_dir, password)
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
    if password is None:
        tmp = tempfile.TemporaryDirectory(prefix="rugsbot-sim-profile-")
        token = SecretStr(secrets.token_urlsafe(18))
        return Target(sim.url, Path(tmp.name), token, sim, own, tmp)
    return Target(sim.url, settings.data_dir / "sim-browser-profile", password, sim, own)


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


def open_recording(settings: Settings, profile: Profile, mode: Mode, url: str) -> RecordingWriter:
    """A new recording of every frame, ``<recordings_dir>/<stamp>-<mode>.frames.jsonl.gz``."""
    from bot import __version__
    from bot.feeds.recording import RecordingWriter

    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = settings.recordings_dir / f"{stamp}-{mode.value}.frames.jsonl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "bot": __version__,
        "profile": profile.name,
        "mode": mode.label,
        "url": url,
        "start": time.time(),
    }
    return RecordingWriter(path, header)
