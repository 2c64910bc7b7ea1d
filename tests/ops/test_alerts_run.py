"""Issue 14's acceptance "Alerts and liveness", with real processes: ``rugsbot sim --speed 4 --faults
sign_request@70``, a real HTTP receiver on 127.0.0.1 for apprise's ``json://`` alerts, ``rugsbot run --sim-url …
--profile sim --practice --headless --duration 90`` with a wallet password, and ``rugsbot status --json`` as an
operator runs it.

* while the run is alive, ``status --json`` says ``running: true`` with a heartbeat younger than 10 s;
* the signing request halts the run: exit 3;
* the receiver got a notification naming the halt and the signing request, and the run's end;
* afterwards ``status --json`` shows the halt and ``running: false``;
* the alert URL (a secret) is in no line the run printed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.exitcodes import EXIT_HALTED
from tests.execution.conftest import browser_available
from tests.ops.receiver import receiver
from tests.watchdog.procs import cli, sim_process, start_bot

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]


def _status(tmp: Path) -> dict[str, Any]:
    done = cli(tmp, "status", "--json", timeout_s=60)
    return dict(json.loads(done.stdout))


def test_a_signing_request_halts_alerts_the_operator_and_status_tells_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with receiver() as rx:
        monkeypatch.setenv("RUGSBOT_ALERT_URLS", rx.url)  # the run's environment (tests/watchdog/procs.py)
        with sim_process(tmp_path, "--speed", "4", "--faults", "sign_request@70", "--seed", "alerts") as url:
            bot = start_bot(
                tmp_path, "--sim-url", url, "--profile", "sim", "--practice", "--headless", "--duration", "90"
            )
            try:
                alive: list[dict[str, Any]] = []
                deadline = time.monotonic() + 150
                while bot.proc.poll() is None and time.monotonic() < deadline:
                    if bot.db.exists():
                        st = _status(tmp_path)
                        if bot.proc.poll() is None and st.get("liveness") != "never":
                            alive.append(st)
                    time.sleep(1.0)
                code = bot.finish(150)
            finally:
                bot.stop()
        after = _status(tmp_path)
        out = bot.output()
        messages = [f"{p.get('title', '')}\n{p.get('message', '')}" for p in rx.payloads]
    assert code == EXIT_HALTED, out[-3000:]
    running = [s for s in alive if s["running"]]
    assert running, alive[-3:]
    assert all(s["heartbeat_age_s"] < 10 and s["pid"] == bot.proc.pid for s in running), running
    assert any(s["last_session"] and s["last_session"]["run_state"] == "running" for s in running)
    halts = [m for m in messages if "HALTED" in m]
    assert len(halts) == 1 and "signing requested" in halts[0], messages
    assert any("run ended" in m and "exit 3" in m for m in messages), messages
    assert after["state"] == "HALTED" and after["running"] is False and after["liveness"] == "stopped", after
    assert "signing requested" in after["halt"]["reason"] and after["last_session"]["run_state"] == "ended"
    assert f"127.0.0.1:{rx.port}" not in out  # the alert URL is a secret: never printed or logged
