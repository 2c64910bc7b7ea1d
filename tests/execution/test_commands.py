"""`rugsbot run` / `rugsbot login` at the command level: modes, the LIVE confirmation, locks, a headed start."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.browser.launch import ProfileLock
from bot.cli import main
from bot.commands.run import confirm_live, resolve_mode
from bot.config.profile import profile_from_dict
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from bot.mode import Mode
from tests.execution.conftest import browser_available

LIVE = profile_from_dict({"name": "live", "mode": "live", "confirm_live": True})
PRACTICE = profile_from_dict({"name": "p", "mode": "practice"})
DRY = profile_from_dict({"name": "d"})


@pytest.mark.parametrize(
    ("profile", "flags", "expected"),
    [
        (LIVE, {}, Mode.LIVE),
        (LIVE, {"practice": True}, Mode.PRACTICE),
        (LIVE, {"dry_run": True}, Mode.DRY_RUN),
        (PRACTICE, {}, Mode.PRACTICE),
        (PRACTICE, {"dry_run": True}, Mode.DRY_RUN),
        (DRY, {}, Mode.DRY_RUN),
        (DRY, {"practice": True}, Mode.PRACTICE),  # practice coin: no real money at stake
    ],
)
def test_resolve_mode_never_raises_to_live(profile, flags, expected) -> None:  # type: ignore[no-untyped-def]
    args = argparse.Namespace(dry_run=flags.get("dry_run", False), practice=flags.get("practice", False))
    assert resolve_mode(profile, args) is expected


@pytest.mark.parametrize(
    ("typed", "yes", "ok"),
    [
        ("LIVE\n", False, True),
        ("live\n", False, False),
        ("yes\n", False, False),
        ("", False, False),
        ("  LIVE  \n", False, True),
        ("", True, True),
    ],
)
def test_live_confirmation(typed: str, yes: bool, ok: bool) -> None:
    out = io.StringIO()
    assert confirm_live(argparse.Namespace(yes_live=yes), io.StringIO(typed), out) is ok
    assert ("Type LIVE" in out.getvalue()) is (not yes)


def _write_profile(tmp: Path, text: str) -> Path:
    p = tmp / "prof.toml"
    p.write_text(text)
    return p


def test_run_live_unconfirmed_and_live_sim_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prof = _write_profile(tmp_path, 'name = "l"\nmode = "live"\nconfirm_live = true\n')
    monkeypatch.setattr(sys, "stdin", io.StringIO("no\n"))
    assert main(["run", "--profile", str(prof)]) == EXIT_USAGE
    assert main(["run", "--profile", str(prof), "--sim", "--yes-live"]) == EXIT_USAGE
    assert main(["run", "--profile", str(prof), "--duration", "0", "--yes-live"]) == EXIT_USAGE


@pytest.mark.browser
def test_run_refuses_a_profile_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RUGSBOT_BROWSER_PROFILE_DIR", str(tmp_path / "profile"))
    lock = ProfileLock(tmp_path / "profile").acquire()
    try:
        code = main(["run", "--dry-run", "--duration", "1", "--no-record"])
    finally:
        lock.release()
    assert code == EXIT_ENVIRONMENT
    out = capsys.readouterr()
    assert "in use by another rugsbot" in out.err + out.out


def test_login_without_display_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["login"]) == EXIT_ENVIRONMENT
    assert "xvfb-run" in capsys.readouterr().err


def _login_cmd(tmp: Path, timeout: float) -> tuple[list[str], dict[str, str]]:
    env = dict(
        os.environ, RUGSBOT_BROWSER_PROFILE_DIR=str(tmp / "profile"), RUGSBOT_DATA_DIR=str(tmp / "var")
    )
    return (
        ["xvfb-run", "-a", sys.executable, "-m", "bot.cli", "login", "--sim", "--timeout", str(timeout)],
        env,
    )


@pytest.mark.browser
def test_login_starts_headed_under_xvfb_and_refuses_a_locked_profile(tmp_path: Path) -> None:
    if shutil.which("xvfb-run") is None or not browser_available():
        pytest.skip("needs xvfb-run and Chromium")
    cmd, env = _login_cmd(tmp_path, 2)
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == EXIT_OK, r.stderr[-2000:]
    assert "set up the wallet" in r.stderr
    assert (tmp_path / "profile" / "chromium").is_dir()  # the persistent profile was created
    lock = ProfileLock(tmp_path / "profile").acquire()
    try:
        r = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=120)
    finally:
        lock.release()
    assert r.returncode == EXIT_ENVIRONMENT
    assert "in use" in r.stderr and str(tmp_path / "profile") in r.stderr


@pytest.mark.browser
def test_headed_practice_run_under_xvfb_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    """The real command in a real (virtual) display: arms, clicks, then Ctrl-C → exit 130, summary, files closed."""
    import json
    import signal
    import time

    if shutil.which("xvfb-run") is None or not browser_available():
        pytest.skip("needs xvfb-run and Chromium")
    from bot.config.profile import BUILTIN_PROFILES_DIR

    root = Path(__file__).resolve().parents[2]
    prof = _write_profile(tmp_path, (BUILTIN_PROFILES_DIR / "sim.toml").read_text())
    env = dict(
        os.environ,
        RUGSBOT_DATA_DIR=str(tmp_path / "var"),
        RUGSBOT_RECORDINGS_DIR=str(tmp_path / "rec"),
        RUGSBOT_BROWSER_PROFILE_DIR=str(tmp_path / "unused"),
        RUGSBOT_STRATEGIES_DIR=str(tmp_path / "s"),
    )
    env.pop("RUGSBOT_WALLET_PASSWORD", None)
    cmd = [
        "xvfb-run",
        "-a",
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--profile",
        str(prof),
        "--sim",
        "--sim-speed",
        "10",
        "--headed",
        "--duration",
        "90",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "var" / "logs" / "rugsbot.jsonl"
    try:
        clicked = False
        deadline = time.time() + 90
        while time.time() < deadline and proc.poll() is None and not clicked:
            time.sleep(0.5)
            if log.exists():
                clicked = "clicked side bet" in log.read_text()
        assert clicked, "no click within 90 s"
        pid = None
        for lock in tmp_path.glob("**/rugsbot.lock"):
            text = lock.read_text().strip()
            if text.startswith("pid "):
                pid = int(text.split()[1])
        if (
            pid is None
        ):  # throw-away sim profile lives in the system temp dir: find the bot by its command line
            out = subprocess.run(
                ["pgrep", "-f", f"bot.cli run --profile {prof}"], capture_output=True, text=True
            )
            pids = [int(x) for x in out.stdout.split() if int(x) != proc.pid]
            assert pids, "bot process not found"
            pid = pids[0]
        os.kill(pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err[-3000:]
    assert "session summary" in out
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert all(r["mode"] == "PRACTICE" for r in records)  # the mode on every log line
    assert any("stopping: signal SIGINT" in r["message"] for r in records)
    from bot.feeds.recording import read_recording

    recs = list((tmp_path / "rec").glob("*.jsonl.gz"))
    assert recs and sum(1 for _ in read_recording(recs[0])) > 10  # the recording is closed and readable
