"""One bot per data directory (issue 11, item 5): a second run on the same database refuses in one line on
stderr, exit 4, and writes nothing — no session row, no recording, no log line, nothing about the running bot's
open bets."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app.lock import DataDirInUse, DataDirLock
from bot.browser.launch import ProfileLock
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_INTERRUPTED, EXIT_OK
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]


def test_a_held_data_directory_refuses_another_lock_until_released(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path / "var").acquire()
    try:
        with pytest.raises(DataDirInUse) as err:
            DataDirLock(tmp_path / "var").acquire()  # a separate open file: refused within one process too
        assert err.value.directory == tmp_path / "var"
        assert err.value.holder == f"pid {os.getpid()}"
        assert "in use by another rugsbot run" in str(err.value) and "RUGSBOT_DATA_DIR" in str(err.value)
    finally:
        first.release()
    DataDirLock(tmp_path / "var").acquire().release()  # released → free again


def test_the_data_directory_lock_is_not_the_browser_profiles(tmp_path: Path) -> None:
    """A browser profile kept inside the data directory (or equal to it) must not lock the run out of itself."""
    run = DataDirLock(tmp_path).acquire()
    try:
        ProfileLock(tmp_path).acquire().release()
    finally:
        run.release()


def sessions(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        return int(con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
def test_a_second_run_on_the_same_data_directory_refuses_and_writes_nothing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp_path / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
        "RUGSBOT_STRATEGIES_DIR": str(tmp_path / "strategies"),
    }
    env.pop(
        "RUGSBOT_WALLET_PASSWORD", None
    )  # a throw-away browser profile: only the data directory is shared
    cmd = [sys.executable, "-m", "bot.cli", "run", "--sim", "--profile", "sim", "--dry-run", "--headless"]
    # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
    cmd += ["--sim-speed", "8", "--duration", "120", "--no-trace", "--no-dashboard"]
    out = tmp_path / "first.out"
    with out.open("w") as fh:
        first = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while "bet intent" not in out.read_text() and time.monotonic() < deadline:
                assert first.poll() is None, out.read_text()[-2000:]
                time.sleep(0.2)
            assert "bet intent" in out.read_text(), "the first run never opened a (paper) bet"
            db, log = tmp_path / "var" / "rugsbot.db", tmp_path / "var" / "logs" / "rugsbot.jsonl"
            before = (
                sessions(db),
                sorted((tmp_path / "rec").iterdir()),
                log.read_text().count("simulator started"),
            )
            second = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
            after = (
                sessions(db),
                sorted((tmp_path / "rec").iterdir()),
                log.read_text().count("simulator started"),
            )
            assert first.poll() is None, "the running bot must be left alone"
        finally:
            if first.poll() is None:
                first.send_signal(signal.SIGINT)
            code = first.wait(timeout=60)
    assert second.returncode == EXIT_ENVIRONMENT, second.stderr
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "in use by another rugsbot run" in lines[0], second.stderr
    assert f"pid {first.pid}" in lines[0] and str(tmp_path / "var") in lines[0]
    assert second.stdout == ""  # no summary table, no word about the running bot's open bets
    assert after == before  # no session row, no recording, no log line
    assert code in (EXIT_OK, EXIT_INTERRUPTED), out.read_text()[-2000:]
