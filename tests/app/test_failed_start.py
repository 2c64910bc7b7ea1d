"""A run that cannot start tells the truth (issue 13 items 4 and "small untruths").

* An unreachable site (connection refused, an unsafe port, a name that does not resolve) is an environment
  problem: one line on stderr, exit 4, no halt (``status`` shows none), no session row, no recording. A halt
  is for doubt about money, and nothing was bet.
* Throw-away browser profiles live under ``<data_dir>/browser-tmp``; the ones a killed run left behind are
  deleted at the next start, and one a live process holds is left alone.

Real processes, real headless Chromium, real ports on loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app.target import sweep_temp_profiles, temp_profiles_dir
from bot.browser.launch import ProfileLock
from bot.config import Settings
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK
from bot.sim.runner import free_port
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    return {
        **env,
        "RUGSBOT_DATA_DIR": str(tmp / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp / "profile"),
        "RUGSBOT_STRATEGIES_DIR": str(tmp / "strategies"),
        # a configured console token: no first-run console URL on stdout (tests/console cover that line)
        "RUGSBOT_DASHBOARD_TOKEN": "failed-start-console-token",
        **extra,
    }


def _cli(tmp: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp,
        env=_env(tmp, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
@pytest.mark.parametrize(
    ("url", "net_error"),
    [
        ("http://127.0.0.1:9", "net::ERR_"),  # the acceptance command (Chromium calls port 9 unsafe)
        ("http://127.0.0.1:{refused}", "net::ERR_CONNECTION_REFUSED"),
        ("http://rugsbot-test.invalid", "net::ERR_NAME_NOT_RESOLVED"),  # RFC 2606: never resolves
    ],
    ids=["acceptance port 9", "connection refused", "dns"],
)
def test_an_unreachable_site_is_exit_4_in_one_line_and_no_halt(
    tmp_path: Path, url: str, net_error: str
) -> None:
    url = url.format(refused=_refused_port())
    # the console on a free port, not the default 127.0.0.1:8780: when another run holds that one, the run
    # (rightly) says so on stderr, and this test counts stderr lines
    console = f"127.0.0.1:{free_port()}"
    r = _cli(tmp_path, "run", "--headless", "--games", "1", "--dashboard", console, RUGSBOT_URL=url)
    assert r.returncode == EXIT_ENVIRONMENT, r.stderr[-3000:]
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert lines[0].startswith(f"rugsbot run: cannot reach {url}: {net_error}"), lines[0]
    assert "not halted" in lines[0]
    assert r.stdout == ""  # no summary of a session that never started
    status = _cli(tmp_path, "status", "--json")
    assert status.returncode == EXIT_OK, status.stderr
    state = json.loads(status.stdout)
    assert state["halt"] is None and state["state"] == "NOT HALTED"
    assert state["last_session"] is None  # no session row
    with contextlib.closing(sqlite3.connect(tmp_path / "var" / "rugsbot.db")) as con:
        assert con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM halts").fetchone()[0] == 0
    rec = tmp_path / "rec"
    assert not rec.exists() or not any(rec.iterdir())  # no recording


def test_stale_throw_away_profiles_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    parent = temp_profiles_dir(settings)
    stale, live = parent / "sim-profile-stale", parent / "sim-profile-live"
    for d in (stale, live):
        (d / "chromium" / "Default").mkdir(parents=True)
        (d / "chromium" / "Default" / "Preferences").write_text("{}")
    (stale / "rugsbot.lock").write_text("pid 999999")  # its process died: the file stays, the lock does not
    held = ProfileLock(live).acquire()  # a separate open file: refused to the sweep like another process
    try:
        removed = sweep_temp_profiles(settings)
    finally:
        held.release()
    assert removed == [stale]
    assert not stale.exists() and (live / "chromium" / "Default" / "Preferences").is_file()
    assert sweep_temp_profiles(Settings(data_dir=tmp_path / "nothing-here")) == []


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
def test_a_killed_runs_throw_away_profile_is_deleted_at_the_next_start(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the profile stays behind, in the data directory, until the next run starts."""
    cmd = [sys.executable, "-m", "bot.cli", "run", "--sim", "--dry-run", "--headless", "--no-trace"]
    # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
    cmd += ["--sim-speed", "8", "--no-dashboard", "--duration", "120"]
    log = tmp_path / "first.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=_env(tmp_path), stdout=fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while "armed in DRY-RUN" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()[-2000:]
                time.sleep(0.2)
            left = list(temp_profiles_dir(Settings(data_dir=tmp_path / "var")).iterdir())
            assert len(left) == 1, left
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert left[0].is_dir()  # the killed run could not delete it
    again = _cli(tmp_path, *cmd[3:-2], "--duration", "1")
    assert again.returncode == EXIT_OK, again.stderr[-3000:]
    assert not left[0].exists()
    assert list(temp_profiles_dir(Settings(data_dir=tmp_path / "var")).iterdir()) == []


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
def test_a_wallet_that_will_not_unlock_is_exit_4_not_a_halt(tmp_path: Path) -> None:
    """Before arming nothing was bet: a login that fails (here: the wrong password for the profile's wallet) is
    a set-up problem to fix, not a persisted halt that needs `resume` and stops the scheduler."""
    # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
    args = [
        "run",
        "--sim",
        "--practice",
        "--headless",
        "--duration",
        "1",
        "--sim-speed",
        "8",
        "--no-trace",
        "--no-dashboard",
    ]
    first = _cli(tmp_path, *args, timeout=180, RUGSBOT_WALLET_PASSWORD="first-password-123")
    assert first.returncode == EXIT_OK, first.stderr[-3000:]  # the profile's wallet now has this password
    recordings = sorted((tmp_path / "rec").iterdir())
    again = _cli(
        tmp_path,
        *args,
        timeout=180,
        RUGSBOT_WALLET_PASSWORD="another-password-456",
        RUGSBOT_LOG_LEVEL="WARNING",
    )
    assert again.returncode == EXIT_ENVIRONMENT, again.stderr[-3000:]
    assert "Traceback" not in again.stderr
    assert again.stderr.splitlines() == [
        "rugsbot run: the wallet login failed: the wallet did not unlock: wrong password?"
    ]
    state = json.loads(_cli(tmp_path, "status", "--json").stdout)
    assert state["halt"] is None
    assert sorted((tmp_path / "rec").iterdir()) == recordings  # the failed start left no recording
