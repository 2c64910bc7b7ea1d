"""Issue 15's acceptance, as a reviewer runs it: ``rugsbot run`` on the simulator (practice, real Chromium, real
stand-in wallet) with the console at a chosen address and ``RUGSBOT_DASHBOARD_TOKEN=T``.

/health within 60 s, /ready within 40 s after that; /metrics refused without the token and parsed by
prometheus_client with it; POST /api/halt refused without the token and accepted with it; the run then exits 3
and ``rugsbot status --json`` shows the console's halt.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.exitcodes import EXIT_HALTED
from tests.console.bot_process import TOKEN, bot_process, free_port
from tests.execution.conftest import browser_available

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]

REQUIRED_METRICS = (
    "rugsbot_frames_received",
    "rugsbot_decisions",
    "rugsbot_bets",
    "rugsbot_decision_latency_seconds",
    "rugsbot_click_latency_seconds",
    "rugsbot_pwin",
    "rugsbot_pwin_low",
    "rugsbot_pwin_high",
    "rugsbot_bankroll_lamports",
    "rugsbot_session_pnl_lamports",
    "rugsbot_halted",
    "rugsbot_paused",
    "rugsbot_feed_age_seconds",
    "rugsbot_recoveries",
)


def test_acceptance_health_ready_metrics_and_a_halt_from_the_console_exits_3(tmp_path: Path) -> None:
    port = free_port()
    args = ("--sim", "--sim-speed", "4", "--profile", "sim", "--practice", "--headless", "--duration", "120")
    with bot_process(
        tmp_path, *args, "--dashboard", f"127.0.0.1:{port}", "--sim-rug-at", "40", port=port
    ) as bot:
        bot.wait_status("/health", 200, within_s=60)
        bot.wait_status("/ready", 200, within_s=40)

        assert bot.get("/metrics")[0] == 401
        assert bot.get("/metrics", token="not-" + TOKEN)[0] == 401
        status, text = bot.get("/metrics", token=TOKEN)
        assert status == 200
        samples = {
            s.name + json.dumps(s.labels, sort_keys=True): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        families = {family.name for family in text_string_to_metric_families(text)}
        assert set(REQUIRED_METRICS) <= families, set(REQUIRED_METRICS) - families
        assert samples["rugsbot_frames_received_total{}"] > 0
        assert samples["rugsbot_halted{}"] == 0
        assert samples["rugsbot_armed{}"] == 1

        assert bot.post("/api/halt", {"reason": "no token"})[0] == 401
        assert bot.active_halt() is None
        status, text = bot.post("/api/halt", {"reason": "acceptance: halted from the console"}, token=TOKEN)
        assert status in (200, 202), text
        assert json.loads(text)["level"] == "HALTED"
        assert bot.active_halt() == ("acceptance: halted from the console", "console:127.0.0.1")

        assert bot.wait_exit(within_s=60) == EXIT_HALTED, bot.output()[-3000:]

    code, st = bot.status_json()
    assert code == EXIT_HALTED
    assert st["state"] == "HALTED"
    assert st["halt"]["reason"] == "acceptance: halted from the console"
    assert st["halt"]["source"] == "console:127.0.0.1"
    audit = [(r["action"], r["outcome"]) for r in bot.control_rows()]
    assert audit == [("halt", "no_token"), ("halt", "ok")]
