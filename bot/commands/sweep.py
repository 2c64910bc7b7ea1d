"""``rugsbot sweep``: a grid over a strategy's declared parameters, on simulated games or recordings."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bot.commands import argtypes, cliargs
from bot.commands.common import add_profile_arg, emit_json, load
from bot.errors import UsageError
from bot.exitcodes import EXIT_OK
from bot.money import sol_to_lamports
from bot.optimize.metrics import EvidenceReport, evaluate
from bot.optimize.sweep import (
    SweepError,
    SweepRow,
    declared_grid,
    expand,
    parse_grid,
    print_table,
    rank,
    shard,
)

MAX_POINTS = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    cliargs.add_strategy_args(parser)
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="values for one parameter (repeatable); default: every declared parameter's sweep values",
    )
    parser.add_argument(
        "--points",
        type=argtypes.positive_int,
        default=3,
        help="sweep values per declared parameter (default grid)",
    )
    parser.add_argument(
        "--games", "-n", type=argtypes.games, default=20_000, help="simulated games per grid point"
    )
    parser.add_argument(
        "files", nargs="*", type=Path, metavar="FILE", help="recordings instead of simulated games"
    )
    parser.add_argument(
        "--seed", type=argtypes.seed, default=0, help="the same seed for every point (common random numbers)"
    )
    parser.add_argument(
        "--jobs", "-j", type=argtypes.positive_int, default=1, help="worker processes per simulated point"
    )
    parser.add_argument("--latency", type=argtypes.latency_s, default=None, help="click latency in seconds")
    parser.add_argument("--rank-by", default="ev_per_bet", choices=("ev_per_bet", "roi", "profit_lamports"))
    parser.add_argument("--shard", default=None, metavar="I/N", help="run every N-th grid point from I")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        metavar="JSON",
        help="rank the rows of several --out files (from shards) instead of running",
    )
    cliargs.add_output_args(parser)


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    cliargs.quiet_logs()
    if args.merge:
        merged: list[SweepRow] = []
        for path in args.merge:
            try:
                rows_in = json.loads(path.read_text(encoding="utf-8"))["rows"]
                merged += [SweepRow(r["params"], EvidenceReport.from_dict(r["report"])) for r in rows_in]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"--merge {path}: not a sweep result (`sweep --out`): {exc}") from exc
        return _emit(rank(merged, args.rank_by), args, "merged sweep")
    name, fixed = cliargs.strategy_choice(profile, args.strategy, cliargs.parse_assignments(args.param))
    files = cliargs.recordings(args.files) if args.files else []
    try:
        grid = (
            parse_grid(args.grid, cliargs.parse_value)
            if args.grid
            else declared_grid(name, settings.strategies_dir, args.points)
        )
        points = shard(expand(grid, {k: v for k, v in fixed.items() if k not in grid}), args.shard)
    except SweepError as exc:
        raise UsageError(str(exc)) from exc
    if len(points) > MAX_POINTS:
        raise UsageError(f"{len(points)} grid points (> {MAX_POINTS})", hint="narrow --grid or use --shard")
    _check_grid(name, grid, points, settings.strategies_dir)
    latency = args.latency if args.latency is not None else profile.timing.click_latency_s
    rows: list[SweepRow] = []
    from rich.progress import Progress

    with Progress(transient=True, disable=args.json) as progress:
        task = progress.add_task(f"sweep {name}", total=len(points))
        for point in points:
            rows.append(SweepRow(point, _run_point(args, files, settings, profile, name, point, latency)))
            progress.advance(task)
    return _emit(
        rank(rows, args.rank_by),
        args,
        f"sweep {name} on "
        + (f"{len(args.files)} recording(s)" if args.files else f"{args.games:,} simulated games"),
    )


def _check_grid(name: str, grid: dict[str, list], points: list[dict], strategies_dir: Path) -> None:
    """Every grid value within its parameter's declared type and bounds, every point a strategy that builds:
    one line naming the first bad value (exit 2) before any point runs."""
    from bot.engine.params import StrategyError
    from bot.engine.strategy import strategy_class

    declared = strategy_class(name, strategies_dir).params
    for key, values in grid.items():
        if key not in declared:
            raise StrategyError(f"--grid {key}: {name} has no such parameter; declared: {sorted(declared)}")
        for value in values:
            declared[key].validate(value, f"--grid {key}")
    for point in points:
        cliargs.check_strategy(name, point, strategies_dir)


def _run_point(args, files, settings, profile, name, point, latency) -> EvidenceReport:
    from bot.optimize.fastsim import ticks_for_seconds

    lag = ticks_for_seconds(latency)
    if files:
        from bot.optimize.backtest import engine_for, frames_of, run_backtest, scratch_dir

        with tempfile.TemporaryDirectory(prefix="rugsbot-sweep-", dir=scratch_dir()) as tmp:
            res = run_backtest(
                frames_of(files),
                profile,
                db_path=Path(tmp) / "sweep.db",
                strategies_dir=settings.strategies_dir,
                latency_s=latency,
                engine=engine_for(profile, name, point),
            )
        return evaluate(
            res.records(lag), label=str(point), seed=args.seed, baseline=not args.no_baseline, replicates=500
        )
    from bot.optimize.montecarlo import SimPlan, records_from_log, sim_guards, simulate

    g = profile.guards
    plan = SimPlan(
        strategy=name,
        params=point,
        games=args.games,
        seed=args.seed,
        jobs=args.jobs,
        lag_ticks=lag,
        starting_bankroll=sol_to_lamports(profile.starting_bankroll_sol),
        stake_cap=sol_to_lamports(g.max_stake_per_bet_sol),
        game_cap=None if g.max_stake_per_game_sol is None else sol_to_lamports(g.max_stake_per_game_sol),
        guards=sim_guards(g, False),
        strategies_dir=settings.strategies_dir,
    )
    return evaluate(
        records_from_log(simulate(plan)),
        label=str(point),
        seed=args.seed,
        baseline=not args.no_baseline,
        replicates=500,
    )


def _emit(rows: list[SweepRow], args: argparse.Namespace, title: str) -> int:
    if args.out is not None:
        cliargs.write_result(
            args.out,
            {"title": title, "rows": [{"params": r.params, "report": r.report.to_dict()} for r in rows]},
        )
    if args.json:
        emit_json({"title": title, "rows": [r.to_dict() for r in rows]})
    else:
        print_table(rows, title)
    return EXIT_OK
