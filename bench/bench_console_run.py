"""The operator console inside a real run: does the page, or 100 event-stream clients, move the decision path
or the clicks?

``rugsbot run``'s LiveRun (bot/app/live.py) in practice mode against the simulator (in a thread, as in
bench/bench_click.py; the same seed in every configuration, so every configuration plays the same games),
headless Chromium with the stand-in wallet, a profile that bets often (bench_click's). Configurations,
interleaved round by round so a change in the machine's load hits all of them:

* ``no console``: LiveRun without a console (the frame path exactly as without this feature);
* ``console, nobody watching``: the console on, no client: its cost inside the bot process alone;
* ``console + page``: the console on, its page open in a second headless Chromium (a separate, niced
  process: it stands for a phone) — the page polls /api/state every 5 s and follows /api/events;
* ``console + page + N SSE clients``: the same plus N event-stream clients (bench/bench_console.py's worker,
  a separate niced process).

Measured, per ACTIVE tick frame after arming plus a warm-up:

* sim → handled: the simulator sent the tick frame (its send time, same process clock) → the bot's frame
  handler returned. This includes Chromium, Playwright and every wait of the bot's event loop, so it is where
  the console's work on that loop (socket writes, snapshots) would show; "sim → decision" is the same for the
  frames that made a decision (none is made while a bet is open);
* frame in → skip decided: the frame's receive time in Python (the sniffer's clock) → the decision made, and
  the loop's own time for it (perf_counter around the driver's ``on_frame``), for skip decisions (a bet
  decision also writes its intent ahead, an fsync: bets are measured by their clicks);
* clicks, from the clicking broker's records: frame in (the decision frame) → click, click → confirmation;
* the bot process's CPU (user + system per wall second, the simulator thread included).

Writes docs/bench/console-run.md.

    .venv/bin/python bench/bench_console_run.py [--seconds 60] [--rounds 3] [--clients 100] [--speed 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bench.bench_console import TOKEN  # noqa: E402
from bot.app.console_plan import plan_console  # noqa: E402
from bot.app.live import LiveRun  # noqa: E402
from bot.app.target import LiveOptions  # noqa: E402
from bot.brokers.browser import BrowserBroker  # noqa: E402
from bot.config import Mode, Settings  # noqa: E402
from bot.config.profile import profile_from_dict  # noqa: E402
from bot.console import ConsoleConfig  # noqa: E402
from bot.sim.config import SimConfig  # noqa: E402
from bot.sim.runner import start_sim_in_thread  # noqa: E402
from bot.store.db import Store  # noqa: E402

WARMUP_S = 3.0
PROFILE = {
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


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


class TimedRun(LiveRun):
    """LiveRun with every tick frame's times recorded: (game, tick, frame receive t, handled t, loop seconds,
    what the frame led to: "" no decision (a bet was open), "skip", "bet")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.samples: list[tuple[str | None, int, float, float, float, str]] = []
        self.armed_t: float | None = None

    def _on_frame(self, t: float, direction: str, text: str) -> None:
        loop = self.loop
        if loop is None:
            super()._on_frame(t, direction, text)
            return
        decisions, intents, tick = loop.stats.decisions, loop.stats.intents, loop.tracker.view.tick
        p0 = time.perf_counter()
        super()._on_frame(t, direction, text)
        spent = time.perf_counter() - p0
        view = loop.tracker.view
        if view.tick != tick and view.phase.value == "ACTIVE":
            made = (
                ""
                if loop.stats.decisions == decisions
                else "bet"
                if loop.stats.intents != intents
                else "skip"
            )
            self.samples.append((view.game_id, view.tick, t, time.time(), spent, made))


async def one_run(
    label: str, console: bool, page: bool, clients: int, seconds: float, speed: float, tmp: Path
) -> dict[str, list[float]]:
    sim = start_sim_in_thread(SimConfig(speed=speed, seed="bench-console-run", players=6))
    sent: dict[tuple[str, int], float] = {}

    def install() -> None:
        sessions = sim.server.sessions
        orig = sessions.broadcast

        def timed(text: str) -> None:
            if text.startswith('42["gameStateUpdate"') and '"tickCount"' in text:
                now = time.time()
                state = json.loads(text[2:])[
                    1
                ]  # top-level fields: other games' ids appear inside the history
                if state.get("active") is True and "gameId" in state and "tickCount" in state:  # not presale
                    sent.setdefault((state["gameId"], int(state["tickCount"])), now)
            orig(text)

        sessions.broadcast = timed  # type: ignore[method-assign]

    sim.call(install)
    data = tmp / label.replace(" ", "-")
    settings = Settings(
        data_dir=data / "var",
        recordings_dir=data / "rec",
        strategies_dir=data / "s",
        browser_profile_dir=data / "profile",
        wallet_password=None,
        url=None,
        dashboard_token=SecretStr(TOKEN),
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_console(settings, ConsoleConfig(port=0, max_clients=clients + 20)) if console else None
    options = LiveOptions(headless=True, sim=True, sim_speed=speed, trace=False, record=False)
    bot = TimedRun(settings, profile_from_dict(PROFILE), Mode.PRACTICE, options, sim=sim, console=plan)
    helpers: list[subprocess.Popen[str]] = []
    if plan is not None:
        base = f"http://127.0.0.1:{plan.port}"
        if page:
            helpers.append(nice([__file__, "--viewer", base, "--seconds", str(seconds + 60)]))
        if clients:
            worker = ROOT / "bench" / "bench_console.py"
            helpers.append(
                nice(
                    [
                        str(worker),
                        "--worker",
                        str(clients),
                        "--port",
                        str(plan.port),
                        "--seconds",
                        str(seconds + 60),
                    ]
                )
            )

    async def stopper() -> None:
        while bot.parts is None or bot.parts.gate is None or bot.parts.gate.opened_at is None:
            await asyncio.sleep(0.2)
        bot.armed_t = time.time()
        await asyncio.sleep(seconds + WARMUP_S)
        bot.request_stop("bench: time")

    task = asyncio.ensure_future(stopper())
    cpu0 = os.times()
    await bot.main()
    cpu1 = os.times()
    task.cancel()
    sim.stop()
    for h in helpers:
        h.terminate()
        h.wait(timeout=30)
    assert bot.armed_t is not None, f"{label}: the run never armed ({bot.reason})"
    since = bot.armed_t + WARMUP_S
    keys = ("tick", "sim", "frame", "loop", "click", "confirm", "cpu")
    out: dict[str, list[float]] = {k: [] for k in keys}
    for game, tick, t, handled, spent, made in bot.samples:
        if t < since or game is None:
            continue
        s = sent.get((game, tick))
        if s is not None:
            out["tick"].append(handled - s)
            if made:
                out["sim"].append(handled - s)
        if (
            made == "skip"
        ):  # a bet decision also writes its intent ahead (an fsync): compared apart, by clicks
            out["frame"].append(handled - t)
            out["loop"].append(spent)
    wall = cpu1.elapsed - cpu0.elapsed
    out["cpu"].append((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / wall)
    with Store.open(settings.db_path) as store:
        decided = {r.bet_id: r.decided_t for r in store.bets()}
    clicks = bot.broker.clicks if isinstance(bot.broker, BrowserBroker) else []
    for c in clicks:  # the clicking broker's own record of each click
        if c.clicked_t < since or c.bet_id not in decided:
            continue
        out["click"].append(c.clicked_t - decided[c.bet_id])
        if c.confirm_latency_s is not None:
            out["confirm"].append(c.confirm_latency_s)
    return out


def nice(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["nice", "-n", "10", sys.executable, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


async def viewer(base: str, seconds: float) -> None:
    """The console's page in a headless Chromium, left open (it polls and follows the stream by itself)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                await page.goto(f"{base}/?token={TOKEN}", timeout=10_000)
                break
            except Exception:
                await asyncio.sleep(0.5)
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        await browser.close()


def row(label: str, r: dict[str, list[float]]) -> str:
    def ms(key: str) -> str:
        xs = r[key]
        return f"{pct(xs, 50) * 1e3:.2f} / {pct(xs, 99) * 1e3:.2f}" if xs else "—"

    return (
        f"| {label} | {len(r['tick'])} | {ms('tick')} | {len(r['sim'])} | {ms('sim')} | {ms('frame')} "
        f"| {ms('loop')} | {len(r['confirm'])} | {ms('click')} | {ms('confirm')} "
        f"| {float(np.mean(r['cpu'])) * 100:.0f} % |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--seconds", type=float, default=60.0, help="measured seconds per configuration and round"
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--speed", type=float, default=4.0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs/bench/console-run.md")
    ap.add_argument("--viewer", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.viewer:
        asyncio.run(viewer(args.viewer, args.seconds))
        return
    from loguru import logger

    logger.remove()
    configs = (
        ("no console", False, False, 0),
        ("console, nobody watching", True, False, 0),
        ("console + page", True, True, 0),
        (f"console + page + {args.clients} SSE clients", True, True, args.clients),
    )
    merged: dict[str, dict[str, list[float]]] = {label: {} for label, *_ in configs}
    rounds: dict[str, list[float]] = {label: [] for label, *_ in configs}  # sim → handled p99 per round
    load0 = os.getloadavg()[0]
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-console-run-") as tmp:
        for rnd in range(args.rounds):
            for label, console, page, clients in configs:
                r = asyncio.run(
                    one_run(f"{label} {rnd}", console, page, clients, args.seconds, args.speed, Path(tmp))
                )
                for k, v in r.items():
                    merged[label].setdefault(k, []).extend(v)
                rounds[label].append(pct(r["tick"], 99))
                loads.append(os.getloadavg()[0])
                print(f"round {rnd + 1} {row(label, r)} load {loads[-1]:.1f}", flush=True)
    base_label = configs[0][0]
    base = merged[base_label]

    def ratio(label: str, key: str, q: float) -> str:
        return f"{pct(merged[label][key], q) / pct(base[key], q):.2f}x"

    def round_p99(label: str) -> str:
        per = ", ".join(f"{x * 1e3:.0f}" for x in rounds[label])
        return f"{per} (median {float(np.median(rounds[label])) * 1e3:.0f})"

    others = [label for label, *_ in configs[1:]]
    lines = [
        "## Operator console inside a real run (bench/bench_console_run.py)",
        "",
        f"`bench/bench_console_run.py --seconds {args.seconds:g} --rounds {args.rounds} --clients {args.clients} "
        f"--speed {args.speed:g}`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, 2 cores shared with other "
        f"agents; load average {load0:.1f} at the start, {min(loads):.1f}–{max(loads):.1f} after each "
        f"configuration. LiveRun in practice mode against the simulator at {args.speed:g}x, i.e. "
        f"{4 * args.speed:g} ticks and so up to {8 * args.speed:g} console events a second, {args.speed:g} times "
        "the live rate (same seed every time: the same games), headless Chromium with the stand-in wallet, the "
        "fixed strategy betting up to 4 times a game (no decision is taken while a bet is open). "
        f"{args.rounds} rounds, each running every configuration for {args.seconds:g} s after arming "
        f"(+{WARMUP_S:g} s warm-up), samples pooled per configuration. The page (a second headless Chromium at "
        "phone size, polling /api/state every 5 s and following the event stream) and the SSE clients "
        "(bench/bench_console.py's worker) run in separate niced processes on the same 2 cores. Times in ms, "
        "p50 / p99.",
        "",
        "| configuration | tick frames | sim sends tick → handled | decisions | sim sends tick → decision "
        "| frame in → skip decided | loop time, skip | bets confirmed | frame in → click | click → confirmation "
        "| bot process CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(row(label, merged[label]) for label, *_ in configs),
        "",
        "sim sends tick → handled, p99 per round (ms): "
        + "; ".join(f"{label}: {round_p99(label)}" for label, *_ in configs)
        + ".",
        "",
        "Ratios to no console, p50 / p99: "
        + "; ".join(
            f"{label}: sim → handled {ratio(label, 'tick', 50)} / {ratio(label, 'tick', 99)}, sim → decision "
            f"{ratio(label, 'sim', 50)} / {ratio(label, 'sim', 99)}, loop time "
            f"{ratio(label, 'loop', 50)} / {ratio(label, 'loop', 99)}, frame in → click "
            f"{ratio(label, 'click', 50)} / {ratio(label, 'click', 99)}, click → confirmation "
            f"{ratio(label, 'confirm', 50)} / {ratio(label, 'confirm', 99)}"
            for label in others
        )
        + ".",
        "",
        'How to read it: "loop time, skip" is the decision path itself (tracker, model, strategies, governor, '
        'the decision row); the console adds one counter increment to it. "sim sends tick → handled" adds '
        "everything before the frame reaches the bot's handler (the simulator thread, Chromium, Playwright and "
        "the bot's event loop, where the console's socket writes run), and its p99 is set by waits for a core "
        "on this shared machine: compare the per-round p99s of one configuration with each other before "
        "reading a ratio across configurations. The page's Chromium and the SSE clients share the bot's 2 "
        "cores here; on a phone they cost the bot nothing but the socket writes (bot process CPU).",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
