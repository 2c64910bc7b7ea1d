"""Soak: the whole bot (real Chromium, stand-in wallet, simulator, engine, governor, SQLite) for many games.

Runs ``rugsbot run --sim --practice`` as a subprocess at an accelerated simulator clock, samples the resident
memory (RSS) of the bot process and of its browser processes every few seconds from /proc, then checks the
session's own recording with ``rugsbot replay --json``: frames, undecodable frames, games seen, and the log
for unhandled exceptions. Writes a markdown section to docs/bench/soak.md.

The issue's full soak is ≈ 5,000 games (24 h of real games); at ``--speed 40`` a game takes ≈ 1.5 s of wall
time, so that run is ≈ 2 h: ``python bench/soak.py --games 5000 --speed 40``. Default: a short run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for c in (task / "children").read_text().split():
                out.append(int(c))
                out.extend(children(int(c)))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=60)
    ap.add_argument("--speed", type=float, default=20.0)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=REPO / "docs/bench/soak.md")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RUGSBOT_DATA_DIR": tmp, "RUGSBOT_RECORDINGS_DIR": f"{tmp}/rec"}
        cmd = [sys.executable, "-m", "bot.cli", "run", "--sim", "--profile", "sim", "--practice", "--headless",
               "--games", str(args.games), "--sim-speed", str(args.speed), "--sim-seed", "soak", "--no-trace"]
        t0 = time.monotonic()
        log = Path(tmp) / "run.log"
        with log.open("w") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
            samples: list[tuple[float, int, int]] = []
            while proc.poll() is None:
                time.sleep(args.interval)
                kids = children(proc.pid)
                sample = (time.monotonic() - t0, rss_kb(proc.pid), sum(rss_kb(k) for k in kids))
                if sample[1] and proc.poll() is None:  # skip samples taken while the process was exiting
                    samples.append(sample)
        wall = time.monotonic() - t0
        text = log.read_text()
        recs = sorted(Path(f"{tmp}/rec").glob("*.jsonl*"))
        replay = {}
        if recs:
            out = subprocess.run([sys.executable, "-m", "bot.cli", "replay", "--json", *map(str, recs)],
                                 capture_output=True, text=True, cwd=REPO)
            replay = json.loads(out.stdout).get("totals", {}) if out.stdout.strip().startswith("{") else {}
        Path("/tmp/rugsbot-soak-last.log").write_text(text)  # kept for reading after the temp dir is gone
    summary = dict(re.findall(r"│ (\w+)\s+│ (.+?)\s+│", text))
    tracebacks = text.count("Traceback (most recent call last)")
    errors = len(re.findall(r"\| ERROR\s+\|", text))
    warm = [s for s in samples if s[0] >= min(60.0, wall / 4)] or samples
    bot0, bot1 = (warm[0][1], warm[-1][1]) if warm else (0, 0)
    growth = (bot1 - bot0) / bot0 * 100 if bot0 else float("nan")
    lines = [
        "## Soak: the whole bot against the simulator",
        "",
        f"`python bench/soak.py --games {args.games} --speed {args.speed}` on {time.strftime('%Y-%m-%d')}, "
        f"2 cores, headless Chromium {wall:.0f} s wall, exit code {proc.returncode}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| games finished (bot's summary) | {summary.get('games', '?')} |",
        f"| bets / wins / losses | {summary.get('bets', '?')} / {summary.get('wins', '?')} / {summary.get('losses', '?')} |",
        f"| frames recorded / undecodable / invalid / tracker internal errors | {replay.get('frames', '?')} / "
        f"{replay.get('undecodable', '?')} / {replay.get('invalid', '?')} / {replay.get('internal_errors', '?')} |",
        f"| session end reason | {summary.get('reason', '?')} |",
        f"| bot RSS after warm-up → end (MB) | {bot0 / 1024:.1f} → {bot1 / 1024:.1f} ({growth:+.1f} %) |",
        f"| browser RSS (all Chromium processes) first → last sample (MB) | "
        f"{(samples[0][2] if samples else 0) / 1024:.0f} → {(samples[-1][2] if samples else 0) / 1024:.0f} |",
        f"| unhandled exceptions (tracebacks in the log) / ERROR lines | {tracebacks} / {errors} |",
        f"| click → confirmation p50 (ms) | {summary.get('click_confirm_p50_ms', '?')} |",
        "",
        "RSS samples (s, bot MB, browser MB): " + ", ".join(f"({s[0]:.0f}, {s[1] / 1024:.0f}, {s[2] / 1024:.0f})"
                                                            for s in samples[:: max(1, len(samples) // 12)]),
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
