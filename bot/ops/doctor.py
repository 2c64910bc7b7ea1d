"""``rugsbot doctor``: is this machine ready to run the bot? Each check says what is wrong and what to do.

Doctor never changes anything: it does not create the profile directory, opens the database read-only and
only reports whether a secret is present (never its value). Levels: OK, WARN (works, but look at it),
FAIL (the bot would not run correctly), SKIP (not applicable). Exit codes: 0 no FAIL (warnings allowed,
unless ``--strict``), 1 at least one FAIL, 2 usage error.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import stat
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.config import Settings

MIN_FREE_FAIL_GB = 0.2
MIN_FREE_WARN_GB = 1.0
SKEW_WARN_S = 1.0
SKEW_FAIL_S = 5.0
_TS = re.compile(r'"timestamp":(\d{13})')
MAX_FRAME_FOR_SKEW = 50_000  # skip history frames: their timestamps are of past games


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
    settings: Settings
    env_file: Path = Path(".env")
    recording: Path | None = None
    needs_wallet: bool = False  # the profile is practice/live


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
    """The wallet extension a run on the real site loads, with its version (see Settings.wallet_extension_dir)."""
    import json

    from bot.browser.errors import ExtensionInvalid
    from bot.browser.launch import check_extension as validate

    resolved = inp.settings.wallet_extension_dir()
    if inp.settings.extension_dir is not None:
        label = "extension (RUGSBOT_EXTENSION_DIR)"
    elif resolved is not None:
        label = "extension (installed by `rugsbot wallet install`)"
    else:
        label = "extension (simulator stand-in only; for the real Phantom: `rugsbot wallet install`)"
    if resolved is None:
        from bot.sim.assets import extension_dir

        resolved = extension_dir()
    directory: Path = resolved
    try:
        name = validate(Path(directory))
        version = json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8-sig"))["version"]
    except ExtensionInvalid as exc:
        return Check("extension", Level.FAIL if inp.needs_wallet else Level.WARN, str(exc))
    return Check("extension", Level.OK, f"{label}: {name} {version} at {directory}")


def check_profile_lock(inp: DoctorInputs) -> Check:
    from bot.browser.errors import ProfileInUse
    from bot.browser.launch import ProfileLock

    directory = inp.settings.browser_profile_dir
    if not directory.exists():
        return Check("profile lock", Level.OK, f"{directory} not created yet (free)")
    try:
        lock = ProfileLock(directory).acquire()
    except ProfileInUse as exc:
        return Check("profile lock", Level.WARN, f"in use: {exc}")
    lock.release()
    return Check("profile lock", Level.OK, f"{directory} free")


def check_chromium_lock(inp: DoctorInputs) -> Check:
    """Chromium's own lock files in the persistent profiles a run uses (the configured one, and the simulator
    runs' ``<data_dir>/sim-browser-profile`` of bot/app/target.py), named by host and pid (bot/browser/singleton.py)."""
    from bot.browser.singleton import read_singleton, user_data_dir

    dirs = (inp.settings.browser_profile_dir, inp.settings.data_dir / "sim-browser-profile")
    found = [h for h in (read_singleton(user_data_dir(d)) for d in dirs) if h is not None]
    if not found:
        return Check("chromium lock", Level.OK, "no Chromium lock files in " + ", ".join(map(str, dirs)))
    advice = (
        "a browser is running on it"
        if any(h.running_here for h in found)
        else "stale: `rugsbot run` removes them"
    )
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
    if inp.settings.wallet_password is not None and inp.settings.wallet_password.get_secret_value():
        parts.append("wallet password set")
    elif inp.needs_wallet:
        level = Level.FAIL
        parts.append("wallet password NOT set (RUGSBOT_WALLET_PASSWORD) but the profile needs the wallet")
    else:
        parts.append("wallet password not set (only practice/live need it)")
    return Check("secrets", level, "; ".join(parts))


def check_database(inp: DoctorInputs) -> Check:
    path = inp.settings.db_path
    if not path.exists():
        return Check("database", Level.OK, f"{path} not created yet")
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


def clock_skew(recording: Path) -> tuple[float, int] | None:
    """Median of (receive time − server ``timestamp``) over the recording's small frames, and how many."""
    from bot.feeds.recording import read_recording

    diffs: list[float] = []
    for fr in read_recording(recording):
        if len(fr.frame) > MAX_FRAME_FOR_SKEW:
            continue
        for m in _TS.finditer(fr.frame):
            diffs.append(fr.t - int(m.group(1)) / 1000)
    if not diffs:
        return None
    return statistics.median(diffs), len(diffs)


def check_clock(inp: DoctorInputs) -> Check:
    if inp.recording is None:
        return Check(
            "clock", Level.SKIP, "pass --recording FILE to compare receive times with server timestamps"
        )
    if not inp.recording.exists():
        return Check("clock", Level.FAIL, f"{inp.recording}: no such file")
    found = clock_skew(inp.recording)
    if found is None:
        return Check("clock", Level.SKIP, f"{inp.recording}: no frames with server timestamps")
    skew, n = found
    hours = round(skew / 3600)
    if abs(skew) > 600 and abs(skew - hours * 3600) < 60:
        return Check(
            "clock",
            Level.FAIL,
            f"receive times are {skew:+.1f} s off the server's ({n} samples): "
            f"a time-zone error of {hours:+d} h (local time written as UTC?) plus {skew - hours * 3600:+.2f} s",
        )
    detail = f"receive − server = {skew:+.3f} s (median of {n}; includes network latency)"
    if abs(skew) > SKEW_FAIL_S:
        return Check("clock", Level.FAIL, detail + ": sync the clock (NTP)")
    if abs(skew) > SKEW_WARN_S:
        return Check("clock", Level.WARN, detail)
    return Check("clock", Level.OK, detail)


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
