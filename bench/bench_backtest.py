"""Backtest throughput: recorded frames through the live session (tracker → model → decider → governor →
replay broker → SQLite) — ticks and frames per second.

Inputs: the two real captures (tests/fixtures/real/captures), and a longer recording made here from the
local simulator at high speed through a raw Socket.IO websocket client (what a sniffer records).

Usage: ``.venv/bin/python bench/bench_backtest.py [--record-s 25] [--speed 40] [--out docs/bench/evidence.md]``
Writes (replaces) the "Backtest" section of the output file.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench_sections import load_average, measured_line, replace_section

from bot.commands.cliargs import quiet_logs
from bot.config import Profile
from bot.optimize.backtest import BacktestResult, engine_for, frames_of, run_backtest, scratch_dir


def record_sim(path: Path, seconds: float, speed: float) -> None:
    import websocket

    from bot.feeds.recording import RecordingWriter
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    sim = start_sim_in_thread(SimConfig(speed=speed, seed="bench-backtest"))
    writer = RecordingWriter(path, {"bench": "backtest"}, anonymize=False)
    ws = websocket.create_connection(sim.ws_url, timeout=5)
    end = time.time() + seconds
    try:
        while time.time() < end:
            text = ws.recv()
            if not isinstance(text, str):
                continue
            writer.write(time.time(), "in", text)
            if text.startswith("0{"):
                ws.send("40")
            elif text == "2":
                ws.send("3")
    finally:
        ws.close()
        writer.close()
        sim.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record-s", type=float, default=25.0)
    ap.add_argument("--speed", type=float, default=40.0)
    ap.add_argument("--out", type=Path, default=Path("docs/bench/evidence.md"))
    args = ap.parse_args()
    load_start = load_average()
    quiet_logs("ERROR")
    profile = Profile()
    profile = profile.model_copy(
        update={"engine": engine_for(profile, "fixed", {"max_bets_per_game": 20, "stake_sol": 0.002})}
    )
    rows: list[str] = []
    with tempfile.TemporaryDirectory(dir=scratch_dir()) as tmp:
        sim_rec = Path(tmp) / "sim.frames.jsonl.gz"
        record_sim(sim_rec, args.record_s, args.speed)
        inputs = [
            (
                "real captures (2 files, 3+1 games, 300 KB history frames)",
                sorted(Path("tests/fixtures/real/captures").glob("*.gz")),
            ),
            (f"simulator recording ({args.record_s:.0f} s at {args.speed:g}x)", [sim_rec]),
        ]
        for label, paths in inputs:
            # the provably-fair auditor runs in every backtest, as live; off for comparison. On and off
            # alternate, best of 5 each, so the load of a shared machine falls on both alike.
            best: dict[bool, BacktestResult] = {}
            for i in range(5):
                for audit in (True, False):
                    res = run_backtest(
                        frames_of(paths),
                        profile,
                        db_path=Path(tmp) / f"b{i}{audit}{len(rows)}.db",
                        strategies_dir=Path("strategies"),
                        latency_s=0.22,
                        audit=audit,
                    )
                    if audit not in best or res.elapsed_s < best[audit].elapsed_s:
                        best[audit] = res
            for audit, res in best.items():
                rows.append(
                    f"| {label} | {'on' if audit else 'off'} | {res.frames:,} | {res.ticks:,} | {res.games} | "
                    f"{len(res.settled()):,} | {res.elapsed_s:.2f} s | {res.frames / res.elapsed_s:,.0f} | "
                    f"**{res.ticks / res.elapsed_s:,.0f}** |"
                )
                print(rows[-1], flush=True)
    body = "\n".join(
        [
            "## Backtest (`rugsbot backtest`, bot/optimize/backtest.py)",
            "",
            f"`bench/bench_backtest.py` on CPython {platform.python_version()}, {platform.machine()}. "
            f"{measured_line(load_start)} Best of 5, database on /dev/shm as `rugsbot backtest` does (on disk: ≈ 4x slower on the real captures, the durable write-ahead commits dominate). Strategy `fixed` (0.002 SOL, up to 20 bets a game), latency 0.22 s, a fresh "
            "SQLite database per run (write-ahead bet rows, decisions and guard events are real writes). Time covers "
            "reading + decoding the recording, the session and the database, not the report. Audit: the live "
            "provably-fair auditor, on in every backtest (`run_backtest(audit=True)`); off for comparison.",
            "",
            "| input | audit | frames | ticks | games | settled bets | time | frames/s | ticks/s |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "The auditor's cost is per revealed game (a ~300 KB history frame decoded, each new game regenerated "
            "once), not per tick: about 40 % of the time on the real captures (3 games in 340 ticks), a "
            "smaller share on the simulator recording (0-20 % in interleaved runs on this loaded machine: compare "
            "the rows of one run, not runs).",
        ]
    )
    replace_section(args.out, "backtest", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
