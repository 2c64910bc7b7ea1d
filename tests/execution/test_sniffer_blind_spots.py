"""The sniffer's blind spots, named (issue 16.7), on a real page and the real simulator.

* A proxy blocks websockets (``SimConfig(no_websocket=True)``): the page falls back to HTTP long-polling and
  plays on, while not one websocket frame reaches the bot. The sniffer says so: one WARNING, ``transport``
  ``polling``, and :meth:`Sniffer.require_websocket` raises :class:`PollingFallback` (exit 4).
* A second socket of the page for another namespace is not a feed socket, nor a reconnect.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from bot.browser.launch import LaunchedBrowser
from bot.exitcodes import EXIT_ENVIRONMENT
from bot.feeds.sniffer import POLLING_MESSAGE, PollingFallback, Sniffer
from bot.game.tracker import GameTracker
from bot.sim.config import SimConfig
from bot.sim.runner import start_sim_in_thread

pytestmark = pytest.mark.browser


async def _until(check: Callable[[], bool], timeout_s: float) -> bool:
    end = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > end:
            return False
        await asyncio.sleep(0.05)
    return True


def test_a_page_on_long_polling_is_named_and_refused(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    sim = start_sim_in_thread(SimConfig(speed=8, seed="polling", players=2, no_websocket=True))
    tracker = GameTracker()
    sniffer = Sniffer([tracker.on_frame])
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")

    async def scenario() -> tuple[str, str, BaseException | None]:
        page = await plain_browser.context.new_page()
        sniffer.attach(page)
        await page.goto(sim.url, wait_until="domcontentloaded")
        try:
            await sniffer.require_websocket(20)
        except PollingFallback as exc:
            refused: BaseException | None = exc
        else:
            refused = None
        first = await page.text_content("#tick") or ""
        assert await _until(lambda: sniffer.health.polling_responses > 40, 20)
        await page.wait_for_function(f"document.getElementById('tick').textContent !== {first!r}")
        last = await page.text_content("#tick") or ""
        await page.close()
        return first, last, refused

    try:
        first, last, refused = run(scenario())
    finally:
        logger.remove(sink)
        sim.stop()
    h = sniffer.health
    assert isinstance(refused, PollingFallback) and refused.exit_code == EXIT_ENVIRONMENT, (refused, h)
    assert str(refused) == POLLING_MESSAGE
    assert first != last, (first, h)  # the page plays over polling ...
    assert h.frames_in == 0 and tracker.counters.frames_in == 0, h  # ... and the bot sees no frame of it
    assert h.transport == "polling" and h.polling_fallback, h
    assert h.sockets_opened >= 1 and h.sockets_open == 0, h  # the refused websocket attempt(s), closed
    assert sum(POLLING_MESSAGE in w for w in warnings) == 1, warnings  # one WARNING, however long it polls


def test_the_normal_page_is_on_websocket(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    sim = start_sim_in_thread(SimConfig(speed=8, seed="ws", players=2))
    sniffer = Sniffer([])

    async def scenario() -> None:
        page = await plain_browser.context.new_page()
        sniffer.attach(page)
        await page.goto(sim.url, wait_until="domcontentloaded")
        await sniffer.require_websocket(20)  # returns at the first frame: nothing raised
        await page.close()

    try:
        run(scenario())
    finally:
        sim.stop()
    h = sniffer.health
    assert h.transport == "websocket" and h.frames_in > 0 and h.polling_responses == 0


def test_a_socket_for_another_namespace_is_not_the_feed(
    plain_browser: LaunchedBrowser, run: Callable[[Awaitable[Any]], Any]
) -> None:
    sim = start_sim_in_thread(SimConfig(speed=8, seed="namespace", players=2))
    tracker = GameTracker()
    frames: list[tuple[str, str]] = []
    sniffer = Sniffer([tracker.on_frame, lambda t, d, x: frames.append((d, x))])

    async def scenario() -> None:
        page = await plain_browser.context.new_page()
        sniffer.attach(page)
        await page.goto(sim.url, wait_until="domcontentloaded")
        assert await _until(lambda: tracker.view.tick > 3, 20)
        # the page opens a second Socket.IO socket for /admin (the simulator refuses the namespace: 44/admin,)
        await page.evaluate(
            """(url) => { const ws = new WebSocket(url);
               ws.onmessage = (ev) => { if (String(ev.data).startsWith("0")) ws.send("40/admin,"); }; }""",
            sim.ws_url,
        )
        assert await _until(lambda: sniffer.health.other_sockets == 1, 10)
        await asyncio.sleep(0.5)
        await page.close()

    try:
        run(scenario())
    finally:
        sim.stop()
    h = sniffer.health
    assert (h.sockets_opened, h.other_sockets) == (1, 1)  # the feed's socket only: no reconnect
    assert ("out", "40/admin,") in frames and any(x.startswith("44/admin,") for _, x in frames)
    assert tracker.counters.connects == 1 and tracker.counters.other_namespace == {"/admin": 1}


def test_the_run_refuses_a_page_on_long_polling_before_arming(tmp_path: Path) -> None:
    """``rugsbot run --practice`` on a page whose socket polls: one WARNING, exit 4 in one line before anything is
    armed or written (no halt, no recording), instead of a bot that sits and sees nothing."""
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp_path / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
        "RUGSBOT_WALLET_PASSWORD": "polling-test-pw",
    }
    sim = start_sim_in_thread(SimConfig(speed=8, seed="polling-run", players=2, no_websocket=True))
    try:
        # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
        run = _cli(
            env,
            "run",
            "--sim-url",
            sim.url,
            "--profile",
            "sim",
            "--practice",
            "--headless",
            "--no-trace",
            "--no-dashboard",
        )
        truth = sim.truth()
    finally:
        sim.stop()
    assert run.returncode == EXIT_ENVIRONMENT, (run.stdout + run.stderr)[-3000:]
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith(f"rugsbot run: {POLLING_MESSAGE}"), run.stderr[-2000:]
    assert not any("Traceback" in line for line in lines)
    log = (tmp_path / "var" / "logs" / "rugsbot.jsonl").read_text().splitlines()
    warnings = [json.loads(x)["message"] for x in log if json.loads(x)["level"] == "WARNING"]
    assert sum(POLLING_MESSAGE in w for w in warnings) == 1
    assert truth.sidebet_requests == {} and not list((tmp_path / "rec").glob("**/*.jsonl*"))
    resumed = _cli(env, "resume", "--json")
    assert json.loads(resumed.stdout)["cleared"] == []  # an environment problem, not a halt


def test_the_probe_names_a_page_on_long_polling(tmp_path: Path) -> None:
    """The probe reads the same health as the run: transport ``polling`` and the one-line reason, exit 1."""
    env = {**os.environ, "RUGSBOT_DATA_DIR": str(tmp_path / "var")}
    sim = start_sim_in_thread(SimConfig(speed=8, seed="polling-probe", players=2, no_websocket=True))
    try:
        probe = _cli(env, "probe", sim.url + "/", "--listen", "3", "--json")
    finally:
        sim.stop()
    assert probe.returncode == 1, probe.stderr[-2000:]
    out = json.loads(probe.stdout)
    assert out["protocol"]["transport"] == "polling"
    [item] = out["protocol"]["drift"]
    assert item["kind"] == "no_feed" and item["sample"] == POLLING_MESSAGE
    assert all(c["found"] for c in out["controls"] if c["checked"])  # the page itself is fine


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=240,
    )
