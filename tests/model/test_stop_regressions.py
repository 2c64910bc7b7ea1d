"""Stops that the operator model found going wrong, as regression tests.

1. Ctrl-C (or ``systemctl stop``) during the wallet login left a persistent halt. A terminal's Ctrl-C and
   systemd's stop signal the bot's whole process group, so the browser goes down with the bot. The login then
   failed on the dying page ("connect button not found") and the run recorded an ``alarm:execution`` halt: exit 3,
   and every later ``rugsbot run`` refused to start until ``rugsbot resume`` (or, when the page died under
   ``goto``, exit 4 "run failed"). A stop under way is not a reason to halt: the run exits 130, nothing halted.
2. A second SIGTERM while the process exits (``kill`` twice) killed it with the signal (-15) after the run had
   stopped cleanly: once its event loop closed, asyncio had put the default action back. It exits 130.

Real everything: ``rugsbot run --sim`` in headless Chromium (a throw-away wallet), signals at moments read from
its log, ``rugsbot status --json`` afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]


@pytest.mark.parametrize(
    ("sig", "moment"), [(signal.SIGTERM, "feed socket opened"), (signal.SIGINT, "wallet ")]
)
def test_a_stop_during_the_login_is_not_a_halt(tmp_path: Path, sig: signal.Signals, moment: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    env |= {"RUGSBOT_DATA_DIR": str(tmp_path / "var"), "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec")}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--sim", "--sim-speed", "4", "--profile", "sim", "--practice",
             "--headless", "--no-trace", "--games", "3", "--no-dashboard"],
            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while moment not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.01)
            assert "logged in as" not in log.read_text()
            os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C or systemd's stop: the browser gets it too
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
    text = log.read_text()
    assert code == 130, text[-3000:]
    status = subprocess.run(
        [sys.executable, "-m", "bot.cli", "status", "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    st = json.loads(status.stdout)
    assert status.returncode == 0 and st["halt"] is None, (st["halt"], text[-3000:])


def test_a_second_sigterm_while_the_process_exits_keeps_exit_code_130(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    env |= {"RUGSBOT_DATA_DIR": str(tmp_path / "var"), "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec")}
    log = tmp_path / "run.log"
    with log.open("w") as out:
        # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--sim", "--sim-speed", "4", "--profile", "sim", "--dry-run",
             "--headless", "--no-trace", "--games", "3", "--no-dashboard"],
            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while "armed in" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            while "session ended" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.002)
            while proc.poll() is None:  # the operator insists until the process is gone
                proc.send_signal(signal.SIGTERM)
                time.sleep(0.005)
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert code == 130, log.read_text()[-3000:]
