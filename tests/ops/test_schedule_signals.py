"""``rugsbot schedule`` stopped by Ctrl-C or SIGTERM exits 130 like ``run`` (operator report: SIGINT gave 0,
SIGTERM 143; bot/exitcodes.py promises 130 for both)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.exitcodes import EXIT_INTERRUPTED

PROFILE = '[schedule]\n[[schedule.windows]]\nname = "w"\ncron = "0 3 1 1 *"\nmax_duration_min = 1\n'


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_stopped_schedule_exits_130(tmp_path: Path, sig: signal.Signals) -> None:
    prof = tmp_path / "short.toml"
    prof.write_text(PROFILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    env["RUGSBOT_DATA_DIR"] = str(tmp_path / "var")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "schedule", "--profile", str(prof)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("schedule: 1 window(s)")
        time.sleep(1.0)  # the line comes just before the scheduler starts waiting: signal it while it waits
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read() if proc.stderr else ""
    assert code == EXIT_INTERRUPTED, err
    assert "Traceback" not in err


def test_a_running_window_is_stopped_cleanly_when_the_schedule_stops() -> None:
    """``request_stop`` (what an interrupted schedule calls) sends the window's child SIGTERM at the next poll."""
    import threading

    from bot.ops.scheduler import RunRequest, SubprocessRunner

    runner = SubprocessRunner(None, command=[sys.executable, "-c", "import time; time.sleep(60)"], poll_s=0.1)
    codes: list[int] = []
    worker = threading.Thread(
        target=lambda: codes.append(runner(RunRequest("w", datetime.now(UTC), max_duration_s=600)))
    )
    worker.start()
    time.sleep(0.5)
    runner.request_stop()
    worker.join(15)
    assert codes == [-signal.SIGTERM] and runner.last_stop_reason == "the schedule was interrupted"
