"""The operator console under load: does it move the frame → decision path?

A publisher on the asyncio loop replays the simulator's broadcast frames at a live tick rate (sped up
``--speed`` times) through the real GameTracker and ProbabilityModel, and for each ACTIVE tick publishes a
``tick`` and a ``decision`` event to the console's hub — what ``rugsbot run`` does. The console's real aiohttp
server runs on the same loop. Measured per tick frame (perf_counter):

* the publisher's latency: scheduled arrival → estimate made and both events published (loop lag included:
  that is where the server's own work on the same loop would show);
* the cost of one ``EventHub.publish`` call;
* with clients, the delivery delay publish → received by a client.

Configurations: no client; ``--clients`` SSE clients; the same plus every client polling /api/state every 5 s
as the page does. The clients run in a separate process (they are phones and browsers elsewhere, but here they
share the machine's 2 cores). Writes docs/bench/console.md.

    .venv/bin/python bench/bench_console.py [--clients 100] [--seconds 30] [--speed 4]
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

from bot.config import Settings  # noqa: E402
from bot.config.profile import Profile  # noqa: E402
from bot.console import (  # noqa: E402
    ConsoleConfig,
    ConsoleState,
    ControlResult,
    DecisionEvent,
    DecisionInfo,
    EstimateInfo,
    EventHub,
    FeedInfo,
    GameInfo,
    ResumeResult,
    RunMetrics,
    TickEvent,
    start_console,
)
from bot.engine.probability import ProbabilityModel  # noqa: E402
from bot.game.signals import TickAdvanced  # noqa: E402
from bot.game.state import Phase  # noqa: E402
from bot.game.tracker import GameTracker  # noqa: E402
from bot.protocol.frames import encode_event  # noqa: E402
from bot.sim.config import SimConfig  # noqa: E402
from bot.sim.game import iter_timeline  # noqa: E402

TOKEN = "bench-console-token-0123456789"


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


def us(xs: list[float]) -> str:
    return f"{pct(xs, 50) * 1e6:.0f} / {pct(xs, 99) * 1e6:.0f}" if xs else "—"


def ms(xs: list[float], q: float) -> str:
    return f"{pct(xs, q) * 1e3:.2f}"


class TimedHub(EventHub):
    """The hub, with the time of each fan-out (the loop callback after a publish) recorded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fanout_s: list[float] = []

    def flush(self) -> None:
        t0 = time.perf_counter()
        super().flush()
        self.fanout_s.append(time.perf_counter() - t0)


class Publisher:
    """The run's tick path as far as the console sees it, and a ConsoleSource over it."""

    def __init__(self, hub: EventHub, metrics: RunMetrics) -> None:
        self.hub = hub
        self.metrics = metrics
        self.tracker = GameTracker()
        profile = Profile()
        self.model = ProbabilityModel(profile.engine, timing=profile.timing)
        self.estimate: EstimateInfo | None = None
        self.decisions: list[DecisionInfo] = []
        self.started = time.time()

    def on_frame(self, t: float, text: str, publish_cost: list[float]) -> bool:
        self.metrics.frame()
        signals = self.tracker.on_frame(t, "in", text)
        view = self.tracker.view
        if view.phase is not Phase.ACTIVE or not any(isinstance(s, TickAdvanced) for s in signals):
            return False
        est = self.model.estimate(view, now=t)
        self.estimate = EstimateInfo(est.p_win, est.p_low, est.p_high, est.ev, est.break_even, est.zone.value)
        d = DecisionInfo(time.time(), view.game_id, view.tick, "SKIP", f"EV {est.ev:+.3f} below 0")
        self.decisions = [d, *self.decisions[:19]]
        now = time.time()
        for event in (
            TickEvent(now, view.game_id, view.tick, view.phase.value, view.price, self.estimate),
            DecisionEvent(d),
        ):
            t0 = time.perf_counter()
            self.hub.publish(event)
            publish_cost.append(time.perf_counter() - t0)
        self.metrics.decision(0.0001)
        return True

    # ConsoleSource
    def snapshot(self) -> ConsoleState:
        v = self.tracker.view
        return ConsoleState(
            mode="DRY-RUN",
            profile="bench",
            coin_label="SOL",
            running=True,
            armed=True,
            t=time.time(),
            started_t=self.started,
            game=GameInfo(v.game_id, v.tick, v.phase.value, v.price),
            estimate=self.estimate,
            decisions=tuple(self.decisions),
            feed=FeedInfo(True, True, 0.1, 0, 1),
        )

    def pause(self, reason: str, by: str) -> ControlResult:
        return ControlResult(False, "ACTIVE", "not in a bench")

    def halt(self, reason: str, by: str) -> ControlResult:
        return ControlResult(False, "ACTIVE", "not in a bench")

    def resume(self, by: str) -> ResumeResult:
        return ResumeResult()


async def run_config(
    frames: list[tuple[float, str]], clients: int, poll: bool, seconds: float, speed: float, data_dir: Path
) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, dashboard_token=SecretStr(TOKEN))
    metrics = RunMetrics()
    hub = TimedHub(on_drop=metrics.client_dropped)
    pub = Publisher(hub, metrics)
    server = await start_console(
        pub,
        settings=settings,
        config=ConsoleConfig(port=0, max_clients=clients + 10),
        metrics=metrics,
        hub=hub,
    )
    worker = None
    if clients:
        worker = subprocess.Popen(
            [
                "nice",
                "-n",
                "10",
                sys.executable,
                __file__,
                "--worker",
                str(clients),
                "--port",
                str(server.port),
                "--seconds",
                str(seconds + 10),
                *(["--poll"] if poll else []),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        while hub.stats.clients < clients:
            await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    latency: list[float] = []
    lag: list[float] = []
    handler: list[float] = []
    publish_cost: list[float] = []
    cpu0 = os.times()
    base_t, base_wall = frames[0][0], loop.time()
    end = loop.time() + seconds
    for t, text in frames:
        due = base_wall + (t - base_t) / speed
        if due > end:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        start = loop.time()
        if pub.on_frame(t, text, publish_cost):
            done = loop.time()
            latency.append(done - due)
            lag.append(start - due)
            handler.append(done - start)
    cpu = os.times()
    cpu_s = (cpu.user - cpu0.user) + (cpu.system - cpu0.system)
    wall_s = loop.time() - base_wall
    clients_dropped = hub.stats.dropped
    delivered: dict[str, Any] = {}
    if worker is not None:
        await asyncio.sleep(1.0)  # let the streams drain what is queued
        await server.stop()  # ends every stream: the worker reports and exits
        out, _ = await asyncio.to_thread(worker.communicate, timeout=60)
        delivered = json.loads(out.strip().splitlines()[-1])
        delivered["missing"] = hub.stats.published - delivered["events_per_client_min"]
    else:
        await server.stop()
    return {
        "latency": latency,
        "lag": lag,
        "handler": handler,
        "cpu": cpu_s / wall_s,
        "publish": publish_cost,
        "fanout": hub.fanout_s,
        "dropped": clients_dropped,
        "delivered": delivered,
        "events": hub.stats.published,
    }


async def worker(n: int, port: int, seconds: float, poll: bool) -> None:
    """``n`` SSE clients on raw sockets (cheap: a phone's parsing is not this machine's to pay), and pollers.

    Every client counts events; one in ten also decodes them for the delay publish → receive."""
    request = f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    delays: list[float] = []
    counts = [0] * n
    polls = [0]

    async def stream(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request.encode())
        await writer.drain()
        sample = i % 10 == 0
        tail = b""
        try:
            while chunk := await reader.read(65536):
                counts[i] += chunk.count(b"\nevent: ")
                if sample:
                    now = time.time()
                    lines = (tail + chunk).split(b"\n")
                    tail = lines.pop()
                    for line in lines:
                        if line.startswith(b'data: {"t":'):  # a tick event: its publish time comes first
                            delays.append(now - json.loads(line[6:])["t"])
        finally:
            writer.close()

    async def poller(offset: float) -> None:
        await asyncio.sleep(offset)
        while True:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                f"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            await reader.read()
            writer.close()
            polls[0] += 1
            await asyncio.sleep(5.0)

    tasks = [asyncio.ensure_future(stream(i)) for i in range(n)]
    if poll:
        tasks += [asyncio.ensure_future(poller(5.0 * i / n)) for i in range(n)]
    await asyncio.wait(tasks[:n], timeout=seconds)
    for task in tasks:
        task.cancel()
    print(
        json.dumps(
            {
                "events_per_client_min": min(counts),
                "events_per_client_max": max(counts),
                "delay_p50_ms": pct(delays, 50) * 1000,
                "delay_p99_ms": pct(delays, 99) * 1000,
                "polls": polls[0],
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20.0, help="per configuration and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--speed", type=float, default=4.0)
    ap.add_argument("--out", type=Path, default=ROOT / "docs/bench/console.md")
    ap.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--poll", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        asyncio.run(worker(args.worker, args.port, args.seconds, args.poll))
        return

    from loguru import logger

    logger.remove()
    games = max(4, int(args.seconds * args.speed / 40) + 4)
    frames = [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed="bench"), games=games)
        if o.to is None
    ]
    load = os.getloadavg()[0]
    configs = (
        ("no client", 0, False),
        (f"{args.clients} SSE clients", args.clients, False),
        (f"{args.clients} SSE clients + each polls /api/state every 5 s", args.clients, True),
    )
    merged: dict[str, dict[str, Any]] = {
        label: {
            "latency": [],
            "lag": [],
            "handler": [],
            "cpu": [],
            "publish": [],
            "fanout": [],
            "dropped": 0,
            "delays": [],
        }
        for label, _, _ in configs
    }
    # Rounds interleave the configurations, so a change in the machine's load (other jobs) hits all of them.
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            for label, n, poll in configs:
                r = asyncio.run(run_config(frames, n, poll, args.seconds, args.speed, Path(tmp)))
                m = merged[label]
                for key in ("latency", "lag", "handler", "publish", "fanout"):
                    m[key] += r[key]
                m["cpu"].append(r["cpu"])
                m["dropped"] += r["dropped"]
                if r["delivered"]:
                    m["delays"].append(r["delivered"])
                print(
                    f"round {rnd + 1} {label}: latency p50 {pct(r['latency'], 50) * 1e3:.3f} ms "
                    f"p99 {pct(r['latency'], 99) * 1e3:.3f} ms, publish p50 {pct(r['publish'], 50) * 1e6:.1f} us "
                    f"p99 {pct(r['publish'], 99) * 1e6:.1f} us, handler p99 {pct(r['handler'], 99) * 1e3:.3f} ms, "
                    f"cpu {r['cpu'] * 100:.0f} %, load {os.getloadavg()[0]:.1f}, {r['delivered']}",
                    flush=True,
                )
    for m in merged.values():
        m["delivered"] = {}
        if m["delays"]:
            m["delivered"] = {
                "delay_p50_ms": float(np.median([d["delay_p50_ms"] for d in m["delays"]])),
                "delay_p99_ms": max(d["delay_p99_ms"] for d in m["delays"]),
                "missing": sum(d["missing"] for d in m["delays"]),
            }
    results = [(label, merged[label]) for label, _, _ in configs]
    load_end = os.getloadavg()[0]

    base = results[0][1]
    lines = [
        "## Operator console under load (bench/bench_console.py)",
        "",
        f"`bench/bench_console.py --clients {args.clients} --seconds {args.seconds:g} --rounds {args.rounds} "
        f"--speed {args.speed:g}`, "
        f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, 2 cores shared with other "
        f"agents, load average {load:.1f} at the start and {load_end:.1f} at the end; {args.rounds} rounds, each "
        f"running every configuration for {args.seconds:g} s in turn (samples pooled per configuration). The simulator's broadcast frames replayed at {args.speed:g}x "
        f"the live tick rate ({args.speed * 4:g} ticks/s) through the real GameTracker and ProbabilityModel on the "
        "asyncio loop that also runs the console's aiohttp server; each ACTIVE tick publishes a `tick` and a "
        "`decision` event. The clients (one HTTP connection each) run in a second process on the same "
        "machine, niced (they stand for phones elsewhere); they read raw sockets, one in ten decodes the events "
        "to time their delivery. Latency = scheduled frame arrival → estimate made and both events published; "
        "it is lag (arrival → the loop runs the frame: the loop busy with the server's socket writes, or the "
        "process waiting for a core) plus handler (the tick path itself, publishing included). CPU = the bot "
        "process's user + system time per wall second.",
        "",
        "| configuration | tick frames | latency p50 / p99 / max ms | lag p50 / p99 ms | handler p50 / p99 ms "
        "| publish p50 / p99 µs | fan-out p50 / p99 µs | bot CPU | delivery p50 / p99 ms | events not delivered "
        "| clients dropped |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        d = r["delivered"]
        delivery = f"{d['delay_p50_ms']:.1f} / {d['delay_p99_ms']:.1f}" if d else "—"
        missing = str(d["missing"]) if d else "—"
        lines.append(
            f"| {label} | {len(r['latency'])} | {ms(r['latency'], 50)} / {ms(r['latency'], 99)} / "
            f"{max(r['latency']) * 1e3:.2f} | {ms(r['lag'], 50)} / {ms(r['lag'], 99)} | {ms(r['handler'], 50)} / "
            f"{ms(r['handler'], 99)} | {pct(r['publish'], 50) * 1e6:.1f} / {pct(r['publish'], 99) * 1e6:.1f} "
            f"| {us(r['fanout'])} "
            f"| {np.mean(r['cpu']) * 100:.0f} % | {delivery} | {missing} | {r['dropped']} |"
        )
    many, polled = results[1][1], results[2][1]
    lines += [
        "",
        f"p99 latency, {args.clients} clients / no client: {pct(many['latency'], 99) / pct(base['latency'], 99):.2f}x "
        f"(with polling {pct(polled['latency'], 99) / pct(base['latency'], 99):.2f}x); p99 of the handler alone: "
        f"{pct(many['handler'], 99) / pct(base['handler'], 99):.2f}x ({pct(polled['handler'], 99) / pct(base['handler'], 99):.2f}x). "
        f"A publish costs the frame path the same with or without clients (the fan-out — one encode, a queue "
        f"append per client — is the loop's next callback, {us(many['fanout'])} µs p50 / p99 per publish for "
        f"{args.clients} clients); the socket writes then run on each client's own task.",
        "",
        "Reading: lag p99 ≫ handler p99 in every row, i.e. the tail is time spent waiting for a core on a "
        "shared 2-core machine, and it moves between rounds by more than between configurations; the robust "
        "numbers are the publish cost on the frame path (flat), the fan-out per event and the bot's CPU. Re-run "
        "on a quiet machine before quoting a p99 ratio.",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
