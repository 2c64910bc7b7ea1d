"""Benchmarks for the governor and the store: what the tick path pays for risk control, and what a bet's
write-ahead costs. Writes a markdown section to docs/bench/risk.md (or prints it with --print).

    .venv/bin/python bench/bench_risk.py [--frames 20000] [--bets 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_sections import load_average, measured_line  # noqa: E402
from loguru import logger  # noqa: E402

from bot.bets.model import BetStatus, BrokerReport  # noqa: E402
from bot.config.sections import GuardsConfig  # noqa: E402
from bot.engine.types import Estimate, SideBet, Snapshot, Zone  # noqa: E402
from bot.game.state import AccountView, GameView, Phase, TickTiming  # noqa: E402
from bot.money import SOL_MINT  # noqa: E402
from bot.risk.governor import Governor  # noqa: E402
from bot.store.db import Store  # noqa: E402

T0 = 1_765_000_000.0
EST = Estimate(0.1817, 0.17, 0.19, -0.09, -0.15, -0.05, 0.2, Zone.BELOW, 0.0, 11, 10.0, 9.5, 11.0, 0.005)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def view(t: float, game: str = "g") -> GameView:
    return GameView(
        game_id=game,
        phase=Phase.ACTIVE,
        tick=10,
        price=1.0,
        t=t,
        last_tick_t=t,
        timing=TickTiming(samples=10),
    )


def us(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1e6:.0f} / {pct(xs, 0.99) * 1e6:.0f} µs"


def ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1e3:.2f} / {pct(xs, 0.99) * 1e3:.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20_000)
    ap.add_argument("--bets", type=int, default=200)
    ap.add_argument("--print", action="store_true")
    args = ap.parse_args()
    load_start = load_average()
    logger.remove()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "rugsbot.db"
        t_open = time.perf_counter()
        store = Store.open(db)
        rows.append(
            ("Store.open (new file, schema + migration)", f"{(time.perf_counter() - t_open) * 1e3:.1f} ms")
        )
        gov = Governor.start(
            GuardsConfig(
                max_bets_per_hour=None,
                max_consecutive_losses=None,
                loss_streak_cooldown=None,
                session_loss_limit_sol=None,
                daily_loss_limit_sol=None,
                max_drawdown_pct=None,
            ),
            store,
            mode="DRY-RUN",
            profile="bench",
            coin=SOL_MINT,
            logged_in=False,
            starting_bankroll_lamports=10**12,
            t=T0,
        )
        # 1. tick per frame: a frame every 100 ms of feed time (so the halt poll runs on every 2nd frame)
        tick_times: list[float] = []
        t = T0
        for _ in range(args.frames):
            t += 0.1
            v = view(t)
            a = time.perf_counter()
            gov.tick(v, t)
            tick_times.append(time.perf_counter() - a)
        rows.append(
            (
                f"governor.tick per frame ({args.frames} frames, 16 guards, halt poll every 200 ms feed)",
                us(tick_times),
            )
        )
        q = []
        for _ in range(2000):
            a = time.perf_counter()
            store.active_halt()
            q.append(time.perf_counter() - a)
        rows.append(("store.active_halt() (the poll query)", us(q)))
        # 2. review
        snap = Snapshot(
            game=view(t), estimate=EST, ledger=gov.ledger_view(), account=AccountView(), t=t, coin=SOL_MINT
        )
        rv = []
        for _ in range(2000):
            a = time.perf_counter()
            gov.review(SideBet(1_000_000, "bench"), snap)
            rv.append(time.perf_counter() - a)
        rows.append(("governor.review (all guards, proposal allowed)", us(rv)))
        # 3. a bet's database path: durable intent, confirmation, settlement
        op, rep = [], []
        for i in range(args.bets):
            t += 12
            v = view(t, game=f"g{i}")
            gov.tick(v, t)
            a = time.perf_counter()
            intent = gov.open_bet(SideBet(1_000_000, "bench"), v, SOL_MINT)
            op.append(time.perf_counter() - a)
            a = time.perf_counter()
            gov.on_report(
                BrokerReport(intent.bet_id, BetStatus.CONFIRMED, t + 0.2, start_tick=11, end_tick=51)
            )
            gov.on_report(BrokerReport(intent.bet_id, BetStatus.LOST, t + 10))
            rep.append((time.perf_counter() - a) / 2)
        rows.append((f"governor.open_bet (write-ahead intent, fsync'd; {args.bets} bets)", ms(op)))
        rows.append(("governor.on_report (durable status update + ledger sync)", ms(rep)))
        hs = []
        for _ in range(20):
            a = time.perf_counter()
            store.set_halt("bench", "bench")
            hs.append(time.perf_counter() - a)
            store.clear_halt("bench")
        rows.append(("store.set_halt (committed + fsync'd)", ms(hs)))
        # 4. `rugsbot halt` from another process, and how many frames until the governor sees it
        env = {**os.environ, "RUGSBOT_DATA_DIR": d}
        a = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "halt", "--reason", "bench"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        cli_s = time.perf_counter() - a
        frames = 0
        while gov.state.level.value != "HALTED":
            t += 0.1
            gov.tick(view(t), t)
            frames += 1
        rows.append(
            ("`rugsbot halt` subprocess wall time (Python start + imports + fsync)", f"{cli_s * 1e3:.0f} ms")
        )
        rows.append(
            ("frames (100 ms apart) until the running governor is HALTED", f"{frames} (≤ 2 by design)")
        )
        rebuild_a = time.perf_counter()
        from bot.risk.ledger import Ledger

        Ledger.rebuild(
            store,
            session=gov.session,
            mode="DRY-RUN",
            coin=SOL_MINT,
            logged_in=False,
            starting_bankroll_lamports=10**12,
        )
        rows.append(
            (
                f"Ledger.rebuild over {len(store.events())} events",
                f"{(time.perf_counter() - rebuild_a) * 1e3:.1f} ms",
            )
        )
        store.close()
    cpu = platform.processor() or platform.machine()
    text = [
        "## Risk governor and store (bench/bench_risk.py)",
        "",
        f"{measured_line(load_start)} {cpu}, "
        "SQLite " + __import__("sqlite3").sqlite_version + f", Python {platform.python_version()}, "
        "database in a temporary directory on the local disk. Median / p99 unless one number.",
        "",
        "| what | time |",
        "|---|---|",
    ]
    text += [f"| {k} | {v} |" for k, v in rows]
    text += [
        "",
        "Reading: the per-frame cost of risk control is microseconds (ticks come every 250 ms); the "
        "fsync'd write-ahead intent is the one millisecond-scale step on a bet's path, paid before the click "
        "by design. Halts from another terminal are seen on the next poll (≤ 200 ms of feed time). fsync timings "
        "vary several-fold between runs on this shared disk (open_bet median 0.4 ms in one run, 2.6 ms in "
        "another), the microsecond rows do not.",
        "",
    ]
    md = "\n".join(text)
    if args.print:
        print(md)
    else:
        out = ROOT / "docs" / "bench" / "risk.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md, encoding="utf-8")
        print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
