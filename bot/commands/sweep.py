"""``rugsbot sweep``: a grid over a strategy's declared parameters, on simulated games or recordings.

Points run serially, on a local Dask cluster (``--jobs N``) or on a cluster (``--scheduler tcp://HOST:PORT``);
the ranked table is the same either way (bot/optimize/sweep.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands import argtypes, cliargs
from bot.commands.common import add_profile_arg, emit_json, load
from bot.config.sections import StrategyParam
from bot.errors import EnvironmentProblem, UsageError
from bot.exitcodes import EXIT_OK
from bot.optimize.parallel import ParallelError
from bot.optimize.sweep import (
    SweepError,
    SweepRow,
    SweepSpec,
    declared_grid,
    expand,
    parse_grid,
    print_table,
    rank,
    run_sweep,
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
    cliargs.add_parallel_args(parser, "grid points")
    parser.add_argument("--latency", type=argtypes.latency_s, default=None, help="click latency in seconds")
    parser.add_argument("--rank-by", default="ev_per_bet", choices=("ev_per_bet", "roi", "profit_lamports"))
    cliargs.add_output_args(parser)


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    cliargs.quiet_logs()
    name, fixed = cliargs.strategy_choice(profile, args.strategy, cliargs.parse_assignments(args.param))
    files = cliargs.recordings(args.files) if args.files else []
    try:
        grid = (
            parse_grid(args.grid, cliargs.parse_value)
            if args.grid
            else declared_grid(name, settings.strategies_dir, args.points)
        )
        points = expand(grid, {k: v for k, v in fixed.items() if k not in grid})
    except SweepError as exc:
        raise UsageError(str(exc)) from exc
    if len(points) > MAX_POINTS:
        raise UsageError(f"{len(points)} grid points (> {MAX_POINTS})", hint="narrow --grid")
    _check_grid(name, grid, points, settings.strategies_dir)
    spec = SweepSpec(
        profile=profile,
        strategy=name,
        games=args.games,
        seed=args.seed,
        latency_s=args.latency if args.latency is not None else profile.timing.click_latency_s,
        files=tuple(p.resolve() for p in files),
        strategies_dir=settings.strategies_dir.resolve(),
        baseline=not args.no_baseline,
    )
    from rich.progress import Progress

    try:
        with Progress(transient=True, disable=args.json) as progress:
            task = progress.add_task(f"sweep {name}", total=len(points))
            rows = run_sweep(
                spec,
                points,
                jobs=args.jobs,
                scheduler=args.scheduler,
                on_done=lambda _: progress.advance(task),
            )
    except ParallelError as exc:
        raise EnvironmentProblem(str(exc)) from exc
    return _emit(
        rank(rows, args.rank_by),
        args,
        f"sweep {name} on "
        + (f"{len(args.files)} recording(s)" if args.files else f"{args.games:,} simulated games"),
    )


def _check_grid(
    name: str,
    grid: dict[str, list[StrategyParam]],
    points: list[dict[str, StrategyParam]],
    strategies_dir: Path,
) -> None:
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
