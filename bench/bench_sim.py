"""Simulator benchmarks: fast-mode game rate, frame building, and the live server's cadence and fan-out.

Run: ``.venv/bin/python bench/bench_sim.py [--quick] [--out docs/bench/sim.md]``. Prints a markdown section.

1. ``fast_games``: games/s with and without tick-gap draws (the statistical fidelity path).
2. ``iter_timeline``: frames/s and bytes/s for full rounds (frame dicts + Socket.IO encoding, no sockets).
3. Live server at speed 1, nominal 250 ms ticks: receive-gap error seen by a raw websocket client.
4. Live server at speed 40 with N raw clients: delivered frames/s and the worst lag of a tick frame.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_sections import load_average, measured_line  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from bot.protocol.frames import encode_event  # noqa: E402
from bot.sim.config import SimConfig  # noqa: E402
from bot.sim.game import GameLoop, fast_games, iter_timeline  # noqa: E402
from bot.sim.runner import start_sim_in_thread  # noqa: E402


def bench_fast(n: int) -> list[str]:
    rows = []
    for gaps in (False, True):
        t0 = time.perf_counter()
        ticks = sum(g.rug_tick for g in fast_games(n, seed="bench", gaps=gaps))
        dt = time.perf_counter() - t0
        rows.append(
            f"| fast_games(gaps={gaps}) | {n} games, {ticks} ticks | {n / dt:,.0f} games/s "
            f"| {dt * 1000 / n:.2f} ms/game |"
        )
    return rows


def bench_timeline(games: int) -> list[str]:
    t0 = time.perf_counter()
    frames = size = heavy = 0
    for _, out in iter_timeline(SimConfig(seed="bench"), games=games):
        text = encode_event(out.event, *out.args)
        frames += 1
        size += len(text)
        heavy += len(text) > 100_000
    dt = time.perf_counter() - t0
    return [
        f"| iter_timeline | {games} rounds, {frames} frames ({heavy} history frames), {size / 1e6:.1f} MB "
        f"| {frames / dt:,.0f} frames/s, {size / dt / 1e6:.1f} MB/s | {dt:.2f} s |"
    ]


class Reader(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.ws = connect(url, max_size=None, compression=None).__enter__()
        assert str(self.ws.recv(timeout=5)).startswith("0")
        self.ws.send("40")
        self.ticks: list[tuple[float, int]] = []
        self.frames = 0
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    msg = self.ws.recv(timeout=0.5)
                except TimeoutError:
                    continue
                now = time.monotonic()
                self.frames += 1
                text = str(msg)
                if text == "2":
                    self.ws.send("3")
                elif text.startswith('42["gameStateUpdate",{"active":true') and '"rugged":false' in text:
                    i = text.find('"tickCount":')
                    j = text.find(",", i)
                    self.ticks.append((now, int(text[i + 12 : j])))
        except Exception:
            return


def long_first_game_seed(min_ticks: int = 300) -> str:
    """A seed whose first game is long enough to measure tick cadence (game ids carry today's date)."""
    for i in range(1000):
        seed = f"bench-long-{i}"
        if GameLoop(SimConfig(seed=seed, players=0)).current.gen.rug_tick >= min_ticks:
            return seed
    raise RuntimeError("no long game found")


def bench_cadence(seconds: float) -> list[str]:
    h = start_sim_in_thread(SimConfig(seed=long_first_game_seed(), speed=1.0, jitter=False))
    r = Reader(h.ws_url)
    r.start()
    time.sleep(seconds)
    r.stop.set()
    h.stop()
    errs = [
        abs((b[0] - a[0]) - 0.25) * 1000
        for a, b in zip(r.ticks, r.ticks[1:], strict=False)
        if b[1] == a[1] + 1
    ]
    if not errs:
        return ["| cadence | no active ticks seen | | |"]
    errs.sort()
    p99 = errs[int(0.99 * (len(errs) - 1))]
    return [
        f"| cadence, speed 1, nominal 250 ms | {len(errs)} tick gaps over {seconds:.0f} s "
        f"| \\|error\\| median {statistics.median(errs):.2f} ms, p99 {p99:.2f} ms, max {errs[-1]:.2f} ms | |"
    ]


def bench_fanout(clients: int, seconds: float) -> list[str]:
    speed = 40.0
    h = start_sim_in_thread(SimConfig(seed="bench-fanout", speed=speed))
    readers = [Reader(h.ws_url) for _ in range(clients)]
    for r in readers:
        r.start()
    time.sleep(seconds)
    truth = h.truth()
    for r in readers:
        r.stop.set()
    h.stop()
    total = sum(r.frames for r in readers)
    return [
        f"| fan-out, speed {speed:g}, {clients} clients | {seconds:.0f} s, sim t={truth.sim_t:.0f} s, "
        f"{len(truth.games)} games | {total / seconds:,.0f} frames/s delivered "
        f"({total / seconds / clients:,.0f} per client) | |"
    ]


READING = """

What was measured, on what: one run of `.venv/bin/python bench/bench_sim.py` (full mode) on this 2-core
container while other agents' test suites were running; wall-clock numbers are therefore pessimistic.

- **fast_games** (the statistical path behind tests/sim/test_fidelity.py): ≈ 2–2.5 ms a game, nearly all of it
  the pure-Python provably-fair generator; drawing tick gaps adds little. The 2,000-game fidelity suite takes
  ≈ 5–12 s depending on machine load.
- **iter_timeline**: building and Socket.IO-encoding real-shaped frames (leaderboards, trades, chat, ~300 KB
  history frames) runs at ≈ 25k frames/s, far above the real feed's ≈ 5 frames/s.
- **cadence**: at speed 1 with nominal 250 ms ticks, a raw websocket client sees tick gaps within ≈ 1 ms of
  the schedule at the median; the server schedules on absolute loop time, so errors do not accumulate. The
  p99/max reflect CPU contention on the shared machine (an earlier run under heavier load: p99 110 ms).
- **fan-out**: at speed 40 with 5 raw clients the driver kept exact pace with the sim clock (600 sim-s in
  15 wall-s) while delivering ≈ 1,000 frames/s in total.
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    load_start = load_average()
    q = args.quick
    lines = [
        "## Simulator (bench/bench_sim.py)",
        "",
        f"Machine: {os.cpu_count()} cores shared with other jobs; Python {sys.version.split()[0]}. "
        f"Generator: bot/fair/generator.py (pure-Python seedrandom ARC4).",
        "",
        "| what | workload | result | time |",
        "|---|---|---|---|",
    ]
    lines += bench_fast(200 if q else 1000)
    lines += bench_timeline(3 if q else 12)
    lines += bench_cadence(30 if q else 60)
    lines += bench_fanout(3 if q else 5, 5 if q else 15)
    lines[2:2] = [measured_line(load_start), ""]
    lines += READING.splitlines()
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
