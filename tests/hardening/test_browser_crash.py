"""The browser process is killed under a running bot that may not recover (``[watchdog]
max_recoveries_per_hour = 0``): it notices within seconds and halts with a clear reason.

A real `rugsbot run --sim --practice` in headless Chromium; once it is armed, the test SIGKILLs every Chromium
process the bot started. The bot must stop by itself (no hang), exit with the halted code, say why, and leave
the halt persisted so the next start does not bet until `rugsbot resume`. (With recoveries allowed, the default,
the watchdog relaunches the browser instead: tests/watchdog/test_acceptance.py.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.exitcodes import EXIT_HALTED
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for k in kids:
            out += [k, *_descendants(k)]
    return out


def _is_chromium(pid: int) -> bool:
    try:
        return "chrom" in Path(f"/proc/{pid}/comm").read_text().lower()
    except OSError:
        return False


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
def test_killed_browser_halts_the_bot(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp_path / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
    }
    profile = tmp_path / "no-recovery.toml"
    sim_profile = (REPO / "bot" / "profiles" / "sim.toml").read_text()
    profile.write_text(sim_profile + "\n[watchdog]\nmax_recoveries_per_hour = 0\n")
    log = tmp_path / "run.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                "--sim",
                "--profile",
                str(profile),
                "--practice",
                "--headless",
                "--duration",
                "120",
                "--sim-speed",
                "8",
                "--no-trace",
            ],
            env=env,
            cwd=REPO,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while "armed in PRACTICE" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()[-2000:]
                time.sleep(0.2)
            browsers = [p for p in _descendants(proc.pid) if _is_chromium(p)]
            assert browsers, "no Chromium process under the bot"
            killed_at = time.monotonic()
            for p in browsers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)
            code = proc.wait(timeout=30)
            noticed_s = time.monotonic() - killed_at
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert code == EXIT_HALTED, text[-3000:]
    assert noticed_s < 15, noticed_s
    assert "browser closed unexpectedly" in text
    status = subprocess.run(
        [sys.executable, "-m", "bot.cli", "status", "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    state = json.loads(status.stdout)
    assert state["halt"] is not None and "browser" in json.dumps(state["halt"])
