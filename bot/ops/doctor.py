"""``rugsbot doctor``: is this machine ready to run the bot? Each check says what is wrong and what to do.

Doctor never changes anything: it does not create the profile directory, opens the database read-only and
only reports whether a secret is present (never its value). Levels: OK, WARN (works, but look at it),
FAIL (the bot would not run correctly), SKIP (not applicable). Exit codes: 0 no FAIL (warnings allowed,
unless ``--strict``), 1 at least one FAIL, 2 usage error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.config import Profile, Settings

MIN_FREE_FAIL_GB = 0.2
MIN_FREE_WARN_GB = 1.0
SKEW_WARN_S = 1.0
SKEW_FAIL_S = 5.0


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    level: Level
    detail: str


@dataclass(frozen=True, slots=True)
class DoctorInputs:
    """What the run would be: ``needs_wallet`` for a practice/live profile (it clicks), ``sim`` when it runs
    against the built-in simulator (``run --sim``), which makes its own wallet when no password is set."""

    settings: Settings
    env_file: Path = Path(".env")
    recording: Path | None = None
    needs_wallet: bool = False
    sim: bool = False

    @property
    def password_set(self) -> bool:
        pw = self.settings.wallet_password
        return pw is not None and bool(pw.get_secret_value())

    @property
    def needs_password(self) -> bool:
        """The real site's wallet must be unlocked; a simulator run onboards a throw-away wallet instead."""
        return self.needs_wallet and not self.sim

    def browser_profile_dir(self) -> Path | None:
        """The browser-profile folder the run locks, by the run's own rule (:meth:`Settings.run_profile_dir`;
        ``None``: a fresh throw-away folder)."""
        return self.settings.run_profile_dir(sim=self.sim)


def check_python(_: DoctorInputs) -> Check:
    v = sys.version_info
    ok = v >= (3, 11)
    return Check("python", Level.OK if ok else Level.FAIL, f"{v.major}.{v.minor}.{v.micro} (needs ≥ 3.11)")


def check_browser(inp: DoctorInputs) -> Check:
    from bot.browser.errors import BrowserNotFound
    from bot.browser.launch import browser_version, find_browser

    try:
        exe = find_browser(inp.settings)
    except BrowserNotFound as exc:
        return Check("browser", Level.FAIL, str(exc))
    return Check("browser", Level.OK, f"{exe} (Chrome {browser_version(exe)})")


def check_extension(inp: DoctorInputs) -> Check:
    """The wallet extension the run loads, with its version (see Settings.wallet_extension_dir)."""
    import json

    from bot.browser.errors import ExtensionInvalid
    from bot.browser.launch import check_extension as validate

    if not inp.needs_wallet:
        return Check("extension", Level.SKIP, "a dry run loads no wallet extension")
    resolved = inp.settings.wallet_extension_dir(sim=inp.sim)
    if resolved is None:
        return Check(
            "extension",
            Level.FAIL,
            "no wallet extension for the real site: `rugsbot wallet install`, or set RUGSBOT_EXTENSION_DIR",
        )
    if inp.settings.extension_dir is not None:
        label = "extension (RUGSBOT_EXTENSION_DIR)"
    elif inp.sim:
        label = "extension (the simulator's stand-in wallet)"
    else:
        label = "extension (installed by `rugsbot wallet install`)"
    directory = Path(resolved)
    try:
        name = validate(directory)
        version = json.loads((directory / "manifest.json").read_text(encoding="utf-8-sig"))["version"]
    except ExtensionInvalid as exc:
        return Check("extension", Level.FAIL, str(exc))
    return Check("extension", Level.OK, f"{label}: {name} {version} at {directory}")


def check_profile_lock(inp: DoctorInputs) -> Check:
    """Is the folder the run will use free? Probes rugsbot's lock without taking it for longer than the
    probe and without writing to it (doctor changes nothing); Chromium's own lock files are
    :func:`check_chromium_lock`'s."""
    import fcntl

    from bot.browser.launch import LOCK_NAME

    directory = inp.browser_profile_dir()
    if directory is None:
        return Check(
            "profile lock",
            Level.OK,
            "a fresh temporary profile for each simulator run (no wallet password set): nothing can hold it",
        )
    if not directory.exists():
        return Check("profile lock", Level.OK, f"{directory} not created yet (free)")
    lock = directory / LOCK_NAME
    if lock.exists():
        with open(lock, encoding="utf-8", errors="replace") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = fh.read().strip() or "another process"
                return Check("profile lock", Level.WARN, f"in use: {directory} is held by {holder}")
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return Check("profile lock", Level.OK, f"{directory} free")


def check_chromium_lock(inp: DoctorInputs) -> Check:
    """Chromium's own lock files in every persistent profile a run may use: the configured one and the simulator
    runs' ``<data_dir>/sim-browser-profile`` (bot/app/target.py), named by host and pid (bot/browser/singleton.py)."""
    from bot.browser.singleton import read_singleton, user_data_dir

    dirs = (inp.settings.browser_profile_dir, inp.settings.sim_browser_profile_dir)
    found = [h for h in (read_singleton(user_data_dir(d)) for d in dirs) if h is not None]
    if not found:
        return Check("chromium lock", Level.OK, "no Chromium lock files in " + ", ".join(map(str, dirs)))
    running = any(h.running_here for h in found)
    advice = "a browser is running on it" if running else "stale: `rugsbot run` removes them"
    return Check("chromium lock", Level.WARN, "; ".join(h.describe() for h in found) + f" ({advice})")


def check_secrets(inp: DoctorInputs) -> Check:
    env = inp.env_file
    parts: list[str] = []
    level = Level.OK
    if env.exists():
        mode = stat.S_IMODE(env.stat().st_mode)
        if mode & 0o077:
            level = Level.WARN
            parts.append(f"{env} is readable by group/others (mode {mode:o}): chmod 600 {env}")
        else:
            parts.append(f"{env} mode {mode:o}")
    else:
        parts.append(f"no {env} (settings from the environment only)")
    if inp.password_set:
        parts.append("wallet password set")
    elif inp.needs_password:
        level = Level.FAIL
        parts.append("wallet password NOT set (RUGSBOT_WALLET_PASSWORD) but the profile needs the wallet")
    elif inp.needs_wallet:
        parts.append("wallet password not set: a simulator run onboards a throw-away wallet (none needed)")
    else:
        parts.append("wallet password not set (a dry run needs none)")
    return Check("secrets", level, "; ".join(parts))


def _unwritable(path: Path) -> str | None:
    """Why the bot could not write the database at ``path``, or None. ``os.access`` asks the kernel for this
    process's effective ids, so an immutable file (``chattr +i``) or a read-only mount is caught even for
    root, and nothing is written.
    SQLite in WAL mode also creates ``-wal``/``-shm`` files next to the database, so the folder counts too."""
    if path.exists():
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if f.exists() and not os.access(f, os.W_OK, effective_ids=True):
                return f"{f} is read-only (permissions, `chattr +i` or a read-only mount)"
        folder = path.parent
    else:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=True):
        return f"cannot create files in {folder} (SQLite needs its -wal and -shm files there)"
    return None


def check_database(inp: DoctorInputs) -> Check:
    path = inp.settings.db_path
    blocked = _unwritable(path)
    if blocked is not None:
        return Check("database", Level.FAIL, f"{path}: the bot could not write it: {blocked}")
    if not path.exists():
        return Check("database", Level.OK, f"{path} not created yet (its folder is writable)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return Check("database", Level.FAIL, f"{path}: cannot open ({exc})")
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        halts: list[str] = []
        with contextlib.suppress(sqlite3.Error):
            halts = [r[0] for r in conn.execute("SELECT reason FROM halts WHERE active = 1")]
    except sqlite3.DatabaseError as exc:
        return Check("database", Level.FAIL, f"{path}: not a usable database ({exc})")
    finally:
        conn.close()
    if integrity != "ok":
        return Check("database", Level.FAIL, f"{path}: integrity_check says {integrity!r}")
    detail = f"{path}: integrity ok, journal {journal}"
    if halts:
        return Check("database", Level.WARN, detail + f"; HALTED: {halts[0]} (`rugsbot resume` to clear)")
    if str(journal).lower() != "wal":
        return Check("database", Level.WARN, detail + " (expected WAL: crash safety and concurrent readers)")
    return Check("database", Level.OK, detail)


def check_disk(inp: DoctorInputs) -> Check:
    target = inp.settings.recordings_dir
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free_gb = shutil.disk_usage(probe).free / 1e9
    detail = f"{free_gb:.1f} GB free for recordings at {target}"
    if free_gb < MIN_FREE_FAIL_GB:
        return Check("disk", Level.FAIL, detail + f" (< {MIN_FREE_FAIL_GB} GB)")
    if free_gb < MIN_FREE_WARN_GB:
        return Check(
            "disk", Level.WARN, detail + f" (< {MIN_FREE_WARN_GB} GB; a day of recording is ~0.3 GB)"
        )
    return Check("disk", Level.OK, detail)


def check_clock(inp: DoctorInputs) -> Check:
    """Receive times of ``--recording`` against the server's send stamps (bot/ops/recording_clock.py)."""
    from bot.ops.recording_clock import NotARecording, read_clock

    if inp.recording is None:
        return Check(
            "clock", Level.SKIP, "pass --recording FILE to compare receive times with server timestamps"
        )
    if not inp.recording.is_file():
        return Check("clock", Level.FAIL, f"{inp.recording}: no such file")
    try:
        r = read_clock(inp.recording)
    except NotARecording as exc:
        return Check("clock", Level.FAIL, f"{inp.recording}: not a recording: {exc}")
    if r is None:
        return Check(
            "clock",
            Level.SKIP,
            f"{inp.recording}: no frame the server stamps when sending (chat messages, own side bets)",
        )
    source = [f"simulator recording ({r.simulator_url})"] if r.simulator_url else []
    if r.speed is not None:
        source.append(f"feed clock {r.speed:.1f}×")
    about = f" [{', '.join(source)}]" if source else ""
    detail = f"receive − server = {r.skew_s:+.3f} s (median of {r.samples}; includes network latency){about}"
    level = Level.OK
    if r.zone_offset_s:
        level = Level.WARN
        detail = (
            f"receive times are {r.zone} local time written as UTC ({r.zone_offset_s / 3600:+g} h: the "
            f"capture's time zone; fine inside this file, shift by {-r.zone_offset_s / 3600:+g} h to compare "
            f"with other sources or UTC days); after that, {detail}"
        )
    if abs(r.skew_s) > SKEW_FAIL_S:
        return Check("clock", Level.FAIL, detail + ": sync the clock (NTP)")
    if abs(r.skew_s) > SKEW_WARN_S:
        return Check("clock", Level.WARN, detail)
    return Check("clock", level, detail)


CHECKS: tuple[Callable[[DoctorInputs], Check], ...] = (
    check_python,
    check_browser,
    check_extension,
    check_profile_lock,
    check_chromium_lock,
    check_secrets,
    check_database,
    check_disk,
    check_clock,
)


def simulator_only(profile: Profile) -> bool:
    """A profile whose allowed origins are all loopback addresses can only run against the simulator
    (the wallet refuses any other site), so doctor checks it as ``run --sim``."""
    from bot.ops.recording_clock import is_loopback_url

    origins = profile.browser.allowed_origins
    return bool(origins) and all(is_loopback_url(o) for o in origins)


def run_checks(inp: DoctorInputs) -> list[Check]:
    out: list[Check] = []
    for fn in CHECKS:
        try:
            out.append(fn(inp))
        except Exception as exc:  # a broken check is itself a finding, never a crash of doctor
            out.append(
                Check(
                    fn.__name__.removeprefix("check_"),
                    Level.FAIL,
                    f"check crashed: {type(exc).__name__}: {exc}",
                )
            )
    return out


def exit_code(checks: list[Check], strict: bool = False) -> int:
    bad = {Level.FAIL, Level.WARN} if strict else {Level.FAIL}
    return 1 if any(c.level in bad for c in checks) else 0


def env_file_of(settings: Settings) -> Path:
    configured = settings.model_config.get("env_file")
    return Path(str(configured)) if isinstance(configured, str | os.PathLike) else Path(".env")
