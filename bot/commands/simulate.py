"""``rugsbot simulate``: Monte Carlo over freshly generated games — no sockets, no sleeps, seeded."""

from __future__ import annotations

import argparse

from bot.commands import argtypes, cliargs
from bot.commands.common import add_profile_arg, emit_json, load
from bot.errors import UsageError
from bot.exitcodes import EXIT_OK
from bot.money import sol_to_lamports
from bot.optimize.fastsim import ticks_for_seconds
from bot.optimize.metrics import evaluate
from bot.optimize.montecarlo import (
    SimPlan,
    StrategyUnavailable,
    is_vectorised,
    records_from_log,
    sim_guards,
    simulate,
)
from bot.report.summary import print_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    cliargs.add_strategy_args(parser)
    parser.add_argument("--games", "-n", type=argtypes.games, default=10_000, help="games to generate")
    parser.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (same seed → same result)")
    parser.add_argument("--jobs", "-j", type=argtypes.positive_int, default=1, help="worker processes")
    parser.add_argument(
        "--latency",
        type=argtypes.latency_s,
        default=None,
        help="click latency in seconds (default: the profile's timing.click_latency_s)",
    )
    parser.add_argument(
        "--enforce-guards",
        action="store_true",
        help="halt at the first guard trip (default: count trips, keep betting)",
    )
    parser.add_argument(
        "--exact",
        action="store_true",
        help="call the strategy object at every decision even for tick-only rules",
    )
    parser.add_argument(
        "--session",
        action="store_true",
        help="run the whole live session (model, ranker, governor, paper broker, SQLite) on the "
        "generated games as frames: exact guards, ~30 games/s",
    )
    cliargs.add_output_args(parser)


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    name, params = cliargs.strategy_choice(profile, args.strategy, cliargs.parse_assignments(args.param))
    cliargs.check_strategy(name, params, settings.strategies_dir)
    latency = args.latency if args.latency is not None else profile.timing.click_latency_s
    g = profile.guards
    plan = SimPlan(
        strategy=name,
        params=params,
        games=args.games,
        seed=args.seed,
        jobs=args.jobs,
        lag_ticks=ticks_for_seconds(latency),
        starting_bankroll=sol_to_lamports(profile.starting_bankroll_sol),
        stake_cap=sol_to_lamports(g.max_stake_per_bet_sol),
        game_cap=None if g.max_stake_per_game_sol is None else sol_to_lamports(g.max_stake_per_game_sol),
        guards=sim_guards(g, args.enforce_guards),
        exact=args.exact,
        strategies_dir=settings.strategies_dir,
    )
    if args.session:
        return _run_session(args, settings, profile, name, params, latency, plan.lag_ticks)
    try:
        log = _run_with_progress(plan, quiet=args.json)
    except StrategyUnavailable as exc:
        raise UsageError(str(exc)) from exc
    meta = {
        "command": "simulate",
        "strategy": name,
        "params": params,
        "games": args.games,
        "seed": args.seed,
        "jobs": args.jobs,
        "latency_s": latency,
        "lag_ticks": plan.lag_ticks,
        "profile": profile.name,
        "no_bet_reasons": {why[:80]: n for why, n in log.declined},
    }
    report = evaluate(
        records_from_log(log),
        label=f"simulate {name}",
        seed=args.seed,
        baseline=not args.no_baseline,
        meta=meta,
    )
    return _output(args, report)


def _run_session(args, settings, profile, name, params, latency, lag) -> int:
    """Monte Carlo games through the real session; guards act as they would live (halts included)."""
    import tempfile
    from pathlib import Path

    import numpy as np

    from bot.commands.cliargs import quiet_logs
    from bot.optimize import fastsim
    from bot.optimize.backtest import engine_for, run_backtest, scratch_dir

    quiet_logs()
    games = fastsim.priced_games(np.random.default_rng(np.random.SeedSequence(args.seed)), args.games)
    with tempfile.TemporaryDirectory(prefix="rugsbot-simulate-", dir=scratch_dir()) as tmp:
        res = run_backtest(
            fastsim.session_frames(games),
            profile,
            db_path=Path(tmp) / "sim.db",
            strategies_dir=settings.strategies_dir,
            latency_s=latency,
            engine=engine_for(profile, name, params),
        )
    meta = {
        "command": "simulate",
        "mode": "session",
        "strategy": name,
        "params": params,
        "games": args.games,
        "seed": args.seed,
        "latency_s": latency,
        "profile": profile.name,
        "ticks": res.ticks,
        "elapsed_s": round(res.elapsed_s, 3),
        "no_bet_reasons": res.no_bet_reasons,
    }
    report = evaluate(
        res.records(lag),
        label=f"simulate {name} (session)",
        seed=args.seed,
        baseline=not args.no_baseline,
        meta=meta,
    )
    return _output(args, report)


def _output(args: argparse.Namespace, report) -> int:
    data = report.to_dict()
    if args.out is not None:
        cliargs.write_result(args.out, data)
    if args.json:
        data.pop("series")
        emit_json(data)
    else:
        print_summary(report)
    return EXIT_OK


def _run_with_progress(plan: SimPlan, quiet: bool):
    if quiet or (plan.games <= 50_000 and is_vectorised(plan)) or plan.games <= 2_000:
        return simulate(plan)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("simulating", total=plan.games)
        return simulate(plan, on_progress=lambda n: progress.advance(task, n))
