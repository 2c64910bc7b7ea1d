"""Soak: the whole bot (real Chromium, stand-in wallet, simulator, engine, governor, SQLite) for many games.

The simulator runs as its own process (``rugsbot sim``) so that its ground truth outlives the bot; the bot is
``rugsbot run --sim-url … --practice`` at an accelerated clock. Every few seconds the resident memory (RSS) of
the bot process, of its browser processes and of the simulator is sampled from /proc. At the end:

* **frames lost** are counted against the simulator's truth, not against the bot's own beliefs: for every game
  the simulator finished while the bot was watching, it broadcast one ``gameStateUpdate`` for each tick
  0‥final except the ticks it deliberately skipped (as the real feed does; its truth lists them); each
  (game, tick) broadcast but missing from the bot's recording is a lost frame. The bot's own settlement frames
  are checked the same way (every side bet the simulator booked for the bot's player has its result frame in the
  recording), and the bot's ledger must equal the simulator's balance;
* the recording is replayed with ``rugsbot replay --json`` (undecodable / invalid frames, tracker errors);
* the log is scanned for unhandled exceptions and ERROR lines;
* decisions per second come from the session's own decision rows in SQLite.

The issue's full soak is ≈ 5,000 games: ``python bench/soak.py --games 5000 --speed 80``. Default: a short run.
Writes a markdown section to docs/bench/soak.md (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.feeds.recording import iter_frames, recording_parts  # noqa: E402
from bot.sim.runner import free_port, state_of, wait_for_sim  # noqa: E402

SOAK_LIMITS = {
    "max_bets_per_hour": 20_000,
    "session_loss_limit_sol": 50.0,
    "daily_loss_limit_sol": 100.0,
    "max_consecutive_losses": 200,
}


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


@dataclass
class Seen:
    """What the bot's recording holds, read independently of the bot's parser (plain JSON)."""

    ticks: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    order: list[str] = field(default_factory=list)  # game ids in first-seen order
    results: int = 0  # currentSidebetResult frames (the bot's own settlements)
    frames_in: int = 0
    first_t: float = 0.0
    last_t: float = 0.0


def read_recording(paths: list[Path]) -> Seen:
    seen = Seen()
    for f in iter_frames(paths):
        if f.dir != "in":
            continue
        seen.frames_in += 1
        seen.first_t = seen.first_t or f.t
        seen.last_t = f.t
        if not f.frame.startswith("42["):
            continue
        try:
            msg = json.loads(f.frame[2:])
        except ValueError:
            continue
        if msg and msg[0] == "gameStateUpdate" and len(msg) > 1 and isinstance(msg[1], dict):
            gid, tick = msg[1].get("gameId"), msg[1].get("tickCount")
            if isinstance(gid, str) and isinstance(tick, int):
                if gid not in seen.ticks:
                    seen.order.append(gid)
                seen.ticks[gid].add(tick)
        elif msg and msg[0] == "currentSidebetResult":
            seen.results += 1
    return seen


def lost_ticks(seen: Seen, truth: dict[str, Any]) -> tuple[int, int, int]:
    """(games checked, tick frames expected, tick frames missing) over the games the bot watched whole.

    The first game seen may have started before the page loaded and the last may still be running, so both are
    left out; every other game the simulator finished is checked tick by tick. The simulator, like the real
    feed, sometimes sends no frame for a tick (the next frame's ``partialPrices`` backfills it); its truth lists
    those ticks, and only a tick it did broadcast can be lost.
    """
    finals = {g["id"]: int(g["final_wire_tick"]) for g in truth["games"]}
    skipped = {g["id"]: set(g["skipped_ticks"]) for g in truth["games"]}
    inner = seen.order[1:-1]
    expected = missing = 0
    for gid in inner:
        final = finals.get(gid)
        if final is None:
            missing += 1  # a game the simulator never finished cannot be in the middle of the run
            continue
        want = set(range(final + 1)) - skipped[gid]  # ticks the simulator never broadcast are not lost
        expected += len(want)
        missing += len(want - seen.ticks[gid])
    return len(inner), expected, missing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=60)
    ap.add_argument("--speed", type=float, default=20.0)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=REPO / "docs/bench/soak.md")
    ap.add_argument("--keep", type=Path, default=None, help="copy the recording, log and database here")
    args = ap.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        # The `sim` profile with the limits a long run needs, and nothing else changed: max_bets_per_hour counts
        # wall-clock hours (receive times), and one wall hour at an accelerated clock holds `speed` hours of
        # games; the loss limits are sized for ~10,000 bets at -9.2 % EV (practice coin), or the governor would
        # (rightly) stop the betting after the first thousand and the click path would not be soaked; a streak of
        # 30 losses (the profile's halt) is likely once in ~3,000 bets (a 3,809-game run ended on it).
        soak_profile = (REPO / "bot" / "profiles" / "sim.toml").read_text()
        for key, value in SOAK_LIMITS.items():
            soak_profile, n = re.subn(rf"(?m)^{key} = [0-9.]+$", f"{key} = {value}", soak_profile)
            if n != 1:
                raise SystemExit(f"bot/profiles/sim.toml: expected one {key} line")
        profile_path = Path(tmp) / "soak.toml"
        profile_path.write_text(soak_profile)
        sim_log_fh = (Path(tmp) / "sim.log").open("w")
        sim = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "sim",
                "--port",
                str(port),
                "--seed",
                "soak",
                "--speed",
                str(args.speed),
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=sim_log_fh,
        )
        try:
            wait_for_sim(url)
            env = {**os.environ, "RUGSBOT_DATA_DIR": f"{tmp}/var", "RUGSBOT_RECORDINGS_DIR": f"{tmp}/rec"}
            cmd = [
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                "--sim-url",
                url,
                "--profile",
                str(profile_path),
                "--practice",
                "--headless",
                "--games",
                str(args.games),
                "--no-trace",
            ]
            t0 = time.monotonic()
            log = Path(tmp) / "run.log"
            with log.open("w") as fh:
                proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
                samples: list[tuple[float, int, int, int]] = []
                while proc.poll() is None:
                    time.sleep(args.interval)
                    kids = children(proc.pid)
                    sample = (
                        time.monotonic() - t0,
                        rss_kb(proc.pid),
                        sum(rss_kb(k) for k in kids),
                        rss_kb(sim.pid),
                    )
                    if (
                        sample[1] and sample[2] and proc.poll() is None
                    ):  # skip samples taken while the process was exiting
                        samples.append(sample)
            wall = time.monotonic() - t0
            truth = state_of(url)
        finally:
            sim.terminate()
            sim.wait(timeout=30)
            sim_log_fh.close()
        text = log.read_text()
        sim_log = (Path(tmp) / "sim.log").read_text()
        firsts = [
            f for f in sorted(Path(f"{tmp}/rec").glob("*.jsonl*")) if not re.search(r"\.\d+\.jsonl", f.name)
        ]
        recs = [part for f in firsts for part in recording_parts(f)]  # rotated parts in order, not by name
        replay: dict[str, Any] = {}
        if recs:
            out = subprocess.run(
                [sys.executable, "-m", "bot.cli", "replay", "--json", *map(str, recs)],
                capture_output=True,
                text=True,
                cwd=REPO,
            )
            replay = json.loads(out.stdout).get("totals", {}) if out.stdout.strip().startswith("{") else {}
        seen = read_recording(recs)
        dbs = list(Path(f"{tmp}/var").rglob("*.db")) + list(Path(f"{tmp}/var").rglob("*.sqlite"))
        decisions = 0
        statuses: dict[str, int] = {}
        for db in dbs:
            with sqlite3.connect(db) as c:
                decisions += c.execute("SELECT count(*) FROM decisions").fetchone()[0]
                for status, n in c.execute("SELECT status, count(*) FROM bets GROUP BY status"):
                    statuses[status] = statuses.get(status, 0) + n
        Path("/tmp/rugsbot-soak-truth.json").write_text(json.dumps(truth))  # kept for a re-read of a long run
        Path("/tmp/rugsbot-soak-last.log").write_text(text)  # kept for reading after the temp dir is gone
        if args.keep is not None:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    summary = dict(re.findall(r"│ (\w+)\s+│ (.+?)\s+│", text))
    checked, expected, missing = lost_ticks(seen, truth)
    mine = [
        a
        for a in truth["accounts"]
        if a["player_id"] in {b["player_id"] for b in truth["bets"]}
        and a["player_id"] in truth["sidebet_requests"]
    ]
    own_ids = {a["player_id"] for a in mine}
    own_bets = [b for b in truth["bets"] if b["player_id"] in own_ids]
    settled = [b for b in own_bets if b["outcome"] != "pending"]
    coins = {b["coin"] for b in own_bets}
    sim_balance = sum(a["balances"].get(c, 0) for a in mine for c in coins)
    tracebacks = text.count("Traceback (most recent call last)") + sim_log.count(
        "Traceback (most recent call last)"
    )
    errors = len(re.findall(r"\| ERROR\s+\|", text))
    warm = [s for s in samples if s[0] >= min(60.0, wall / 4)] or samples
    bot0, bot1 = (warm[0][1], warm[-1][1]) if warm else (0, 0)
    growth = (bot1 - bot0) / bot0 * 100 if bot0 else float("nan")
    peak = max((s[1] for s in warm), default=0)
    active_s = max(seen.last_t - seen.first_t, 1e-9)
    lines = [
        "## Soak: the whole bot against the simulator",
        "",
        f"`python bench/soak.py --games {args.games} --speed {args.speed}` on {time.strftime('%Y-%m-%d')}, "
        f"2 cores, headless Chromium, {wall:.0f} s wall, bot exit code {proc.returncode}. Profile `sim` with "
        f"{', '.join(f'{k} = {v}' for k, v in SOAK_LIMITS.items())} (practice coin; the hourly limit counts "
        "wall-clock hours).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| games finished (bot's summary) / simulator games played | {summary.get('games', '?')} / "
        f"{len(truth['games'])} |",
        f"| bets / wins / losses (bot) | {summary.get('bets', '?')} / {summary.get('wins', '?')} / "
        f"{summary.get('losses', '?')} |",
        f"| the bot's side bets on the simulator's book / settled there / result frames recorded | "
        f"{len(own_bets)} / {len(settled)} / {seen.results} |",
        f"| the bot's bets by status (SQLite) | {', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))} |",
        f"| bot ledger bankroll / simulator balance (lamports) | {summary.get('bankroll_lamports', '?')} / "
        f"{sim_balance} |",
        f"| tick frames lost (simulator truth: every broadcast tick of {checked} whole games) | {missing} of "
        f"{expected} |",
        f"| frames recorded / undecodable / invalid / tracker internal errors | {replay.get('frames', '?')} / "
        f"{replay.get('undecodable', '?')} / {replay.get('invalid', '?')} / {replay.get('internal_errors', '?')} |",
        f"| frames in per second (recorded span {active_s:.0f} s) | {seen.frames_in / active_s:.0f} |",
        f"| decisions (rows in SQLite) / per second | {decisions} / {decisions / active_s:.1f} |",
        f"| session end reason | {summary.get('reason', '?')} |",
        f"| bot RSS after warm-up → peak → end (MB) | {bot0 / 1024:.1f} → {peak / 1024:.1f} → {bot1 / 1024:.1f} "
        f"({growth:+.1f} %) |",
        f"| browser RSS (all Chromium processes) first → last sample (MB) | "
        f"{(samples[0][2] if samples else 0) / 1024:.0f} → {(samples[-1][2] if samples else 0) / 1024:.0f} |",
        f"| simulator RSS first → last sample (MB) | {(samples[0][3] if samples else 0) / 1024:.0f} → "
        f"{(samples[-1][3] if samples else 0) / 1024:.0f} |",
        f"| unhandled exceptions (tracebacks in bot + simulator logs) / ERROR lines | {tracebacks} / {errors} |",
        f"| click → confirmation p50 (ms) | {summary.get('click_confirm_p50_ms', '?')} |",
        "",
        "RSS samples (s, bot MB, browser MB, simulator MB): "
        + ", ".join(
            f"({s[0]:.0f}, {s[1] / 1024:.0f}, {s[2] / 1024:.0f}, {s[3] / 1024:.0f})"
            for s in samples[:: max(1, len(samples) // 16)]
        ),
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
