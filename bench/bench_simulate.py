"""Monte Carlo throughput: simulated games per second for ``rugsbot simulate``'s two runners.

* vectorised entry rules (``fixed``, ``late_game``): games generated and settled with numpy, no per-bet loop;
* the object runner (``--exact``): the real strategy object's ``propose`` at every decision point, on games
  with price paths (generated tick by tick, vectorised across games);
* ``--jobs 2``: the same chunks on two processes (results identical to ``--jobs 1``).

Usage: ``.venv/bin/python bench/bench_simulate.py [--games 500000] [--out docs/bench/evidence.md]``
Writes (replaces) the "Monte Carlo" section of the output file.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
from bench_sections import replace_section

from bot.engine.strategy import load_strategy
from bot.optimize import fastsim
from bot.optimize.montecarlo import SimPlan, simulate


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=500_000)
    ap.add_argument("--exact-games", type=int, default=5_000)
    ap.add_argument("--out", type=Path, default=Path("docs/bench/evidence.md"))
    args = ap.parse_args()
    rows: list[str] = []
    n = args.games
    for name, params in (("fixed", {}), ("fixed", {"max_bets_per_game": 20}), ("late_game", {})):
        for jobs in (1, 2):
            plan = SimPlan(
                strategy=name,
                params=params,
                games=n,
                seed=1,
                jobs=jobs,
                game_cap=20_000_000,
                stake_cap=10_000_000,
            )
            bets = len(simulate(plan))
            dt = best_of(3, lambda plan=plan: simulate(plan))
            label = f"{name} {params or ''}".strip()
            rows.append(
                f"| vectorised `{label}` | {jobs} | {n:,} | {bets:,} | {dt:.2f} s | **{n / dt:,.0f}** |"
            )
            print(rows[-1], flush=True)
    m = args.exact_games
    rng = np.random.default_rng(2)
    dt_gen = best_of(3, lambda: fastsim.priced_games(rng, m))
    rows.append(
        f"| price paths only (`priced_games`, tick-by-tick, vectorised over games) | 1 | {m:,} | – | "
        f"{dt_gen:.2f} s | {m / dt_gen:,.0f} |"
    )
    games = fastsim.priced_games(np.random.default_rng(3), m)
    for name, params in (("fixed", {}), ("fixed", {"max_bets_per_game": 200}), ("late_game", {})):
        strat = load_strategy(name, params, Path("strategies"))
        log = fastsim.run_strategy(strat, games, starting_bankroll=10**15)
        dt = best_of(3, lambda strat=strat: fastsim.run_strategy(strat, games, starting_bankroll=10**15))
        label = f"{name} {params or ''}".strip()
        rows.append(
            f"| object runner `{label}` (real `propose`, excl. price generation) | 1 | {m:,} | {len(log):,} | "
            f"{dt:.2f} s | **{m / dt:,.0f}** |"
        )
        print(rows[-1], flush=True)
    import tempfile

    from bot.commands.cliargs import quiet_logs
    from bot.config import Profile
    from bot.optimize.backtest import engine_for, run_backtest, scratch_dir

    quiet_logs("ERROR")
    k = 150
    sgames = fastsim.priced_games(np.random.default_rng(5), k)
    prof = Profile()
    with tempfile.TemporaryDirectory(dir=scratch_dir()) as tmp:
        res = run_backtest(
            fastsim.session_frames(sgames),
            prof,
            db_path=Path(tmp) / "s.db",
            strategies_dir=Path("strategies"),
            latency_s=0.22,
            engine=engine_for(prof, "fixed", {"max_bets_per_game": 20}),
        )
    rows.append(
        f"| `--session`: generated frames through the whole live session (default guards) | 1 | {k:,} | "
        f"{len(res.settled()):,} | {res.elapsed_s:.2f} s | {k / res.elapsed_s:,.0f} ({res.ticks / res.elapsed_s:,.0f} ticks/s) |"
    )
    print(rows[-1], flush=True)
    body = "\n".join(
        [
            "## Monte Carlo (`rugsbot simulate`, bot/optimize/fastsim.py)",
            "",
            f"Measured with `bench/bench_simulate.py` on CPython {platform.python_version()}, {platform.machine()}, "
            "a shared 2-core machine (other agents running), best of 3. Games/s includes generation, settlement and "
            "the guard scan, not the report (the bootstrap adds ≈ 0.1 s).",
            "",
            "| runner | jobs | games | bets | time | games/s |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "The object runner calls `propose` on every ACTIVE tick without an open bet, so a strategy that bets once "
            "per game and then declines ~160 times costs ~160 calls per game; `strategies/fixed.py` converts its "
            "stake with `sol_to_lamports` (Decimal) on every call, which is about half of that cost. `--jobs 2` does "
            "not help the vectorised path at this size (process start and pickling the bet arrays cost more than "
            "the 0.1–0.5 s of work); it is meant for `--exact` runs, where each chunk is seconds of work. "
            "The `--session` row runs every frame through tracker, model, ranker, governor, paper broker and SQLite "
            "(on /dev/shm); with the default guards the governor halts at the 15th loss in a row, so its bet count "
            "is small — ticks/s is the number to compare with a backtest.",
        ]
    )
    replace_section(args.out, "simulate", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
