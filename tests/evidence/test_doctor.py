"""Doctor on temporary machines: each check can pass, warn and fail, and the exit code follows."""

from __future__ import annotations

import gzip
import json
import os
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
    check_extension,
    check_profile_lock,
    check_secrets,
    exit_code,
    run_checks,
)


@pytest.fixture()
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with every path the settings use pointing inside it."""
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith("RUGSBOT_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RUGSBOT_BROWSER_PROFILE_DIR", str(tmp_path / "var" / "profile"))
    monkeypatch.setenv("RUGSBOT_RECORDINGS_DIR", str(tmp_path / "recordings"))
    return tmp_path


def _inp(**kw: object) -> DoctorInputs:
    return DoctorInputs(settings=Settings(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "password", "needs_wallet", "level", "text"),
    [
        (0o600, None, False, Level.OK, "mode 600"),
        (0o644, None, False, Level.WARN, "chmod 600"),
        (0o640, "hunter2-secret", True, Level.WARN, "wallet password set"),
        (0o600, None, True, Level.FAIL, "NOT set"),
    ],
    ids=["tight", "loose", "loose-with-password", "missing-password"],
)
def test_secrets(
    machine: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: int,
    password: str | None,
    needs_wallet: bool,
    level: Level,
    text: str,
) -> None:
    env = machine / ".env"
    env.write_text(f"RUGSBOT_WALLET_PASSWORD={password}\n" if password else "RUGSBOT_LOG_LEVEL=INFO\n")
    env.chmod(mode)
    c = check_secrets(_inp(env_file=env, needs_wallet=needs_wallet))
    assert c.level is level and text in c.detail
    assert "hunter2" not in c.detail  # a secret's value never appears


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


def test_profile_lock_free_and_in_use(machine: Path) -> None:
    from bot.browser.launch import ProfileLock

    assert check_profile_lock(_inp()).level is Level.OK
    assert not Settings().browser_profile_dir.exists()  # doctor created nothing
    lock = ProfileLock(Settings().browser_profile_dir).acquire()
    try:
        c = check_profile_lock(_inp())
        assert c.level is Level.WARN and "in use" in c.detail
    finally:
        lock.release()
    assert check_profile_lock(_inp()).level is Level.OK


@pytest.mark.parametrize(
    ("manifest", "level"),
    [
        ({"manifest_version": 3, "name": "Wallet", "version": "1.0"}, Level.OK),
        ({"name": "Wallet"}, Level.FAIL),
        (None, Level.FAIL),
    ],
)
def test_extension(
    machine: Path, monkeypatch: pytest.MonkeyPatch, manifest: dict | None, level: Level
) -> None:
    ext = machine / "ext"
    ext.mkdir()
    if manifest is not None:
        (ext / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("RUGSBOT_EXTENSION_DIR", str(ext))
    assert check_extension(_inp(needs_wallet=True)).level is level


def test_browser_found_or_not(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if Path("/usr/bin/chromium").exists():
        c = check_browser(_inp())
        assert c.level is Level.OK and "Chrome" in c.detail
    monkeypatch.setenv("RUGSBOT_BROWSER_PATH", str(machine / "no-such-browser"))
    assert check_browser(_inp()).level is Level.FAIL


def _recording(path: Path, skew_s: float, n: int = 20) -> Path:
    with gzip.open(path, "wt") as f:
        for i in range(n):
            server = 1_765_000_000.0 + i
            frame = '42["newChatMessage",{"message":"hi","timestamp":' + str(int(server * 1000)) + "}]"
            f.write(json.dumps({"t": server + skew_s, "dir": "in", "frame": frame}) + "\n")
    return path


@pytest.mark.parametrize(
    ("skew", "level", "text"),
    [
        (0.2, Level.OK, "+0.200"),
        (-2.5, Level.WARN, "-2.500"),
        (30.0, Level.FAIL, "NTP"),
        (3 * 3600 + 0.4, Level.FAIL, "+3 h"),
    ],
)
def test_clock_skew(machine: Path, skew: float, level: Level, text: str) -> None:
    c = check_clock(_inp(recording=_recording(machine / "r.jsonl.gz", skew)))
    assert c.level is level and text in c.detail


def test_clock_on_the_real_capture_finds_its_time_zone_error(
    machine: Path, capture_paths: list[Path]
) -> None:
    c = check_clock(_inp(recording=capture_paths[0]))
    assert c.level is Level.FAIL and "-5 h" in c.detail


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
