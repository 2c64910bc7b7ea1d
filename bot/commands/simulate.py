"""``rugsbot simulate``: Monte Carlo over freshly generated games — no sockets, no sleeps, seeded.

Every bet is judged by the profile's guards as the governor judges them (bot/optimize/montecarlo.py); a run is
a series of simulated sessions (fresh accounts) of ``--session-games`` games each.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands import argtypes, cliargs
from bot.commands.common import add_profile_arg, emit_json, load
from bot.errors import EnvironmentProblem
from bot.exitcodes import EXIT_OK
from bot.optimize.betlog import BetLog
from bot.optimize.metrics import EvidenceReport, evaluate
from bot.optimize.montecarlo import (
    SESSION_GAMES,
    Runner,
    plan_for,
    records_from_log,
    simulate,
    vector_obstacle,
)
from bot.optimize.parallel import ParallelError
from bot.report.summary import print_summary
from bot.shorten import shorten


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    cliargs.add_strategy_args(parser)
    parser.add_argument("--games", "-n", type=argtypes.games, default=10_000, help="games to generate")
    parser.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (same seed → same result)")
    parser.add_argument(
        "--session-games",
        type=argtypes.positive_int,
        default=SESSION_GAMES,
        help="games per simulated session (a fresh account: bankroll, ledger, guards); default %(default)s",
    )
    cliargs.add_parallel_args(parser, "sessions")
    parser.add_argument(
        "--latency",
        type=argtypes.latency_s,
        default=None,
        help="click latency in seconds (default: the profile's timing.click_latency_s)",
    )
    parser.add_argument(
        "--enforce-guards",
        action="store_true",
        help=argparse.SUPPRESS,  # retired: the governor's guards always apply (kept so old scripts run)
    )
    parser.add_argument(
        "--exact",
        action="store_true",
        help="play every session with the exact runner (real Decider and governor), never the vectorised path",
    )
    parser.add_argument(
        "--every-tick",
        action="store_true",
        help="the exact runner asking the Decider on every ACTIVE tick (the slow reference)",
    )
    parser.add_argument(
        "--session",
        action="store_true",
        help="run the whole trading loop (tracker, model, Decider, governor, paper broker, SQLite) on the "
        "generated games as frames: the reference, ~30 games/s",
    )
    cliargs.add_output_args(parser)


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    if args.enforce_guards:
        print(
            "rugsbot simulate: --enforce-guards is retired: the profile's guards always apply",
            file=sys.stderr,
        )
    name, params = cliargs.strategy_choice(profile, args.strategy, cliargs.parse_assignments(args.param))
    cliargs.check_strategy(name, params, settings.strategies_dir)
    latency = args.latency if args.latency is not None else profile.timing.click_latency_s
    runner = Runner.EVERY_TICK if args.every_tick else Runner.EXACT if args.exact else Runner.AUTO
    plan = plan_for(
        profile,
        name,
        params,
        games=args.games,
        seed=args.seed,
        latency_s=latency,
        strategies_dir=settings.strategies_dir,
        session_games=args.session_games,
        runner=runner,
    )
    meta: dict[str, Any] = {
        "command": "simulate",
        "strategy": name,
        "params": params,
        "games": args.games,
        "seed": args.seed,
        "jobs": args.jobs,
        "latency_s": latency,
        "lag_ticks": plan.lag_ticks,
        "profile": profile.name,
        "session_games": args.session_games,
    }
    if args.session:
        from bot.optimize.loop_sim import run_through_loop

        cliargs.quiet_logs()
        loop = run_through_loop(plan, profile)
        meta.update(
            mode="session",
            ticks=loop.ticks,
            elapsed_s=round(loop.elapsed_s, 3),
            no_bet_reasons=loop.no_bet_reasons(),
        )
        return _output(args, _report(args, loop.log, f"simulate {name} (session)", meta, plan.lag_ticks))
    try:
        log = _run_with_progress(plan, args)
    except ParallelError as exc:
        raise EnvironmentProblem(str(exc)) from exc
    meta.update(
        runner=runner.value,
        vector_path=vector_obstacle(plan) or "possible",
        exact_sessions=log.exact_sessions,
        no_bet_reasons={shorten(why, 80): n for why, n in log.declined},
    )
    return _output(args, _report(args, log, f"simulate {name}", meta, plan.lag_ticks))


def _report(
    args: argparse.Namespace, log: BetLog, label: str, meta: dict[str, Any], lag: int
) -> EvidenceReport:
    records = records_from_log(log, lag)
    # meta's copies predate the report's own fields; docs/BACKTESTING.md and scripts read them
    meta.update(sessions=records.sessions, worst_session_pnl_lamports=int(records.session_pnl().min()))
    return evaluate(records, label=label, seed=args.seed, baseline=not args.no_baseline, meta=meta)


def _output(args: argparse.Namespace, report: EvidenceReport) -> int:
    data = report.to_dict()
    if args.out is not None:
        cliargs.write_result(args.out, data)
    if args.json:
        data.pop("series")
        emit_json(data)
    else:
        print_summary(report)
    return EXIT_OK


def _run_with_progress(plan: Any, args: argparse.Namespace) -> BetLog:
    quick = vector_obstacle(plan) is None and plan.games <= 1_000_000
    if args.json or quick or plan.games <= 2_000:
        return simulate(plan, jobs=args.jobs, scheduler=args.scheduler)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("simulating", total=plan.games)
        return simulate(
            plan, jobs=args.jobs, scheduler=args.scheduler, on_progress=lambda n: progress.advance(task, n)
        )
