"""Click latency: how fast a decision becomes a request the server receives (headless Chromium, simulator).

Two measurements:

1. **Click primitives** on a static page with the site's controls: ``locator.click()`` (Playwright's
   actionability checks) against ``page.mouse.click(x, y)`` at the cached centre, preceded by the broker's
   one-round-trip probe (box + hit test + enabled + amount) — the path the BrowserBroker actually uses.
2. **End to end** with ``rugsbot run``'s LiveRun (bot/app/live.py) in practice mode against the simulator: for every bet,
   frame received in Python (the decision frame) → mouse click → the page's ``requestSidebet`` reaches the
   simulator (timestamped inside the server by wrapping its message handler; same machine clock) →
   ``currentSidebet`` received back (click → confirmation, what the timing model learns).

Usage: ``.venv/bin/python bench/bench_click.py [--bets 30] [--clicks 40] [--speed 4] [--out docs/bench/execution.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_sections import load_average, measured_line


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def row(name: str, xs_s: list[float]) -> str:
    ms = [x * 1000 for x in xs_s]
    if not ms:
        return f"| {name} | 0 | – | – | – | – |"
    return (
        f"| {name} | {len(ms)} | {pct(ms, 50):.1f} | {pct(ms, 90):.1f} | {pct(ms, 99):.1f} | "
        f"{statistics.mean(ms):.1f} |"
    )


async def primitives(n: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    from bot.brokers.browser import _PROBE_JS

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.execution.test_broker_page import PAGE as html

    out: dict[str, list[float]] = {
        "locator.click()": [],
        "probe (evaluate)": [],
        "mouse.click(x, y)": [],
        "probe + mouse.click": [],
    }
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = await b.new_page()
        await page.set_content(html)
        await page.click("#toggle")
        loc = page.locator("#bet")
        handle = await loc.element_handle()
        inp = await page.locator("#amount").element_handle()
        assert handle is not None
        for _ in range(5):  # warm-up
            await loc.click()
        for _ in range(n):
            t0 = time.perf_counter()
            await loc.click()
            out["locator.click()"].append(time.perf_counter() - t0)
        for _ in range(n):
            t0 = time.perf_counter()
            pr = await handle.evaluate(_PROBE_JS, [inp, "but-button-active"])
            t1 = time.perf_counter()
            await page.mouse.click(pr["x"], pr["y"])
            t2 = time.perf_counter()
            out["probe (evaluate)"].append(t1 - t0)
            out["mouse.click(x, y)"].append(t2 - t1)
            out["probe + mouse.click"].append(t2 - t0)
        clicks = await page.evaluate("window.clicks.length")
        assert clicks == 5 + 2 * n, clicks
        await b.close()
    return out


async def end_to_end(bets: int, speed: float) -> tuple[dict[str, list[float]], dict[str, Any]]:
    from bot.app.live import LiveRun
    from bot.app.target import LiveOptions
    from bot.bets.model import BetStatus
    from bot.brokers.browser import BrowserBroker
    from bot.config import Mode, Settings
    from bot.config.profile import profile_from_dict
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread
    from bot.store.db import Store

    sim = start_sim_in_thread(SimConfig(speed=speed, seed="bench-click", players=6))
    recv: list[float] = []

    def install() -> None:
        server = sim.server
        orig = server._on_message

        def hooked(conn: Any, text: str) -> None:
            if "requestSidebet" in text:
                recv.append(time.time())
            orig(conn, text)

        server._on_message = hooked  # type: ignore[method-assign]

    sim.call(install)
    profile = profile_from_dict(
        {
            "name": "bench",
            "mode": "practice",
            "starting_bankroll_sol": 10.0,
            "engine": {
                "strategies": [
                    {
                        "name": "fixed",
                        "params": {"stake_sol": 0.01, "start_tick": 3, "every": 40, "max_bets_per_game": 4},
                    }
                ],
                "adaptive": False,
            },
            "guards": {
                "max_stake_per_bet_sol": 0.05,
                "max_stake_per_game_sol": 0.5,
                "session_loss_limit_sol": 9.0,
                "daily_loss_limit_sol": 9.0,
                "max_consecutive_losses": 1000,
                "max_drawdown_pct": 99.0,
                "max_bets_per_hour": 10000,
                "loss_streak_cooldown": 1000,
            },
            "browser": {"headless": True, "allowed_origins": ["http://127.0.0.1"]},
        }
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-click-"))
    settings = Settings(
        data_dir=tmp / "var",
        recordings_dir=tmp / "rec",
        strategies_dir=tmp / "s",
        browser_profile_dir=tmp / "profile",
        wallet_password=None,
        url=None,
    )
    options = LiveOptions(headless=True, sim=True, sim_speed=speed, trace=False, record=False)
    bot = LiveRun(settings, profile, Mode.PRACTICE, options, sim=sim)

    async def stopper() -> None:
        while True:
            await asyncio.sleep(0.2)
            if bot.broker_stats().clicks >= bets:
                bot.request_stop("bench: enough bets")
                return

    task = asyncio.ensure_future(stopper())
    await bot.main()
    task.cancel()
    sim.stop()
    with Store.open(settings.db_path) as store:
        rows = {r.bet_id: r for r in store.bets()}
    assert isinstance(bot.broker, BrowserBroker)  # the click samples are the clicking broker's own record
    clicks = bot.broker.clicks
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "frame in → broker starts (session, write-ahead intent, scheduling)",
            "broker: probe (+ fill)",
            "frame in → click",
            "click → requestSidebet on the wire (sniffed)",
            "frame in → server receives",
            "click → server receives",
            "click → currentSidebet received",
        )
    }
    for c, r_t in zip(clicks, recv, strict=False):
        decided = rows[c.bet_id].decided_t
        if c.started_t is not None:
            out["frame in → broker starts (session, write-ahead intent, scheduling)"].append(
                c.started_t - decided
            )
            out["broker: probe (+ fill)"].append(c.clicked_t - c.started_t)
        out["frame in → click"].append(c.clicked_t - decided)
        if c.sent_t is not None:
            out["click → requestSidebet on the wire (sniffed)"].append(c.sent_t - c.clicked_t)
        out["frame in → server receives"].append(r_t - decided)
        out["click → server receives"].append(r_t - c.clicked_t)
        if c.confirm_latency_s is not None:
            out["click → currentSidebet received"].append(c.confirm_latency_s)
    meta = {
        "clicks": len(clicks),
        "server_requests": len(recv),
        "methods": sorted({c.method for c in clicks}),
        "confirmed": sum(
            1 for r in rows.values() if r.status in (BetStatus.CONFIRMED, BetStatus.WON, BetStatus.LOST)
        ),
    }
    return out, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bets", type=int, default=30)
    ap.add_argument("--clicks", type=int, default=40)
    ap.add_argument("--speed", type=float, default=4.0)
    ap.add_argument("--out", type=Path, default=Path("docs/bench/execution.md"))
    a = ap.parse_args()
    load_start = load_average()
    from loguru import logger

    logger.remove()
    prim = asyncio.run(primitives(a.clicks))
    e2e, meta = asyncio.run(end_to_end(a.bets, a.speed))
    head = "| step | n | p50 ms | p90 ms | p99 ms | mean ms |\n|---|---|---|---|---|---|"
    e2e_p50 = pct([x * 1000 for x in e2e["frame in → server receives"]], 50)
    e2e_p99 = pct([x * 1000 for x in e2e["frame in → server receives"]], 99)
    verdict = (
        f"target p50 < 25 ms, p99 < 60 ms: **p50 {e2e_p50:.1f} ms "
        f"{'met' if e2e_p50 < 25 else 'NOT met'}, p99 {e2e_p99:.1f} ms {'met' if e2e_p99 < 60 else 'NOT met'}**"
    )
    text = f"""## Execution: click latency (bench/bench_click.py)

{measured_line(load_start)} {platform.machine()} / Python
{platform.python_version()}, headless Chromium `/usr/bin/chromium` driven by Playwright; on a shared machine
the tails are pessimistic. Reproduce: `.venv/bin/python bench/bench_click.py`.

### Click primitives ({a.clicks} clicks each, static page with the site's controls)
{head}
{chr(10).join(row(k, v) for k, v in prim.items())}

The broker clicks with `page.mouse.click` at the centre found by one `evaluate` probe (box, hit test at the
centre, enabled class, amount field) and falls back to `locator.click()` only when the probe says the button
moved under something or is gone.

### End to end against the simulator (speed {a.speed:g}×, {meta["clicks"]} bets, practice coin)
Frame in = receive time in Python of the frame the decision was taken on; server receives = the simulator's
message handler saw the `requestSidebet` (same clock). Clicks: {meta["clicks"]}, requests received by the server:
{meta["server_requests"]} (no double click), click methods used: {", ".join(meta["methods"])}.

{head}
{chr(10).join(row(k, v) for k, v in e2e.items())}

{verdict}
"""
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
