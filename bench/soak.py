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

``--chaos-every S`` (issue 14.10) injects faults at random, on average every S seconds of wall time: a
``blackhole`` of the page's socket (the simulator's fault: open, pinged, no game frame → the watchdog reloads) or
a SIGKILL of the browser's main process (→ the watchdog relaunches the persistent context and re-arms), and the
profile's ``[watchdog] max_page_age_h`` is set short so pages are also reloaded on age, between games. Then it
also checks that every recovery the bot recorded succeeded, that each of the bot's bets on the simulator's book is
one bet in the bot's database (no bet placed twice), and reports bot and browser RSS after warm-up. Written to
docs/bench/soak_watchdog.md: ``python bench/soak.py --games 1000 --speed 80 --chaos-every 45``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.browser.processes import main_pid  # noqa: E402
from bot.browser.singleton import user_data_dir  # noqa: E402
from bot.feeds.recording import iter_frames, recording_parts  # noqa: E402
from bot.sim.runner import free_port, state_of, wait_for_sim  # noqa: E402

SOAK_LIMITS = {
    "max_bets_per_hour": 20_000,
    "session_loss_limit_sol": 50.0,
    "daily_loss_limit_sol": 100.0,
    "max_consecutive_losses": 200,
}


# The watchdog under chaos: reload a silent page after 6 s (at 80x, the default 20 s is ~30 games of silence),
# relaunch at once, never halt on the count (the soak injects far more than 6 faults an hour), and reload every
# page older than 3 minutes between games.
CHAOS_WATCHDOG = {
    "reload_after_silent_s": 6.0,
    "max_recoveries_per_hour": 100_000,
    "relaunch_backoff_s": 0.5,
    "relaunch_backoff_max_s": 2.0,
    "max_page_age_h": 0.05,
}
CHAOS_PASSWORD = (
    "soak-wallet-password"  # the stand-in wallet's; keeps the profile at <data_dir>/sim-browser-profile
)


@dataclass
class Chaos:
    """Random faults, on average every ``every_s`` seconds (exponential gaps), half blackholes, half kills."""

    url: str
    profile_dir: Path
    every_s: float
    rng: random.Random
    db: Path
    next_t: float | None = None  # set once the bot has bet: faults hit a running bot, not its start
    armed_t: float | None = None
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (wall s, fault, detail)

    def maybe(self, now: float) -> None:
        if self.next_t is None:
            if self._has_bet():
                self.armed_t = now
                self.next_t = now + 30.0 + self.rng.expovariate(1 / self.every_s)  # after a warm-up
            return
        if now < self.next_t:
            return
        self.next_t = now + self.rng.expovariate(1 / self.every_s)
        if self.rng.random() < 0.5:
            try:
                with urllib.request.urlopen(self.url + "/__sim/fault?name=blackhole", timeout=10) as r:
                    r.read()
                self.log.append((now, "blackhole", "sockets open now get no game frame"))
            except OSError as exc:
                self.log.append((now, "blackhole-failed", str(exc)))
            return
        pid = main_pid(user_data_dir(self.profile_dir))
        if pid is None:
            self.log.append((now, "kill-skipped", "no browser process (relaunching?)"))
            return
        os.kill(pid, signal.SIGKILL)
        self.log.append((now, "kill", f"SIGKILL browser pid {pid}"))

    def _has_bet(self) -> bool:
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5) as c:
                return bool(c.execute("SELECT COUNT(*) FROM bets").fetchone()[0])
        except sqlite3.Error:
            return False


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
    finals = {g["id"]: int(g["rug_tick"]) for g in truth["games"]}  # the last tick broadcast
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


def rate(count: int, seconds: float, digits: int) -> str:
    """count per second, or "–" when nothing was recorded (a run that ended before its first frame)."""
    return f"{count / seconds:,.{digits}f}" if seconds > 0 else "–"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=60)
    ap.add_argument("--speed", type=float, default=20.0)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=REPO / "docs/bench/soak.md")
    ap.add_argument("--keep", type=Path, default=None, help="copy the recording, log and database here")
    ap.add_argument(
        "--chaos-every", type=float, default=0.0, help="inject a fault every S s on average (0: none)"
    )
    ap.add_argument("--chaos-seed", type=int, default=14)
    args = ap.parse_args()
    if args.chaos_every > 0 and args.out == REPO / "docs/bench/soak.md":
        args.out = REPO / "docs/bench/soak_watchdog.md"

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
        if args.chaos_every > 0:
            soak_profile += "\n[watchdog]\n" + "".join(f"{k} = {v}\n" for k, v in CHAOS_WATCHDOG.items())
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
            chaos = None
            if args.chaos_every > 0:
                env["RUGSBOT_WALLET_PASSWORD"] = CHAOS_PASSWORD
                chaos = Chaos(
                    url,
                    Path(tmp) / "var" / "sim-browser-profile",
                    args.chaos_every,
                    random.Random(args.chaos_seed),
                    Path(tmp) / "var" / "rugsbot.db",
                )
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
                    if chaos is not None:
                        chaos.maybe(time.monotonic() - t0)
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
        dbs = [db for db in [Path(f"{tmp}/var/rugsbot.db")] if db.exists()]  # not the browser profile's own
        decisions = 0
        statuses: dict[str, int] = {}
        db_bets: list[tuple[str, int | None, str]] = []
        recoveries: list[dict[str, Any]] = []
        for db in dbs:
            with sqlite3.connect(db) as c:
                decisions += c.execute("SELECT count(*) FROM decisions").fetchone()[0]
                for status, n in c.execute("SELECT status, count(*) FROM bets GROUP BY status"):
                    statuses[status] = statuses.get(status, 0) + n
                db_bets += list(c.execute("SELECT game, start_tick, status FROM bets"))
                recoveries += [
                    json.loads(r[0]) for r in c.execute("SELECT data FROM events WHERE kind = 'recovery'")
                ]
        Path("/tmp/rugsbot-soak-truth.json").write_text(json.dumps(truth))  # kept for a re-read of a long run
        Path("/tmp/rugsbot-soak-last.log").write_text(text)  # kept for reading after the temp dir is gone
        if args.keep is not None:
            shutil.copytree(tmp, args.keep, dirs_exist_ok=True, symlinks=True)  # Chromium's lock links dangle
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
    active_s = max(seen.last_t - seen.first_t, 0.0)
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
        f"| frames in per second (recorded span {active_s:.0f} s) | {rate(seen.frames_in, active_s, 0)} |",
        f"| decisions (rows in SQLite) / per second | {decisions} / {rate(decisions, active_s, 1)} |",
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
    if chaos is not None:
        lines = chaos_report(args, lines, chaos, recoveries, own_bets, db_bets, samples, wall)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


def placed_twice(
    own_bets: list[dict[str, Any]], db_bets: list[tuple[str, int | None, str]]
) -> tuple[int, int]:
    """(the simulator's bets of ours that no bet in the bot's database explains, bets booked twice by either side).

    A second click for one decision would book a second bet on the simulator's side that the bot never wrote: it
    would be unexplained. A bet reconciled from the balance (its confirmation lost to a fault) may have no start tick
    in the database: it explains one bet of its game."""
    from collections import Counter

    landed = ("won", "lost", "confirmed", "unknown")
    known = Counter((g, st) for g, st, status in db_bets if status in landed and st is not None)
    by_game = Counter(g for g, st, status in db_bets if status in landed and st is None)
    sim = Counter((b["game_id"], b["start_tick"]) for b in own_bets)
    twice = sum(n - 1 for n in sim.values() if n > 1) + sum(n - 1 for n in known.values() if n > 1)
    unexplained = 0
    for (game, start), n in sim.items():
        have = known.get((game, start), 0)
        if have >= n:
            continue
        spare = min(by_game[game], n - have)
        by_game[game] -= spare
        unexplained += n - have - spare
    return unexplained, twice


def chaos_report(
    args: argparse.Namespace,
    lines: list[str],
    chaos: Chaos,
    recoveries: list[dict[str, Any]],
    own_bets: list[dict[str, Any]],
    db_bets: list[tuple[str, int | None, str]],
    samples: list[tuple[float, int, int, int]],
    wall: float,
) -> list[str]:
    """The watchdog's part of the soak: faults injected, recoveries made and whether each succeeded, RSS bounds."""
    from collections import Counter

    injected = Counter(name for _, name, _ in chaos.log)
    made = Counter(f"{r['action']} ({r['cause']})" for r in recoveries)
    failed = [r for r in recoveries if not r.get("ok")]
    durations = sorted(float(r.get("duration_s", 0)) for r in recoveries)
    unexplained, twice = placed_twice(own_bets, db_bets)
    warm = [s for s in samples if s[0] >= (chaos.armed_t or 0.0) + 120.0] or samples
    quarter = max(1, len(warm) // 4)

    def median(xs: list[int]) -> float:
        xs = sorted(xs)
        return xs[len(xs) // 2] / 1024 if xs else float("nan")

    bot_first, bot_last = median([s[1] for s in warm[:quarter]]), median([s[1] for s in warm[-quarter:]])
    br_first, br_last = median([s[2] for s in warm[:quarter]]), median([s[2] for s in warm[-quarter:]])
    bot_peak = max((s[1] for s in warm), default=0) / 1024
    br_peak = max((s[2] for s in warm), default=0) / 1024
    title = "## Soak with faults: the watchdog under blackholes, browser kills and reloads"
    head = lines[2:]  # the plain soak's table and samples, under this section's title
    settings = ", ".join(f"{k} = {v}" for k, v in CHAOS_WATCHDOG.items())
    nan = float("nan")
    p50, worst = (durations[len(durations) // 2], durations[-1]) if durations else (nan, nan)
    errors = ", ".join(
        f"{n}× {e}" for e, n in Counter(str(r.get("error", "?"))[:60] + "…" for r in failed).most_common()
    )
    return [
        title,
        "",
        f"`python bench/soak.py --games {args.games} --speed {args.speed} --chaos-every {args.chaos_every:g}` "
        f"(seed {args.chaos_seed}): a fault at random on average every {args.chaos_every:g} s of wall time, "
        "from 30 s after the bot's first bet: half `blackhole` (the simulator sends no more game frames to the "
        "sockets open at that moment; pings go on), half SIGKILL of the browser's main process. `[watchdog]` "
        f"{settings} (pages are also reloaded on age, between games). Frames sent while a page was blackholed "
        "or its browser dead are lost by design; the plain table below counts them.",
        "",
        "| watchdog measure | value |",
        "|---|---|",
        f"| faults injected | {', '.join(f'{k} {v}' for k, v in sorted(injected.items())) or 'none'} |",
        f"| recoveries recorded (SQLite `recovery` events) | {len(recoveries)}: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(made.items()))} |",
        "| recoveries that failed, each retried by a relaunch (a fault hit the page while it was being re-armed) | "
        f"{len(failed)}{': ' + errors if failed else ''} |",
        f"| recovery time p50 / max (s) | {p50:.1f} / {worst:.1f} |",
        "| the bot's bets on the simulator's book that no bet of its database explains / booked twice | "
        f"{unexplained} / {twice} |",
        "| bot RSS, median of the first → last quarter after warm-up (2 min after the first bet), peak (MB) | "
        f"{bot_first:.1f} → {bot_last:.1f} ({(bot_last / bot_first - 1) * 100:+.1f} %), peak {bot_peak:.1f} |",
        f"| browser RSS (all Chromium processes), same (MB) | {br_first:.0f} → {br_last:.0f} "
        f"({(br_last / br_first - 1) * 100:+.1f} %), peak {br_peak:.0f} |",
        f"| wall time (s) | {wall:.0f} |",
        "",
        *head,
    ]


if __name__ == "__main__":
    main()
