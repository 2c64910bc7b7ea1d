"""Simulator page and stand-in wallet: what they add between a frame and the DOM, and around a wallet prompt.

Measured in headless Chromium (/usr/bin/chromium) with the stand-in wallet loaded:

1. **Frame → DOM** on the page (bot/sim/page/app.js): real captured frames (tests/fixtures/real) are pushed by a
   local replay socket; a MutationObserver added by this script (bench instrumentation, not part of the page)
   timestamps when ``#tick`` changes. Latency = DOM update time − socket send time (same machine clock).
   Cases: a normal tick frame at the real 250 ms cadence, and a tick sent right after a real ~300 KB
   ``gameHistory`` frame. Throughput: the whole raw capture (553 frames, 3.2 MB) at once.
2. **Wallet round trips**: ``signMessage`` call → request window ready, approve click → promise resolved,
   and a trusted ``connect()`` (no window).

Usage: ``.venv/bin/python bench/bench_sim_page.py [--ticks 40] [--reps 10] [--out docs/bench/sim-page.md]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import mimetypes
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_sections import load_average, measured_line  # noqa: E402
from playwright.async_api import BrowserContext, async_playwright  # noqa: E402
from websockets.asyncio.server import ServerConnection, serve  # noqa: E402
from websockets.datastructures import Headers  # noqa: E402
from websockets.http11 import Request, Response  # noqa: E402

from bot.browser.selectors import PHANTOM_WALLET as W  # noqa: E402
from bot.sim.assets import extension_dir, page_dir  # noqa: E402

CAPTURE = ROOT / "tests/fixtures/real/captures/2025-12-12_17-16-58_raw.frames.jsonl.gz"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench password 123"

OBSERVER = """() => {
  window.__benchTicks = [];
  const el = document.getElementById('tick');
  new MutationObserver(() => window.__benchTicks.push([el.textContent, performance.timeOrigin + performance.now()]))
    .observe(el, {childList: true, characterData: true, subtree: true});
}"""


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))] if s else float("nan")


def row(name: str, xs_ms: list[float]) -> str:
    return (
        f"| {name} | {len(xs_ms)} | {statistics.median(xs_ms):.1f} | {pct(xs_ms, 90):.1f} | "
        f"{max(xs_ms):.1f} |"
    )


def real_frames() -> list[str]:
    with gzip.open(CAPTURE, "rt") as f:
        recs = [json.loads(line) for line in f]
    return [r["frame"] for r in recs if r["dir"] == "in" and not r["frame"].startswith(("0", "40"))]


def tick_frame(game: str, tick: int) -> str:
    return "42" + json.dumps(
        [
            "gameStateUpdate",
            {"gameId": game, "active": True, "rugged": False, "tickCount": tick, "price": 1.0 + tick / 1000},
        ]
    )


class Replay:
    def __init__(self) -> None:
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent_at: dict[str, float] = {}
        self.connected = asyncio.Event()

    async def process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?")[0]
        if path.startswith("/socket.io/"):
            return None
        f = page_dir() / ("index.html" if path == "/" else path.lstrip("/"))
        if not f.is_file():
            return Response(404, "Not Found", Headers([("Content-Length", "0")]), b"")
        body = f.read_bytes()
        ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        return Response(
            200, "OK", Headers([("Content-Type", ctype), ("Content-Length", str(len(body)))]), body
        )

    async def handler(self, ws: ServerConnection) -> None:
        await ws.send('0{"sid":"bench","upgrades":[],"pingInterval":25000,"pingTimeout":20000}')
        async for msg in ws:
            if msg == "40":
                await ws.send('40{"sid":"bench-sio"}')
                break
        self.connected.set()
        closed = asyncio.ensure_future(ws.wait_closed())
        while True:  # until the sentinel or the page goes away (a later page opens its own socket)
            get = asyncio.ensure_future(self.outbox.get())
            await asyncio.wait({get, closed}, return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                return
            text = get.result()
            if text is None:
                return
            await ws.send(text)
            self.sent_at[text[:200]] = time.time()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        async with serve(
            self.handler, "127.0.0.1", 0, process_request=self.process_request, max_size=None
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            try:
                yield f"http://127.0.0.1:{port}/"
            finally:
                self.outbox.put_nowait(None)


async def bench_page(ctx: BrowserContext, url: str, replay: Replay, ticks: int) -> dict[str, Any]:
    frames = real_frames()
    history = [f for f in frames if '"gameHistory"' in f[:60] or '"gameHistory":[' in f]
    page = await ctx.new_page()
    await page.goto(url)
    await page.bring_to_front()  # a background tab (e.g. the wallet's onboarding tab in front) is throttled
    await asyncio.wait_for(replay.connected.wait(), 10)
    await page.evaluate(OBSERVER)

    async def shown(tick: int) -> float:
        label = f"tick {tick}"
        await page.wait_for_function(
            f"() => window.__benchTicks.some(t => t[0] === {label!r})", timeout=10_000, polling=5
        )
        got = await page.evaluate(f"() => window.__benchTicks.find(t => t[0] === {label!r})[1]")
        return float(got) / 1000

    normal: list[float] = []
    for k in range(1, ticks + 1):
        text = tick_frame("bench-a", k)
        replay.outbox.put_nowait(text)
        at = await shown(k)
        normal.append((at - replay.sent_at[text[:200]]) * 1000)
        await asyncio.sleep(0.25)
    after_history: list[float] = []
    for k, h in enumerate(history * 3, start=ticks + 1):
        replay.outbox.put_nowait(h)
        text = tick_frame("bench-a", k)
        replay.outbox.put_nowait(text)
        at = await shown(k)
        after_history.append((at - replay.sent_at[h[:200]]) * 1000)
        await asyncio.sleep(0.25)
    # throughput: the whole capture at once, then a marker tick
    total_bytes = sum(len(f) for f in frames)
    t0 = time.time()
    for f in frames:
        replay.outbox.put_nowait(f)
    replay.outbox.put_nowait(tick_frame("bench-end", 999_999))
    await shown(999_999)
    burst_s = time.time() - t0
    await page.close()
    return {
        "normal": normal,
        "after_history": after_history,
        "history_kb": [len(h) / 1024 for h in history],
        "burst_frames": len(frames) + 1,
        "burst_mb": total_bytes / 1e6,
        "burst_s": burst_s,
    }


async def bench_wallet(ctx: BrowserContext, ext_id: str, url: str, reps: int) -> dict[str, list[float]]:
    onboarding = await ctx.new_page()
    await onboarding.goto(f"chrome-extension://{ext_id}/{W.onboarding_page}")
    await onboarding.fill(W.onboarding_password, PASSWORD)
    await onboarding.fill(W.onboarding_confirm, PASSWORD)
    await onboarding.click(W.onboarding_terms)
    await onboarding.click(W.onboarding_submit)
    await onboarding.wait_for_selector(W.onboarding_done)
    page = await ctx.new_page()
    await page.goto(url)
    is_approval = lambda p: f"/{W.notification_page}" in p.url  # noqa: E731
    async with ctx.expect_page(is_approval) as info:
        first = asyncio.create_task(
            page.evaluate("window.phantom.solana.connect().then(r => r.publicKey.toString())")
        )
    popup = await info.value
    await popup.click(W.primary_button)
    await first
    to_window, to_resolve, trusted = [], [], []
    for i in range(reps):
        t0 = time.perf_counter()
        async with ctx.expect_page(is_approval) as info:
            task = asyncio.create_task(
                page.evaluate(
                    f"window.phantom.solana.signMessage(new TextEncoder().encode('bench {i}')).then(r => r.signature.length)"
                )
            )
        popup = await info.value
        await popup.wait_for_selector(W.primary_button)
        t1 = time.perf_counter()
        await popup.click(W.primary_button)
        await task
        t2 = time.perf_counter()
        to_window.append((t1 - t0) * 1000)
        to_resolve.append((t2 - t1) * 1000)
    for _ in range(reps * 2):
        t0 = time.perf_counter()
        await page.evaluate("window.phantom.solana.connect({onlyIfTrusted: true})")
        trusted.append((time.perf_counter() - t0) * 1000)
    return {"sign_window": to_window, "sign_resolve": to_resolve, "trusted_connect": trusted}


async def main(args: argparse.Namespace) -> str:
    load_start = load_average()
    ext = extension_dir()
    replay = Replay()
    with tempfile.TemporaryDirectory() as profile:
        async with replay.running() as url, async_playwright() as pw:
            ctx = await pw.chromium.launch_persistent_context(
                user_data_dir=profile,
                headless=True,
                executable_path=CHROMIUM,
                ignore_default_args=["--disable-extensions"],
                args=[
                    f"--disable-extensions-except={ext}",
                    f"--load-extension={ext}",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            sw = ctx.service_workers or [await ctx.wait_for_event("serviceworker")]
            ext_id = sw[0].url.split("/")[2]
            page_res = await bench_page(ctx, url, replay, args.ticks)
            wallet_res = await bench_wallet(ctx, ext_id, url, args.reps)
            version = ctx.browser.version if ctx.browser else "?"
            await ctx.close()
    lines = [
        "## Simulator page and stand-in wallet (bench/bench_sim_page.py)",
        "",
        measured_line(load_start),
        "",
        f"Python {platform.python_version()}; headless Chromium "
        f"{version} (/usr/bin/chromium) with the stand-in wallet loaded. Frames: the real raw capture "
        "(tests/fixtures/real/captures/2025-12-12_17-16-58_raw) pushed by a local replay socket; the page's "
        "`#tick` updates timestamped by a MutationObserver (same machine clock as the sender).",
        "",
        "| what | n | median ms | p90 ms | max ms |",
        "|---|---|---|---|---|",
        row("tick frame sent → `#tick` updated (250 ms cadence)", page_res["normal"]),
        row(
            f"real gameHistory frame ({statistics.median(page_res['history_kb']):.0f} KB) + tick → `#tick`",
            page_res["after_history"],
        ),
        row("wallet: `signMessage()` → request window ready", wallet_res["sign_window"]),
        row("wallet: Approve click → `signMessage()` resolved", wallet_res["sign_resolve"]),
        row("wallet: trusted `connect({onlyIfTrusted})` (no window)", wallet_res["trusted_connect"]),
        "",
        f"Burst: the whole capture ({page_res['burst_frames']} frames, {page_res['burst_mb']:.1f} MB) pushed at "
        f"once was rendered through to its last frame in {page_res['burst_s']:.2f} s "
        f"({page_res['burst_frames'] / page_res['burst_s']:.0f} frames/s).",
        "",
        *READING.splitlines(),
        "",
    ]
    return "\n".join(lines)


READING = """\
What this says (2026-11-24 reading, load 5–12): the page adds ≈ 2 ms (p90 ≈ 4 ms) between a tick frame leaving the
socket and the DOM showing it, and ≈ 11 ms when a real ~270 KB `gameHistory` frame is parsed just before it — both
far below one 250 ms tick, so the simulator's page is not what limits a bot's reaction time. It digests a 3 MB burst
(the backlog after a rug silence, or a reconnect) at ≈ 1,500 frames/s. Each wallet prompt costs ≈ 0.2 s until the
approval window is usable plus ≈ 65 ms after the click; a trusted reconnect needs no window (≈ 11 ms). So login is a
one-off ~0.5 s; bets never touch the wallet. Measured with the simulator's page served by a local replay socket (not
the full simulator) so that the frame timestamps are exact."""


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=40)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "docs/bench/sim-page.md")
    a = ap.parse_args()
    text = asyncio.run(main(a))
    print(text)
    a.out.write_text(text)
