"""``rugsbot alerts test`` never echoes a secret of an alert URL (operator report: a failing ``tgram://`` URL
printed its chat id on stdout and in a WARNING on stderr, while ``run`` scrubbed the same text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.receiver import receiver

TOKEN, CHAT = "ABCDEFSECRETTOKEN", "-1009876543210"
HOOK = "hookpath-5ecret-77"


def _alerts_test(urls: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    env["RUGSBOT_ALERT_URLS"] = urls
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "alerts", "test", *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("json_out", [False, True], ids=["text", "json"])
def test_failures_are_reported_without_the_urls_secrets(tmp_path: Path, json_out: bool) -> None:
    """A tgram URL (no network here: it fails) and a local receiver answering 500, both with secrets."""
    with receiver("error") as rx:
        urls = f"tgram://123456:{TOKEN}/{CHAT} json://bob:pw-{HOOK}@127.0.0.1:{rx.port}/{HOOK}"
        done = _alerts_test(urls, tmp_path, *(("--json",) if json_out else ()))
    assert rx.payloads, "the receiver got the alert"
    assert done.returncode == 4, done.stderr
    everything = done.stdout + done.stderr
    assert "#1 (tgram://)" in everything and "#2 (json://)" in everything
    if json_out:
        endpoints = json.loads(done.stdout)["endpoints"]
        assert [e["ok"] for e in endpoints] == [False, False] and all(e["detail"] for e in endpoints)
    else:
        assert "#1 (tgram://): FAILED: " in done.stdout
    assert "endpoint #1 (tgram://) failed" in done.stderr  # the WARNING is still there, scrubbed
    for secret in (TOKEN, CHAT, HOOK):
        assert secret not in everything


def test_a_delivery_shows_no_secret(tmp_path: Path) -> None:
    with receiver("ok") as rx:
        done = _alerts_test(f"json://127.0.0.1:{rx.port}/{HOOK}", tmp_path)
    assert done.returncode == 0 and "#1 (json://): delivered" in done.stdout
    assert HOOK not in done.stdout + done.stderr
