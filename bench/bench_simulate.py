"""Monte Carlo throughput: games per second of ``rugsbot simulate``'s runners, with the profile's guards on.

* the vectorised path (tick-only rules; bot/optimize/vector.py + vector_guards.py), in-process and on a local
  Dask cluster of two workers;
* the exact runner (bot/optimize/exact.py: real model, Decider, governor on an in-memory SQLite store, paper
  broker), asking a tick-only rule only when its slot is due, and as the every-tick reference;
* the whole trading loop on generated frames (``--session``), the reference both answer to;
* where the exact runner's time goes (cProfile, cumulative seconds per part).

Every profile has every guard configured; "far" limits are set so no session ends early (otherwise a halt after
a hundred bets would make any runner look fast). Games/s is wall time; "per core" is games per CPU-second of
this process (Dask rows: wall time only — the work is in the workers).

Usage: ``.venv/bin/python bench/bench_simulate.py [--games 1000000] [--exact-games 20000]``
Writes (replaces) the "simulate" section of docs/bench/evidence.md; then run bench/assemble.py.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_sections import load_average, measured_line, replace_section

from bot.commands.cliargs import quiet_logs
from bot.config import Profile
from bot.config.sections import EngineConfig, GuardsConfig, StrategySpec
from bot.feeds.generated import price_paths, rug_ticks
from bot.optimize.betlog import BetLog
from bot.optimize.exact import ExactRunner
from bot.optimize.montecarlo import Runner, SimPlan, entry_rule, plan_for, session_games, simulate

FAR_GUARDS = GuardsConfig(
    max_stake_per_bet_sol=0.01,
    max_stake_per_game_sol=1.0,
    session_loss_limit_sol=50_000.0,
    daily_loss_limit_sol=50_000.0,
    take_profit_sol=50_000.0,
    max_consecutive_losses=10_000,
    max_drawdown_pct=99.0,
    max_bets_per_hour=100_000,
    min_reserve_sol=0.0,
    loss_streak_cooldown=10_000,
)


def profile(
    strategy: str, params: dict[str, Any], *, adaptive: bool = False, guards: Any = FAR_GUARDS
) -> Profile:
    engine = EngineConfig(strategies=[StrategySpec(name=strategy, params=params)], adaptive=adaptive)
    return Profile(starting_bankroll_sol=100_000.0, engine=engine, guards=guards)


def timed(fn: Callable[[], BetLog], repeat: int) -> tuple[BetLog, float, float]:
    """(result, best wall seconds, CPU seconds of that run)."""
    best: tuple[BetLog, float, float] | None = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        run = (out, time.perf_counter() - w, time.process_time() - c)
        if best is None or run[1] < best[1]:
            best = run
    assert best is not None
    return best


def row(label: str, jobs: int, games: int, log: BetLog, wall: float, cpu: float | None) -> str:
    per_core = "–" if cpu is None else f"{games / cpu:,.0f}"
    exact = f"{log.exact_sessions}/{log.sessions}"
    line = f"| {label} | {jobs} | {games:,} | {len(log):,} | {exact} | {wall:.2f} s | **{games / wall:,.0f}** | {per_core} |"
    print(line, flush=True)
    return line


def plan(prof: Profile, games: int, runner: Runner = Runner.AUTO) -> SimPlan:
    spec = prof.engine.strategies[0]
    return plan_for(prof, spec.name, spec.params, games=games, seed=1, latency_s=0.22, runner=runner)


def where_time_goes(p: SimPlan) -> list[str]:
    prof = cProfile.Profile()
    prof.enable()
    simulate(p)
    prof.disable()
    stats = pstats.Stats(prof)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    parts = {
        "Governor.open_bet (guards + write-ahead intent + ledger sync)": ("governor.py", "open_bet"),
        "Governor.on_report (settlement row + ledger sync + guards)": ("governor.py", "on_report"),
        "Decider.decide (strategy + ranking)": ("ranking.py", "decide"),
        "estimate (landing tick, P(win))": ("exact.py", "_estimate"),
        "Decider.on_settled (adaptive stake)": ("ranking.py", "on_settled"),
        "price paths (numpy)": ("generated.py", "price_paths"),
    }
    out = []
    for label, (file, func) in parts.items():
        cum = sum(
            v[3]
            for k, v in stats.stats.items()  # type: ignore[attr-defined]
            if k[0].endswith(file) and k[2] == func
        )
        out.append(f"| {label} | {cum:.2f} s | {100 * cum / total:.0f} % |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=1_000_000)
    ap.add_argument("--exact-games", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=Path("docs/bench/evidence.md"))
    args = ap.parse_args()
    quiet_logs("CRITICAL")
    load_before = load_average()
    n, m = args.games, args.exact_games
    rows: list[str] = []
    fixed, fixed20, late = ("fixed", {}), ("fixed", {"max_bets_per_game": 20}), ("late_game", {})
    for (name, params), adaptive, games, repeat in (
        (fixed, False, n, 3),
        (fixed20, False, n, 3),
        (late, False, n, 3),
        (("fixed", {"stake_sol": 0.002}), True, n // 10, 1),
    ):
        p = plan(profile(name, params, adaptive=adaptive), games)
        log, wall, cpu = timed(lambda p=p: simulate(p), repeat)
        label = f"vectorised `{name}` {params or ''}{' adaptive stake on' if adaptive else ''}".strip()
        rows.append(row(label, 1, games, log, wall, cpu))
    p = plan(profile(*fixed), n)
    log, wall, _ = timed(lambda: simulate(p, jobs=2), 1)
    rows.append(row("vectorised `fixed`, local Dask cluster (incl. its ~2 s start)", 2, n, log, wall, None))

    rug = rug_ticks(np.random.default_rng(2), m)
    w = time.perf_counter()
    price_paths(np.random.default_rng(3), rug)
    dt = time.perf_counter() - w
    rows.append(
        f"| price paths only (`price_paths`, for the exact runner) | 1 | {m:,} | – | – | {dt:.2f} s | {m / dt:,.0f} | – |"
    )
    for (name, params), runner, games in (
        (fixed, Runner.EXACT, m),
        (fixed20, Runner.EXACT, m // 4),
        (late, Runner.EXACT, m),
        (fixed, Runner.EVERY_TICK, m // 10),
        (("ev_threshold", {}), Runner.EXACT, m // 10),
    ):
        p = plan(profile(name, params), games, runner)
        log, wall, cpu = timed(lambda p=p: simulate(p), 1)
        rows.append(row(f"exact `{name}` {params or ''} ({runner.value})", 1, games, log, wall, cpu))
    p = plan(profile(*fixed), m, Runner.EXACT)
    rug, timeline, prices = session_games(p, 0)
    games = prices()
    full = ExactRunner(p.setup, hint=entry_rule(p), timeline=timeline, every_report=True)
    log, wall, cpu = timed(lambda: full.run(games), 1)
    rows.append(
        row("exact `fixed`, every report + review + tick as the loop calls them", 1, m, log, wall, cpu)
    )
    default_guards = profile("fixed", {}, guards=GuardsConfig())
    p = plan(default_guards, m, Runner.EXACT)
    log, wall, cpu = timed(lambda: simulate(p), 1)
    rows.append(
        row(
            "exact `fixed`, the default guards (the session halts, the rest is skipped)", 1, m, log, wall, cpu
        )
    )
    p = dataclasses.replace(plan(profile(*fixed), 4 * m, Runner.EXACT), session_games=m)
    log, wall, _ = timed(lambda: simulate(p, jobs=2), 1)
    rows.append(row("exact `fixed`, 4 sessions on a local Dask cluster", 2, 4 * m, log, wall, None))

    from bot.optimize.loop_sim import run_through_loop

    k = 150
    p = plan(profile(*fixed20), k)
    with tempfile.TemporaryDirectory():
        w, c = time.perf_counter(), time.process_time()
        loop = run_through_loop(p, profile(*fixed20))
        wall, cpu = time.perf_counter() - w, time.process_time() - c
    rows.append(
        row(
            f"`--session`: the whole trading loop on frames ({loop.ticks / wall:,.0f} ticks/s)",
            1,
            k,
            loop.log,
            wall,
            cpu,
        )
    )
    anatomy = where_time_goes(plan(profile(*fixed), m // 2, Runner.EXACT))
    body = "\n".join(
        [
            "## Monte Carlo (`rugsbot simulate`, bot/optimize/)",
            "",
            f"`bench/bench_simulate.py` on CPython {platform.python_version()}, {platform.machine()}. "
            f"{measured_line(load_before)} CPU-second rates are less distorted by the load than wall rates. "
            "Vectorised rows: "
            "best of 3. Every profile has every guard configured; far limits keep sessions running (the last exact "
            "row uses the default limits). Times cover generation, the runner and the guards, not the report. "
            "'exact' = sessions the exact runner played / sessions.",
            "",
            "| runner | jobs | games | bets | exact | time | games/s | games per CPU-s |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Where the exact runner's time goes (`fixed`, {m // 2:,} games, cProfile cumulative; parts overlap "
            "where one calls another):",
            "",
            "| part | time | share |",
            "|---|---|---|",
            *anatomy,
            "",
            "Before this rewrite the object runner called `propose` on every ACTIVE tick with no guard but the stake "
            "caps: 690–990 games/s. Asking the Decider only when a tick-only rule's slot is due, handing the governor "
            "only the reports that can change a verdict (bot/optimize/exact.py) and leaving the credible interval "
            "(≈ 0.3 ms per game to recompute) out of a tick-only rule's estimate are what made the real governor "
            "affordable (the 'every report' row is the same runner making every call the loop makes); what remains is "
            "the governor's own work per bet (guards, SQLite rows, ledger fold). `--jobs 2` pays a Dask cluster "
            "start (≈ 2 s here) and can only pay off with a free second core: on this shared machine compare the "
            "Dask rows with the serial ones. The vectorised path finishes a million games before a cluster is up. "
            "The adaptive-stake row shows what the proofs cost when they fail: over 20,000-game sessions the "
            "z-score comes near its trigger in every session, and each is replayed by the exact runner.",
        ]
    )
    replace_section(args.out, "simulate", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
