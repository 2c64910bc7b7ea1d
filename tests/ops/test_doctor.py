"""Doctor on real temporary machines, one table per check: each check can pass, warn and fail, for the run the
profile will actually make (dry run, simulator, real site), and the exit code follows."""

from __future__ import annotations

import gzip
import json
import os
import socket
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.ops.doctor import (
    DoctorInputs,
    Level,
    check_browser,
    check_clock,
    check_database,
    check_disk,
    check_extension,
    check_profile_lock,
    check_python,
    check_secrets,
    exit_code,
    run_checks,
)

from .conftest import as_nobody, chattr_immutable, remount_read_only, tmpfs

PASSWORD = "hunter2-secret"


def _inp(**kw: object) -> DoctorInputs:
    return DoctorInputs(settings=Settings(), **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ python
def test_python() -> None:
    c = check_python(_inp())
    assert c.level is Level.OK and c.detail.startswith("3.1")


# ------------------------------------------------------------------------------------------ browser
@pytest.mark.parametrize(
    ("browser", "level", "text"),
    [
        ("/usr/bin/chromium", Level.OK, "Chrome"),
        ("no-such-browser", Level.FAIL, "no-such-browser"),
        ("not-executable", Level.FAIL, "not-executable"),
    ],
)
def test_browser(
    machine: Path, monkeypatch: pytest.MonkeyPatch, browser: str, level: Level, text: str
) -> None:
    if browser.startswith("/") and not Path(browser).exists():
        pytest.skip(f"{browser} is not installed")
    path = browser if browser.startswith("/") else str(machine / browser)
    if browser == "not-executable":
        Path(path).write_text("#!/bin/sh\n")
    monkeypatch.setenv("RUGSBOT_BROWSER_PATH", path)
    c = check_browser(_inp())
    assert c.level is level and text in c.detail


# ------------------------------------------------------------------------------------------ extension
GOOD = {"manifest_version": 3, "name": "Wallet", "version": "1.0"}


@pytest.mark.parametrize(
    ("needs_wallet", "sim", "manifest", "level", "text"),
    [
        (False, False, None, Level.SKIP, "dry run loads no wallet extension"),
        (False, True, None, Level.SKIP, "dry run loads no wallet extension"),
        (True, True, None, Level.OK, "simulator's stand-in wallet"),
        (True, False, None, Level.FAIL, "rugsbot wallet install"),  # real site, nothing installed
        (True, False, GOOD, Level.OK, "RUGSBOT_EXTENSION_DIR): Wallet 1.0"),
        (True, True, GOOD, Level.OK, "RUGSBOT_EXTENSION_DIR): Wallet 1.0"),  # the variable wins for --sim too
        (True, False, {"name": "Wallet"}, Level.FAIL, "lacks 'manifest_version'"),
        (True, False, "no manifest", Level.FAIL, "no manifest.json"),
    ],
)
def test_extension(
    machine: Path,
    monkeypatch: pytest.MonkeyPatch,
    needs_wallet: bool,
    sim: bool,
    manifest: dict[str, object] | str | None,
    level: Level,
    text: str,
) -> None:
    if manifest is not None:
        ext = machine / "ext"
        ext.mkdir()
        if isinstance(manifest, dict):
            (ext / "manifest.json").write_text(json.dumps(manifest))
        monkeypatch.setenv("RUGSBOT_EXTENSION_DIR", str(ext))
    c = check_extension(_inp(needs_wallet=needs_wallet, sim=sim))
    assert c.level is level and text in c.detail, c


# ------------------------------------------------------------------------------------------ profile lock
SITE = "var/profile"  # RUGSBOT_BROWSER_PROFILE_DIR in the machine fixture
SIM_KEPT = "var/sim-browser-profile"  # `run --sim` with a wallet password keeps its onboarded wallet here


@pytest.mark.parametrize(
    ("sim", "password", "held", "singleton", "level", "text"),
    [
        (False, None, None, None, Level.OK, f"{SITE} not created yet"),
        (False, None, SITE, None, Level.WARN, f"{SITE} is held by pid"),
        (False, None, SIM_KEPT, None, Level.OK, f"{SITE} not created yet"),  # another folder is not ours
        (True, PASSWORD, SIM_KEPT, None, Level.WARN, f"{SIM_KEPT} is held by pid"),
        (True, PASSWORD, SITE, None, Level.OK, f"{SIM_KEPT} not created yet"),
        (True, None, SITE, None, Level.OK, "fresh temporary profile"),
        (True, None, SIM_KEPT, None, Level.OK, "fresh temporary profile"),
        (False, None, None, "running", Level.OK, f"{SITE} free"),  # not where Chromium keeps it
    ],
    ids=[
        "site-free",
        "site-held",
        "site-sim-folder-held",
        "sim-kept-held",
        "sim-kept-site-held",
        "sim-temporary-site-held",
        "sim-temporary-kept-held",
        "singleton-one-folder-up",
    ],
)
def test_profile_lock_looks_at_the_folder_the_run_uses(
    machine: Path,
    monkeypatch: pytest.MonkeyPatch,
    sim: bool,
    password: str | None,
    held: str | None,
    singleton: str | None,
    level: Level,
    text: str,
) -> None:
    from bot.browser.launch import LOCK_NAME, ProfileLock

    if password:
        monkeypatch.setenv("RUGSBOT_WALLET_PASSWORD", password)
    lock = ProfileLock(machine / held).acquire() if held else None
    if singleton is not None:
        folder, _, state = singleton.rpartition("/")
        target = machine / SITE / folder
        target.mkdir(parents=True, exist_ok=True)
        pid = os.getpid() if state == "running" else _a_dead_pid()
        (target / "SingletonLock").symlink_to(f"{socket.gethostname()}-{pid}")
    try:
        before = (machine / held / LOCK_NAME).read_text() if held else None
        c = check_profile_lock(_inp(sim=sim, needs_wallet=True))
        assert c.level is level and text in c.detail, c
        if held:  # doctor probes the lock without writing its pid into it
            assert (machine / held / LOCK_NAME).read_text() == before
    finally:
        if lock is not None:
            lock.release()
    assert not (machine / SIM_KEPT).exists() or held == SIM_KEPT  # doctor created nothing


@pytest.mark.parametrize(
    ("state", "level", "text"),
    [
        ("running", Level.WARN, "a browser is running on it"),
        ("gone", Level.WARN, "stale: `rugsbot run` removes them"),
        (None, Level.OK, "no Chromium lock files"),
    ],
    ids=["chromium-running", "chromium-stale", "chromium-none"],
)
def test_chromium_lock_names_the_pid_and_whether_it_still_runs(
    machine: Path, state: str | None, level: Level, text: str
) -> None:
    """Chromium's own lock in the ``chromium/`` user-data folder of the profile (bot/browser/singleton.py):
    doctor names host and pid; a live pid is a browser open on it, a dead one is swept by the next run."""
    from bot.ops.doctor import check_chromium_lock

    pid = None
    if state is not None:
        target = machine / SITE / "chromium"
        target.mkdir(parents=True)
        pid = os.getpid() if state == "running" else _a_dead_pid()
        (target / "SingletonLock").symlink_to(f"{socket.gethostname()}-{pid}")
    c = check_chromium_lock(_inp(sim=False, needs_wallet=True))
    assert c.level is level and text in c.detail, c
    if pid is not None:
        assert f"pid {pid}" in c.detail and socket.gethostname() in c.detail, c


def _a_dead_pid() -> int:
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_profile_lock_free_again_after_release(machine: Path) -> None:
    from bot.browser.launch import ProfileLock

    assert check_profile_lock(_inp()).level is Level.OK
    assert not Settings().browser_profile_dir.exists()  # doctor created nothing
    lock = ProfileLock(Settings().browser_profile_dir).acquire()
    try:
        c = check_profile_lock(_inp())
        assert c.level is Level.WARN and "in use" in c.detail and f"pid {os.getpid()}" in c.detail
    finally:
        lock.release()
    assert check_profile_lock(_inp()).level is Level.OK


# ------------------------------------------------------------------------------------------ secrets
@pytest.mark.parametrize(
    ("mode", "password", "needs_wallet", "sim", "level", "text"),
    [
        (0o600, None, False, False, Level.OK, "mode 600"),
        (0o644, None, False, False, Level.WARN, "chmod 600"),
        (0o640, PASSWORD, True, False, Level.WARN, "wallet password set"),
        (0o600, None, True, False, Level.FAIL, "NOT set"),
        (0o600, None, False, False, Level.OK, "a dry run needs none"),
        (0o600, None, True, True, Level.OK, "throw-away wallet"),  # `doctor --profile sim`
        (0o600, PASSWORD, True, True, Level.OK, "wallet password set"),
    ],
    ids=["tight", "loose", "loose-with-password", "missing-password", "dry-run", "sim", "sim-with-password"],
)
def test_secrets(
    machine: Path,
    mode: int,
    password: str | None,
    needs_wallet: bool,
    sim: bool,
    level: Level,
    text: str,
) -> None:
    env = machine / ".env"
    env.write_text(f"RUGSBOT_WALLET_PASSWORD={password}\n" if password else "RUGSBOT_LOG_LEVEL=INFO\n")
    env.chmod(mode)
    c = check_secrets(_inp(env_file=env, needs_wallet=needs_wallet, sim=sim))  # Settings() reads ./.env
    assert c.level is level and text in c.detail, c
    assert "hunter2" not in c.detail  # a secret's value never appears


# ------------------------------------------------------------------------------------------ database
def _wal_database(data_dir: Path) -> Path:
    from bot.store.db import Store

    db = data_dir / "rugsbot.db"
    Store.open(db).close()
    return db


def test_database_states(machine: Path) -> None:
    from bot.store.db import Store

    assert check_database(_inp()).level is Level.OK  # not created yet
    db = Settings().db_path
    db.parent.mkdir(parents=True)
    store = Store.open(db)
    c = check_database(_inp())
    assert c.level is Level.OK and "journal wal" in c.detail
    store.set_halt("daily loss limit", "test", 1.0)
    store.close()
    c = check_database(_inp())
    assert c.level is Level.WARN and "HALTED: daily loss limit" in c.detail
    db.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    assert check_database(_inp()).level is Level.FAIL


def test_non_wal_database_warns(machine: Path) -> None:
    import sqlite3

    db = Settings().db_path
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).execute("CREATE TABLE x (a)").connection.commit()
    c = check_database(_inp())
    assert c.level is Level.WARN and "expected WAL" in c.detail


@pytest.mark.parametrize(
    ("setup", "level", "text"),
    [
        ("writable", Level.OK, "integrity ok"),
        ("file-0444", Level.FAIL, "rugsbot.db is read-only"),
        ("folder-0555", Level.FAIL, "cannot create files in"),
        ("missing-under-0555", Level.FAIL, "cannot create files in"),
        ("missing-writable", Level.OK, "not created yet"),
    ],
)
def test_database_read_only_for_the_operator(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch, setup: str, level: Level, text: str
) -> None:
    """As an unprivileged user (root may write anything, an operator may not)."""
    data = shared_dir / "var"
    data.mkdir()
    if not setup.startswith("missing"):
        _wal_database(data)
    os.chown(data, 65534, 65534)
    for f in data.iterdir():
        os.chown(f, 65534, 65534)
    if setup == "file-0444":
        (data / "rugsbot.db").chmod(0o444)
    elif setup in ("folder-0555", "missing-under-0555"):
        data.chmod(0o555)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(data / "sub") if setup == "missing-under-0555" else str(data))
    inp = _inp()
    with as_nobody():
        c = check_database(inp)
    assert c.level is level and text in c.detail, c


def test_immutable_database_is_not_ok(machine: Path) -> None:
    db = _wal_database(Settings().data_dir)
    assert check_database(_inp()).level is Level.OK
    chattr_immutable(db)
    try:
        c = check_database(_inp())
    finally:
        os.system(f"chattr -i '{db}'")
    assert c.level is Level.FAIL and "read-only" in c.detail and "chattr +i" in c.detail


def test_database_on_a_read_only_mount_is_not_ok(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with tmpfs(machine / "mnt", "16m") as mnt:
        monkeypatch.setenv("RUGSBOT_DATA_DIR", str(mnt))
        _wal_database(mnt)
        assert check_database(_inp()).level is Level.OK
        remount_read_only(mnt)
        c = check_database(_inp())
    assert c.level is Level.FAIL and "read-only" in c.detail


# ------------------------------------------------------------------------------------------ disk
@pytest.mark.parametrize(
    ("size", "level", "text"),
    [("100m", Level.FAIL, "< 0.2 GB"), ("600m", Level.WARN, "< 1.0 GB"), ("2g", Level.OK, "GB free")],
)
def test_disk(machine: Path, monkeypatch: pytest.MonkeyPatch, size: str, level: Level, text: str) -> None:
    with tmpfs(machine / "mnt", size) as mnt:  # a tmpfs takes no memory until written
        monkeypatch.setenv("RUGSBOT_RECORDINGS_DIR", str(mnt / "recordings"))
        c = check_disk(_inp())
    assert c.level is level and text in c.detail, c
    assert not (machine / "mnt" / "recordings").exists()


# ------------------------------------------------------------------------------------------ clock
def _recording(path: Path, skew_s: float, n: int = 20, event: str = "newChatMessage") -> Path:
    with gzip.open(path, "wt") as f:
        for i in range(n):
            server = 1_765_000_000.0 + i
            frame = '42["' + event + '",{"message":"hi","timestamp":' + str(int(server * 1000)) + "}]"
            f.write(json.dumps({"t": server + skew_s, "dir": "in", "frame": frame}) + "\n")
    return path


def _history_only(path: Path) -> Path:
    """Small gameStateUpdate frames whose gameHistory stamps are a past game's time (minutes old)."""
    with gzip.open(path, "wt") as f:
        for i in range(20):
            t = 1_765_000_000.0 + i
            entry = {
                "id": "20251206-0000000000000000",
                "timestamp": int((t - 180) * 1000),
                "prices": [1, 1.1],
            }
            frame = "42" + json.dumps(["gameStateUpdate", {"gameId": "x", "gameHistory": [entry]}])
            f.write(json.dumps({"t": t, "dir": "in", "frame": frame}) + "\n")
    return path


@pytest.mark.parametrize(
    ("skew", "event", "level", "texts"),
    [
        (0.2, "newChatMessage", Level.OK, ["+0.200"]),
        (-2.5, "newChatMessage", Level.WARN, ["-2.500"]),
        (30.0, "newChatMessage", Level.FAIL, ["NTP"]),
        (0.05, "currentSidebet", Level.OK, ["+0.050"]),
        (-5 * 3600 - 0.83, "newChatMessage", Level.WARN, ["UTC−05:00", "-5 h", "-0.830"]),
        (3 * 3600 + 0.4, "newChatMessage", Level.WARN, ["UTC+03:00", "+3 h", "+0.400"]),
        (5.5 * 3600 + 0.1, "newChatMessage", Level.WARN, ["UTC+05:30", "+0.100"]),
        (-5 * 3600 + 30, "newChatMessage", Level.FAIL, ["UTC−05:00", "+30.000", "NTP"]),
        (7.45 * 3600, "gameStatePlayerUpdate", Level.SKIP, ["no frame the server stamps"]),
    ],
)
def test_clock_skew(machine: Path, skew: float, event: str, level: Level, texts: list[str]) -> None:
    c = check_clock(_inp(recording=_recording(machine / "r.jsonl.gz", skew, event=event)))
    assert c.level is level and all(t in c.detail for t in texts), c


def test_clock_ignores_the_stamps_of_past_games(machine: Path) -> None:
    c = check_clock(_inp(recording=_history_only(machine / "h.jsonl.gz")))
    assert c.level is Level.SKIP, c


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"", "0 bad line(s)"), (bytes(range(256)) * 4, "bad json"), (b"just notes\nnot frames\n", "bad json")],
    ids=["empty", "binary", "text"],
)
def test_clock_on_a_file_that_is_not_a_recording_fails_and_says_so(
    machine: Path, content: bytes, why: str
) -> None:
    path = machine / "junk.jsonl"
    path.write_bytes(content)
    c = check_clock(_inp(recording=path))
    assert c.level is Level.FAIL and "not a recording" in c.detail and why in c.detail, c


@pytest.mark.parametrize(
    ("name", "level", "texts"),
    [
        # local time written as UTC: the capture's time zone, not this machine's clock
        ("2025-12-12_17-16-58_raw", Level.WARN, ["UTC−05:00", "-5 h", "-0.827 s", "median of 11"]),
        # only rugpool and history stamps, none sent "now": nothing to compare, and it says so
        ("2025-12-15_00-39-17_cdp", Level.SKIP, ["no frame the server stamps"]),
    ],
)
def test_clock_on_the_real_captures(real_dir: Path, name: str, level: Level, texts: list[str]) -> None:
    c = check_clock(_inp(recording=real_dir / "captures" / f"{name}.frames.jsonl.gz"))
    assert c.level is level and all(t in c.detail for t in texts), c


@pytest.mark.parametrize(("speed", "chats_needed", "histories_needed"), [(4.0, 2, 0), (20.0, 3, 1)])
def test_clock_on_a_simulator_recording(
    tmp_path: Path, speed: float, chats_needed: int, histories_needed: int
) -> None:
    """The bot's own simulator, recorded from its socket with receive times (as `run --sim` does). At 4× a
    first game takes tens of seconds, so the past-game stamps that once read "+3.2 s" are waited for at 20×."""
    import re
    import time

    from websockets.sync.client import connect

    from bot.feeds.recording import RecordingWriter, read_recording
    from bot.ops.recording_clock import read_clock
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    path = tmp_path / "sim.frames.jsonl.gz"
    sim = start_sim_in_thread(SimConfig(seed="doctor-clock", speed=speed))
    chats = histories = ticks = 0
    try:
        with (
            RecordingWriter(path, {"url": sim.url, "mode": "PRACTICE"}) as rec,
            connect(sim.ws_url, max_size=None, compression=None, close_timeout=0.5) as ws,
        ):
            ws.send("40")
            deadline = time.monotonic() + 60
            while (
                chats < chats_needed or histories < histories_needed or ticks < 40
            ) and time.monotonic() < deadline:
                try:
                    text = ws.recv(timeout=1)
                except TimeoutError:
                    continue
                assert isinstance(text, str)
                if text == "2":
                    ws.send("3")
                rec.write(time.time(), "in", text)
                chats += text.startswith('42["newChatMessage"')
                histories += '"gameHistory":[{' in text
                ticks += '"active":true' in text
    finally:
        sim.stop()
    assert chats >= chats_needed and histories >= histories_needed
    if histories_needed:  # the trap is in the file: past games' stamps are far behind the receive times
        stale = [
            fr.t - int(m.group(1)) / 1000
            for fr in read_recording(path)
            if '"gameHistory":[{' in fr.frame
            for m in re.finditer(r'"timestamp":(\d{13})', fr.frame)
        ]
        assert max(stale) > 1.0
    c = check_clock(_inp(recording=path))
    assert c.level is Level.OK and "simulator recording (http://127.0.0.1:" in c.detail, c
    if histories_needed:  # the table prints the detail as text: "[simulator recording …]" is not rich markup
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["doctor", "--recording", str(path)])
        assert "simulator recording" in out.getvalue() and "feed clock" in out.getvalue()
    r = read_clock(path)
    assert r is not None and abs(r.skew_s) < 0.5 and r.zone_offset_s == 0
    assert r.speed is not None and 0.75 * speed < r.speed < 1.25 * speed, r.speed
    assert f"feed clock {r.speed:.1f}×" in c.detail


# ------------------------------------------------------------------------------------------ command
def test_exit_codes_and_cli(machine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checks = run_checks(_inp())
    assert {c.name for c in checks} >= {
        "python",
        "browser",
        "extension",
        "profile lock",
        "secrets",
        "database",
        "disk",
        "clock",
    }
    assert exit_code(checks) == (1 if any(c.level is Level.FAIL for c in checks) else 0)
    env = machine / ".env"
    env.write_text("RUGSBOT_LOG_LEVEL=INFO\n")
    env.chmod(0o644)
    code = main(["doctor", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == data["exit_code"]
    assert next(c for c in data["checks"] if c["name"] == "secrets")["level"] == "warn"
    assert main(["doctor", "--strict", "--json"]) == 1  # the warning now fails
    capsys.readouterr()
    assert main(["doctor", "--profile", "no-such-profile"]) == 2


@pytest.mark.parametrize(
    ("argv", "target", "secrets", "extension"),
    [
        (["--profile", "sim"], "simulator", "ok", "ok"),  # the demo profile needs no wallet password
        (["--profile", "practice"], "site", "fail", "fail"),
        (["--profile", "practice", "--sim"], "simulator", "ok", "ok"),
        (["--profile", "default"], "site", "ok", "skip"),
    ],
)
def test_doctor_checks_what_the_profile_needs(
    machine: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    target: str,
    secrets: str,
    extension: str,
) -> None:
    profiles = Path(__file__).resolve().parents[2] / "profiles"
    monkeypatch.setenv("RUGSBOT_PROFILES_DIR", str(profiles))
    main(["doctor", "--json", *argv])
    data = json.loads(capsys.readouterr().out)
    rows = {c["name"]: c for c in data["checks"]}
    assert data["target"] == target
    assert rows["secrets"]["level"] == secrets, rows["secrets"]
    assert rows["extension"]["level"] == extension, rows["extension"]
    assert "NOT set" not in rows["secrets"]["detail"] or secrets == "fail"


def test_doctor_never_writes(machine: Path) -> None:
    run_checks(_inp(needs_wallet=True, sim=True))
    run_checks(_inp(needs_wallet=True))
    assert not (machine / "var").exists()
